// Detection time at its edges: no ACT steps, a step that succeeded without a finish time, an extra failed step,
// an alarm exactly when the release went live, an alarm without its own (or with an unreadable) transition time,
// events of another attempt, and the rounding to hundredths of a second.
import { detectionOf, releaseLiveAt } from '../../lambdas/core/detection';
import type { ChangeEvent, CommandRecord } from '../../lambdas/core/records';

const command = (stepName: string, finishedAt: string | undefined, status: CommandRecord['status'] = 'Success', attempt = 1, phase: CommandRecord['phase'] = 'ACT'): CommandRecord => ({
  commandId: `cmd-${stepName}`, changeId: 'CR-2026-102', attempt, phase, stepName, document: 'runbook-X', parameters: {},
  status, requestedAt: '2026-12-01T10:00:00.000Z', ...(finishedAt ? { finishedAt } : {}),
});
const event = (type: string, at: string, data?: Record<string, unknown>, attempt = 1): ChangeEvent => ({
  changeId: 'CR-2026-102', attempt, at, id: `${at}-${type}-${attempt}`, actor: 'test', type, message: type, ...(data ? { data } : {}),
});
const LIVE = '2026-12-01T10:00:02.000Z';
const STEPS = [command('deploy', '2026-12-01T10:00:01.000Z'), command('restore-traffic', LIVE)];

describe('releaseLiveAt at its edges', () => {
  it('should not put a release live with no ACT steps, a step without a finish time, or an extra failed step', () => {
    expect(releaseLiveAt([], 0, 1)).toBeUndefined();
    expect(releaseLiveAt([command('deploy', undefined), command('restore-traffic', LIVE)], 2, 1)).toBeUndefined();
    expect(releaseLiveAt([...STEPS, command('retry', '2026-12-01T10:00:03.000Z', 'Failed')], 2, 1)).toBeUndefined();
  });

  it('should read only ACT commands of the attempt, and take the newest finish whatever the order', () => {
    const mixed = [command('restore-traffic', LIVE), command('deploy', '2026-12-01T10:00:01.000Z'), command('rollback', '2026-12-01T10:09:00.000Z', 'Success', 1, 'ROLLBACK'), command('old', '2026-12-01T09:00:00.000Z', 'Success', 2)];
    expect(releaseLiveAt(mixed, 2, 1)).toBe(LIVE);
  });
});

describe('detectionOf at its edges', () => {
  it('should count an alarm at the very instant the release went live, and fall back to the event time', () => {
    // Act
    const d = detectionOf([event('alarm.triggered', LIVE), event('rollback.started', '2026-12-01T10:00:04.123Z')], STEPS, 2, 1);

    // Assess: no alarm name, no transition time: the event's own time; 2.123 s rounds to 2.12
    expect(d).toEqual({ releaseLiveAt: LIVE, alarmAt: LIVE, rollbackStartedAt: '2026-12-01T10:00:04.123Z', seconds: 2.12 });
  });

  it('should ignore an unreadable transition time and a non-text alarm name', () => {
    // Act
    const d = detectionOf([
      event('alarm.triggered', '2026-12-01T10:00:03.000Z', { alarmName: 7, state: { timestamp: 'soon' } }),
      event('rollback.started', '2026-12-01T10:00:04.005Z'),
    ], STEPS, 2, 1);

    // Assess: 2.005 s rounds half up to 2.01
    expect(d).toEqual({ releaseLiveAt: LIVE, alarmAt: '2026-12-01T10:00:03.000Z', rollbackStartedAt: '2026-12-01T10:00:04.005Z', seconds: 2.01 });
  });

  it('should normalise the alarm\'s transition time to ISO and ignore another attempt\'s events', () => {
    // Act
    const d = detectionOf([
      event('alarm.triggered', '2026-12-01T10:00:02.500Z', undefined, 2),
      event('rollback.started', '2026-12-01T10:00:02.600Z', undefined, 2),
      event('alarm.triggered', '2026-12-01T10:00:03.000Z', { alarmName: 'lat', state: { timestamp: '2026-12-01T10:00:02.900+00:00' } }),
      event('rollback.started', '2026-12-01T10:00:05.000Z'),
    ], STEPS, 2, 1);

    // Assess
    expect(d).toEqual({ releaseLiveAt: LIVE, alarmAt: '2026-12-01T10:00:02.900Z', rollbackStartedAt: '2026-12-01T10:00:05.000Z', seconds: 3, alarmName: 'lat' });
  });
});
