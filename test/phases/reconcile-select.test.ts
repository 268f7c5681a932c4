// Which commands the reconciler asks SSM about, over the memory store and a fixed clock: only the active change's
// attempt, only steps with a waiting task, only non-final ones at least olderThanMs old; what it logs when it reconciles.
import type { CommandRecord } from '../../lambdas/core/records';
import type { CommandOutcome, Logger } from '../../lambdas/ports';
import { reconcileLostCommands, RECONCILE_AFTER_MS } from '../../lambdas/phases/reconcile';
import { recordingCallbacks, memoryDeps, submitted, type MemoryDeps } from '../support/phase-deps';

const NOW = Date.parse('2026-12-02T10:00:00.000Z');

function warnLog(): Logger & { warnings: { message: string; fields: Record<string, unknown> | undefined }[] } {
  const warnings: { message: string; fields: Record<string, unknown> | undefined }[] = [];
  return { warnings, info: () => undefined, error: () => undefined, warn: (message: string, fields?: Record<string, unknown>) => { warnings.push({ message, fields }); } };
}

function command(changeId: string, commandId: string, msAgo: number, patch: Partial<CommandRecord> = {}): CommandRecord {
  return {
    commandId, changeId, attempt: 1, phase: 'ACT', stepName: `step-${commandId}`, document: 'runbook-ServiceControl', parameters: {},
    status: 'InProgress', taskToken: `token-${commandId}`, requestedAt: new Date(NOW - msAgo).toISOString(), ...patch,
  };
}

async function setup(id: string, outcomes: Record<string, CommandOutcome>): Promise<{ deps: MemoryDeps & { log: ReturnType<typeof warnLog> }; asked: string[] }> {
  const deps = memoryDeps();
  const asked: string[] = [];
  const log = warnLog();
  deps.clock = { now: () => new Date(NOW) };
  deps.log = log;
  deps.callbacks = recordingCallbacks();
  deps.hosts.outcome = async (commandId: string) => { asked.push(commandId); return outcomes[commandId] ?? { status: 'InProgress', stdout: '', stderr: '' }; };
  await submitted(deps, id);
  return { deps: deps as MemoryDeps & { log: ReturnType<typeof warnLog> }, asked };
}

describe('reconcileLostCommands: what it asks about', () => {
  it('should ask only about the attempt\'s waiting, unfinished commands at least five minutes old by default', async () => {
    // Arrange
    const { deps, asked } = await setup('CR-2026-820', {});
    const id = 'CR-2026-820';
    for (const c of [
      command(id, 'at-cutoff', RECONCILE_AFTER_MS),
      command(id, 'pending', RECONCILE_AFTER_MS + 1, { status: 'Pending' }),
      command(id, 'too-recent', RECONCILE_AFTER_MS - 1),
      command(id, 'no-token', RECONCILE_AFTER_MS + 1, { taskToken: undefined }),
      command(id, 'other-attempt', RECONCILE_AFTER_MS + 1, { attempt: 2 }),
      ...(['Success', 'Failed', 'TimedOut', 'Cancelled'] as const).map((status) => command(id, status, RECONCILE_AFTER_MS + 1, { status })),
    ]) await deps.store.putCommand(c);

    // Act
    const result = await reconcileLostCommands(deps, 'test-env');

    // Assess
    expect(result).toEqual({ changeId: id, checked: expect.arrayContaining(['at-cutoff', 'pending']), reconciled: [] });
    expect(result.checked).toHaveLength(2);
    expect(asked.sort()).toEqual(['at-cutoff', 'pending']);
    expect(deps.log.warnings).toEqual([]);
  });

  it('should take the age it is given', async () => {
    // Arrange
    const { deps } = await setup('CR-2026-821', {});
    for (const c of [command('CR-2026-821', 'old', 1000), command('CR-2026-821', 'young', 999)]) await deps.store.putCommand(c);

    // Act
    const result = await reconcileLostCommands(deps, 'test-env', 1000);

    // Assess
    expect(result.checked).toEqual(['old']);
  });

  it('should say which change holds the environment when its record is gone, and ask nothing', async () => {
    // Arrange
    const deps = memoryDeps();
    await deps.store.acquireLock('test-env', 'CR-2026-823');

    // Act
    const result = await reconcileLostCommands(deps, 'test-env');

    // Assess
    expect(result).toEqual({ changeId: 'CR-2026-823', checked: [], reconciled: [] });
  });
});

describe('reconcileLostCommands: what it reconciles', () => {
  it('should complete a finished command through the status handler and log it, and skip one the handler does not take', async () => {
    // Arrange
    const id = 'CR-2026-824';
    const { deps } = await setup(id, {
      done: { status: 'Success', exitCode: 0, stdout: '', stderr: '' },
      odd: { status: 'Pending', stdout: '', stderr: '' } as unknown as CommandOutcome,
    });
    for (const c of [command(id, 'done', RECONCILE_AFTER_MS), command(id, 'odd', RECONCILE_AFTER_MS)]) await deps.store.putCommand(c);

    // Act
    const result = await reconcileLostCommands(deps, 'test-env');

    // Assess
    expect(result.reconciled).toEqual([{ commandId: 'done', step: 'step-done', status: 'Success' }]);
    expect((await deps.store.getCommand('done'))?.status).toBe('Success');
    expect((deps.callbacks as ReturnType<typeof recordingCallbacks>).sent).toEqual([{ token: 'token-done', outcome: 'success', output: { commandId: 'done', step: 'step-done', status: 'Success' } }]);
    expect(deps.log.warnings).toEqual([{ message: 'reconciled a step whose command-status event was lost', fields: { changeId: id, commandId: 'done', step: 'step-done', status: 'Success' } }]);
  });
});
