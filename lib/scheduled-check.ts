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
   * The metric the function publishes per run, 1 for a failed check and 0 for a passed one (ScheduledCheckFailed).
   * The alarm also counts the function's errors, since a check that could not run is not a pass.
   */
  failureMetric: cloudwatch.Metric;
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
    // An unhealthy environment is a result the function publishes (it does not throw, so Lambda does not re-run and
    // re-notify it); a check that could not run shows as an error. Either one is a failed check.
    const metric = new cloudwatch.MathExpression({
      expression: 'MAX([failed, errors])',
      usingMetrics: {
        failed: props.failureMetric.with({ statistic: cloudwatch.Stats.MAXIMUM, period: interval }),
        errors: props.fn.metricErrors({ statistic: cloudwatch.Stats.SUM, period: interval }),
      },
      period: interval,
      label: 'failed scheduled checks',
    });
    this.failedChecksAlarm = new cloudwatch.Alarm(this, 'FailedChecks', {
      alarmName: `runbook-${props.environment}-scheduled-check-failed`,
      alarmDescription: `${props.environment}: the scheduled health check found the environment unhealthy or could not run`,
      metric,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      // A period without an invocation (schedule jitter, a disabled rule) shows as INSUFFICIENT_DATA, not a page.
      treatMissingData: cloudwatch.TreatMissingData.MISSING,
    });
    this.failedChecksAlarm.addAlarmAction(new cwActions.SnsAction(props.topic));
  }
}
