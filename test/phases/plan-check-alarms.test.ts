// PLAN's alarm check on the embedded engine's terms (no active-probe port): ACT starts on a verdict of the rollback
// alarms, never on an alarm that has not evaluated its metric yet; the wait for that verdict is bounded, and what the
// alarms say once evaluated (ALARM) is what PLAN acts on.
import { MemoryChangeStore } from '../../lambdas/adapters/memory/change-store';
import { rollbackAlarmNames } from '../../lambdas/core/events';
import { LocalEventBus } from '../../lambdas/embedded/event-bus';
import { transition } from '../../lambdas/phases/common';
import { checkAlarms, verdictWait } from '../../lambdas/phases/plan';
import { submitChange } from '../../lambdas/phases/submit';
import type { AlarmStateValue, Clock, Deps } from '../../lambdas/ports';
import { FakeAlarms, FakeHostCommands, FakeParameters, FakeTester, RecordingNotifier, silentLog, systemClock } from '../support/fakes';
import { TEST_ENV, testChange, testProfile } from '../support/harness';

const names = rollbackAlarmNames(TEST_ENV);
/** CloudWatch's reason for an alarm not evaluated yet, which the local probe gives a new alarm too. */
const UNCHECKED = 'Unchecked: Initial alarm creation';

type Reading = { state: AlarmStateValue; reason: string };

describe('PLAN alarm check: a verdict before ACT', () => {
  let store: MemoryChangeStore;
  let alarms: FakeAlarms;
  let deps: Deps;
  /** What each states() read returns, by read number (the last one repeats). */
  let readings: Record<string, Reading>[];
  let reads: number;

  beforeEach(() => {
    const bus = new LocalEventBus({ log: silentLog, baseDelayMs: 2 });
    store = new MemoryChangeStore();
    alarms = new FakeAlarms(bus);
    reads = 0;
    readings = [];
    alarms.states = async (alarmNames) => {
      const reading = readings[Math.min(reads, readings.length - 1)] ?? {};
      reads += 1;
      return alarmNames.map((name) => ({ name, ...(reading[name] ?? { state: 'OK' as const, reason: 'Threshold Crossed: 0 out of the last 2 datapoints' }) }));
    };
    deps = {
      store, hosts: new FakeHostCommands(bus), alarms, metrics: alarms, callbacks: { sendTaskSuccess: async () => true, sendTaskFailure: async () => true },
      notifier: new RecordingNotifier(), clock: systemClock, parameters: new FakeParameters(), tester: new FakeTester(), executions: { start: async () => ({ executionId: 'x', alreadyStarted: false }) },
      log: silentLog,
    };
  });

  async function scheduled(id: string): Promise<void> {
    // The demo's alarms: 1-s periods, N = 2 (a verdict needs two observed periods)
    await submitChange(deps, { request: testChange(id), profile: testProfile({ monitoring: { windowSeconds: 1, periodSeconds: 1, evaluationPeriods: 2, datapointsToAlarm: 1 } }), submittedBy: 'ops' });
    await transition(deps, id, { status: 'SCHEDULED', phase: 'PLAN', message: 'test' });
  }

  it('should wait while an alarm has not evaluated yet and start ACT on its first verdict (OK)', async () => {
    // Prepare: the probe has data but has not observed its evaluation periods for the first two reads
    await scheduled('CR-2026-901');
    const unchecked = { [names.latency]: { state: 'INSUFFICIENT_DATA' as const, reason: UNCHECKED }, [names.errorRate]: { state: 'INSUFFICIENT_DATA' as const, reason: UNCHECKED } };
    readings = [unchecked, unchecked, unchecked, {}];

    // Act
    await checkAlarms(deps, 'CR-2026-901', 1);

    // Assess: ACT starts on OK, recorded as such
    expect(reads).toBeGreaterThanOrEqual(4);
    const clear = (await store.listEvents('CR-2026-901')).find((e) => e.type === 'plan.alarms-clear');
    expect((clear?.data?.alarms as Reading[]).map((a) => a.state)).toEqual(['OK', 'OK']);
  });

  it('should refuse ACT with AlarmActive when the first verdict is ALARM', async () => {
    // Prepare
    await scheduled('CR-2026-902');
    readings = [{}, { [names.errorRate]: { state: 'INSUFFICIENT_DATA', reason: UNCHECKED } }, { [names.errorRate]: { state: 'ALARM', reason: 'Threshold Crossed: 2 out of the last 2 datapoints [0.3,0.3]' } }];

    // Act
    const checking = checkAlarms(deps, 'CR-2026-902', 1);

    // Assess
    await expect(checking).rejects.toMatchObject({ name: 'AlarmActive', message: expect.stringContaining(names.errorRate) });
  });

  it('should refuse ACT at once with AlarmActive when one alarm fires while another has no verdict yet', async () => {
    // Prepare: latency still INSUFFICIENT_DATA on every read, the error rate in ALARM
    await scheduled('CR-2026-907');
    readings = [{ [names.latency]: { state: 'INSUFFICIENT_DATA', reason: UNCHECKED }, [names.errorRate]: { state: 'ALARM', reason: 'Threshold Crossed: 1 out of the last 2 datapoints' } }];

    // Act
    const checking = checkAlarms(deps, 'CR-2026-907', 1);

    // Assess: refused on the read after the data check, without waiting out the 10-s bound
    await expect(checking).rejects.toMatchObject({ name: 'AlarmActive', message: expect.stringContaining(names.errorRate) });
    expect(reads).toBe(2);
  });

  it('should refuse ACT with AlarmNoData, naming the alarm, when no verdict comes within the bound', async () => {
    // Prepare: a clock that moves a second per reading, so the 10-s bound passes in a few real milliseconds
    await scheduled('CR-2026-903');
    let ms = Date.UTC(2026, 0, 1);
    const jumping: Clock = { now: () => new Date((ms += 1000)) };
    deps = { ...deps, clock: jumping };
    readings = [{ [names.latency]: { state: 'INSUFFICIENT_DATA', reason: UNCHECKED } }];

    // Act
    const checking = checkAlarms(deps, 'CR-2026-903', 1);

    // Assess
    await expect(checking).rejects.toMatchObject({ name: 'AlarmNoData', message: expect.stringMatching(new RegExp(`${names.latency}: not evaluated within [\\d.]+ s`)) });
    expect(reads).toBeGreaterThan(2);
    expect((await store.listEvents('CR-2026-903')).some((e) => e.type === 'plan.alarms-clear')).toBe(false);
  });

  it('should wait while an alarm is INSUFFICIENT_DATA on stale data (an AWS alarm between changes) and start ACT once it is OK', async () => {
    // Prepare: CloudWatch's reason for a range with every datapoint missing, then OK on the probe's data
    await scheduled('CR-2026-904');
    const stale = { [names.latency]: { state: 'INSUFFICIENT_DATA' as const, reason: 'Insufficient Data: 2 datapoints were unknown.' } };
    readings = [stale, stale, stale, {}];

    // Act
    await checkAlarms(deps, 'CR-2026-904', 1);

    // Assess
    expect(reads).toBe(4);
    expect((await store.listEvents('CR-2026-904')).some((e) => e.type === 'plan.alarms-clear')).toBe(true);
  });

  it('should refuse to start ACT on an alarm still INSUFFICIENT_DATA after the wait when missing data counts as breaching', async () => {
    // Prepare
    await scheduled('CR-2026-905');
    let ms = Date.UTC(2026, 0, 1);
    const jumping: Clock = { now: () => new Date((ms += 1000)) };
    deps = { ...deps, clock: jumping };
    readings = [{ [names.errorRate]: { state: 'INSUFFICIENT_DATA', reason: 'Insufficient Data: 2 datapoints were unknown.' } }];

    // Act
    const checking = checkAlarms(deps, 'CR-2026-905', 1);

    // Assess
    await expect(checking).rejects.toMatchObject({ name: 'AlarmNoData', message: expect.stringContaining(`${names.errorRate}: not evaluated within`) });
    expect((await store.listEvents('CR-2026-905')).some((e) => e.type === 'plan.alarms-clear')).toBe(false);
  });

  it('should take INSUFFICIENT_DATA on data as a verdict when the profile says missing data is not breaching', async () => {
    // Prepare
    await submitChange(deps, { request: testChange('CR-2026-906'), profile: testProfile({ monitoring: { windowSeconds: 1, periodSeconds: 1, evaluationPeriods: 2, datapointsToAlarm: 1, missingData: 'notBreaching' } }), submittedBy: 'ops' });
    await transition(deps, 'CR-2026-906', { status: 'SCHEDULED', phase: 'PLAN', message: 'test' });
    readings = [{ [names.latency]: { state: 'INSUFFICIENT_DATA', reason: 'Insufficient Data: 2 datapoints were unknown.' } }];

    // Act
    await checkAlarms(deps, 'CR-2026-906', 1);

    // Assess: the first read after the recency check decided (the top read, then one)
    expect(reads).toBe(2);
  });

  it('should bound the wait by the evaluation range: twice it, 10 s to 150 s, read every quarter period', () => {
    expect(verdictWait({ periodSeconds: 1, evaluationPeriods: 2 })).toEqual({ seconds: 10, pollMs: 250 });
    expect(verdictWait({ periodSeconds: 10, evaluationPeriods: 1 })).toEqual({ seconds: 60, pollMs: 1000 });
    expect(verdictWait({ periodSeconds: 0.1, evaluationPeriods: 3 })).toEqual({ seconds: 10, pollMs: 50 });
    expect(verdictWait({ periodSeconds: 2, evaluationPeriods: 2 })).toEqual({ seconds: 16, pollMs: 500 });
    // The KIS profile's 60-s alarms (N = 3): CloudWatch evaluates once a minute, so up to 150 s
    expect(verdictWait({ periodSeconds: 60, evaluationPeriods: 3 })).toEqual({ seconds: 150, pollMs: 1000 });
  });
});
