// SnsSlackNotifier against mocked SNS and Secrets Manager clients and a fake fetch: the Publish request, the Slack
// message from the webhook secret (read once), and that no failure of either channel reaches the caller.
import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { SUBJECT_LIMIT, SnsSlackNotifier, subjectOf, webhookUrlOf, type SnsSlackNotifierOptions } from '../../../lambdas/adapters/aws/sns-notifier';
import { slackPayload } from '../../../lambdas/core/slack';
import type { Logger, Notification } from '../../../lambdas/ports';
import { sdkError } from './sdk-errors';

const sns = mockClient(SNSClient);
const secrets = mockClient(SecretsManagerClient);
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const snsClient = new SNSClient({ region: 'eu-west-1', credentials });
const secretsClient = new SecretsManagerClient({ region: 'eu-west-1', credentials });
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:runbook';
const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:slack-AbCdEf';
const WEBHOOK = 'https://hooks.slack.com/services/T000/B000/XXXX';
const at = new Date('2025-06-01T10:30:00.000Z');

const notification: Notification = {
  kind: 'completed', severity: 'info', changeId: 'CR-2025-001', status: 'COMPLETED',
  title: 'Change completed: CR-2025-001 Release v2.4.0', text: 'QC summary line 1\nQC summary line 2', durationMs: 1_800_000, operator: 'alice',
};

interface Harness { notifier: SnsSlackNotifier; fetch: jest.Mock; errors: unknown[][] }

function harness(options: Partial<SnsSlackNotifierOptions> = {}, status = 200): Harness {
  const errors: unknown[][] = [];
  const log: Logger = { info: () => undefined, warn: () => undefined, error: (...args) => { errors.push(args); } };
  const fetch = jest.fn(async () => new Response('ok', { status }));
  const notifier = new SnsSlackNotifier(snsClient, secretsClient, {
    topicArn: TOPIC, log, clock: { now: () => at }, fetch: fetch as unknown as typeof globalThis.fetch, ...options,
  });
  return { notifier, fetch, errors };
}

afterEach(() => {
  sns.reset();
  secrets.reset();
});

describe('SnsSlackNotifier', () => {
  it('should publish the text to the topic with the title as subject and severity, kind and change as attributes', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const { notifier, fetch } = harness();

    // Act
    await notifier.notify(notification);

    // Assess
    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input).toEqual({
      TopicArn: TOPIC,
      Subject: 'Change completed: CR-2025-001 Release v2.4.0',
      Message: 'QC summary line 1\nQC summary line 2',
      MessageAttributes: {
        severity: { DataType: 'String', StringValue: 'info' },
        kind: { DataType: 'String', StringValue: 'completed' },
        changeId: { DataType: 'String', StringValue: 'CR-2025-001' },
      },
    });
    expect(secrets.calls()).toHaveLength(0);
    expect(fetch).not.toHaveBeenCalled();
  });

  it('should post the seed Slack message, reading the webhook secret only once', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({});
    secrets.on(GetSecretValueCommand).resolves({ SecretString: WEBHOOK });
    const { notifier, fetch } = harness({ slackSecretArn: SECRET, system: async () => 'KIS_CORE_V3' });

    // Act
    await notifier.notify(notification);
    await notifier.notify(notification);

    // Assess
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(secrets.commandCalls(GetSecretValueCommand)[0]?.args[0].input).toEqual({ SecretId: SECRET });
    expect(fetch).toHaveBeenCalledTimes(2);
    expect(fetch).toHaveBeenCalledWith(WEBHOOK, expect.objectContaining({
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(slackPayload(notification, { system: 'KIS_CORE_V3', at })),
    }));
  });

  it('should not throw when SNS fails, log it, and still post to Slack', async () => {
    // Prepare
    sns.on(PublishCommand).rejects(sdkError('ThrottledException'));
    secrets.on(GetSecretValueCommand).resolves({ SecretString: WEBHOOK });
    const { notifier, fetch, errors } = harness({ slackSecretArn: SECRET });

    // Act
    await notifier.notify(notification);

    // Assess
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(errors).toEqual([['notification: SNS publish failed', expect.objectContaining({ changeId: 'CR-2025-001', error: expect.stringContaining('ThrottledException') })]]);
  });

  it('should treat a secret with no value yet as "no Slack", quietly, and read it again next time', async () => {
    // Prepare: the stack creates the secret empty; an operator stores the webhook URL later.
    sns.on(PublishCommand).resolves({});
    secrets.on(GetSecretValueCommand).rejectsOnce(new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT", $metadata: {} })).resolves({ SecretString: WEBHOOK });
    const { notifier, fetch, errors } = harness({ slackSecretArn: SECRET });

    // Act
    await notifier.notify(notification);
    await notifier.notify(notification);

    // Assess
    expect(errors).toEqual([]);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('should not throw when the secret cannot be read, and log it', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({});
    secrets.on(GetSecretValueCommand).rejects(sdkError('AccessDeniedException'));
    const { notifier, fetch, errors } = harness({ slackSecretArn: SECRET });

    // Act
    await notifier.notify(notification);

    // Assess
    expect(errors[0]?.[0]).toBe('notification: Slack webhook secret unreadable');
    expect(fetch).not.toHaveBeenCalled();
  });

  it('should log, never throw, when Slack refuses the message, without logging the URL', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({});
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ url: WEBHOOK }) });
    const { notifier, errors } = harness({ slackSecretArn: SECRET }, 403);

    // Act
    await notifier.notify(notification);

    // Assess
    expect(errors).toEqual([['notification: Slack webhook refused the message', { changeId: 'CR-2025-001', status: 403, body: 'ok' }]]);
    expect(JSON.stringify(errors)).not.toContain('hooks.slack.com');
  });
});

describe('subjectOf', () => {
  it('should make one line under 100 characters, as SNS requires', () => {
    // Assess
    expect(subjectOf('Rollback\nCR-2025-001\t now')).toBe('Rollback CR-2025-001 now');
    expect([...subjectOf('🚨'.repeat(150))]).toHaveLength(SUBJECT_LIMIT);
    expect(subjectOf('   ')).toBe('Runbook notification');
  });
});

describe('webhookUrlOf', () => {
  it('should accept the URL itself or JSON with url or webhookUrl, and refuse anything else', () => {
    // Assess
    expect(webhookUrlOf(` ${WEBHOOK}\n`)).toBe(WEBHOOK);
    expect(webhookUrlOf(JSON.stringify({ webhookUrl: WEBHOOK }))).toBe(WEBHOOK);
    expect(() => webhookUrlOf('http://insecure.example')).toThrow(/https/);
    expect(() => webhookUrlOf(undefined)).toThrow(/https/);
  });
});
