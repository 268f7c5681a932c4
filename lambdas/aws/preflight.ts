// Lambda entry of the PRE-FLIGHT phase function (start, system health, dependencies, backup checks): the handler module
// the embedded engine calls, with the AWS adapters its code uses (DynamoDB, SSM, Step Functions callbacks).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SSMClient } from '@aws-sdk/client-ssm';
import { SfnCallbacks } from '../adapters/aws/sfn-callbacks';
import { SsmParameterSource } from '../adapters/aws/ssm-parameters';
import { handle } from '../handlers/preflight';
import { awsRuntime, lambdaHandler } from './deps';
import { parseEnv } from './env';
import { ssmHostCommands } from './wiring/hosts';
import { changeStore } from './wiring/store';

const ssm = new SSMClient({});
export const runtime = awsRuntime('preflight', parseEnv('preflight'), (base) => ({
  store: changeStore(new DynamoDBClient({}), base),
  hosts: ssmHostCommands(ssm, base),
  parameters: new SsmParameterSource(ssm, base.env.ENVIRONMENT_NAME),
  callbacks: new SfnCallbacks(new SFNClient({})),
}));
export const handler = lambdaHandler(handle, runtime);
