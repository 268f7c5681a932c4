// The AWS probe function's samples as the rollback alarms' metrics: PutMetricData into ALARM_METRICS (the one definition
// the alarms and the PLAN/REPORT readers use), high resolution (StorageResolution 1) so a period shorter than a minute
// can be alarmed on, the values of each second sent as one datum with Values/Counts.
// Shape: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html and
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDatum.html (Values up to 150 distinct
// values per datum, Counts the same length, StorageResolution 1 or 60).
import { PutMetricDataCommand, type CloudWatchClient, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import type { ProbeMetricsSink, ProbeSample } from '../../ports';
import { ALARM_METRICS, alarmMetricDimensions } from './cloudwatch-alarms';
import { callAws } from './errors';

/** Datums per PutMetricData call (the API takes up to 1,000; a minute of two metrics is 120). */
const DATUMS_PER_CALL = 500;
const VALUES_PER_DATUM = 150;

export class CloudWatchProbeMetrics implements ProbeMetricsSink {
  constructor(private readonly client: CloudWatchClient) {}

  async publish(environment: string, samples: ProbeSample[]): Promise<void> {
    const datums = probeDatums(environment, samples);
    for (let i = 0; i < datums.length; i += DATUMS_PER_CALL) {
      await callAws('CloudWatch PutMetricData', () => this.client.send(new PutMetricDataCommand({
        Namespace: ALARM_METRICS.namespace,
        MetricData: datums.slice(i, i + DATUMS_PER_CALL),
      })));
    }
  }
}

/** Per second: the latencies (ms) and the outcomes (1 error, 0 ok) of the requests that ended in it. */
export function probeDatums(environment: string, samples: ProbeSample[]): MetricDatum[] {
  const bySecond = new Map<number, ProbeSample[]>();
  for (const s of samples) {
    const second = Math.floor(s.at / 1000) * 1000;
    bySecond.set(second, [...(bySecond.get(second) ?? []), s]);
  }
  const dimensions = Object.entries(alarmMetricDimensions(environment)).map(([Name, Value]) => ({ Name, Value }));
  const datums: MetricDatum[] = [];
  for (const [second, group] of [...bySecond].sort((a, b) => a[0] - b[0])) {
    const base = { Dimensions: dimensions, Timestamp: new Date(second), StorageResolution: 1 };
    for (const chunk of valueCounts(group.map((s) => Math.round(s.latencyMs)))) {
      datums.push({ ...base, MetricName: ALARM_METRICS.metrics.p95LatencyMs.metricName, Unit: ALARM_METRICS.metrics.p95LatencyMs.unit, ...chunk });
    }
    for (const chunk of valueCounts(group.map((s) => (s.error ? 1 : 0)))) {
      datums.push({ ...base, MetricName: ALARM_METRICS.metrics.errorRate.metricName, Unit: ALARM_METRICS.metrics.errorRate.unit, ...chunk });
    }
  }
  return datums;
}

function valueCounts(values: number[]): { Values: number[]; Counts: number[] }[] {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  const entries = [...counts].sort((a, b) => a[0] - b[0]);
  const chunks: { Values: number[]; Counts: number[] }[] = [];
  for (let i = 0; i < entries.length; i += VALUES_PER_DATUM) {
    const part = entries.slice(i, i + VALUES_PER_DATUM);
    chunks.push({ Values: part.map((e) => e[0]), Counts: part.map((e) => e[1]) });
  }
  return chunks;
}
