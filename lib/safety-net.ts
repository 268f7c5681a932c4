// Nothing left half-done on AWS: an EventBridge rule on the state machine's executions that end TIMED_OUT, ABORTED or
// FAILED, delivered to the function that rolls the change back or ends it; and alarms an operator sees when that
// happens at all (timed-out and aborted executions) or when an event could not be handled (the dead-letter queue).
// Event pattern: https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-states.html (source aws.states,
// detail-type "Step Functions Execution Status Change"); detail fields (stateMachineArn, status, …):
// https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { EXECUTION_STATUS_CHANGE } from '../lambdas/handlers/execution-status';
import { UNFINISHED_STATUSES } from '../lambdas/phases/execution-status';

export interface SafetyNetProps {
  environment: string;
  stateMachine: sfn.IStateMachine;
  executionStatusFunction: lambda.IFunction;
  deadLetterQueue: sqs.IQueue;
  topic: sns.ITopic;
}

export class SafetyNet extends Construct {
  readonly executionStatusRule: events.Rule;
  readonly alarms: { timedOut: cloudwatch.Alarm; aborted: cloudwatch.Alarm; deadLetters: cloudwatch.Alarm };

  constructor(scope: Construct, id: string, props: SafetyNetProps) {
    super(scope, id);
    this.executionStatusRule = new events.Rule(this, 'UnfinishedExecutions', {
      description: `Runbook ${props.environment}: an execution timed out, was aborted or failed`,
      eventPattern: {
        source: ['aws.states'],
        detailType: [EXECUTION_STATUS_CHANGE],
        detail: { stateMachineArn: [props.stateMachine.stateMachineArn], status: [...UNFINISHED_STATUSES] },
      },
      targets: [new targets.LambdaFunction(props.executionStatusFunction, {
        deadLetterQueue: props.deadLetterQueue,
        retryAttempts: 8,
        maxEventAge: Duration.hours(2),
      })],
    });

    const notify = new cwActions.SnsAction(props.topic);
    const period = Duration.minutes(5);
    // Counts, not rollback alarms: no execution in a period means none timed out, so missing data is not breaching.
    const countAlarm = (alarmId: string, name: string, description: string, metric: cloudwatch.IMetric): cloudwatch.Alarm => {
      const alarm = new cloudwatch.Alarm(this, alarmId, {
        alarmName: `runbook-${props.environment}-${name}`,
        alarmDescription: description,
        metric,
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(notify);
      return alarm;
    };
    const sm = props.stateMachine;
    this.alarms = {
      timedOut: countAlarm('ExecutionsTimedOut', 'executions-timed-out',
        `${props.environment}: a runbook execution timed out (its change is rolled back or ended by the execution-status function)`,
        sm.metricTimedOut({ period, statistic: cloudwatch.Stats.SUM })),
      aborted: countAlarm('ExecutionsAborted', 'executions-aborted',
        `${props.environment}: a runbook execution was stopped (its change is rolled back or ended by the execution-status function)`,
        sm.metricAborted({ period, statistic: cloudwatch.Stats.SUM })),
      deadLetters: countAlarm('DeadLetters', 'dead-letters',
        `${props.environment}: an event the control plane could not handle is in the dead-letter queue (look at it and replay it)`,
        props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: cloudwatch.Stats.MAXIMUM })),
    };
  }
}
