// The AWS probe's samples as PutMetricData (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html,
// MetricDatum https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDatum.html): the namespace,
// metric names, unit and dimension the rollback alarms read (ALARM_METRICS), StorageResolution 1, one datum per second.
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { ALARM_METRICS } from '../../../lambdas/adapters/aws/cloudwatch-alarms';
import { CloudWatchProbeMetrics, probeDatums } from '../../../lambdas/adapters/aws/cloudwatch-probe-metrics';
import { rollbackMetrics } from '../../../lib/metric-sources';
import { Duration, Stack } from 'aws-cdk-lib';
import { testProfile } from '../../support/harness';

const client = new CloudWatchClient({ region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const cw = mockClient(client);
const T0 = Date.parse('2026-12-02T01:00:00.000Z');

afterEach(() => {
  cw.reset();
});

describe('CloudWatchProbeMetrics', () => {
  it('should publish each second\'s latencies and outcomes as high-resolution Values/Counts of the alarms\' metrics', async () => {
    // Prepare: three requests in the first second (one failed), one in the next.
    cw.on(PutMetricDataCommand).resolves({});
    const samples = [
      { at: T0 + 100, latencyMs: 40.4, error: false }, { at: T0 + 300, latencyMs: 40, error: false }, { at: T0 + 900, latencyMs: 3200, error: true },
      { at: T0 + 1500, latencyMs: 55, error: false },
    ];

    // Act
    await new CloudWatchProbeMetrics(client).publish('kis-core-v3', samples);

    // Assess
    const input = cw.commandCalls(PutMetricDataCommand)[0]?.args[0].input;
    expect(input?.Namespace).toBe('RunbookControlPlane/Target');
    const dims = [{ Name: 'Environment', Value: 'kis-core-v3' }];
    expect(input?.MetricData).toEqual([
      { MetricName: 'Latency', Unit: 'Milliseconds', Dimensions: dims, Timestamp: new Date(T0), StorageResolution: 1, Values: [40, 3200], Counts: [2, 1] },
      { MetricName: 'ErrorRate', Unit: 'None', Dimensions: dims, Timestamp: new Date(T0), StorageResolution: 1, Values: [0, 1], Counts: [2, 1] },
      { MetricName: 'Latency', Unit: 'Milliseconds', Dimensions: dims, Timestamp: new Date(T0 + 1000), StorageResolution: 1, Values: [55], Counts: [1] },
      { MetricName: 'ErrorRate', Unit: 'None', Dimensions: dims, Timestamp: new Date(T0 + 1000), StorageResolution: 1, Values: [0], Counts: [1] },
    ]);
  });

  it('should publish exactly what the rollback alarms of a probe profile read (namespace, names, dimensions)', () => {
    // Prepare
    const profile = testProfile();
    const metrics = rollbackMetrics(profile, Duration.seconds(10));
    const [latency, errorRate] = [metrics.latency, metrics.errorRate].map((m) => Stack.of(new Stack()).resolve((m as { toMetricConfig: () => unknown }).toMetricConfig())) as { metricStat: { namespace: string; metricName: string; dimensions: { name: string; value: string }[] } }[];

    // Act
    const datums = probeDatums(profile.name, [{ at: T0, latencyMs: 10, error: false }]);

    // Assess
    for (const [alarmMetric, datum] of [[latency, datums[0]], [errorRate, datums[1]]] as const) {
      expect(alarmMetric?.metricStat.namespace).toBe(ALARM_METRICS.namespace);
      expect(datum?.MetricName).toBe(alarmMetric?.metricStat.metricName);
      expect(datum?.Dimensions).toEqual(alarmMetric?.metricStat.dimensions.map((d) => ({ Name: d.name, Value: d.value })));
    }
  });

  it('should split a batch over several calls and send nothing for no samples', async () => {
    // Prepare: 300 seconds × 2 metrics = 600 datums, more than one call holds (500).
    cw.on(PutMetricDataCommand).resolves({});
    const samples = Array.from({ length: 300 }, (_, i) => ({ at: T0 + i * 1000, latencyMs: i, error: false }));

    // Act
    await new CloudWatchProbeMetrics(client).publish('kis-core-v3', samples);
    await new CloudWatchProbeMetrics(client).publish('kis-core-v3', []);

    // Assess
    expect(cw.commandCalls(PutMetricDataCommand).map((c) => c.args[0].input.MetricData?.length)).toEqual([500, 100]);
  });
});
