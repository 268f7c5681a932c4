// ACT's functions called directly over the memory store: runStep's refusals (cancel, pending alarm, wrong status or
// attempt, an earlier failed step), the monitoring window's arming and closing, and the release metrics it records.
import { AlarmTriggered, StepRefused } from '../../lambdas/core/errors';
import { rollbackAlarmNames } from '../../lambdas/core/events';
import { callbackKey, type ChangeRecord, type CommandRecord } from '../../lambdas/core/records';
import { armMonitor, beginAct, closeMonitor, failMonitor, metricsWindowSeconds, recordReleaseMetrics, runStep } from '../../lambdas/phases/act';
import { resolveSteps } from '../../lambdas/phases/common';
import type { AlarmStateValue, Logger, MetricsPeriod } from '../../lambdas/ports';
import { memoryDeps, recordingCallbacks, submitted, type MemoryDeps } from '../support/phase-deps';

const NOW = new Date('2026-12-02T10:00:00.000Z');
const names = rollbackAlarmNames('test-env');

type Deps = MemoryDeps & { callbacks: ReturnType<typeof recordingCallbacks> };

function fixedDeps(): Deps {
  return { ...memoryDeps(), clock: { now: () => NOW }, callbacks: recordingCallbacks() };
}

async function changeAt(deps: MemoryDeps, id: string, patch: Partial<ChangeRecord>): Promise<ChangeRecord> {
  const change = await submitted(deps, id);
  return deps.store.updateChange(id, change.version, patch);
}

function command(change: ChangeRecord, index: number, patch: Partial<CommandRecord>): CommandRecord {
  const step = change.profile.act.steps[index];
  return {
    commandId: `cmd-${index}`, changeId: change.id, attempt: 1, phase: 'ACT', stepName: step?.name ?? 'x', document: step?.document ?? 'x',
    parameters: {}, status: 'Success', requestedAt: NOW.toISOString(), ...patch,
  };
}

const parkMonitor = (deps: MemoryDeps, changeId: string): Promise<void> =>
  deps.store.putCallback({ key: callbackKey('monitor', changeId, 1), kind: 'monitor', changeId, attempt: 1, token: 'watch-token', createdAt: NOW.toISOString() });

describe('metricsWindowSeconds and beginAct', () => {
  it('should sample over the evaluation range and record the metrics before the change over it', async () => {
    // Arrange
    const deps = fixedDeps();
    const base = await submitted(deps, 'CR-2026-900');
    await deps.store.updateChange(base.id, base.version, { profile: { ...base.profile, monitoring: { ...base.profile.monitoring, periodSeconds: 7, evaluationPeriods: 3 } } });
    const windows: number[] = [];
    deps.metrics = { snapshot: async (s: number) => { windows.push(s); return { p95Ms: 1, errorRate: 0, requests: 5, at: NOW.toISOString(), windowSeconds: s }; } };

    // Act
    const { steps } = await beginAct(deps, base.id);

    // Assess
    expect(metricsWindowSeconds(7, 3)).toBe(21);
    expect(windows).toEqual([21]);
    expect(steps.map((s) => s.name)).toEqual(base.profile.act.steps.map((s) => s.name));
    const before = (await deps.store.listEvents(base.id)).find((e) => e.type === 'metrics.before');
    expect(before).toMatchObject({ phase: 'ACT', message: 'metrics before the change', data: { metrics: { requests: 5, windowSeconds: 21 } } });
    expect((await deps.store.listEvents(base.id)).find((e) => e.type === 'status.acting')?.message).toBe('ACT started: running the change steps');
    expect(await deps.store.getChange(base.id)).toMatchObject({ status: 'ACTING', phase: 'ACT' });
  });
});

describe('runStep', () => {
  it('should refuse an ACT step of a cancelled change, naming the step and the cancel', async () => {
    // Arrange
    const deps = fixedDeps();
    const change = await changeAt(deps, 'CR-2026-901', { status: 'ACTING', phase: 'ACT', cancelRequest: { by: 'ops', at: NOW.toISOString(), reason: 'stop' } });
    const [step] = resolveSteps(change, 'ACT');

    // Act
    const running = runStep(deps, { changeId: change.id, attempt: 1, taskToken: 't', command: step as NonNullable<typeof step> });

    // Assess
    await expect(running).rejects.toThrow(StepRefused);
    await expect(running).rejects.toThrow(`${step?.name}: refused, cancelled by ops: stop`);
    expect(deps.hosts.sent).toEqual([]);
  });

  it('should still run a ROLLBACK step of a cancelled change with an alarm pending', async () => {
    // Arrange
    const deps = fixedDeps();
    const change = await changeAt(deps, 'CR-2026-902', {
      status: 'ROLLING_BACK', phase: 'ROLLBACK', cancelRequest: { by: 'ops', at: NOW.toISOString(), reason: null },
      alarmRollback: { attempt: 1, alarmName: names.errorRate, reason: 'breach', at: NOW.toISOString() },
    });
    const [step] = resolveSteps(change, 'ROLLBACK');

    // Act
    const { commandId } = await runStep(deps, { changeId: change.id, attempt: 1, taskToken: 't', command: step as NonNullable<typeof step> });

    // Assess
    expect(commandId).toMatch(/^cmd-/);
    expect(deps.hosts.stepNames()).toEqual([step?.name]);
  });

  it('should refuse the next ACT step with AlarmTriggered once an alarm of this attempt is pending, and not for another attempt', async () => {
    // Arrange
    const deps = fixedDeps();
    const change = await changeAt(deps, 'CR-2026-903', { status: 'ACTING', phase: 'ACT', alarmRollback: { attempt: 1, alarmName: names.latency, reason: 'p95 high', at: NOW.toISOString() } });
    const otherDeps = fixedDeps();
    const other = await changeAt(otherDeps, 'CR-2026-904', { status: 'ACTING', phase: 'ACT', attempt: 2, alarmRollback: { attempt: 1, alarmName: names.latency, reason: 'p95 high', at: NOW.toISOString() } });
    const [step] = resolveSteps(change, 'ACT');

    // Act
    const refused = runStep(deps, { changeId: change.id, attempt: 1, taskToken: 't', command: step as NonNullable<typeof step> });
    const sent = await runStep(otherDeps, { changeId: other.id, attempt: 2, taskToken: 't', command: step as NonNullable<typeof step> });

    // Assess
    await expect(refused).rejects.toThrow(AlarmTriggered);
    await expect(refused).rejects.toThrow(`${step?.name}: refused, ${names.latency}: p95 high`);
    expect(sent.commandId).toMatch(/^cmd-/);
  });

  it('should refuse a step when the change is not in its phase\'s status or on another attempt', async () => {
    // Arrange
    const deps = fixedDeps();
    const monitoring = await changeAt(deps, 'CR-2026-905', { status: 'MONITORING', phase: 'ACT' });
    const actingDeps = fixedDeps();
    const acting = await changeAt(actingDeps, 'CR-2026-906', { status: 'ACTING', phase: 'ACT', attempt: 2 });
    const [act] = resolveSteps(monitoring, 'ACT');
    const [rollback] = resolveSteps(monitoring, 'ROLLBACK');

    // Act
    const wrongStatus = runStep(deps, { changeId: monitoring.id, attempt: 1, taskToken: 't', command: act as NonNullable<typeof act> });
    const wrongPhase = runStep(actingDeps, { changeId: acting.id, attempt: 2, taskToken: 't', command: rollback as NonNullable<typeof rollback> });
    const wrongAttempt = runStep(actingDeps, { changeId: acting.id, attempt: 1, taskToken: 't', command: act as NonNullable<typeof act> });

    // Assess
    await expect(wrongStatus).rejects.toThrow(`${act?.name}: refused, change CR-2026-905 is MONITORING (attempt 1), not ACTING`);
    await expect(wrongPhase).rejects.toThrow(`${rollback?.name}: refused, change CR-2026-906 is ACTING (attempt 2), not ROLLING_BACK`);
    await expect(wrongAttempt).rejects.toThrow(`${act?.name}: refused, change CR-2026-906 is ACTING (attempt 2), not ACTING`);
    expect([...deps.hosts.sent, ...actingDeps.hosts.sent]).toEqual([]);
  });

  it('should refuse a step after an earlier step of its phase and attempt ended otherwise than Success', async () => {
    // Arrange
    const deps = fixedDeps();
    const change = await changeAt(deps, 'CR-2026-907', { status: 'ACTING', phase: 'ACT' });
    await deps.store.putCommand(command(change, 0, { commandId: 'c0', status: 'Success' }));
    await deps.store.putCommand(command(change, 1, { commandId: 'c1', status: 'TimedOut' }));
    const steps = resolveSteps(change, 'ACT');

    // Act
    const running = runStep(deps, { changeId: change.id, attempt: 1, taskToken: 't', command: steps[2] as NonNullable<(typeof steps)[number]> });

    // Assess
    await expect(running).rejects.toThrow(`${steps[2]?.name}: refused, ${steps[1]?.name} already ended TimedOut`);
  });

  it('should send a step while earlier ones succeeded or still run, a failed step of another phase or attempt not counting', async () => {
    // Arrange
    const deps = fixedDeps();
    const change = await changeAt(deps, 'CR-2026-908', { status: 'ACTING', phase: 'ACT' });
    await deps.store.putCommand(command(change, 0, { commandId: 'c0', status: 'Success' }));
    await deps.store.putCommand(command(change, 1, { commandId: 'c1', status: 'InProgress' }));
    await deps.store.putCommand(command(change, 2, { commandId: 'c2', status: 'Pending' }));
    await deps.store.putCommand(command(change, 0, { commandId: 'c3', status: 'Failed', phase: 'ROLLBACK' }));
    await deps.store.putCommand(command(change, 0, { commandId: 'c4', status: 'Failed', attempt: 2 }));
    const steps = resolveSteps(change, 'ACT');
    const last = steps[3] as NonNullable<(typeof steps)[number]>;

    // Act
    const { commandId } = await runStep(deps, { changeId: change.id, attempt: 1, taskToken: 'tok', command: last });

    // Assess
    const sent = await deps.store.getCommand(commandId);
    expect(sent).toMatchObject({ stepName: last.name, phase: 'ACT', taskToken: 'tok', attempt: 1 });
    expect(await deps.store.getCallback(callbackKey('command', change.id, 1, 'ACT:3'))).toMatchObject({ data: { commandId } });
  });
});

describe('armMonitor', () => {
  it('should park the watch token and open the window, failing nothing while the alarms are quiet', async () => {
    // Arrange
    const deps = fixedDeps();
    const change = await changeAt(deps, 'CR-2026-910', { status: 'ACTING', phase: 'ACT' });

    // Act
    await armMonitor(deps, change.id, 1, 'watch-token');

    // Assess
    expect(await deps.store.getChange(change.id)).toMatchObject({ status: 'MONITORING', phase: 'ACT' });
    const opened = (await deps.store.listEvents(change.id)).find((e) => e.type === 'status.monitoring');
    expect(opened?.message).toBe(`monitoring window open for ${change.profile.monitoring.windowSeconds}s: watching the rollback alarms`);
    expect(await deps.store.getCallback(callbackKey('monitor', change.id, 1))).toMatchObject({ token: 'watch-token', kind: 'monitor', createdAt: NOW.toISOString() });
    expect(deps.callbacks.sent).toEqual([]);
  });

  it('should end the window at once with ChangeCancelled when the change was cancelled during the last step', async () => {
    // Arrange
    const deps = fixedDeps();
    const change = await changeAt(deps, 'CR-2026-911', { status: 'ACTING', phase: 'ACT', cancelRequest: { by: 'ops', at: NOW.toISOString(), reason: 'enough' } });

    // Act
    await armMonitor(deps, change.id, 1, 'watch-token');

    // Assess
    expect(deps.callbacks.sent).toEqual([{ token: 'watch-token', outcome: 'failure', error: 'ChangeCancelled', cause: 'cancelled by ops: enough' }]);
    expect(await deps.store.getCallback(callbackKey('monitor', change.id, 1))).toBeUndefined();
  });

  it('should fail the window with the alarm that went off during ACT, without reading the alarms', async () => {
    // Arrange
    const deps = fixedDeps();
    const change = await changeAt(deps, 'CR-2026-912', { status: 'ACTING', phase: 'ACT', alarmRollback: { attempt: 1, alarmName: names.latency, reason: 'p95 high', at: NOW.toISOString() } });
    const fake = deps.alarms as unknown as { reads: number };

    // Act
    await armMonitor(deps, change.id, 1, 'watch-token');

    // Assess
    expect(deps.callbacks.sent).toEqual([{ token: 'watch-token', outcome: 'failure', error: 'AlarmTriggered', cause: `${names.latency}: p95 high` }]);
    expect(fake.reads).toBe(0);
  });

  it('should fail the window with every alarm already breaching as it opens', async () => {
    // Arrange
    const deps = fixedDeps();
    const change = await changeAt(deps, 'CR-2026-913', { status: 'ACTING', phase: 'ACT' });
    const fake = deps.alarms as unknown as { state: Map<string, AlarmStateValue> };
    fake.state.set(names.latency, 'ALARM').set(names.errorRate, 'ALARM');

    // Act
    await armMonitor(deps, change.id, 1, 'watch-token');

    // Assess
    expect(deps.callbacks.sent).toEqual([{ token: 'watch-token', outcome: 'failure', error: 'AlarmTriggered', cause: `${names.latency}: set by test; ${names.errorRate}: set by test` }]);
  });
});

describe('failMonitor', () => {
  it('should say false when no watch is parked, and what the callback said when one was, unparking it', async () => {
    // Arrange
    const deps = fixedDeps();
    const change = await changeAt(deps, 'CR-2026-914', { status: 'MONITORING', phase: 'ACT' });
    const none = await failMonitor(deps, change.id, 1, 'why');
    await parkMonitor(deps, change.id);
    deps.callbacks.sendTaskFailure = async () => false;

    // Act
    const expired = await failMonitor(deps, change.id, 1, 'why');

    // Assess
    expect(none).toBe(false);
    expect(expired).toBe(false);
    expect(await deps.store.getCallback(callbackKey('monitor', change.id, 1))).toBeUndefined();
  });

  it('should say true once it failed the parked token', async () => {
    // Arrange
    const deps = fixedDeps();
    const change = await changeAt(deps, 'CR-2026-915', { status: 'MONITORING', phase: 'ACT' });
    await parkMonitor(deps, change.id);

    // Act
    const failed = await failMonitor(deps, change.id, 1, 'why');

    // Assess
    expect(failed).toBe(true);
    expect(deps.callbacks.sent).toEqual([{ token: 'watch-token', outcome: 'failure', error: 'AlarmTriggered', cause: 'why' }]);
  });
});

describe('closeMonitor', () => {
  it('should fail the window when an alarm is in ALARM at its end even though no event came', async () => {
    // Arrange
    const deps = fixedDeps();
    const change = await changeAt(deps, 'CR-2026-920', { status: 'MONITORING', phase: 'ACT' });
    await parkMonitor(deps, change.id);
    (deps.alarms as unknown as { state: Map<string, AlarmStateValue> }).state.set(names.errorRate, 'ALARM');

    // Act
    const result = await closeMonitor(deps, change.id, 1);

    // Assess
    expect(result).toEqual({ closed: false });
    expect(deps.callbacks.sent).toEqual([{ token: 'watch-token', outcome: 'failure', error: 'AlarmTriggered', cause: `${names.errorRate}: set by test` }]);
    expect((await deps.store.listEvents(change.id)).map((e) => e.type)).not.toContain('monitor.quiet');
  });

  it('should fail the window on a metric silent over the evaluation range when missing data is breaching (probe)', async () => {
    // Arrange
    const deps = fixedDeps();
    const base = await submitted(deps, 'CR-2026-921');
    const monitoring = { ...base.profile.monitoring, missingData: 'breaching' as const, source: 'probe' as const, periodSeconds: 30, evaluationPeriods: 3, recentDataSeconds: 600 };
    await deps.store.updateChange(base.id, base.version, { status: 'MONITORING', phase: 'ACT', profile: { ...base.profile, monitoring } });
    await parkMonitor(deps, base.id);
    const lookbacks: number[] = [];
    const fake = deps.alarms as unknown as { newestDatapoints: (n: string[], l: number) => Promise<{ name: string; newestAt?: string; missing?: boolean }[]> };
    fake.newestDatapoints = async (ns, l) => { lookbacks.push(l); return [{ name: ns[0] as string }, { name: ns[1] as string, missing: true }]; };

    // Act
    const result = await closeMonitor(deps, base.id, 1);

    // Assess
    expect(result).toEqual({ closed: false });
    expect(lookbacks).toEqual([90]);
    expect(deps.callbacks.sent).toEqual([{ token: 'watch-token', outcome: 'failure', error: 'AlarmTriggered', cause: `${names.latency}: no datapoint in the last 90 s (missing data counts as breaching)` }]);
  });

  it('should look back at least a minute and at most recentDataSeconds with the probe, and recentDataSeconds with CloudWatch', async () => {
    // Arrange
    const lookbacks: number[] = [];
    const run = async (id: string, monitoring: Record<string, unknown>): Promise<void> => {
      const deps = fixedDeps();
      const base = await submitted(deps, id);
      await deps.store.updateChange(base.id, base.version, { status: 'MONITORING', phase: 'ACT', profile: { ...base.profile, monitoring: { ...base.profile.monitoring, missingData: 'breaching', ...monitoring } } });
      await parkMonitor(deps, base.id);
      const fake = deps.alarms as unknown as { newestDatapoints: (n: string[], l: number) => Promise<{ name: string; newestAt?: string }[]> };
      fake.newestDatapoints = async (ns, l) => { lookbacks.push(l); return ns.map((name) => ({ name, newestAt: NOW.toISOString() })); };
      await closeMonitor(deps, base.id, 1);
    };

    // Act
    await run('CR-2026-922', { source: 'probe', periodSeconds: 1, evaluationPeriods: 2, recentDataSeconds: 600 });
    await run('CR-2026-923', { source: 'probe', periodSeconds: 60, evaluationPeriods: 5, recentDataSeconds: 120 });
    await run('CR-2026-924', { source: 'cloudwatch', periodSeconds: 60, evaluationPeriods: 5, recentDataSeconds: 900 });

    // Assess
    expect(lookbacks).toEqual([60, 120, 900]);
  });

  it('should not ask about silence when missing data is not breaching', async () => {
    // Arrange
    const deps = fixedDeps();
    const base = await submitted(deps, 'CR-2026-925');
    await deps.store.updateChange(base.id, base.version, { status: 'MONITORING', phase: 'ACT', profile: { ...base.profile, monitoring: { ...base.profile.monitoring, missingData: 'notBreaching' } } });
    await parkMonitor(deps, base.id);
    let asked = 0;
    (deps.alarms as unknown as { newestDatapoints: () => Promise<never[]> }).newestDatapoints = async () => { asked += 1; return []; };

    // Act
    const result = await closeMonitor(deps, base.id, 1);

    // Assess
    expect(result).toEqual({ closed: true });
    expect(asked).toBe(0);
  });
  it('should fail the window with every alarm in ALARM at its end, joined', async () => {
    // Arrange
    const deps = fixedDeps();
    const change = await changeAt(deps, 'CR-2026-926', { status: 'MONITORING', phase: 'ACT' });
    await parkMonitor(deps, change.id);
    (deps.alarms as unknown as { state: Map<string, AlarmStateValue> }).state.set(names.latency, 'ALARM').set(names.errorRate, 'ALARM');

    // Act
    await closeMonitor(deps, change.id, 1);

    // Assess
    expect(deps.callbacks.sent).toEqual([{ token: 'watch-token', outcome: 'failure', error: 'AlarmTriggered', cause: `${names.latency}: set by test; ${names.errorRate}: set by test` }]);
  });

  it('should record the quiet end of the window in ACT before completing the token', async () => {
    // Arrange
    const deps = fixedDeps();
    const change = await changeAt(deps, 'CR-2026-927', { status: 'MONITORING', phase: 'ACT' });
    await parkMonitor(deps, change.id);

    // Act
    await closeMonitor(deps, change.id, 1);

    // Assess
    expect((await deps.store.listEvents(change.id)).find((e) => e.type === 'monitor.quiet')).toMatchObject({ phase: 'ACT', attempt: 1, message: 'monitoring window passed quietly' });
    expect(deps.callbacks.sent).toEqual([{ token: 'watch-token', outcome: 'success', output: { quiet: true } }]);
  });
});

describe('recordReleaseMetrics', () => {
  function liveChange(deps: MemoryDeps, change: ChangeRecord, finishedAt: string[]): Promise<void[]> {
    return Promise.all(change.profile.act.steps.map((_, i) => deps.store.putCommand(command(change, i, { commandId: `live-${i}`, finishedAt: finishedAt[i] }))));
  }

  it('should record nothing when the release never went live', async () => {
    // Arrange
    const deps = fixedDeps();
    const change = await changeAt(deps, 'CR-2026-930', { status: 'MONITORING', phase: 'ACT' });
    await deps.store.putCommand(command(change, 0, { finishedAt: NOW.toISOString() }));

    // Act
    await recordReleaseMetrics(deps, change, 1);

    // Assess
    expect((await deps.store.listEvents(change.id)).map((e) => e.type)).not.toContain('metrics.release');
  });

  it('should record the metrics since the last ACT step finished, rounded up to whole seconds, with the series', async () => {
    // Arrange
    const deps = fixedDeps();
    const change = await changeAt(deps, 'CR-2026-931', { status: 'MONITORING', phase: 'ACT' });
    const last = new Date(NOW.getTime() - 41_500).toISOString();
    await liveChange(deps, change, change.profile.act.steps.map((_, i) => (i === 1 ? last : new Date(NOW.getTime() - 90_000).toISOString())));
    const windows: number[] = [];
    const series: MetricsPeriod[] = [{ at: NOW.toISOString(), p95Ms: 3, errorRate: 0, requests: 1 } as MetricsPeriod];
    deps.metrics = {
      snapshot: async (s: number) => { windows.push(s); return { p95Ms: 1, errorRate: 0, requests: 5, at: NOW.toISOString(), windowSeconds: s }; },
      series: async (s: number) => { windows.push(-s); return series; },
    };

    // Act
    await recordReleaseMetrics(deps, change, 1);

    // Assess
    expect(windows).toEqual([42, -42]);
    const event = (await deps.store.listEvents(change.id)).find((e) => e.type === 'metrics.release');
    expect(event).toMatchObject({ phase: 'ACT', attempt: 1, message: 'metrics of the release while it was live (42s)', data: { releaseLiveAt: last, series, metrics: { windowSeconds: 42 } } });
  });

  it('should ask for at least one second, and leave the series out when reading it fails', async () => {
    // Arrange
    const deps = fixedDeps();
    const change = await changeAt(deps, 'CR-2026-932', { status: 'MONITORING', phase: 'ACT' });
    await liveChange(deps, change, change.profile.act.steps.map(() => new Date(NOW.getTime() + 5_000).toISOString()));
    const windows: number[] = [];
    deps.metrics = {
      snapshot: async (s: number) => { windows.push(s); return { p95Ms: 1, errorRate: 0, requests: 5, at: NOW.toISOString(), windowSeconds: s }; },
      series: async () => { throw new Error('no series'); },
    };

    // Act
    await recordReleaseMetrics(deps, change, 1);

    // Assess
    expect(windows).toEqual([1]);
    const event = (await deps.store.listEvents(change.id)).find((e) => e.type === 'metrics.release');
    expect(event?.data && Object.keys(event.data).sort()).toEqual(['metrics', 'releaseLiveAt']);
  });

  it('should warn and record nothing when the metrics cannot be read', async () => {
    // Arrange
    const warnings: { message: string; data: unknown }[] = [];
    const log: Logger = { info: () => undefined, error: () => undefined, warn: (message: string, data?: unknown) => { warnings.push({ message, data }); } };
    const deps = { ...fixedDeps(), log };
    const change = await changeAt(deps, 'CR-2026-933', { status: 'MONITORING', phase: 'ACT' });
    await liveChange(deps, change, change.profile.act.steps.map(() => NOW.toISOString()));
    deps.metrics = { snapshot: async () => { throw new Error('throttled'); } };

    // Act
    await recordReleaseMetrics(deps, change, 1);

    // Assess
    expect(warnings).toEqual([{ message: 'reading the release metrics failed', data: { changeId: change.id, error: 'throttled' } }]);
    expect((await deps.store.listEvents(change.id)).map((e) => e.type)).not.toContain('metrics.release');
  });
});
