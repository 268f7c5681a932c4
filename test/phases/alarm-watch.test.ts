// The rollback-alarm rules between Act Begin and the end of TEST, as units: bounded reads, what the window counts as
// breaching, which alarm events the handler acts on, and TEST stopping at once when an alarm is requested.
import { AlarmReadFailed, AlarmTriggered } from '../../lambdas/core/errors';
import { alarmStateChangeEvent, rollbackAlarmNames, type AlarmStateChangeEvent } from '../../lambdas/core/events';
import { breachingInWindow, pendingAlarmRollback, readRollbackAlarms, requestAlarmRollback, unlessAlarmed } from '../../lambdas/phases/alarm-watch';
import { transition } from '../../lambdas/phases/common';
import { onAlarmStateChange } from '../../lambdas/phases/events';
import { changeRecord } from '../adapters/change-store.contract';
import { createHarness, testProfile, TEST_ENV, type Harness } from '../support/harness';

const NAMES = rollbackAlarmNames(TEST_ENV);
const ID = 'CR-2026-900';

function alarmEvent(name: string, value: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA'): AlarmStateChangeEvent {
  const now = new Date().toISOString();
  return alarmStateChangeEvent({ alarmName: name, state: { value, reason: `test ${value}`, timestamp: now }, previousState: { value: 'OK', reason: 'before', timestamp: now }, configuration: {} }, new Date());
}

describe('rollback alarms from Act Begin to the end of TEST', () => {
  let h: Harness;
  afterEach(async () => { await h.close(); });

  /** A change record of the test environment in `status`, with no execution behind it. */
  async function changeIn(status: 'ACTING' | 'TESTING'): Promise<void> {
    await h.store.createChange(changeRecord({ id: ID, environment: TEST_ENV, profile: testProfile(), status, phase: status === 'TESTING' ? 'TEST' : 'ACT' }));
    // Submission takes the environment lock; the alarm handler finds the change through it.
    await h.store.acquireLock(TEST_ENV, ID);
  }

  it('should read the alarms again after a failed read and give up with AlarmReadFailed after 3 attempts', async () => {
    // Prepare
    h = createHarness();
    h.alarms.readError = new Error('Throttling: Rate exceeded');

    // Act
    const failed = readRollbackAlarms(h.engine.deps, TEST_ENV, 1);

    // Assess
    await expect(failed).rejects.toThrow(AlarmReadFailed);
    await expect(failed).rejects.toThrow(/after 3 attempts: Throttling: Rate exceeded/);
    expect(h.alarms.reads).toBe(3);
  });

  it('should answer from a later read when an earlier one failed', async () => {
    // Prepare
    h = createHarness();
    h.alarms.readError = new Error('timeout');
    setTimeout(() => { h.alarms.readError = undefined; }, 5);

    // Act
    const states = await readRollbackAlarms(h.engine.deps, TEST_ENV, 20);

    // Assess
    expect(states.map((s) => s.state)).toEqual(['OK', 'OK']);
    expect(h.alarms.reads).toBe(2);
  });

  it('should not count an alarm that was never evaluated (CloudWatch: "Unchecked: Initial alarm creation") as breaching', () => {
    // Prepare: the window opens before the first evaluation; a later state change is pushed
    const states = [{ name: NAMES.latency, state: 'INSUFFICIENT_DATA' as const, reason: 'Unchecked: Initial alarm creation' }];

    // Act + Assess
    expect(breachingInWindow(states, { missingData: 'breaching' })).toEqual([]);
  });

  it('should count ALARM as breaching in the window, and INSUFFICIENT_DATA only when missing data is breaching', () => {
    // Prepare
    const states = [
      { name: NAMES.latency, state: 'INSUFFICIENT_DATA' as const, reason: 'no data' },
      { name: NAMES.errorRate, state: 'OK' as const, reason: 'fine' },
    ];
    const alarm = [{ name: NAMES.errorRate, state: 'ALARM' as const, reason: 'Threshold Crossed' }];

    // Act + Assess
    expect(breachingInWindow(states, { missingData: 'breaching' })).toEqual([`${NAMES.latency}: INSUFFICIENT_DATA counts as breaching (no data)`]);
    expect(breachingInWindow(states, { missingData: 'notBreaching' })).toEqual([]);
    expect(breachingInWindow(alarm, { missingData: 'notBreaching' })).toEqual([`${NAMES.errorRate}: Threshold Crossed`]);
  });

  it('should keep an ALARM during ACT on the change for this attempt, first alarm kept', async () => {
    // Prepare
    h = createHarness();
    await changeIn('ACTING');
    const listing = jest.spyOn(h.store, 'listChanges');
    const lockReads = jest.spyOn(h.store, 'lockHolder');

    // Act
    const first = await onAlarmStateChange(h.engine.deps, alarmEvent(NAMES.errorRate, 'ALARM'));
    await onAlarmStateChange(h.engine.deps, alarmEvent(NAMES.latency, 'ALARM'));

    // Assess: the active change is read from the environment's lock item, never by listing changes
    expect(listing).not.toHaveBeenCalled();
    expect(lockReads).toHaveBeenCalledWith(TEST_ENV);
    expect(first).toMatchObject({ handled: true, changeId: ID, reason: 'recorded; the next ACT step rolls back' });
    const change = await h.store.getChange(ID);
    expect(change && pendingAlarmRollback(change)).toMatchObject({ attempt: 1, alarmName: NAMES.errorRate, reason: 'test ALARM' });
    expect(change && pendingAlarmRollback(change, 2)).toBeUndefined();
  });

  it('should ignore INSUFFICIENT_DATA outside the window, OK always, and alarms when no change is between Act Begin and TEST end', async () => {
    // Prepare
    h = createHarness();
    await changeIn('ACTING');

    // Act
    const insufficient = await onAlarmStateChange(h.engine.deps, alarmEvent(NAMES.latency, 'INSUFFICIENT_DATA'));
    const ok = await onAlarmStateChange(h.engine.deps, alarmEvent(NAMES.latency, 'OK'));
    await transition(h.engine.deps, ID, { status: 'REPORTING', phase: 'REPORT', message: 'test' });
    const afterTest = await onAlarmStateChange(h.engine.deps, alarmEvent(NAMES.latency, 'ALARM'));

    // Assess
    expect(insufficient).toMatchObject({ handled: false, reason: expect.stringContaining('not breaching while ACTING') });
    expect(ok.handled).toBe(false);
    expect(afterTest).toMatchObject({ handled: false, reason: `no change in flight on ${TEST_ENV}` });
    expect((await h.store.getChange(ID))?.alarmRollback).toBeUndefined();
  });

  it('should stop waiting for a TEST step as soon as an alarm rollback is requested on the change', async () => {
    // Prepare
    h = createHarness();
    await changeIn('TESTING');
    const change = await h.store.getChange(ID);
    let finished = false;
    const never = () => new Promise<string>((resolve) => setTimeout(() => { finished = true; resolve('done'); }, 5000));

    // Act
    const watched = unlessAlarmed(h.engine.deps, change as NonNullable<typeof change>, never, 10);
    await requestAlarmRollback(h.engine.deps, ID, NAMES.latency, 'p95 above 3150');

    // Assess
    await expect(watched).rejects.toThrow(AlarmTriggered);
    await expect(watched).rejects.toThrow(`${NAMES.latency}: p95 above 3150`);
    expect(finished).toBe(false);
  });
});
