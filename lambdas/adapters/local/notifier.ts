// Embedded engine's notifications (SNS + Slack on AWS): a console line, one JSON line per notification in a file,
// and the seed's Slack message when a webhook URL is configured. Never throws: a lost notification must not fail a change.
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { postToSlack } from '../http/slack-webhook';
import type { Clock, Logger, Notification, Notifier } from '../../ports';

export interface LocalNotifierOptions {
  /** Where the console line goes; process.stdout by default. */
  write?: (text: string) => void;
  /** JSON Lines file, e.g. .runbook/notifications.jsonl; its directory is created. None: no file. */
  file?: string;
  /** Already resolved (the profile names a secret; the engine reads it). None: no Slack. */
  slackWebhookUrl?: string;
  /** Footer of the Slack message. */
  system?: string;
  clock?: Clock;
  /** Where failures are reported; a console.error logger by default. */
  log?: Logger;
  fetch?: typeof fetch;
  slackTimeoutMs?: number;
}

const ICON: Record<Notification['severity'], string> = { info: 'ℹ️', warning: '⚠️', critical: '🚨' };

export class LocalNotifier implements Notifier {
  private readonly write: (text: string) => void;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly fetchFn: typeof fetch;

  constructor(private readonly options: LocalNotifierOptions = {}) {
    this.write = options.write ?? ((text) => { process.stdout.write(text); });
    this.clock = options.clock ?? { now: () => new Date() };
    this.log = options.log ?? consoleLogger;
    this.fetchFn = options.fetch ?? fetch;
  }

  async notify(notification: Notification): Promise<void> {
    const at = this.clock.now();
    // Each channel on its own: a full disk must not keep the message from Slack, nor the reverse.
    this.toConsole(notification);
    await Promise.all([this.toFile(notification, at), this.toSlack(notification, at)]);
  }

  private toConsole(n: Notification): void {
    try {
      const status = n.status ? ` [${n.status}]` : '';
      this.write(`${ICON[n.severity]} ${n.changeId} ${n.kind}${status}: ${n.title}\n${n.text}\n`);
    } catch (err) {
      this.log.error('notification: console write failed', { changeId: n.changeId, error: (err as Error).message });
    }
  }

  private async toFile(n: Notification, at: Date): Promise<void> {
    const { file } = this.options;
    if (!file) return;
    try {
      await mkdir(dirname(file), { recursive: true });
      await appendFile(file, JSON.stringify({ at: at.toISOString(), ...n }) + '\n', 'utf8');
    } catch (err) {
      this.log.error('notification: file append failed', { changeId: n.changeId, file, error: (err as Error).message });
    }
  }

  private async toSlack(n: Notification, at: Date): Promise<void> {
    const url = this.options.slackWebhookUrl;
    if (!url) return;
    await postToSlack({ fetchFn: this.fetchFn, url, notification: n, at, system: this.options.system, timeoutMs: this.options.slackTimeoutMs, log: this.log });
  }
}

const consoleLogger: Logger = {
  info: (message, data) => console.log(message, data ?? ''),
  warn: (message, data) => console.warn(message, data ?? ''),
  error: (message, data) => console.error(message, data ?? ''),
};
