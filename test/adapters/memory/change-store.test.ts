// MemoryChangeStore against the shared ChangeStore contract, plus what only the memory store promises.
import { MemoryChangeStore } from '../../../lambdas/adapters/memory/change-store';
import { changeRecord, describeChangeStoreContract } from '../change-store.contract';

describe('MemoryChangeStore', () => {
  describeChangeStoreContract(async () => new MemoryChangeStore());

  it('should stamp updatedAt from the injected clock', async () => {
    // Prepare
    const store = new MemoryChangeStore({ now: () => new Date('2025-06-01T10:30:00.000Z') });
    await store.createChange(changeRecord());

    // Act
    const updated = await store.updateChange('CR-2025-001', 1, { status: 'PREFLIGHT' });

    // Assess
    expect(updated.updatedAt).toBe('2025-06-01T10:30:00.000Z');
  });

  it('should not let a caller mutate a stored event through the returned one', async () => {
    // Prepare
    const store = new MemoryChangeStore();
    await store.createChange(changeRecord());
    const appended = await store.appendEvent({ changeId: 'CR-2025-001', attempt: 1, at: '2025-06-01T10:00:00.000Z', actor: 'engine', type: 'status', message: 'original', data: { n: 1 } });

    // Act
    appended.message = 'mutated';
    if (appended.data) appended.data.n = 2;

    // Assess
    expect(await store.listEvents('CR-2025-001')).toMatchObject([{ message: 'original', data: { n: 1 } }]);
  });
});
