// Notifications to the stack's SNS topic and, when its secret holds a webhook, to Slack: for the entries that notify.
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SNSClient } from '@aws-sdk/client-sns';
import { SnsSlackNotifier } from '../../adapters/aws/sns-notifier';
import type { EnvironmentProfile } from '../../core/schemas';
import type { AwsBase } from '../deps';

/** `profile` names the system in the Slack footer, read lazily (a notifier that never sends never reads it). */
export function snsSlackNotifier(sns: SNSClient, secrets: SecretsManagerClient, base: AwsBase, profile: () => Promise<EnvironmentProfile>): SnsSlackNotifier {
  return new SnsSlackNotifier(sns, secrets, {
    topicArn: base.env.TOPIC_ARN,
    slackSecretArn: base.env.SLACK_SECRET_ARN,
    system: async () => (await profile()).system,
    log: base.log,
    clock: base.clock,
  });
}
