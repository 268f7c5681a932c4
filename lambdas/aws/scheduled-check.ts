// Lambda entry of the scheduled health check (target of an EventBridge schedule): the reconciler of steps whose
// command-status event was lost, then the pre-flight checks outside any change, run by the same phase logic as on the
// embedded engine, with the AWS adapters and EMF metrics.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SfnCallbacks } from '../adapters/aws/sfn-callbacks';
import { EmfMetricsPublisher } from '../adapters/aws/emf-metrics';
import { SsmParameterSource } from '../adapters/aws/ssm-parameters';
import { ValidationError } from '../core/errors';
import { reconcileLostCommands } from '../phases/reconcile';
import { runScheduledCheck } from '../phases/scheduled-check';
import { awsRuntime, lambdaHandler } from './deps';
import { parseEnv } from './env';
import { ssmHostCommands } from './wiring/hosts';
import { snsSlackNotifier } from './wiring/notifier';
import { profileLoader } from './wiring/profile';
import { changeStore } from './wiring/store';

/** Each poll is one ListCommands call (a low account-wide rate); a check whose commands take seconds need not poll faster. */
export const POLL_INTERVAL_MS = 5000;

const env = parseEnv('scheduled-check');
const ssm = new SSMClient({});
export const runtime = awsRuntime('scheduled-check', env, (base) => {
  const profile = profileLoader(ssm, base);
  return {
    store: changeStore(new DynamoDBClient({}), base),
    hosts: ssmHostCommands(ssm, base),
    parameters: new SsmParameterSource(ssm, env.ENVIRONMENT_NAME),
    // The reconciler completes or fails the waiting tasks of steps whose command-status event was lost.
    callbacks: new SfnCallbacks(new SFNClient({})),
    notifier: snsSlackNotifier(new SNSClient({}), new SecretsManagerClient({}), base, profile),
    profile,
  };
});
const metrics = new EmfMetricsPublisher({ namespace: env.METRICS_NAMESPACE, clock: runtime.deps.clock });

/**
 * The schedule's event carries nothing the check needs. An unhealthy environment is a result, not an error: it is
 * stored, published as ScheduledCheckFailed and notified. Throwing would make Lambda retry the asynchronous
 * invocation, re-running and re-notifying the same check; only a check that could not run fails the invocation.
 */
export const handler = lambdaHandler(async (_event, deps) => {
  const profile = await runtime.profile();
  if (profile.name !== env.ENVIRONMENT_NAME) {
    throw new ValidationError(`profile parameter ${env.PROFILE_PARAMETER_NAME} describes ${profile.name}, but this stack serves ${env.ENVIRONMENT_NAME}`,
      [{ path: 'name', message: `expected ${env.ENVIRONMENT_NAME}` }]);
  }
  // First the steps whose status event was lost (their tasks are waiting now), then the health check itself.
  const reconciled = await reconcileLostCommands(deps, profile.name);
  const check = await runScheduledCheck({ ...deps, metrics }, profile, { pollIntervalMs: POLL_INTERVAL_MS });
  return { ...check, reconciled };
}, runtime);
