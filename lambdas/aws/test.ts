// Lambda entry of the TEST phase function (smoke tests, load test): the handler module the embedded engine calls, with
// the AWS adapters its code uses (DynamoDB, SSM for the login credentials) and the HTTP load tester (this function only).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SSMClient } from '@aws-sdk/client-ssm';
import { SsmParameterSource } from '../adapters/aws/ssm-parameters';
import { HttpLoadTester } from '../adapters/http/load-tester';
import { handle } from '../handlers/test';
import { awsRuntime, lambdaHandler } from './deps';
import { parseEnv } from './env';
import { changeStore } from './wiring/store';

export const runtime = awsRuntime('test', parseEnv('test'), (base) => ({
  store: changeStore(new DynamoDBClient({}), base),
  parameters: new SsmParameterSource(new SSMClient({}), base.env.ENVIRONMENT_NAME),
  tester: new HttpLoadTester(),
}));
export const handler = lambdaHandler(handle, runtime);
