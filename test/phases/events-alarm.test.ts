// onAlarmStateChange in process: which alarm events it ignores (not a rollback alarm, OK, no change in flight,
// INSUFFICIENT_DATA outside a breaching window) and what it records, keeps and fails for ACTING, MONITORING and TESTING.
import { alarmStateChangeEvent, rollbackAlarmNames, type AlarmStateChangeEvent } from '../../lambdas/core/events';
import { callbackKey, type ChangeStatus, type Phase } from '../../lambdas/core/records';
import { transition } from '../../lambdas/phases/common';
import { onAlarmStateChange } from '../../lambdas/phases/events';
import { submitChange } from '../../lambdas/phases/submit';
import { testChange, testProfile } from '../support/fixtures';
import { memoryDeps, recordingCallbacks, type MemoryDeps } from '../support/phase-deps';

const NAMES = rollbackAlarmNames('test-env');
const NOW = new Date('2026-06-01T12:00:00.000Z');

type Deps = MemoryDeps & { callbacks: ReturnType<typeof recordingCallbacks> };

function alarmEvent(name: string, value: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA', reason = `reason ${value}`): AlarmStateChangeEvent {
  return alarmStateChangeEvent({ alarmName: name, state: { value, reason, timestamp: NOW.toISOString() }, previousState: { value: 'OK', reason: 'before', timestamp: NOW.toISOString() }, configuration: {} }, NOW);
}

/** A change of test-env in `status` (holding the environment), its monitor watch parked when MONITORING. */
async function changeIn(id: string, status: ChangeStatus, phase: Phase, missingData: 'breaching' | 'notBreaching' = 'breaching'): Promise<Deps> {
  const deps: Deps = { ...memoryDeps(), clock: { now: () => NOW }, callbacks: recordingCallbacks() };
  const profile = testProfile({ monitoring: { windowSeconds: 1, periodSeconds: 1, evaluationPeriods: 1, datapointsToAlarm: 1, missingData } });
  await submitChange(deps, { request: testChange(id), profile, submittedBy: 'ops' });
  await transition(deps, id, { status, phase, message: `test: ${status}` });
  if (status === 'MONITORING') await deps.store.putCallback({ key: callbackKey('monitor', id, 1), kind: 'monitor', changeId: id, attempt: 1, token: 'monitor-token', createdAt: NOW.toISOString() });
  return deps;
}

describe('onAlarmStateChange ignores', () => {
  it('should ignore an alarm that is not a rollback alarm', async () => {
    // Arrange
    const deps = await changeIn('CR-2026-800', 'ACTING', 'ACT');

    // Act
    const outcome = await onAlarmStateChange(deps, alarmEvent('cpu-high', 'ALARM'));

    // Assess
    expect(outcome).toEqual({ handled: false, reason: 'cpu-high is not a rollback alarm' });
    expect((await deps.store.getChange('CR-2026-800'))?.alarmRollback).toBeUndefined();
  });

  it('should ignore an alarm going back to OK', async () => {
    // Arrange
    const deps = await changeIn('CR-2026-801', 'ACTING', 'ACT');

    // Act
    const outcome = await onAlarmStateChange(deps, alarmEvent(NAMES.latency, 'OK'));

    // Assess
    expect(outcome).toEqual({ handled: false, reason: `${NAMES.latency} is OK` });
    expect((await deps.store.getChange('CR-2026-801'))?.alarmRollback).toBeUndefined();
  });

  it.each([['SCHEDULED', 'PLAN'], ['REPORTING', 'REPORT'], ['ROLLING_BACK', 'ROLLBACK']] as const)('should ignore an alarm while the change is %s', async (status, phase) => {
    // Arrange
    const deps = await changeIn('CR-2026-802', status, phase);

    // Act
    const outcome = await onAlarmStateChange(deps, alarmEvent(NAMES.errorRate, 'ALARM'));

    // Assess
    expect(outcome).toEqual({ handled: false, reason: 'no change in flight on test-env' });
    expect((await deps.store.listEvents('CR-2026-802')).map((e) => e.type)).not.toContain('alarm.triggered');
  });

  it('should ignore an alarm of an environment no change holds', async () => {
    // Arrange
    const deps = await changeIn('CR-2026-803', 'ACTING', 'ACT');
    const reads = jest.spyOn(deps.store, 'getChange');

    // Act
    const outcome = await onAlarmStateChange(deps, alarmEvent('runbook-other-env-error-rate', 'ALARM'));

    // Assess
    expect(outcome).toEqual({ handled: false, reason: 'no change in flight on other-env' });
    expect(reads).not.toHaveBeenCalled();
  });

  it('should ignore a lock whose holder is not recorded', async () => {
    // Arrange
    const deps: Deps = { ...memoryDeps(), clock: { now: () => NOW }, callbacks: recordingCallbacks() };
    await deps.store.acquireLock('test-env', 'CR-2026-804');

    // Act
    const outcome = await onAlarmStateChange(deps, alarmEvent(NAMES.errorRate, 'ALARM'));

    // Assess
    expect(outcome).toEqual({ handled: false, reason: 'no change in flight on test-env' });
  });

  it.each([['ACTING', 'ACT', 'breaching'], ['TESTING', 'TEST', 'breaching'], ['MONITORING', 'ACT', 'notBreaching']] as const)(
    'should not count INSUFFICIENT_DATA while %s with missing data %s',
    async (status, phase, missingData) => {
      // Arrange
      const deps = await changeIn('CR-2026-805', status, phase, missingData);

      // Act
      const outcome = await onAlarmStateChange(deps, alarmEvent(NAMES.latency, 'INSUFFICIENT_DATA'));

      // Assess
      expect(outcome).toEqual({ handled: false, reason: `${NAMES.latency} is INSUFFICIENT_DATA, not breaching while ${status}` });
      expect((await deps.store.getChange('CR-2026-805'))?.alarmRollback).toBeUndefined();
      expect(deps.callbacks.sent).toEqual([]);
    },
  );
});

describe('onAlarmStateChange acts', () => {
  it('should keep an ALARM during ACT on the change for the next ACT step, recording it', async () => {
    // Arrange
    const deps = await changeIn('CR-2026-806', 'ACTING', 'ACT');

    // Act
    const outcome = await onAlarmStateChange(deps, alarmEvent(NAMES.errorRate, 'ALARM', 'error rate 5 %'));

    // Assess
    expect(outcome).toEqual({ handled: true, changeId: 'CR-2026-806', reason: 'recorded; the next ACT step rolls back' });
    expect((await deps.store.getChange('CR-2026-806'))?.alarmRollback).toEqual({ attempt: 1, alarmName: NAMES.errorRate, reason: 'error rate 5 %', at: NOW.toISOString() });
    expect((await deps.store.listEvents('CR-2026-806')).at(-1)).toMatchObject({
      type: 'alarm.triggered', phase: 'ACT', actor: `alarm:${NAMES.errorRate}`, message: `${NAMES.errorRate} is ALARM: error rate 5 %`,
      data: { alarmName: NAMES.errorRate, state: { value: 'ALARM', reason: 'error rate 5 %', timestamp: NOW.toISOString() } },
    });
    expect(deps.callbacks.sent).toEqual([]);
  });

  it('should keep an ALARM during TEST on the change for TEST to stop, recording it in TEST', async () => {
    // Arrange
    const deps = await changeIn('CR-2026-807', 'TESTING', 'TEST');

    // Act
    const outcome = await onAlarmStateChange(deps, alarmEvent(NAMES.latency, 'ALARM', 'p95 4 s'));

    // Assess
    expect(outcome).toEqual({ handled: true, changeId: 'CR-2026-807', reason: 'recorded; TEST rolls back' });
    expect((await deps.store.listEvents('CR-2026-807')).at(-1)).toMatchObject({ type: 'alarm.triggered', phase: 'TEST' });
    expect((await deps.store.getChange('CR-2026-807'))?.alarmRollback).toMatchObject({ alarmName: NAMES.latency });
  });

  it('should fail the monitoring watch on an ALARM in the window', async () => {
    // Arrange
    const deps = await changeIn('CR-2026-808', 'MONITORING', 'ACT');

    // Act
    const outcome = await onAlarmStateChange(deps, alarmEvent(NAMES.errorRate, 'ALARM', 'error rate 5 %'));

    // Assess
    expect(outcome).toEqual({ handled: true, changeId: 'CR-2026-808' });
    expect(deps.callbacks.sent).toEqual([{ token: 'monitor-token', outcome: 'failure', error: 'AlarmTriggered', cause: `${NAMES.errorRate}: error rate 5 %` }]);
    expect(await deps.store.getCallback(callbackKey('monitor', 'CR-2026-808', 1))).toBeUndefined();
    expect((await deps.store.getChange('CR-2026-808'))?.alarmRollback).toMatchObject({ alarmName: NAMES.errorRate, reason: 'error rate 5 %' });
  });

  it('should count INSUFFICIENT_DATA as breaching in the window when missing data is', async () => {
    // Arrange
    const deps = await changeIn('CR-2026-809', 'MONITORING', 'ACT', 'breaching');

    // Act
    const outcome = await onAlarmStateChange(deps, alarmEvent(NAMES.latency, 'INSUFFICIENT_DATA', 'no datapoints'));

    // Assess
    const reason = 'INSUFFICIENT_DATA counts as breaching (no datapoints)';
    expect(outcome).toEqual({ handled: true, changeId: 'CR-2026-809' });
    expect(deps.callbacks.sent).toEqual([{ token: 'monitor-token', outcome: 'failure', error: 'AlarmTriggered', cause: `${NAMES.latency}: ${reason}` }]);
    expect((await deps.store.listEvents('CR-2026-809')).at(-1)).toMatchObject({ type: 'alarm.triggered', phase: 'ACT', message: `${NAMES.latency} is INSUFFICIENT_DATA: ${reason}` });
  });
});
