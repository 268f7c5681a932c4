// sendCommandForTask on a Task retry: a slot claimed by a try that never sent sends now (and never asks the store
// for a command it has no id for: DynamoDB refuses a key without a value); a slot whose command went out hands
// that command the new token instead of sending it twice.
import { callbackKey } from '../../lambdas/core/records';
import { sendCommandForTask } from '../../lambdas/phases/common';
import type { Deps } from '../../lambdas/ports';
import { memoryDeps, submitted } from '../support/phase-deps';

const step = { name: 'deploy', document: 'runbook-Deploy', parameters: { Version: '3.2.1' }, timeoutSeconds: 60 };

describe('sendCommandForTask on a retried task', () => {
  it('should send now when the slot was claimed but nothing was sent, asking the store only for real command ids', async () => {
    // Arrange
    const base = memoryDeps();
    await submitted(base, 'CR-2026-990');
    await base.store.createCallback({ key: callbackKey('command', 'CR-2026-990', 1, 'ACT:deploy'), kind: 'command', changeId: 'CR-2026-990', attempt: 1, token: 'first-token', createdAt: new Date().toISOString() });
    const asked: unknown[] = [];
    const store = Object.assign(Object.create(base.store) as Deps['store'], {
      getCommand: async (id: unknown) => { asked.push(id); return typeof id === 'string' ? base.store.getCommand(id) : Promise.reject(new Error('key without a value')); },
    });
    const deps: Deps = { ...base, store };

    // Act
    const { commandId } = await sendCommandForTask(deps, { changeId: 'CR-2026-990', attempt: 1, taskToken: 'retry-token', phase: 'ACT', step, slot: 'deploy' });

    // Assess
    expect(base.hosts.sent).toHaveLength(1);
    expect(asked.every((id) => typeof id === 'string')).toBe(true);
    expect(await base.store.getCommand(commandId)).toMatchObject({ status: 'InProgress', taskToken: 'retry-token', stepName: 'deploy' });
  });

  it('should hand the command already sent the new token instead of sending it twice', async () => {
    // Arrange
    const deps = memoryDeps();
    await submitted(deps, 'CR-2026-991');
    const first = await sendCommandForTask(deps, { changeId: 'CR-2026-991', attempt: 1, taskToken: 'first-token', phase: 'ACT', step, slot: 'deploy' });

    // Act
    const retry = await sendCommandForTask(deps, { changeId: 'CR-2026-991', attempt: 1, taskToken: 'retry-token', phase: 'ACT', step, slot: 'deploy' });

    // Assess
    expect(retry.commandId).toBe(first.commandId);
    expect(deps.hosts.sent).toHaveLength(1);
    expect(await deps.store.getCommand(first.commandId)).toMatchObject({ taskToken: 'retry-token' });
    expect((await deps.store.listEvents('CR-2026-991')).map((e) => e.type)).toContain('command.retried');
  });
});
