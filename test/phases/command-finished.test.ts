// The command.finished event an SSM status change records on the change: what it says about hosts that did not
// succeed, a command that reached no host, and the result line, as an operator reads them in the change's history.
import { ssmCommandStatusEvent } from '../../lambdas/core/events';
import { onCommandStatus } from '../../lambdas/phases/events';
import type { CommandOutcome, Deps } from '../../lambdas/ports';
import { memoryDeps, recordingCallbacks, submitted } from '../support/phase-deps';

/** A change with one InProgress command whose outcome (as the hosts report it) is `outcome`. */
async function finishing(id: string, outcome: CommandOutcome): Promise<{ deps: Deps; callbacks: ReturnType<typeof recordingCallbacks> }> {
  const callbacks = recordingCallbacks();
  const base = memoryDeps();
  const hosts = Object.assign(Object.create(base.hosts) as Deps['hosts'], { outcome: async () => outcome });
  const deps: Deps = { ...base, hosts, callbacks };
  await submitted(deps, id);
  await deps.store.putCommand({
    commandId: `cmd-${id}`, changeId: id, attempt: 1, phase: 'ACT', stepName: 'deploy', document: 'runbook-Deploy', parameters: {},
    status: 'InProgress', requestedAt: new Date().toISOString(), taskToken: 'step-token',
  });
  return { deps, callbacks };
}

// The EventBridge "EC2 Command Status-change Notification" detail (command-id, document-name, status, ...):
// https://docs.aws.amazon.com/systems-manager/latest/userguide/monitoring-systems-manager-event-examples.html
const statusEvent = (commandId: string, status: 'Success' | 'Failed' = 'Success') => ssmCommandStatusEvent({
  'command-id': commandId, 'document-name': 'runbook-Deploy', 'expire-after': '', parameters: {}, 'requested-date-time': '', status,
}, new Date());

async function finishedEvent(deps: Deps, id: string): Promise<{ message: string; data?: Record<string, unknown> }> {
  const e = (await deps.store.listEvents(id)).find((ev) => ev.type === 'command.finished');
  if (!e) throw new Error('no command.finished event');
  return e;
}

describe('onCommandStatus: the command.finished event', () => {
  it('should say nothing about failed hosts when none failed, and carry the result line', async () => {
    // Arrange
    const { deps, callbacks } = await finishing('CR-2026-980', { status: 'Success', exitCode: 0, stdout: '{"version":"3.2.1"}\n', stderr: '', notSucceeded: { count: 0, instanceIds: [] } });

    // Act
    await onCommandStatus(deps, statusEvent('cmd-CR-2026-980'));

    // Assess
    const e = await finishedEvent(deps, 'CR-2026-980');
    expect(e.message).toBe('deploy: runbook-Deploy Success (exit 0)');
    expect(e.data).toMatchObject({ status: 'Success', result: { version: '3.2.1' } });
    expect(callbacks.sent).toEqual([{ token: 'step-token', outcome: 'success', output: { commandId: 'cmd-CR-2026-980', step: 'deploy', status: 'Success', result: { version: '3.2.1' } } }]);
  });

  it('should end the message at the status when the outcome lists no hosts at all', async () => {
    // Arrange
    const { deps } = await finishing('CR-2026-981', { status: 'Success', stdout: '', stderr: '' });

    // Act
    await onCommandStatus(deps, statusEvent('cmd-CR-2026-981'));

    // Assess
    const e = await finishedEvent(deps, 'CR-2026-981');
    expect(e.message).toBe('deploy: runbook-Deploy Success');
    expect(e.data).not.toHaveProperty('result');
    expect(e.data).not.toHaveProperty('instances');
  });

  it('should record a command that reached no host as Failed with instances 0', async () => {
    // Arrange
    const { deps, callbacks } = await finishing('CR-2026-982', { status: 'Success', instances: 0, stdout: '', stderr: '' });

    // Act
    await onCommandStatus(deps, statusEvent('cmd-CR-2026-982'));

    // Assess
    const e = await finishedEvent(deps, 'CR-2026-982');
    expect(e.message).toBe('deploy: runbook-Deploy Failed: reached no instance');
    expect(e.data).toMatchObject({ status: 'Failed', instances: 0 });
    expect(callbacks.sent[0]).toMatchObject({ token: 'step-token', outcome: 'failure', error: 'HostCommandFailed' });
  });

  it('should name how many hosts did not succeed, of how many, and the first ids listed', async () => {
    // Arrange
    const { deps } = await finishing('CR-2026-983', { status: 'Failed', instances: 10, exitCode: 1, stdout: '', stderr: 'boom', notSucceeded: { count: 3, instanceIds: ['i-a', 'i-b'] } });

    // Act
    await onCommandStatus(deps, statusEvent('cmd-CR-2026-983', 'Failed'));

    // Assess
    const e = await finishedEvent(deps, 'CR-2026-983');
    expect(e.message).toBe('deploy: runbook-Deploy Failed (exit 1): 3 of 10 host(s) did not succeed (first 2: i-a, i-b)');
  });
});
