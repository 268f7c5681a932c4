// Host-command guarantees, on the real phase code over the in-memory store: a command that reached no instance fails
// its step, and a command still running when the rollback begins is cancelled before the rollback's first step.
import { MemoryChangeStore } from '../../lambdas/adapters/memory/change-store';
import { ssmCommandStatusEvent, type SsmCommandStatusDetail } from '../../lambdas/core/events';
import { LocalEventBus } from '../../lambdas/embedded/event-bus';
import { runStep } from '../../lambdas/phases/act';
import { transition } from '../../lambdas/phases/common';
import { onCommandStatus } from '../../lambdas/phases/events';
import { beginRollback } from '../../lambdas/phases/rollback';
import { submitChange } from '../../lambdas/phases/submit';
import type { CommandOutcome, Deps } from '../../lambdas/ports';
import { FakeAlarms, FakeHostCommands, FakeParameters, FakeTester, RecordingNotifier, silentLog, systemClock } from '../support/fakes';
import { testChange, testProfile } from '../support/harness';

/** SSM's view of a command whose tag targets matched nothing: it ends, on zero instances. */
class NowhereHostCommands extends FakeHostCommands {
  override async outcome(): Promise<CommandOutcome> {
    return { status: 'Failed', instances: 0, stdout: '', stderr: 'the command reached no instance' };
  }
}

/** SSM's view of a command that failed on 120 of 1,000 hosts: the count, and the first page of their ids. */
const FAILED_IDS = Array.from({ length: 50 }, (_, i) => `i-${(0x10000000 + i * 7).toString(16)}`);
class PartlyFailedHostCommands extends FakeHostCommands {
  override async outcome(): Promise<CommandOutcome> {
    return {
      status: 'Failed', instances: 1000, exitCode: 4, stdout: '', notSucceeded: { count: 120, instanceIds: FAILED_IDS },
      stderr: `host broke\ncommand Failed on 1000 instance(s): 1000 finished, 120 failed or timed out running, 0 not delivered in time; 120 did not succeed; the first 50: ${FAILED_IDS.map((id) => `${id} Failed`).join(', ')}`,
    };
  }
}

describe('host-command guarantees', () => {
  let store: MemoryChangeStore;
  let hosts: FakeHostCommands;
  let answers: { token: string; ok: boolean; error?: string; cause?: string }[];
  let deps: Deps;

  function build(h: FakeHostCommands): void {
    hosts = h;
    const bus = new LocalEventBus({ log: silentLog, baseDelayMs: 2 });
    const alarms = new FakeAlarms(bus);
    deps = {
      store, hosts, alarms, metrics: alarms, notifier: new RecordingNotifier(), clock: systemClock, parameters: new FakeParameters(),
      tester: new FakeTester(), log: silentLog,
      callbacks: {
        sendTaskSuccess: async (token) => { answers.push({ token, ok: true }); return true; },
        sendTaskFailure: async (token, error, cause) => { answers.push({ token, ok: false, error, cause }); return true; },
      },
      executions: { start: async (name) => ({ executionId: name, alreadyStarted: false }) },
    };
  }

  beforeEach(() => {
    store = new MemoryChangeStore();
    answers = [];
  });

  async function acting(id: string): Promise<void> {
    await submitChange(deps, { request: testChange(id), profile: testProfile(), submittedBy: 'ops' });
    await transition(deps, id, { status: 'ACTING', phase: 'ACT', message: 'test' });
  }

  const deploy = { name: 'deploy', document: 'runbook-DeployRelease', parameters: { Release: 'v2.4.0' }, timeoutSeconds: 60, index: 1, phase: 'ACT' as const };

  /** SSM's Command Status-change event for the deploy command (detail shape as EventBridge delivers it). */
  const deployStatus = (commandId: string, status: SsmCommandStatusDetail['status']) => ssmCommandStatusEvent({
    'command-id': commandId, 'document-name': 'runbook-DeployRelease', 'expire-after': '', parameters: {}, 'requested-date-time': '', status,
  }, new Date());

  it('should fail the step of a command that "succeeded" on zero instances', async () => {
    // Prepare
    build(new NowhereHostCommands(new LocalEventBus({ log: silentLog, baseDelayMs: 2 })));
    await acting('CR-2026-801');
    hosts.hold('deploy');
    const { commandId } = await runStep(deps, { changeId: 'CR-2026-801', attempt: 1, taskToken: 'token-deploy', command: deploy });

    // Act: SSM reports Success for a command whose targets matched nothing.
    await onCommandStatus(deps, deployStatus(commandId, 'Success'));

    // Assess
    expect(answers).toEqual([{ token: 'token-deploy', ok: false, error: 'HostCommandFailed', cause: expect.stringContaining('deploy (runbook-DeployRelease) Failed') }]);
    expect(await store.getCommand(commandId)).toMatchObject({ status: 'Failed' });
    expect((await store.listEvents('CR-2026-801')).find((e) => e.type === 'command.finished')?.message).toContain('reached no instance');
  });

  it('should fail the step of a command that failed on some hosts of a large fleet, naming them with their count', async () => {
    // Prepare
    build(new PartlyFailedHostCommands(new LocalEventBus({ log: silentLog, baseDelayMs: 2 })));
    await acting('CR-2026-803');
    hosts.hold('deploy');
    const { commandId } = await runStep(deps, { changeId: 'CR-2026-803', attempt: 1, taskToken: 'token-deploy', command: deploy });

    // Act
    await onCommandStatus(deps, deployStatus(commandId, 'Failed'));

    // Assess
    expect(answers).toEqual([{ token: 'token-deploy', ok: false, error: 'HostCommandFailed', cause: expect.stringContaining(`120 did not succeed; the first 50: ${FAILED_IDS[0]} Failed`) }]);
    const finished = (await store.listEvents('CR-2026-803')).find((e) => e.type === 'command.finished');
    expect(finished?.message).toContain(`: 120 of 1000 host(s) did not succeed (first 50: ${FAILED_IDS.slice(0, 2).join(', ')}, `);
    expect(finished?.data).toMatchObject({ status: 'Failed', notSucceeded: { count: 120, instanceIds: FAILED_IDS } });
  });

  it('should cancel a step still running before the rollback starts, and record it', async () => {
    // Prepare: the deploy is sent and never ends (its task timed out in the state machine).
    build(new FakeHostCommands(new LocalEventBus({ log: silentLog, baseDelayMs: 2 })));
    await acting('CR-2026-802');
    hosts.hold('deploy');
    const { commandId } = await runStep(deps, { changeId: 'CR-2026-802', attempt: 1, taskToken: 'token-deploy', command: deploy });

    // Act
    const { steps } = await beginRollback(deps, 'CR-2026-802', { Error: 'States.Timeout', Cause: 'Act Run Step timed out' });

    // Assess
    expect(hosts.cancelled).toEqual([commandId]);
    const types = (await store.listEvents('CR-2026-802')).map((e) => e.type);
    expect(types.indexOf('command.cancelled')).toBeGreaterThan(-1);
    expect(types.indexOf('command.cancelled')).toBeLessThan(types.indexOf('rollback.started'));
    expect(steps.map((s) => s.name)).toEqual(['rollback-release', 'rollback-health-check']);
    expect((await store.getChange('CR-2026-802'))?.status).toBe('ROLLING_BACK');
  });

  it('should cancel nothing when every step had ended', async () => {
    // Prepare
    build(new FakeHostCommands(new LocalEventBus({ log: silentLog, baseDelayMs: 2 })));
    await acting('CR-2026-803');

    // Act
    await beginRollback(deps, 'CR-2026-803', { Error: 'AlarmTriggered', Cause: 'error rate' });

    // Assess
    expect(hosts.cancelled).toEqual([]);
    expect((await store.listEvents('CR-2026-803')).some((e) => e.type === 'command.cancelled')).toBe(false);
  });
});
