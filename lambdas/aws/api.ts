// Lambda entry of the REST API (API Gateway, Lambda proxy, IAM auth): the same router `runbook serve` runs, over the
// AWS adapters its routes use, with Step Functions for starting and stopping executions and reading their history.
// Submissions validate the profile's steps against the bundled documents (hosts.validate only: no SSM adapter).
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { SfnCallbacks, SfnExecutions } from '../adapters/aws/sfn-callbacks';
import { toApiRequest, toProxyResult } from '../api/apigateway';
import { createApi } from '../api/router';
import { consoleUrl, SfnExecutionControl } from '../api/sfn-execution-control';
import { awsRuntime } from './deps';
import { parseEnv } from './env';
import { activeProbeFrom } from './probe-control';
import { cloudWatchAlarms } from './wiring/cloudwatch';
import { documentValidator } from './wiring/hosts';
import { snsSlackNotifier } from './wiring/notifier';
import { profileLoader } from './wiring/profile';
import { changeStore } from './wiring/store';

const env = parseEnv('api');
const sfn = new SFNClient({});
const ssm = new SSMClient({});
export const runtime = awsRuntime('api', env, (base) => {
  const profile = profileLoader(ssm, base);
  return {
    store: changeStore(new DynamoDBClient({}), base),
    hosts: documentValidator(base),
    metrics: cloudWatchAlarms(new CloudWatchClient({}), base, profile),
    callbacks: new SfnCallbacks(sfn),
    executions: new SfnExecutions(sfn, env.STATE_MACHINE_ARN),
    notifier: snsSlackNotifier(new SNSClient({}), new SecretsManagerClient({}), base, profile),
    profile,
    // With monitoring.source: probe, the active probe this function starts or stops (lambdas/aws/probe-control.ts).
    activeProbe: activeProbeFrom(env),
  };
});
const control = new SfnExecutionControl(sfn, env.STATE_MACHINE_ARN);
const region = process.env.AWS_REGION;

const api = createApi({
  deps: runtime.deps,
  control,
  profile: runtime.profile,
  engine: 'aws',
  consoleUrl: (name) => (region ? consoleUrl(region, control.arnOf(name)) : undefined),
}, { log: runtime.log });

export async function handler(event: APIGatewayProxyEvent, context?: Context): Promise<APIGatewayProxyResult> {
  if (context) runtime.log.addContext(context);
  return toProxyResult(await api(toApiRequest(event)));
}
