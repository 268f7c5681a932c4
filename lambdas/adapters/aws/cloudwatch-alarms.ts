// Alarms and Metrics on AWS: the rollback alarms' states from CloudWatch, and the environment's p95 latency and
// error rate over a window from the same metrics those alarms watch. ALARM_METRICS is the one definition of those
// metrics: the CDK alarms construct imports it, so the alarms and this reader cannot drift apart.
import {
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  type CloudWatchClient,
  type MetricDataQuery,
  type MetricDataResult,
  type StandardUnit,
} from '@aws-sdk/client-cloudwatch';
import type { ProbeMetric } from '../../core/alarm-evaluator';
import type { UserMetric } from '../../core/schemas';
import type { AlarmDataRecency, AlarmStateValue, Alarms, Clock, Metrics, MetricsSnapshot } from '../../ports';
import { callAws } from './errors';

export interface AlarmMetric {
  metricName: string;
  /** A CloudWatch statistic or extended statistic (p95). */
  statistic: string;
  unit: 'Milliseconds' | 'None' | 'Count';
}

/**
 * What the target publishes (or an EMF-emitting proxy/canary publishes for it), per environment:
 * - `Latency` in milliseconds, one value per request; the alarm and the snapshot read its p95. A percentile is the
 *   statistic, not the metric, so that CloudWatch computes it over any period from the raw distribution.
 * - `ErrorRate`, one 0 (ok) or 1 (error) per request; its Average is the error rate as a fraction (0.01 = 1 %), the
 *   same unit as the profile's thresholds, and its SampleCount is the number of requests.
 * Keys are the core's alarm metrics (`rollbackAlarmDefinitions(profile)[i].metric`).
 */
export const ALARM_METRICS = {
  namespace: 'RunbookControlPlane/Target',
  /** Every metric has this one dimension, valued with the profile's environment name. */
  dimensionName: 'Environment',
  metrics: {
    p95LatencyMs: { metricName: 'Latency', statistic: 'p95', unit: 'Milliseconds' },
    errorRate: { metricName: 'ErrorRate', statistic: 'Average', unit: 'None' },
  } satisfies Record<ProbeMetric, AlarmMetric>,
  requests: { metricName: 'ErrorRate', statistic: 'SampleCount', unit: 'Count' } satisfies AlarmMetric,
} as const;

export function alarmMetricDimensions(environment: string): Record<string, string> {
  return { [ALARM_METRICS.dimensionName]: environment };
}

/** DescribeAlarms takes at most 100 names per call. */
const NAMES_PER_CALL = 100;
const STATES: readonly AlarmStateValue[] = ['OK', 'ALARM', 'INSUFFICIENT_DATA'];

export interface CloudWatchAlarmsOptions {
  /** The profile's environment name: the metrics' dimension value. */
  environment: string;
  clock?: Clock;
  /**
   * The user's own metrics when the profile's monitoring.source is cloudwatch (undefined: the probe's metrics). PLAN's
   * recency check and the report's snapshot then read these, the same definitions the rollback alarms were built from
   * (lib/metric-sources.ts), not ALARM_METRICS that nothing publishes.
   */
  userMetrics?: () => Promise<UserMetrics | undefined>;
}

/** monitoring.cloudwatch of the profile. */
export interface UserMetrics {
  latency: UserMetric;
  errors: UserMetric;
  requests: UserMetric;
}

/** One metric and statistic as GetMetricData's MetricStat reads it. */
interface MetricSpec {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  statistic: string;
  unit?: string;
}

export class CloudWatchAlarms implements Alarms, Metrics {
  private readonly clock: Clock;

  constructor(private readonly client: CloudWatchClient, private readonly options: CloudWatchAlarmsOptions) {
    this.clock = options.clock ?? { now: () => new Date() };
  }

  async states(alarmNames: string[]): Promise<{ name: string; state: AlarmStateValue; reason: string }[]> {
    const found = new Map<string, { state: AlarmStateValue; reason: string }>();
    const unique = [...new Set(alarmNames)];
    for (let i = 0; i < unique.length; i += NAMES_PER_CALL) {
      let nextToken: string | undefined;
      do {
        const page = await callAws('CloudWatch DescribeAlarms', () => this.client.send(new DescribeAlarmsCommand({
          AlarmNames: unique.slice(i, i + NAMES_PER_CALL),
          // Without AlarmTypes only metric alarms come back; a rollback alarm may be a composite one.
          AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
          MaxRecords: 100,
          ...(nextToken ? { NextToken: nextToken } : {}),
        })));
        for (const alarm of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) {
          if (!alarm.AlarmName) continue;
          const state = STATES.find((s) => s === alarm.StateValue) ?? 'INSUFFICIENT_DATA';
          found.set(alarm.AlarmName, { state, reason: alarm.StateReason ?? '' });
        }
        nextToken = page.NextToken;
      } while (nextToken);
    }
    // A missing alarm is not OK: nothing is watching, which the PLAN alarm check must not read as "clear".
    return alarmNames.map((name) => ({ name, ...(found.get(name) ?? { state: 'INSUFFICIENT_DATA' as const, reason: 'alarm not found', missing: true }) }));
  }

  /**
   * The newest datapoint of each rollback alarm's metric within the lookback: GetMetricData of the metric's
   * SampleCount per minute, newest first (ScanBy TimestampDescending), over the alarm's metric (ALARM_METRICS, by the
   * alarm name's suffix). A name that is not one of the rollback alarms is reported missing.
   */
  async newestDatapoints(alarmNames: string[], lookbackSeconds: number): Promise<AlarmDataRecency[]> {
    const end = this.clock.now();
    const start = new Date(end.getTime() - Math.max(60, lookbackSeconds) * 1000);
    const user = await this.options.userMetrics?.();
    // The latency alarm has data when its metric has samples; the error-rate alarm when the requests (its denominator)
    // do: the user's error count is often not published at all in a period without errors.
    const metricOf = (name: string): MetricSpec | undefined => {
      if (name.endsWith('-p95-latency')) return user ? { ...spec(user.latency), statistic: 'SampleCount' } : this.probeSpec({ ...ALARM_METRICS.metrics.p95LatencyMs, statistic: 'SampleCount' });
      if (name.endsWith('-error-rate')) return user ? { ...spec(user.requests), statistic: 'SampleCount' } : this.probeSpec(ALARM_METRICS.requests);
      return undefined;
    };
    const queries = alarmNames.flatMap((name, i) => {
      const metric = metricOf(name);
      return metric ? [query(`n${i}`, metric, 60)] : [];
    });
    const newest = new Map<string, number>();
    let nextToken: string | undefined;
    if (queries.length > 0) do {
      const page = await callAws('CloudWatch GetMetricData', () => this.client.send(new GetMetricDataCommand({
        MetricDataQueries: queries, StartTime: start, EndTime: end, ScanBy: 'TimestampDescending',
        ...(nextToken ? { NextToken: nextToken } : {}),
      })));
      for (const r of page.MetricDataResults ?? []) {
        (r.Values ?? []).forEach((value, i) => {
          const at = r.Timestamps?.[i]?.getTime();
          if (!r.Id || at === undefined || !(value > 0)) return;
          newest.set(r.Id, Math.max(newest.get(r.Id) ?? 0, at));
        });
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return alarmNames.map((name, i) => {
      if (!metricOf(name)) return { name, missing: true };
      const at = newest.get(`n${i}`);
      return at === undefined ? { name } : { name, newestAt: new Date(at).toISOString() };
    });
  }

  async snapshot(windowSeconds: number): Promise<MetricsSnapshot> {
    const end = this.clock.now();
    // One period spanning the window, so each statistic is computed by CloudWatch over the whole window.
    const period = Math.max(60, Math.ceil(windowSeconds / 60) * 60);
    const start = new Date(end.getTime() - period * 1000);
    const user = await this.options.userMetrics?.();
    const queries: MetricDataQuery[] = user
      ? [query('p95', spec(user.latency), period), query('errors', spec(user.errors), period), query('requests', spec(user.requests), period)]
      : [
        query('p95', this.probeSpec(ALARM_METRICS.metrics.p95LatencyMs), period),
        query('errorRate', this.probeSpec(ALARM_METRICS.metrics.errorRate), period),
        query('requests', this.probeSpec(ALARM_METRICS.requests), period),
      ];
    const results = new Map<string, { timestamps: number[]; values: number[] }>();
    let nextToken: string | undefined;
    do {
      const page = await callAws('CloudWatch GetMetricData', () => this.client.send(new GetMetricDataCommand({
        MetricDataQueries: queries, StartTime: start, EndTime: end, ScanBy: 'TimestampDescending',
        ...(nextToken ? { NextToken: nextToken } : {}),
      })));
      for (const r of page.MetricDataResults ?? []) collect(results, r);
      nextToken = page.NextToken;
    } while (nextToken);

    if (user) return userSnapshot(results, user, end, windowSeconds);
    const p95 = results.get('p95')?.values ?? [];
    const requests = results.get('requests');
    const rates = results.get('errorRate');
    const snapshot: MetricsSnapshot = {
      at: end.toISOString(),
      requests: Math.round(sum(requests?.values ?? [])),
      windowSeconds,
    };
    // Unaligned start/end can split the window into two periods: the higher p95 is the one to worry about,
    // and the error rate is weighted by each period's requests.
    if (p95.length > 0) snapshot.p95Ms = Math.max(...p95);
    const errorRate = weightedRate(rates, requests);
    if (errorRate !== undefined) snapshot.errorRate = errorRate;
    return snapshot;
  }

  private probeSpec(metric: AlarmMetric): MetricSpec {
    return { namespace: ALARM_METRICS.namespace, metricName: metric.metricName, dimensions: alarmMetricDimensions(this.options.environment), statistic: metric.statistic };
  }
}

function spec(m: UserMetric): MetricSpec {
  return { namespace: m.namespace, metricName: m.metricName, dimensions: m.dimensions, statistic: m.statistic, ...(m.unit ? { unit: m.unit } : {}) };
}

function query(id: string, metric: MetricSpec, period: number): MetricDataQuery {
  return {
    Id: id,
    MetricStat: {
      Metric: {
        Namespace: metric.namespace,
        MetricName: metric.metricName,
        Dimensions: Object.entries(metric.dimensions).map(([Name, Value]) => ({ Name, Value })),
      },
      Period: period,
      Stat: metric.statistic,
      ...(metric.unit ? { Unit: metric.unit as StandardUnit } : {}),
    },
    ReturnData: true,
  };
}

/**
 * The window on the user's metrics, as their alarms see it: p95 latency × its scale (the higher, if the window spans
 * two periods), and the error rate as errors / requests over the window, a missing error count being 0 (FILL(errors, 0)).
 */
function userSnapshot(results: Map<string, { timestamps: number[]; values: number[] }>, user: UserMetrics, end: Date, windowSeconds: number): MetricsSnapshot {
  const p95 = (results.get('p95')?.values ?? []).map((v) => v * user.latency.scale);
  const requests = sum(results.get('requests')?.values ?? []) * user.requests.scale;
  const errors = sum(results.get('errors')?.values ?? []) * user.errors.scale;
  const snapshot: MetricsSnapshot = { at: end.toISOString(), requests: Math.round(requests), windowSeconds };
  if (p95.length > 0) snapshot.p95Ms = Math.max(...p95);
  if (requests > 0) snapshot.errorRate = errors / requests;
  return snapshot;
}

function collect(results: Map<string, { timestamps: number[]; values: number[] }>, r: MetricDataResult): void {
  if (!r.Id) return;
  const entry = results.get(r.Id) ?? { timestamps: [], values: [] };
  (r.Values ?? []).forEach((value, i) => {
    if (!Number.isFinite(value)) return;
    entry.values.push(value);
    entry.timestamps.push(r.Timestamps?.[i]?.getTime() ?? Number.NaN);
  });
  results.set(r.Id, entry);
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function weightedRate(
  rates: { timestamps: number[]; values: number[] } | undefined,
  requests: { timestamps: number[]; values: number[] } | undefined,
): number | undefined {
  if (!rates || rates.values.length === 0) return undefined;
  if (rates.values.length === 1) return rates.values[0];
  let weighted = 0;
  let total = 0;
  rates.values.forEach((rate, i) => {
    const at = rates.timestamps[i];
    const index = requests?.timestamps.indexOf(at ?? Number.NaN) ?? -1;
    const count = index >= 0 ? requests?.values[index] ?? 0 : 0;
    weighted += rate * count;
    total += count;
  });
  return total > 0 ? weighted / total : sum(rates.values) / rates.values.length;
}
