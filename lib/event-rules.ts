// The events that drive waiting tasks forward: this environment's rollback alarms going to ALARM (fail the monitoring
// window at once) and this stack's SSM commands finishing (complete the step's task), each to its handler function.
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { rollbackAlarmNames } from '../lambdas/core/events';

/** The statuses after which a command does not change again (the handler ignores the others). */
export const FINAL_COMMAND_STATUSES = ['Success', 'Failed', 'TimedOut', 'Cancelled'] as const;

export interface EventRulesProps {
  environment: string;
  /** The deployed SSM document names whose commands this stack sent. */
  documentNames: string[];
  alarmFunction: lambda.IFunction;
  commandStatusFunction: lambda.IFunction;
  deadLetterQueue: sqs.IQueue;
}

export class EventRules extends Construct {
  readonly alarmRule: events.Rule;
  readonly commandStatusRule: events.Rule;

  constructor(scope: Construct, id: string, props: EventRulesProps) {
    super(scope, id);
    // A failed delivery is retried for a while, then kept in the queue instead of dropped.
    const target = (fn: lambda.IFunction): targets.LambdaFunction => new targets.LambdaFunction(fn, {
      deadLetterQueue: props.deadLetterQueue,
      retryAttempts: 8,
      maxEventAge: Duration.hours(2),
    });
    const names = rollbackAlarmNames(props.environment);
    this.alarmRule = new events.Rule(this, 'RollbackAlarmState', {
      description: `Runbook ${props.environment}: a rollback alarm went to ALARM`,
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        detail: { alarmName: [names.latency, names.errorRate], state: { value: ['ALARM'] } },
      },
      targets: [target(props.alarmFunction)],
    });
    this.commandStatusRule = new events.Rule(this, 'CommandStatus', {
      description: `Runbook ${props.environment}: a host command of this stack finished`,
      eventPattern: {
        source: ['aws.ssm'],
        detailType: ['EC2 Command Status-change Notification'],
        detail: { 'document-name': props.documentNames, status: [...FINAL_COMMAND_STATUSES] },
      },
      targets: [target(props.commandStatusFunction)],
    });
  }
}
