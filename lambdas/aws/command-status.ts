// Lambda entry of the EventBridge target for SSM "EC2 Command Status-change Notification" events: the handler module the
// embedded engine calls, with the AWS adapters its code uses (DynamoDB, SSM command results, callbacks).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SSMClient } from '@aws-sdk/client-ssm';
import { SfnCallbacks } from '../adapters/aws/sfn-callbacks';
import { handle } from '../handlers/command-status';
import { awsRuntime, lambdaHandler } from './deps';
import { parseEnv } from './env';
import { ssmHostCommands } from './wiring/hosts';
import { changeStore } from './wiring/store';

export const runtime = awsRuntime('command-status', parseEnv('command-status'), (base) => ({
  store: changeStore(new DynamoDBClient({}), base),
  hosts: ssmHostCommands(new SSMClient({}), base),
  callbacks: new SfnCallbacks(new SFNClient({})),
}));
export const handler = lambdaHandler(handle, runtime);
