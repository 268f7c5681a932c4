// Lambda entry of the PLAN phase function (risk, approvals callback, schedule, alarm check): the handler module the
// embedded engine calls, with the AWS adapters its code uses (DynamoDB, SSM profile, CloudWatch alarms, callbacks, SNS/Slack).
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { SfnCallbacks } from '../adapters/aws/sfn-callbacks';
import { handle } from '../handlers/plan';
import { awsRuntime, lambdaHandler } from './deps';
import { parseEnv } from './env';
import { activeProbeFrom } from './probe-control';
import { cloudWatchAlarms } from './wiring/cloudwatch';
import { snsSlackNotifier } from './wiring/notifier';
import { profileLoader } from './wiring/profile';
import { changeStore } from './wiring/store';

const env = parseEnv('plan');
export const runtime = awsRuntime('plan', env, (base) => {
  const profile = profileLoader(new SSMClient({}), base);
  return {
    store: changeStore(new DynamoDBClient({}), base),
    alarms: cloudWatchAlarms(new CloudWatchClient({}), base, profile),
    callbacks: new SfnCallbacks(new SFNClient({})),
    notifier: snsSlackNotifier(new SNSClient({}), new SecretsManagerClient({}), base, profile),
    profile,
    // With monitoring.source: probe, the active probe this function starts (its schedule's first run is at once).
    activeProbe: activeProbeFrom(env, { mayStart: true }),
  };
});
export const handler = lambdaHandler(handle, runtime);
