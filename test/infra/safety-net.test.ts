// The safety net in the synthesized stack: the Execution Status Change rule, the function it targets and that
// function's rights, and the alarms on timed-out / aborted executions and on the dead-letter queue.
// Documented shapes checked here:
// - event pattern: https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-states.html
//   ({"source":["aws.states"],"detail-type":["Step Functions Execution Status Change"]}); detail.stateMachineArn and
//   detail.status (RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED): https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html
// - metrics ExecutionsTimedOut / ExecutionsAborted (namespace AWS/States, dimension StateMachineArn):
//   https://docs.aws.amazon.com/step-functions/latest/dg/procedure-cw-metrics.html
// - ApproximateNumberOfMessagesVisible (AWS/SQS, dimension QueueName):
//   https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html
import { Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import type { CfnRole } from 'aws-cdk-lib/aws-iam';
import type { FunctionWithLogGroup } from '../../lib/function-with-log-group';
import { actionsOf, logicalIdOf, roleStatements, synthRunbook, type Json } from './support';

const { stack, template } = synthRunbook();
const env = stack.profile.name;
const stateMachineId = Stack.of(stack).getLogicalId(stack.orchestration.stateMachine.node.defaultChild as never);
const fn = stack.functions.all.find((f) => f.logicalName === 'execution-status') as FunctionWithLogGroup<'execution-status'>;
const roleId = Stack.of(fn).getLogicalId(fn.executionRole.node.defaultChild as CfnRole);
const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Json }>;

describe('the unfinished-executions rule', () => {
  it("should send this state machine's FAILED, TIMED_OUT and ABORTED executions to the execution-status function, with a DLQ", () => {
    // Assess
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: { stateMachineArn: [{ Ref: stateMachineId }], status: ['FAILED', 'TIMED_OUT', 'ABORTED'] },
      },
      State: 'ENABLED',
      Targets: [Match.objectLike({
        Arn: { 'Fn::GetAtt': [logicalIdOf(fn), 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DeadLettersQueue'), 'Arn'] } },
        RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 },
      })],
    });
  });

  it('should give the function the state machine ARN and a dead-letter queue for its asynchronous invocations', () => {
    // Act
    const props = resources[logicalIdOf(fn)]?.Properties;

    // Assess
    expect(props?.Environment).toMatchObject({ Variables: { STATE_MACHINE_ARN: { Ref: stateMachineId }, ENVIRONMENT_NAME: env } });
    expect(props?.DeadLetterConfig).toEqual({ TargetArn: { 'Fn::GetAtt': [expect.stringMatching(/^DeadLettersQueue/), 'Arn'] } });
  });

  it('should let the function start executions of this state machine only, and never stop them or answer tasks', () => {
    // Act
    const statements = roleStatements(template, roleId);
    const start = statements.filter((s) => actionsOf(s).includes('states:StartExecution'));
    const actions = new Set(statements.flatMap(actionsOf));

    // Assess
    expect(start).toEqual([expect.objectContaining({ Effect: 'Allow', Action: 'states:StartExecution', Resource: { Ref: stateMachineId } })]);
    for (const denied of ['states:StopExecution', 'states:SendTaskSuccess', 'states:SendTaskFailure', 'ssm:SendCommand']) expect(actions.has(denied)).toBe(false);
  });
});

describe('the safety-net alarms', () => {
  it.each([
    ['executions-timed-out', 'ExecutionsTimedOut'],
    ['executions-aborted', 'ExecutionsAborted'],
  ])('runbook-<env>-%s should go off on one %s of this state machine and notify the topic', (name, metric) => {
    // Assess
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `runbook-${env}-${name}`,
      Namespace: 'AWS/States',
      MetricName: metric,
      Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: stateMachineId } }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^NotificationsTopic') }],
    });
  });

  it('should go off when any message is waiting in the dead-letter queue', () => {
    // Assess
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `runbook-${env}-dead-letters`,
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DeadLettersQueue'), 'QueueName'] } }],
      Statistic: 'Maximum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^NotificationsTopic') }],
    });
  });
});
