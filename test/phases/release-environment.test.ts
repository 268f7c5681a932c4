// releaseEnvironment over the memory store: only a change in MANUAL_INTERVENTION frees its environment, with who and
// why recorded and notified once; a second release answers the first and writes nothing.
import { ConflictError, NotFoundError } from '../../lambdas/core/errors';
import { transition } from '../../lambdas/phases/common';
import { releaseEnvironment } from '../../lambdas/phases/release';
import { memoryDeps, submitted, type MemoryDeps } from '../support/phase-deps';

const NOW = new Date('2026-06-01T12:00:00.000Z');

async function heldAfterIntervention(id: string): Promise<MemoryDeps> {
  const deps: MemoryDeps = { ...memoryDeps(), clock: { now: () => NOW } };
  await submitted(deps, id);
  await transition(deps, id, { status: 'MANUAL_INTERVENTION', phase: 'ROLLBACK', message: 'test: rollback failed' });
  return deps;
}

describe('releaseEnvironment', () => {
  it('should free the environment, recording and notifying who released it and why', async () => {
    // Arrange
    const deps = await heldAfterIntervention('CR-2026-740');

    // Act
    const outcome = await releaseEnvironment(deps, { changeId: 'CR-2026-740', by: 'erin', reason: 'service restored by hand' });

    // Assess
    expect(outcome).toEqual({ changeId: 'CR-2026-740', environment: 'test-env', releasedBy: 'erin', reason: 'service restored by hand' });
    expect(await deps.store.lockHolder('test-env')).toBeUndefined();
    const events = await deps.store.listEvents('CR-2026-740');
    expect(events.at(-1)).toMatchObject({
      type: 'environment.released', phase: 'ROLLBACK', actor: 'erin', at: NOW.toISOString(),
      message: 'environment test-env released by erin after manual intervention: service restored by hand',
      data: { reason: 'service restored by hand' },
    });
    expect(deps.notifier.sent.at(-1)).toEqual({
      kind: 'ended', severity: 'info', changeId: 'CR-2026-740', status: 'MANUAL_INTERVENTION', operator: 'erin',
      title: 'Environment test-env released: CR-2026-740',
      text: 'erin released test-env after manual intervention: service restored by hand. New changes may start.',
    });
    expect((await deps.store.getChange('CR-2026-740'))?.status).toBe('MANUAL_INTERVENTION');
  });

  it('should record a release without a reason as null, saying no reason', async () => {
    // Arrange
    const deps = await heldAfterIntervention('CR-2026-741');

    // Act
    const outcome = await releaseEnvironment(deps, { changeId: 'CR-2026-741', by: 'erin' });

    // Assess
    expect(outcome.reason).toBeNull();
    const event = (await deps.store.listEvents('CR-2026-741')).at(-1);
    expect(event).toMatchObject({ message: 'environment test-env released by erin after manual intervention', data: { reason: null } });
    expect(deps.notifier.sent.at(-1)?.text).toBe('erin released test-env after manual intervention. New changes may start.');
  });

  it('should answer a second release with the first one\'s who and why, writing and notifying nothing', async () => {
    // Arrange
    const deps = await heldAfterIntervention('CR-2026-742');
    await releaseEnvironment(deps, { changeId: 'CR-2026-742', by: 'erin', reason: 'restored' });
    const events = (await deps.store.listEvents('CR-2026-742')).length;
    const notified = deps.notifier.sent.length;
    await deps.store.acquireLock('test-env', 'CR-2026-743');

    // Act
    const again = await releaseEnvironment(deps, { changeId: 'CR-2026-742', by: 'frank', reason: 'again' });

    // Assess
    expect(again).toEqual({ changeId: 'CR-2026-742', environment: 'test-env', releasedBy: 'erin', reason: 'restored', alreadyReleased: true });
    expect(await deps.store.listEvents('CR-2026-742')).toHaveLength(events);
    expect(deps.notifier.sent).toHaveLength(notified);
    expect(await deps.store.lockHolder('test-env')).toBe('CR-2026-743');
  });

  it('should answer a second release of one without a reason with a null reason', async () => {
    // Arrange
    const deps = await heldAfterIntervention('CR-2026-744');
    await releaseEnvironment(deps, { changeId: 'CR-2026-744', by: 'erin' });

    // Act
    const again = await releaseEnvironment(deps, { changeId: 'CR-2026-744', by: 'frank', reason: 'again' });

    // Assess
    expect(again).toEqual({ changeId: 'CR-2026-744', environment: 'test-env', releasedBy: 'erin', reason: null, alreadyReleased: true });
  });

  it('should refuse a change that is not in MANUAL_INTERVENTION and keep its lock', async () => {
    // Arrange
    const deps: MemoryDeps = { ...memoryDeps(), clock: { now: () => NOW } };
    await submitted(deps, 'CR-2026-745');

    // Act
    const attempt = releaseEnvironment(deps, { changeId: 'CR-2026-745', by: 'erin' });

    // Assess
    await expect(attempt).rejects.toThrow(new ConflictError('change CR-2026-745 is SUBMITTED: only a change in MANUAL_INTERVENTION holds its environment after it ended'));
    await expect(attempt).rejects.toBeInstanceOf(ConflictError);
    expect(await deps.store.lockHolder('test-env')).toBe('CR-2026-745');
    expect(deps.notifier.sent.map((n) => n.kind)).toEqual(['submitted']);
  });

  it('should refuse a change that does not exist', async () => {
    // Arrange
    const deps = memoryDeps();

    // Act
    const attempt = releaseEnvironment(deps, { changeId: 'CR-2026-746', by: 'erin' });

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(NotFoundError);
  });
});
