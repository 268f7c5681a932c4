// The parts wired only once their handlers exist: the REST API (SigV4 on every method, validation, access logs,
// tracing, throttling) and the scheduled check (schedule, DLQ, alarm on failed checks).
import { Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import type { CfnRole } from 'aws-cdk-lib/aws-iam';
import { CHECK_FAILED_METRIC } from '../../lambdas/phases/scheduled-check';
import { logicalIdOf, roleStatements, synthRunbook, type Json, type Statement } from './support';

const { stack, template } = synthRunbook({ wire: { api: true, scheduledCheck: true } });
const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Json }>;
const ofType = (type: string): Json[] => Object.values(resources).filter((r) => r.Type === type).map((r) => r.Properties);
const fnNamed = (name: string) => {
  const fn = stack.functions.all.find((f) => f.logicalName === name);
  if (!fn) throw new Error(`no ${name} function`);
  return fn;
};

describe('the REST API', () => {
  it('should require IAM (SigV4) auth and the request validator on every method', () => {
    // Act
    const methods = ofType('AWS::ApiGateway::Method');

    // Assess
    expect(methods.length).toBeGreaterThan(0);
    for (const m of methods) {
      expect({ method: m.HttpMethod, auth: m.AuthorizationType }).toEqual({ method: m.HttpMethod, auth: 'AWS_IAM' });
      expect(m.RequestValidatorId).toEqual({ Ref: expect.stringMatching(/^ApiValidator/) });
    }
    template.hasResourceProperties('AWS::ApiGateway::RequestValidator', { ValidateRequestBody: true, ValidateRequestParameters: true });
  });

  it('should send every method to the api function', () => {
    // Assess
    for (const m of ofType('AWS::ApiGateway::Method')) {
      expect(JSON.stringify((m.Integration as Json).Uri)).toContain(logicalIdOf(fnNamed('api')));
    }
  });

  it('should write JSON access logs, execution logs without bodies, X-Ray traces and throttle the stage', () => {
    // Assess
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      AccessLogSetting: { DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ApiAccessLogs'), 'Arn'] }, Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"') },
      TracingEnabled: true,
      MethodSettings: [Match.objectLike({ LoggingLevel: 'INFO', DataTraceEnabled: false, MetricsEnabled: true, ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 })],
    });
  });

  it('should output the API URL', () => {
    // Assess
    expect(Object.keys(template.toJSON().Outputs as Json)).toContain('ApiUrl');
  });

  it('should give the api function the state machine and control of only its executions', () => {
    // Prepare
    const fn = fnNamed('api');
    const roleId = Stack.of(fn).getLogicalId(fn.executionRole.node.defaultChild as CfnRole);
    const smId = Stack.of(stack).getLogicalId(stack.orchestration.stateMachine.node.defaultChild as never);

    // Act
    const statements = roleStatements(template, roleId);
    const env = (resources[logicalIdOf(fn)]?.Properties.Environment as { Variables: Json }).Variables;

    // Assess
    expect(env.STATE_MACHINE_ARN).toEqual({ Ref: smId });
    const start = statements.find((s) => s.Sid === 'StartRunbookExecutions') as Statement;
    expect(start).toMatchObject({ Action: 'states:StartExecution', Resource: { Ref: smId } });
    const control = statements.find((s) => s.Sid === 'ControlRunbookExecutions') as Statement;
    expect(control.Action).toEqual(['states:DescribeExecution', 'states:StopExecution', 'states:GetExecutionHistory']);
    expect(JSON.stringify(control.Resource)).toContain(`:execution:",{"Fn::GetAtt":["${smId}","Name"]},":*"`);
  });
});

describe('the scheduled check', () => {
  it('should run the scheduled-check function every 15 minutes, with a DLQ for failed deliveries', () => {
    // Assess
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(15 minutes)',
      Targets: [Match.objectLike({
        Arn: { 'Fn::GetAtt': [logicalIdOf(fnNamed('scheduled-check')), 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DeadLettersQueue'), 'Arn'] } },
      })],
    });
  });

  it('should alarm when a check finds the environment unhealthy or cannot run', () => {
    // Assess
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `runbook-${stack.profile.name}-scheduled-check-failed`,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'MAX([failed, errors])' }),
        Match.objectLike({
          Id: 'failed',
          MetricStat: Match.objectLike({
            Metric: { Namespace: 'RunbookControlPlane', MetricName: CHECK_FAILED_METRIC, Dimensions: [{ Name: 'Environment', Value: stack.profile.name }] },
            Stat: 'Maximum',
          }),
        }),
        Match.objectLike({ Id: 'errors', MetricStat: Match.objectLike({ Metric: Match.objectLike({ Namespace: 'AWS/Lambda', MetricName: 'Errors' }) }) }),
      ]),
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^NotificationsTopic') }],
    });
  });
});
