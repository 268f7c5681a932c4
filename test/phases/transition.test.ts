// transition() with the change its caller has just read: the first try reads nothing (a GetItem less per status move
// on AWS), and a stale record only costs the lost race, after which the change is read again and the move applied.
import { MemoryChangeStore } from '../../lambdas/adapters/memory/change-store';
import { ConflictError } from '../../lambdas/core/errors';
import { transition } from '../../lambdas/phases/common';
import { changeRecord } from '../adapters/change-store.contract';
import { systemClock } from '../support/fakes';

describe('transition with the change already read', () => {
  it('should move the change without reading it again', async () => {
    // Prepare
    const store = new MemoryChangeStore();
    await store.createChange(changeRecord({ status: 'SCHEDULED', phase: 'PLAN' }));
    const known = await store.getChange('CR-2025-001');
    const reads = jest.spyOn(store, 'getChange');

    // Act
    const moved = await transition({ store, clock: systemClock }, 'CR-2025-001', { status: 'ACTING', phase: 'ACT', message: 'ACT started' }, known);

    // Assess
    expect(moved).toMatchObject({ status: 'ACTING', version: 2 });
    expect(reads).not.toHaveBeenCalled();
    expect((await store.listEvents('CR-2025-001')).map((e) => e.status)).toEqual(['ACTING']);
  });

  it('should read the change again after a stale record lost the race, and then apply the move', async () => {
    // Prepare: the caller's copy is one version behind
    const store = new MemoryChangeStore();
    await store.createChange(changeRecord({ status: 'SCHEDULED', phase: 'PLAN' }));
    const stale = await store.getChange('CR-2025-001');
    await store.updateChange('CR-2025-001', 1, { reason: 'touched meanwhile' });
    const reads = jest.spyOn(store, 'getChange');

    // Act
    const moved = await transition({ store, clock: systemClock }, 'CR-2025-001', { status: 'ACTING', phase: 'ACT', message: 'ACT started' }, stale);

    // Assess
    expect(moved).toMatchObject({ status: 'ACTING', version: 3, reason: 'touched meanwhile' });
    expect(reads).toHaveBeenCalledTimes(1);
  });

  it('should refuse a move from a status the stale record no longer shows, once the change is read again', async () => {
    // Prepare: the caller read it SCHEDULED; it was cancelled since
    const store = new MemoryChangeStore();
    await store.createChange(changeRecord({ status: 'SCHEDULED', phase: 'PLAN' }));
    const stale = await store.getChange('CR-2025-001');
    await store.updateChange('CR-2025-001', 1, { status: 'CANCELLED' });

    // Act
    const moved = transition({ store, clock: systemClock }, 'CR-2025-001', { status: 'ACTING', phase: 'ACT', message: 'ACT started' }, stale);

    // Assess
    await expect(moved).rejects.toBeInstanceOf(ConflictError);
    expect((await store.getChange('CR-2025-001'))?.status).toBe('CANCELLED');
    expect(await store.listEvents('CR-2025-001')).toEqual([]);
  });
});
