// The dry run's plan without the engine (a validator that returns the parameters as given): the fleet's targets and
// batches, each part of the longest time with where its number comes from, the CloudWatch alarms, the window, the
// tests and the store's refusals.
import { FreezeSchema } from '../../lambdas/core/freeze';
import type { ChangeRecord } from '../../lambdas/core/records';
import type { CommandStep } from '../../lambdas/core/schemas';
import { dryRun, type DryRunStore } from '../../lambdas/phases/dry-run';
import { testChange, testProfile } from '../support/fixtures';
import { memoryDeps, submitted } from '../support/phase-deps';

const NOW = new Date('2026-03-01T10:00:00Z');
const clock = { now: () => NOW };
const hosts = { validate: async (s: CommandStep) => ({ ...s.parameters }) };

const metric = (metricName: string, statistic: string) => ({ namespace: 'AWS/ApplicationELB', metricName, statistic });

function fleetProfile(): ReturnType<typeof testProfile> {
  const base = testProfile();
  return testProfile({
    targets: { kind: 'instances', ids: ['i-0123456789abcdef0', 'i-0123456789abcdef1'] },
    endpoints: [],
    act: { steps: [
      { name: 'deploy', document: 'runbook-DeployRelease', timeoutSeconds: 7200, parameters: { Release: 'v2.4.0', Method: 'artifact', Services: 'estimator-service' } },
      { name: 'health-check', document: 'runbook-HealthCheck', timeoutSeconds: 100, parameters: { Url: 'http://127.0.0.1:9/api/v1/health' } },
    ] },
    rollback: { steps: [{ name: 'rollback-release', document: 'runbook-DeployRelease', timeoutSeconds: 7200, parameters: { Release: 'previous', Method: 'artifact', Services: 'estimator-service' } }] },
    monitoring: {
      windowSeconds: 900, periodSeconds: 60, evaluationPeriods: 3, datapointsToAlarm: 2, p95Ms: 1000, errorRate: 0.02, rollbackFactor: 2, missingData: 'notBreaching',
      source: 'cloudwatch', cloudwatch: { latency: metric('TargetResponseTime', 'p95'), errors: metric('HTTPCode_Target_5XX_Count', 'Sum'), requests: metric('RequestCount', 'Sum') },
    },
    tests: { ...base.tests, regression: [{ name: 'Orders', method: 'POST', path: '/api/v1/orders', expectedStatus: 201, suite: 'critical-path' }] },
    maxAttempts: 3,
    preflightRecheckAfterMinutes: 30,
  });
}

describe('dryRun on a fleet', () => {
  it('should name the instances and the rate control, and count each step per batch up to the ASL task timeout', async () => {
    // Arrange
    const request = testChange('CR-2026-840', (r) => { (r.timeline as Record<string, unknown>).planned_start = '2026-03-01T10:00:30Z'; });

    // Act
    const plan = await dryRun({ hosts, clock }, { request, profile: fleetProfile() });

    // Assess
    expect(plan.targets).toBe('managed instances i-0123456789abcdef0, i-0123456789abcdef1');
    expect(plan.rateControl).toBe('SSM Run Command MaxConcurrency 50%, MaxErrors 0 (the first failed instance stops the step): 2 batches');
    expect(plan.steps.preflight.map((s) => [s.name, s.timeoutSeconds, s.longestSeconds])).toEqual([['preflight-system-health', 300, 600], ['preflight-backup', 3000, 3600]]);
    expect(plan.steps.act.map((s) => [s.name, s.longestSeconds])).toEqual([['deploy', 7320], ['health-check', 200]]);
    expect(plan.steps.rollback.map((s) => [s.name, s.longestSeconds])).toEqual([['rollback-release', 7320]]);
  });

  it('should give every part of the longest time with its source, the wait, and the sums', async () => {
    // Arrange
    const request = testChange('CR-2026-841', (r) => { (r.timeline as Record<string, unknown>).planned_start = '2026-03-01T10:00:30Z'; });

    // Act
    const { longest } = await dryRun({ hosts, clock }, { request, profile: fleetProfile() });

    // Assess
    const before = [
      { part: 'Start Attempt', phase: 'PRE-FLIGHT', seconds: 120, source: 'asl:Start Attempt' },
      { part: 'preflight-system-health (runbook-SystemHealth)', phase: 'PRE-FLIGHT', seconds: 600, source: 'profile:timeoutSeconds 300 × 2 batches' },
      { part: 'preflight-backup (runbook-Backup)', phase: 'PRE-FLIGHT', seconds: 3600, source: 'asl:PreFlight Backup' },
      { part: 'PreFlight Passed', phase: 'PRE-FLIGHT', seconds: 120, source: 'asl:PreFlight Passed' },
      { part: 'Plan Assess Risk', phase: 'PLAN', seconds: 120, source: 'asl:Plan Assess Risk' },
      { part: 'approvals (the longest the run waits for them)', phase: 'PLAN', seconds: 604_800, source: 'asl:Plan Await Approvals' },
      { part: 'Plan Schedule', phase: 'PLAN', seconds: 120, source: 'asl:Plan Schedule' },
    ];
    const fromWindow = [
      { part: 'system health re-check before ACT (when pre-flight is older than preflightRecheckAfterMinutes)', phase: 'PLAN', seconds: 600, source: 'profile:preflightRecheckAfterMinutes 30' },
      { part: 'Plan Check Alarms', phase: 'PLAN', seconds: 310, source: 'asl:Plan Check Alarms' },
      { part: 'Act Begin', phase: 'ACT', seconds: 120, source: 'asl:Act Begin' },
      { part: 'deploy (runbook-DeployRelease)', phase: 'ACT', seconds: 7320, source: 'asl:Act Run Step' },
      { part: 'health-check (runbook-HealthCheck)', phase: 'ACT', seconds: 200, source: 'profile:timeoutSeconds 100 × 2 batches' },
      { part: 'monitoring window', phase: 'MONITOR', seconds: 900, source: 'profile:monitoring.windowSeconds' },
      { part: 'Monitor Close Window', phase: 'MONITOR', seconds: 120, source: 'asl:Monitor Close Window' },
      { part: 'Test Smoke', phase: 'TEST', seconds: 600, source: 'asl:Test Smoke' },
      { part: 'Test Performance', phase: 'TEST', seconds: 960, source: 'asl:Test Performance' },
      { part: 'Rollback Begin', phase: 'ROLLBACK', seconds: 120, source: 'asl:Rollback Begin' },
      { part: 'rollback-release (runbook-DeployRelease)', phase: 'ROLLBACK', seconds: 7320, source: 'asl:Rollback Run Step' },
      { part: 'Report Rollback', phase: 'ROLLBACK', seconds: 120, source: 'asl:Report Rollback' },
    ];
    expect(longest.parts).toEqual([...before, { part: 'wait for the change window (timeline.planned_start)', phase: 'PLAN', seconds: 30, source: 'wait' }, ...fromWindow]);
    // 120 + 600 + 3600 + 120 + 120 + 604800 + 120: longer than the 30 s wait.
    expect(longest.untilActSeconds).toBe(609_480);
    // 600 + 310 + 120 + 7320 + 200 + 900 + 120 + 600 + 960 + 120 + 7320 + 120
    expect(longest.fromWindowSeconds).toBe(18_690);
    expect(longest.totalSeconds).toBe(609_480 + 18_690);
    expect(longest.notes).toEqual([
      'pre-flight and the approvals run while the run waits for the change window: until ACT is the longer of the two, not their sum',
      'from the window on, the longest path runs every ACT step to its timeout, the whole monitoring window and TEST, then rolls back',
      'one attempt; a rolled-back change may try again up to maxAttempts 3, each a new run needing fresh approvals',
      'Lambda service retries (a few seconds each) are not counted',
    ]);
  });

  it('should count the wait until ACT when the window opens later than pre-flight and approvals can take', async () => {
    // Arrange: the window opens in eight days, past the seven days of approvals.
    const request = testChange('CR-2026-842', (r) => { (r.timeline as Record<string, unknown>).planned_start = '2026-03-09T10:00:00Z'; });

    // Act
    const plan = await dryRun({ hosts, clock }, { request, profile: fleetProfile() });

    // Assess
    expect(plan.window).toEqual({ plannedStart: '2026-03-09T10:00:00Z', start: '2026-03-09T10:00:00.000Z', end: expect.any(String), waitSeconds: 8 * 86_400, estimatedDuration: request.timeline.estimated_duration });
    expect(plan.longest.untilActSeconds).toBe(8 * 86_400);
  });

  it('should describe the CloudWatch rollback alarms with their metrics, thresholds and settings', async () => {
    // Arrange
    const request = testChange('CR-2026-843');

    // Act
    const plan = await dryRun({ hosts, clock }, { request, profile: fleetProfile() });

    // Assess
    const settings = { periodSeconds: 60, evaluationPeriods: 3, datapointsToAlarm: 2, missingData: 'notBreaching', source: 'cloudwatch' };
    expect(plan.rollbackAlarms).toEqual([
      { name: 'runbook-test-env-p95-latency', metric: 'AWS/ApplicationELB TargetResponseTime p95', threshold: 2000, unit: 'ms', basedOn: 'monitoring.p95Ms 1000 × rollbackFactor 2', ...settings },
      { name: 'runbook-test-env-error-rate', metric: 'HTTPCode_Target_5XX_Count / RequestCount', threshold: 0.04, unit: 'fraction', basedOn: 'monitoring.errorRate 0.02 × rollbackFactor 2', ...settings },
    ]);
    expect(plan.monitoringWindowSeconds).toBe(900);
  });

  it('should list the tests as they would run, the health check, and no wait for a window already open', async () => {
    // Arrange
    const request = testChange('CR-2026-844');
    const profile = fleetProfile();

    // Act
    const plan = await dryRun({ hosts, clock }, { request, profile });

    // Assess
    expect(plan).toMatchObject({ title: request.change_request.title, type: request.change_request.type, freezes: [] });
    expect(plan.tests).toEqual({
      baseUrl: 'http://127.0.0.1:9',
      smoke: [
        { name: 'Health', method: 'GET', path: '/api/v1/health', expectedStatus: 200, suite: 'api-endpoint' },
        { name: 'Estimates', method: 'GET', path: '/api/v1/estimates', expectedStatus: 200, suite: 'api-endpoint' },
      ],
      regression: [{ name: 'Orders', method: 'POST', path: '/api/v1/orders', expectedStatus: 201, suite: 'critical-path' }],
      performance: profile.tests.performance,
    });
    expect(plan.healthCheck).toEqual(profile.healthCheck);
    expect(plan.window.waitSeconds).toBe(0);
    expect(plan.approvers).toEqual({ technical: ['alice', 'approver-technical'], business: ['bob', 'approver-business'], security: ['carol', 'approver-security', 'sec-officer'] });
    expect(plan).not.toHaveProperty('refusal');
    expect(plan).not.toHaveProperty('duplicateOf');
  });

  it('should name the tag a tag fleet is chosen by', async () => {
    // Arrange
    const profile = testProfile({ targets: { kind: 'tag', key: 'Role', values: ['api', 'worker'] } });

    // Act
    const plan = await dryRun({ hosts, clock }, { request: testChange('CR-2026-845'), profile });

    // Assess
    expect(plan.targets).toBe('managed instances tagged Role=api|worker');
  });
});

describe('dryRun in a freeze', () => {
  it('should report the freeze a normal change would be refused for, with the store\'s refusal first', async () => {
    // Arrange
    const freezes = [FreezeSchema.parse({ name: 'launch', reason: 'product launch', start: '2026-03-01T00:00:00Z', end: '2026-03-02T00:00:00Z' })];
    const request = testChange('CR-2026-846', (r) => { (r.timeline as Record<string, unknown>).planned_start = '2026-03-01T12:00:00Z'; });
    const deps = memoryDeps();
    await submitted(deps, 'CR-2026-847');

    // Act
    const frozen = await dryRun({ hosts, clock }, { request, profile: testProfile({ freezes }) });
    const held = await dryRun({ hosts, clock, store: deps.store }, { request, profile: testProfile({ freezes }) });

    // Assess
    expect(frozen.refusal).toMatch(/overlaps the change freeze "launch"/);
    expect(frozen.freezes.map((f) => f.name)).toEqual(['launch']);
    expect(held.refusal).toMatch(/^environment test-env already has an active change: CR-2026-847/);
  });
});

describe('dryRun with the store', () => {
  function store(changes: Partial<ChangeRecord>[]): DryRunStore & { listed: unknown[] } {
    const listed: unknown[] = [];
    return {
      listed,
      getChange: async (id: string) => changes.find((c) => c.id === id) as ChangeRecord | undefined,
      listChanges: async (filter?: { environment?: string }) => { listed.push(filter); return changes as ChangeRecord[]; },
    };
  }

  it('should see the environment held by a change in MANUAL_INTERVENTION or any unfinished status, not by an ended one', async () => {
    // Arrange
    const held = store([{ id: 'CR-2026-850', status: 'COMPLETED', environment: 'test-env' }, { id: 'CR-2026-851', status: 'MANUAL_INTERVENTION', environment: 'test-env' }]);
    const free = store([{ id: 'CR-2026-852', status: 'FAILED', environment: 'test-env' }, { id: 'CR-2026-853', status: 'CANCELLED', environment: 'test-env' }]);
    const self = store([]);
    const request = testChange('CR-2026-854');

    // Act
    const heldPlan = await dryRun({ hosts, clock, store: held }, { request, profile: testProfile() });
    const freePlan = await dryRun({ hosts, clock, store: free }, { request, profile: testProfile() });
    await dryRun({ hosts, clock, store: self }, { request, profile: testProfile() });

    // Assess
    expect(heldPlan.refusal).toMatch(/^environment test-env already has an active change: CR-2026-851 \(MANUAL_INTERVENTION\)/);
    expect(freePlan).not.toHaveProperty('refusal');
    expect(self.listed).toEqual([{ environment: 'test-env' }]);
  });

  it('should not count the change itself as the one holding the environment', async () => {
    // Arrange
    const request = testChange('CR-2026-855');
    const s = store([{ id: 'CR-2026-856', status: 'CANCELLED' }]);
    s.listChanges = async () => [{ id: 'CR-2026-855', status: 'ACTING' } as ChangeRecord];

    // Act
    const plan = await dryRun({ hosts, clock, store: s }, { request, profile: testProfile() });

    // Assess
    expect(plan).not.toHaveProperty('refusal');
  });

  it('should return a submitted change with the same body as a duplicate, and refuse another body under its id', async () => {
    // Arrange
    const deps = memoryDeps();
    await submitted(deps, 'CR-2026-857');
    const other = testChange('CR-2026-857', (r) => { (r.change_request as Record<string, unknown>).title = 'something else'; });

    // Act
    const same = await dryRun({ hosts, clock, store: deps.store }, { request: testChange('CR-2026-857'), profile: testProfile() });
    const changed = await dryRun({ hosts, clock, store: deps.store }, { request: other, profile: testProfile() });

    // Assess
    expect(same.duplicateOf).toEqual({ status: 'SUBMITTED' });
    expect(same).not.toHaveProperty('refusal');
    expect(changed.refusal).toBe('change CR-2026-857 already exists with a different body');
    expect(changed).not.toHaveProperty('duplicateOf');
  });
});
