// requestCancel in each status it accepts: the request kept once (event by the caller), before ACT the execution
// stopped and the attempt ended, in ACT/MONITORING/ROLLING_BACK a rollback under way, after a rollback closed at once.
import { ConflictError } from '../../lambdas/core/errors';
import { callbackKey, type ChangeRecord } from '../../lambdas/core/records';
import { CANCEL_REQUESTED, requestCancel } from '../../lambdas/phases/cancel';
import type { ExecutionControl } from '../../lambdas/ports';
import { memoryDeps, recordingCallbacks, submitted, type MemoryDeps } from '../support/phase-deps';

const NOW = new Date('2026-12-02T09:00:00.000Z');

/** An engine that records the executions it is asked to stop and says whether one was running. */
function control(running: boolean): ExecutionControl & { stops: { name: string; cause: string }[] } {
  const stops: { name: string; cause: string }[] = [];
  return { stops, stop: async (name, cause) => { stops.push({ name, cause }); return { stopped: running }; }, history: async () => undefined };
}

function fixedDeps(): MemoryDeps & { callbacks: ReturnType<typeof recordingCallbacks> } {
  return { ...memoryDeps(), clock: { now: () => NOW }, callbacks: recordingCallbacks() };
}

async function changeAt(deps: MemoryDeps, id: string, patch: Partial<ChangeRecord>): Promise<ChangeRecord> {
  const change = await submitted(deps, id);
  return deps.store.updateChange(id, change.version, patch);
}

describe('requestCancel before ACT', () => {
  it('should stop the running execution, end the attempt CANCELLED and say nothing was touched', async () => {
    // Arrange
    const deps = fixedDeps();
    const engine = control(true);
    const change = await changeAt(deps, 'CR-2026-700', { status: 'SCHEDULED', phase: 'PLAN' });

    // Act
    const outcome = await requestCancel(deps, engine, { changeId: change.id, by: 'ops', reason: 'wrong window' });

    // Assess
    const cancelRequest = { by: 'ops', at: NOW.toISOString(), reason: 'wrong window' };
    expect(outcome).toEqual({
      statusCode: 200, changeId: change.id, status: 'CANCELLED', action: 'stopped', cancelRequest,
      message: `execution ${change.executionName} stopped; ${change.id} is CANCELLED: nothing was touched`,
    });
    expect(engine.stops).toEqual([{ name: change.executionName, cause: 'cancelled by ops: wrong window' }]);
    expect(await deps.store.getChange(change.id)).toMatchObject({ status: 'CANCELLED', cancelRequest });
    const requested = (await deps.store.listEvents(change.id)).find((e) => e.type === CANCEL_REQUESTED);
    expect(requested).toMatchObject({
      actor: 'ops', phase: 'PLAN', message: 'cancel requested by ops while SCHEDULED: wrong window',
      data: { reason: 'wrong window', statusWhenRequested: 'SCHEDULED' },
    });
  });

  it('should say the execution was not running when there was nothing to stop, and keep a request with no reason', async () => {
    // Arrange
    const deps = fixedDeps();
    const engine = control(false);
    const change = await changeAt(deps, 'CR-2026-701', { status: 'AWAITING_APPROVAL', phase: 'PLAN' });

    // Act
    const outcome = await requestCancel(deps, engine, { changeId: change.id, by: 'ops' });

    // Assess
    expect(outcome.message).toBe(`execution ${change.executionName} was not running; ${change.id} is CANCELLED: nothing was touched`);
    expect(outcome.cancelRequest).toEqual({ by: 'ops', at: NOW.toISOString(), reason: null });
    expect(engine.stops).toEqual([{ name: change.executionName, cause: 'cancelled by ops' }]);
    const requested = (await deps.store.listEvents(change.id)).find((e) => e.type === CANCEL_REQUESTED);
    expect(requested?.message).toBe('cancel requested by ops while AWAITING_APPROVAL');
    expect(requested?.data).toEqual({ reason: null, statusWhenRequested: 'AWAITING_APPROVAL' });
  });

  it('should answer a repeat on a CANCELLED change with already-cancelled and the first request', async () => {
    // Arrange
    const deps = fixedDeps();
    const change = await changeAt(deps, 'CR-2026-702', { status: 'SUBMITTED', phase: 'PLAN' });
    await requestCancel(deps, control(true), { changeId: change.id, by: 'ops', reason: 'first' });
    const engine = control(true);

    // Act
    const outcome = await requestCancel(deps, engine, { changeId: change.id, by: 'someone-else', reason: 'second' });

    // Assess
    expect(outcome).toMatchObject({ statusCode: 200, action: 'already-cancelled', status: 'CANCELLED', message: `${change.id} is already CANCELLED`, cancelRequest: { by: 'ops', reason: 'first' } });
    expect(engine.stops).toEqual([]);
    expect((await deps.store.listEvents(change.id)).filter((e) => e.type === CANCEL_REQUESTED)).toHaveLength(1);
  });

  it('should refuse a change CANCELLED without a request (ended otherwise) as having nothing left to cancel', async () => {
    // Arrange
    const deps = fixedDeps();
    const change = await changeAt(deps, 'CR-2026-703', { status: 'CANCELLED' });

    // Act
    const cancelling = requestCancel(deps, control(true), { changeId: change.id, by: 'ops' });

    // Assess
    await expect(cancelling).rejects.toThrow(ConflictError);
    await expect(cancelling).rejects.toThrow('change CR-2026-703 is CANCELLED: there is nothing left to cancel');
  });
});

describe('requestCancel from ACT on', () => {
  it('should let the running ACT step finish and keep the first request when asked twice (202)', async () => {
    // Arrange
    const deps = fixedDeps();
    const change = await changeAt(deps, 'CR-2026-710', { status: 'ACTING', phase: 'ACT' });
    const engine = control(true);
    await requestCancel(deps, engine, { changeId: change.id, by: 'ops', reason: 'first' });

    // Act
    const outcome = await requestCancel(deps, engine, { changeId: change.id, by: 'bob', reason: 'second' });

    // Assess
    expect(outcome).toEqual({
      statusCode: 202, changeId: change.id, status: 'ACTING', action: 'rollback-after-current-step',
      cancelRequest: { by: 'ops', at: NOW.toISOString(), reason: 'first' },
      message: 'the ACT step that is running finishes (host commands are never interrupted); the next step is refused, the change rolls back and is then CANCELLED',
    });
    expect(engine.stops).toEqual([]);
    expect((await deps.store.listEvents(change.id)).filter((e) => e.type === CANCEL_REQUESTED).map((e) => e.actor)).toEqual(['ops']);
  });

  it('should fail the parked monitoring token with ChangeCancelled while MONITORING', async () => {
    // Arrange
    const deps = fixedDeps();
    const change = await changeAt(deps, 'CR-2026-711', { status: 'MONITORING', phase: 'ACT' });
    const key = callbackKey('monitor', change.id, 1);
    await deps.store.putCallback({ key, kind: 'monitor', changeId: change.id, attempt: 1, token: 'watch-token', createdAt: NOW.toISOString() });

    // Act
    const outcome = await requestCancel(deps, control(true), { changeId: change.id, by: 'ops', reason: 'bad idea' });

    // Assess
    expect(outcome).toMatchObject({ statusCode: 202, status: 'MONITORING', action: 'rolling-back', message: 'the monitoring window ends with ChangeCancelled: the change rolls back and is then CANCELLED' });
    expect(deps.callbacks.sent).toEqual([{ token: 'watch-token', outcome: 'failure', error: 'ChangeCancelled', cause: 'cancelled by ops: bad idea' }]);
    expect(await deps.store.getCallback(key)).toBeUndefined();
  });

  it('should let a rollback run to its end (202) without stopping anything', async () => {
    // Arrange
    const deps = fixedDeps();
    const change = await changeAt(deps, 'CR-2026-712', { status: 'ROLLING_BACK', phase: 'ROLLBACK' });
    const engine = control(true);

    // Act
    const outcome = await requestCancel(deps, engine, { changeId: change.id, by: 'ops' });

    // Assess
    expect(outcome).toMatchObject({ statusCode: 202, status: 'ROLLING_BACK', action: 'rolling-back', message: 'the rollback runs to its end; the change is then CANCELLED' });
    expect(engine.stops).toEqual([]);
    expect(deps.callbacks.sent).toEqual([]);
  });

  it('should close a ROLLED_BACK change CANCELLED at once, free its environment and notify', async () => {
    // Arrange
    const deps = fixedDeps();
    const change = await changeAt(deps, 'CR-2026-713', { status: 'ROLLED_BACK', phase: 'PLAN' });
    const holderBefore = await deps.store.lockHolder(change.environment);

    // Act
    const outcome = await requestCancel(deps, control(true), { changeId: change.id, by: 'ops', reason: 'give up' });

    // Assess
    expect(outcome).toMatchObject({ statusCode: 200, status: 'CANCELLED', action: 'closed', message: `${change.id} was rolled back and is now CANCELLED; environment ${change.environment} is free` });
    expect(await deps.store.getChange(change.id)).toMatchObject({ status: 'CANCELLED', phase: 'PLAN', reason: 'cancelled by ops: give up' });
    const closed = (await deps.store.listEvents(change.id)).find((e) => e.type === 'change.cancelled');
    expect(closed).toMatchObject({ actor: 'ops', status: 'CANCELLED', message: 'cancelled by ops: give up; the change was rolled back and will not be tried again' });
    expect(holderBefore).toBe(change.id);
    expect(await deps.store.lockHolder(change.environment)).toBeUndefined();
    expect(deps.notifier.sent.filter((n) => n.kind !== 'submitted')).toEqual([{
      kind: 'ended', severity: 'info', changeId: change.id, status: 'CANCELLED', title: `CANCELLED: ${change.id} ${change.title}`,
      text: `cancelled by ops: give up. The change was rolled back (see its report) and the environment ${change.environment} is free.`, operator: 'ops',
    }]);
  });

  it('should keep the request but refuse a change that is in no cancellable status (INTERRUPTED)', async () => {
    // Arrange
    const deps = fixedDeps();
    const change = await changeAt(deps, 'CR-2026-714', { status: 'INTERRUPTED', interruptedFrom: 'ACTING' });

    // Act
    const cancelling = requestCancel(deps, control(true), { changeId: change.id, by: 'ops' });

    // Assess
    await expect(cancelling).rejects.toThrow('change CR-2026-714 is INTERRUPTED: there is nothing left to cancel');
    expect((await deps.store.getChange(change.id))?.cancelRequest).toEqual({ by: 'ops', at: NOW.toISOString(), reason: null });
  });
});
