// sendCommandForTask over the memory store: what a first send writes (slot, command, event) and asks the hosts, the
// slot of a resumed run, and a retried task whose command already ended completing the new token at once.
import { callbackKey, type CommandRecord } from '../../lambdas/core/records';
import { sendCommandForTask } from '../../lambdas/phases/common';
import { memoryDeps, recordingCallbacks, submitted, type MemoryDeps } from '../support/phase-deps';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const step = { name: 'deploy', document: 'runbook-DeployRelease', parameters: { Release: 'v3.0.0' }, timeoutSeconds: 60 };

function fixedDeps(): MemoryDeps & { callbacks: ReturnType<typeof recordingCallbacks> } {
  return { ...memoryDeps(), clock: { now: () => NOW }, callbacks: recordingCallbacks() };
}

describe('sendCommandForTask, first send', () => {
  it('should send the step to the profile\'s targets and keep the slot, the command and its event', async () => {
    // Arrange
    const deps = fixedDeps();
    await submitted(deps, 'CR-2026-770');

    // Act
    const { commandId } = await sendCommandForTask(deps, { changeId: 'CR-2026-770', attempt: 2, taskToken: 'tok-1', phase: 'ACT', step, slot: 'deploy' });

    // Assess
    expect(deps.hosts.sent).toEqual([{ changeId: 'CR-2026-770', attempt: 2, step, targets: { kind: 'local' }, comment: 'CR-2026-770 attempt 2 deploy' }]);
    expect(await deps.store.getCallback(callbackKey('command', 'CR-2026-770', 2, 'ACT:deploy'))).toEqual({
      key: 'command#CR-2026-770#2#ACT:deploy', kind: 'command', changeId: 'CR-2026-770', attempt: 2, token: 'tok-1', createdAt: NOW.toISOString(), data: { commandId },
    });
    expect(await deps.store.getCommand(commandId)).toEqual({
      commandId, changeId: 'CR-2026-770', attempt: 2, phase: 'ACT', stepName: 'deploy', document: 'runbook-DeployRelease',
      parameters: { Release: 'v3.0.0' }, status: 'InProgress', taskToken: 'tok-1', requestedAt: NOW.toISOString(),
    });
    expect((await deps.store.listEvents('CR-2026-770')).at(-1)).toMatchObject({
      type: 'command.sent', phase: 'ACT', attempt: 2, message: `deploy: runbook-DeployRelease sent (${commandId})`,
      data: { commandId, step: 'deploy', document: 'runbook-DeployRelease', parameters: { Release: 'v3.0.0' } },
    });
  });

  it('should claim the slot with the task\'s token before sending, reading nothing back on a first send', async () => {
    // Arrange
    const deps = fixedDeps();
    await submitted(deps, 'CR-2026-777');
    const reads = jest.spyOn(deps.store, 'getCallback');
    deps.hosts.send = async () => { throw new Error('SendCommand throttled'); };

    // Act
    const attempt = sendCommandForTask(deps, { changeId: 'CR-2026-777', attempt: 1, taskToken: 'tok-1', phase: 'ACT', step, slot: 'deploy' });

    // Assess
    await expect(attempt).rejects.toThrow('SendCommand throttled');
    expect(reads).not.toHaveBeenCalled();
    expect(await deps.store.getCallback('command#CR-2026-777#1#ACT:deploy')).toEqual({
      key: 'command#CR-2026-777#1#ACT:deploy', kind: 'command', changeId: 'CR-2026-777', attempt: 1, token: 'tok-1', createdAt: NOW.toISOString(),
    });
  });

  it('should send when the slot is taken but its record is gone', async () => {
    // Arrange
    const deps = fixedDeps();
    await submitted(deps, 'CR-2026-778');
    const store = Object.assign(Object.create(deps.store) as MemoryDeps['store'], { createCallback: async () => false, getCallback: async () => undefined });

    // Act
    const { commandId } = await sendCommandForTask({ ...deps, store }, { changeId: 'CR-2026-778', attempt: 1, taskToken: 'tok-2', phase: 'ACT', step, slot: 'deploy' });

    // Assess
    expect(deps.hosts.sent).toHaveLength(1);
    expect(await deps.store.getCommand(commandId)).toMatchObject({ taskToken: 'tok-2' });
  });

  it('should cut the command comment at 100 characters', async () => {
    // Arrange
    const deps = fixedDeps();
    await submitted(deps, 'CR-2026-771');
    const long = { ...step, name: `deploy-${'x'.repeat(120)}` };

    // Act
    await sendCommandForTask(deps, { changeId: 'CR-2026-771', attempt: 1, taskToken: 'tok-1', phase: 'ACT', step: long, slot: 'deploy' });

    // Assess
    expect(deps.hosts.sent[0]?.comment).toBe(`CR-2026-771 attempt 1 ${long.name}`.slice(0, 100));
    expect(deps.hosts.sent[0]?.comment).toHaveLength(100);
  });

  it('should give a resumed run slots of its own, so it sends again', async () => {
    // Arrange
    const deps = fixedDeps();
    await submitted(deps, 'CR-2026-772');
    await sendCommandForTask(deps, { changeId: 'CR-2026-772', attempt: 1, taskToken: 'tok-1', phase: 'ACT', step, slot: 'deploy' });
    await deps.store.updateChange('CR-2026-772', 1, { resumes: 2 });

    // Act
    await sendCommandForTask(deps, { changeId: 'CR-2026-772', attempt: 1, taskToken: 'tok-2', phase: 'ACT', step, slot: 'deploy' });

    // Assess
    expect(deps.hosts.sent).toHaveLength(2);
    expect(await deps.store.getCallback('command#CR-2026-772#1#ACT:deploy:r2')).toMatchObject({ token: 'tok-2' });
    expect(await deps.store.getCallback('command#CR-2026-772#1#ACT:deploy')).toMatchObject({ token: 'tok-1' });
  });
});

describe('sendCommandForTask, retried task', () => {
  async function sentThenEnded(id: string, ended: Partial<CommandRecord>): Promise<{ deps: ReturnType<typeof fixedDeps>; commandId: string }> {
    const deps = fixedDeps();
    await submitted(deps, id);
    const { commandId } = await sendCommandForTask(deps, { changeId: id, attempt: 1, taskToken: 'tok-1', phase: 'ACT', step, slot: 'deploy' });
    const command = await deps.store.getCommand(commandId);
    if (command) await deps.store.putCommand({ ...command, ...ended });
    return { deps, commandId };
  }

  it('should hand a running command the new token, record the retry and complete nothing', async () => {
    // Arrange
    const { deps, commandId } = await sentThenEnded('CR-2026-773', {});

    // Act
    const retry = await sendCommandForTask(deps, { changeId: 'CR-2026-773', attempt: 1, taskToken: 'tok-2', phase: 'ACT', step, slot: 'deploy' });

    // Assess
    expect(retry).toEqual({ commandId });
    expect(deps.hosts.sent).toHaveLength(1);
    expect(await deps.store.getCommand(commandId)).toMatchObject({ taskToken: 'tok-2', status: 'InProgress' });
    expect((await deps.store.listEvents('CR-2026-773')).at(-1)).toMatchObject({
      type: 'command.retried', phase: 'ACT', attempt: 1, message: `deploy: already sent (${commandId}); the retried task waits for it`, data: { commandId },
    });
    expect(deps.callbacks.sent).toEqual([]);
  });

  it('should complete the new token with the result of a command that succeeded meanwhile', async () => {
    // Arrange
    const { deps, commandId } = await sentThenEnded('CR-2026-774', { status: 'Success', result: { version: 'v3.0.0' } });

    // Act
    await sendCommandForTask(deps, { changeId: 'CR-2026-774', attempt: 1, taskToken: 'tok-2', phase: 'ACT', step, slot: 'deploy' });

    // Assess
    expect(deps.callbacks.sent).toEqual([{ token: 'tok-2', outcome: 'success', output: { commandId, step: 'deploy', status: 'Success', result: { version: 'v3.0.0' } } }]);
  });

  it('should complete the new token of a command that succeeded without a result', async () => {
    // Arrange
    const { deps, commandId } = await sentThenEnded('CR-2026-775', { status: 'Success' });

    // Act
    await sendCommandForTask(deps, { changeId: 'CR-2026-775', attempt: 1, taskToken: 'tok-2', phase: 'ACT', step, slot: 'deploy' });

    // Assess
    expect(deps.callbacks.sent).toEqual([{ token: 'tok-2', outcome: 'success', output: { commandId, step: 'deploy', status: 'Success' } }]);
  });

  it.each(['Failed', 'TimedOut', 'Cancelled'] as const)('should fail the new token of a command that ended %s meanwhile', async (status) => {
    // Arrange
    const { deps } = await sentThenEnded('CR-2026-776', { status });

    // Act
    await sendCommandForTask(deps, { changeId: 'CR-2026-776', attempt: 1, taskToken: 'tok-2', phase: 'ACT', step, slot: 'deploy' });

    // Assess
    expect(deps.callbacks.sent).toEqual([{ token: 'tok-2', outcome: 'failure', error: 'HostCommandFailed', cause: `deploy (runbook-DeployRelease) ${status}` }]);
  });
});
