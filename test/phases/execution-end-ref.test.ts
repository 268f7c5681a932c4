// Which change and attempt an ended execution ran (its input first, checked; its name as the fallback), and what
// onExecutionEnded records and answers for it, called directly over the memory store.
import type { ChangeRecord } from '../../lambdas/core/records';
import { EXECUTION_ENDED, executionRef, onExecutionEnded, parseExecutionName, ROLLBACK_RUN_STARTED } from '../../lambdas/phases/execution-status';
import type { ExecutionInput } from '../../lambdas/ports';
import { memoryDeps, submitted, type MemoryDeps } from '../support/phase-deps';

type Started = { name: string; input: ExecutionInput };

function recordingDeps(): MemoryDeps & { started: Started[] } {
  const started: Started[] = [];
  return { ...memoryDeps(), started, executions: { start: async (name: string, input: ExecutionInput) => { started.push({ name, input }); return { executionId: `arn:${name}`, alreadyStarted: false }; } } };
}

async function changeAt(deps: MemoryDeps & { started: Started[] }, id: string, patch: Partial<ChangeRecord>): Promise<ChangeRecord> {
  const change = await submitted(deps, id);
  deps.started.length = 0;
  deps.notifier.sent.length = 0;
  return deps.store.updateChange(id, change.version, patch);
}

const arn = (name: string): string => `arn:aws:states:eu-west-1:123456789012:execution:Runbook:${name}`;

describe('parseExecutionName and executionRef', () => {
  it('should read the change, attempt and run from the name, and nothing from a name that is not a change\'s', () => {
    // Arrange
    const names = ['CR-2026-1234-12-r10', 'CR-2026-1234', 'xCR-2026-123', 'CR-2026-123-', 'CR-2026-12'];

    // Act
    const refs = names.map(parseExecutionName);

    // Assess
    expect(refs).toEqual([{ changeId: 'CR-2026-1234', attempt: 12, rollbackRun: 10 }, { changeId: 'CR-2026-1234', attempt: 1 }, undefined, undefined, undefined]);
  });

  it('should trust a well-formed input over the name, and mark a rollback entry as a run (1 when the name says none)', () => {
    // Arrange
    const input = (value: unknown): string => JSON.stringify(value);

    // Act
    const plain = executionRef({ name: 'CR-2026-101-4-r2', input: input({ changeId: 'CR-2026-102', attempt: 3 }) });
    const rollback = executionRef({ name: 'CR-2026-101-4-r2', input: input({ changeId: 'CR-2026-102', attempt: 3, entry: 'rollback' }) });
    const unnamed = executionRef({ name: 'custom-name', input: input({ changeId: 'CR-2026-102', attempt: 3, entry: 'rollback' }) });
    const approvals = executionRef({ name: 'CR-2026-101-4-r2', input: input({ changeId: 'CR-2026-102', attempt: 3, entry: 'approvals' }) });

    // Assess
    expect(plain).toEqual({ changeId: 'CR-2026-102', attempt: 3 });
    expect(rollback).toEqual({ changeId: 'CR-2026-102', attempt: 3, rollbackRun: 2 });
    expect(unnamed).toEqual({ changeId: 'CR-2026-102', attempt: 3, rollbackRun: 1 });
    expect(approvals).toEqual({ changeId: 'CR-2026-102', attempt: 3 });
  });

  it('should fall back to the name when the input names no valid change id or attempt', () => {
    // Arrange
    const name = 'CR-2026-101-4';
    const inputs = [
      { changeId: 'not-a-change', attempt: 1 }, { changeId: 42, attempt: 1 }, { changeId: 'CR-2026-102', attempt: 0 },
      { changeId: 'CR-2026-102', attempt: 1.5 }, { changeId: 'CR-2026-102' }, 'a string',
    ].map((v) => JSON.stringify(v));

    // Act
    const refs = inputs.map((input) => executionRef({ name, input }));

    // Assess
    expect(refs).toEqual(inputs.map(() => ({ changeId: 'CR-2026-101', attempt: 4 })));
  });

  it('should take a first attempt as valid in the input', () => {
    // Arrange
    const input = JSON.stringify({ changeId: 'CR-2026-102', attempt: 1 });

    // Act
    const ref = executionRef({ name: 'CR-2026-101-4', input });

    // Assess
    expect(ref).toEqual({ changeId: 'CR-2026-102', attempt: 1 });
  });
});

describe('onExecutionEnded', () => {
  it('should record the end once with its error and cause, and start the rollback run with the failure', async () => {
    // Arrange
    const deps = recordingDeps();
    const change = await changeAt(deps, 'CR-2026-730', { status: 'MONITORING', phase: 'ACT' });
    const end = { name: 'CR-2026-730', executionArn: arn('CR-2026-730'), status: 'FAILED' as const, input: null, error: 'Boom', cause: 'it broke' };

    // Act
    const outcome = await onExecutionEnded(deps, end);
    const again = await onExecutionEnded(deps, end);

    // Assess
    const failure = { Error: 'ExecutionFailed', Cause: 'execution CR-2026-730 FAILED (Boom: it broke)' };
    expect(outcome).toEqual({ action: 'rollback-started', reason: failure.Cause, changeId: change.id, status: 'MONITORING', rollbackExecution: 'CR-2026-730-1-r1' });
    expect(again.rollbackExecution).toBe('CR-2026-730-1-r1');
    expect(deps.started).toEqual([
      { name: 'CR-2026-730-1-r1', input: { changeId: change.id, attempt: 1, entry: 'rollback', failure } },
      { name: 'CR-2026-730-1-r1', input: { changeId: change.id, attempt: 1, entry: 'rollback', failure } },
    ]);
    const events = await deps.store.listEvents(change.id);
    const ended = events.filter((e) => e.type === EXECUTION_ENDED);
    expect(ended).toHaveLength(1);
    expect(ended[0]).toMatchObject({
      phase: 'ACT', message: 'execution CR-2026-730 FAILED (Boom: it broke) while the change was MONITORING',
      data: { executionArn: arn('CR-2026-730'), executionStatus: 'FAILED', error: 'Boom', cause: 'it broke', changeStatus: 'MONITORING' },
    });
    const runs = events.filter((e) => e.type === ROLLBACK_RUN_STARTED);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      phase: 'ROLLBACK', message: 'rollback run CR-2026-730-1-r1 started: execution CR-2026-730 FAILED (Boom: it broke) after ACT began (MONITORING)',
      data: { n: 1, executionName: 'CR-2026-730-1-r1', executionId: 'arn:CR-2026-730-1-r1', failedExecutionArn: arn('CR-2026-730'), failure },
    });
    expect(deps.notifier.sent).toEqual([{
      kind: 'rollback', severity: 'warning', changeId: change.id, status: 'MONITORING', title: 'Rollback started: CR-2026-730 (execution FAILED)',
      text: 'execution CR-2026-730 FAILED (Boom: it broke) while the change was MONITORING. Rollback run CR-2026-730-1-r1 rolls it back; its report follows.',
    }]);
  });

  it('should leave the detail out when there is no error or cause, record them as null, and cut the cause at 4000 characters', async () => {
    // Arrange
    const deps = recordingDeps();
    await changeAt(deps, 'CR-2026-731', { status: 'ACTING', phase: 'ACT' });
    const long = 'x'.repeat(5000);

    // Act
    await onExecutionEnded(deps, { name: 'CR-2026-731', executionArn: arn('a'), status: 'ABORTED' });
    await onExecutionEnded(deps, { name: 'CR-2026-731', executionArn: arn('b'), status: 'TIMED_OUT', error: '', cause: long });

    // Assess
    expect(deps.started.map((s) => [s.name, s.input.failure])).toEqual([
      ['CR-2026-731-1-r1', { Error: 'ExecutionAborted', Cause: 'execution CR-2026-731 ABORTED' }],
      ['CR-2026-731-1-r2', { Error: 'ExecutionTimedOut', Cause: `execution CR-2026-731 TIMED_OUT (${long}`.slice(0, 4000) }],
    ]);
    const ended = (await deps.store.listEvents('CR-2026-731')).filter((e) => e.type === EXECUTION_ENDED);
    expect(ended[0]?.data).toMatchObject({ error: null, cause: null });
  });

  it('should number a rollback run past the dead resumed run it replaces', async () => {
    // Arrange
    const deps = recordingDeps();
    await changeAt(deps, 'CR-2026-732', { status: 'TESTING', phase: 'TEST' });

    // Act
    const outcome = await onExecutionEnded(deps, { name: 'CR-2026-732-1-r3', executionArn: arn('r3'), status: 'FAILED', input: JSON.stringify({ changeId: 'CR-2026-732', attempt: 1, entry: 'approvals' }) });

    // Assess
    expect(outcome.rollbackExecution).toBe('CR-2026-732-1-r4');
  });

  it('should end a change before ACT with the execution\'s failure, PREFLIGHT as preflight-failed', async () => {
    // Arrange
    const deps = recordingDeps();
    const change = await changeAt(deps, 'CR-2026-733', { status: 'PREFLIGHT', phase: 'PREFLIGHT' });

    // Act
    const outcome = await onExecutionEnded(deps, { name: 'CR-2026-733', executionArn: arn('p'), status: 'TIMED_OUT' });

    // Assess
    expect(outcome).toEqual({ action: 'ended', reason: 'execution CR-2026-733 TIMED_OUT before ACT: nothing was touched', changeId: change.id, status: 'PREFLIGHT_FAILED' });
    expect(deps.started).toEqual([]);
  });

  it('should end a change waiting in PLAN as PLAN does, and ignore a status it has no rule for', async () => {
    // Arrange
    const deps = recordingDeps();
    const change = await changeAt(deps, 'CR-2026-734', { status: 'SCHEDULED', phase: 'PLAN' });
    const otherDeps = recordingDeps();
    const interrupted = await changeAt(otherDeps, 'CR-2026-735', { status: 'INTERRUPTED', interruptedFrom: 'ACTING' });

    // Act
    const outcome = await onExecutionEnded(deps, { name: 'CR-2026-734', executionArn: arn('s'), status: 'FAILED' });
    const ignored = await onExecutionEnded(otherDeps, { name: 'CR-2026-735', executionArn: arn('i'), status: 'FAILED' });

    // Assess
    expect(outcome.action).toBe('ended');
    expect((await deps.store.getChange(change.id))?.status).not.toBe('SCHEDULED');
    expect(ignored).toEqual({ action: 'ignored', reason: 'no rule for a change that is INTERRUPTED', changeId: interrupted.id, status: 'INTERRUPTED' });
  });

  it('should ignore an attempt already ended or rolled back, naming its status', async () => {
    // Arrange
    const deps = recordingDeps();
    const change = await changeAt(deps, 'CR-2026-736', { status: 'ROLLED_BACK', phase: 'PLAN' });

    // Act
    const outcome = await onExecutionEnded(deps, { name: 'CR-2026-736', executionArn: arn('x'), status: 'FAILED' });

    // Assess
    expect(outcome).toEqual({ action: 'ignored', reason: 'the attempt had already ended (ROLLED_BACK)', changeId: change.id, status: 'ROLLED_BACK' });
    expect((await deps.store.listEvents(change.id)).map((e) => e.type)).not.toContain(EXECUTION_ENDED);
  });

  it('should name the attempts when the execution ran an earlier one, and say which executions are not a change\'s', async () => {
    // Arrange
    const deps = recordingDeps();
    await changeAt(deps, 'CR-2026-737', { status: 'ACTING', phase: 'ACT', attempt: 2 });

    // Act
    const old = await onExecutionEnded(deps, { name: 'CR-2026-737', executionArn: arn('o'), status: 'FAILED' });
    const foreign = await onExecutionEnded(deps, { name: 'nightly', executionArn: arn('n'), status: 'FAILED' });

    // Assess
    expect(old).toEqual({ action: 'ignored', reason: 'execution CR-2026-737 ran attempt 1; the change is on attempt 2', changeId: 'CR-2026-737', status: 'ACTING' });
    expect(foreign).toEqual({ action: 'ignored', reason: 'execution nightly is not a runbook change\'s execution' });
  });
  it('should take as seen only an end of this attempt recorded for the same execution', async () => {
    // Arrange
    const deps = recordingDeps();
    const change = await changeAt(deps, 'CR-2026-738', { status: 'ACTING', phase: 'ACT' });
    const at = new Date().toISOString();
    await deps.store.appendEvent({ changeId: change.id, attempt: 1, at, actor: 't', type: 'note', message: 'same arn, other type', data: { executionArn: arn('e') } });
    await deps.store.appendEvent({ changeId: change.id, attempt: 2, at, actor: 't', type: EXECUTION_ENDED, message: 'other attempt', data: { executionArn: arn('e') } });
    await deps.store.appendEvent({ changeId: change.id, attempt: 1, at, actor: 't', type: EXECUTION_ENDED, message: 'no data' });

    // Act
    await onExecutionEnded(deps, { name: 'CR-2026-738', executionArn: arn('e'), status: 'FAILED' });

    // Assess
    const recorded = (await deps.store.listEvents(change.id)).filter((e) => e.type === EXECUTION_ENDED && e.attempt === 1 && e.data?.executionArn === arn('e'));
    expect(recorded).toHaveLength(1);
  });

  it('should say why it handed a rollback run over, and that it finished a report', async () => {
    // Arrange
    const deps = recordingDeps();
    await changeAt(deps, 'CR-2026-739', { status: 'ROLLING_BACK', phase: 'ROLLBACK' });
    const otherDeps = recordingDeps();
    await changeAt(otherDeps, 'CR-2026-740', { status: 'REPORTING', phase: 'REPORT' });

    // Act
    const handed = await onExecutionEnded(deps, { name: 'CR-2026-739-1-r1', executionArn: arn('r'), status: 'FAILED' });
    const finished = await onExecutionEnded(otherDeps, { name: 'CR-2026-740', executionArn: arn('f'), status: 'TIMED_OUT' });

    // Assess
    expect(handed).toMatchObject({ action: 'manual-intervention', reason: 'rollback run CR-2026-739-1-r1 FAILED' });
    expect(finished).toMatchObject({ action: 'report-finished', reason: 'execution CR-2026-740 TIMED_OUT while REPORTING: report finished' });
  });
});
