// The rollback alarms cannot be blind, and they roll back from Act Begin until TEST ends: each rule run as a path of
// statemachines/runbook.asl.json on the local engine with the real handlers over in-memory adapters.
import { createHarness, PATHS, statePath, testProfile, TEST_ENV, type Harness } from '../support/harness';
import { eventually } from '../support/fakes';
import { rollbackAlarmNames } from '../../lambdas/core/events';

const PREFLIGHT = PATHS.PREFLIGHT;
const PLAN = PATHS.PLAN;
const ROLLBACK_TO_PLAN = PATHS.ROLLBACK_TO_PLAN;
const ID = 'CR-2026-900';
const ERROR_RATE = `runbook-${TEST_ENV}-error-rate`;

describe('rollback alarms on the local engine', () => {
  let h: Harness;
  afterEach(async () => { await h.close(); });

  it('should refuse to start ACT when a rollback alarm has no recent datapoint, touching nothing, and report why', async () => {
    // Prepare
    h = createHarness();
    h.alarms.silent.add(ERROR_RATE);
    const name = await h.submit();
    await h.approveAll(ID);

    // Act
    const outcome = await h.finish(name);

    // Assess
    expect(statePath(outcome)).toEqual([...PREFLIGHT, ...PLAN, 'Report Plan Ended', 'How Plan Ended', 'Blocked By Rollback Alarms']);
    const change = await h.store.getChange(ID);
    expect(change).toMatchObject({ status: 'BLOCKED', reason: expect.stringMatching(/^AlarmNoData: .*runbook-test-env-error-rate.*no datapoint in the last 600 s/) });
    expect(h.hosts.stepNames().filter((s) => !s.startsWith('preflight-'))).toEqual([]);
    const report = await h.store.getReport(ID);
    expect(JSON.stringify(report?.report)).toContain('AlarmNoData');
  });

  it('should let the ACT step in progress finish, refuse the next one and roll back when an alarm fires during ACT', async () => {
    // Prepare
    h = createHarness();
    h.hosts.hold('deploy');
    const name = await h.submit();
    await h.approveAll(ID);
    await eventually(async () => h.hosts.stepNames(), (steps) => steps.includes('deploy'));

    // Act
    h.alarms.fire(TEST_ENV, 'errorRate');
    await eventually(() => h.store.getChange(ID), (c) => c?.alarmRollback !== undefined);
    h.hosts.open('deploy');
    const outcome = await h.finish(name);

    // Assess
    expect(statePath(outcome)).toEqual([...PREFLIGHT, ...PLAN, 'Act Begin', 'Act Run Steps', ...ROLLBACK_TO_PLAN]);
    const steps = h.hosts.stepNames();
    expect(steps.slice(steps.indexOf('block-traffic'), steps.indexOf('deploy') + 1)).toEqual(['block-traffic', 'deploy']);
    expect(steps).not.toContain('health-check');
    expect(steps).not.toContain('restore-traffic');
    const change = await h.store.getChange(ID);
    expect(change).toMatchObject({ status: 'ROLLED_BACK', reason: expect.stringMatching(/^AlarmTriggered: health-check: refused, runbook-test-env-error-rate: Threshold Crossed/) });
    expect((await h.store.listEvents(ID)).some((e) => e.type === 'alarm.triggered' && e.phase === 'ACT')).toBe(true);
  });

  it('should roll back at once when an alarm fires during the TEST load test, without waiting for it to end', async () => {
    // Prepare
    h = createHarness();
    let finishLoad: () => void = () => undefined;
    h.tester.loadGate = new Promise<void>((resolve) => { finishLoad = resolve; });
    const name = await h.submit();
    await h.approveAll(ID);
    await eventually(async () => h.tester.loadStarted, (n) => n === 1);

    // Act
    h.alarms.fire(TEST_ENV, 'latency');
    const outcome = await h.finish(name);

    // Assess
    expect(h.tester.loadFinished).toBe(0);
    expect(statePath(outcome)).toEqual([...PREFLIGHT, ...PLAN, 'Act Begin', 'Act Run Steps', 'Monitor Window', 'Test Smoke', 'Test Performance', ...ROLLBACK_TO_PLAN]);
    expect(await h.store.getChange(ID)).toMatchObject({ status: 'ROLLED_BACK', reason: expect.stringMatching(/^AlarmTriggered: runbook-test-env-p95-latency: /) });
    expect((await h.store.listEvents(ID)).some((e) => e.type === 'alarm.triggered' && e.phase === 'TEST')).toBe(true);
    finishLoad();
  });

  it('should roll back when an alarm goes INSUFFICIENT_DATA in the window (missing data is breaching by default)', async () => {
    // Prepare
    h = createHarness({ monitorWindowMs: 60_000 });
    const name = await h.submit();
    await h.approveAll(ID);
    await eventually(() => h.store.getChange(ID), (c) => c?.status === 'MONITORING');

    // Act
    h.alarms.fire(TEST_ENV, 'latency', 'INSUFFICIENT_DATA');
    const outcome = await h.finish(name);

    // Assess
    expect(statePath(outcome)).toEqual([...PREFLIGHT, ...PLAN, 'Act Begin', 'Act Run Steps', 'Monitor Window', ...ROLLBACK_TO_PLAN]);
    expect(await h.store.getChange(ID)).toMatchObject({ status: 'ROLLED_BACK', reason: expect.stringContaining('INSUFFICIENT_DATA counts as breaching') });
  });

  it('should let the window pass with an INSUFFICIENT_DATA alarm when the profile says missing data is not breaching', async () => {
    // Prepare
    h = createHarness({ monitorWindowMs: 300 });
    const name = await h.submit(undefined, testProfile({ monitoring: { missingData: 'notBreaching' } }));
    await h.approveAll(ID);
    await eventually(() => h.store.getChange(ID), (c) => c?.status === 'MONITORING');

    // Act
    h.alarms.fire(TEST_ENV, 'latency', 'INSUFFICIENT_DATA');
    const outcome = await h.finish(name);

    // Assess
    expect(outcome.status).toBe('SUCCEEDED');
    expect((await h.store.getChange(ID))?.status).toBe('COMPLETED');
  });

  it('should roll back at the window\'s end when a metric fell silent in it, though its alarm still reads OK (missing data is breaching)', async () => {
    // Prepare: on AWS the alarm keeps missing data missing and stays OK until its whole range is empty
    h = createHarness({ monitorWindowMs: 1500 });
    const name = await h.submit();
    await h.approveAll(ID);
    await eventually(() => h.store.getChange(ID), (c) => c?.status === 'MONITORING');

    // Act
    h.alarms.silent.add(rollbackAlarmNames(TEST_ENV).errorRate);
    const outcome = await h.finish(name);

    // Assess
    expect(statePath(outcome)).toEqual([...PREFLIGHT, ...PLAN, 'Act Begin', 'Act Run Steps', 'Monitor Window', ...ROLLBACK_TO_PLAN]);
    expect((await h.store.getChange(ID))?.reason).toMatch(new RegExp(`${rollbackAlarmNames(TEST_ENV).errorRate}: no datapoint in the last \\d+ s \\(missing data counts as breaching\\)`));
  });

  it('should let the window pass with a silent metric when the profile says missing data is not breaching', async () => {
    // Prepare
    h = createHarness({ monitorWindowMs: 1500 });
    const name = await h.submit(undefined, testProfile({ monitoring: { missingData: 'notBreaching' } }));
    await h.approveAll(ID);
    await eventually(() => h.store.getChange(ID), (c) => c?.status === 'MONITORING');

    // Act
    h.alarms.silent.add(rollbackAlarmNames(TEST_ENV).errorRate);
    const outcome = await h.finish(name);

    // Assess
    expect(outcome.status).toBe('SUCCEEDED');
    expect((await h.store.getChange(ID))?.status).toBe('COMPLETED');
  });

  it('should record the live release\'s metrics for the report, and roll back all the same when they cannot be read', async () => {
    // Prepare: the first change reads its metrics, the second cannot when its rollback begins
    h = createHarness({ monitorWindowMs: 60_000 });
    const name = await h.submit();
    await h.approveAll(ID);
    await eventually(() => h.store.getChange(ID), (c) => c?.status === 'MONITORING');

    // Act
    h.alarms.fire(TEST_ENV, 'errorRate');
    await h.finish(name);
    const withMetrics = (await h.store.listEvents(ID)).filter((e) => e.type === 'metrics.release');
    const report = await h.store.getReport(ID);
    await h.close();
    h = createHarness({ monitorWindowMs: 60_000 });
    const second = await h.submit();
    await h.approveAll(ID);
    await eventually(() => h.store.getChange(ID), (c) => c?.status === 'MONITORING');
    h.alarms.snapshotFailures = 1;
    h.alarms.fire(TEST_ENV, 'errorRate');
    const outcome = await h.finish(second);

    // Assess
    expect(withMetrics).toHaveLength(1);
    expect(report?.report).toMatchObject({ metrics: { post_deployment: { p95Ms: 120, errorRate: 0.001 }, after_rollback: { p95Ms: 120 } } });
    expect(statePath(outcome).slice(-5)).toEqual(ROLLBACK_TO_PLAN);
    expect((await h.store.getChange(ID))?.status).toBe('ROLLED_BACK');
    expect((await h.store.listEvents(ID)).some((e) => e.type === 'metrics.release')).toBe(false);
  });

  it('should roll back after bounded retries when the alarm states cannot be read in the window', async () => {
    // Prepare
    h = createHarness({ monitorWindowMs: 60_000 });
    h.hosts.hold('restore-traffic');
    const name = await h.submit();
    await h.approveAll(ID);
    await eventually(async () => h.hosts.stepNames(), (steps) => steps.includes('restore-traffic'));
    h.alarms.readError = new Error('Rate exceeded');
    const readsBefore = h.alarms.reads;

    // Act
    h.hosts.open('restore-traffic');
    const outcome = await h.finish(name);

    // Assess
    expect(statePath(outcome)).toEqual([...PREFLIGHT, ...PLAN, 'Act Begin', 'Act Run Steps', 'Monitor Window', ...ROLLBACK_TO_PLAN]);
    expect(h.alarms.reads - readsBefore).toBe(3);
    expect(await h.store.getChange(ID)).toMatchObject({ status: 'ROLLED_BACK', reason: expect.stringMatching(/^AlarmReadFailed: could not read the rollback alarms after 3 attempts: Rate exceeded/) });
  });
});
