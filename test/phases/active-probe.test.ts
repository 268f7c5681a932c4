// The active probe's life on AWS, driven by the phase code over the in-memory store: PLAN's alarm check starts it
// before it reads the alarms' data (and waits, within the port's bound, for the first datapoints), every way an
// attempt ends stops it, and with monitoring.source: cloudwatch there is nothing to start.
import { MemoryChangeStore } from '../../lambdas/adapters/memory/change-store';
import { rollbackAlarmNames } from '../../lambdas/core/events';
import { LocalEventBus } from '../../lambdas/embedded/event-bus';
import { handle as report } from '../../lambdas/handlers/report';
import { transition } from '../../lambdas/phases/common';
import { checkAlarms } from '../../lambdas/phases/plan';
import { submitChange } from '../../lambdas/phases/submit';
import type { ActiveProbe, Deps, ProbeRun } from '../../lambdas/ports';
import { FakeAlarms, FakeHostCommands, FakeParameters, FakeTester, RecordingNotifier, silentLog, systemClock } from '../support/fakes';
import { TEST_ENV, testChange, testProfile } from '../support/harness';

class RecordingActiveProbe implements ActiveProbe {
  readonly started: ProbeRun[] = [];
  readonly stopped: { changeId: string; attempt: number }[] = [];
  stopError: Error | undefined;
  onStart: () => void = () => undefined;
  constructor(readonly warmup = { seconds: 0.2, pollMs: 10 }) {}

  async start(run: ProbeRun): Promise<{ scheduleName: string }> {
    this.started.push(run);
    this.onStart();
    return { scheduleName: `${run.changeId}-${run.attempt}` };
  }

  async stop(changeId: string, attempt: number): Promise<{ stopped: boolean }> {
    if (this.stopError) throw this.stopError;
    this.stopped.push({ changeId, attempt });
    return { stopped: true };
  }
}

const names = rollbackAlarmNames(TEST_ENV);
const USER_METRIC = { namespace: 'AWS/ApplicationELB', metricName: 'TargetResponseTime', dimensions: { LoadBalancer: 'app/web/0123456789abcdef' }, statistic: 'p95', scale: 1000 };

describe('the active probe of an attempt', () => {
  let store: MemoryChangeStore;
  let alarms: FakeAlarms;
  let probe: RecordingActiveProbe;
  let deps: Deps;

  beforeEach(() => {
    const bus = new LocalEventBus({ log: silentLog, baseDelayMs: 2 });
    store = new MemoryChangeStore();
    alarms = new FakeAlarms(bus);
    probe = new RecordingActiveProbe();
    deps = {
      store, hosts: new FakeHostCommands(bus), alarms, metrics: alarms, callbacks: { sendTaskSuccess: async () => true, sendTaskFailure: async () => true },
      notifier: new RecordingNotifier(), clock: systemClock, parameters: new FakeParameters(), tester: new FakeTester(), executions: { start: async () => ({ executionId: 'x', alreadyStarted: false }) },
      log: silentLog, activeProbe: probe,
    };
  });

  async function scheduled(id: string, profile = testProfile()): Promise<void> {
    await submitChange(deps, { request: testChange(id), profile, submittedBy: 'ops' });
    await transition(deps, id, { status: 'SCHEDULED', phase: 'PLAN', message: 'test' });
  }

  it('should start the probe before reading the alarms\' data, and go on once its first datapoints arrive', async () => {
    // Prepare: nothing publishes until the probe starts (as on AWS), then its first round lands after two more reads.
    await scheduled('CR-2026-801');
    alarms.silent.add(names.latency).add(names.errorRate);
    let readsAfterStart = 0;
    const read = alarms.newestDatapoints.bind(alarms);
    alarms.newestDatapoints = async (n) => {
      if (probe.started.length > 0 && (readsAfterStart += 1) === 3) alarms.silent.clear();
      return read(n);
    };

    // Act
    await checkAlarms(deps, 'CR-2026-801', 1);

    // Assess
    expect(probe.started).toEqual([{
      changeId: 'CR-2026-801', attempt: 1, environment: TEST_ENV, baseUrl: 'http://127.0.0.1:9', paths: ['/api/v1/health'], concurrency: 4, intervalMs: 1000,
      endAt: expect.any(String),
    }]);
    // Bounded by the attempt's longest use: 4 ACT steps × 600 s + window 1 s + load test 1 s + 900 s margin.
    const bound = Date.parse(probe.started[0]?.endAt ?? '') - Date.now();
    expect(bound).toBeGreaterThan((2400 + 2 + 900 - 5) * 1000);
    expect(bound).toBeLessThanOrEqual((2400 + 2 + 900) * 1000);
    expect(readsAfterStart).toBe(3);
    const types = (await store.listEvents('CR-2026-801')).map((e) => e.type);
    expect(types.indexOf('plan.probe-started')).toBeGreaterThan(-1);
    expect(types.indexOf('plan.alarms-clear')).toBeGreaterThan(types.indexOf('plan.probe-started'));
  });

  it('should refuse ACT with AlarmNoData when the probe publishes nothing within its warm-up bound', async () => {
    // Prepare
    await scheduled('CR-2026-802');
    alarms.silent.add(names.errorRate);
    let reads = 0;
    const read = alarms.newestDatapoints.bind(alarms);
    alarms.newestDatapoints = async (n) => { reads += 1; return read(n); };

    // Act
    const started = Date.now();
    const checking = checkAlarms(deps, 'CR-2026-802', 1);

    // Assess: it retried within the bound (0.2 s), then refused.
    await expect(checking).rejects.toMatchObject({ name: 'AlarmNoData', message: expect.stringContaining(names.errorRate) });
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect(reads).toBeGreaterThan(2);
    expect(probe.started).toHaveLength(1);
  });

  it('should start nothing with monitoring.source: cloudwatch (the user\'s metrics are read as they are)', async () => {
    // Prepare
    await scheduled('CR-2026-803', testProfile({
      monitoring: { windowSeconds: 1, periodSeconds: 60, source: 'cloudwatch', cloudwatch: { latency: USER_METRIC, errors: { ...USER_METRIC, metricName: 'HTTPCode_Target_5XX_Count', statistic: 'Sum', scale: 1 }, requests: { ...USER_METRIC, metricName: 'RequestCount', statistic: 'Sum', scale: 1 } } },
    }));
    alarms.silent.add(names.latency);

    // Act
    const checking = checkAlarms(deps, 'CR-2026-803', 1);

    // Assess: no probe, no wait: blind at once.
    await expect(checking).rejects.toMatchObject({ name: 'AlarmNoData' });
    expect(probe.started).toEqual([]);
  });

  it('should stop the probe when the attempt\'s report is written, however it ended', async () => {
    // Prepare
    await scheduled('CR-2026-804');

    // Act
    await report({ step: 'plan-ended', changeId: 'CR-2026-804', attempt: 1, failure: { Error: 'AlarmNoData', Cause: 'no datapoint' } }, deps);

    // Assess
    expect(probe.stopped).toEqual([{ changeId: 'CR-2026-804', attempt: 1 }]);
    expect((await store.listEvents('CR-2026-804')).map((e) => e.type)).toContain('report.probe-stopped');
  });

  it('should still write the report when stopping the probe fails (its schedule ends by itself at its end date)', async () => {
    // Prepare
    await scheduled('CR-2026-805');
    probe.stopError = new Error('AccessDeniedException: not authorized to perform scheduler:DeleteSchedule');
    const errors: string[] = [];
    deps.log = { ...silentLog, error: (message) => { errors.push(message); } };

    // Act
    const ended = await report({ step: 'plan-ended', changeId: 'CR-2026-805', attempt: 1, failure: { Error: 'AlarmNoData', Cause: 'x' } }, deps);

    // Assess
    expect(ended).toMatchObject({ status: 'BLOCKED' });
    expect(await store.getReport('CR-2026-805', 1)).toBeDefined();
    expect(errors).toEqual([expect.stringContaining('stopping the active probe failed')]);
  });
});
