// Posts a notification to a Slack incoming webhook, shared by the local and the AWS notifiers. Never throws:
// a notification that cannot be delivered must not fail a change; it is logged, without the URL (a credential).
import { slackPayload } from '../../core/slack';
import type { Logger, Notification } from '../../ports';

export interface SlackPost {
  fetchFn: typeof fetch;
  url: string;
  notification: Notification;
  at: Date;
  system?: string | undefined;
  timeoutMs?: number | undefined;
  log: Logger;
}

export async function postToSlack({ fetchFn, url, notification: n, at, system, timeoutMs, log }: SlackPost): Promise<void> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs ?? 5000);
  try {
    const response = await fetchFn(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(slackPayload(n, { ...(system !== undefined ? { system } : {}), at })),
      signal: controller.signal,
    });
    const body = await response.text();
    if (!response.ok) log.error('notification: Slack webhook refused the message', { changeId: n.changeId, status: response.status, body: body.slice(0, 200) });
  } catch (err) {
    log.error('notification: Slack webhook unreachable', { changeId: n.changeId, error: err instanceof Error ? err.message : String(err) });
  } finally {
    clearTimeout(timer);
  }
}
