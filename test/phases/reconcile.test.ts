// The reconciler on the existing schedule: a step whose SSM command-status event was lost is completed (or failed)
// by asking SSM for the command's outcome, and its task token is answered once; commands still running, recent or
// already finished are left alone. The outcome shape is what SsmHostCommands.outcome reads from
// ListCommandInvocations / GetCommandInvocation (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetCommandInvocation.html).
import type { CommandRecord } from '../../lambdas/core/records';
import type { CommandOutcome, Deps } from '../../lambdas/ports';
import { reconcileLostCommands, RECONCILE_AFTER_MS } from '../../lambdas/phases/reconcile';
import { changeRecord } from '../adapters/change-store.contract';
import { createHarness, testProfile, TEST_ENV, type Harness } from '../support/harness';

const ID = 'CR-2026-950';

describe('reconcileLostCommands', () => {
  let h: Harness;
  afterEach(async () => { await h.close(); });

  function command(commandId: string, minutesAgo: number, overrides: Partial<CommandRecord> = {}): CommandRecord {
    return {
      commandId, changeId: ID, attempt: 1, phase: 'ACT', stepName: `step-${commandId}`, document: 'runbook-ServiceControl', parameters: {},
      status: 'InProgress', taskToken: `token-${commandId}`, requestedAt: new Date(Date.now() - minutesAgo * 60_000).toISOString(), ...overrides,
    };
  }

  it('should complete a lost success, fail a lost failure, and leave running, recent and finished commands alone', async () => {
    // Prepare
    h = createHarness();
    await h.store.createChange(changeRecord({ id: ID, environment: TEST_ENV, profile: testProfile(), status: 'ACTING', phase: 'ACT' }));
    await h.store.acquireLock(TEST_ENV, ID);
    const outcomes: Record<string, CommandOutcome> = {
      'cmd-ok': { status: 'Success', exitCode: 0, stdout: 'done\n{"deployed":"v2.4.0"}', stderr: '' },
      'cmd-bad': { status: 'Failed', exitCode: 2, stdout: '', stderr: 'migration failed' },
      'cmd-running': { status: 'InProgress', stdout: '', stderr: '' },
      'cmd-recent': { status: 'Success', stdout: '', stderr: '' },
    };
    for (const c of [command('cmd-ok', 10), command('cmd-bad', 10), command('cmd-running', 10), command('cmd-recent', 1), command('cmd-done', 10, { status: 'Success' })]) await h.store.putCommand(c);
    const answers: unknown[][] = [];
    const deps: Deps = {
      ...h.engine.deps,
      hosts: { ...h.hosts, send: h.hosts.send.bind(h.hosts), cancel: h.hosts.cancel.bind(h.hosts), validate: h.hosts.validate.bind(h.hosts), agents: h.hosts.agents.bind(h.hosts), outcome: async (id) => outcomes[id] ?? { status: 'InProgress', stdout: '', stderr: '' } },
      callbacks: {
        sendTaskSuccess: async (token, output) => { answers.push(['success', token, output]); return true; },
        sendTaskFailure: async (token, error, cause) => { answers.push(['failure', token, error, cause]); return true; },
      },
    };
    const listing = jest.spyOn(h.store, 'listChanges');

    // Act
    const result = await reconcileLostCommands(deps, TEST_ENV, RECONCILE_AFTER_MS);
    const again = await reconcileLostCommands(deps, TEST_ENV, RECONCILE_AFTER_MS);

    // Assess
    expect(result.checked.sort()).toEqual(['cmd-bad', 'cmd-ok', 'cmd-running']);
    expect(result.reconciled).toEqual(expect.arrayContaining([
      { commandId: 'cmd-ok', step: 'step-cmd-ok', status: 'Success' },
      { commandId: 'cmd-bad', step: 'step-cmd-bad', status: 'Failed' },
    ]));
    expect(result.reconciled).toHaveLength(2);
    expect(answers).toEqual(expect.arrayContaining([
      ['success', 'token-cmd-ok', { commandId: 'cmd-ok', step: 'step-cmd-ok', status: 'Success', result: { deployed: 'v2.4.0' } }],
      ['failure', 'token-cmd-bad', 'HostCommandFailed', expect.stringContaining('migration failed')],
    ]));
    expect(answers).toHaveLength(2);
    expect((await h.store.getCommand('cmd-ok'))?.status).toBe('Success');
    expect(again.checked).toEqual(['cmd-running']);
    expect(listing).not.toHaveBeenCalled();
  });

  it('should do nothing when no change holds the environment', async () => {
    // Prepare
    h = createHarness();

    // Act
    const result = await reconcileLostCommands(h.engine.deps, TEST_ENV);

    // Assess
    expect(result).toEqual({ checked: [], reconciled: [] });
  });
});
