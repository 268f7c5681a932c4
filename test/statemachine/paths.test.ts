// Every path of statemachines/runbook.asl.json, executed on the local engine with the real handlers
// over in-memory adapters; each asserts the path through the engine's history and the store's records.
import { createHarness, statePath, testChange, testProfile, TEST_ENV, type Harness } from '../support/harness';
import { eventually } from '../support/fakes';
import { recordApproval } from '../../lambdas/phases/approvals';
import { requestCancel } from '../../lambdas/phases/cancel';

const PREFLIGHT = ['Start Attempt', 'PreFlight System Health', 'PreFlight Dependencies', 'PreFlight Backup', 'PreFlight Passed'];
const PLAN = ['Plan Assess Risk', 'Plan Await Approvals', 'Plan Schedule', 'Plan Wait For Change Window', 'Plan Check Alarms'];
const ACT = ['Act Begin', 'Act Run Steps', 'Monitor Window'];
const ROLLBACK_TO_PLAN = ['Rollback Begin', 'Rollback Run Steps', 'Report Rollback', 'Attempts Left?', 'Rolled Back To Plan'];

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
    expect(h.hosts.stepNames()).toEqual(['preflight-system-health', 'preflight-dependencies', 'preflight-backup', 'block-traffic', 'deploy', 'health-check', 'restore-traffic']);
    const report = await h.store.getReport('CR-2026-900');
    expect(report?.outcome).toBe('COMPLETED');
    expect(report?.qcSummary).toContain('Status: SUCCESS');
    expect(await h.store.acquireLock(TEST_ENV, 'CR-2026-999')).toEqual({ acquired: true });
    expect(h.engine.broker.outstanding()).toBe(0);
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
    expect(statePath(outcome)).toEqual(['Start Attempt', 'PreFlight System Health', 'Report PreFlight Failure', 'PreFlight Failed']);
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
    expect(statePath(outcome)).toEqual(['Start Attempt', 'PreFlight System Health', 'PreFlight Dependencies', 'Report PreFlight Failure', 'PreFlight Failed']);
    expect((await h.store.getChange('CR-2026-900'))?.reason).toContain('JWT_SECRET');
  });

  it('should end REJECTED without touching anything when an approver rejects', async () => {
    // Prepare
    h = createHarness();
    const name = await h.submit();
    await eventually(() => h.store.getChange('CR-2026-900'), (c) => c?.status === 'AWAITING_APPROVAL');

    // Act
    await recordApproval(h.engine.deps, { changeId: 'CR-2026-900', role: 'security', decision: 'reject', approver: 'sec-officer', comment: 'no rollback rehearsal' });
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
    expect(h.hosts.stepNames().slice(-4)).toEqual(['block-traffic', 'deploy', 'rollback-release', 'rollback-health-check']);
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
    expect(h.hosts.stepNames().slice(-3)).toEqual(['deploy', 'rollback-release', 'rollback-health-check']);
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
    // The environment stays locked until an operator clears it.
    expect(await h.store.acquireLock(TEST_ENV, 'CR-2026-999')).toEqual({ acquired: false, holder: 'CR-2026-900' });
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
