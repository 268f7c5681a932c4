// Lambda entry of the EventBridge target for Step Functions "Execution Status Change": the handler module, with the AWS
// adapters its code uses (it starts rollback-only runs, so it has the state machine's ARN; it ends attempts through the
// REPORT code: CloudWatch metrics, SNS/Slack).
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { SfnExecutions } from '../adapters/aws/sfn-callbacks';
import { handle } from '../handlers/execution-status';
import { awsRuntime, lambdaHandler } from './deps';
import { parseEnv } from './env';
import { activeProbeFrom } from './probe-control';
import { cloudWatchAlarms } from './wiring/cloudwatch';
import { snsSlackNotifier } from './wiring/notifier';
import { profileLoader } from './wiring/profile';
import { changeStore } from './wiring/store';

const env = parseEnv('execution-status');
export const runtime = awsRuntime('execution-status', env, (base) => {
  const profile = profileLoader(new SSMClient({}), base);
  return {
    store: changeStore(new DynamoDBClient({}), base),
    executions: new SfnExecutions(new SFNClient({}), env.STATE_MACHINE_ARN),
    metrics: cloudWatchAlarms(new CloudWatchClient({}), base, profile),
    notifier: snsSlackNotifier(new SNSClient({}), new SecretsManagerClient({}), base, profile),
    profile,
    // With monitoring.source: probe, the active probe this function starts or stops (lambdas/aws/probe-control.ts).
    activeProbe: activeProbeFrom(env),
  };
});
export const handler = lambdaHandler(handle, runtime);
