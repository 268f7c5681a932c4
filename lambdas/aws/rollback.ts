// Lambda entry of the ROLLBACK phase function (rollback host-command steps): the handler module the embedded engine
// calls, with the AWS adapters its code uses (DynamoDB, SSM, CloudWatch metrics, callbacks, SNS/Slack).
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { SfnCallbacks } from '../adapters/aws/sfn-callbacks';
import { handle } from '../handlers/rollback';
import { awsRuntime, lambdaHandler } from './deps';
import { parseEnv } from './env';
import { cloudWatchAlarms } from './wiring/cloudwatch';
import { ssmHostCommands } from './wiring/hosts';
import { snsSlackNotifier } from './wiring/notifier';
import { profileLoader } from './wiring/profile';
import { changeStore } from './wiring/store';

const ssm = new SSMClient({});
export const runtime = awsRuntime('rollback', parseEnv('rollback'), (base) => {
  const profile = profileLoader(ssm, base);
  return {
    store: changeStore(new DynamoDBClient({}), base),
    hosts: ssmHostCommands(ssm, base),
    metrics: cloudWatchAlarms(new CloudWatchClient({}), base),
    callbacks: new SfnCallbacks(new SFNClient({})),
    notifier: snsSlackNotifier(new SNSClient({}), new SecretsManagerClient({}), base, profile),
    profile,
  };
});
export const handler = lambdaHandler(handle, runtime);
