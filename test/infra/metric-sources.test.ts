// The rollback alarms on the profile's monitoring.source, synthesized: the probe's metrics by default, or the user's
// own CloudWatch metrics with the error rate as metric math. The two examples are read from README.md, so the
// documented profiles are the tested ones. Shapes: metric math https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html;
// ALB metrics https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html;
// API Gateway metrics https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-metrics-and-dimensions.html;
// AWS::CloudWatch::Alarm Metrics (MetricDataQuery): https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-cloudwatch-alarm-metricdataquery.html
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { rollbackAlarmDefinitions } from '../../lambdas/core/alarm-evaluator';
import { rollbackAlarmNames } from '../../lambdas/core/events';
import { DEFAULT_PROFILE_FILE } from '../../lib/paths';
import { ERROR_RATE_EXPRESSION } from '../../lib/metric-sources';
import { assertAlarmPeriod } from '../../lib/monitoring';
import { synthRunbook, type Json } from './support';

const README = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
const kis = parse(readFileSync(DEFAULT_PROFILE_FILE, 'utf8')) as Json;
const dir = mkdtempSync(join(tmpdir(), 'runbook-sources-'));

/** The YAML block of the README that starts with this comment line. */
function readmeExample(title: string): Json {
  const block = [...README.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] as string).find((b) => b.startsWith(`# ${title}\n`));
  if (!block) throw new Error(`README.md has no yaml block "# ${title}"`);
  return parse(block) as Json;
}

function synthWith(name: string, example: Json) {
  const file = join(dir, `${name}.profile.yml`);
  writeFileSync(file, stringify({ ...kis, monitoring: { ...(kis.monitoring as Json), ...(example.monitoring as Json) } }));
  return synthRunbook({ context: { profile: file } });
}

type AlarmProps = { AlarmName: string; Metrics?: Json[]; MetricName?: string; Namespace?: string; TreatMissingData: string; Threshold: number };
const alarmsOf = (synth: ReturnType<typeof synthRunbook>): Map<string, AlarmProps> => new Map(
  Object.values(synth.template.findResources('AWS::CloudWatch::Alarm')).map((r) => [(r.Properties as AlarmProps).AlarmName, r.Properties as AlarmProps]),
);

describe('rollback alarms on monitoring.source: cloudwatch', () => {
  const alb = synthWith('alb', readmeExample('monitoring for an Application Load Balancer'));
  const api = synthWith('apigw', readmeExample('monitoring for API Gateway'));
  const names = rollbackAlarmNames('kis-core-v3');

  it('should alarm on the ALB p95 TargetResponseTime in milliseconds (seconds × 1000)', () => {
    // Act
    const latency = alarmsOf(alb).get(names.latency);

    // Assess
    expect(latency?.Threshold).toBe(3150);
    expect(latency?.Metrics).toEqual([
      { Id: 'expr_1', Expression: 'latency * 1000', ReturnData: true },
      {
        Id: 'latency', ReturnData: false,
        MetricStat: { Metric: { Namespace: 'AWS/ApplicationELB', MetricName: 'TargetResponseTime', Dimensions: [{ Name: 'LoadBalancer', Value: 'app/kis-core-alb/0123456789abcdef' }] }, Period: 60, Stat: 'p95' },
      },
    ]);
  });

  it('should alarm on the ALB error rate as FILL(5XX, 0) / RequestCount', () => {
    // Act
    const errorRate = alarmsOf(alb).get(names.errorRate);

    // Assess
    expect(errorRate?.Threshold).toBe(0.015);
    expect(errorRate?.Metrics).toEqual(expect.arrayContaining([
      { Id: 'expr_1', Expression: ERROR_RATE_EXPRESSION, ReturnData: true },
      expect.objectContaining({ Id: 'errors', MetricStat: expect.objectContaining({ Metric: expect.objectContaining({ Namespace: 'AWS/ApplicationELB', MetricName: 'HTTPCode_Target_5XX_Count' }), Stat: 'Sum' }) }),
      expect.objectContaining({ Id: 'requests', MetricStat: expect.objectContaining({ Metric: expect.objectContaining({ Namespace: 'AWS/ApplicationELB', MetricName: 'RequestCount' }), Stat: 'Sum' }) }),
    ]));
    expect(ERROR_RATE_EXPRESSION).toBe('FILL(errors, 0) / requests');
  });

  it('should alarm on API Gateway Latency as it is (ms) and on 5XXError / Count', () => {
    // Act
    const alarms = alarmsOf(api);

    // Assess
    expect(alarms.get(names.latency)).toMatchObject({
      Namespace: 'AWS/ApiGateway', MetricName: 'Latency', ExtendedStatistic: 'p95',
      Dimensions: [{ Name: 'ApiName', Value: 'kis-core-api' }, { Name: 'Stage', Value: 'prod' }],
    });
    const ids = (alarms.get(names.errorRate)?.Metrics ?? []).map((m) => [m.Id, (m.MetricStat as { Metric?: { MetricName?: string } } | undefined)?.Metric?.MetricName ?? m.Expression]);
    expect(ids).toEqual(expect.arrayContaining([['expr_1', ERROR_RATE_EXPRESSION], ['errors', '5XXError'], ['requests', 'Count']]));
  });

  it('should treat missing data as the alarm definitions say, on every source', () => {
    // Prepare: the profile's monitoring.missingData decides; breaching (what the control plane counts) is missing in
    // CloudWatch, so an alarm waits in INSUFFICIENT_DATA between changes instead of ALARM (lib/monitoring.ts).
    const inCloudWatch: Record<string, string> = { breaching: 'missing', notBreaching: 'notBreaching' };
    const expected = Object.fromEntries(rollbackAlarmDefinitions(alb.stack.profile).map((d) => [d.name, inCloudWatch[d.treatMissingData]]));
    expect(Object.values(expected)).toEqual(['missing', 'missing']);

    // Act
    const treat = (synth: ReturnType<typeof synthRunbook>) => Object.fromEntries([names.latency, names.errorRate].map((n) => [n, alarmsOf(synth).get(n)?.TreatMissingData]));

    // Assess
    expect(treat(alb)).toEqual(expected);
    expect(treat(api)).toEqual(expected);
  });

  it('should keep missing data not breaching in CloudWatch only when the profile says notBreaching', () => {
    // Act
    const lenient = synthWith('lenient', { monitoring: { missingData: 'notBreaching' } });

    // Assess
    expect(alarmsOf(lenient).get(names.latency)?.TreatMissingData).toBe('notBreaching');
    expect(alarmsOf(lenient).get(names.errorRate)?.TreatMissingData).toBe('notBreaching');
  });

  it('should keep the probe metrics when the profile says nothing (source: probe)', () => {
    // Act
    const synth = synthRunbook();

    // Assess
    expect(synth.stack.profile.monitoring.source).toBe('probe');
    expect(alarmsOf(synth).get(names.latency)).toMatchObject({ Namespace: 'RunbookControlPlane/Target', MetricName: 'Latency' });
    expect(alarmsOf(synth).get(names.errorRate)).toMatchObject({ Namespace: 'RunbookControlPlane/Target', MetricName: 'ErrorRate' });
  });
});

describe('the rollback alarms\' period on AWS', () => {
  it('should accept 10, 20, 30 and multiples of 60 s and refuse others at synth, naming the field', () => {
    // Assess: API_PutMetricAlarm Period (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html)
    for (const ok of [10, 20, 30, 60, 120, 300]) expect(() => assertAlarmPeriod('p', ok)).not.toThrow();
    for (const bad of [1, 5, 15, 45, 90]) expect(() => assertAlarmPeriod('p', bad)).toThrow(/monitoring\.periodSeconds .* \(10, 20, 30 or a multiple of 60\)/);
  });

  it('should refuse to synthesize the demo profile\'s 1-s period', () => {
    // Act / Assess
    expect(() => synthWith('one-second', { monitoring: { periodSeconds: 1 } })).toThrow(/monitoring\.periodSeconds 1 is not a CloudWatch alarm period/);
  });
});
