// The seed's Slack message (sendSlackNotification in deployment-report-generator.js) built from a Notification.
// Pure: both the SNS/Slack adapter on AWS and the local notifier post exactly this JSON.
import type { Notification } from '../ports';
import { formatDuration } from './duration';

export interface SlackField { title: string; value: string; short: boolean }

export interface SlackAttachment {
  color: 'good' | 'warning' | 'danger';
  title: string;
  text: string;
  fields: SlackField[];
  footer: string;
  ts: number;
}

export interface SlackPayload { attachments: [SlackAttachment] }

export interface SlackOptions {
  /** Named in the footer, as "KIS_CORE_V3 Deployment System" in the seed (the profile's `system`). */
  system?: string;
  /** The message time (`ts`); defaults to now. */
  at?: Date;
}

/** Statuses the seed's ❌ stands for: the change ended without doing what it set out to do. */
const FAILED = new Set(['FAILED', 'PREFLIGHT_FAILED', 'MANUAL_INTERVENTION', 'INTERRUPTED']);
const ROLLBACK = new Set(['ROLLED_BACK', 'ROLLING_BACK']);

/** What a notification without a status is about, in the status words the title uses. */
const KIND_STATUS: Record<Notification['kind'], string> = {
  submitted: 'SUBMITTED',
  'approval-needed': 'AWAITING_APPROVAL',
  rejected: 'REJECTED',
  'preflight-failed': 'PREFLIGHT_FAILED',
  rollback: 'ROLLING_BACK',
  'rolled-back': 'ROLLED_BACK',
  completed: 'COMPLETED',
  'manual-intervention': 'MANUAL_INTERVENTION',
  ended: 'ENDED',
};

/**
 * The seed's status word: COMPLETED is its SUCCESS, ROLLED_BACK and FAILED are its own words, any other change
 * status is shown as it is, since an operator reading MANUAL_INTERVENTION needs that word rather than "FAILED".
 */
export function slackStatus(notification: Pick<Notification, 'kind' | 'status'>): string {
  const status = notification.status ?? KIND_STATUS[notification.kind];
  return status === 'COMPLETED' ? 'SUCCESS' : status;
}

export function slackPayload(notification: Notification, options: SlackOptions = {}): SlackPayload {
  const status = slackStatus(notification);
  const emoji = status === 'SUCCESS' ? '✅' : FAILED.has(status) ? '❌' : ROLLBACK.has(status) ? '🔄' : '⚠️';
  // The seed's getSlackColor is not shown; green for success, red for failure or a critical alert, amber otherwise.
  const color: SlackAttachment['color'] = FAILED.has(status) || notification.severity === 'critical'
    ? 'danger'
    : status === 'SUCCESS' || (notification.severity === 'info' && !ROLLBACK.has(status)) ? 'good' : 'warning';
  const at = options.at ?? new Date();
  return {
    attachments: [{
      color,
      title: `${emoji} Deployment ${status}: ${notification.changeId}`,
      text: '```\n' + notification.text + '\n```',
      fields: [
        { title: 'Duration', value: notification.durationMs === undefined ? 'In Progress' : formatDuration(notification.durationMs), short: true },
        { title: 'Operator', value: notification.operator || 'system', short: true },
      ],
      footer: `${options.system ?? 'KIS_CORE_V3'} Deployment System`,
      ts: Math.floor(at.getTime() / 1000),
    }],
  };
}
