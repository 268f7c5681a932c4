// The environment's scheduled health check: a schedule that runs the scheduled-check function and an alarm when the
// checks fail. Takes the function as a prop; the stack wires it only when lambdas/aws/scheduled-check.ts exists.
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface ScheduledCheckProps {
  environment: string;
  fn: lambda.IFunction;
  topic: sns.ITopic;
  deadLetterQueue: sqs.IQueue;
  /** @default every 15 minutes */
  schedule?: events.Schedule;
  /** How often the checks run, for the alarm period. @default 15 minutes */
  interval?: Duration;
  /**
   * What counts as a failed check. @default the function's Errors: a check that finds the environment unhealthy
   * fails its invocation, so the same number covers "unhealthy" and "could not check".
   */
  failureMetric?: cloudwatch.IMetric;
}

export class ScheduledCheck extends Construct {
  readonly rule: events.Rule;
  readonly failedChecksAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: ScheduledCheckProps) {
    super(scope, id);
    const interval = props.interval ?? Duration.minutes(15);
    this.rule = new events.Rule(this, 'Schedule', {
      description: `Runbook ${props.environment}: scheduled health check`,
      schedule: props.schedule ?? events.Schedule.rate(interval),
      targets: [new targets.LambdaFunction(props.fn, { deadLetterQueue: props.deadLetterQueue, retryAttempts: 2, maxEventAge: interval })],
    });
    const metric = props.failureMetric ?? props.fn.metricErrors({ statistic: cloudwatch.Stats.SUM, period: interval });
    this.failedChecksAlarm = new cloudwatch.Alarm(this, 'FailedChecks', {
      alarmName: `runbook-${props.environment}-scheduled-check-failed`,
      alarmDescription: `${props.environment}: the scheduled health check failed twice in a row`,
      metric,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      // A period without an invocation (schedule jitter, a disabled rule) shows as INSUFFICIENT_DATA, not a page.
      treatMissingData: cloudwatch.TreatMissingData.MISSING,
    });
    this.failedChecksAlarm.addAlarmAction(new cwActions.SnsAction(props.topic));
  }
}
