// ROLLBACK's start over the memory store: which host commands it cancels first (and what it records for each), the
// ROLLING_BACK move with its reason, the rollback notification and the steps it announces.
import type { ChangeRecord, CommandRecord } from '../../lambdas/core/records';
import { beginRollback, cancelRunningCommands } from '../../lambdas/phases/rollback';
import { memoryDeps, submitted, type MemoryDeps } from '../support/phase-deps';

function command(change: ChangeRecord, commandId: string, patch: Partial<CommandRecord>): CommandRecord {
  return {
    commandId, changeId: change.id, attempt: change.attempt, phase: 'ACT', stepName: `step-${commandId}`, document: 'runbook-DeployRelease',
    parameters: {}, status: 'InProgress', requestedAt: '2026-12-02T09:00:00.000Z', ...patch,
  };
}

/** Hosts whose cancel answers from `live` (the ids still running), recording what it was asked to cancel. */
function cancellingHosts(deps: MemoryDeps, live: string[]): string[] {
  const asked: string[] = [];
  deps.hosts.cancel = async (commandId: string) => { asked.push(commandId); return { cancelled: live.includes(commandId) }; };
  return asked;
}

describe('cancelRunningCommands', () => {
  it('should cancel the attempt\'s pending and running commands outside ROLLBACK and record each, cancelled or already ended', async () => {
    // Arrange
    const deps = memoryDeps();
    const change = await submitted(deps, 'CR-2026-810');
    for (const c of [
      command(change, 'c1', { status: 'InProgress', phase: 'ACT', stepName: 'deploy' }),
      command(change, 'c2', { status: 'Pending', phase: 'PREFLIGHT', stepName: 'backup', document: 'runbook-Backup' }),
      command(change, 'c3', { status: 'Success' }),
      command(change, 'c4', { status: 'InProgress', phase: 'ROLLBACK' }),
      command(change, 'c5', { status: 'InProgress', attempt: change.attempt + 1 }),
    ]) await deps.store.putCommand(c);
    const asked = cancellingHosts(deps, ['c1']);

    // Act
    const cancelled = await cancelRunningCommands(deps, change.id);

    // Assess
    expect(cancelled).toEqual(['c1']);
    expect(asked.sort()).toEqual(['c1', 'c2']);
    const events = (await deps.store.listEvents(change.id)).filter((e) => e.type === 'command.cancelled');
    expect(events.map((e) => ({ phase: e.phase, message: e.message, data: e.data })).sort((a, b) => a.message.localeCompare(b.message))).toEqual([
      { phase: 'PREFLIGHT', message: 'backup: runbook-Backup had already ended when the rollback began (c2)', data: { commandId: 'c2', step: 'backup', cancelled: false } },
      { phase: 'ACT', message: 'deploy: runbook-DeployRelease cancelled before the rollback (c1)', data: { commandId: 'c1', step: 'deploy', cancelled: true } },
    ]);
  });
});

describe('beginRollback', () => {
  it('should cancel what still runs, move the change to ROLLING_BACK with the failure as reason, notify and announce the rollback steps', async () => {
    // Arrange
    const deps = memoryDeps();
    const change = await submitted(deps, 'CR-2026-811');
    await deps.store.putCommand(command(change, 'c1', { stepName: 'deploy' }));
    const asked = cancellingHosts(deps, ['c1']);
    const failure = { Error: 'StepFailed', Cause: 'deploy exited 2' };

    // Act
    const { steps } = await beginRollback(deps, change.id, failure);

    // Assess
    expect(asked).toEqual(['c1']);
    expect(steps.map((s) => [s.name, s.phase, s.index])).toEqual([['rollback-release', 'ROLLBACK', 0], ['rollback-health-check', 'ROLLBACK', 1]]);
    expect(await deps.store.getChange(change.id)).toMatchObject({ status: 'ROLLING_BACK', phase: 'ROLLBACK', reason: 'StepFailed: deploy exited 2' });
    const events = await deps.store.listEvents(change.id);
    expect(events.find((e) => e.type === 'rollback.started')).toMatchObject({ status: 'ROLLING_BACK', phase: 'ROLLBACK', message: 'rolling back: StepFailed: deploy exited 2', data: { failure } });
    expect(events.at(-1)).toMatchObject({ type: 'rollback.steps', phase: 'ROLLBACK', message: 'rollback steps: rollback-release, rollback-health-check' });
    expect(deps.notifier.sent.at(-1)).toEqual({ kind: 'rollback', severity: 'warning', changeId: change.id, status: 'ROLLING_BACK', title: `Rollback started: ${change.id}`, text: 'StepFailed: deploy exited 2' });
  });

  it('should give an unknown failure as the reason when none was passed, and the bare error name without a cause', async () => {
    // Arrange
    const [one, two] = [memoryDeps(), memoryDeps()];
    const unknown = await submitted(one, 'CR-2026-812');
    const bare = await submitted(two, 'CR-2026-813');

    // Act
    await beginRollback(one, unknown.id, undefined);
    await beginRollback(two, bare.id, { Error: 'States.Timeout' });

    // Assess
    expect((await one.store.getChange(unknown.id))?.reason).toBe('unknown failure');
    expect((await two.store.getChange(bare.id))?.reason).toBe('States.Timeout:');
  });
});
