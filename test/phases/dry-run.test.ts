// The dry run: what a submission would do, computed with the submission's checks, writing and starting nothing.
import { ValidationError } from '../../lambdas/core/errors';
import { FreezeSchema } from '../../lambdas/core/freeze';
import { documentsDirValidator } from '../../lambdas/adapters/documents-dir';
import { DOCUMENTS_DIR } from '../../documents';
import { dryRun } from '../../lambdas/phases/dry-run';
import { submitChange } from '../../lambdas/phases/submit';
import { createHarness, testChange, testProfile, TEST_ENV, type Harness } from '../support/harness';

const fixedNow = new Date('2026-03-01T10:00:00Z');
const clock = { now: () => fixedNow };
const documents = documentsDirValidator(DOCUMENTS_DIR);

describe('dryRun', () => {
  let h: Harness;
  beforeEach(() => { h = createHarness(); });
  afterEach(async () => { await h.close(); });

  it('should list every step with its resolved parameters, the risk, approvals, alarms and tests, and write or start nothing', async () => {
    // Prepare
    const request = testChange('CR-2026-970', (r) => {
      r.deployment = { step_parameters: { deploy: { Release: 'v2.5.0' } } };
      (r.timeline as Record<string, unknown>).planned_start = '2026-03-01T12:00:00Z';
    });
    const profile = testProfile();

    // Act
    const plan = await dryRun({ hosts: documents, clock }, { request, profile });
    // The harness's own ports too: the same call over the store and engine a submission would use.
    await dryRun({ hosts: h.engine.deps.hosts, clock }, { request, profile });

    // Assess
    expect(plan).toMatchObject({ dryRun: true, wrote: 'nothing', changeId: 'CR-2026-970', environment: TEST_ENV, requiredApprovals: ['technical', 'business', 'security'] });
    expect(plan.risk.level).toBe('MEDIUM');
    expect(plan.approvers.technical).toEqual(['alice', 'approver-technical']);
    expect(plan.steps.preflight.map((s) => s.document)).toEqual(['runbook-SystemHealth', 'runbook-Dependencies', 'runbook-Backup']);
    expect(plan.steps.act.map((s) => s.name)).toEqual(['block-traffic', 'deploy', 'health-check', 'restore-traffic']);
    const deploy = plan.steps.act[1];
    // The change's override, the document's defaults and the executionTimeout from the step's timeoutSeconds.
    expect(deploy?.parameters).toMatchObject({ Release: 'v2.5.0', Method: 'artifact', executionTimeout: '600' });
    expect(plan.steps.act[0]?.parameters.Method).toBeDefined();
    expect(plan.steps.rollback.map((s) => s.name)).toEqual(['rollback-release', 'rollback-health-check']);
    expect(plan.targets).toBe('this machine (embedded engine)');
    expect(plan.rollbackAlarms).toEqual([
      expect.objectContaining({ name: `runbook-${TEST_ENV}-p95-latency`, threshold: 3150, unit: 'ms' }),
      expect.objectContaining({ name: `runbook-${TEST_ENV}-error-rate`, threshold: 0.015, unit: 'fraction' }),
    ]);
    expect(plan.tests.smoke.map((t) => t.name)).toEqual(['Health', 'Estimates']);
    expect(plan.window).toMatchObject({ waitSeconds: 7200, start: '2026-03-01T12:00:00.000Z' });
    expect(await h.store.listChanges({})).toEqual([]);
    expect(await h.store.acquireLock(TEST_ENV, 'CR-2026-971')).toEqual({ acquired: true });
    expect(h.engine.executionNames()).toEqual([]);
    expect(h.hosts.sent).toEqual([]);
    expect(h.notifier.sent).toEqual([]);
  });

  it('should show the parts of the longest time, which add up to its total', async () => {
    // Prepare: the window opens in two hours, shorter than pre-flight plus the longest approval wait.
    const request = testChange('CR-2026-972', (r) => { (r.timeline as Record<string, unknown>).planned_start = '2026-03-01T12:00:00Z'; });
    const profile = testProfile();

    // Act
    const { longest, steps } = await dryRun({ hosts: documents, clock }, { request, profile });

    // Assess
    const sum = (phase?: string) => longest.parts.filter((p) => phase === undefined || p.phase === phase).reduce((t, p) => t + p.seconds, 0);
    const wait = longest.parts.find((p) => p.source === 'wait');
    expect(wait?.seconds).toBe(7200);
    // Pre-flight and approvals run during the wait: the longer of the two, not their sum.
    expect(longest.untilActSeconds).toBe(sum() - 7200 - longest.fromWindowSeconds);
    expect(longest.untilActSeconds).toBeGreaterThan(7 * 86_400);
    expect(longest.totalSeconds).toBe(longest.untilActSeconds + longest.fromWindowSeconds);
    expect(longest.parts).toContainEqual({ part: 'approvals (the longest the run waits for them)', phase: 'PLAN', seconds: 604_800, source: 'asl:Plan Await Approvals' });
    expect(longest.parts).toContainEqual({ part: 'monitoring window', phase: 'MONITOR', seconds: 1, source: 'profile:monitoring.windowSeconds' });
    expect(sum('ACT')).toBe(120 + steps.act.reduce((t, s) => t + s.timeoutSeconds, 0));
    expect(sum('ROLLBACK')).toBe(240 + steps.rollback.reduce((t, s) => t + s.timeoutSeconds, 0));
    expect(longest.parts).toContainEqual({ part: 'Test Performance', phase: 'TEST', seconds: 960, source: 'asl:Test Performance' });
  });

  // SendCommand's rate control (MaxConcurrency "50%": half the targets at a time; MaxErrors "0": stop at the first
  // failed instance): https://docs.aws.amazon.com/goto/cli2/ssm-2014-11-06/SendCommand
  it('should count a fleet\'s steps per rate-control batch, capped by the ASL task timeout', async () => {
    // Prepare
    const profile = testProfile({ targets: { kind: 'tag', key: 'Environment', values: ['prod'] } });
    const request = testChange('CR-2026-973');

    // Act
    const plan = await dryRun({ hosts: documents, clock }, { request, profile });

    // Assess
    expect(plan.targets).toBe('managed instances tagged Environment=prod');
    expect(plan.rateControl).toMatch(/MaxConcurrency 50%, MaxErrors 0 .*2 batches/);
    expect(plan.steps.act[0]).toMatchObject({ timeoutSeconds: 600, longestSeconds: 1200 });
  });

  it('should refuse with the same ValidationError as the submission, naming each field, and write nothing', async () => {
    // Prepare
    const request = testChange('CR-2026-974', (r) => {
      r.deployment = { step_parameters: { deploi: { Release: 'v2.4.0' }, deploy: { Release: 'not a release; rm -rf /' } } };
    });
    const profile = testProfile();

    // Act
    const planned = await dryRun({ hosts: h.engine.deps.hosts, clock: h.engine.deps.clock }, { request, profile }).catch((e: unknown) => e);
    const submitted = await submitChange(h.engine.deps, { request, profile, submittedBy: 'ops' }).catch((e: unknown) => e);

    // Assess
    expect(planned).toBeInstanceOf(ValidationError);
    expect((planned as ValidationError).message).toBe((submitted as ValidationError).message);
    expect((planned as ValidationError).issues).toEqual((submitted as ValidationError).issues);
    expect((planned as ValidationError).issues.map((i) => i.path)).toContain('deployment.step_parameters.deploi');
    expect(await h.store.listChanges({})).toEqual([]);
    expect(h.engine.executionNames()).toEqual([]);
  });

  it('should read the store, with it, as the submission would: a duplicate, another body under the id, a held environment', async () => {
    // Prepare: one change holds the environment.
    const held = testChange('CR-2026-977');
    await submitChange(h.engine.deps, { request: held, profile: testProfile(), submittedBy: 'ops' });
    const deps = { hosts: h.engine.deps.hosts, clock: h.engine.deps.clock, store: h.store };

    // Act
    const duplicate = await dryRun(deps, { request: held, profile: testProfile() });
    const otherBody = await dryRun(deps, { request: testChange('CR-2026-977', (r) => { (r.change_request as Record<string, unknown>).title = 'else'; }), profile: testProfile() });
    const another = await dryRun(deps, { request: testChange('CR-2026-978'), profile: testProfile() });

    // Assess
    expect(duplicate.duplicateOf).toEqual({ status: expect.any(String) });
    expect(duplicate.refusal).toBeUndefined();
    expect(otherBody.refusal).toBe('change CR-2026-977 already exists with a different body');
    expect(another.refusal).toMatch(/^environment test-env already has an active change: CR-2026-977 \(/);
    // The held change runs on meanwhile; nothing else was written.
    expect((await h.store.listChanges({})).map((c) => c.id)).toEqual(['CR-2026-977']);
    expect(h.engine.executionNames()).toEqual(['CR-2026-977']);
  });

  it('should report a freeze the submission would refuse, and an emergency\'s extra executive approval', async () => {
    // Prepare
    const freezes = [FreezeSchema.parse({ name: 'launch', reason: 'product launch', start: '2026-03-01T00:00:00Z', end: '2026-03-02T00:00:00Z' })];
    const profile = testProfile({ freezes });
    const normal = testChange('CR-2026-975', (r) => { (r.timeline as Record<string, unknown>).planned_start = '2026-03-01T12:00:00Z'; });
    const emergency = testChange('CR-2026-976', (r) => {
      (r.timeline as Record<string, unknown>).planned_start = '2026-03-01T12:00:00Z';
      (r.change_request as Record<string, unknown>).type = 'emergency';
    });

    // Act
    const refused = await dryRun({ hosts: documents, clock }, { request: normal, profile });
    const allowed = await dryRun({ hosts: documents, clock }, { request: emergency, profile });

    // Assess
    expect(refused.refusal).toMatch(/overlaps the change freeze "launch"/);
    expect(refused.freezes.map((f) => f.name)).toEqual(['launch']);
    expect(allowed.refusal).toBeUndefined();
    expect(allowed.requiredApprovals).toEqual(['technical', 'business', 'security', 'executive']);
  });
});
