// CloudWatchAlarms against a mocked CloudWatch client: alarm states by name (paged, unknown names not read as OK),
// the metrics snapshot's GetMetricData request over the window, and throttling as TransientError.
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { ALARM_METRICS, CloudWatchAlarms, alarmMetricDimensions } from '../../../lambdas/adapters/aws/cloudwatch-alarms';
import { rollbackAlarmDefinitions } from '../../../lambdas/core/alarm-evaluator';
import { TransientError } from '../../../lambdas/core/errors';
import { sdkError } from './sdk-errors';

const cw = mockClient(CloudWatchClient);
const client = new CloudWatchClient({ region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const now = new Date('2025-06-01T10:30:00.000Z');
const alarms = new CloudWatchAlarms(client, { environment: 'kis-core-v3', clock: { now: () => now } });
const LATENCY = 'runbook-kis-core-v3-p95-latency';
const ERRORS = 'runbook-kis-core-v3-error-rate';

afterEach(() => {
  cw.reset();
});

describe('CloudWatchAlarms.states', () => {
  it('should describe the alarms by name, metric and composite, in the order asked', async () => {
    // Prepare
    cw.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [
        { AlarmName: ERRORS, StateValue: 'OK', StateReason: 'Threshold Crossed: 0 out of the last 3 datapoints' },
        { AlarmName: LATENCY, StateValue: 'ALARM', StateReason: 'Threshold Crossed: 2 out of the last 3 datapoints' },
      ],
    });

    // Act
    const states = await alarms.states([LATENCY, ERRORS]);

    // Assess
    expect(cw.commandCalls(DescribeAlarmsCommand)[0]?.args[0].input).toEqual({
      AlarmNames: [LATENCY, ERRORS], AlarmTypes: ['MetricAlarm', 'CompositeAlarm'], MaxRecords: 100,
    });
    expect(states).toEqual([
      { name: LATENCY, state: 'ALARM', reason: 'Threshold Crossed: 2 out of the last 3 datapoints' },
      { name: ERRORS, state: 'OK', reason: 'Threshold Crossed: 0 out of the last 3 datapoints' },
    ]);
  });

  it('should report an alarm that does not exist as missing (INSUFFICIENT_DATA, "alarm not found")', async () => {
    // Prepare
    cw.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [{ AlarmName: LATENCY, StateValue: 'OK', StateReason: 'fine' }] });

    // Act
    const states = await alarms.states([LATENCY, ERRORS]);

    // Assess
    expect(states[1]).toEqual({ name: ERRORS, state: 'INSUFFICIENT_DATA', reason: 'alarm not found', missing: true });
  });

  it('should follow NextToken and read composite alarms too', async () => {
    // Prepare
    cw.on(DescribeAlarmsCommand)
      .resolvesOnce({ MetricAlarms: [{ AlarmName: LATENCY, StateValue: 'OK', StateReason: 'a' }], NextToken: 'next' })
      .resolvesOnce({ CompositeAlarms: [{ AlarmName: ERRORS, StateValue: 'ALARM', StateReason: 'b' }] });

    // Act
    const states = await alarms.states([LATENCY, ERRORS]);

    // Assess
    expect(cw.commandCalls(DescribeAlarmsCommand)[1]?.args[0].input.NextToken).toBe('next');
    expect(states.map((s) => s.state)).toEqual(['OK', 'ALARM']);
  });

  it('should ask for at most 100 names per call', async () => {
    // Prepare
    cw.on(DescribeAlarmsCommand).resolves({});
    const names = Array.from({ length: 150 }, (_, i) => `alarm-${i}`);

    // Act
    await alarms.states(names);

    // Assess
    expect(cw.commandCalls(DescribeAlarmsCommand).map((c) => c.args[0].input.AlarmNames?.length)).toEqual([100, 50]);
  });

  it('should map CloudWatch throttling to TransientError', async () => {
    // Prepare
    cw.on(DescribeAlarmsCommand).rejects(sdkError('Throttling'));

    // Act
    const reading = alarms.states([LATENCY]);

    // Assess
    await expect(reading).rejects.toThrow(TransientError);
  });
});

describe('CloudWatchAlarms.snapshot', () => {
  it('should ask for p95 latency, error rate and request count over one period spanning the window', async () => {
    // Prepare
    cw.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'p95', Values: [812.5], Timestamps: [new Date('2025-06-01T10:00:00Z')] },
        { Id: 'errorRate', Values: [0.004], Timestamps: [new Date('2025-06-01T10:00:00Z')] },
        { Id: 'requests', Values: [2500], Timestamps: [new Date('2025-06-01T10:00:00Z')] },
      ],
    });

    // Act
    const snapshot = await alarms.snapshot(180);

    // Assess
    const metric = (name: string) => ({ Namespace: 'RunbookControlPlane/Target', MetricName: name, Dimensions: [{ Name: 'Environment', Value: 'kis-core-v3' }] });
    expect(cw.commandCalls(GetMetricDataCommand)[0]?.args[0].input).toEqual({
      StartTime: new Date('2025-06-01T10:27:00.000Z'),
      EndTime: now,
      ScanBy: 'TimestampDescending',
      MetricDataQueries: [
        { Id: 'p95', MetricStat: { Metric: metric('Latency'), Period: 180, Stat: 'p95' }, ReturnData: true },
        { Id: 'errorRate', MetricStat: { Metric: metric('ErrorRate'), Period: 180, Stat: 'Average' }, ReturnData: true },
        { Id: 'requests', MetricStat: { Metric: metric('ErrorRate'), Period: 180, Stat: 'SampleCount' }, ReturnData: true },
      ],
    });
    expect(snapshot).toEqual({ at: '2025-06-01T10:30:00.000Z', p95Ms: 812.5, errorRate: 0.004, requests: 2500, windowSeconds: 180 });
  });

  it('should leave p95 and error rate undefined when there were no samples', async () => {
    // Prepare
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'p95', Values: [] }, { Id: 'errorRate', Values: [] }, { Id: 'requests', Values: [] }] });

    // Act
    const snapshot = await alarms.snapshot(90);

    // Assess
    expect(snapshot).toEqual({ at: '2025-06-01T10:30:00.000Z', requests: 0, windowSeconds: 90 });
    expect(cw.commandCalls(GetMetricDataCommand)[0]?.args[0].input.MetricDataQueries?.[0]?.MetricStat?.Period).toBe(120);
  });

  it('should combine a window split in two periods: the higher p95, the error rate weighted by requests', async () => {
    // Prepare
    const t1 = new Date('2025-06-01T10:00:00Z');
    const t2 = new Date('2025-06-01T10:03:00Z');
    cw.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'p95', Values: [900, 400], Timestamps: [t2, t1] },
        { Id: 'errorRate', Values: [0.1, 0], Timestamps: [t2, t1] },
        { Id: 'requests', Values: [100, 300], Timestamps: [t2, t1] },
      ],
    });

    // Act
    const snapshot = await alarms.snapshot(180);

    // Assess
    expect(snapshot).toMatchObject({ p95Ms: 900, errorRate: 0.025, requests: 400 });
  });
});

// GetMetricData request/response shape (MetricDataQueries[].MetricStat { Metric { Namespace, MetricName, Dimensions },
// Period, Stat }, StartTime, EndTime, ScanBy: TimestampDescending; MetricDataResults[] { Id, Timestamps, Values }):
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html
describe('CloudWatchAlarms.newestDatapoints', () => {
  it('should ask for each alarm metric\'s SampleCount over the lookback, newest first, and answer the newest timestamp with data', async () => {
    // Prepare
    cw.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'n0', Timestamps: [new Date('2025-06-01T10:28:00Z'), new Date('2025-06-01T10:27:00Z')], Values: [12, 30] },
        { Id: 'n1', Timestamps: [new Date('2025-06-01T10:29:00Z')], Values: [0] },
      ],
    });

    // Act
    const recency = await alarms.newestDatapoints([LATENCY, ERRORS, 'someone-elses-alarm'], 600);

    // Assess
    const input = cw.commandCalls(GetMetricDataCommand)[0]?.args[0].input;
    expect(input).toMatchObject({ StartTime: new Date('2025-06-01T10:20:00.000Z'), EndTime: now, ScanBy: 'TimestampDescending' });
    expect(input?.MetricDataQueries).toEqual([
      { Id: 'n0', ReturnData: true, MetricStat: { Period: 60, Stat: 'SampleCount', Metric: { Namespace: ALARM_METRICS.namespace, MetricName: 'Latency', Dimensions: [{ Name: 'Environment', Value: 'kis-core-v3' }] } } },
      { Id: 'n1', ReturnData: true, MetricStat: { Period: 60, Stat: 'SampleCount', Metric: { Namespace: ALARM_METRICS.namespace, MetricName: 'ErrorRate', Dimensions: [{ Name: 'Environment', Value: 'kis-core-v3' }] } } },
    ]);
    // A minute with zero samples is no datapoint: the error-rate alarm's metric is silent.
    expect(recency).toEqual([
      { name: LATENCY, newestAt: '2025-06-01T10:28:00.000Z' },
      { name: ERRORS },
      { name: 'someone-elses-alarm', missing: true },
    ]);
  });

  it('should surface throttling as TransientError', async () => {
    // Prepare
    cw.on(GetMetricDataCommand).rejects(sdkError('Throttling'));

    // Act + Assess
    await expect(alarms.newestDatapoints([LATENCY], 600)).rejects.toThrow(TransientError);
  });
});

describe('ALARM_METRICS', () => {
  it('should name a CloudWatch metric for every rollback alarm the core defines', () => {
    // Prepare
    const definitions = rollbackAlarmDefinitions({ name: 'kis-core-v3', monitoring: { p95Ms: 2100, errorRate: 0.01, rollbackFactor: 1.5, windowSeconds: 1800, periodSeconds: 60, evaluationPeriods: 3, datapointsToAlarm: 2, probePaths: [], probeIntervalMs: 1000, probeConcurrency: 4, missingData: 'breaching', recentDataSeconds: 600, source: 'probe' } });

    // Assess
    expect(definitions.map((d) => ALARM_METRICS.metrics[d.metric].metricName)).toEqual(['Latency', 'ErrorRate']);
    expect(alarmMetricDimensions('kis-core-v3')).toEqual({ Environment: 'kis-core-v3' });
  });
});
