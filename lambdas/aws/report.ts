// Lambda entry of the REPORT phase function (report, status and notification for every way an attempt ends): the
// handler module the embedded engine calls, with the AWS adapters its code uses (DynamoDB, SSM profile, CloudWatch
// metrics, SNS/Slack, SSM Run Command). No HTTP tester: API health, database and cache at report time come from the
// runbook-Dependencies document run on the targets (phases/report.ts healthNow).
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { handle } from '../handlers/report';
import { awsRuntime, lambdaHandler } from './deps';
import { parseEnv } from './env';
import { activeProbeFrom } from './probe-control';
import { cloudWatchAlarms } from './wiring/cloudwatch';
import { snsSlackNotifier } from './wiring/notifier';
import { ssmHostCommands } from './wiring/hosts';
import { profileLoader } from './wiring/profile';
import { changeStore } from './wiring/store';

const env = parseEnv('report');
export const runtime = awsRuntime('report', env, (base) => {
  const ssm = new SSMClient({});
  const profile = profileLoader(ssm, base);
  return {
    store: changeStore(new DynamoDBClient({}), base),
    // The service, database and cache as they are when the report is written (runbook-Dependencies).
    hosts: ssmHostCommands(ssm, base),
    metrics: cloudWatchAlarms(new CloudWatchClient({}), base, profile),
    notifier: snsSlackNotifier(new SNSClient({}), new SecretsManagerClient({}), base, profile),
    profile,
    // With monitoring.source: probe, the active probe this function starts or stops (lambdas/aws/probe-control.ts).
    activeProbe: activeProbeFrom(env),
  };
});
export const handler = lambdaHandler(handle, runtime);
