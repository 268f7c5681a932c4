// The submissions API: a REST API where every method needs SigV4 (IAM) auth, requests are validated, and each stage
// writes JSON access logs, execution logs and X-Ray traces. The routes live in the api function (one proxy
// resource), so this construct needs that function; the stack adds it only once lambdas/aws/api.ts exists.
import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface ControlPlaneApiProps {
  environment: string;
  /** The api function (lambdas/aws/api.ts), which routes every path itself. */
  fn: lambda.IFunction;
  /** Operators and CI submit a few changes a day: low limits keep a runaway script from flooding the table. */
  throttling?: { rateLimit: number; burstLimit: number };
  logRetention?: logs.RetentionDays;
  /**
   * IAM user and role ARNs that may call the API (the profile's approvers and callers). When any is given, the
   * resource policy denies every other principal, whatever its IAM policies allow; none keeps IAM alone deciding.
   */
  allowedPrincipals?: readonly string[];
}

/** An ARN's account (arn:partition:service::ACCOUNT:…). */
const accountOf = (arn: string): string => arn.split(':')[4] ?? '';

/**
 * Only the named principals may invoke: an explicit Deny for any other principal ARN (for a session of a role,
 * aws:PrincipalArn is the role's ARN, path included), and an Allow for them so principals of other accounts can
 * call too. https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn
 */
function callerPolicy(principals: readonly string[]): iam.PolicyDocument {
  const arns = [...principals];
  return new iam.PolicyDocument({
    statements: [
      new iam.PolicyStatement({
        sid: 'OnlyTheProfilesPrincipals',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['execute-api:Invoke'],
        resources: ['execute-api:/*'],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': arns } },
      }),
      new iam.PolicyStatement({
        sid: 'TheProfilesPrincipals',
        effect: iam.Effect.ALLOW,
        principals: [...new Set(arns.map(accountOf))].sort().map((account) => new iam.AccountPrincipal(account)),
        actions: ['execute-api:Invoke'],
        resources: ['execute-api:/*'],
        conditions: { ArnEquals: { 'aws:PrincipalArn': arns } },
      }),
    ],
  });
}

export class ControlPlaneApi extends Construct {
  readonly api: apigw.RestApi;
  readonly accessLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ControlPlaneApiProps) {
    super(scope, id);
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const throttling = props.throttling ?? { rateLimit: 10, burstLimit: 20 };
    this.api = new apigw.RestApi(this, 'Api', {
      restApiName: `runbook-${props.environment}`,
      description: `Runbook ${props.environment}: change submissions, approvals and status (SigV4)`,
      endpointConfiguration: { types: [apigw.EndpointType.REGIONAL] },
      ...(props.allowedPrincipals && props.allowedPrincipals.length > 0 ? { policy: callerPolicy(props.allowedPrincipals) } : {}),
      // Execution logs need the account-level API Gateway logging role; it outlives this stack (account setting).
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: 'v1',
        accessLogDestination: new apigw.LogGroupLogDestination(this.accessLogs),
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields({
          caller: true, httpMethod: true, ip: true, protocol: true, requestTime: true,
          resourcePath: true, responseLength: true, status: true, user: true,
        }),
        tracingEnabled: true,
        loggingLevel: apigw.MethodLoggingLevel.INFO,
        // Request bodies are change requests and approvals; they belong in the change record, not in logs.
        dataTraceEnabled: false,
        metricsEnabled: true,
        throttlingRateLimit: throttling.rateLimit,
        throttlingBurstLimit: throttling.burstLimit,
      },
    });
    const validator = new apigw.RequestValidator(this, 'Validator', {
      restApi: this.api,
      requestValidatorName: 'body-and-parameters',
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const methodOptions: apigw.MethodOptions = { authorizationType: apigw.AuthorizationType.IAM, requestValidator: validator };
    const integration = new apigw.LambdaIntegration(props.fn);
    this.api.root.addMethod('ANY', integration, methodOptions);
    // The proxy's own ANY method is added explicitly: addProxy({ anyMethod: true }) drops the request validator.
    this.api.root.addProxy({ anyMethod: false }).addMethod('ANY', integration, methodOptions);

    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG3',
      reason: 'Every method requires SigV4-signed requests from IAM principals of this account (operators, CI); WAF rate rules would add cost without a threat IAM auth and stage throttling do not already cover.',
    });
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-COG4',
      reason: 'Callers are IAM principals (operators, CI, the runbook CLI) authenticated with SigV4; the approvals record the IAM caller identity, which a Cognito user pool would not give.',
    });
    const cloudWatchRole = this.api.node.tryFindChild('CloudWatchRole');
    if (cloudWatchRole) {
      Validations.of(cloudWatchRole).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason: 'The account-level role API Gateway uses to write execution logs; AWS maintains this policy for exactly that purpose.',
      });
    }
  }

  get url(): string {
    return this.api.url;
  }
}
