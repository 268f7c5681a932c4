// What the next embedded start does with an orphaned change (recoveryFor), how a resumed run is started and recorded
// (startResumedRun), the start-up recovery of an environment (recoverInterrupted) and `runbook rollback ID`.
import { ConflictError } from '../../lambdas/core/errors';
import type { ChangeRecord, ChangeStatus } from '../../lambdas/core/records';
import type { ExecutionInput } from '../../lambdas/ports';
import {
  interruptedStatus, RECOVERY_HEADING, recoverInterrupted, recoveryFor, resumeAttempt, rollbackCommand, rollbackInterrupted, startResumedRun,
} from '../../lambdas/phases/resume';
import { memoryDeps, submitted, type MemoryDeps } from '../support/phase-deps';

type Started = { name: string; input: ExecutionInput };

/** Memory deps whose execution starts are recorded. */
function recordingDeps(): MemoryDeps & { started: Started[] } {
  const started: Started[] = [];
  const deps = memoryDeps();
  return { ...deps, started, executions: { start: async (name: string, input: ExecutionInput) => { started.push({ name, input }); return { executionId: `exec-${name}`, alreadyStarted: false }; } } };
}

/** Submits `id` and forgets the submission's own execution start. */
async function submittedQuietly(deps: MemoryDeps & { started: Started[] }, id: string): Promise<ChangeRecord> {
  const change = await submitted(deps, id);
  deps.started.length = 0;
  return change;
}

/** A copy of `base` stored under `id` with `patch` applied (the same environment). */
async function stored(deps: MemoryDeps, base: ChangeRecord, id: string, patch: Partial<ChangeRecord>): Promise<ChangeRecord> {
  const change = { ...base, id, executionName: id, ...patch } as ChangeRecord;
  await deps.store.createChange(change);
  return change;
}

function profileOf(change: ChangeRecord, onInterrupted?: 'rollback' | 'hold'): ChangeRecord['profile'] {
  const { onInterrupted: _dropped, ...rest } = change.profile;
  return (onInterrupted ? { ...rest, onInterrupted } : rest) as ChangeRecord['profile'];
}

describe('interruptedStatus', () => {
  it('should give the recorded status of an INTERRUPTED change and the status itself otherwise', () => {
    // Arrange
    const interrupted = { status: 'INTERRUPTED' as ChangeStatus, interruptedFrom: 'MONITORING' as ChangeStatus };
    const running = { status: 'ACTING' as ChangeStatus, interruptedFrom: 'SCHEDULED' as ChangeStatus };

    // Act
    const fromInterrupted = interruptedStatus(interrupted);
    const fromRunning = interruptedStatus(running);

    // Assess
    expect(fromInterrupted).toBe('MONITORING');
    expect(fromRunning).toBe('ACTING');
  });
});

describe('recoveryFor', () => {
  it('should roll back a change interrupted after ACT began when the profile says nothing (the default)', async () => {
    // Arrange
    const deps = memoryDeps();
    const change = await submitted(deps, 'CR-2026-500');
    const profile = profileOf(change);

    // Act
    const recovery = recoveryFor({ status: 'INTERRUPTED', interruptedFrom: 'MONITORING', profile });

    // Assess
    expect(profile.onInterrupted).toBeUndefined();
    expect(recovery).toEqual({ kind: 'rollback', from: 'MONITORING' });
  });

  it('should hold a change interrupted after ACT began when the profile says onInterrupted: hold', async () => {
    // Arrange
    const deps = memoryDeps();
    const change = await submitted(deps, 'CR-2026-501');

    // Act
    const held = recoveryFor({ status: 'INTERRUPTED', interruptedFrom: 'ACTING', profile: profileOf(change, 'hold') });
    const rolled = recoveryFor({ status: 'TESTING', profile: profileOf(change, 'rollback') });

    // Assess
    expect(held).toEqual({ kind: 'hold', from: 'ACTING' });
    expect(rolled).toEqual({ kind: 'rollback', from: 'TESTING' });
  });

  it('should wait again for approvals or the change window, and restart a change that was in pre-flight', async () => {
    // Arrange
    const deps = memoryDeps();
    const { profile } = await submitted(deps, 'CR-2026-502');

    // Act
    const approvals = recoveryFor({ status: 'INTERRUPTED', interruptedFrom: 'AWAITING_APPROVAL', profile });
    const window = recoveryFor({ status: 'SCHEDULED', profile });
    const submittedOnly = recoveryFor({ status: 'SUBMITTED', profile });
    const preflight = recoveryFor({ status: 'INTERRUPTED', interruptedFrom: 'PREFLIGHT', profile });

    // Assess
    expect(approvals).toEqual({ kind: 'resume', from: 'AWAITING_APPROVAL', entry: 'approvals' });
    expect(window).toEqual({ kind: 'resume', from: 'SCHEDULED', entry: 'change-window' });
    expect(submittedOnly).toEqual({ kind: 'restart', from: 'SUBMITTED' });
    expect(preflight).toEqual({ kind: 'restart', from: 'PREFLIGHT' });
  });

  it('should leave ended, rolled-back and status-less interrupted changes alone', async () => {
    // Arrange
    const deps = memoryDeps();
    const { profile } = await submitted(deps, 'CR-2026-503');
    const hold = { ...profile, onInterrupted: 'hold' as const };

    // Act
    const outcomes = [
      recoveryFor({ status: 'COMPLETED', profile: hold }),
      recoveryFor({ status: 'ROLLED_BACK', profile: hold }),
      recoveryFor({ status: 'INTERRUPTED', profile: hold }),
      recoveryFor({ status: 'CANCELLED', interruptedFrom: 'ACTING', profile: hold }),
      recoveryFor({ status: 'INTERRUPTED', interruptedFrom: 'ROLLED_BACK', profile: hold }),
    ];

    // Assess
    expect(outcomes).toEqual([{ kind: 'none' }, { kind: 'none' }, { kind: 'none' }, { kind: 'none' }, { kind: 'none' }]);
  });
});

describe('rollbackCommand', () => {
  it('should print the npx command that rolls the change back', () => {
    // Arrange
    const id = 'CR-2026-504';

    // Act
    const command = rollbackCommand(id);

    // Assess
    expect(command).toBe('npx runbook rollback CR-2026-504');
  });
});

describe('startResumedRun', () => {
  it('should record the first resume of a rollback-only run and start it with its entry and failure', async () => {
    // Arrange
    const deps = recordingDeps();
    const change = await submittedQuietly(deps, 'CR-2026-505');
    const failure = { Error: 'Interrupted', Cause: 'gone' };

    // Act
    const result = await startResumedRun(deps, change, 'rollback', { actor: 'ops', why: 'because', failure });

    // Assess
    expect(result).toEqual({ executionName: 'CR-2026-505-1-r1' });
    expect(deps.started).toEqual([{ name: 'CR-2026-505-1-r1', input: { changeId: 'CR-2026-505', attempt: 1, entry: 'rollback', failure } }]);
    const after = await deps.store.getChange('CR-2026-505');
    expect(after).toMatchObject({ status: change.status, phase: change.phase, resumes: 1, executionName: 'CR-2026-505-1-r1' });
    const resumed = (await deps.store.listEvents('CR-2026-505')).find((e) => e.type === 'execution.resumed');
    expect(resumed).toMatchObject({
      actor: 'ops', status: change.status, phase: change.phase,
      message: 'because: rollback-only run as execution CR-2026-505-1-r1',
      data: { executionName: 'CR-2026-505-1-r1', entry: 'rollback', from: 'SUBMITTED' },
    });
  });

  it('should count on from the resumes already made and say which wait is waited again', async () => {
    // Arrange
    const deps = recordingDeps();
    const base = await submittedQuietly(deps, 'CR-2026-506');
    const change = await deps.store.updateChange(base.id, base.version, { resumes: 2, status: 'INTERRUPTED', interruptedFrom: 'AWAITING_APPROVAL' });

    // Act
    const result = await startResumedRun(deps, change, 'approvals', { actor: 'ops', why: 'resumed' });

    // Assess
    expect(result.executionName).toBe('CR-2026-506-1-r3');
    expect(deps.started).toEqual([{ name: 'CR-2026-506-1-r3', input: { changeId: 'CR-2026-506', attempt: 1, entry: 'approvals' } }]);
    expect((await deps.store.getChange(base.id))?.resumes).toBe(3);
    const resumed = (await deps.store.listEvents(base.id)).find((e) => e.type === 'execution.resumed');
    expect(resumed?.message).toBe('resumed: waiting again (approvals) as execution CR-2026-506-1-r3');
    expect(resumed?.data).toEqual({ executionName: 'CR-2026-506-1-r3', entry: 'approvals', from: 'AWAITING_APPROVAL' });
  });

  it('should restart the attempt at PRE-FLIGHT without an entry, recording entry and from as null when unknown', async () => {
    // Arrange
    const deps = recordingDeps();
    const base = await submittedQuietly(deps, 'CR-2026-507');
    const change = await deps.store.updateChange(base.id, base.version, { status: 'INTERRUPTED' });

    // Act
    await startResumedRun(deps, change, undefined, { actor: 'ops', why: 'again' });

    // Assess
    expect(deps.started).toEqual([{ name: 'CR-2026-507-1-r1', input: { changeId: 'CR-2026-507', attempt: 1 } }]);
    expect(Object.keys(deps.started[0]?.input ?? {})).toEqual(['changeId', 'attempt']);
    const resumed = (await deps.store.listEvents(base.id)).find((e) => e.type === 'execution.resumed');
    expect(resumed?.message).toBe('again: attempt restarted at PRE-FLIGHT as execution CR-2026-507-1-r1');
    expect(resumed?.data).toEqual({ executionName: 'CR-2026-507-1-r1', entry: null, from: null });
  });
});

describe('recoverInterrupted', () => {
  it('should say nothing and start nothing when no change of the environment needs recovering', async () => {
    // Arrange
    const deps = recordingDeps();
    const base = await submittedQuietly(deps, 'CR-2026-510');
    await deps.store.updateChange(base.id, base.version, { status: 'COMPLETED' });
    const said: string[] = [];

    // Act
    const done = await recoverInterrupted(deps, base.environment, { actor: 'serve', say: (l) => said.push(l), heading: RECOVERY_HEADING });

    // Assess
    expect(done).toEqual([]);
    expect(said).toEqual([]);
    expect(deps.started).toEqual([]);
  });

  it('should roll back, wait again and restart each orphaned change, saying so once under the heading', async () => {
    // Arrange
    const deps = recordingDeps();
    const base = await submittedQuietly(deps, 'CR-2026-511');
    await deps.store.updateChange(base.id, base.version, { status: 'INTERRUPTED', interruptedFrom: 'MONITORING' });
    await stored(deps, base, 'CR-2026-512', { status: 'INTERRUPTED', interruptedFrom: 'AWAITING_APPROVAL' });
    await stored(deps, base, 'CR-2026-513', { status: 'SCHEDULED' });
    await stored(deps, base, 'CR-2026-514', { status: 'PREFLIGHT' });
    await stored(deps, base, 'CR-2026-515', { status: 'COMPLETED' });
    await stored(deps, base, 'CR-2026-516', { status: 'ACTING', environment: 'other-env' });
    const said: string[] = [];

    // Act
    const done = await recoverInterrupted(deps, base.environment, { actor: 'serve', say: (l) => said.push(l), heading: 'HEADING' });

    // Assess
    const byId = new Map(done.map((d) => [d.change.id, d]));
    expect([...byId.keys()].sort()).toEqual(['CR-2026-511', 'CR-2026-512', 'CR-2026-513', 'CR-2026-514']);
    expect(byId.get('CR-2026-511')).toMatchObject({ recovery: { kind: 'rollback', from: 'MONITORING' }, executionName: 'CR-2026-511-1-r1' });
    expect(said[0]).toBe('HEADING');
    expect(said.filter((l) => l === 'HEADING')).toHaveLength(1);
    expect(said.slice(1).sort()).toEqual([
      '  CR-2026-511: interrupted after ACT began (while MONITORING): rolling back — execution CR-2026-511-1-r1',
      '  CR-2026-512: interrupted while AWAITING_APPROVAL: waiting again for approvals (those already given count) — execution CR-2026-512-1-r1',
      '  CR-2026-513: interrupted while SCHEDULED: waiting again for its change window — execution CR-2026-513-1-r1',
      '  CR-2026-514: interrupted in pre-flight (nothing touched yet): pre-flight again — execution CR-2026-514-1-r1',
    ]);
    const inputs = new Map(deps.started.map((s) => [s.input.changeId, s.input]));
    expect(inputs.get('CR-2026-511')).toEqual({
      changeId: 'CR-2026-511', attempt: 1, entry: 'rollback',
      failure: { Error: 'Interrupted', Cause: 'the embedded process running the change stopped while it was MONITORING' },
    });
    expect(inputs.get('CR-2026-512')).toEqual({ changeId: 'CR-2026-512', attempt: 1, entry: 'approvals' });
    expect(inputs.get('CR-2026-513')).toEqual({ changeId: 'CR-2026-513', attempt: 1, entry: 'change-window' });
    expect(inputs.get('CR-2026-514')).toEqual({ changeId: 'CR-2026-514', attempt: 1 });
    const message = (await deps.store.listEvents('CR-2026-512')).find((e) => e.type === 'execution.resumed')?.message;
    expect(message).toBe('resumed after the process running it ended while it was AWAITING_APPROVAL: waiting again (approvals) as execution CR-2026-512-1-r1');
  });

  it('should recover only the kinds asked for and print no heading when none is given', async () => {
    // Arrange
    const deps = recordingDeps();
    const base = await submittedQuietly(deps, 'CR-2026-520');
    await deps.store.updateChange(base.id, base.version, { status: 'INTERRUPTED', interruptedFrom: 'ACTING' });
    await stored(deps, base, 'CR-2026-521', { status: 'SCHEDULED' });
    const said: string[] = [];

    // Act
    const done = await recoverInterrupted(deps, base.environment, { actor: 'serve', say: (l) => said.push(l), only: ['resume'] });

    // Assess
    expect(done.map((d) => d.change.id)).toEqual(['CR-2026-521']);
    expect(said).toEqual(['  CR-2026-521: interrupted while SCHEDULED: waiting again for its change window — execution CR-2026-521-1-r1']);
    expect(deps.started.map((s) => s.name)).toEqual(['CR-2026-521-1-r1']);
    expect((await deps.store.getChange(base.id))?.status).toBe('INTERRUPTED');
  });

  it('should hold a running change with onInterrupted: hold: INTERRUPTED with its status kept, held event, nothing started', async () => {
    // Arrange
    const deps = recordingDeps();
    const base = await submittedQuietly(deps, 'CR-2026-522');
    await deps.store.updateChange(base.id, base.version, { status: 'ACTING', phase: 'ACT', profile: profileOf(base, 'hold') });
    const said: string[] = [];

    // Act
    const done = await recoverInterrupted(deps, base.environment, { actor: 'serve', say: (l) => said.push(l) });

    // Assess
    expect(deps.started).toEqual([]);
    expect(done).toHaveLength(1);
    expect(done[0]?.recovery).toEqual({ kind: 'hold', from: 'ACTING' });
    expect(done[0]?.executionName).toBeUndefined();
    expect(done[0]?.change).toMatchObject({ status: 'INTERRUPTED', interruptedFrom: 'ACTING' });
    expect(await deps.store.getChange(base.id)).toMatchObject({ status: 'INTERRUPTED', interruptedFrom: 'ACTING', phase: 'ACT' });
    const events = await deps.store.listEvents(base.id);
    expect(events.find((e) => e.type === 'status.interrupted')).toMatchObject({
      actor: 'serve', phase: 'ACT', status: 'INTERRUPTED', data: { from: 'ACTING' },
      message: 'interrupted: the process running it ended while the change was ACTING',
    });
    expect(events.find((e) => e.type === 'change.held')).toMatchObject({
      actor: 'serve', phase: 'ACT',
      message: `held (onInterrupted: hold): interrupted while ACTING, environment ${base.environment} stays locked; roll it back with \`npx runbook rollback CR-2026-522\``,
    });
    expect(said).toEqual([`  CR-2026-522 was interrupted while ACTING: held (onInterrupted: hold), environment ${base.environment} stays locked — roll it back with: npx runbook rollback CR-2026-522`]);
  });

  it('should hold an already INTERRUPTED change as it is, with only the held event added', async () => {
    // Arrange
    const deps = recordingDeps();
    const base = await submittedQuietly(deps, 'CR-2026-523');
    const interrupted = await deps.store.updateChange(base.id, base.version, { status: 'INTERRUPTED', interruptedFrom: 'TESTING', profile: profileOf(base, 'hold') });

    // Act
    const done = await recoverInterrupted(deps, base.environment, { actor: 'serve', say: () => undefined });

    // Assess
    expect(done[0]?.change.version).toBe(interrupted.version);
    expect((await deps.store.getChange(base.id))?.version).toBe(interrupted.version);
    const types = (await deps.store.listEvents(base.id)).map((e) => e.type);
    expect(types).not.toContain('status.interrupted');
    expect(types).toContain('change.held');
  });
});

describe('rollbackInterrupted', () => {
  it('should start a rollback-only run of a change interrupted after ACT began, requested by the caller', async () => {
    // Arrange
    const deps = recordingDeps();
    const base = await submittedQuietly(deps, 'CR-2026-530');
    await deps.store.updateChange(base.id, base.version, { status: 'INTERRUPTED', interruptedFrom: 'ROLLING_BACK' });

    // Act
    const result = await rollbackInterrupted(deps, { changeId: base.id, by: 'alice' });

    // Assess
    expect(result).toEqual({ changeId: base.id, executionName: 'CR-2026-530-1-r1', from: 'ROLLING_BACK' });
    expect(deps.started).toEqual([{ name: 'CR-2026-530-1-r1', input: {
      changeId: base.id, attempt: 1, entry: 'rollback',
      failure: { Error: 'Interrupted', Cause: 'the embedded process running the change stopped while it was ROLLING_BACK' },
    } }]);
    const resumed = (await deps.store.listEvents(base.id)).find((e) => e.type === 'execution.resumed');
    expect(resumed).toMatchObject({ actor: 'alice', message: 'rollback requested by alice: rollback-only run as execution CR-2026-530-1-r1' });
  });

  it('should refuse a change that is not interrupted, naming its status', async () => {
    // Arrange
    const deps = recordingDeps();
    const base = await submittedQuietly(deps, 'CR-2026-531');
    await deps.store.updateChange(base.id, base.version, { status: 'ACTING', interruptedFrom: 'ACTING' });

    // Act
    const rollback = rollbackInterrupted(deps, { changeId: base.id, by: 'alice' });

    // Assess
    await expect(rollback).rejects.toThrow(ConflictError);
    await expect(rollback).rejects.toThrow('change CR-2026-531 is ACTING: only a change interrupted after ACT began is rolled back this way');
    expect(deps.started).toEqual([]);
  });

  it('should refuse a change interrupted before ACT or with no status recorded, naming where it was', async () => {
    // Arrange
    const deps = recordingDeps();
    const base = await submittedQuietly(deps, 'CR-2026-532');
    await deps.store.updateChange(base.id, base.version, { status: 'INTERRUPTED', interruptedFrom: 'SCHEDULED' });
    await stored(deps, base, 'CR-2026-533', { status: 'INTERRUPTED' });

    // Act
    const before = rollbackInterrupted(deps, { changeId: base.id, by: 'alice' });
    const unknown = rollbackInterrupted(deps, { changeId: 'CR-2026-533', by: 'alice' });

    // Assess
    await expect(before).rejects.toThrow('change CR-2026-532 is INTERRUPTED (interrupted while SCHEDULED): only a change interrupted after ACT began is rolled back this way');
    await expect(unknown).rejects.toThrow('change CR-2026-533 is INTERRUPTED (interrupted while unknown): only');
    expect(deps.started).toEqual([]);
  });
});

describe('resumeAttempt', () => {
  it('should refuse a run of an attempt the change is no longer on', async () => {
    // Arrange
    const deps = memoryDeps();
    const base = await submitted(deps, 'CR-2026-540');
    await deps.store.updateChange(base.id, base.version, { attempt: 2 });

    // Act
    const resume = resumeAttempt(deps, base.id, 1, 'approvals');

    // Assess
    await expect(resume).rejects.toThrow(ConflictError);
    await expect(resume).rejects.toThrow('change CR-2026-540 is at attempt 2, not 1: nothing to resume');
  });

  it('should make a change waiting again for its window SCHEDULED again and give its run settings', async () => {
    // Arrange
    const deps = memoryDeps();
    const base = await submitted(deps, 'CR-2026-541');
    await deps.store.updateChange(base.id, base.version, { status: 'INTERRUPTED', interruptedFrom: 'SCHEDULED' });

    // Act
    const settings = await resumeAttempt(deps, base.id, 1, 'change-window');

    // Assess
    expect(settings).toEqual({
      environment: base.environment, plannedStart: new Date(base.request.timeline.planned_start).toISOString(),
      monitorWindowSeconds: base.profile.monitoring.windowSeconds,
    });
    expect(await deps.store.getChange(base.id)).toMatchObject({ status: 'SCHEDULED', phase: 'PLAN' });
    const scheduled = (await deps.store.listEvents(base.id)).find((e) => e.type === 'status.scheduled');
    expect(scheduled?.message).toBe(`waiting again for the change window (${base.request.timeline.planned_start})`);
  });

  it('should leave a change alone when it is already SCHEDULED or waits again for approvals', async () => {
    // Arrange
    const deps = memoryDeps();
    const base = await submitted(deps, 'CR-2026-542');
    const scheduled = await deps.store.updateChange(base.id, base.version, { status: 'SCHEDULED' });
    await stored(deps, base, 'CR-2026-543', { status: 'INTERRUPTED', interruptedFrom: 'AWAITING_APPROVAL' });

    // Act
    const window = await resumeAttempt(deps, base.id, 1, 'change-window');
    const approvals = await resumeAttempt(deps, 'CR-2026-543', 1, 'approvals');

    // Assess
    expect(window.environment).toBe(base.environment);
    expect(approvals.environment).toBe(base.environment);
    expect((await deps.store.getChange(base.id))?.version).toBe(scheduled.version);
    expect((await deps.store.getChange('CR-2026-543'))?.status).toBe('INTERRUPTED');
  });
});
