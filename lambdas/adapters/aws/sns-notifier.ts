// Notifier on AWS: an SNS message to the stack's topic (e-mail, chat, pager subscriptions) and, when a secret
// holds a Slack webhook URL, the seed's Slack message. Never throws: a lost notification must not fail a change.
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { postToSlack } from '../http/slack-webhook';
import type { Clock, Logger, Notification, Notifier } from '../../ports';

/** SNS: "Subjects must be UTF-8 text with no line breaks or control characters, and less than 100 characters long." */
export const SUBJECT_LIMIT = 99;
/** SNS message size limit in bytes. */
export const MESSAGE_BYTES_LIMIT = 262_144;

export interface SnsSlackNotifierOptions {
  topicArn: string;
  /** Secrets Manager secret holding the webhook URL (plain, or JSON with `url`/`webhookUrl`). Empty: no Slack. */
  slackSecretArn?: string;
  /** Footer of the Slack message (the profile's `system`); may be looked up lazily. */
  system?: string | (() => Promise<string>);
  log: Logger;
  clock?: Clock;
  fetch?: typeof fetch;
  slackTimeoutMs?: number;
}

export class SnsSlackNotifier implements Notifier {
  private readonly clock: Clock;
  private readonly fetchFn: typeof fetch;
  /** One secret read per container; a failed read is not kept, so the next notification tries again. */
  private webhookUrl: Promise<string> | undefined;

  constructor(private readonly sns: SNSClient, private readonly secrets: SecretsManagerClient, private readonly options: SnsSlackNotifierOptions) {
    this.clock = options.clock ?? { now: () => new Date() };
    this.fetchFn = options.fetch ?? fetch;
  }

  async notify(notification: Notification): Promise<void> {
    const at = this.clock.now();
    // Each channel on its own: SNS being throttled must not keep the message from Slack, nor the reverse.
    await Promise.all([this.toSns(notification), this.toSlack(notification, at)]);
  }

  private async toSns(n: Notification): Promise<void> {
    try {
      await this.sns.send(new PublishCommand({
        TopicArn: this.options.topicArn,
        Subject: subjectOf(n.title),
        Message: messageOf(n),
        MessageAttributes: {
          severity: { DataType: 'String', StringValue: n.severity },
          kind: { DataType: 'String', StringValue: n.kind },
          changeId: { DataType: 'String', StringValue: n.changeId },
        },
      }));
    } catch (err) {
      this.options.log.error('notification: SNS publish failed', { changeId: n.changeId, kind: n.kind, error: describe(err) });
    }
  }

  private async toSlack(n: Notification, at: Date): Promise<void> {
    if (!this.options.slackSecretArn) return;
    let url: string;
    try {
      url = await this.slackWebhookUrl(this.options.slackSecretArn);
    } catch (err) {
      // The stack creates the secret empty; until an operator stores the webhook URL there is simply no Slack.
      if ((err as { name?: string }).name === 'ResourceNotFoundException') {
        this.options.log.info('notification: Slack webhook not configured (the secret has no value yet)', { changeId: n.changeId });
        return;
      }
      this.options.log.error('notification: Slack webhook secret unreadable', { changeId: n.changeId, error: describe(err) });
      return;
    }
    await postToSlack({ fetchFn: this.fetchFn, url, notification: n, at, system: await this.system(), timeoutMs: this.options.slackTimeoutMs, log: this.options.log });
  }

  private slackWebhookUrl(secretArn: string): Promise<string> {
    if (!this.webhookUrl) {
      this.webhookUrl = this.secrets.send(new GetSecretValueCommand({ SecretId: secretArn })).then((r) => webhookUrlOf(r.SecretString));
      this.webhookUrl.catch(() => { this.webhookUrl = undefined; });
    }
    return this.webhookUrl;
  }

  private async system(): Promise<string | undefined> {
    const { system } = this.options;
    if (typeof system !== 'function') return system;
    try {
      return await system();
    } catch (err) {
      this.options.log.warn('notification: system name unavailable, Slack footer uses the default', { error: describe(err) });
      return undefined;
    }
  }
}

/** The webhook URL from a secret that is the URL itself or a JSON object with `url` or `webhookUrl`. */
export function webhookUrlOf(secret: string | undefined): string {
  const text = (secret ?? '').trim();
  let url = text;
  if (text.startsWith('{')) {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    const value = parsed.url ?? parsed.webhookUrl;
    url = typeof value === 'string' ? value.trim() : '';
  }
  if (!url.startsWith('https://')) throw new Error('the Slack secret holds no https:// webhook URL');
  return url;
}

/** A one-line subject SNS accepts: control characters become spaces, then the cut. */
export function subjectOf(title: string): string {
  // eslint-disable-next-line no-control-regex
  const line = title.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').replace(/\s+/g, ' ').trim();
  const chars = [...(line || 'Runbook notification')];
  return chars.length <= SUBJECT_LIMIT ? chars.join('') : `${chars.slice(0, SUBJECT_LIMIT - 1).join('')}…`;
}

function messageOf(n: Notification): string {
  const text = n.text.trim() === '' ? n.title : n.text;
  if (Buffer.byteLength(text, 'utf8') <= MESSAGE_BYTES_LIMIT) return text;
  // Cut on a character boundary: the limit is in bytes, the text may not be ASCII.
  let cut = text.slice(0, MESSAGE_BYTES_LIMIT);
  while (Buffer.byteLength(cut, 'utf8') > MESSAGE_BYTES_LIMIT - 3) cut = cut.slice(0, -1024);
  return `${cut}…`;
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
