// Where change notifications go: an SNS topic encrypted with this stack's own KMS key (so CloudWatch alarms may
// publish to it) and the Slack webhook secret, whose value operators put in after the deploy.
import { Aws, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { EnvironmentProfile } from '../lambdas/core/schemas';

/**
 * What the account's IAM policies may be granted on the topic key, spelled out instead of kms:*. PutKeyPolicy stays
 * so the key can never lock its owner out (and CloudFormation can update this policy).
 */
export const KEY_ADMIN_ACTIONS = [
  'kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:PutKeyPolicy', 'kms:GetKeyRotationStatus', 'kms:EnableKeyRotation',
  'kms:DisableKeyRotation', 'kms:ListResourceTags', 'kms:TagResource', 'kms:UntagResource', 'kms:EnableKey',
  'kms:DisableKey', 'kms:UpdateKeyDescription', 'kms:ScheduleKeyDeletion', 'kms:CancelKeyDeletion',
  'kms:ListGrants', 'kms:RevokeGrant',
] as const;
export const KEY_USE_ACTIONS = ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'] as const;

/**
 * The Slack secret's name: the profile's, when it gives one; otherwise none, so CloudFormation generates a unique one.
 * A fixed default would block a redeploy under the same stack name: a deleted secret keeps its name through its
 * recovery window (https://docs.aws.amazon.com/secretsmanager/latest/userguide/manage_delete-restore-secret.html).
 */
export const slackSecretName = (profile: EnvironmentProfile): string | undefined => profile.notifications.slackWebhookSecret;

export interface NotificationsProps {
  profile: EnvironmentProfile;
}

export class Notifications extends Construct {
  readonly key: kms.Key;
  readonly topic: sns.Topic;
  readonly slackSecret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: NotificationsProps) {
    super(scope, id);
    const { profile } = props;
    this.key = new kms.Key(this, 'TopicKey', {
      description: `Runbook ${profile.name}: encrypts the notifications topic`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
      pendingWindow: Duration.days(30),
      // The default policy gives the account kms:*; this one names what IAM policies in the account may be granted.
      policy: new iam.PolicyDocument({
        statements: [new iam.PolicyStatement({
          sid: 'AccountAdministersAndUsesKeyThroughIam',
          principals: [new iam.AccountRootPrincipal()],
          actions: [...KEY_ADMIN_ACTIONS, ...KEY_USE_ACTIONS],
          resources: ['*'],
        })],
      }),
    });
    // The AWS managed SNS key cannot be shared with CloudWatch, so alarm actions need a customer key that allows it.
    this.key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'CloudWatchAlarmsPublish',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
    }));
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: `Runbook ${profile.name}`,
      masterKey: this.key,
      enforceSSL: true,
    });
    // enforceSSL replaces the default topic policy, so the alarms' right to publish is stated here.
    this.topic.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'CloudWatchAlarmsPublish',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [this.topic.topicArn],
      conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
    }));
    this.slackSecret = new secretsmanager.Secret(this, 'SlackWebhook', {
      ...(slackSecretName(profile) !== undefined ? { secretName: slackSecretName(profile) } : {}),
      description: `Runbook ${profile.name}: Slack incoming-webhook URL (set by operators; empty means no Slack)`,
    });
    // No generated value: a random string is not a webhook URL. CloudFormation then creates the secret without a
    // value, and `aws secretsmanager put-secret-value` sets it once the Slack app exists.
    (this.slackSecret.node.defaultChild as secretsmanager.CfnSecret).addPropertyDeletionOverride('GenerateSecretString');
    Validations.of(this.slackSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'A Slack incoming-webhook URL is issued by Slack and cannot be rotated by a Lambda; operators replace it in Slack and put the new URL here.',
    });
  }

  /** Publish to the topic (and the key operations publishing to an encrypted topic needs), read the Slack URL. */
  grantNotify(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'PublishNotifications', actions: ['sns:Publish'], resources: [this.topic.topicArn],
    }));
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'EncryptNotifications', actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [this.key.keyArn],
    }));
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadSlackWebhook', actions: ['secretsmanager:GetSecretValue'], resources: [this.slackSecret.secretArn],
    }));
  }
}
