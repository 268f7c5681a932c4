// What the operators watch: the rollback alarms (p95 latency and error rate at rollbackFactor × threshold, the
// alarms whose ALARM fails the monitoring window), host CPU/memory/disk alarms at the profile thresholds, and one
// dashboard with the seed's critical metrics next to the control plane's own.
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { rollbackAlarmDefinitions, type AlarmDefinition, type TreatMissingData } from '../lambdas/core/alarm-evaluator';
import type { EnvironmentProfile } from '../lambdas/core/schemas';
import { rollbackLimits } from '../lambdas/core/thresholds';
import type { FunctionWithLogGroup } from './function-with-log-group';
import { rollbackMetrics } from './metric-sources';

/**
 * Host metrics from the CloudWatch agent. Run Command targets hosts by tag, so the alarms cannot name instances:
 * the agent configuration on the hosts adds `"append_dimensions": {"Environment": "<profile name>"}` to the cpu, mem,
 * disk and netstat plugins and `"aggregation_dimensions": [["Environment"]]`, and the alarms read the worst host
 * (Maximum) of the environment.
 */
export const HOST_METRICS = {
  namespace: 'CWAgent',
  dimensionName: 'Environment',
  cpuPercent: 'cpu_usage_active',
  memoryPercent: 'mem_used_percent',
  diskPercent: 'disk_used_percent',
  activeConnections: 'netstat_tcp_established',
} as const;

/**
 * How a rollback alarm treats missing data in CloudWatch. `breaching` (the profile's default) becomes MISSING there,
 * and the control plane counts INSUFFICIENT_DATA as breaching while a change is in flight (the pushed state change in
 * lambdas/phases/events.ts, the window's end in alarm-watch.ts): the probe publishes only during a change, so an alarm
 * that treated missing data as breaching would sit in ALARM between changes, and M of its N periods would still be
 * missing when the next change's PLAN reads it — every change would be refused. With MISSING it waits in
 * INSUFFICIENT_DATA ("all datapoints missing"), turns OK or ALARM on the first evaluation of the new data (CloudWatch
 * evaluates a range with some datapoints on those it has:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html), and PLAN waits for that
 * verdict. `notBreaching` stays what the profile says.
 */
export const CLOUDWATCH_TREAT_MISSING: Record<TreatMissingData, cloudwatch.TreatMissingData> = {
  missing: cloudwatch.TreatMissingData.MISSING,
  notBreaching: cloudwatch.TreatMissingData.NOT_BREACHING,
  breaching: cloudwatch.TreatMissingData.MISSING,
  ignore: cloudwatch.TreatMissingData.IGNORE,
};

const COMPARISON: Record<AlarmDefinition['comparison'], cloudwatch.ComparisonOperator> = {
  GreaterThanThreshold: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
  GreaterThanOrEqualToThreshold: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  LessThanThreshold: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
  LessThanOrEqualToThreshold: cloudwatch.ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD,
};

/**
 * A CloudWatch alarm's Period is 10, 20 or 30 s (high resolution) or a multiple of 60 s
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html, Period). The embedded
 * engine's probe takes any period (the demo profile's 1 s), so the profile schema does not refuse it; the stack does,
 * at synth, instead of CloudFormation at deploy.
 */
export function assertAlarmPeriod(profileName: string, periodSeconds: number): void {
  if ([10, 20, 30].includes(periodSeconds) || (periodSeconds >= 60 && periodSeconds % 60 === 0)) return;
  throw new Error(`profile ${profileName}: monitoring.periodSeconds ${periodSeconds} is not a CloudWatch alarm period on AWS (10, 20, 30 or a multiple of 60); the embedded engine takes it, a deployed stack cannot`);
}

export const dashboardName = (environment: string): string => `runbook-${environment}`;

export interface MonitoringProps {
  profile: EnvironmentProfile;
  topic: sns.ITopic;
  stateMachine: sfn.IStateMachine;
  functions: FunctionWithLogGroup[];
}

export class Monitoring extends Construct {
  readonly rollbackAlarms: { latency: cloudwatch.Alarm; errorRate: cloudwatch.Alarm };
  readonly hostAlarms: { cpu: cloudwatch.Alarm; memory: cloudwatch.Alarm; disk: cloudwatch.Alarm };
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { profile } = props;
    const mon = profile.monitoring;
    assertAlarmPeriod(profile.name, mon.periodSeconds);
    const period = Duration.seconds(mon.periodSeconds);
    const notify = new cwActions.SnsAction(props.topic);

    // The same definitions the embedded engine evaluates (names, period, M of N, missing data); the thresholds come
    // from rollbackLimits, which rounds 0.01 × 1.5 to the 0.015 an operator reads.
    const [latencyDef, errorRateDef] = rollbackAlarmDefinitions(profile);
    const limits = rollbackLimits(mon);
    // From the profile's monitoring.source: the probe's metrics or the user's own (lib/metric-sources.ts). Labels only
    // on the dashboard's copies: a labelled metric turns an alarm into a metric-math alarm.
    const { latency: p95, errorRate } = rollbackMetrics(profile, period);
    const rollbackAlarm = (id: string, def: AlarmDefinition, metric: cloudwatch.IMetric, threshold: number): cloudwatch.Alarm => {
      const alarm = new cloudwatch.Alarm(this, id, {
        alarmName: def.name,
        alarmDescription: `${def.description ?? def.name}. ALARM fails the monitoring window of a change in flight and rolls it back.`,
        metric,
        threshold,
        comparisonOperator: COMPARISON[def.comparison],
        evaluationPeriods: def.evaluationPeriods,
        datapointsToAlarm: def.datapointsToAlarm,
        treatMissingData: CLOUDWATCH_TREAT_MISSING[def.treatMissingData],
      });
      alarm.addAlarmAction(notify);
      return alarm;
    };
    this.rollbackAlarms = {
      latency: rollbackAlarm('RollbackLatency', latencyDef, p95, limits.p95Ms),
      errorRate: rollbackAlarm('RollbackErrorRate', errorRateDef, errorRate, limits.errorRate),
    };

    const hostMetric = (metricName: string): cloudwatch.Metric => new cloudwatch.Metric({
      namespace: HOST_METRICS.namespace,
      metricName,
      statistic: cloudwatch.Stats.MAXIMUM,
      dimensionsMap: { [HOST_METRICS.dimensionName]: profile.name },
      period,
    });
    const cpu = hostMetric(HOST_METRICS.cpuPercent);
    const memory = hostMetric(HOST_METRICS.memoryPercent);
    const disk = hostMetric(HOST_METRICS.diskPercent);
    const hostAlarm = (id: string, what: string, metric: cloudwatch.Metric, threshold: number): cloudwatch.Alarm => {
      const alarm = new cloudwatch.Alarm(this, id, {
        alarmName: `runbook-${profile.name}-host-${what}`,
        alarmDescription: `${profile.name}: host ${what} above ${threshold} % (profile thresholds; PRE-FLIGHT refuses a change above it)`,
        metric,
        threshold,
        // The seed compares with "greater than", as PRE-FLIGHT does.
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: mon.evaluationPeriods,
        datapointsToAlarm: Math.min(mon.datapointsToAlarm, mon.evaluationPeriods),
        // A silent agent is its own problem: the alarm shows INSUFFICIENT_DATA instead of a false OK.
        treatMissingData: cloudwatch.TreatMissingData.MISSING,
      });
      alarm.addAlarmAction(notify);
      return alarm;
    };
    this.hostAlarms = {
      cpu: hostAlarm('HostCpu', 'cpu', cpu, profile.thresholds.cpuPercent),
      memory: hostAlarm('HostMemory', 'memory', memory, profile.thresholds.memoryPercent),
      disk: hostAlarm('HostDisk', 'disk', disk, profile.thresholds.diskPercent),
    };

    const sm = props.stateMachine;
    const sum = { statistic: cloudwatch.Stats.SUM, period: Duration.minutes(5) };
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: dashboardName(profile.name),
      defaultInterval: Duration.hours(6),
      widgets: [
        [new cloudwatch.TextWidget({
          markdown: `# Runbook ${profile.name} (${profile.system})\nTarget metrics with their thresholds and rollback lines; below, the control plane itself.`,
          width: 24, height: 2,
        })],
        [
          new cloudwatch.GraphWidget({
            title: 'API p95 latency (ms)', left: [p95.with({ label: 'p95 latency (ms)' })], width: 8,
            leftAnnotations: [
              { value: mon.p95Ms, label: `threshold ${mon.p95Ms} ms`, color: cloudwatch.Color.ORANGE },
              { value: limits.p95Ms, label: `rollback ${limits.p95Ms} ms`, color: cloudwatch.Color.RED },
            ],
          }),
          new cloudwatch.GraphWidget({
            title: 'Error rate', left: [errorRate.with({ label: 'error rate' })], width: 8,
            leftAnnotations: [
              { value: mon.errorRate, label: `threshold ${mon.errorRate}`, color: cloudwatch.Color.ORANGE },
              { value: limits.errorRate, label: `rollback ${limits.errorRate}`, color: cloudwatch.Color.RED },
            ],
          }),
          new cloudwatch.GraphWidget({
            title: 'Active connections (busiest host)', width: 8,
            left: [hostMetric(HOST_METRICS.activeConnections).with({ label: 'TCP established' })],
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'CPU % (busiest host)', left: [cpu], width: 8, leftYAxis: { min: 0, max: 100 },
            leftAnnotations: [{ value: profile.thresholds.cpuPercent, label: 'threshold', color: cloudwatch.Color.RED }],
          }),
          new cloudwatch.GraphWidget({
            title: 'Memory % (busiest host)', left: [memory], width: 8, leftYAxis: { min: 0, max: 100 },
            leftAnnotations: [{ value: profile.thresholds.memoryPercent, label: 'threshold', color: cloudwatch.Color.RED }],
          }),
          new cloudwatch.GraphWidget({
            title: 'Disk % (fullest host)', left: [disk], width: 8, leftYAxis: { min: 0, max: 100 },
            leftAnnotations: [{ value: profile.thresholds.diskPercent, label: 'threshold', color: cloudwatch.Color.RED }],
          }),
        ],
        [new cloudwatch.AlarmStatusWidget({
          title: 'Alarms', width: 24, height: 3,
          alarms: [this.rollbackAlarms.latency, this.rollbackAlarms.errorRate, this.hostAlarms.cpu, this.hostAlarms.memory, this.hostAlarms.disk],
        })],
        [
          new cloudwatch.GraphWidget({
            title: 'Runbook executions', width: 8,
            left: [
              sm.metricStarted({ ...sum, label: 'started' }),
              sm.metricSucceeded({ ...sum, label: 'succeeded' }),
              sm.metricFailed({ ...sum, label: 'failed' }),
              sm.metricTimedOut({ ...sum, label: 'timed out' }),
              sm.metricAborted({ ...sum, label: 'aborted' }),
            ],
          }),
          new cloudwatch.GraphWidget({
            title: 'Function errors', width: 8,
            left: props.functions.map((fn) => fn.metricErrors({ ...sum, label: fn.logicalName })),
          }),
          new cloudwatch.GraphWidget({
            title: 'Function duration p95 (ms)', width: 8,
            left: props.functions.map((fn) => fn.metricDuration({ statistic: 'p95', period: Duration.minutes(5), label: fn.logicalName })),
          }),
        ],
      ],
    });
  }
}
