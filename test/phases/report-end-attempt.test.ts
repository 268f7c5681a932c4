// endAttempt over the memory store, without the engine: the report it stores, the status, event and lock it leaves,
// the notification it sends, which checks it runs for which outcome, and how it stops the active probe.
import type { ChangeRecord } from '../../lambdas/core/records';
import type { ActiveProbe, Clock, Logger } from '../../lambdas/ports';
import { endAttempt, recordLine, verdictFor } from '../../lambdas/phases/report';
import { testProfile } from '../support/fixtures';
import { memoryDeps, submitted, type MemoryDeps } from '../support/phase-deps';

/** A clock that moves on a second every time it is read. */
function steppingClock(start = Date.parse('2026-12-02T09:00:00.000Z')): Clock {
  let t = start;
  return { now: () => { t += 1000; return new Date(t); } };
}

function errorLog(): Logger & { errors: { message: string; fields: Record<string, unknown> | undefined }[] } {
  const errors: { message: string; fields: Record<string, unknown> | undefined }[] = [];
  return { errors, info: () => undefined, warn: () => undefined, error: (message: string, fields?: Record<string, unknown>) => { errors.push({ message, fields }); } };
}

async function setup(id: string, patch: Partial<ChangeRecord> = {}): Promise<{ deps: MemoryDeps; change: ChangeRecord; snapshots: number[]; smokes: string[] }> {
  const deps = memoryDeps();
  deps.clock = steppingClock();
  const snapshots: number[] = [];
  const snapshot = deps.metrics.snapshot.bind(deps.metrics);
  deps.metrics = { ...deps.metrics, snapshot: async (w: number) => { snapshots.push(w); return snapshot(w); } };
  const smokes: string[] = [];
  const smoke = deps.tester.smoke.bind(deps.tester);
  deps.tester = { ...deps.tester, smoke: async (base, checks, login) => { smokes.push(`${base}${checks[0]?.path}`); return smoke(base, checks, login); }, load: deps.tester.load.bind(deps.tester) };
  const stored = await submitted(deps, id);
  const change = await deps.store.updateChange(id, stored.version, patch);
  return { deps, change, snapshots, smokes };
}

describe('endAttempt: a completed change', () => {
  it('should store the report, close the change COMPLETED, free its environment and notify with the summary and the record', async () => {
    // Arrange
    const { deps, change, snapshots, smokes } = await setup('CR-2026-970', { profile: testProfile({ monitoring: { windowSeconds: 1, periodSeconds: 60, evaluationPeriods: 3, datapointsToAlarm: 1 } }) });
    const calls: [string, number][] = [];
    const healthNow = async (c: ChangeRecord, attempt: number) => { calls.push([c.id, attempt]); return { api: 'HEALTHY (http at report)', database: 'DB-LINE', cache: 'CACHE-LINE' }; };

    // Act
    const result = await endAttempt(deps, { changeId: change.id, attempt: 1, outcome: 'completed' }, { healthNow });

    // Assess
    expect(result).toEqual({ status: 'COMPLETED', attemptsExhausted: false });
    expect(calls).toEqual([[change.id, 1]]);
    expect(smokes).toEqual([]);
    expect(snapshots).toEqual([180]);
    const after = await deps.store.getChange(change.id);
    expect(after).toMatchObject({ status: 'COMPLETED', phase: 'REPORT' });
    expect(after).not.toHaveProperty('reason');
    expect(await deps.store.lockHolder(change.environment)).toBeUndefined();
    const events = await deps.store.listEvents(change.id);
    expect(events.map((e) => e.type).slice(-2)).toEqual(['status.reporting', 'report.stored']);
    expect(events.at(-2)).toMatchObject({ status: 'REPORTING', phase: 'REPORT', message: 'REPORT: writing the report' });
    expect(events.at(-1)).toMatchObject({ status: 'COMPLETED', phase: 'REPORT', message: 'COMPLETED: report stored', data: { outcome: 'completed', attempt: 1, attemptsExhausted: false } });
    const stored = await deps.store.getReport(change.id, 1);
    expect(stored).toMatchObject({ changeId: change.id, attempt: 1, outcome: 'COMPLETED', record: { verified: true } });
    expect(stored?.qcSummary.split('\n')).toEqual(expect.arrayContaining(['API Health: HEALTHY (http at report)', 'Database: DB-LINE', 'Cache: CACHE-LINE']));
    expect((stored?.report as { metrics: { post_deployment: { windowSeconds: number } } }).metrics.post_deployment.windowSeconds).toBe(180);
    const record = stored?.record as { events: number; headSeq: number; headHash: string };
    expect(deps.notifier.sent.at(-1)).toEqual({
      kind: 'completed', severity: 'info', changeId: change.id, status: 'COMPLETED', title: `COMPLETED: ${change.id} ${change.title}`,
      text: `${stored?.qcSummary}\nRecord: ${record.events} events, head sha256 ${record.headHash} (event #${record.headSeq})`,
      durationMs: Date.parse(stored?.createdAt as string) - Date.parse(change.createdAt), operator: 'ops',
    });
    expect(stored?.createdAt).not.toBe(change.createdAt);
  });

  it('should check the API now through the tester when the report-time check gave no API line', async () => {
    // Arrange
    const { deps, change, smokes } = await setup('CR-2026-971');

    // Act
    await endAttempt(deps, { changeId: change.id, attempt: 1, outcome: 'completed' }, { healthNow: async () => ({ database: 'DB-LINE' }) });

    // Assess
    expect(smokes).toEqual([change.profile.healthCheck.urls[0]]);
    const stored = await deps.store.getReport(change.id, 1);
    expect(stored?.qcSummary.split('\n')).toEqual(expect.arrayContaining(['API Health: HEALTHY', 'Database: DB-LINE']));
  });
});

describe('endAttempt: a rolled-back attempt', () => {
  it('should send the change back to PLAN keeping its environment, giving the failure as the reason', async () => {
    // Arrange
    const { deps, change, snapshots, smokes } = await setup('CR-2026-972', { maxAttempts: 3 });

    // Act
    const result = await endAttempt(deps, { changeId: change.id, attempt: 1, outcome: 'rolled-back', failure: { Error: 'StepFailed', Cause: 'deploy exited 2' } });

    // Assess
    expect(result).toEqual({ status: 'ROLLED_BACK', attemptsExhausted: false });
    expect(snapshots).toHaveLength(1);
    expect(smokes).toHaveLength(1);
    expect(await deps.store.getChange(change.id)).toMatchObject({ status: 'ROLLED_BACK', phase: 'PLAN', reason: 'StepFailed: deploy exited 2' });
    expect(await deps.store.lockHolder(change.environment)).toBe(change.id);
    expect((await deps.store.listEvents(change.id)).map((e) => e.type)).not.toContain('status.reporting');
    expect((await deps.store.listEvents(change.id)).at(-1)).toMatchObject({ message: 'ROLLED_BACK: report stored (StepFailed: deploy exited 2)' });
    expect(deps.notifier.sent.at(-1)).toMatchObject({ kind: 'rolled-back', severity: 'warning', status: 'ROLLED_BACK' });
  });

  it('should fail the change on its last attempt, freeing the environment, saying the attempts are exhausted and preferring the rollback failure as reason', async () => {
    // Arrange
    const { deps, change } = await setup('CR-2026-973', { maxAttempts: 2, attempt: 2 });

    // Act
    const result = await endAttempt(deps, { changeId: change.id, attempt: 2, outcome: 'rolled-back', failure: { Error: 'StepFailed', Cause: 'x' }, rollbackFailure: { Error: 'RollbackFailed', Cause: 'y' } });

    // Assess
    expect(result).toEqual({ status: 'FAILED', attemptsExhausted: true });
    expect(await deps.store.getChange(change.id)).toMatchObject({ status: 'FAILED', phase: 'REPORT', reason: 'RollbackFailed: y' });
    expect((await deps.store.listEvents(change.id)).at(-1)).toMatchObject({
      message: 'FAILED: report stored (RollbackFailed: y); attempts exhausted (2/2)', data: { outcome: 'rolled-back', attempt: 2, attemptsExhausted: true },
    });
    expect(await deps.store.lockHolder(change.environment)).toBeUndefined();
  });

  it('should close a change an operator cancelled CANCELLED with the cancel as its reason', async () => {
    // Arrange
    const { deps, change } = await setup('CR-2026-974', { maxAttempts: 3, cancelRequest: { by: 'ops', at: '2026-12-02T09:00:00.000Z', reason: 'wrong release' } });

    // Act
    await endAttempt(deps, { changeId: change.id, attempt: 1, outcome: 'rolled-back', failure: { Error: 'ChangeCancelled', Cause: 'x' } });

    // Assess
    expect(await deps.store.getChange(change.id)).toMatchObject({ status: 'CANCELLED', reason: 'cancelled by ops: wrong release' });
    expect(deps.notifier.sent.at(-1)).toMatchObject({ kind: 'ended', status: 'CANCELLED' });
  });

  it('should report only the events of the ending attempt, with the submission', async () => {
    // Arrange
    const { deps, change } = await setup('CR-2026-975', { maxAttempts: 3, attempt: 2 });
    await deps.store.appendEvent({ changeId: change.id, attempt: 1, at: '2026-12-02T09:00:00.000Z', actor: 'system', type: 'alarm.triggered', message: 'old alarm', data: { alarmName: 'old' } });
    await deps.store.appendEvent({ changeId: change.id, attempt: 2, at: '2026-12-02T09:00:01.000Z', actor: 'system', type: 'alarm.triggered', message: 'new alarm', data: { alarmName: 'new' } });

    // Act
    await endAttempt(deps, { changeId: change.id, attempt: 2, outcome: 'rolled-back', failure: { Error: 'AlarmTriggered', Cause: 'new: p95' } });

    // Assess
    const report = (await deps.store.getReport(change.id, 2))?.report as { issues: { message: string }[]; deployment: { operator: string } };
    expect(report.issues.map((i) => i.message)).toEqual(['new alarm']);
    expect(report.deployment.operator).toBe('ops');
  });
});

describe('endAttempt: outcomes that touched nothing, and ended changes', () => {
  it('should take no metrics and run no health check for a pre-flight failure', async () => {
    // Arrange
    const { deps, change, snapshots, smokes } = await setup('CR-2026-976');
    let asked = 0;

    // Act
    const result = await endAttempt(deps, { changeId: change.id, attempt: 1, outcome: 'preflight-failed', failure: { Error: 'PreflightCheckFailed', Cause: 'disk' } }, { healthNow: async () => { asked += 1; return {}; } });

    // Assess
    expect(result).toEqual({ status: 'PREFLIGHT_FAILED', attemptsExhausted: false });
    expect([snapshots, smokes, asked]).toEqual([[], [], 0]);
    const report = (await deps.store.getReport(change.id, 1))?.report as { metrics: { post_deployment: unknown } };
    expect(report.metrics.post_deployment).toBeNull();
    expect(deps.notifier.sent.at(-1)).toMatchObject({ kind: 'preflight-failed', severity: 'warning' });
  });

  it('should run the checks for a manual intervention, keeping the environment held', async () => {
    // Arrange
    const { deps, change, snapshots } = await setup('CR-2026-977');
    let asked = 0;

    // Act
    await endAttempt(deps, { changeId: change.id, attempt: 1, outcome: 'manual-intervention', failure: { Error: 'StepFailed' } }, { healthNow: async () => { asked += 1; return { api: 'A' }; } });

    // Assess
    expect([snapshots.length, asked]).toEqual([1, 1]);
    expect(await deps.store.lockHolder(change.environment)).toBe(change.id);
    expect(deps.notifier.sent.at(-1)).toMatchObject({ kind: 'manual-intervention', severity: 'critical', status: 'MANUAL_INTERVENTION' });
  });

  it('should leave an already ended change alone: no report, no notification', async () => {
    // Arrange
    const { deps, change } = await setup('CR-2026-978', { status: 'CANCELLED' });
    const notified = deps.notifier.sent.length;

    // Act
    const result = await endAttempt(deps, { changeId: change.id, attempt: 1, outcome: 'rolled-back', failure: { Error: 'StepFailed' } });

    // Assess
    expect(result).toEqual({ status: 'CANCELLED', attemptsExhausted: false });
    expect(await deps.store.getReport(change.id, 1)).toBeUndefined();
    expect(deps.notifier.sent.length).toBe(notified);
  });
});

describe('endAttempt: the active probe', () => {
  function probe(stop: ActiveProbe['stop']): ActiveProbe & { stops: [string, number][] } {
    const stops: [string, number][] = [];
    return { stops, start: async () => ({ scheduleName: 's' }), warmup: { seconds: 1, pollMs: 1 }, stop: async (id, attempt) => { stops.push([id, attempt]); return stop(id, attempt); } };
  }

  it('should stop the attempt\'s probe and record it when it was probing', async () => {
    // Arrange
    const { deps, change } = await setup('CR-2026-979', { attempt: 2, maxAttempts: 3 });
    const p = probe(async () => ({ stopped: true }));
    deps.activeProbe = p;

    // Act
    await endAttempt(deps, { changeId: change.id, attempt: 2, outcome: 'preflight-failed' });

    // Assess
    expect(p.stops).toEqual([[change.id, 2]]);
    expect((await deps.store.listEvents(change.id)).find((e) => e.type === 'report.probe-stopped')).toMatchObject({ attempt: 2, phase: 'REPORT', message: 'active probe stopped' });
  });

  it('should record nothing when nothing was probing, and not stop a probe for a cloudwatch change', async () => {
    // Arrange
    const idle = await setup('CR-2026-980');
    const p = probe(async () => ({ stopped: false }));
    idle.deps.activeProbe = p;
    const cw = await setup('CR-2026-981');
    const cwChange = await cw.deps.store.updateChange(cw.change.id, cw.change.version, { profile: { ...cw.change.profile, monitoring: { ...cw.change.profile.monitoring, source: 'cloudwatch' } } });
    const q = probe(async () => ({ stopped: true }));
    cw.deps.activeProbe = q;

    // Act
    await endAttempt(idle.deps, { changeId: idle.change.id, attempt: 1, outcome: 'preflight-failed' });
    await endAttempt(cw.deps, { changeId: cwChange.id, attempt: 1, outcome: 'preflight-failed' });

    // Assess
    expect(p.stops).toHaveLength(1);
    expect((await idle.deps.store.listEvents(idle.change.id)).map((e) => e.type)).not.toContain('report.probe-stopped');
    expect(q.stops).toEqual([]);
  });

  it('should log a probe that will not stop and still end the change', async () => {
    // Arrange
    const { deps, change } = await setup('CR-2026-982');
    deps.activeProbe = probe(async () => { throw new Error('scheduler down'); });
    const log = errorLog();
    deps.log = log;

    // Act
    const result = await endAttempt(deps, { changeId: change.id, attempt: 1, outcome: 'preflight-failed' });

    // Assess
    expect(result.status).toBe('PREFLIGHT_FAILED');
    expect(log.errors).toEqual([{ message: 'stopping the active probe failed; its schedule ends by itself at its end date', fields: { changeId: change.id, attempt: 1, error: 'scheduler down' } }]);
  });
});

describe('verdictFor the outcomes that are not a PLAN end or a rollback', () => {
  it('should close a completed change with an info, a manual intervention with a critical keeping the lock, a pre-flight failure with a warning', async () => {
    // Arrange
    const { change } = await setup('CR-2026-983');

    // Act
    const verdicts = (['completed', 'manual-intervention', 'preflight-failed'] as const).map((o) => verdictFor(o, change, change.maxAttempts, { Error: 'X' }));

    // Assess
    expect(verdicts).toEqual([
      { status: 'COMPLETED', reportStatus: 'SUCCESS', releaseLock: true, kind: 'completed', severity: 'info', attemptsExhausted: false },
      { status: 'MANUAL_INTERVENTION', reportStatus: 'MANUAL_INTERVENTION', releaseLock: false, kind: 'manual-intervention', severity: 'critical', attemptsExhausted: false },
      { status: 'PREFLIGHT_FAILED', reportStatus: 'PREFLIGHT_FAILED', releaseLock: true, kind: 'preflight-failed', severity: 'warning', attemptsExhausted: false },
    ]);
  });
});

describe('recordLine', () => {
  it('should say a record that does not verify, and why', () => {
    // Arrange
    const record = { verified: false as const, events: 4, failure: 'event #3 does not verify' };

    // Act
    const line = recordLine(record);

    // Assess
    expect(line).toBe('Record: DOES NOT VERIFY — event #3 does not verify');
  });
});
