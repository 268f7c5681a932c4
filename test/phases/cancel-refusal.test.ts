// Cancel refusals and the stored request under write races: a change being verified (TESTING, REPORTING) or over
// cannot be cancelled and nothing is written; a request that loses a version race is retried a bounded number of times.
import { ConflictError } from '../../lambdas/core/errors';
import type { ChangeStatus, Phase } from '../../lambdas/core/records';
import { requestCancel } from '../../lambdas/phases/cancel';
import { transition } from '../../lambdas/phases/common';
import type { Deps, ExecutionControl } from '../../lambdas/ports';
import { memoryDeps, submitted } from '../support/phase-deps';

/** An engine that must not be asked anything: these paths never stop an execution. */
const noControl: ExecutionControl = {
  stop: async () => { throw new Error('stop must not be called'); },
  history: async () => { throw new Error('history must not be called'); },
};

async function changeIn(id: string, status: ChangeStatus, phase: Phase): Promise<ReturnType<typeof memoryDeps>> {
  const deps = memoryDeps();
  await submitted(deps, id);
  await transition(deps, id, { status, phase, message: `test: ${status}` });
  return deps;
}

/** The store, with its next `conflicts` change updates refused as lost version races. */
function racing(deps: Deps, conflicts: number): { deps: Deps; updates: () => number } {
  let calls = 0;
  const real = deps.store;
  const store = Object.assign(Object.create(real) as Deps['store'], {
    updateChange: async (...args: Parameters<Deps['store']['updateChange']>) => {
      calls += 1;
      if (calls <= conflicts) throw new ConflictError(`version ${args[1]} is stale`);
      return real.updateChange(...args);
    },
  });
  return { deps: { ...deps, store }, updates: () => calls };
}

describe('requestCancel refusals', () => {
  it.each([['TESTING', 'TEST'], ['REPORTING', 'REPORT']] as const)('should refuse to cancel a %s change as already made, and store no request', async (status, phase) => {
    // Arrange
    const deps = await changeIn('CR-2026-950', status, phase);

    // Act
    const attempt = requestCancel(deps, noControl, { changeId: 'CR-2026-950', by: 'ops', reason: 'too late' });

    // Assess
    await expect(attempt).rejects.toThrow(ConflictError);
    await expect(attempt).rejects.toThrow(`change CR-2026-950 is ${status}: the change has been made and is being verified, so it can no longer be cancelled`);
    expect((await deps.store.getChange('CR-2026-950'))?.cancelRequest).toBeUndefined();
  });

  it('should refuse to cancel a COMPLETED change as having nothing left to cancel', async () => {
    // Arrange
    const deps = await changeIn('CR-2026-951', 'COMPLETED', 'REPORT');

    // Act
    const attempt = requestCancel(deps, noControl, { changeId: 'CR-2026-951', by: 'ops' });

    // Assess
    await expect(attempt).rejects.toThrow('change CR-2026-951 is COMPLETED: there is nothing left to cancel');
    expect((await deps.store.getChange('CR-2026-951'))?.cancelRequest).toBeUndefined();
  });
});

describe('requestCancel under version races', () => {
  it('should store the request after three lost races', async () => {
    // Arrange
    const base = await changeIn('CR-2026-952', 'ROLLING_BACK', 'ROLLBACK');
    const { deps, updates } = racing(base, 3);

    // Act
    const outcome = await requestCancel(deps, noControl, { changeId: 'CR-2026-952', by: 'ops', reason: 'wrong build' });

    // Assess
    expect(outcome).toMatchObject({ statusCode: 202, action: 'rolling-back', cancelRequest: { by: 'ops', reason: 'wrong build' } });
    expect(updates()).toBe(4);
    expect((await base.store.getChange('CR-2026-952'))?.cancelRequest).toMatchObject({ by: 'ops', reason: 'wrong build' });
  });

  it('should give up with the conflict after a fourth lost race, storing nothing', async () => {
    // Arrange
    const base = await changeIn('CR-2026-953', 'ROLLING_BACK', 'ROLLBACK');
    const { deps, updates } = racing(base, 4);

    // Act
    const attempt = requestCancel(deps, noControl, { changeId: 'CR-2026-953', by: 'ops' });

    // Assess
    await expect(attempt).rejects.toThrow(ConflictError);
    expect(updates()).toBe(4);
    expect((await base.store.getChange('CR-2026-953'))?.cancelRequest).toBeUndefined();
  });
});
