// The seed's Slack payload: status word and emoji, colour, fenced summary, Duration/Operator fields, footer, ts.
import { slackPayload, slackStatus } from '../../lambdas/core/slack';
import type { Notification } from '../../lambdas/ports';

const AT = new Date('2025-09-22T14:30:00.000Z');

function notification(overrides: Partial<Notification> = {}): Notification {
  return {
    kind: 'completed', severity: 'info', changeId: 'CR-2025-001', title: 'Change completed',
    text: 'KIS_CORE_V3 Deployment Report\nStatus: SUCCESS', status: 'COMPLETED', durationMs: 3_723_000, operator: 'ops-kim', ...overrides,
  };
}

describe('slackPayload', () => {
  it('should build the seed payload for a completed change', () => {
    // Act
    const payload = slackPayload(notification(), { at: AT });

    // Assess
    expect(payload).toEqual({
      attachments: [{
        color: 'good',
        title: '✅ Deployment SUCCESS: CR-2025-001',
        text: '```\nKIS_CORE_V3 Deployment Report\nStatus: SUCCESS\n```',
        fields: [
          { title: 'Duration', value: '1h 2m 3s', short: true },
          { title: 'Operator', value: 'ops-kim', short: true },
        ],
        footer: 'KIS_CORE_V3 Deployment System',
        ts: 1758551400,
      }],
    });
  });

  it.each<[Partial<Notification>, string, string, string]>([
    [{ kind: 'completed', status: 'COMPLETED', severity: 'warning' }, 'SUCCESS', '✅', 'good'],
    [{ kind: 'rolled-back', status: 'ROLLED_BACK', severity: 'warning' }, 'ROLLED_BACK', '🔄', 'warning'],
    [{ kind: 'rollback', status: 'ROLLING_BACK', severity: 'info' }, 'ROLLING_BACK', '🔄', 'warning'],
    [{ kind: 'ended', status: 'FAILED', severity: 'warning' }, 'FAILED', '❌', 'danger'],
    [{ kind: 'preflight-failed', status: undefined, severity: 'warning' }, 'PREFLIGHT_FAILED', '❌', 'danger'],
    [{ kind: 'manual-intervention', status: 'MANUAL_INTERVENTION', severity: 'critical' }, 'MANUAL_INTERVENTION', '❌', 'danger'],
    [{ kind: 'approval-needed', status: undefined, severity: 'info' }, 'AWAITING_APPROVAL', '⚠️', 'good'],
    [{ kind: 'rejected', status: 'REJECTED', severity: 'warning' }, 'REJECTED', '⚠️', 'warning'],
    [{ kind: 'submitted', status: 'SUBMITTED', severity: 'critical' }, 'SUBMITTED', '⚠️', 'danger'],
  ])('should title %j as "%s" with %s and colour %s', (overrides, status, emoji, color) => {
    // Act
    const [attachment] = slackPayload(notification(overrides), { at: AT }).attachments;

    // Assess
    expect(attachment.title).toBe(`${emoji} Deployment ${status}: CR-2025-001`);
    expect(attachment.color).toBe(color);
  });

  it('should name the system in the footer and fall back to "system" and "In Progress"', () => {
    // Act
    const [attachment] = slackPayload(notification({ operator: undefined, durationMs: undefined }), { system: 'BILLING', at: AT }).attachments;

    // Assess
    expect(attachment.footer).toBe('BILLING Deployment System');
    expect(attachment.fields).toEqual([
      { title: 'Duration', value: 'In Progress', short: true },
      { title: 'Operator', value: 'system', short: true },
    ]);
  });

  it('should stamp ts in whole seconds of the given time', () => {
    // Act
    const [attachment] = slackPayload(notification(), { at: new Date(1_758_551_400_999) }).attachments;

    // Assess
    expect(attachment.ts).toBe(1_758_551_400);
  });
});

describe('slackStatus', () => {
  it('should use the change status over the kind', () => {
    // Act
    const status = slackStatus({ kind: 'ended', status: 'CANCELLED' });

    // Assess
    expect(status).toBe('CANCELLED');
  });
});
