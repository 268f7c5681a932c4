// The API's resource policy admits only the IAM principals the profile names (approvers and callers).
// Policy shape: an explicit Deny for every other aws:PrincipalArn (for a role session that key is the role's ARN,
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn),
// on execute-api:Invoke (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-resource-policies-examples.html).
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ControlPlaneApi } from '../../lib/api';
import { apiPrincipals } from '../../lambdas/core/identity';
import { synthRunbook, type Json } from './support';

const KIS_PRINCIPALS = [
  'arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/ap-northeast-2/AWSReservedSSO_RunbookBusiness_2b3c4d5e6f7a8b9c',
  'arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/ap-northeast-2/AWSReservedSSO_RunbookOperator_4d5e6f7a8b9c0d1e',
  'arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/ap-northeast-2/AWSReservedSSO_RunbookSecurity_3c4d5e6f7a8b9c0d',
  'arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/ap-northeast-2/AWSReservedSSO_RunbookTechnical_1a2b3c4d5e6f7a8b',
  'arn:aws:iam::123456789012:role/runbook-ci',
  'arn:aws:iam::123456789012:user/cto',
];

function apiOnly(allowedPrincipals?: string[]): Json | undefined {
  const stack = new Stack(new App(), 'T');
  const fn = lambda.Function.fromFunctionArn(stack, 'Fn', 'arn:aws:lambda:eu-west-1:123456789012:function:api');
  new ControlPlaneApi(stack, 'Api', { environment: 'test', fn, ...(allowedPrincipals ? { allowedPrincipals } : {}) });
  const apis = Object.values(Template.fromStack(stack).findResources('AWS::ApiGateway::RestApi')) as { Properties: Json }[];
  return apis[0]?.Properties.Policy as Json | undefined;
}

describe('the API resource policy', () => {
  it('should deny every principal the KIS_CORE_V3 profile does not name, and allow the named ones', () => {
    // Prepare
    const { stack, template } = synthRunbook({ wire: { api: true, scheduledCheck: false } });

    // Act
    const policy = Object.values(template.findResources('AWS::ApiGateway::RestApi'))[0]?.Properties.Policy as { Statement: Json[] };

    // Assess
    expect(apiPrincipals(stack.profile)).toEqual(KIS_PRINCIPALS);
    expect(policy.Statement).toEqual([
      {
        Sid: 'OnlyTheProfilesPrincipals', Effect: 'Deny', Principal: { AWS: '*' }, Action: 'execute-api:Invoke', Resource: 'execute-api:/*',
        Condition: { ArnNotEquals: { 'aws:PrincipalArn': KIS_PRINCIPALS } },
      },
      {
        Sid: 'TheProfilesPrincipals', Effect: 'Allow', Principal: { AWS: expect.objectContaining({ 'Fn::Join': ['', expect.arrayContaining([expect.stringContaining(':iam::123456789012:root')])] }) },
        Action: 'execute-api:Invoke', Resource: 'execute-api:/*', Condition: { ArnEquals: { 'aws:PrincipalArn': KIS_PRINCIPALS } },
      },
    ]);
  });

  it('should add no resource policy when the profile names no IAM principal (IAM alone decides)', () => {
    // Act / Assess
    expect(apiOnly()).toBeUndefined();
    expect(apiOnly([])).toBeUndefined();
    expect(apiPrincipals({ approvers: { technical: ['tech-lead'], business: [], security: [], executive: [] }, callers: [] })).toEqual([]);
  });

  it('should allow principals of each account named, once', () => {
    // Act
    const policy = apiOnly(['arn:aws:iam::111111111111:user/a', 'arn:aws:iam::222222222222:role/b', 'arn:aws:iam::111111111111:role/c']) as { Statement: { Principal: { AWS: unknown } }[] };

    // Assess
    const allowed = JSON.stringify(policy.Statement[1]?.Principal.AWS);
    expect(allowed.match(/111111111111/g)).toHaveLength(1);
    expect(allowed).toContain('222222222222');
  });
});
