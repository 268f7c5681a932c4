// Every path of statemachines/runbook.asl.json, executed on the local engine with the real handlers
// over in-memory adapters; each asserts the path through the engine's history and the store's records.
import { createHarness, PATHS, statePath, testChange, testProfile, TEST_ENV, type Harness } from '../support/harness';
import { eventually } from '../support/fakes';
import { recordApproval } from '../../lambdas/phases/approvals';
import { requestCancel } from '../../lambdas/phases/cancel';
import { interruptChange } from '../../lambdas/phases/common';
import { recoverInterrupted, rollbackInterrupted } from '../../lambdas/phases/resume';

const PREFLIGHT = PATHS.PREFLIGHT;
const PLAN = PATHS.PLAN;
const PLAN_WITH_RECHECK = ['Plan Assess Risk', 'Plan Await Approvals', 'Plan Schedule', 'Plan Wait For Change Window', 'Plan Recheck Health?', 'Plan Recheck System Health', 'Plan Check Alarms'];
const ACT = ['Act Begin', 'Act Run Steps', 'Monitor Window'];
const ROLLBACK_TO_PLAN = PATHS.ROLLBACK_TO_PLAN;

describe('runbook state machine on the local engine', () => {
  let h: Harness;
  afterEach(async () => { await h.close(); });

  it('should run PRE-FLIGHT → PLAN → ACT → TEST → REPORT and complete when everything passes', async () => {
    // Prepare
    h = createHarness();
    const name = await h.submit();
    await h.approveAll('CR-2026-900');

    // Act
    const outcome = await h.finish(name);

    // Assess
    expect(outcome.status).toBe('SUCCEEDED');
    expect(statePath(outcome)).toEqual([...PREFLIGHT, ...PLAN, ...ACT, 'Test Smoke', 'Test Performance', 'Report Success', 'Change Completed']);
    const change = await h.store.getChange('CR-2026-900');
    expect(change?.status).toBe('COMPLETED');
    // The last is the REPORT's read-only check of the service, database and cache as the report is written.
    expect(h.hosts.stepNames()).toEqual(['preflight-system-health', 'preflight-dependencies', 'preflight-backup', 'block-traffic', 'deploy', 'health-check', 'restore-traffic', 'report-health']);
    const report = await h.store.getReport('CR-2026-900');
    expect(report?.outcome).toBe('COMPLETED');
    expect(report?.qcSummary).toContain('Status: SUCCESS');
    expect(await h.store.acquireLock(TEST_ENV, 'CR-2026-999')).toEqual({ acquired: true });
    expect(h.engine.broker.outstanding()).toBe(0);
  });

  // The re-check branch is a JSONPath Choice rule (Variable + BooleanEquals + Next, with a Default):
  // https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html — after the Wait on TimestampPath:
  // https://docs.aws.amazon.com/step-functions/latest/dg/state-wait.html
  it('should not check system health again when the change window opened soon after PRE-FLIGHT', async () => {
    // Prepare: the window is already open and the approvals are at hand: minutes, not the profile's 60
    h = createHarness();
    const name = await h.submit(testChange(), testProfile({ preflightRecheckAfterMinutes: 60 }));
    await h.approveAll('CR-2026-900');

    // Act
    const outcome = await h.finish(name);

    // Assess
    expect(outcome.status).toBe('SUCCEEDED');
    expect(statePath(outcome).slice(PREFLIGHT.length, PREFLIGHT.length + PLAN.length)).toEqual(PLAN);
    expect(h.hosts.stepNames().filter((n) => n.startsWith('preflight-system-health'))).toEqual(['preflight-system-health']);
    const scheduled = (await h.store.listEvents('CR-2026-900')).find((e) => e.type === 'status.scheduled');
    expect(scheduled?.data).toMatchObject({ recheckHealth: false, preflightRecheckAfterMinutes: 60 });
  });

  it('should check system health again right before ACT when the change window opens long after PRE-FLIGHT', async () => {
    // Prepare: the window opens in two hours (the engine's Wait is shortened to 0 here; the decision is on the times)
    h = createHarness();
    const inTwoHours = new Date(Date.now() + 2 * 3600_000).toISOString();
    const name = await h.submit(testChange('CR-2026-900', (r) => { (r.timeline as Record<string, unknown>).planned_start = inTwoHours; }), testProfile());
    await h.approveAll('CR-2026-900');

    // Act
    const outcome = await h.finish(name);

    // Assess
    expect(outcome.status).toBe('SUCCEEDED');
    expect(statePath(outcome)).toEqual([...PREFLIGHT, ...PLAN_WITH_RECHECK, ...ACT, 'Test Smoke', 'Test Performance', 'Report Success', 'Change Completed']);
    expect(h.hosts.stepNames()).toEqual(['preflight-system-health', 'preflight-dependencies', 'preflight-backup', 'preflight-system-health-recheck', 'block-traffic', 'deploy', 'health-check', 'restore-traffic', 'report-health']);
    const events = await h.store.listEvents('CR-2026-900');
    expect(events.find((e) => e.type === 'status.scheduled')?.data).toMatchObject({ recheckHealth: true, preflightRecheckAfterMinutes: 60 });
    expect(events.map((e) => e.type)).toContain('plan.health-recheck');
  });

  it('should end as a failed pre-flight, touching nothing, when the health check before ACT fails', async () => {
    // Prepare: 0 minutes: always check again; the host degraded while the change waited
    h = createHarness({ behaviour: (req) => (req.step.name === 'preflight-system-health-recheck' ? { status: 'Failed', stdout: 'estimator-service: STOPPED' } : { status: 'Success' }) });
    const name = await h.submit(testChange(), testProfile({ preflightRecheckAfterMinutes: 0 }));
    await h.approveAll('CR-2026-900');

    // Act
    const outcome = await h.finish(name);

    // Assess
    expect(statePath(outcome)).toEqual([...PREFLIGHT, ...PLAN_WITH_RECHECK.slice(0, -1), 'Report PreFlight Failure', 'PreFlight Failed']);
    expect(h.hosts.stepNames()).toEqual(['preflight-system-health', 'preflight-dependencies', 'preflight-backup', 'preflight-system-health-recheck']);
    const change = await h.store.getChange('CR-2026-900');
    expect(change?.status).toBe('PREFLIGHT_FAILED');
    expect(change?.reason).toContain('HostCommandFailed');
    expect(await h.store.acquireLock(TEST_ENV, 'CR-2026-999')).toEqual({ acquired: true });
  });

  it('should stop at PRE-FLIGHT, touch nothing and report when a check fails', async () => {
    // Prepare
    h = createHarness({ behaviour: (req) => (req.step.document === 'runbook-SystemHealth' ? { status: 'Failed', stdout: 'estimator-service: STOPPED' } : { status: 'Success' }) });
    const name = await h.submit();

    // Act
    const outcome = await h.finish(name);

    // Assess
    expect(outcome.status).toBe('FAILED');
    expect(outcome.error).toBe('PreflightFailed');
    expect(statePath(outcome)).toEqual(['How To Start', 'Start Attempt', 'PreFlight System Health', 'Report PreFlight Failure', 'PreFlight Failed']);
    expect(h.hosts.stepNames()).toEqual(['preflight-system-health']);
    const change = await h.store.getChange('CR-2026-900');
    expect(change?.status).toBe('PREFLIGHT_FAILED');
    expect(change?.reason).toContain('HostCommandFailed');
    expect((await h.store.getReport('CR-2026-900'))?.outcome).toBe('PREFLIGHT_FAILED');
    expect(h.notifier.sent.map((n) => n.kind)).toContain('preflight-failed');
  });

  it('should stop at PRE-FLIGHT when a required parameter has no value', async () => {
    // Prepare
    h = createHarness({ missingParameters: ['JWT_SECRET'] });
    const name = await h.submit(testChange(), testProfile({ requiredParameters: ['DATABASE_URL', 'JWT_SECRET'] }));

    // Act
    const outcome = await h.finish(name);

    // Assess
    expect(statePath(outcome)).toEqual(['How To Start', 'Start Attempt', 'PreFlight System Health', 'PreFlight Dependencies', 'Report PreFlight Failure', 'PreFlight Failed']);
    expect((await h.store.getChange('CR-2026-900'))?.reason).toContain('JWT_SECRET');
  });

  it('should stop at PRE-FLIGHT, sending nothing, when a target\'s SSM Agent is older than the ENV_VAR minimum', async () => {
    // Prepare: AgentVersion as DescribeInstanceInformation reports it (InstanceInformation.AgentVersion)
    h = createHarness();
    h.hosts.agentInventory = { applicable: true, instances: [{ instanceId: 'i-0123456789abcdef0', agentVersion: '3.3.40.0' }, { instanceId: 'i-0fedcba9876543210', agentVersion: '3.3.2746.0' }] };
    const name = await h.submit();

    // Act
    const outcome = await h.finish(name);

    // Assess
    expect(statePath(outcome)).toEqual(['How To Start', 'Start Attempt', 'PreFlight System Health', 'Report PreFlight Failure', 'PreFlight Failed']);
    const change = await h.store.getChange('CR-2026-900');
    expect(change?.status).toBe('PREFLIGHT_FAILED');
    expect(change?.reason).toContain('i-0123456789abcdef0: SSM Agent 3.3.40.0 is older than 3.3.2746.0');
    expect(change?.reason).not.toContain('i-0fedcba9876543210');
    expect(h.hosts.sent.map((r) => r.step.name)).not.toContain('preflight-system-health');
  });

  it('should keep the agent-check record and reason bounded at 1,000 hosts, with the count and the versions seen', async () => {
    // Prepare: 1,000 instances, 300 of them on an agent older than the minimum
    h = createHarness();
    const id = (n: number): string => `i-${n.toString(16).padStart(17, '0')}`;
    h.hosts.agentInventory = { applicable: true, instances: Array.from({ length: 1000 }, (_, n) => ({ instanceId: id(n), agentVersion: n < 300 ? '3.3.40.0' : '3.3.2746.0' })) };
    const name = await h.submit();

    // Act
    await h.finish(name);

    // Assess: the first 50 problems named, the rest counted, in the reason and in the event
    const change = await h.store.getChange('CR-2026-900');
    expect(change?.status).toBe('PREFLIGHT_FAILED');
    expect(change?.reason).toContain(`${id(49)}: SSM Agent 3.3.40.0 is older`);
    expect(change?.reason).not.toContain(id(50));
    expect(change?.reason).toContain('and 250 more (300 in all)');
    const outdated = (await h.store.listEvents('CR-2026-900')).find((e) => e.type === 'preflight.agents-outdated');
    expect(outdated?.data).toMatchObject({ problemCount: 300 });
    expect((outdated?.data as { problems: string[] }).problems).toHaveLength(50);
  });

  it('should record a passed agent check at 1,000 hosts as a count, the versions and the first 50 instances', async () => {
    // Prepare
    h = createHarness();
    h.hosts.agentInventory = { applicable: true, instances: Array.from({ length: 1000 }, (_, n) => ({ instanceId: `i-${n.toString(16).padStart(17, '0')}`, agentVersion: n % 2 === 0 ? '3.3.2746.0' : '3.3.3000.0' })) };
    const name = await h.submit();

    // Act
    await h.approveAll('CR-2026-900');
    await h.finish(name);

    // Assess
    const passed = (await h.store.listEvents('CR-2026-900')).find((e) => e.type === 'preflight.agents');
    expect(passed?.message).toBe('SSM Agent 3.3.2746.0 or later on all 1000 target instance(s)');
    expect(passed?.data).toMatchObject({ applicable: true, instanceCount: 1000, versions: { '3.3.2746.0': 500, '3.3.3000.0': 500 } });
    expect((passed?.data as { instances: unknown[] }).instances).toHaveLength(50);
  });

  it('should record the agent check as not applicable on the embedded engine and go on', async () => {
    // Prepare
    h = createHarness();
    const name = await h.submit();

    // Act
    await h.approveAll('CR-2026-900');
    await h.finish(name);

    // Assess
    expect((await h.store.getChange('CR-2026-900'))?.status).toBe('COMPLETED');
    const events = await h.store.listEvents('CR-2026-900');
    expect(events.find((e) => e.type === 'preflight.agents')?.message).toMatch(/^SSM Agent version check not applicable/);
  });

  it('should stop at PRE-FLIGHT when a TEST login credential has no value, before anything is touched', async () => {
    // Prepare
    h = createHarness({ missingParameters: ['/runbook/test-env/test-user-password'] });
    const base = testProfile();
    const profile = testProfile({ tests: { ...base.tests, auth: { credentials: { email: '/runbook/test-env/test-user-email', password: '/runbook/test-env/test-user-password' } } } });
    const name = await h.submit(testChange(), profile);

    // Act
    const outcome = await h.finish(name);

    // Assess
    expect(statePath(outcome)).toEqual(['How To Start', 'Start Attempt', 'PreFlight System Health', 'PreFlight Dependencies', 'Report PreFlight Failure', 'PreFlight Failed']);
    expect((await h.store.getChange('CR-2026-900'))?.reason).toContain('/runbook/test-env/test-user-password');
    expect(h.hosts.stepNames()).toEqual(['preflight-system-health']);
  });

  it('should end REJECTED without touching anything when an approver rejects', async () => {
    // Prepare
    h = createHarness();
    const name = await h.submit();
    await eventually(() => h.store.getChange('CR-2026-900'), (c) => c?.status === 'AWAITING_APPROVAL');

    // Act
    await recordApproval(h.engine.deps, { changeId: 'CR-2026-900', role: 'security', decision: 'reject', approver: 'sec-officer', approvers: testProfile().approvers, comment: 'no rollback rehearsal' });
    const outcome = await h.finish(name);

    // Assess
    expect(outcome.error).toBe('ChangeRejected');
    expect(statePath(outcome)).toEqual([...PREFLIGHT, 'Plan Assess Risk', 'Plan Await Approvals', 'Report Plan Ended', 'How Plan Ended', 'Change Rejected']);
    expect((await h.store.getChange('CR-2026-900'))?.status).toBe('REJECTED');
    expect(h.hosts.stepNames().filter((s) => !s.startsWith('preflight-'))).toEqual([]);
  });

  it('should refuse to start ACT while a rollback alarm is already in ALARM', async () => {
    // Prepare
    h = createHarness();
    h.alarms.state.set(`runbook-${TEST_ENV}-error-rate`, 'ALARM');
    const name = await h.submit();
    await h.approveAll('CR-2026-900');

    // Act
    const outcome = await h.finish(name);

    // Assess
    expect(statePath(outcome)).toEqual([...PREFLIGHT, ...PLAN, 'Report Plan Ended', 'How Plan Ended', 'Blocked By Rollback Alarms']);
    expect((await h.store.getChange('CR-2026-900'))?.status).toBe('BLOCKED');
  });

  it('should refuse to start ACT when a rollback alarm does not exist, since nothing would watch the change', async () => {
    // Prepare
    h = createHarness();
    h.alarms.missing.add(`runbook-${TEST_ENV}-p95-latency`);
    const name = await h.submit();
    await h.approveAll('CR-2026-900');

    // Act
    const outcome = await h.finish(name);

    // Assess
    expect(statePath(outcome).slice(-3)).toEqual(['Report Plan Ended', 'How Plan Ended', 'Blocked By Rollback Alarms']);
    expect(await h.store.getChange('CR-2026-900')).toMatchObject({ status: 'BLOCKED', reason: expect.stringContaining('AlarmMissing: rollback alarm missing: runbook-test-env-p95-latency') });
    expect(h.hosts.stepNames().filter((s) => !s.startsWith('preflight-'))).toEqual([]);
  });

  it('should roll back and return the change to PLAN when an ACT step fails', async () => {
    // Prepare
    h = createHarness({ behaviour: (req) => (req.step.name === 'deploy' ? { status: 'Failed', stderr: 'image not found' } : { status: 'Success' }) });
    const name = await h.submit();
    await h.approveAll('CR-2026-900');

    // Act
    const outcome = await h.finish(name);

    // Assess
    expect(outcome.error).toBe('ChangeRolledBack');
    expect(statePath(outcome)).toEqual([...PREFLIGHT, ...PLAN, 'Act Begin', 'Act Run Steps', ...ROLLBACK_TO_PLAN]);
    expect(h.hosts.stepNames().slice(-5)).toEqual(['block-traffic', 'deploy', 'rollback-release', 'rollback-health-check', 'report-health']);
    const change = await h.store.getChange('CR-2026-900');
    expect(change?.status).toBe('ROLLED_BACK');
    expect(change?.phase).toBe('PLAN');
    const report = await h.store.getReport('CR-2026-900');
    expect((report?.report as { rollback: { executed: boolean; reason: string } }).rollback).toMatchObject({ executed: true });
    expect((report?.report as { rollback: { reason: string } }).rollback.reason).toContain('image not found');
  });

  it('should fail the monitoring window at once when a rollback alarm fires, and roll back', async () => {
    // Prepare: a long window, so only the pushed alarm can end it quickly.
    h = createHarness({ monitorWindowMs: 60_000 });
    const name = await h.submit();
    await h.approveAll('CR-2026-900');
    await eventually(() => h.store.getChange('CR-2026-900'), (c) => c?.status === 'MONITORING');

    // Act
    h.alarms.fire(TEST_ENV, 'errorRate');
    const outcome = await h.finish(name);

    // Assess: the pushed alarm ended the window, not its 60 s timer (no wall-clock bound: the history says which).
    const entered = outcome.history.filter((e) => e.type === 'StateEntered').map((e) => e.stateName);
    expect(entered).not.toContain('Monitor Close Window');
    expect(outcome.history.filter((e) => e.stateName === 'Monitor Watch Alarms' && e.error !== undefined).map((e) => e.error)).toContain('AlarmTriggered');
    expect(statePath(outcome)).toEqual([...PREFLIGHT, ...PLAN, ...ACT, ...ROLLBACK_TO_PLAN]);
    const events = await h.store.listEvents('CR-2026-900');
    expect(events.map((e) => e.type)).toContain('alarm.triggered');
    expect((await h.store.getChange('CR-2026-900'))?.reason).toContain('AlarmTriggered');
    expect(h.engine.broker.outstanding()).toBe(0);
    // The alarm is one issue in the report, not one per event plus the failure it caused.
    const issues = ((await h.store.getReport('CR-2026-900'))?.report as { issues: { message: string }[] }).issues;
    expect(issues.filter((i) => i.message.includes(`runbook-${TEST_ENV}-error-rate`))).toHaveLength(1);
  });

  it.each([
    ['a smoke test fails', (hh: Harness) => { hh.tester.smokeFails.add('Estimates'); }, 'Test Smoke', 'SmokeTestsFailed'],
    ['the load test breaches p95', (hh: Harness) => { hh.tester.load_ = { p95Ms: 5000 }; }, 'Test Performance', 'PerformanceRegression'],
  ])('should roll back when %s', async (_what, arrange, lastTestState, error) => {
    // Prepare
    h = createHarness();
    arrange(h);
    const name = await h.submit();
    await h.approveAll('CR-2026-900');

    // Act
    const outcome = await h.finish(name);

    // Assess
    const path = statePath(outcome);
    expect(path.slice(0, path.indexOf('Rollback Begin'))).toContain(lastTestState);
    expect(path.slice(path.indexOf(lastTestState) + 1)).toEqual(ROLLBACK_TO_PLAN);
    expect((await h.store.getChange('CR-2026-900'))?.reason).toContain(error);
  });

  it('should roll back and end CANCELLED, freeing the environment, when an operator cancels during ACT', async () => {
    // Prepare: the deploy step runs until the test lets it finish.
    h = createHarness();
    h.hosts.hold('deploy');
    const name = await h.submit();
    await h.approveAll('CR-2026-900');
    await eventually(async () => h.hosts.stepNames(), (steps) => steps.includes('deploy'));

    // Act
    const cancel = await requestCancel(h.engine.deps, h.engine, { changeId: 'CR-2026-900', by: 'ops-lead', reason: 'bad build' });
    h.hosts.open('deploy');
    const outcome = await h.finish(name);

    // Assess
    expect(cancel).toMatchObject({ statusCode: 202, action: 'rollback-after-current-step' });
    expect(statePath(outcome).slice(-6)).toEqual(['Act Run Steps', 'Rollback Begin', 'Rollback Run Steps', 'Report Rollback', 'Attempts Left?', 'Change Cancelled']);
    expect(h.hosts.stepNames().slice(-4)).toEqual(['deploy', 'rollback-release', 'rollback-health-check', 'report-health']);
    expect(await h.store.getChange('CR-2026-900')).toMatchObject({ status: 'CANCELLED', reason: 'cancelled by ops-lead: bad build' });
    expect(await h.store.acquireLock(TEST_ENV, 'CR-2026-999')).toEqual({ acquired: true });
  });

  it('should end in MANUAL_INTERVENTION with a critical alert when the rollback itself fails', async () => {
    // Prepare
    h = createHarness({ behaviour: (req) => (req.step.name === 'deploy' || req.step.name === 'rollback-release' ? { status: 'Failed' } : { status: 'Success' }) });
    const name = await h.submit();
    await h.approveAll('CR-2026-900');

    // Act
    const outcome = await h.finish(name);

    // Assess
    expect(outcome.error).toBe('RollbackFailed');
    expect(statePath(outcome).slice(-4)).toEqual(['Rollback Begin', 'Rollback Run Steps', 'Report Manual Intervention', 'Manual Intervention Required']);
    expect((await h.store.getChange('CR-2026-900'))?.status).toBe('MANUAL_INTERVENTION');
    expect(h.notifier.sent.find((n) => n.kind === 'manual-intervention')?.severity).toBe('critical');
    // API health is checked when the report is written (the health-check step of the rollback never ran).
    expect((await h.store.getReport('CR-2026-900'))?.qcSummary).toContain('API Health: HEALTHY\n');
    // The environment stays locked until an operator clears it.
    expect(await h.store.acquireLock(TEST_ENV, 'CR-2026-999')).toEqual({ acquired: false, holder: 'CR-2026-900' });
  });

  it('should report the API UNHEALTHY when the service is dead at report time, whatever the last health-check step said', async () => {
    // Prepare: the rollback's restore fails after its health check passed… and the service no longer answers
    h = createHarness({ behaviour: (req) => (req.step.name === 'deploy' || req.step.name === 'rollback-release' ? { status: 'Failed' } : { status: 'Success' }) });
    h.tester.smokeFails.add('API health at report time');
    const name = await h.submit();
    await h.approveAll('CR-2026-900');

    // Act
    await h.finish(name);

    // Assess
    const stored = await h.store.getReport('CR-2026-900');
    expect(stored?.outcome).toBe('MANUAL_INTERVENTION');
    expect(stored?.qcSummary).toContain('API Health: UNHEALTHY (HTTP 500)');
  });

  it('should start the next attempt as <id>-2 on re-approval and end FAILED when attempts are exhausted', async () => {
    // Prepare: every deploy fails; the profile allows 2 attempts.
    h = createHarness({ behaviour: (req) => (req.step.name === 'deploy' ? { status: 'Failed' } : { status: 'Success' }) });
    const first = await h.submit();
    await h.approveAll('CR-2026-900');
    expect((await h.finish(first)).error).toBe('ChangeRolledBack');

    // Act
    await h.approveAll('CR-2026-900');
    const second = await h.finish('CR-2026-900-2');

    // Assess
    expect(second.error).toBe('AttemptsExhausted');
    expect(statePath(second).slice(-2)).toEqual(['Attempts Left?', 'Attempts Exhausted']);
    const change = await h.store.getChange('CR-2026-900');
    expect(change).toMatchObject({ status: 'FAILED', attempt: 2, executionName: 'CR-2026-900-2' });
    expect((await h.store.getReport('CR-2026-900', 1))?.outcome).toBe('ROLLED_BACK');
    expect((await h.store.getReport('CR-2026-900'))?.attempt).toBe(2);
  });
});

// A run resumed after the embedded process stopped or died: the same definition entered through the input's
// `entry` (How To Start), on a second engine over the same records, as after a restart. How To Start is a JSONPath
// Choice whose rules are `And` of `IsPresent` and `StringEquals` on `$.entry`, with a Default (Choice Rules
// (JSONPath): https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html); asl-validator accepts it
// (definition.test.ts) and the local engine evaluates it as below.
describe('runbook state machine resumed after an interruption', () => {
  const harnesses: Harness[] = [];
  const make = (options: Parameters<typeof createHarness>[0] = {}): Harness => {
    const created = createHarness(options);
    harnesses.push(created);
    return created;
  };
  afterEach(async () => { for (const x of harnesses.splice(0)) await x.close(); });
  const lines: string[] = [];
  const recover = (x: Harness) => recoverInterrupted(x.engine.deps, TEST_ENV, { actor: 'ops', say: (l) => lines.push(l) });

  it('should roll back, as execution <id>-1-r1 entered at Rollback Begin, a change whose process died in the monitoring window', async () => {
    // Prepare: the first process dies (no INTERRUPTED mark) while the change is MONITORING
    const first = make({ monitorWindowMs: 600_000 });
    const name = await first.submit();
    await first.approveAll('CR-2026-900');
    await eventually(() => first.store.getChange('CR-2026-900'), (c) => c?.status === 'MONITORING');
    first.engine.abort(name);
    await first.finish(name);
    const restarted = make({ store: first.store });

    // Act
    const recovered = await recover(restarted);
    const outcome = await restarted.finish('CR-2026-900-1-r1');

    // Assess
    expect(recovered.map((r) => [r.change.id, r.recovery.kind, r.executionName])).toEqual([['CR-2026-900', 'rollback', 'CR-2026-900-1-r1']]);
    expect(statePath(outcome)).toEqual(['How To Start', ...ROLLBACK_TO_PLAN]);
    expect(restarted.hosts.stepNames()).toEqual(['rollback-release', 'rollback-health-check', 'report-health']);
    const change = await first.store.getChange('CR-2026-900');
    expect(change).toMatchObject({ status: 'ROLLED_BACK', executionName: 'CR-2026-900-1-r1', resumes: 1, reason: expect.stringContaining('Interrupted: the embedded process running the change stopped while it was MONITORING') });
    expect((await first.store.getReport('CR-2026-900'))?.report).toMatchObject({ rollback: { executed: true } });
    // Back in PLAN, the change still holds its environment.
    expect(await first.store.acquireLock(TEST_ENV, 'CR-2026-999')).toEqual({ acquired: false, holder: 'CR-2026-900' });
    const types = (await first.store.listEvents('CR-2026-900')).map((e) => e.type);
    expect(types.filter((t) => t === 'execution.resumed')).toHaveLength(1);
    expect(types.filter((t) => t === 'rollback.started')).toHaveLength(1);
  });

  it('should send its own rollback commands when the process died mid-rollback, never waiting on the dead one\'s', async () => {
    // Prepare: an ACT step fails, the rollback starts, and the process dies while its first command runs
    const first = make({ behaviour: (req) => (req.step.name === 'deploy' ? { status: 'Failed' } : { status: 'Success' }) });
    first.hosts.hold('rollback-release');
    const name = await first.submit();
    await first.approveAll('CR-2026-900');
    await eventually(() => first.store.listCommands('CR-2026-900', 1), (cs) => cs.some((c) => c.stepName === 'rollback-release'));
    first.engine.abort(name);
    await first.finish(name);
    const restarted = make({ store: first.store });

    // Act
    const recovered = await recover(restarted);
    const outcome = await restarted.finish('CR-2026-900-1-r1');

    // Assess
    expect(recovered.map((r) => r.recovery)).toEqual([{ kind: 'rollback', from: 'ROLLING_BACK' }]);
    expect(statePath(outcome)).toEqual(['How To Start', ...ROLLBACK_TO_PLAN]);
    expect(restarted.hosts.stepNames()).toEqual(['rollback-release', 'rollback-health-check', 'report-health']);
    expect((await first.store.getChange('CR-2026-900'))?.status).toBe('ROLLED_BACK');
  });

  it('should hold a change interrupted after ACT began when the profile says onInterrupted: hold, until `runbook rollback` rolls it back', async () => {
    // Prepare: a graceful stop (INTERRUPTED) while MONITORING
    const first = make({ monitorWindowMs: 600_000 });
    const name = await first.submit(testChange(), testProfile({ onInterrupted: 'hold' }));
    await first.approveAll('CR-2026-900');
    await eventually(() => first.store.getChange('CR-2026-900'), (c) => c?.status === 'MONITORING');
    await first.engine.stop(name, 'runbook serve stopped');
    await interruptChange(first.engine.deps, 'CR-2026-900', 'ops', 'runbook serve stopped');
    const restarted = make({ store: first.store });

    // Act
    const recovered = await recover(restarted);

    // Assess: held, locked, and the way out named
    expect(recovered.map((r) => r.recovery.kind)).toEqual(['hold']);
    expect(await first.store.getChange('CR-2026-900')).toMatchObject({ status: 'INTERRUPTED', interruptedFrom: 'MONITORING' });
    expect(lines.at(-1)).toContain('roll it back with: npx runbook rollback CR-2026-900');
    expect(await first.store.acquireLock(TEST_ENV, 'CR-2026-999')).toEqual({ acquired: false, holder: 'CR-2026-900' });
    expect(restarted.engine.runningNames()).toEqual([]);

    // Act: on demand
    const started = await rollbackInterrupted(restarted.engine.deps, { changeId: 'CR-2026-900', by: 'ops' });
    const outcome = await restarted.finish(started.executionName);

    // Assess
    expect(started).toEqual({ changeId: 'CR-2026-900', executionName: 'CR-2026-900-1-r1', from: 'MONITORING' });
    expect(statePath(outcome)).toEqual(['How To Start', ...ROLLBACK_TO_PLAN]);
    expect((await first.store.getChange('CR-2026-900'))?.status).toBe('ROLLED_BACK');
    await expect(rollbackInterrupted(restarted.engine.deps, { changeId: 'CR-2026-900', by: 'ops' })).rejects.toThrow('change CR-2026-900 is ROLLED_BACK: only a change interrupted after ACT began');
  });

  it('should wait for approvals again, entered at Plan Await Approvals, keeping the approvals already given', async () => {
    // Prepare: one of three approvals given, then a graceful stop
    const first = make();
    const name = await first.submit();
    await eventually(() => first.store.getChange('CR-2026-900'), (c) => c?.status === 'AWAITING_APPROVAL');
    await recordApproval(first.engine.deps, { changeId: 'CR-2026-900', role: 'technical', decision: 'approve', approver: 'approver-technical', approvers: testProfile().approvers });
    await first.engine.stop(name, 'runbook serve stopped');
    await interruptChange(first.engine.deps, 'CR-2026-900', 'ops', 'runbook serve stopped');
    expect((await first.store.getChange('CR-2026-900'))?.status).toBe('INTERRUPTED');
    const restarted = make({ store: first.store });

    // Act
    const recovered = await recover(restarted);
    await eventually(() => first.store.getChange('CR-2026-900'), (c) => c?.status === 'AWAITING_APPROVAL');
    for (const role of ['business', 'security'] as const) await recordApproval(restarted.engine.deps, { changeId: 'CR-2026-900', role, decision: 'approve', approver: `approver-${role}`, approvers: testProfile().approvers });
    const outcome = await restarted.finish('CR-2026-900-1-r1');

    // Assess
    expect(recovered.map((r) => [r.recovery.kind, r.executionName])).toEqual([['resume', 'CR-2026-900-1-r1']]);
    expect(statePath(outcome)).toEqual(['How To Start', 'Resume Attempt', 'Resume Where?', ...PLAN.slice(1), ...ACT, 'Test Smoke', 'Test Performance', 'Report Success', 'Change Completed']);
    expect((await first.store.getChange('CR-2026-900'))?.status).toBe('COMPLETED');
    expect((await first.store.listApprovals('CR-2026-900', 1)).map((a) => a.role).sort()).toEqual(['business', 'security', 'technical']);
    // Pre-flight ran once: the resumed run did not start the attempt again.
    expect(restarted.hosts.stepNames().filter((s) => s.startsWith('preflight-'))).toEqual([]);
  });

  it('should wait for the change window again, entered at Plan Wait For Change Window', async () => {
    // Prepare: approved, waiting for its window, when the process dies
    const first = make({ changeWindowMs: 600_000 });
    const name = await first.submit();
    await first.approveAll('CR-2026-900');
    await eventually(() => first.store.getChange('CR-2026-900'), (c) => c?.status === 'SCHEDULED');
    first.engine.abort(name);
    await first.finish(name);
    const restarted = make({ store: first.store });

    // Act
    const recovered = await recover(restarted);
    const outcome = await restarted.finish('CR-2026-900-1-r1');

    // Assess
    expect(recovered.map((r) => r.recovery)).toEqual([{ kind: 'resume', from: 'SCHEDULED', entry: 'change-window' }]);
    expect(statePath(outcome)).toEqual(['How To Start', 'Resume Attempt', 'Resume Where?', 'Plan Wait For Change Window', 'Plan Recheck Health?', 'Plan Recheck System Health', 'Plan Check Alarms', ...ACT, 'Test Smoke', 'Test Performance', 'Report Success', 'Change Completed']);
    expect((await first.store.getChange('CR-2026-900'))?.status).toBe('COMPLETED');
  });
});
