// onCommandStatus in process: which status events it leaves alone, the finished command record and event it writes,
// and the waiting task it completes (success with the result line, failure with the output's last lines).
import { TransientError } from '../../lambdas/core/errors';
import { ssmCommandStatusEvent } from '../../lambdas/core/events';
import type { CommandRecord } from '../../lambdas/core/records';
import { commandOutput, environmentOfAlarm, lastLineJson, onCommandStatus } from '../../lambdas/phases/events';
import type { CommandOutcome } from '../../lambdas/ports';
import { memoryDeps, recordingCallbacks, submitted, type MemoryDeps } from '../support/phase-deps';

const NOW = new Date('2026-06-01T12:00:00.000Z');

type Deps = MemoryDeps & { callbacks: ReturnType<typeof recordingCallbacks> };

const statusEvent = (commandId: string, status: string) => ssmCommandStatusEvent({
  'command-id': commandId, 'document-name': 'runbook-DeployRelease', 'expire-after': '', parameters: {}, 'requested-date-time': '', status,
} as Parameters<typeof ssmCommandStatusEvent>[0], NOW);

/** A change with one recorded command (InProgress, attempt 2, ACT, with a token unless given otherwise) whose hosts report `outcome`. */
async function running(id: string, outcome: CommandOutcome, command: Partial<CommandRecord> = {}): Promise<{ deps: Deps; commandId: string }> {
  const base = memoryDeps();
  const hosts = Object.assign(Object.create(base.hosts) as MemoryDeps['hosts'], { outcome: async () => outcome });
  const deps: Deps = { ...base, hosts, clock: { now: () => NOW }, callbacks: recordingCallbacks() };
  await submitted(deps, id);
  const commandId = `cmd-${id}`;
  await deps.store.putCommand({
    commandId, changeId: id, attempt: 2, phase: 'ACT', stepName: 'deploy', document: 'runbook-DeployRelease', parameters: {},
    status: 'InProgress', requestedAt: NOW.toISOString(), taskToken: 'step-token', ...command,
  });
  return { deps, commandId };
}

async function finishedEvent(deps: Deps, id: string) {
  return (await deps.store.listEvents(id)).find((e) => e.type === 'command.finished');
}

describe('onCommandStatus leaves alone', () => {
  it.each(['InProgress', 'Pending', 'Delayed'])('should leave a %s status alone', async (status) => {
    // Arrange
    const { deps, commandId } = await running('CR-2026-810', { status: 'Success', stdout: '', stderr: '' });

    // Act
    const outcome = await onCommandStatus(deps, statusEvent(commandId, status));

    // Assess
    expect(outcome).toEqual({ handled: false, reason: `status ${status} is not final` });
    expect(await deps.store.getCommand(commandId)).toMatchObject({ status: 'InProgress' });
    expect(deps.callbacks.sent).toEqual([]);
  });

  it.each(['Success', 'Failed', 'TimedOut', 'Cancelled'] as const)('should leave a command already %s alone', async (status) => {
    // Arrange
    const { deps, commandId } = await running('CR-2026-811', { status: 'Failed', stdout: '', stderr: '' }, { status });

    // Act
    const outcome = await onCommandStatus(deps, statusEvent(commandId, 'Failed'));

    // Assess
    expect(outcome).toEqual({ handled: false, reason: 'already completed' });
    expect(await deps.store.getCommand(commandId)).toMatchObject({ status });
    expect(await finishedEvent(deps, 'CR-2026-811')).toBeUndefined();
    expect(deps.callbacks.sent).toEqual([]);
  });
});

describe('onCommandStatus before the command is recorded', () => {
  it('should ask for a redelivery, naming the command', async () => {
    // Arrange
    const { deps } = await running('CR-2026-823', { status: 'Success', stdout: '', stderr: '' });

    // Act
    const attempt = onCommandStatus(deps, statusEvent('cmd-unknown', 'Success'));

    // Assess
    await expect(attempt).rejects.toThrow(new TransientError('command cmd-unknown is not recorded yet'));
    await expect(attempt).rejects.toBeInstanceOf(TransientError);
  });
});

describe('onCommandStatus finishes', () => {
  it('should record a success with its exit code, output and result, and complete the token with the result', async () => {
    // Arrange
    const { deps, commandId } = await running('CR-2026-812', { status: 'Success', exitCode: 0, stdout: '{"version":"3.0.0"}\n', stderr: 'deploying\ndone\n' });

    // Act
    const outcome = await onCommandStatus(deps, statusEvent(commandId, 'Success'));

    // Assess
    expect(outcome).toEqual({ handled: true });
    expect(await deps.store.getCommand(commandId)).toEqual(expect.objectContaining({
      status: 'Success', finishedAt: NOW.toISOString(), exitCode: 0, output: 'deploying\ndone\n{"version":"3.0.0"}', result: { version: '3.0.0' }, taskToken: 'step-token',
    }));
    expect(await finishedEvent(deps, 'CR-2026-812')).toMatchObject({
      phase: 'ACT', attempt: 2, message: 'deploy: runbook-DeployRelease Success (exit 0)',
      data: { commandId, step: 'deploy', status: 'Success', exitCode: 0, result: { version: '3.0.0' } },
    });
    expect(deps.callbacks.sent).toEqual([{ token: 'step-token', outcome: 'success', output: { commandId, step: 'deploy', status: 'Success', result: { version: '3.0.0' } } }]);
  });

  it('should leave out the exit code and result it did not get', async () => {
    // Arrange
    const { deps, commandId } = await running('CR-2026-813', { status: 'Success', stdout: 'plain text\n', stderr: '' });

    // Act
    await onCommandStatus(deps, statusEvent(commandId, 'Success'));

    // Assess
    const command = await deps.store.getCommand(commandId);
    expect(command).not.toHaveProperty('exitCode');
    expect(command).not.toHaveProperty('result');
    const event = await finishedEvent(deps, 'CR-2026-813');
    expect(event?.message).toBe('deploy: runbook-DeployRelease Success');
    expect(event?.data).toEqual({ commandId, step: 'deploy', status: 'Success', exitCode: undefined });
    expect(deps.callbacks.sent).toEqual([{ token: 'step-token', outcome: 'success', output: { commandId, step: 'deploy', status: 'Success' } }]);
  });

  it('should fail the token with the last three lines of stderr and what was cut', async () => {
    // Arrange
    const outcome: CommandOutcome = { status: 'Failed', exitCode: 2, stdout: '{"ok":false}', stderr: 'one\ntwo\nthree\nfour\n', truncated: { streams: ['stderr'], note: 'stderr cut' } };
    const { deps, commandId } = await running('CR-2026-814', outcome);

    // Act
    await onCommandStatus(deps, statusEvent(commandId, 'Failed'));

    // Assess
    expect(deps.callbacks.sent).toEqual([{ token: 'step-token', outcome: 'failure', error: 'HostCommandFailed', cause: 'deploy (runbook-DeployRelease) Failed: two | three | four | stderr cut' }]);
    expect(await finishedEvent(deps, 'CR-2026-814')).toMatchObject({ message: 'deploy: runbook-DeployRelease Failed (exit 2)', data: { truncated: 'stderr cut', result: { ok: false } } });
  });

  it('should fail the token with stdout when stderr is empty, and with nothing more when both are', async () => {
    // Arrange
    const a = await running('CR-2026-815', { status: 'TimedOut', stdout: 'a\nb\n', stderr: '  \n' });
    const b = await running('CR-2026-816', { status: 'Cancelled', stdout: '', stderr: '' });

    // Act
    await onCommandStatus(a.deps, statusEvent(a.commandId, 'TimedOut'));
    await onCommandStatus(b.deps, statusEvent(b.commandId, 'Cancelled'));

    // Assess
    expect(a.deps.callbacks.sent).toEqual([expect.objectContaining({ outcome: 'failure', cause: 'deploy (runbook-DeployRelease) TimedOut: a | b' })]);
    expect(b.deps.callbacks.sent).toEqual([expect.objectContaining({ outcome: 'failure', cause: 'deploy (runbook-DeployRelease) Cancelled: ' })]);
  });

  it('should cut the failure cause at 32,000 characters', async () => {
    // Arrange
    const { deps, commandId } = await running('CR-2026-817', { status: 'Failed', stdout: '', stderr: 'x'.repeat(40_000) });

    // Act
    await onCommandStatus(deps, statusEvent(commandId, 'Failed'));

    // Assess
    const cause = deps.callbacks.sent[0]?.cause ?? '';
    expect(cause).toHaveLength(32_000);
    expect(cause.startsWith('deploy (runbook-DeployRelease) Failed: xxx')).toBe(true);
  });

  it('should complete no token for a command without one, still recording it', async () => {
    // Arrange
    const { deps, commandId } = await running('CR-2026-818', { status: 'Failed', stdout: '', stderr: 'boom' }, { taskToken: undefined });

    // Act
    const outcome = await onCommandStatus(deps, statusEvent(commandId, 'Failed'));

    // Assess
    expect(outcome).toEqual({ handled: true });
    expect(deps.callbacks.sent).toEqual([]);
    expect(await deps.store.getCommand(commandId)).toMatchObject({ status: 'Failed', output: 'boom' });
  });

  it('should keep a failure that reached no instance Failed and say so', async () => {
    // Arrange
    const { deps, commandId } = await running('CR-2026-819', { status: 'Failed', instances: 0, stdout: '', stderr: '' });

    // Act
    await onCommandStatus(deps, statusEvent(commandId, 'Failed'));

    // Assess
    expect(await finishedEvent(deps, 'CR-2026-819')).toMatchObject({ message: 'deploy: runbook-DeployRelease Failed: reached no instance', data: { status: 'Failed', instances: 0 } });
  });

  it('should call a success that reached no instance a failure', async () => {
    // Arrange
    const { deps, commandId } = await running('CR-2026-824', { status: 'Success', instances: 0, exitCode: 0, stdout: '', stderr: '' });

    // Act
    await onCommandStatus(deps, statusEvent(commandId, 'Success'));

    // Assess
    expect(await deps.store.getCommand(commandId)).toMatchObject({ status: 'Failed' });
    expect(await finishedEvent(deps, 'CR-2026-824')).toMatchObject({ message: 'deploy: runbook-DeployRelease Failed (exit 0): reached no instance', data: { status: 'Failed', instances: 0 } });
    expect(deps.callbacks.sent).toEqual([expect.objectContaining({ outcome: 'failure', cause: 'deploy (runbook-DeployRelease) Failed: ' })]);
  });

  it('should say nothing of hosts when none failed, and name the first of many that did', async () => {
    // Arrange
    const none = await running('CR-2026-825', { status: 'Success', stdout: '', stderr: '', notSucceeded: { count: 0, instanceIds: [] } });
    const many = await running('CR-2026-826', { status: 'Failed', instances: 9, stdout: '', stderr: '', notSucceeded: { count: 4, instanceIds: ['i-a', 'i-b'] } });

    // Act
    await onCommandStatus(none.deps, statusEvent(none.commandId, 'Success'));
    await onCommandStatus(many.deps, statusEvent(many.commandId, 'Failed'));

    // Assess
    expect((await finishedEvent(none.deps, 'CR-2026-825'))?.message).toBe('deploy: runbook-DeployRelease Success');
    expect((await finishedEvent(many.deps, 'CR-2026-826'))?.message).toBe('deploy: runbook-DeployRelease Failed: 4 of 9 host(s) did not succeed (first 2: i-a, i-b)');
  });

  it('should keep a time-out that reached no instance a time-out', async () => {
    // Arrange
    const { deps, commandId } = await running('CR-2026-827', { status: 'TimedOut', instances: 0, stdout: '', stderr: '' });

    // Act
    await onCommandStatus(deps, statusEvent(commandId, 'TimedOut'));

    // Assess
    expect(await deps.store.getCommand(commandId)).toMatchObject({ status: 'TimedOut' });
  });

  it('should not call a success on some instances a failure', async () => {
    // Arrange
    const { deps, commandId } = await running('CR-2026-820', { status: 'Success', instances: 3, stdout: '', stderr: '' });

    // Act
    await onCommandStatus(deps, statusEvent(commandId, 'Success'));

    // Assess
    const event = await finishedEvent(deps, 'CR-2026-820');
    expect(event?.message).toBe('deploy: runbook-DeployRelease Success');
    expect(event?.data).not.toHaveProperty('instances');
    expect(deps.callbacks.sent[0]?.outcome).toBe('success');
  });

  it('should name the hosts that did not succeed: all listed, and without a total when the engine gives none', async () => {
    // Arrange
    const notSucceeded = { count: 2, instanceIds: ['i-a', 'i-b'] };
    const { deps, commandId } = await running('CR-2026-821', { status: 'Failed', exitCode: 1, stdout: '', stderr: '', notSucceeded });

    // Act
    await onCommandStatus(deps, statusEvent(commandId, 'Failed'));

    // Assess
    expect(await finishedEvent(deps, 'CR-2026-821')).toMatchObject({ message: 'deploy: runbook-DeployRelease Failed (exit 1): 2 host(s) did not succeed (i-a, i-b)', data: { notSucceeded } });
  });

  it('should count hosts that did not succeed without ids when none were listed', async () => {
    // Arrange
    const { deps, commandId } = await running('CR-2026-822', { status: 'Failed', instances: 9, stdout: '', stderr: '', notSucceeded: { count: 4, instanceIds: [] } });

    // Act
    await onCommandStatus(deps, statusEvent(commandId, 'Failed'));

    // Assess
    expect((await finishedEvent(deps, 'CR-2026-822'))?.message).toBe('deploy: runbook-DeployRelease Failed: 4 of 9 host(s) did not succeed');
  });
});

describe('command output and result line', () => {
  it('should read a result line with spaces around it and refuse one that is not an object', () => {
    // Arrange
    const outputs = ['log\n  {"a":1}  \n\n', 'null', '"text"', '{"a":1} trailing', ''];

    // Act
    const results = outputs.map(lastLineJson);

    // Assess
    expect(results).toEqual([{ a: 1 }, undefined, undefined, undefined, undefined]);
  });

  it('should take only a whole rollback alarm name for an environment', () => {
    // Arrange
    const names = ['runbook-test-env-error-rate', 'x-runbook-test-env-error-rate', 'runbook-test-env-error-rate-old', 'runbook-test-env-p95-latency'];

    // Act
    const environments = names.map(environmentOfAlarm);

    // Assess
    expect(environments).toEqual(['test-env', undefined, undefined, 'test-env']);
  });

  it('should keep the whole end when it fills the room, and no progress', () => {
    // Arrange
    const result = `{"x":"${'r'.repeat(4100)}"}`;

    // Act
    const output = commandOutput({ status: 'Success', stdout: result, stderr: 'progress line' });

    // Assess
    expect(output).toBe(result.slice(-4000));
  });

  it('should start at the result, not at the newline before it, when the result line fills the room', () => {
    // Arrange
    const result = `{"x":"${'r'.repeat(3991)}"}`;

    // Act
    const output = commandOutput({ status: 'Success', stdout: result, stderr: 'progress line' });

    // Assess
    expect(result).toHaveLength(3999);
    expect(output).toBe(result);
  });

  it('should start at the progress kept, not at a newline it begins with', () => {
    // Arrange
    const progress = `${'x'.repeat(10)}\n${'y'.repeat(3997)}`;

    // Act
    const output = commandOutput({ status: 'Success', stdout: 'r', stderr: progress });

    // Assess
    expect(output).toBe(`${'y'.repeat(3997)}\nr`);
  });

  it('should put what was cut after the progress when there is no result', () => {
    // Arrange
    const outcome: CommandOutcome = { status: 'Failed', stdout: '  \n', stderr: 'working\n', truncated: { streams: ['stdout'], note: 'cut here' } };

    // Act
    const output = commandOutput(outcome);

    // Assess
    expect(output).toBe('working\n[cut here]');
  });

  it('should give the result alone when there is no progress', () => {
    // Arrange
    const outcome: CommandOutcome = { status: 'Success', stdout: '{"ok":true}\n', stderr: '\n' };

    // Act
    const output = commandOutput(outcome);

    // Assess
    expect(output).toBe('{"ok":true}');
  });
});
