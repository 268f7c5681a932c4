// Lambda entry of the ACT phase function (host-command steps, monitoring window): the handler module the embedded engine
// calls, with the AWS adapters its code uses (DynamoDB, SSM Run Command, CloudWatch alarms and metrics, callbacks).
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SSMClient } from '@aws-sdk/client-ssm';
import { SfnCallbacks } from '../adapters/aws/sfn-callbacks';
import { handle } from '../handlers/act';
import { awsRuntime, lambdaHandler } from './deps';
import { parseEnv } from './env';
import { cloudWatchAlarms } from './wiring/cloudwatch';
import { ssmHostCommands } from './wiring/hosts';
import { profileLoader } from './wiring/profile';
import { changeStore } from './wiring/store';

export const runtime = awsRuntime('act', parseEnv('act'), (base) => {
  const ssm = new SSMClient({});
  // The profile says where the release's metrics come from (monitoring.source: probe | cloudwatch).
  const profile = profileLoader(ssm, base);
  const cloudwatch = cloudWatchAlarms(new CloudWatchClient({}), base, profile);
  return {
    store: changeStore(new DynamoDBClient({}), base),
    hosts: ssmHostCommands(ssm, base),
    alarms: cloudwatch,
    metrics: cloudwatch,
    callbacks: new SfnCallbacks(new SFNClient({})),
    profile,
  };
});
export const handler = lambdaHandler(handle, runtime);
