// ACT's guards and the quiet end of the monitoring window: a cancelled change is never started, a window timer that
// fires before the watch is armed fails loudly, and a quiet window completes the parked token with { quiet: true }.
import { ChangeCancelled, MonitorNotArmed } from '../../lambdas/core/errors';
import { callbackKey } from '../../lambdas/core/records';
import { beginAct, closeMonitor } from '../../lambdas/phases/act';
import { transition } from '../../lambdas/phases/common';
import { memoryDeps, recordingCallbacks, submitted } from '../support/phase-deps';

describe('beginAct', () => {
  it('should refuse a change cancelled before ACT with ChangeCancelled and leave it untouched', async () => {
    // Arrange
    const deps = memoryDeps();
    await submitted(deps, 'CR-2026-960');
    await transition(deps, 'CR-2026-960', { status: 'SCHEDULED', phase: 'PLAN', message: 'test', patch: { cancelRequest: { by: 'ops', at: '2026-12-02T08:00:00.000Z', reason: 'wrong window' } } });

    // Act
    const begin = beginAct(deps, 'CR-2026-960');

    // Assess
    await expect(begin).rejects.toThrow(ChangeCancelled);
    await expect(begin).rejects.toThrow('cancelled by ops: wrong window');
    const after = await deps.store.getChange('CR-2026-960');
    expect(after?.status).toBe('SCHEDULED');
    expect((await deps.store.listEvents('CR-2026-960')).map((e) => e.type)).not.toContain('metrics.before');
  });

  it('should start a change that was not cancelled: ACTING, with the metrics before it recorded', async () => {
    // Arrange
    const deps = memoryDeps();
    await submitted(deps, 'CR-2026-961');
    await transition(deps, 'CR-2026-961', { status: 'SCHEDULED', phase: 'PLAN', message: 'test' });

    // Act
    const { steps } = await beginAct(deps, 'CR-2026-961');

    // Assess
    expect(steps.length).toBeGreaterThan(0);
    expect((await deps.store.getChange('CR-2026-961'))?.status).toBe('ACTING');
    expect((await deps.store.listEvents('CR-2026-961')).map((e) => e.type)).toContain('metrics.before');
  });
});

describe('closeMonitor', () => {
  it('should fail loudly with MonitorNotArmed naming the change and attempt when no watch is parked', async () => {
    // Arrange
    const callbacks = recordingCallbacks();
    const deps = { ...memoryDeps(), callbacks };
    await submitted(deps, 'CR-2026-962');

    // Act
    const close = closeMonitor(deps, 'CR-2026-962', 1);

    // Assess
    await expect(close).rejects.toThrow(MonitorNotArmed);
    await expect(close).rejects.toThrow('monitoring watch for CR-2026-962 attempt 1 is not armed yet');
    expect(callbacks.sent).toEqual([]);
  });

  it('should complete the parked watch token with { quiet: true } when the window passes quietly, and unpark it', async () => {
    // Arrange
    const callbacks = recordingCallbacks();
    const deps = { ...memoryDeps(), callbacks };
    await submitted(deps, 'CR-2026-963');
    await transition(deps, 'CR-2026-963', { status: 'MONITORING', phase: 'ACT', message: 'test' });
    const key = callbackKey('monitor', 'CR-2026-963', 1);
    await deps.store.putCallback({ key, kind: 'monitor', changeId: 'CR-2026-963', attempt: 1, token: 'watch-token', createdAt: new Date().toISOString() });

    // Act
    const result = await closeMonitor(deps, 'CR-2026-963', 1);

    // Assess
    expect(result).toEqual({ closed: true });
    expect(callbacks.sent).toEqual([{ token: 'watch-token', outcome: 'success', output: { quiet: true } }]);
    expect(await deps.store.getCallback(key)).toBeUndefined();
    expect((await deps.store.listEvents('CR-2026-963')).map((e) => e.type)).toContain('monitor.quiet');
  });
});
