// An execution that ends TIMED_OUT / ABORTED / FAILED with its change still in flight, handled by the real handler
// module over the in-memory store: rolled back by a rollback-only run when ACT had begun, otherwise ended (report,
// lock freed, notification). The events are the documented Step Functions "Execution Status Change" shape:
// https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html
import { MemoryChangeStore } from '../../lambdas/adapters/memory/change-store';
import { LocalEventBus } from '../../lambdas/embedded/event-bus';
import { handle } from '../../lambdas/handlers/execution-status';
import { transition } from '../../lambdas/phases/common';
import { executionRef, parseExecutionName } from '../../lambdas/phases/execution-status';
import { resumeExecutionName } from '../../lambdas/core/records';
import { submitChange } from '../../lambdas/phases/submit';
import type { ChangeStatus } from '../../lambdas/core/records';
import type { Deps, ExecutionInput, Executions } from '../../lambdas/ports';
import { FakeAlarms, FakeHostCommands, FakeParameters, FakeTester, RecordingNotifier, silentLog, systemClock } from '../support/fakes';
import { TEST_ENV, testChange, testProfile } from '../support/harness';

const STATE_MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:Runbook';
const executionArn = (name: string): string => `arn:aws:states:eu-west-1:123456789012:execution:Runbook:${name}`;

class RecordingExecutions implements Executions {
  readonly started: { name: string; input: ExecutionInput }[] = [];
  private readonly names = new Set<string>();
  async start(name: string, input: ExecutionInput): Promise<{ executionId: string; alreadyStarted: boolean }> {
    const alreadyStarted = this.names.has(name);
    this.names.add(name);
    this.started.push({ name, input });
    return { executionId: executionArn(name), alreadyStarted };
  }
}

function statusEvent(name: string, status: string, input: unknown, extra: Record<string, unknown> = {}): unknown {
  return {
    version: '0', id: `e-${name}-${status}`, 'detail-type': 'Step Functions Execution Status Change', source: 'aws.states',
    account: '123456789012', time: '2026-12-01T22:00:00Z', region: 'eu-west-1', resources: [executionArn(name)],
    detail: {
      executionArn: executionArn(name), stateMachineArn: STATE_MACHINE, name, status,
      startDate: 1764626400000, stopDate: 1764630000000,
      input: input === undefined ? null : JSON.stringify(input), inputDetails: { included: true }, output: null, outputDetails: null,
      ...extra,
    },
  };
}

describe('unfinished executions', () => {
  let store: MemoryChangeStore;
  let executions: RecordingExecutions;
  let notifier: RecordingNotifier;
  let deps: Deps;

  beforeEach(() => {
    const bus = new LocalEventBus({ log: silentLog, baseDelayMs: 2 });
    store = new MemoryChangeStore();
    executions = new RecordingExecutions();
    notifier = new RecordingNotifier();
    const alarms = new FakeAlarms(bus);
    deps = {
      store, hosts: new FakeHostCommands(bus), alarms, metrics: alarms, callbacks: { sendTaskSuccess: async () => true, sendTaskFailure: async () => true },
      notifier, clock: systemClock, parameters: new FakeParameters(), tester: new FakeTester(), executions, log: silentLog,
    };
  });

  async function changeIn(id: string, status: ChangeStatus): Promise<void> {
    await submitChange(deps, { request: testChange(id), profile: testProfile(), submittedBy: 'ops' });
    const phase = ({ PREFLIGHT: 'PREFLIGHT', AWAITING_APPROVAL: 'PLAN', SCHEDULED: 'PLAN', ACTING: 'ACT', MONITORING: 'ACT', TESTING: 'TEST', REPORTING: 'REPORT', ROLLING_BACK: 'ROLLBACK' } as const)[status as 'ACTING'] ?? 'PLAN';
    if (status !== 'SUBMITTED') await transition(deps, id, { status, phase, message: 'test' });
    executions.started.length = 0;
    notifier.sent.length = 0;
  }

  it.each(['ACTING', 'MONITORING', 'TESTING', 'ROLLING_BACK'] as const)('should start a rollback-only run of the same attempt when the execution timed out while %s', async (status) => {
    // Prepare
    await changeIn('CR-2026-701', status);

    // Act
    const outcome = await handle(statusEvent('CR-2026-701', 'TIMED_OUT', { changeId: 'CR-2026-701', attempt: 1 }, { error: 'States.Timeout' }), deps);

    // Assess
    expect(outcome).toMatchObject({ action: 'rollback-started', rollbackExecution: 'CR-2026-701-1-r1' });
    expect(executions.started).toEqual([{
      name: 'CR-2026-701-1-r1',
      input: { changeId: 'CR-2026-701', attempt: 1, entry: 'rollback', failure: { Error: 'ExecutionTimedOut', Cause: expect.stringContaining('execution CR-2026-701 TIMED_OUT (States.Timeout)') } },
    }]);
    const events = await store.listEvents('CR-2026-701');
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['execution.ended', 'execution.rollback-run']));
    expect(notifier.sent).toEqual([expect.objectContaining({ kind: 'rollback', severity: 'warning', changeId: 'CR-2026-701' })]);
    // The lock stays with the change until its rollback run reports.
    expect(await store.acquireLock(TEST_ENV, 'CR-2026-999')).toEqual({ acquired: false, holder: 'CR-2026-701' });
  });

  it('should start the same rollback run once when EventBridge delivers the same end twice', async () => {
    // Prepare
    await changeIn('CR-2026-702', 'MONITORING');
    const event = statusEvent('CR-2026-702', 'ABORTED', { changeId: 'CR-2026-702', attempt: 1 });

    // Act
    await handle(event, deps);
    await handle(event, deps);

    // Assess: the same name and input both times (StartExecution is idempotent on them), one event, one notification.
    expect(executions.started.map((s) => s.name)).toEqual(['CR-2026-702-1-r1', 'CR-2026-702-1-r1']);
    expect(executions.started[0]?.input).toEqual(executions.started[1]?.input);
    expect((await store.listEvents('CR-2026-702')).filter((e) => e.type === 'execution.rollback-run')).toHaveLength(1);
    expect((await store.listEvents('CR-2026-702')).filter((e) => e.type === 'execution.ended')).toHaveLength(1);
    expect(notifier.sent).toHaveLength(1);
  });

  it('should name the rollback run after the attempt: <id>-<attempt>-r<n>', async () => {
    // Prepare: attempt 2's execution is named <id>-2.
    await changeIn('CR-2026-703', 'ACTING');
    const change = await store.getChange('CR-2026-703');
    await store.updateChange('CR-2026-703', change?.version ?? 0, { attempt: 2, executionName: 'CR-2026-703-2' });

    // Act
    await handle(statusEvent('CR-2026-703-2', 'FAILED', { changeId: 'CR-2026-703', attempt: 2 }, { error: 'Lambda.Unknown', cause: 'boom' }), deps);

    // Assess
    expect(executions.started.map((s) => s.name)).toEqual(['CR-2026-703-2-r1']);
    expect(executions.started[0]?.input.failure).toEqual({ Error: 'ExecutionFailed', Cause: 'execution CR-2026-703-2 FAILED (Lambda.Unknown: boom)' });
  });

  it.each([
    ['SCHEDULED', 'plan-ended', 'FAILED'],
    ['AWAITING_APPROVAL', 'plan-ended', 'FAILED'],
    ['PREFLIGHT', 'preflight-failed', 'PREFLIGHT_FAILED'],
  ] as const)('should end a change that was %s (before ACT) with the reason, free the environment, report and notify', async (status, _outcome, final) => {
    // Prepare
    await changeIn('CR-2026-704', status);

    // Act
    const outcome = await handle(statusEvent('CR-2026-704', 'TIMED_OUT', { changeId: 'CR-2026-704', attempt: 1 }), deps);

    // Assess
    expect(outcome).toMatchObject({ action: 'ended', status: final });
    expect(executions.started).toEqual([]);
    const change = await store.getChange('CR-2026-704');
    expect(change).toMatchObject({ status: final, reason: expect.stringContaining('ExecutionTimedOut: execution CR-2026-704 TIMED_OUT') });
    expect(await store.getReport('CR-2026-704', 1)).toMatchObject({ outcome: final });
    expect(await store.acquireLock(TEST_ENV, 'CR-2026-998')).toEqual({ acquired: true });
    expect(notifier.sent).toEqual([expect.objectContaining({ changeId: 'CR-2026-704', status: final })]);
  });

  it('should end a change an operator cancelled before ACT as CANCELLED when its stopped execution is reported first', async () => {
    // Prepare
    await changeIn('CR-2026-705', 'AWAITING_APPROVAL');
    const change = await store.getChange('CR-2026-705');
    await store.updateChange('CR-2026-705', change?.version ?? 0, { cancelRequest: { by: 'ops', at: new Date().toISOString(), reason: 'window moved' } });

    // Act
    await handle(statusEvent('CR-2026-705', 'ABORTED', { changeId: 'CR-2026-705', attempt: 1 }), deps);

    // Assess
    expect(await store.getChange('CR-2026-705')).toMatchObject({ status: 'CANCELLED', reason: 'cancelled by ops: window moved' });
  });

  it('should hand a rollback run that itself did not finish to an operator: MANUAL_INTERVENTION, lock kept, critical alert', async () => {
    // Prepare
    await changeIn('CR-2026-706', 'ROLLING_BACK');

    // Act
    const outcome = await handle(statusEvent('CR-2026-706-1-r1', 'TIMED_OUT', { changeId: 'CR-2026-706', attempt: 1, entry: 'rollback', failure: { Error: 'ExecutionAborted' } }), deps);

    // Assess
    expect(outcome).toMatchObject({ action: 'manual-intervention', status: 'MANUAL_INTERVENTION' });
    expect(executions.started).toEqual([]);
    expect(await store.acquireLock(TEST_ENV, 'CR-2026-997')).toEqual({ acquired: false, holder: 'CR-2026-706' });
    expect(notifier.sent).toEqual([expect.objectContaining({ kind: 'manual-intervention', severity: 'critical' })]);
  });

  it('should roll back, not hand over, when a run resumed at approvals (also named -r<n>) dies after ACT began', async () => {
    // Prepare
    await changeIn('CR-2026-712', 'MONITORING');

    // Act
    const outcome = await handle(statusEvent('CR-2026-712-1-r1', 'TIMED_OUT', { changeId: 'CR-2026-712', attempt: 1, entry: 'approvals' }), deps);

    // Assess
    expect(outcome).toMatchObject({ action: 'rollback-started', rollbackExecution: 'CR-2026-712-1-r2' });
    expect(executions.started).toEqual([expect.objectContaining({ name: 'CR-2026-712-1-r2', input: expect.objectContaining({ entry: 'rollback' }) })]);
  });

  it('should finish the report of a change whose tests passed when only REPORT did not end', async () => {
    // Prepare
    await changeIn('CR-2026-707', 'REPORTING');

    // Act
    const outcome = await handle(statusEvent('CR-2026-707', 'FAILED', { changeId: 'CR-2026-707', attempt: 1 }), deps);

    // Assess
    expect(outcome).toMatchObject({ action: 'report-finished', status: 'COMPLETED' });
    expect(executions.started).toEqual([]);
  });

  it.each(['COMPLETED', 'ROLLED_BACK', 'REJECTED', 'MANUAL_INTERVENTION'] as const)('should leave a change that is already %s alone (the definition ended it and then failed on purpose)', async (status) => {
    // Prepare
    await changeIn('CR-2026-708', 'ACTING');
    await transition(deps, 'CR-2026-708', { status, phase: 'REPORT', message: 'test' });
    const before = await store.listEvents('CR-2026-708');

    // Act
    const outcome = await handle(statusEvent('CR-2026-708', 'FAILED', { changeId: 'CR-2026-708', attempt: 1 }), deps);

    // Assess
    expect(outcome).toMatchObject({ action: 'ignored', status });
    expect(executions.started).toEqual([]);
    expect(await store.listEvents('CR-2026-708')).toHaveLength(before.length);
  });

  it("should ignore the end of an earlier attempt's execution and executions that are not a change's", async () => {
    // Prepare
    await changeIn('CR-2026-709', 'ACTING');
    const change = await store.getChange('CR-2026-709');
    await store.updateChange('CR-2026-709', change?.version ?? 0, { attempt: 2 });

    // Act
    const old = await handle(statusEvent('CR-2026-709', 'FAILED', { changeId: 'CR-2026-709', attempt: 1 }), deps);
    const foreign = await handle(statusEvent('nightly-batch', 'FAILED', {}), deps);
    const unknown = await handle(statusEvent('CR-2026-710', 'FAILED', { changeId: 'CR-2026-710', attempt: 1 }), deps);

    // Assess
    expect(old).toMatchObject({ action: 'ignored', reason: expect.stringContaining('attempt 1') });
    expect(foreign).toMatchObject({ action: 'ignored', reason: expect.stringContaining('not a runbook change') });
    expect(unknown).toMatchObject({ action: 'ignored', reason: 'change CR-2026-710 not found' });
    expect(executions.started).toEqual([]);
  });

  it('should refuse an event that is not an execution status change, naming the field', async () => {
    await expect(handle({ source: 'aws.states', 'detail-type': 'Step Functions Execution Status Change', detail: { name: 'CR-2026-711' } }, deps))
      .rejects.toThrow(/detail\.executionArn/);
  });

  it('should find the change and attempt from the input, and from the name when there is no input', () => {
    expect(parseExecutionName('CR-2026-101')).toEqual({ changeId: 'CR-2026-101', attempt: 1 });
    expect(parseExecutionName('CR-2026-101-3')).toEqual({ changeId: 'CR-2026-101', attempt: 3 });
    expect(parseExecutionName('CR-2026-101-3-r2')).toEqual({ changeId: 'CR-2026-101', attempt: 3, rollbackRun: 2 });
    expect(parseExecutionName('CR-26-1')).toBeUndefined();
    expect(executionRef({ name: 'whatever', input: '{"changeId":"CR-2026-101","attempt":2}' })).toEqual({ changeId: 'CR-2026-101', attempt: 2 });
    expect(executionRef({ name: 'CR-2026-101-2', input: null })).toEqual({ changeId: 'CR-2026-101', attempt: 2 });
    expect(executionRef({ name: 'CR-2026-101-2', input: '{not json' })).toEqual({ changeId: 'CR-2026-101', attempt: 2 });
    expect(resumeExecutionName('CR-2026-101', 2, 1)).toBe('CR-2026-101-2-r1');
  });
});
