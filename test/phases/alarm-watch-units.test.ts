// alarm-watch.ts over the memory store without the engine: the retried alarm read (each failure logged with its
// attempt), the alarm rollback request under version races, and unlessAlarmed's stop (abort, bounded wait).
import { MemoryChangeStore } from '../../lambdas/adapters/memory/change-store';
import { AlarmTriggered, ConflictError } from '../../lambdas/core/errors';
import { rollbackAlarmNames } from '../../lambdas/core/events';
import { ALARM_READ_ATTEMPTS, alarmRollbackCause, breachingInWindow, notYetEvaluated, readRollbackAlarms, requestAlarmRollback, unlessAlarmed } from '../../lambdas/phases/alarm-watch';
import type { Alarms, Deps, Logger } from '../../lambdas/ports';
import { memoryDeps, submitted } from '../support/phase-deps';

const NOW = new Date('2026-12-02T10:00:00.000Z');
const names = rollbackAlarmNames('test-env');

function recordingLog(): Logger & { warnings: { message: string; data: unknown }[] } {
  const warnings: { message: string; data: unknown }[] = [];
  return { warnings, info: () => undefined, error: () => undefined, warn: (message: string, data?: unknown) => { warnings.push({ message, data }); } };
}

/** Alarms whose first `failures` reads throw. */
function flakyAlarms(failures: number): Pick<Alarms, 'states'> & { reads: number } {
  const alarms = {
    reads: 0,
    states: async (ns: string[]) => {
      alarms.reads += 1;
      if (alarms.reads <= failures) throw new Error(`read ${alarms.reads} failed`);
      return ns.map((name) => ({ name, state: 'OK' as const, reason: 'fine' }));
    },
  };
  return alarms;
}

/** The store, with its next `conflicts` change updates refused as lost version races. */
function racing(store: MemoryChangeStore, conflicts: number | 'other'): { store: Deps['store']; updates: () => number } {
  let calls = 0;
  const raced = Object.assign(Object.create(store) as Deps['store'], {
    updateChange: async (...args: Parameters<Deps['store']['updateChange']>) => {
      calls += 1;
      if (conflicts === 'other') throw new Error('store down');
      if (calls <= conflicts) throw new ConflictError('stale');
      return store.updateChange(...args);
    },
  });
  return { store: raced, updates: () => calls };
}

describe('readRollbackAlarms', () => {
  it('should log each failed read with its attempt and give up after the last one with the last error', async () => {
    // Arrange
    const log = recordingLog();
    const alarms = flakyAlarms(ALARM_READ_ATTEMPTS);

    // Act
    const reading = readRollbackAlarms({ alarms: alarms as unknown as Alarms, log }, 'test-env', 1);

    // Assess
    await expect(reading).rejects.toThrow(`could not read the rollback alarms after ${ALARM_READ_ATTEMPTS} attempts: read 3 failed`);
    expect(alarms.reads).toBe(3);
    expect(log.warnings).toEqual([1, 2, 3].map((attempt) => ({
      message: 'reading the rollback alarms failed', data: { environment: 'test-env', attempt, error: `read ${attempt} failed` },
    })));
  });

  it('should answer the third read after two failures, with both alarms of the environment', async () => {
    // Arrange
    const log = recordingLog();
    const alarms = flakyAlarms(2);

    // Act
    const states = await readRollbackAlarms({ alarms: alarms as unknown as Alarms, log }, 'test-env', 1);

    // Assess
    expect(states).toEqual([{ name: names.latency, state: 'OK', reason: 'fine' }, { name: names.errorRate, state: 'OK', reason: 'fine' }]);
    expect(log.warnings).toHaveLength(2);
  });
});

describe('requestAlarmRollback', () => {
  it('should keep the alarm on the change for its attempt, at the clock\'s time, and keep the first one', async () => {
    // Arrange
    const deps = { ...memoryDeps(), clock: { now: () => NOW } };
    const change = await submitted(deps, 'CR-2026-940');

    // Act
    const first = await requestAlarmRollback(deps, change.id, names.latency, 'p95 high');
    const second = await requestAlarmRollback(deps, change.id, names.errorRate, 'errors');

    // Assess
    const request = { attempt: 1, alarmName: names.latency, reason: 'p95 high', at: NOW.toISOString() };
    expect(first.alarmRollback).toEqual(request);
    expect(second.alarmRollback).toEqual(request);
    expect(second.version).toBe(first.version);
    expect(alarmRollbackCause(request)).toBe(`${names.latency}: p95 high`);
  });

  it('should replace an alarm of an earlier attempt', async () => {
    // Arrange
    const deps = { ...memoryDeps(), clock: { now: () => NOW } };
    const base = await submitted(deps, 'CR-2026-941');
    await deps.store.updateChange(base.id, base.version, { attempt: 2, alarmRollback: { attempt: 1, alarmName: 'old', reason: 'old', at: NOW.toISOString() } });

    // Act
    const updated = await requestAlarmRollback(deps, base.id, names.errorRate, 'errors');

    // Assess
    expect(updated.alarmRollback).toEqual({ attempt: 2, alarmName: names.errorRate, reason: 'errors', at: NOW.toISOString() });
  });

  it('should try again after five lost races and give up with the conflict on the sixth', async () => {
    // Arrange
    const deps = memoryDeps();
    const change = await submitted(deps, 'CR-2026-942');
    const five = racing(deps.store, 5);
    const other = new MemoryChangeStore();
    await other.createChange(change);
    const six = racing(other, 6);

    // Act
    const kept = await requestAlarmRollback({ ...deps, store: five.store }, change.id, names.latency, 'p95');
    const lost = requestAlarmRollback({ ...deps, store: six.store }, change.id, names.latency, 'p95');

    // Assess
    expect(kept.alarmRollback?.alarmName).toBe(names.latency);
    expect(five.updates()).toBe(6);
    await expect(lost).rejects.toThrow(ConflictError);
    expect(six.updates()).toBe(6);
    expect((await other.getChange(change.id))?.alarmRollback).toBeUndefined();
  });

  it('should let an error other than a lost race through at once', async () => {
    // Arrange
    const deps = memoryDeps();
    const change = await submitted(deps, 'CR-2026-943');
    const broken = racing(deps.store, 'other');

    // Act
    const requesting = requestAlarmRollback({ ...deps, store: broken.store }, change.id, names.latency, 'p95');

    // Assess
    await expect(requesting).rejects.toThrow('store down');
    expect(broken.updates()).toBe(1);
  });
});

describe('unlessAlarmed', () => {
  it('should refuse at once, without starting the work, when an alarm of the attempt is already pending', async () => {
    // Arrange
    const deps = memoryDeps();
    const change = await submitted(deps, 'CR-2026-944');
    const alarmed = await requestAlarmRollback(deps, change.id, names.latency, 'p95');
    let started = 0;

    // Act
    const watching = unlessAlarmed(deps, alarmed, async () => { started += 1; return 'done'; }, 1);

    // Assess
    await expect(watching).rejects.toThrow(AlarmTriggered);
    await expect(watching).rejects.toThrow(`${names.latency}: p95`);
    expect(started).toBe(0);
  });

  it('should give the work\'s result when no alarm comes, and its own error unchanged, its signal never aborted', async () => {
    // Arrange
    const deps = memoryDeps();
    const change = await submitted(deps, 'CR-2026-945');
    const signals: AbortSignal[] = [];

    // Act
    const result = await unlessAlarmed(deps, change, async (signal) => { signals.push(signal); return 42; }, 1, 50);
    const failing = unlessAlarmed(deps, change, async (signal) => { signals.push(signal); throw new Error('smoke failed'); }, 1, 50);

    // Assess
    expect(result).toBe(42);
    await expect(failing).rejects.toThrow('smoke failed');
    expect(signals.map((s) => s.aborted)).toEqual([false, false]);
  });

  it('should leave work running over several checks alone while no alarm is requested', async () => {
    // Arrange
    const deps = memoryDeps();
    const change = await submitted(deps, 'CR-2026-948');
    let reads = 0;
    const getChange = deps.store.getChange.bind(deps.store);
    deps.store.getChange = async (id) => { reads += 1; return getChange(id); };
    const work = (signal: AbortSignal): Promise<boolean> => new Promise((resolve) => {
      const poll = (): void => { if (reads >= 3) resolve(signal.aborted); else setImmediate(poll); };
      poll();
    });

    // Act
    const aborted = await unlessAlarmed(deps, change, work, 1);

    // Assess
    expect(aborted).toBe(false);
  });

  it('should give up waiting for aborted work that does not stop after stopWaitMs', async () => {
    // Arrange
    const deps = memoryDeps();
    const change = await submitted(deps, 'CR-2026-949');
    const work = (): Promise<string> => new Promise(() => { void requestAlarmRollback(deps, change.id, names.latency, 'p95'); });

    // Act
    const watching = unlessAlarmed(deps, change, work, 1, 5);

    // Assess
    await expect(watching).rejects.toThrow(AlarmTriggered);
  });

  it('should abort the work on an alarm of its attempt and wait for it to stop within stopWaitMs', async () => {
    // Arrange
    const deps = memoryDeps();
    const change = await submitted(deps, 'CR-2026-946');
    const steps: string[] = [];
    const work = (signal: AbortSignal): Promise<string> => new Promise((resolve) => {
      signal.addEventListener('abort', () => { steps.push('aborted'); setImmediate(() => { steps.push('stopped'); resolve('late'); }); });
      void requestAlarmRollback(deps, change.id, names.errorRate, 'errors');
    });

    // Act
    const watching = unlessAlarmed(deps, change, work, 1, 10_000);

    // Assess
    await expect(watching).rejects.toThrow(`${names.errorRate}: errors`);
    expect(steps).toEqual(['aborted', 'stopped']);
  });

  it('should not wait for the work after the abort when stopWaitMs is 0', async () => {
    // Arrange
    const deps = memoryDeps();
    const change = await submitted(deps, 'CR-2026-947');
    const steps: string[] = [];
    const work = (signal: AbortSignal): Promise<string> => new Promise((resolve) => {
      signal.addEventListener('abort', () => { steps.push('aborted'); setTimeout(() => { steps.push('stopped'); resolve('late'); }, 20); });
      void requestAlarmRollback(deps, change.id, names.errorRate, 'errors');
    });

    // Act
    const watching = unlessAlarmed(deps, change, work, 1);

    // Assess
    await expect(watching).rejects.toThrow(AlarmTriggered);
    expect(steps).toEqual(['aborted']);
  });
});

describe('notYetEvaluated and breachingInWindow', () => {
  it('should take only INSUFFICIENT_DATA with CloudWatch\'s "Unchecked:" reason as not evaluated yet', () => {
    // Arrange
    const states = [
      { state: 'INSUFFICIENT_DATA', reason: 'Unchecked: Initial alarm creation' }, { state: 'INSUFFICIENT_DATA', reason: 'no data' },
      { state: 'OK', reason: 'Unchecked: Initial alarm creation' }, { state: 'ALARM', reason: 'Unchecked: x' },
    ];

    // Act
    const verdicts = states.map(notYetEvaluated);

    // Assess
    expect(verdicts).toEqual([true, false, false, false]);
  });

  it('should count ALARM always, evaluated INSUFFICIENT_DATA only when missing data is breaching, and OK never', () => {
    // Arrange
    const states = [
      { name: 'a', state: 'ALARM' as const, reason: 'crossed' }, { name: 'b', state: 'INSUFFICIENT_DATA' as const, reason: 'no data' },
      { name: 'c', state: 'INSUFFICIENT_DATA' as const, reason: 'Unchecked: Initial alarm creation' }, { name: 'd', state: 'OK' as const, reason: 'fine' },
    ];

    // Act
    const breaching = breachingInWindow(states, { missingData: 'breaching' });
    const notBreaching = breachingInWindow(states, { missingData: 'notBreaching' });

    // Assess
    expect(breaching).toEqual(['a: crossed', 'b: INSUFFICIENT_DATA counts as breaching (no data)']);
    expect(notBreaching).toEqual(['a: crossed']);
  });
});
