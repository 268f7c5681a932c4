// Embedded engine's CloudWatch stand-in: probes the target's endpoints, turns each completed period into p95-latency
// and error-rate datapoints, evaluates the rollback alarms with CloudWatch semantics and publishes the same
// "CloudWatch Alarm State Change" events EventBridge would deliver on AWS.
import { evaluateAlarm, evaluationRangeLength, percentile, type AlarmDefinition, type ProbeMetric } from '../../core/alarm-evaluator';
import { alarmStateChangeEvent, type EventBus } from '../../core/events';
import type { AlarmStateValue, Alarms, Clock, Logger, Metrics, MetricsSnapshot } from '../../ports';

export interface LocalProbeOptions {
  baseUrl: string;
  paths: string[];
  intervalMs: number;
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
   * so no sample is taken, as CloudWatch gets no datapoint from a target taken out of service.
   */
  trafficBlocked?: () => boolean;
}

/** One period's statistics; the metrics are undefined when the period had no (non-maintenance) samples. */
export interface ProbeDatapoint {
  periodStart: string;
  requests: number;
  errors: number;
  p95LatencyMs?: number;
  errorRate?: number;
}

interface Sample {
  /** Completion time: a period is only evaluated after it ended, so every sample it holds is already recorded. */
  at: number;
  latencyMs: number;
  error: boolean;
}

interface AlarmState { value: AlarmStateValue; reason: string; timestamp: string }

const NAMESPACE = 'Runbook/LocalProbe';

export class LocalProbe implements Alarms, Metrics {
  private readonly fetchFn: typeof fetch;
  private readonly timeoutMs: number;
  private readonly periodMs: number;
  private readonly rangePeriods: number;
  private readonly retentionMs: number;
  private readonly current = new Map<string, AlarmState>();
  private samples: Sample[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private nextPath = 0;
  /** Index (epoch ms / period) of the newest period already evaluated; undefined until the first tick. */
  private lastEvaluated: number | undefined;
  /** The period the probe started in: nothing before it was observed. */
  private firstPeriod = 0;

  constructor(private readonly options: LocalProbeOptions) {
    if (options.paths.length === 0) throw new RangeError('LocalProbe needs at least one path to sample');
    if (!(options.intervalMs > 0)) throw new RangeError('LocalProbe intervalMs must be positive');
    const periods = new Set(options.alarms.map((a) => a.periodSeconds));
    // One sampling stream feeds every alarm, so they must agree on how it is cut into periods.
    if (periods.size > 1) throw new RangeError(`LocalProbe alarms must share one period, got ${[...periods].join(', ')} s`);
    this.fetchFn = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.periodMs = (options.alarms[0]?.periodSeconds ?? 60) * 1000;
    if (!(this.periodMs > 0)) throw new RangeError('LocalProbe alarm period must be positive');
    this.rangePeriods = Math.max(1, ...options.alarms.map((a) => evaluationRangeLength(a)));
    this.retentionMs = Math.max((options.retentionSeconds ?? 3600) * 1000, this.rangePeriods * this.periodMs);
    const created = options.clock.now().toISOString();
    for (const alarm of options.alarms) {
      // CloudWatch's own words for an alarm that has not been evaluated yet.
      this.current.set(alarm.name, { value: 'INSUFFICIENT_DATA', reason: 'Unchecked: Initial alarm creation', timestamp: created });
    }
  }

  /** Samples one path every intervalMs (the first at once); idempotent. */
  start(): void {
    if (this.timer) return;
    this.evaluateDue();
    this.timer = setInterval(() => {
      // A slow target gets no pile-up of probes: the request in flight is already what the period will see.
      if (this.inFlight.size > 0) this.evaluateDue();
      else void this.tick();
    }, this.options.intervalMs);
    void this.tick();
  }

  /** Stops sampling and waits for the request in flight; states and samples stay readable. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await Promise.allSettled([...this.inFlight]);
  }

  /**
   * One probe round: evaluates the periods that ended, sends one request to the next path, records it and
   * evaluates again. `start()` calls it on a timer; tests call it directly with a fake clock and fake fetch.
   */
  async tick(): Promise<void> {
    this.evaluateDue();
    if (this.options.trafficBlocked?.()) return;
    const path = this.options.paths[this.nextPath % this.options.paths.length] ?? '/';
    this.nextPath += 1;
    const run = this.sample(path).then(() => this.evaluateDue());
    this.inFlight.add(run);
    try {
      await run;
    } finally {
      this.inFlight.delete(run);
    }
  }

  async states(alarmNames: string[]): Promise<{ name: string; state: AlarmStateValue; reason: string }[]> {
    return alarmNames.map((name) => {
      const state = this.current.get(name);
      return state
        ? { name, state: state.value, reason: state.reason }
        : { name, state: 'INSUFFICIENT_DATA' as const, reason: `Unknown alarm: the local probe does not evaluate "${name}"`, missing: true };
    });
  }

  async snapshot(windowSeconds: number): Promise<MetricsSnapshot> {
    const now = this.options.clock.now();
    const from = now.getTime() - windowSeconds * 1000;
    const window = this.samples.filter((s) => s.at > from && s.at <= now.getTime());
    const stats = statistics(window);
    return { at: now.toISOString(), windowSeconds, requests: window.length, p95Ms: stats.p95LatencyMs, errorRate: stats.errorRate };
  }

  /** The completed periods of the evaluation range since the probe started, oldest first, as the alarms saw them. */
  datapoints(): ProbeDatapoint[] {
    if (this.lastEvaluated === undefined) return [];
    const count = Math.min(this.rangePeriods, this.lastEvaluated - this.firstPeriod + 1);
    return count > 0 ? this.periodsEndingAt(this.lastEvaluated, count) : [];
  }

  private async sample(path: string): Promise<void> {
    const { clock } = this.options;
    const started = clock.now().getTime();
    const controller = new AbortController();
    const timeout = setTimeout(() => controller.abort(), this.timeoutMs);
    let error: boolean;
    try {
      const response = await this.fetchFn(new URL(path, this.options.baseUrl), { signal: controller.signal, headers: { 'user-agent': 'runbook-local-probe' } });
      // Drained so the connection is reused, and because the caller waits for the body too.
      await response.arrayBuffer();
      if (response.status === 503 && response.headers.get('x-maintenance') === '1') {
        // A deliberate maintenance answer (traffic blocked during ACT) is not the service failing: no datapoint.
        return;
      }
      error = response.status >= 500;
    } catch {
      error = true;
    } finally {
      clearTimeout(timeout);
    }
    const at = clock.now().getTime();
    this.samples.push({ at, latencyMs: Math.max(0, at - started), error });
    const keepFrom = at - this.retentionMs;
    if ((this.samples[0]?.at ?? at) < keepFrom) this.samples = this.samples.filter((s) => s.at >= keepFrom);
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
  }

  private evaluatePeriod(period: number, now: Date): void {
    const points = this.periodsEndingAt(period, this.rangePeriods);
    for (const alarm of this.options.alarms) {
      const previous = this.current.get(alarm.name);
      if (!previous) continue;
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

  private periodsEndingAt(lastPeriod: number, count: number): ProbeDatapoint[] {
    const firstPeriod = lastPeriod - count + 1;
    const buckets = new Map<number, Sample[]>();
    for (const s of this.samples) {
      const period = Math.floor(s.at / this.periodMs);
      if (period < firstPeriod || period > lastPeriod) continue;
      const bucket = buckets.get(period);
      if (bucket) bucket.push(s);
      else buckets.set(period, [s]);
    }
    const out: ProbeDatapoint[] = [];
    for (let period = firstPeriod; period <= lastPeriod; period += 1) {
      const inPeriod = buckets.get(period) ?? [];
      out.push({ periodStart: new Date(period * this.periodMs).toISOString(), ...statistics(inPeriod) });
    }
    return out;
  }
}

function statistics(samples: Sample[]): Omit<ProbeDatapoint, 'periodStart'> {
  const errors = samples.filter((s) => s.error).length;
  if (samples.length === 0) return { requests: 0, errors: 0 };
  return {
    requests: samples.length,
    errors,
    p95LatencyMs: percentile(samples.map((s) => s.latencyMs), 95),
    errorRate: errors / samples.length,
  };
}

function metricValue(point: ProbeDatapoint, metric: ProbeMetric): number | undefined {
  return metric === 'p95LatencyMs' ? point.p95LatencyMs : point.errorRate;
}
