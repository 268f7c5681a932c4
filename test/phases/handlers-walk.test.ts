// The phase handlers called as the state machine calls them, in-process over the memory store and fakes: one change
// walked from PREFLIGHT to its report, and one rolled back, each step's answer as the ASL reads it.
import { handle as act } from '../../lambdas/handlers/act';
import { handle as plan } from '../../lambdas/handlers/plan';
import { handle as preflight } from '../../lambdas/handlers/preflight';
import { handle as report } from '../../lambdas/handlers/report';
import { handle as rollback } from '../../lambdas/handlers/rollback';
import { handle as testPhase } from '../../lambdas/handlers/test';
import { callbackKey } from '../../lambdas/core/records';
import { transition } from '../../lambdas/phases/common';
import { memoryDeps, recordingCallbacks, submitted } from '../support/phase-deps';

const ID = 'CR-2026-970';
const task = (step: string, patch: Record<string, unknown> = {}): Record<string, unknown> => ({ step, changeId: ID, attempt: 1, ...patch });

describe('a change walked through the phase handlers', () => {
  it('should answer each PREFLIGHT and PLAN step as the state machine reads it', async () => {
    // Arrange
    const deps = { ...memoryDeps(), callbacks: recordingCallbacks() };
    await submitted(deps, ID);

    // Act
    const started = await preflight(task('start'), deps);
    const health = await preflight(task('system-health', { taskToken: 't-health' }), deps);
    const dependencies = await preflight(task('dependencies', { taskToken: 't-deps' }), deps);
    const backup = await preflight(task('backup', { taskToken: 't-backup' }), deps);
    const passed = await preflight(task('passed', { results: { checked: 3 } }), deps);
    const risk = await plan(task('assess-risk'), deps);
    const alarms = await plan(task('check-alarms'), deps);

    // Assess
    const change = await deps.store.getChange(ID);
    expect(started).toEqual({ environment: 'test-env', plannedStart: new Date(change?.request.timeline.planned_start ?? 0).toISOString(), monitorWindowSeconds: change?.profile.monitoring.windowSeconds });
    expect(change?.status).toBe('PREFLIGHT');
    const commands = await deps.store.listCommands(ID, 1);
    expect([health, dependencies, backup]).toEqual(commands.map((c) => ({ commandId: c.commandId })));
    expect(commands.map((c) => c.stepName)).toEqual(['preflight-system-health', 'preflight-dependencies', 'preflight-backup']);
    expect(passed).toEqual({ passed: true });
    const events = await deps.store.listEvents(ID);
    expect(events.find((e) => e.type === 'preflight.passed')?.data).toMatchObject({ results: { checked: 3 } });
    expect(risk).toEqual({ level: change?.risk.level, score: change?.risk.score, requiredApprovals: change?.requiredApprovals });
    expect(alarms).toEqual({ clear: true });
  });

  it('should answer each ACT, TEST and REPORT step as the state machine reads it', async () => {
    // Arrange
    const callbacks = recordingCallbacks();
    const deps = { ...memoryDeps(), callbacks };
    await submitted(deps, ID);
    await transition(deps, ID, { status: 'SCHEDULED', phase: 'PLAN', message: 'test' });

    // Act
    const begun = (await act(task('begin'), deps)) as { steps: Record<string, unknown>[] };
    const ran = await act(task('run-command', { taskToken: 't-step', command: begun.steps[0] }), deps);
    const armed = await act(task('monitor-arm', { taskToken: 't-watch' }), deps);
    const parked = await deps.store.getCallback(callbackKey('monitor', ID, 1));
    const closed = await act(task('monitor-close'), deps);
    const smoke = await testPhase(task('smoke'), deps);
    const performance = await testPhase(task('performance'), deps);
    const reported = await report(task('completed'), deps);

    // Assess
    expect(begun.steps.length).toBeGreaterThan(0);
    expect(ran).toEqual({ commandId: expect.any(String) });
    expect(armed).toEqual({ armed: true });
    expect(parked?.token).toBe('t-watch');
    expect(closed).toEqual({ closed: true });
    expect(callbacks.sent).toEqual(expect.arrayContaining([expect.objectContaining({ token: 't-watch', outcome: 'success' })]));
    expect(smoke).toEqual(expect.objectContaining({ passed: expect.any(Number), failed: expect.any(Number) }));
    expect(performance).toMatchObject({ requests: expect.any(Number), p95Ms: expect.any(Number) });
    expect(reported).toEqual({ status: 'COMPLETED', attemptsExhausted: false });
    expect((await deps.store.getChange(ID))?.status).toBe('COMPLETED');
  });

  it('should begin a rollback with the failure that caused it, run its steps, and report it rolled back with both failures', async () => {
    // Arrange
    const deps = { ...memoryDeps(), callbacks: recordingCallbacks() };
    await submitted(deps, ID);
    await transition(deps, ID, { status: 'SCHEDULED', phase: 'PLAN', message: 'test' });
    await act(task('begin'), deps);
    const failure = { Error: 'AlarmTriggered', Cause: 'p95 above the limit' };

    // Act
    const begun = (await rollback(task('begin', { failure }), deps)) as { steps: Record<string, unknown>[] };
    const ran = await rollback(task('run-command', { taskToken: 't-rb', command: begun.steps[0] }), deps);
    await report(task('manual-intervention', { failure, rollbackFailure: { Error: 'StepFailed', Cause: 'rollback-release failed' } }), deps);

    // Assess
    expect(begun.steps.length).toBeGreaterThan(0);
    expect(ran).toEqual({ commandId: expect.any(String) });
    const change = await deps.store.getChange(ID);
    expect(change?.status).toBe('MANUAL_INTERVENTION');
    expect(change?.reason).toContain('rollback-release failed');
    const text = JSON.stringify(await deps.store.listEvents(ID));
    expect(text).toContain('p95 above the limit');
    expect(text).toContain('rollback-release failed');
  });

  it('should end a failed pre-flight with the failure the report step was given as the change\'s reason', async () => {
    // Arrange
    const deps = { ...memoryDeps(), callbacks: recordingCallbacks() };
    await submitted(deps, ID);
    await preflight(task('start'), deps);

    // Act
    await report(task('preflight-failed', { failure: { Error: 'PreflightCheckFailed', Cause: 'disk 97 % full' } }), deps);

    // Assess
    expect((await deps.store.getChange(ID))?.reason).toContain('disk 97 % full');
  });
});
