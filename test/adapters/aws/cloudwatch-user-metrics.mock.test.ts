// With monitoring.source: cloudwatch, PLAN's recency check and the report's snapshot read the user's own metrics (the
// same definitions the rollback alarms are built from, lib/metric-sources.ts), never the probe's RunbookControlPlane/Target
// metrics that nothing publishes then. GetMetricData shape (MetricDataQueries[] { Id, MetricStat { Metric { Namespace,
// MetricName, Dimensions }, Period, Stat, Unit }, ReturnData }): https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html;
// ALB metrics: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudWatchAlarms, type UserMetrics } from '../../../lambdas/adapters/aws/cloudwatch-alarms';
import { awsRuntime, type AwsEnv } from '../../../lambdas/aws/deps';
import { parseEnv } from '../../../lambdas/aws/env';
import { cloudWatchAlarms } from '../../../lambdas/aws/wiring/cloudwatch';
import { profileLoader } from '../../../lambdas/aws/wiring/profile';
import { rollbackAlarmNames } from '../../../lambdas/core/events';
import { testProfile } from '../../support/harness';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const client = new CloudWatchClient({ region: 'eu-west-1', credentials });
const cw = mockClient(client);
const now = new Date('2026-12-02T01:30:00.000Z');
const LB = { LoadBalancer: 'app/kis-core-alb/0123456789abcdef' };
const USER: UserMetrics = {
  latency: { namespace: 'AWS/ApplicationELB', metricName: 'TargetResponseTime', statistic: 'p95', scale: 1000, dimensions: LB },
  errors: { namespace: 'AWS/ApplicationELB', metricName: 'HTTPCode_Target_5XX_Count', statistic: 'Sum', scale: 1, dimensions: LB },
  requests: { namespace: 'AWS/ApplicationELB', metricName: 'RequestCount', statistic: 'Sum', scale: 1, dimensions: LB, unit: 'Count' },
};
const names = rollbackAlarmNames('kis-core-v3');
const alarms = new CloudWatchAlarms(client, { environment: 'kis-core-v3', clock: { now: () => now }, userMetrics: async () => USER });
const metric = (m: { namespace: string; metricName: string }) => ({ Namespace: m.namespace, MetricName: m.metricName, Dimensions: [{ Name: 'LoadBalancer', Value: LB.LoadBalancer }] });

afterEach(() => {
  cw.reset();
});

describe('CloudWatchAlarms on the user\'s metrics', () => {
  it('should check recency on the SampleCount of the latency metric and of the request count (the error-rate denominator)', async () => {
    // Prepare: latency has data; no request was counted in the lookback.
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'n0', Timestamps: [new Date('2026-12-02T01:28:00Z')], Values: [240] }, { Id: 'n1', Timestamps: [], Values: [] }] });

    // Act
    const recency = await alarms.newestDatapoints([names.latency, names.errorRate], 600);

    // Assess
    expect(cw.commandCalls(GetMetricDataCommand)[0]?.args[0].input.MetricDataQueries).toEqual([
      { Id: 'n0', ReturnData: true, MetricStat: { Metric: metric(USER.latency), Period: 60, Stat: 'SampleCount' } },
      { Id: 'n1', ReturnData: true, MetricStat: { Metric: metric(USER.requests), Period: 60, Stat: 'SampleCount', Unit: 'Count' } },
    ]);
    expect(JSON.stringify(cw.commandCalls(GetMetricDataCommand)[0]?.args[0].input)).not.toContain('RunbookControlPlane');
    expect(recency).toEqual([{ name: names.latency, newestAt: '2026-12-02T01:28:00.000Z' }, { name: names.errorRate }]);
  });

  it('should snapshot p95 latency in ms (scaled) and the error rate as errors / requests over the window', async () => {
    // Prepare: 0.84 s p95; 12 errors out of 2,400 requests.
    cw.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'p95', Values: [0.84], Timestamps: [new Date('2026-12-02T01:27:00Z')] },
        { Id: 'errors', Values: [12], Timestamps: [new Date('2026-12-02T01:27:00Z')] },
        { Id: 'requests', Values: [2400], Timestamps: [new Date('2026-12-02T01:27:00Z')] },
      ],
    });

    // Act
    const snapshot = await alarms.snapshot(180);

    // Assess
    expect(cw.commandCalls(GetMetricDataCommand)[0]?.args[0].input.MetricDataQueries).toEqual([
      { Id: 'p95', ReturnData: true, MetricStat: { Metric: metric(USER.latency), Period: 180, Stat: 'p95' } },
      { Id: 'errors', ReturnData: true, MetricStat: { Metric: metric(USER.errors), Period: 180, Stat: 'Sum' } },
      { Id: 'requests', ReturnData: true, MetricStat: { Metric: metric(USER.requests), Period: 180, Stat: 'Sum', Unit: 'Count' } },
    ]);
    expect(snapshot).toEqual({ at: now.toISOString(), p95Ms: 840, errorRate: 0.005, requests: 2400, windowSeconds: 180 });
  });

  it('should count a window with requests and no error datapoint as 0 % errors, and one without requests as unknown', async () => {
    // Prepare
    cw.on(GetMetricDataCommand)
      .resolvesOnce({ MetricDataResults: [{ Id: 'requests', Values: [500], Timestamps: [now] }] })
      .resolvesOnce({ MetricDataResults: [] });

    // Act
    const quiet = await alarms.snapshot(60);
    const silent = await alarms.snapshot(60);

    // Assess
    expect(quiet).toEqual({ at: now.toISOString(), errorRate: 0, requests: 500, windowSeconds: 60 });
    expect(silent).toEqual({ at: now.toISOString(), requests: 0, windowSeconds: 60 });
  });
});

describe('the AWS wiring (lambdas/aws/wiring/cloudwatch.ts with the profile from SSM)', () => {
  const ENV = {
    AWS_REGION: 'eu-west-1', TABLE_NAME: 't', ENVIRONMENT_NAME: 'test-env', PROFILE_PARAMETER_NAME: '/runbook/test-env/profile',
    TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:runbook', COMMAND_LOG_GROUP: '/runbook/test-env/commands', POWERTOOLS_LOG_LEVEL: 'ERROR',
  };
  const ssmClient = new SSMClient({ region: 'eu-west-1', credentials });
  const ssm = mockClient(ssmClient);
  const runtimeWith = (monitoring: Record<string, unknown>) => {
    ssm.reset();
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: JSON.stringify(testProfile({ monitoring })) } });
    return awsRuntime('report', parseEnv('report', ENV) as AwsEnv, (base) => {
      const profile = profileLoader(ssmClient, base);
      const cloudwatch = cloudWatchAlarms(client, base, profile);
      return { alarms: cloudwatch, metrics: cloudwatch, profile };
    });
  };

  it('should read the user\'s metrics named in the profile when its source is cloudwatch', async () => {
    // Prepare
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    const runtime = runtimeWith({ source: 'cloudwatch', cloudwatch: USER });

    // Act
    await runtime.deps.metrics.snapshot(60);

    // Assess
    const queries = cw.commandCalls(GetMetricDataCommand)[0]?.args[0].input.MetricDataQueries ?? [];
    expect(queries.map((q) => q.MetricStat?.Metric?.MetricName)).toEqual(['TargetResponseTime', 'HTTPCode_Target_5XX_Count', 'RequestCount']);
  });

  it('should read the probe\'s metrics when its source is probe', async () => {
    // Prepare
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    const runtime = runtimeWith({ source: 'probe' });

    // Act
    await runtime.deps.alarms.newestDatapoints([rollbackAlarmNames('test-env').latency], 600);

    // Assess
    const queries = cw.commandCalls(GetMetricDataCommand)[0]?.args[0].input.MetricDataQueries ?? [];
    expect(queries.map((q) => q.MetricStat?.Metric?.Namespace)).toEqual(['RunbookControlPlane/Target']);
  });
});
