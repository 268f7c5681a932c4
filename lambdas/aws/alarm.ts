// Lambda entry of the EventBridge target for CloudWatch "Alarm State Change" events: the handler module the embedded
// engine calls, with the AWS adapters its code uses (DynamoDB, Step Functions callbacks).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SfnCallbacks } from '../adapters/aws/sfn-callbacks';
import { handle } from '../handlers/alarm';
import { awsRuntime, lambdaHandler } from './deps';
import { parseEnv } from './env';
import { changeStore } from './wiring/store';

export const runtime = awsRuntime('alarm', parseEnv('alarm'), (base) => ({
  store: changeStore(new DynamoDBClient({}), base),
  callbacks: new SfnCallbacks(new SFNClient({})),
}));
export const handler = lambdaHandler(handle, runtime);
