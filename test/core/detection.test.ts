// Detection time: from the release going live (every ACT step done) to the alarm and to the rollback starting.
import { detectionOf, releaseLiveAt } from '../../lambdas/core/detection';
import type { ChangeEvent, CommandRecord } from '../../lambdas/core/records';

const command = (stepName: string, finishedAt: string | undefined, status: CommandRecord['status'] = 'Success', attempt = 1): CommandRecord => ({
  commandId: `cmd-${stepName}`, changeId: 'CR-2026-101', attempt, phase: 'ACT', stepName, document: 'runbook-X', parameters: {},
  status, requestedAt: '2026-12-01T10:00:00.000Z', ...(finishedAt ? { finishedAt } : {}),
});
const event = (type: string, at: string, data?: Record<string, unknown>, attempt = 1): ChangeEvent => ({
  changeId: 'CR-2026-101', attempt, at, id: `${at}-${type}`, actor: 'test', type, message: type, ...(data ? { data } : {}),
});

const STEPS = [command('block-traffic', '2026-12-01T10:00:01.000Z'), command('deploy', '2026-12-01T10:00:02.000Z'), command('restore-traffic', '2026-12-01T10:00:03.250Z')];

describe('detection', () => {
  it('should put the release live when the last ACT step finished, and not before every step succeeded', () => {
    expect(releaseLiveAt(STEPS, 3, 1)).toBe('2026-12-01T10:00:03.250Z');
    expect(releaseLiveAt(STEPS.slice(0, 2), 3, 1)).toBeUndefined();
    expect(releaseLiveAt([...STEPS.slice(0, 2), command('restore-traffic', '2026-12-01T10:00:03.250Z', 'Failed')], 3, 1)).toBeUndefined();
    expect(releaseLiveAt(STEPS, 3, 2)).toBeUndefined();
  });

  it('should measure from the release going live to the rollback starting, with the alarm\'s own transition time', () => {
    // Prepare
    const events = [
      event('alarm.triggered', '2026-12-01T10:00:06.900Z', { alarmName: 'runbook-local-demo-error-rate', state: { value: 'ALARM', timestamp: '2026-12-01T10:00:06.800Z' } }),
      event('rollback.started', '2026-12-01T10:00:07.100Z'),
    ];

    // Act
    const d = detectionOf(events, STEPS, 3, 1);

    // Assess
    expect(d).toEqual({
      releaseLiveAt: '2026-12-01T10:00:03.250Z', alarmAt: '2026-12-01T10:00:06.800Z', rollbackStartedAt: '2026-12-01T10:00:07.100Z',
      seconds: 3.85, alarmName: 'runbook-local-demo-error-rate',
    });
  });

  it('should give nothing when the rollback was not started by an alarm after the release went live', () => {
    const failedStep = [event('rollback.started', '2026-12-01T10:00:04.000Z')];
    const alarmBeforeLive = [event('alarm.triggered', '2026-12-01T10:00:02.500Z', { alarmName: 'a' }), event('rollback.started', '2026-12-01T10:00:04.000Z')];
    expect(detectionOf(failedStep, STEPS, 3, 1)).toBeUndefined();
    expect(detectionOf(alarmBeforeLive, STEPS, 3, 1)).toBeUndefined();
    expect(detectionOf([event('alarm.triggered', '2026-12-01T10:00:05.000Z', { alarmName: 'a' })], STEPS, 3, 1)).toBeUndefined();
  });
});
