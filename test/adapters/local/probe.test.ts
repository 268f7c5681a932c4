// Local probe: periods → datapoints → CloudWatch alarm transitions on the bus; a fake clock and fetch for the rules,
// a real node:http server on 127.0.0.1 for the end-to-end path.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LocalProbe, MAX_SERIES_PERIODS, type LocalProbeOptions } from '../../../lambdas/adapters/local/probe';
import { rollbackAlarmDefinitions, type AlarmDefinition } from '../../../lambdas/core/alarm-evaluator';
import { rollbackAlarmNames, type AlarmStateChangeEvent, type EventBridgeEvent } from '../../../lambdas/core/events';
import type { EnvironmentProfile } from '../../../lambdas/core/schemas';
import type { Logger } from '../../../lambdas/ports';

const ENV = 'kis-test';
const NAMES = rollbackAlarmNames(ENV);
const T0 = Date.UTC(2025, 8, 22, 14, 30, 0); // on a period boundary

/** The seed's monitoring values with a short period, so a test can run a few periods. */
function monitoring(overrides: Partial<EnvironmentProfile['monitoring']> = {}): EnvironmentProfile['monitoring'] {
  return {
    p95Ms: 2100, errorRate: 0.01, windowSeconds: 1800, rollbackFactor: 1.5,
    periodSeconds: 1, evaluationPeriods: 3, datapointsToAlarm: 2,
    probePaths: ['/api/v1/health'], probeIntervalMs: 100, probeConcurrency: 1, missingData: 'notBreaching', recentDataSeconds: 600, source: 'probe', ...overrides,
  };
}

function alarms(overrides: Partial<EnvironmentProfile['monitoring']> = {}): AlarmDefinition[] {
  return rollbackAlarmDefinitions({ name: ENV, monitoring: monitoring(overrides) });
}

class FakeClock {
  constructor(public ms = T0) {}
  now(): Date { return new Date(this.ms); }
  advance(ms: number): void { this.ms += ms; }
}

class RecordingBus {
  readonly events: AlarmStateChangeEvent[] = [];
  publish(event: EventBridgeEvent): void { this.events.push(event as AlarmStateChangeEvent); }
  transitions(alarmName: string): string[] {
    return this.events.filter((e) => e.detail.alarmName === alarmName).map((e) => `${e.detail.previousState.value}->${e.detail.state.value}`);
  }
}

type Answer = { status: number; headers?: Record<string, string> } | 'network-error';

/** A fetch that answers from `answer(n)` for the n-th request and can take `latencyMs` of fake time. */
function fakeFetch(clock: FakeClock, answer: (n: number, url: string) => Answer, latencyMs = 0) {
  let n = 0;
  const calls: string[] = [];
  const fn = (async (input: string | URL | Request) => {
    const url = String(input);
    calls.push(url);
    const a = answer(n++, url);
    clock.advance(latencyMs);
    if (a === 'network-error') throw new TypeError('fetch failed');
    return new Response('{}', { status: a.status, headers: a.headers });
  }) as typeof fetch;
  return { fn, calls };
}

function newProbe(clock: FakeClock, bus: RecordingBus, fetchFn: typeof fetch, extra: Partial<LocalProbeOptions> = {}): LocalProbe {
  return new LocalProbe({
    baseUrl: 'http://target.test', paths: ['/api/v1/health'], intervalMs: 100,
    alarms: alarms(), bus, clock, fetch: fetchFn, ...extra,
  });
}

/** `count` probe rounds, intervalMs of fake time apart (including any fake latency). */
async function rounds(probe: LocalProbe, clock: FakeClock, count: number, intervalMs = 100): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    const started = clock.ms;
    await probe.tick();
    clock.ms = started + intervalMs;
  }
}

/** Polls `done` every 10 ms; throws after `ms` (a bound on a behaviour, not a timing assertion). */
async function waitFor(done: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const healthy = (): Answer => ({ status: 200 });
/** 3 of every 10 answers are 500s. */
const thirtyPercentErrors = (n: number): Answer => ({ status: n % 10 < 3 ? 500 : 200 });

describe('LocalProbe with a fake clock and fetch', () => {
  it('should move the error-rate alarm OK → ALARM once 30 % of answers fail, publishing one ALARM event', async () => {
    // Prepare
    const clock = new FakeClock();
    const bus = new RecordingBus();
    let failing = false;
    const { fn } = fakeFetch(clock, (n) => (failing ? thirtyPercentErrors(n) : healthy()));
    const probe = newProbe(clock, bus, fn);
    await rounds(probe, clock, 30); // three healthy periods

    // Act
    failing = true;
    await rounds(probe, clock, 30);

    // Assess
    expect(bus.transitions(NAMES.errorRate)).toEqual(['INSUFFICIENT_DATA->OK', 'OK->ALARM']);
    expect(bus.transitions(NAMES.latency)).toEqual(['INSUFFICIENT_DATA->OK']);
    const [state] = await probe.states([NAMES.errorRate]);
    expect(state?.state).toBe('ALARM');
  });

  it('should publish the CloudWatch Alarm State Change event EventBridge would deliver', async () => {
    // Prepare
    const clock = new FakeClock();
    const bus = new RecordingBus();
    let failing = false;
    const { fn } = fakeFetch(clock, (n) => (failing ? thirtyPercentErrors(n) : healthy()));
    const probe = newProbe(clock, bus, fn);
    await rounds(probe, clock, 30);
    failing = true;

    // Act
    await rounds(probe, clock, 21); // two failing periods (M = 2 of N = 3), and the round that closes the second

    // Assess
    const alarmEvents = bus.events.filter((e) => e.detail.state.value === 'ALARM');
    expect(alarmEvents).toHaveLength(1);
    const event = alarmEvents[0] as AlarmStateChangeEvent;
    expect(event).toMatchObject({
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      resources: [`arn:aws:cloudwatch:local:000000000000:alarm:${NAMES.errorRate}`],
      time: new Date(T0 + 5000).toISOString(),
      detail: { alarmName: NAMES.errorRate, state: { value: 'ALARM' }, previousState: { value: 'OK' } },
    });
    expect(event.detail.state.reason).toMatch(/^Threshold Crossed: 2 out of the last 3 datapoints \[0,0\.3,0\.3\] were greater than the threshold \(0\.015\)/);
    expect(JSON.parse(event.detail.state.reasonData ?? '{}')).toMatchObject({ recentDatapoints: [0, 0.3, 0.3], period: 1 });
    expect(probe.datapoints().slice(-3).map((d) => d.errorRate)).toEqual([0, 0.3, 0.3]);
  });

  it('should drop 503 answers marked X-Maintenance: 1 as missing data, not count them as errors', async () => {
    // Prepare
    const clock = new FakeClock();
    const bus = new RecordingBus();
    const { fn, calls } = fakeFetch(clock, () => ({ status: 503, headers: { 'X-Maintenance': '1' } }));
    const probe = newProbe(clock, bus, fn);

    // Act
    await rounds(probe, clock, 41);

    // Assess
    expect(calls).toHaveLength(41);
    expect(probe.datapoints().map((d) => d.requests)).toEqual([0, 0, 0, 0]);
    expect(probe.datapoints().every((d) => d.errorRate === undefined)).toBe(true);
    expect((await probe.snapshot(60)).requests).toBe(0);
    // notBreaching: a quiet target is no reason to roll back
    expect(bus.transitions(NAMES.errorRate)).toEqual(['INSUFFICIENT_DATA->OK']);
  });

  it('should take no sample while traffic is blocked on the host, so a stopped service raises no alarm', async () => {
    // Prepare: the service is down (every request fails) but the host has traffic blocked.
    const clock = new FakeClock();
    const bus = new RecordingBus();
    const { fn, calls } = fakeFetch(clock, () => ({ status: 500 }));
    let blocked = true;
    const probe = newProbe(clock, bus, fn, { trafficBlocked: () => blocked });

    // Act
    await rounds(probe, clock, 41);
    const callsWhileBlocked = calls.length;
    blocked = false;
    await rounds(probe, clock, 41);

    // Assess
    expect(callsWhileBlocked).toBe(0);
    expect(calls.length).toBe(41);
    // The blocked periods are out of service: not evaluated (no OK, no ALARM while the service was down on purpose);
    // once traffic is back, the failing periods alarm as soon as N = 3 of them were observed.
    expect(bus.transitions(NAMES.errorRate)).toEqual(['INSUFFICIENT_DATA->ALARM']);
    expect(probe.datapoints().every((d) => Date.parse(d.periodStart) >= T0 + 4000)).toBe(true);
  });

  it('should count a 503 without the maintenance header, a network error and a timeout as errors', async () => {
    // Prepare
    const clock = new FakeClock();
    const bus = new RecordingBus();
    const answers: Answer[] = [{ status: 503 }, 'network-error', { status: 200 }, { status: 404 }];
    const { fn } = fakeFetch(clock, (n) => answers[n % answers.length] as Answer);
    const hanging = (async (_input: string | URL | Request, init?: RequestInit) => new Promise<Response>((_resolve, reject) => {
      init?.signal?.addEventListener('abort', () => reject(new Error('aborted')));
    })) as typeof fetch;
    const probe = newProbe(clock, bus, fn);
    const slowProbe = newProbe(clock, bus, hanging, { timeoutMs: 20 });

    // Act
    await rounds(probe, clock, 4);
    await slowProbe.tick();

    // Assess: 404 is the client's problem, not the service failing
    const snapshot = await probe.snapshot(60);
    expect(snapshot).toMatchObject({ requests: 4, errorRate: 0.5 });
    expect(await slowProbe.snapshot(60)).toMatchObject({ requests: 1, errorRate: 1 });
  });

  it('should move the latency alarm to ALARM when p95 stays above 150 % of the threshold', async () => {
    // Prepare: every answer takes 200 ms of fake time against a 100 ms × 1.5 limit
    const clock = new FakeClock();
    const bus = new RecordingBus();
    const { fn } = fakeFetch(clock, healthy, 200);
    const probe = newProbe(clock, bus, fn, { alarms: alarms({ p95Ms: 100, periodSeconds: 2 }), intervalMs: 500 });

    // Act
    await rounds(probe, clock, 13, 500);

    // Assess
    // No verdict before N = 3 periods were observed; then every one of them is slow
    expect(bus.transitions(NAMES.latency)).toEqual(['INSUFFICIENT_DATA->ALARM']);
    expect(probe.datapoints().slice(-2).map((d) => d.p95LatencyMs)).toEqual([200, 200]);
  });

  it('should sample the paths in turn', async () => {
    // Prepare
    const clock = new FakeClock();
    const { fn, calls } = fakeFetch(clock, healthy);
    const probe = newProbe(clock, new RecordingBus(), fn, { paths: ['/a', '/b', '/c'] });

    // Act
    await rounds(probe, clock, 4);

    // Assess
    expect(calls).toEqual(['http://target.test/a', 'http://target.test/b', 'http://target.test/c', 'http://target.test/a']);
  });

  it('should answer states() for its alarms and INSUFFICIENT_DATA with a reason for an unknown name', async () => {
    // Prepare
    const clock = new FakeClock();
    const probe = newProbe(clock, new RecordingBus(), fakeFetch(clock, healthy).fn);

    // Act
    const states = await probe.states([NAMES.latency, 'no-such-alarm']);

    // Assess
    expect(states).toEqual([
      { name: NAMES.latency, state: 'INSUFFICIENT_DATA', reason: 'Unchecked: Initial alarm creation' },
      { name: 'no-such-alarm', state: 'INSUFFICIENT_DATA', reason: expect.stringContaining('Unknown alarm'), missing: true },
    ]);
  });

  it('should snapshot only the samples of the last window', async () => {
    // Prepare: 10 healthy samples, then 10 failing ones one second later
    const clock = new FakeClock();
    const { fn } = fakeFetch(clock, (n) => ({ status: n < 10 ? 200 : 500 }));
    const probe = newProbe(clock, new RecordingBus(), fn);
    await rounds(probe, clock, 20);
    clock.advance(-50); // between two rounds, so no sample sits on the window's edge

    // Act
    const lastSecond = await probe.snapshot(1);
    const lastMinute = await probe.snapshot(60);

    // Assess
    expect(lastSecond).toMatchObject({ requests: 10, errorRate: 1, p95Ms: 0, windowSeconds: 1, at: clock.now().toISOString() });
    expect(lastMinute).toMatchObject({ requests: 20, errorRate: 0.5 });
  });

  it('should give the window per alarm period, oldest first, bounded to the newest periods', async () => {
    // Prepare: 10 healthy samples, then 10 failing ones, 1 s periods
    const clock = new FakeClock();
    const { fn } = fakeFetch(clock, (n) => ({ status: n < 10 ? 200 : 500 }));
    const probe = newProbe(clock, new RecordingBus(), fn);
    await rounds(probe, clock, 20);
    clock.advance(-50);

    // Act
    const series = await probe.series(3);
    const long = await probe.series(86_400);

    // Assess
    expect(series.map((p) => Date.parse(p.at) - T0)).toEqual([-2000, -1000, 0, 1000]);
    expect(series[0]).toEqual({ at: new Date(T0 - 2000).toISOString(), requests: 0 });
    expect(series.reduce((sum, p) => sum + p.requests, 0)).toBe(20);
    expect(series.at(-1)).toMatchObject({ requests: 9, errorRate: 1, p95Ms: 0 });
    expect(series.at(-2)?.errorRate).toBeCloseTo(0.1);
    expect(long).toHaveLength(MAX_SERIES_PERIODS);
    expect(long.at(-1)).toEqual(series.at(-1));
  });

  it('should give an empty snapshot before any sample', async () => {
    // Prepare
    const clock = new FakeClock();
    const probe = newProbe(clock, new RecordingBus(), fakeFetch(clock, healthy).fn);

    // Act
    const snapshot = await probe.snapshot(60);

    // Assess
    expect(snapshot).toEqual({ at: clock.now().toISOString(), windowSeconds: 60, requests: 0, p95Ms: undefined, errorRate: undefined });
  });

  it('should keep delivering transitions when a subscriber throws, and log the failure', async () => {
    // Prepare
    const clock = new FakeClock();
    const errors: string[] = [];
    const log: Logger = { info: () => undefined, warn: () => undefined, error: (message) => errors.push(message) };
    let failing = false;
    const { fn } = fakeFetch(clock, () => ({ status: failing ? 500 : 200 }));
    const seen: string[] = [];
    const bus = { publish: (e: EventBridgeEvent) => { seen.push((e as AlarmStateChangeEvent).detail.state.value); throw new Error('subscriber broke'); } };
    const probe = newProbe(clock, new RecordingBus(), fn, { bus, log, alarms: alarms().slice(1) });

    // Act: three healthy periods (N = 3 observed: the first verdict), then failing ones
    await rounds(probe, clock, 31);
    failing = true;
    await rounds(probe, clock, 20);

    // Assess
    expect(seen).toEqual(['OK', 'ALARM']);
    expect(errors).toHaveLength(2);
  });

  it('should refuse alarms that do not share one period', () => {
    // Prepare
    const clock = new FakeClock();
    const [latency, errorRate] = alarms();

    // Act
    const build = () => newProbe(clock, new RecordingBus(), fakeFetch(clock, healthy).fn, {
      alarms: [latency as AlarmDefinition, { ...(errorRate as AlarmDefinition), periodSeconds: 60 }],
    });

    // Assess
    expect(build).toThrow(/share one period/);
  });

  it('should let stop() wait for the request in flight', async () => {
    // Prepare
    const clock = new FakeClock();
    let release: () => void = () => undefined;
    const slow = (async () => {
      await new Promise<void>((resolve) => { release = resolve; });
      return new Response('ok', { status: 200 });
    }) as typeof fetch;
    const probe = newProbe(clock, new RecordingBus(), slow, { intervalMs: 60_000 });
    probe.start();

    // Act
    const stopped = probe.stop();
    release();
    await stopped;

    // Assess
    expect((await probe.snapshot(60)).requests).toBe(1);
  });
});

describe('LocalProbe detection rules', () => {
  it('should send `concurrency` requests per round, spread over the paths in turn', async () => {
    // Prepare
    const clock = new FakeClock();
    const { fn, calls } = fakeFetch(clock, healthy);
    const probe = newProbe(clock, new RecordingBus(), fn, { paths: ['/a', '/b', '/c'], concurrency: 4 });

    // Act
    await probe.tick();
    await probe.tick();

    // Assess
    expect(calls.map((u) => new URL(u).pathname)).toEqual(['/a', '/b', '/c', '/a', '/b', '/c', '/a', '/b']);
    expect((await probe.snapshot(60)).requests).toBe(8);
  });

  it('should count a request still unanswered past the p95 limit as breaching from that moment, and its outcome when it answers', async () => {
    // Prepare: p95 limit 20 ms × 1.5 = 30 ms; the answer (a 500) comes after 150 ms
    const realClock = { now: () => new Date() };
    let answer: (r: Response) => void = () => undefined;
    const slow = (async () => new Promise<Response>((resolve) => { answer = resolve; })) as typeof fetch;
    const probe = new LocalProbe({ baseUrl: 'http://target.test', paths: ['/x'], intervalMs: 60_000, alarms: alarms({ p95Ms: 20, periodSeconds: 60 }), bus: new RecordingBus(), clock: realClock, fetch: slow });

    // Act
    const round = probe.tick();
    await new Promise((r) => setTimeout(r, 80));
    const whileWaiting = await probe.snapshot(60);
    answer(new Response('{}', { status: 500 }));
    await round;
    const afterAnswer = await probe.snapshot(60);

    // Assess
    expect(whileWaiting.requests).toBe(1);
    expect(whileWaiting.p95Ms).toBeGreaterThan(30);
    expect(whileWaiting.errorRate).toBeUndefined();
    expect(afterAnswer).toMatchObject({ requests: 1, errorRate: 1 });
    expect(afterAnswer.p95Ms).toBeGreaterThanOrEqual(80);
  });

  it('should record nothing when silent: no recent datapoint, and the breaching treatment puts the alarms in ALARM', async () => {
    // Prepare
    const clock = new FakeClock();
    const bus = new RecordingBus();
    const { fn, calls } = fakeFetch(clock, healthy);
    const probe = newProbe(clock, bus, fn, { silent: true, alarms: alarms({ missingData: 'breaching' }) });

    // Act
    await rounds(probe, clock, 31);

    // Assess
    expect(calls.length).toBe(31);
    expect(await probe.newestDatapoints([NAMES.latency, NAMES.errorRate], 600)).toEqual([{ name: NAMES.latency }, { name: NAMES.errorRate }]);
    expect(bus.transitions(NAMES.errorRate)).toEqual(['INSUFFICIENT_DATA->ALARM']);
    expect((await probe.states([NAMES.errorRate]))[0]?.reason).toMatch(/treated as \[Breaching\]/);
  });

  it('should give the newest datapoint within the lookback, none outside it, and flag an unknown alarm as missing', async () => {
    // Prepare
    const clock = new FakeClock();
    const { fn } = fakeFetch(clock, healthy);
    const probe = newProbe(clock, new RecordingBus(), fn);
    await rounds(probe, clock, 3);
    const newest = new Date(T0 + 200).toISOString();

    // Act
    const recent = await probe.newestDatapoints([NAMES.latency, NAMES.errorRate, 'other-alarm'], 10);
    clock.advance(20_000);
    const later = await probe.newestDatapoints([NAMES.errorRate], 10);

    // Assess
    expect(recent).toEqual([{ name: NAMES.latency, newestAt: newest }, { name: NAMES.errorRate, newestAt: newest }, { name: 'other-alarm', missing: true }]);
    expect(later).toEqual([{ name: NAMES.errorRate }]);
  });

  it('should not read periods with traffic blocked as missing data: a breaching-by-default alarm stays OK through a maintenance', async () => {
    // Prepare
    const clock = new FakeClock();
    const bus = new RecordingBus();
    const { fn } = fakeFetch(clock, healthy);
    let blocked = false;
    const probe = newProbe(clock, bus, fn, { trafficBlocked: () => blocked, alarms: alarms({ missingData: 'breaching' }) });
    await rounds(probe, clock, 31);

    // Act
    blocked = true;
    await rounds(probe, clock, 50);
    blocked = false;
    await rounds(probe, clock, 31);

    // Assess
    expect(bus.transitions(NAMES.errorRate)).toEqual(['INSUFFICIENT_DATA->OK']);
    expect(bus.transitions(NAMES.latency)).toEqual(['INSUFFICIENT_DATA->OK']);
  });

  it('should not read periods in which the probe itself did not run as missing data (its process stalled)', async () => {
    // Prepare
    const clock = new FakeClock();
    const bus = new RecordingBus();
    const { fn } = fakeFetch(clock, healthy);
    const probe = newProbe(clock, bus, fn, { alarms: alarms({ missingData: 'breaching' }) });
    await rounds(probe, clock, 31);

    // Act: five seconds without a round, then rounds again
    clock.advance(5000);
    await rounds(probe, clock, 31);

    // Assess: the silent record with rounds sent and nothing recorded is the one that alarms (the silent test above)
    expect(bus.transitions(NAMES.errorRate)).toEqual(['INSUFFICIENT_DATA->OK']);
    expect(probe.datapoints().every((d) => d.requests > 0)).toBe(true);
  });

  it('should not read a period as missing data when its round\'s answers were read only after it ended (a starved probe, a slow first answer)', async () => {
    // Prepare: the demo profile's alarms (1-s periods, N = 2, M = 1, missing data breaching), one round a second.
    // The first round goes out at 0.9 s and its healthy answers are read at 1.3 s: the first answer of a fresh process
    // (connections, the service warming up), or the probe's own process starved of CPU while the answers waited.
    // Before this rule that first period was "missing", treated as breaching, and both alarms went INSUFFICIENT_DATA →
    // ALARM → OK within two seconds of the probe starting: a PLAN check in between ended the change BLOCKED.
    const clock = new FakeClock(T0 + 900);
    const bus = new RecordingBus();
    let answerAt = T0 + 1300;
    const fn = (async () => {
      clock.ms = Math.max(clock.ms, answerAt);
      return new Response('{}', { status: 200 });
    }) as typeof fetch;
    const probe = newProbe(clock, bus, fn, { alarms: alarms({ evaluationPeriods: 2, datapointsToAlarm: 1, missingData: 'breaching' }), intervalMs: 1000, concurrency: 3 });

    // Act: the late first round, then rounds at 0.05 s into each period answered within 40 ms
    await probe.tick();
    for (let second = 1; second <= 3; second += 1) {
      clock.ms = T0 + second * 1000 + 50;
      answerAt = clock.ms + 40;
      await probe.tick();
    }

    // Assess
    expect(bus.transitions(NAMES.errorRate)).toEqual(['INSUFFICIENT_DATA->OK']);
    expect(bus.transitions(NAMES.latency)).toEqual(['INSUFFICIENT_DATA->OK']);
    // The late answers count where they were read (second 1, with its own round's), and their round's period is skipped
    expect(probe.datapoints().map((d) => [Date.parse(d.periodStart) - T0, d.requests])).toEqual([[1000, 6], [2000, 3]]);
  });

  it('should still read a period as missing data when its round was answered in time and nothing was recorded', async () => {
    // Prepare: the same late first round, but nothing is recorded (nobody publishes the metrics)
    const clock = new FakeClock(T0 + 900);
    const bus = new RecordingBus();
    const fn = (async () => {
      clock.ms += 20;
      return new Response('{}', { status: 200 });
    }) as typeof fetch;
    const probe = newProbe(clock, bus, fn, { silent: true, alarms: alarms({ evaluationPeriods: 2, datapointsToAlarm: 1, missingData: 'breaching' }), intervalMs: 1000 });

    // Act
    for (let second = 0; second <= 3; second += 1) {
      clock.ms = T0 + second * 1000 + 50;
      await probe.tick();
    }

    // Assess: answered, recorded nowhere: silence, which is not health
    expect(bus.transitions(NAMES.errorRate)).toEqual(['INSUFFICIENT_DATA->ALARM']);
    expect(bus.transitions(NAMES.latency)).toEqual(['INSUFFICIENT_DATA->ALARM']);
  });

  it('should still alarm on a target that stops answering: its requests pass the latency limit', async () => {
    // Prepare: 100-ms periods (N = 2, M = 1, missing data breaching), latency limit 30 ms × 1.5 → 46 ms; the target
    // answers at once, then hangs: the periods of its unanswered rounds are not missing data, its silence is latency.
    const bus = new RecordingBus();
    let hanging = false;
    const fn = (async (_input: string | URL | Request, init?: RequestInit) => {
      if (!hanging) return new Response('{}', { status: 200 });
      return new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(new Error('aborted'))));
    }) as typeof fetch;
    const probe = new LocalProbe({
      baseUrl: 'http://target.test', paths: ['/x'], intervalMs: 50, bus, clock: { now: () => new Date() }, fetch: fn, timeoutMs: 400,
      alarms: alarms({ p95Ms: 30, periodSeconds: 0.1, evaluationPeriods: 2, datapointsToAlarm: 1, missingData: 'breaching' }),
    });
    probe.start();
    try {
      await waitFor(() => bus.transitions(NAMES.latency).includes('INSUFFICIENT_DATA->OK'), 3000);

      // Act
      hanging = true;
      await waitFor(() => bus.transitions(NAMES.latency).includes('OK->ALARM'), 3000);

      // Assess
      const [latency] = await probe.states([NAMES.latency]);
      expect(latency?.state).toBe('ALARM');
      expect(latency?.reason).toMatch(/greater than the threshold \(45\)/);
    } finally {
      hanging = false;
      await probe.stop().catch(() => undefined);
    }
  });

  it('should sample at once when traffic is restored, not at the next round', async () => {
    // Prepare: rounds a minute apart, so only the first round and the restore can explain a request
    let blocked = true;
    const seen: number[] = [];
    const fn = (async () => { seen.push(Date.now()); return new Response('{}', { status: 200 }); }) as typeof fetch;
    const probe = new LocalProbe({ baseUrl: 'http://target.test', paths: ['/x'], intervalMs: 60_000, alarms: alarms(), bus: new RecordingBus(), clock: { now: () => new Date() }, fetch: fn, trafficBlocked: () => blocked });
    probe.start();
    try {
      await new Promise((r) => setTimeout(r, 150));
      const whileBlocked = seen.length;

      // Act
      const restoredAt = Date.now();
      blocked = false;
      await new Promise((r) => setTimeout(r, 250));

      // Assess
      expect(whileBlocked).toBe(0);
      expect(seen).toHaveLength(1);
      expect((seen[0] ?? Infinity) - restoredAt).toBeLessThan(200);
    } finally {
      await probe.stop();
    }
  });
});

describe('LocalProbe against a real server on 127.0.0.1', () => {
  let server: Server;
  let baseUrl: string;
  let mode: 'healthy' | 'failing' | 'maintenance' = 'healthy';
  let served = 0;

  beforeEach(async () => {
    mode = 'healthy';
    served = 0;
    server = createServer((_req, res) => {
      const n = served++;
      if (mode === 'maintenance') {
        res.writeHead(503, { 'X-Maintenance': '1', 'Content-Type': 'application/json' }).end('{"status":"maintenance"}');
      } else if (mode === 'failing' && n % 10 < 3) {
        res.writeHead(500, { 'Content-Type': 'application/json' }).end('{"error":"boom"}');
      } else {
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"status":"healthy"}');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  /** Polls until `condition` holds; the deadline only guards against a hang. */
  async function until(condition: () => Promise<boolean> | boolean, what: string): Promise<void> {
    const deadline = Date.now() + 15_000;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  const realClock = { now: () => new Date() };

  it('should go OK → ALARM on the error-rate alarm when the server starts failing 30 % of requests, with exactly one event', async () => {
    // Prepare
    const bus = new RecordingBus();
    const probe = new LocalProbe({
      baseUrl, paths: ['/api/v1/health', '/api/v1/estimates'], intervalMs: 10,
      alarms: alarms({ periodSeconds: 0.2 }), bus, clock: realClock,
    });
    const errorState = async () => (await probe.states([NAMES.errorRate]))[0]?.state;
    probe.start();
    try {
      await until(async () => (await errorState()) === 'OK', 'the error-rate alarm to be OK');

      // Act
      mode = 'failing';
      await until(async () => (await errorState()) === 'ALARM', 'the error-rate alarm to fire');
    } finally {
      await probe.stop();
    }

    // Assess
    const alarmEvents = bus.events.filter((e) => e.detail.alarmName === NAMES.errorRate && e.detail.state.value === 'ALARM');
    expect(alarmEvents).toHaveLength(1);
    expect(alarmEvents[0]?.detail).toMatchObject({ alarmName: NAMES.errorRate, previousState: { value: 'OK' }, state: { value: 'ALARM' } });
    expect(alarmEvents[0]?.detail.state.reason).toMatch(/greater than the threshold \(0\.015\)/);
    expect(bus.transitions(NAMES.errorRate)).toEqual(['INSUFFICIENT_DATA->OK', 'OK->ALARM']);
    expect(bus.transitions(NAMES.latency)).not.toContain('OK->ALARM');
    expect(served).toBeGreaterThan(0);
  });

  it('should drop the server\'s maintenance 503s: no datapoints, no errors, no alarm', async () => {
    // Prepare
    mode = 'maintenance';
    const bus = new RecordingBus();
    const probe = new LocalProbe({ baseUrl, paths: ['/api/v1/health'], intervalMs: 10, alarms: alarms({ periodSeconds: 0.2 }), bus, clock: realClock });

    // Act
    probe.start();
    try {
      await until(() => probe.datapoints().length >= 2 && served >= 10, 'two completed periods');
    } finally {
      await probe.stop();
    }

    // Assess
    expect(probe.datapoints().every((d) => d.requests === 0 && d.errorRate === undefined)).toBe(true);
    expect(await probe.snapshot(60)).toMatchObject({ requests: 0 });
    expect(bus.events.some((e) => e.detail.state.value === 'ALARM')).toBe(false);
  });
});
