// Embedded engine's CloudWatch stand-in: probes the target's endpoints, turns each completed period into p95-latency
// and error-rate datapoints, evaluates the rollback alarms with CloudWatch semantics and publishes the same
// "CloudWatch Alarm State Change" events EventBridge would deliver on AWS.
import { evaluateAlarm, evaluationRangeLength, percentile, type AlarmDefinition, type ProbeMetric } from '../../core/alarm-evaluator';
import { alarmStateChangeEvent, type EventBus } from '../../core/events';
import type { AlarmDataRecency, AlarmStateValue, Alarms, Clock, Logger, Metrics, MetricsPeriod, MetricsSnapshot } from '../../ports';

export interface LocalProbeOptions {
  baseUrl: string;
  paths: string[];
  /** One sample round every intervalMs, aligned to multiples of it (so each period of that length gets a round). */
  intervalMs: number;
  /** Requests per round, sent together and spread over `paths` in turn (default 1). */
  concurrency?: number;
  alarms: AlarmDefinition[];
  bus: EventBus;
  clock: Clock;
  /** Injected so unit tests can answer without a server. */
  fetch?: typeof fetch;
  /** A request slower than this counts as an error, with this latency. */
  timeoutMs?: number;
  /** How long samples are kept for `snapshot()`; the alarms' evaluation range is always kept. */
  retentionSeconds?: number;
  log?: Logger;
  /**
   * True while the host has user traffic blocked (the demo's maintenance flag): users reach nothing then,
   * so no sample is taken and those periods are out of service: neither data nor missing data, and not evaluated.
   */
  trafficBlocked?: () => boolean;
  /**
   * The probe runs but records nothing: what the alarms see when nobody publishes the metrics (the `no-metrics`
   * demo; on AWS, a target that does not publish). Periods are then missing data, and there is no recent datapoint.
   */
  silent?: boolean;
}

/** One period's statistics; the metrics are undefined when the period had no (non-maintenance) samples. */
export interface ProbeDatapoint {
  periodStart: string;
  requests: number;
  errors: number;
  p95LatencyMs?: number;
  errorRate?: number;
}

/**
 * One request. Its latency and its outcome can become known at different times: a request still unanswered when it
 * has waited longer than the p95 alarm's threshold is known to breach it from that moment (its latency is at least
 * that), while whether it failed is only known when it answers. Each part is bucketed into the period it became known
 * in, so a slow release is seen at the threshold, not only when (or if) it answers.
 */
interface Sample {
  latencyAt?: number;
  latencyMs?: number;
  errorAt?: number;
  error?: boolean;
}

interface AlarmState { value: AlarmStateValue; reason: string; timestamp: string }

/** One request of a round: when the probe first learnt something of it (its latency breach or its answer). */
interface RoundRequest { settledAt?: number }

const NAMESPACE = 'Runbook/LocalProbe';
/** A window's series kept on its event is bounded, so the event stays a small item whatever the window's length. */
export const MAX_SERIES_PERIODS = 360;
/** How often the probe checks for ended periods and traffic changes between rounds. */
const PULSE_MS = 100;
/** Requests per path allowed in flight: a hanging target gets no unbounded pile of probes. */
const IN_FLIGHT_PER_SLOT = 8;

export class LocalProbe implements Alarms, Metrics {
  private readonly fetchFn: typeof fetch;
  private readonly timeoutMs: number;
  private readonly periodMs: number;
  private readonly rangePeriods: number;
  private readonly retentionMs: number;
  private readonly concurrency: number;
  /** When a request has waited this long its latency is known to breach the p95 alarm (undefined: no such alarm). */
  private readonly latencyKnownAfterMs: number | undefined;
  private readonly current = new Map<string, AlarmState>();
  private samples: Sample[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private nextPath = 0;
  /** Index (epoch ms / period) of the newest period already evaluated; undefined until the first tick. */
  private lastEvaluated: number | undefined;
  /** The period the probe started in: nothing before it was observed. */
  private firstPeriod = 0;
  /** Periods during which traffic was blocked at some point: out of service, skipped by the evaluation. */
  private readonly blockedPeriods = new Set<number>();
  /**
   * Periods in which the probe sent a round. One without (the probe's own process stalled for a whole period) was not
   * observed: the target was not asked, so its silence says nothing about it. A target asked and not answering is
   * still seen: its requests breach the latency limit and then time out.
   */
  private readonly roundPeriods = new Set<number>();
  /**
   * The requests of each round, by the period they were sent in. A period whose round was still waiting for its
   * answers when the period ended, and that got no other sample, is not missing data: the target was asked and had
   * not yet had the time to answer (or the probe's own process, starved of CPU, had not yet read the answers). Its
   * answers count in the period they become known in, and one that never comes breaches the latency limit.
   */
  private readonly roundRequests = new Map<number, RoundRequest[]>();
  private lastRoundSlot: number | undefined;
  private wasBlocked = false;

  constructor(private readonly options: LocalProbeOptions) {
    if (options.paths.length === 0) throw new RangeError('LocalProbe needs at least one path to sample');
    if (!(options.intervalMs > 0)) throw new RangeError('LocalProbe intervalMs must be positive');
    const periods = new Set(options.alarms.map((a) => a.periodSeconds));
    // One sampling stream feeds every alarm, so they must agree on how it is cut into periods.
    if (periods.size > 1) throw new RangeError(`LocalProbe alarms must share one period, got ${[...periods].join(', ')} s`);
    this.fetchFn = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
    this.periodMs = (options.alarms[0]?.periodSeconds ?? 60) * 1000;
    if (!(this.periodMs > 0)) throw new RangeError('LocalProbe alarm period must be positive');
    this.rangePeriods = Math.max(1, ...options.alarms.map((a) => evaluationRangeLength(a)));
    this.retentionMs = Math.max((options.retentionSeconds ?? 3600) * 1000, this.rangePeriods * this.periodMs);
    const latencyLimits = options.alarms
      .filter((a) => a.metric === 'p95LatencyMs' && (a.comparison === 'GreaterThanThreshold' || a.comparison === 'GreaterThanOrEqualToThreshold'))
      .map((a) => Math.floor(a.threshold) + 1);
    this.latencyKnownAfterMs = latencyLimits.length > 0 ? Math.min(...latencyLimits) : undefined;
    const created = options.clock.now().toISOString();
    for (const alarm of options.alarms) {
      // CloudWatch's own words for an alarm that has not been evaluated yet.
      this.current.set(alarm.name, { value: 'INSUFFICIENT_DATA', reason: 'Unchecked: Initial alarm creation', timestamp: created });
    }
  }

  /**
   * Starts sampling: a round at once, then one at each multiple of intervalMs, and one as soon as blocked traffic
   * is restored; ended periods are evaluated within PULSE_MS of their end. Idempotent.
   */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.pulse(), Math.min(PULSE_MS, this.options.intervalMs));
    this.pulse();
  }

  /** Stops sampling and waits for the requests in flight; states and samples stay readable. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await Promise.allSettled([...this.inFlight]);
  }

  private pulse(): void {
    const now = this.options.clock.now().getTime();
    const slot = Math.floor(now / this.options.intervalMs);
    const blocked = this.options.trafficBlocked?.() ?? false;
    const restored = this.wasBlocked && !blocked;
    this.wasBlocked = blocked;
    if (this.lastRoundSlot === undefined || slot > this.lastRoundSlot || restored) {
      this.lastRoundSlot = slot;
      void this.tick();
    } else {
      if (blocked) this.blockedPeriods.add(Math.floor(now / this.periodMs));
      this.evaluateDue();
    }
  }

  /**
   * One probe round: evaluates the periods that ended, sends `concurrency` requests spread over the paths, records
   * them and evaluates again. `start()` calls it on a timer; tests call it directly with a fake clock and fake fetch.
   */
  async tick(): Promise<void> {
    this.evaluateDue();
    if (this.options.trafficBlocked?.()) {
      this.blockedPeriods.add(Math.floor(this.options.clock.now().getTime() / this.periodMs));
      return;
    }
    const runs: Promise<void>[] = [];
    const period = Math.floor(this.options.clock.now().getTime() / this.periodMs);
    this.roundPeriods.add(period);
    const requests = this.roundRequests.get(period) ?? [];
    this.roundRequests.set(period, requests);
    for (let i = 0; i < this.concurrency; i += 1) {
      if (this.inFlight.size >= this.concurrency * IN_FLIGHT_PER_SLOT) break;
      const path = this.options.paths[this.nextPath % this.options.paths.length] ?? '/';
      this.nextPath += 1;
      const request: RoundRequest = {};
      requests.push(request);
      const run: Promise<void> = this.sample(path, request).then(() => this.evaluateDue()).finally(() => this.inFlight.delete(run));
      this.inFlight.add(run);
      runs.push(run);
    }
    await Promise.all(runs);
  }

  async states(alarmNames: string[]): Promise<{ name: string; state: AlarmStateValue; reason: string }[]> {
    return alarmNames.map((name) => {
      const state = this.current.get(name);
      return state
        ? { name, state: state.value, reason: state.reason }
        : { name, state: 'INSUFFICIENT_DATA' as const, reason: `Unknown alarm: the local probe does not evaluate "${name}"`, missing: true };
    });
  }

  async newestDatapoints(alarmNames: string[], lookbackSeconds: number): Promise<AlarmDataRecency[]> {
    const now = this.options.clock.now().getTime();
    const from = now - lookbackSeconds * 1000;
    return alarmNames.map((name) => {
      const alarm = this.options.alarms.find((a) => a.name === name);
      if (!alarm) return { name, missing: true };
      let newest: number | undefined;
      for (const s of this.samples) {
        const at = alarm.metric === 'p95LatencyMs' ? s.latencyAt : s.errorAt;
        if (at !== undefined && at > from && at <= now && (newest === undefined || at > newest)) newest = at;
      }
      return newest === undefined ? { name } : { name, newestAt: new Date(newest).toISOString() };
    });
  }

  async snapshot(windowSeconds: number): Promise<MetricsSnapshot> {
    const now = this.options.clock.now();
    const stats = statistics(this.samples, now.getTime() - windowSeconds * 1000, now.getTime());
    return { at: now.toISOString(), windowSeconds, requests: stats.requests, p95Ms: stats.p95LatencyMs, errorRate: stats.errorRate };
  }

  /** Each alarm period of the last `windowSeconds`, oldest first, from the samples kept (the console's chart). */
  async series(windowSeconds: number): Promise<MetricsPeriod[]> {
    const now = this.options.clock.now().getTime();
    const last = Math.floor(now / this.periodMs);
    const first = Math.max(Math.floor((now - windowSeconds * 1000) / this.periodMs), last - MAX_SERIES_PERIODS + 1);
    const out: MetricsPeriod[] = [];
    for (let period = first; period <= last; period++) {
      const start = period * this.periodMs;
      const stats = statistics(this.samples, start, Math.min(start + this.periodMs, now));
      out.push({
        at: new Date(start).toISOString(), requests: stats.requests,
        ...(stats.p95LatencyMs !== undefined ? { p95Ms: stats.p95LatencyMs } : {}),
        ...(stats.errorRate !== undefined ? { errorRate: stats.errorRate } : {}),
      });
    }
    return out;
  }

  /** The completed periods of the evaluation range since the probe started, oldest first, as the alarms saw them. */
  datapoints(): ProbeDatapoint[] {
    if (this.lastEvaluated === undefined) return [];
    return this.observedPeriods(this.lastEvaluated, this.rangePeriods).map((period) => this.datapoint(period));
  }

  private async sample(path: string, request: RoundRequest): Promise<void> {
    const { clock } = this.options;
    const started = clock.now().getTime();
    const controller = new AbortController();
    const timeout = setTimeout(() => controller.abort(), this.timeoutMs);
    let sample: Sample | undefined;
    const known = this.latencyKnownAfterMs === undefined || this.options.silent ? undefined : setTimeout(() => {
      // Still unanswered past the latency limit: from now on this request breaches it, whatever it answers.
      const at = clock.now().getTime();
      request.settledAt ??= at;
      // Timers may fire a millisecond early by the wall clock; the wait was at least the limit.
      sample = { latencyAt: at, latencyMs: Math.max(at - started, this.latencyKnownAfterMs ?? 0) };
      this.record(sample, at);
      this.evaluateDue();
    }, this.latencyKnownAfterMs);
    let error: boolean;
    try {
      const response = await this.fetchFn(new URL(path, this.options.baseUrl), { signal: controller.signal, headers: { 'user-agent': 'runbook-local-probe' } });
      // Drained so the connection is reused, and because the caller waits for the body too.
      await response.arrayBuffer();
      if (response.status === 503 && response.headers.get('x-maintenance') === '1') {
        // A deliberate maintenance answer (traffic blocked during ACT) is not the service failing: no datapoint.
        if (sample) this.samples = this.samples.filter((s) => s !== sample);
        return;
      }
      error = response.status >= 500;
    } catch {
      error = true;
    } finally {
      clearTimeout(timeout);
      if (known) clearTimeout(known);
      request.settledAt ??= clock.now().getTime();
    }
    if (this.options.silent) return;
    const at = clock.now().getTime();
    const latencyMs = Math.max(0, at - started);
    if (sample) {
      // Its latency was already counted (as a lower bound) when it passed the limit; the true value only makes
      // later snapshots more exact and cannot undo that breach.
      sample.latencyMs = latencyMs;
      sample.errorAt = at;
      sample.error = error;
      return;
    }
    this.record({ latencyAt: at, latencyMs, errorAt: at, error }, at);
  }

  private record(sample: Sample, at: number): void {
    this.samples.push(sample);
    const keepFrom = at - this.retentionMs;
    const oldest = this.samples[0];
    if (oldest && (oldest.errorAt ?? oldest.latencyAt ?? at) < keepFrom) {
      this.samples = this.samples.filter((s) => (s.errorAt ?? s.latencyAt ?? at) >= keepFrom);
    }
  }

  /** Evaluates every alarm once for each period that has ended since the last evaluation. */
  private evaluateDue(): void {
    const now = this.options.clock.now();
    const currentPeriod = Math.floor(now.getTime() / this.periodMs);
    if (this.lastEvaluated === undefined) {
      // The period the probe started in is evaluated when it ends; earlier ones were never observed.
      this.lastEvaluated = currentPeriod - 1;
      this.firstPeriod = currentPeriod;
      return;
    }
    // After a long pause only the periods still inside the evaluation range can matter.
    const first = Math.max(this.lastEvaluated + 1, currentPeriod - this.rangePeriods);
    for (let period = first; period < currentPeriod; period += 1) this.evaluatePeriod(period, now);
    this.lastEvaluated = Math.max(this.lastEvaluated, currentPeriod - 1);
    const keepFrom = currentPeriod - Math.ceil(this.retentionMs / this.periodMs) - this.rangePeriods;
    for (const set of [this.blockedPeriods, this.roundPeriods, this.roundRequests]) {
      if (set.size > 2 * (currentPeriod - keepFrom)) for (const period of set.keys()) if (period < keepFrom) set.delete(period);
    }
  }

  private evaluatePeriod(period: number, now: Date): void {
    // Traffic blocked (a deliberate maintenance), or the probe did not run: the alarms keep their state.
    if (!this.observed(period)) return;
    const observed = this.observedPeriods(period, this.rangePeriods);
    const points = observed.map((p) => this.datapoint(p));
    for (const alarm of this.options.alarms) {
      const previous = this.current.get(alarm.name);
      if (!previous) continue;
      // Fewer periods observed than the alarm evaluates (the probe just started): no verdict yet.
      if (points.length < alarm.evaluationPeriods) continue;
      const values = points.map((p) => metricValue(p, alarm.metric));
      const result = evaluateAlarm(alarm, values, previous.value);
      if (result.state === previous.value) continue;
      const next: AlarmState = { value: result.state, reason: result.reason, timestamp: now.toISOString() };
      this.current.set(alarm.name, next);
      this.publish(alarm, next, previous, result.evaluated, period, now);
    }
  }

  private publish(alarm: AlarmDefinition, next: AlarmState, previous: AlarmState, evaluated: number[], period: number, now: Date): void {
    const reasonData = JSON.stringify({
      version: '1.0',
      queryDate: now.toISOString(),
      startDate: new Date((period + 1 - alarm.evaluationPeriods) * this.periodMs).toISOString(),
      statistic: alarm.metric === 'p95LatencyMs' ? 'p95' : 'Average',
      period: alarm.periodSeconds,
      recentDatapoints: evaluated,
      threshold: alarm.threshold,
    });
    const event = alarmStateChangeEvent({
      alarmName: alarm.name,
      state: { ...next, reasonData },
      previousState: previous,
      configuration: {
        description: alarm.description,
        metrics: [{
          id: 'm1',
          metricStat: {
            metric: { namespace: NAMESPACE, name: alarm.metric, dimensions: { BaseUrl: this.options.baseUrl } },
            period: alarm.periodSeconds,
            stat: alarm.metric === 'p95LatencyMs' ? 'p95' : 'Average',
          },
          returnData: true,
        }],
      },
    }, now);
    try {
      this.options.bus.publish(event);
    } catch (err) {
      // A failing subscriber must not stop the probe: the next transition still has to be delivered.
      this.options.log?.error('local probe: publishing an alarm event failed', { alarmName: alarm.name, error: (err as Error).message });
    }
  }

  /** Up to `count` periods ending at `lastPeriod`, oldest first, skipping those not observed and those before the start. */
  private observedPeriods(lastPeriod: number, count: number): number[] {
    const out: number[] = [];
    for (let period = lastPeriod; period >= this.firstPeriod && out.length < count; period -= 1) {
      if (this.observed(period)) out.unshift(period);
    }
    return out;
  }

  private observed(period: number): boolean {
    if (this.blockedPeriods.has(period) || !this.roundPeriods.has(period)) return false;
    return !this.awaitedAnswers(period) || this.datapoint(period).requests > 0;
  }

  /** Whether a request of the period's round had not been answered (nor passed the latency limit) when it ended. */
  private awaitedAnswers(period: number): boolean {
    const end = (period + 1) * this.periodMs;
    return (this.roundRequests.get(period) ?? []).some((r) => r.settledAt === undefined || r.settledAt >= end);
  }

  private datapoint(period: number): ProbeDatapoint {
    const from = period * this.periodMs;
    return { periodStart: new Date(from).toISOString(), ...statistics(this.samples, from - 1, from + this.periodMs - 1) };
  }
}

/** Statistics of the samples whose latency / outcome became known in (from, to]. */
function statistics(samples: Sample[], from: number, to: number): Omit<ProbeDatapoint, 'periodStart'> {
  const latencies: number[] = [];
  let outcomes = 0;
  let errors = 0;
  for (const s of samples) {
    if (s.latencyAt !== undefined && s.latencyMs !== undefined && s.latencyAt > from && s.latencyAt <= to) latencies.push(s.latencyMs);
    if (s.errorAt !== undefined && s.errorAt > from && s.errorAt <= to) {
      outcomes += 1;
      if (s.error) errors += 1;
    }
  }
  const requests = Math.max(outcomes, latencies.length);
  if (requests === 0) return { requests: 0, errors: 0 };
  return {
    requests,
    errors,
    ...(latencies.length > 0 ? { p95LatencyMs: percentile(latencies, 95) } : {}),
    ...(outcomes > 0 ? { errorRate: errors / outcomes } : {}),
  };
}

function metricValue(point: ProbeDatapoint, metric: ProbeMetric): number | undefined {
  return metric === 'p95LatencyMs' ? point.p95LatencyMs : point.errorRate;
}
