// recordApproval over the memory store: what an approval or a reject records and completes (the parked token, the
// next attempt after a rollback), duplicates and races, the submitter fallback and the next attempt's freeze check.
import { ConflictError, ForbiddenError } from '../../lambdas/core/errors';
import { FreezeSchema, type Freeze } from '../../lambdas/core/freeze';
import { callbackKey, type ApprovalRole, type ChangeRecord } from '../../lambdas/core/records';
import type { ExecutionInput } from '../../lambdas/ports';
import { recordApproval } from '../../lambdas/phases/approvals';
import { testProfile } from '../support/fixtures';
import { memoryDeps, recordingCallbacks, submitted, type MemoryDeps } from '../support/phase-deps';

const NOW = new Date('2026-12-02T10:00:00.000Z');
const approvers = testProfile().approvers;
const person: Record<ApprovalRole, string> = { technical: 'alice', business: 'bob', security: 'carol', executive: 'erin' };

type Started = { name: string; input: ExecutionInput };

function fixedDeps(): MemoryDeps & { callbacks: ReturnType<typeof recordingCallbacks>; started: Started[] } {
  const started: Started[] = [];
  return {
    ...memoryDeps(), clock: { now: () => NOW }, callbacks: recordingCallbacks(), started,
    executions: { start: async (name: string, input: ExecutionInput) => { started.push({ name, input }); return { executionId: name, alreadyStarted: false }; } },
  };
}

/** A submitted change moved to `status` (its submission's start forgotten). */
async function changeAt(deps: ReturnType<typeof fixedDeps>, id: string, patch: Partial<ChangeRecord>): Promise<ChangeRecord> {
  const change = await submitted(deps, id);
  deps.started.length = 0;
  return deps.store.updateChange(id, change.version, patch);
}

const freeze = (from: Date, to: Date): Freeze => FreezeSchema.parse({ name: 'launch', reason: 'product launch', start: from.toISOString(), end: to.toISOString() });

describe('recordApproval on the current attempt', () => {
  it('should refuse a change that is not waiting for approvals', async () => {
    // Arrange
    const deps = fixedDeps();
    await changeAt(deps, 'CR-2026-600', { status: 'ACTING' });

    // Act
    const approving = recordApproval(deps, { changeId: 'CR-2026-600', role: 'technical', decision: 'approve', approver: 'alice', approvers });

    // Assess
    await expect(approving).rejects.toThrow(ConflictError);
    await expect(approving).rejects.toThrow('change CR-2026-600 is ACTING: it is not waiting for approvals');
    expect(await deps.store.listApprovals('CR-2026-600', 1)).toEqual([]);
  });

  it('should record a first approval with its comment and time, as an event by the approver, leaving the rest missing', async () => {
    // Arrange
    const deps = fixedDeps();
    const change = await changeAt(deps, 'CR-2026-601', { status: 'AWAITING_APPROVAL' });

    // Act
    const result = await recordApproval(deps, { changeId: change.id, role: 'technical', decision: 'approve', approver: 'alice', approvers, comment: 'looks good' });

    // Assess
    const approval = { changeId: change.id, attempt: 1, role: 'technical', decision: 'approve', approver: 'alice', comment: 'looks good', at: NOW.toISOString() };
    expect(result).toEqual({ approval, duplicate: false, state: 'pending', missing: change.requiredApprovals.filter((r) => r !== 'technical') });
    expect(await deps.store.listApprovals(change.id, 1)).toEqual([approval]);
    const events = (await deps.store.listEvents(change.id)).filter((e) => e.type.startsWith('approval.'));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'approval.approve', phase: 'PLAN', actor: 'alice', attempt: 1,
      message: 'technical approved by alice: looks good', data: { role: 'technical', decision: 'approve' },
    });
    expect(deps.callbacks.sent).toEqual([]);
  });

  it('should record an approval without a comment as such, and a repeat as a duplicate with no second event', async () => {
    // Arrange
    const deps = fixedDeps();
    const change = await changeAt(deps, 'CR-2026-602', { status: 'SUBMITTED' });
    await recordApproval(deps, { changeId: change.id, role: 'business', decision: 'approve', approver: 'bob', approvers });

    // Act
    const again = await recordApproval(deps, { changeId: change.id, role: 'business', decision: 'approve', approver: 'bob', approvers, comment: 'again' });

    // Assess
    expect(again.duplicate).toBe(true);
    expect(again.approval).toEqual({ changeId: change.id, attempt: 1, role: 'business', decision: 'approve', approver: 'bob', at: NOW.toISOString() });
    const events = (await deps.store.listEvents(change.id)).filter((e) => e.type.startsWith('approval.'));
    expect(events.map((e) => e.message)).toEqual(['business approved by bob']);
  });

  it('should complete the parked token once the last required role approves, and not before', async () => {
    // Arrange
    const deps = fixedDeps();
    const change = await changeAt(deps, 'CR-2026-603', { status: 'AWAITING_APPROVAL' });
    await deps.store.putCallback({ key: callbackKey('approval', change.id, 1), kind: 'approval', changeId: change.id, attempt: 1, token: 'approval-token', createdAt: NOW.toISOString() });
    const [last, ...others] = [...change.requiredApprovals].reverse() as ApprovalRole[];
    for (const role of others) await recordApproval(deps, { changeId: change.id, role, decision: 'approve', approver: person[role], approvers });
    const sentBefore = [...deps.callbacks.sent];

    // Act
    const result = await recordApproval(deps, { changeId: change.id, role: last as ApprovalRole, decision: 'approve', approver: person[last as ApprovalRole], approvers });

    // Assess
    expect(sentBefore).toEqual([]);
    expect(result).toMatchObject({ state: 'approved', missing: [], duplicate: false });
    expect(result.startedExecution).toBeUndefined();
    expect(deps.callbacks.sent).toEqual([{ token: 'approval-token', outcome: 'success', output: { approved: true } }]);
    expect(deps.started).toEqual([]);
  });

  it('should send nothing when the quorum is complete but no token is parked yet', async () => {
    // Arrange
    const deps = fixedDeps();
    const change = await changeAt(deps, 'CR-2026-604', { status: 'PREFLIGHT' });
    const roles = change.requiredApprovals as ApprovalRole[];

    // Act
    const results = [];
    for (const role of roles) results.push(await recordApproval(deps, { changeId: change.id, role, decision: 'approve', approver: person[role], approvers }));

    // Assess
    expect(results.at(-1)?.state).toBe('approved');
    expect(deps.callbacks.sent).toEqual([]);
  });

  it('should fail the parked token with ChangeRejected naming the rejecting approver and comment', async () => {
    // Arrange
    const deps = fixedDeps();
    const change = await changeAt(deps, 'CR-2026-605', { status: 'AWAITING_APPROVAL' });
    await deps.store.putCallback({ key: callbackKey('approval', change.id, 1), kind: 'approval', changeId: change.id, attempt: 1, token: 'approval-token', createdAt: NOW.toISOString() });

    // Act
    const result = await recordApproval(deps, { changeId: change.id, role: 'security', decision: 'reject', approver: 'carol', approvers, comment: 'no pen test' });

    // Assess
    expect(result.state).toBe('rejected');
    expect(deps.callbacks.sent).toEqual([{ token: 'approval-token', outcome: 'failure', error: 'ChangeRejected', cause: 'rejected by carol: no pen test' }]);
    const event = (await deps.store.listEvents(change.id)).find((e) => e.type === 'approval.reject');
    expect(event).toMatchObject({ actor: 'carol', message: 'security rejected by carol: no pen test', data: { role: 'security', decision: 'reject' } });
  });

  it('should name the rejecting approver alone when the reject has no comment', async () => {
    // Arrange
    const deps = fixedDeps();
    const change = await changeAt(deps, 'CR-2026-606', { status: 'AWAITING_APPROVAL' });
    await deps.store.putCallback({ key: callbackKey('approval', change.id, 1), kind: 'approval', changeId: change.id, attempt: 1, token: 'approval-token', createdAt: NOW.toISOString() });

    // Act
    await recordApproval(deps, { changeId: change.id, role: 'security', decision: 'reject', approver: 'carol', approvers });

    // Assess
    expect(deps.callbacks.sent).toEqual([{ token: 'approval-token', outcome: 'failure', error: 'ChangeRejected', cause: 'rejected by carol' }]);
  });

  it('should refuse the same person deciding in another role when that decision won the race to the store', async () => {
    // Arrange
    const deps = fixedDeps();
    const change = await changeAt(deps, 'CR-2026-607', { status: 'AWAITING_APPROVAL' });
    await deps.store.putApproval({ changeId: change.id, attempt: 1, role: 'security', decision: 'approve', approver: 'sec-officer', at: NOW.toISOString() });
    const listApprovals = deps.store.listApprovals.bind(deps.store);
    let reads = 0;
    // The first read (the check before recording) does not see the racing decision yet.
    deps.store.listApprovals = async (id, attempt) => { reads += 1; return reads === 1 ? [] : listApprovals(id, attempt); };
    const multiRole = { ...approvers, technical: [...approvers.technical, 'sec-officer'] };

    // Act
    const approving = recordApproval(deps, { changeId: change.id, role: 'technical', decision: 'approve', approver: 'sec-officer', approvers: multiRole });

    // Assess
    await expect(approving).rejects.toThrow(ForbiddenError);
    await expect(approving).rejects.toThrow('sec-officer already decided as security on attempt 1: one person approves as at most one role per attempt');
    expect((await deps.store.listEvents(change.id)).filter((e) => e.type.startsWith('approval.'))).toEqual([]);
  });

  it('should take the submitter from the submitted event when the record does not keep it', async () => {
    // Arrange
    const deps = fixedDeps();
    const change = await changeAt(deps, 'CR-2026-608', { status: 'AWAITING_APPROVAL', submittedBy: undefined });
    const withOps = { ...approvers, technical: [...approvers.technical, 'ops'] };

    // Act
    const approving = recordApproval(deps, { changeId: change.id, role: 'technical', decision: 'approve', approver: 'ops', approvers: withOps });

    // Assess
    expect(change.submittedBy).toBeUndefined();
    await expect(approving).rejects.toThrow(ForbiddenError);
    await expect(approving).rejects.toThrow('ops submitted change CR-2026-608 and may not approve it');
  });
  it('should take the submitter from the change.submitted event, not from an earlier event by someone else', async () => {
    // Arrange
    const deps = fixedDeps();
    const base = await changeAt(deps, 'CR-2026-609', { status: 'AWAITING_APPROVAL', submittedBy: undefined });
    await deps.store.createChange({ ...base, id: 'CR-2026-619' });
    await deps.store.appendEvent({ changeId: 'CR-2026-619', attempt: 1, at: NOW.toISOString(), actor: 'someone', type: 'note', message: 'first' });
    await deps.store.appendEvent({ changeId: 'CR-2026-619', attempt: 1, at: NOW.toISOString(), actor: 'ops', type: 'change.submitted', message: 'submitted' });
    const withOps = { ...approvers, technical: [...approvers.technical, 'ops'] };

    // Act
    const approving = recordApproval(deps, { changeId: 'CR-2026-619', role: 'technical', decision: 'approve', approver: 'ops', approvers: withOps });

    // Assess
    await expect(approving).rejects.toThrow('ops submitted change CR-2026-619 and may not approve it');
  });

  it('should let an approval through when neither the record nor the events name the submitter', async () => {
    // Arrange
    const deps = fixedDeps();
    const base = await changeAt(deps, 'CR-2026-618', { status: 'AWAITING_APPROVAL', submittedBy: undefined });
    await deps.store.createChange({ ...base, id: 'CR-2026-617' });

    // Act
    const result = await recordApproval(deps, { changeId: 'CR-2026-617', role: 'technical', decision: 'approve', approver: 'alice', approvers });

    // Assess
    expect(result).toMatchObject({ state: 'pending', duplicate: false, approval: { approver: 'alice' } });
  });
});

describe('recordApproval after a rollback (the next attempt)', () => {
  it('should record on the next attempt and start it as <id>-2 once the quorum is complete', async () => {
    // Arrange
    const deps = fixedDeps();
    const change = await changeAt(deps, 'CR-2026-610', { status: 'ROLLED_BACK', resumes: 2 });
    const [first, ...rest] = change.requiredApprovals as ApprovalRole[];
    const partial = await recordApproval(deps, { changeId: change.id, role: first as ApprovalRole, decision: 'approve', approver: person[first as ApprovalRole], approvers });
    const statusBetween = (await deps.store.getChange(change.id))?.status;

    // Act
    const results = [];
    for (const role of rest) results.push(await recordApproval(deps, { changeId: change.id, role, decision: 'approve', approver: person[role], approvers }));

    // Assess
    expect(partial).toMatchObject({ state: 'pending', approval: { attempt: 2 } });
    expect(partial.startedExecution).toBeUndefined();
    expect(statusBetween).toBe('ROLLED_BACK');
    expect(results.at(-1)).toMatchObject({ state: 'approved', startedExecution: 'CR-2026-610-2' });
    expect(deps.started).toEqual([{ name: 'CR-2026-610-2', input: { changeId: change.id, attempt: 2 } }]);
    expect(await deps.store.getChange(change.id)).toMatchObject({ status: 'SUBMITTED', phase: 'PLAN', attempt: 2, executionName: 'CR-2026-610-2', resumes: 0 });
    const events = await deps.store.listEvents(change.id);
    expect(events.find((e) => e.type === 'status.submitted')?.message).toBe('approved again: attempt 2 starts as CR-2026-610-2');
    expect(events.filter((e) => e.type === 'approval.approve').map((e) => e.attempt)).toEqual(change.requiredApprovals.map(() => 2));
    expect(await deps.store.listApprovals(change.id, 1)).toEqual([]);
    expect(deps.callbacks.sent).toEqual([]);
  });

  it('should still start the next attempt when a racing approval moved the change first', async () => {
    // Arrange
    const deps = fixedDeps();
    const change = await changeAt(deps, 'CR-2026-611', { status: 'ROLLED_BACK' });
    const roles = change.requiredApprovals as ApprovalRole[];
    for (const role of roles.slice(1)) await recordApproval(deps, { changeId: change.id, role, decision: 'approve', approver: person[role], approvers });
    const putApproval = deps.store.putApproval.bind(deps.store);
    deps.store.putApproval = async (approval) => {
      const put = await putApproval(approval);
      // The racing approval completing the same quorum moves the change meanwhile.
      const now = await deps.store.getChange(change.id);
      await deps.store.updateChange(change.id, now?.version ?? 0, { status: 'SUBMITTED', attempt: 2 });
      return put;
    };

    // Act
    const result = await recordApproval(deps, { changeId: change.id, role: roles[0] as ApprovalRole, decision: 'approve', approver: person[roles[0] as ApprovalRole], approvers });

    // Assess
    expect(result.startedExecution).toBe('CR-2026-611-2');
    expect(deps.started).toEqual([{ name: 'CR-2026-611-2', input: { changeId: change.id, attempt: 2 } }]);
    expect((await deps.store.listEvents(change.id)).filter((e) => e.type === 'status.submitted')).toEqual([]);
  });

  it('should let an error other than a lost race through, starting nothing', async () => {
    // Arrange
    const deps = fixedDeps();
    const change = await changeAt(deps, 'CR-2026-612', { status: 'ROLLED_BACK' });
    const roles = change.requiredApprovals as ApprovalRole[];
    for (const role of roles.slice(1)) await recordApproval(deps, { changeId: change.id, role, decision: 'approve', approver: person[role], approvers });
    deps.store.updateChange = async () => { throw new Error('store down'); };

    // Act
    const approving = recordApproval(deps, { changeId: change.id, role: roles[0] as ApprovalRole, decision: 'approve', approver: person[roles[0] as ApprovalRole], approvers });

    // Assess
    await expect(approving).rejects.toThrow('store down');
    expect(deps.started).toEqual([]);
  });

  it('should end the change REJECTED with the comment as reason and free the environment when the next attempt is rejected', async () => {
    // Arrange
    const deps = fixedDeps();
    const change = await changeAt(deps, 'CR-2026-613', { status: 'ROLLED_BACK' });
    await deps.store.releaseLock(change.environment, change.id);
    await deps.store.acquireLock(change.environment, change.id);

    // Act
    const result = await recordApproval(deps, { changeId: change.id, role: 'technical', decision: 'reject', approver: 'alice', approvers, comment: 'not again' });

    // Assess
    expect(result).toMatchObject({ state: 'rejected', approval: { attempt: 2 } });
    expect(result.startedExecution).toBeUndefined();
    expect(await deps.store.getChange(change.id)).toMatchObject({ status: 'REJECTED', phase: 'PLAN', reason: 'not again', attempt: 1 });
    expect((await deps.store.listEvents(change.id)).find((e) => e.type === 'status.rejected')?.message).toBe('next attempt rejected by alice');
    expect(await deps.store.lockHolder(change.environment)).toBeUndefined();
    expect(deps.started).toEqual([]);
    expect(deps.callbacks.sent).toEqual([]);
  });

  it('should give "rejected" as the reason when the reject of the next attempt has no comment', async () => {
    // Arrange
    const deps = fixedDeps();
    const change = await changeAt(deps, 'CR-2026-614', { status: 'ROLLED_BACK' });

    // Act
    await recordApproval(deps, { changeId: change.id, role: 'technical', decision: 'reject', approver: 'alice', approvers, freezes: [freeze(new Date(NOW.getTime() - 3600_000), new Date(NOW.getTime() + 3600_000))] });

    // Assess
    expect((await deps.store.getChange(change.id))?.reason).toBe('rejected');
  });
  it('should not read the change window when no freezes are given, even one it could not read', async () => {
    // Arrange
    const deps = fixedDeps();
    const base = await changeAt(deps, 'CR-2026-623', { status: 'ROLLED_BACK' });
    const timeline = { ...base.request.timeline, estimated_duration: 'whenever' };
    await deps.store.updateChange(base.id, base.version, { request: { ...base.request, timeline } });

    // Act
    const unset = await recordApproval(deps, { changeId: base.id, role: 'technical', decision: 'approve', approver: 'alice', approvers });
    const empty = await recordApproval(deps, { changeId: base.id, role: 'business', decision: 'approve', approver: 'bob', approvers, freezes: [] });
    const reading = recordApproval(deps, { changeId: base.id, role: 'security', decision: 'approve', approver: 'carol', approvers, freezes: [freeze(NOW, new Date(NOW.getTime() + 3600_000))] });

    // Assess
    expect(unset.state).toBe('pending');
    expect(empty.state).toBe('pending');
    await expect(reading).rejects.toThrow('timeline.estimated_duration');
  });

  it('should name every freeze the next attempt falls into, in the refusal and in the override', async () => {
    // Arrange
    const deps = fixedDeps();
    const base = await changeAt(deps, 'CR-2026-624', { status: 'ROLLED_BACK' });
    const a = FreezeSchema.parse({ name: 'a', reason: 'ra', start: new Date(NOW.getTime() - 60_000).toISOString(), end: new Date(NOW.getTime() + 60_000).toISOString() });
    const b = FreezeSchema.parse({ name: 'b', reason: 'rb', start: new Date(NOW.getTime() - 30_000).toISOString(), end: new Date(NOW.getTime() + 90_000).toISOString() });
    const refusing = recordApproval(deps, { changeId: base.id, role: 'technical', decision: 'approve', approver: 'alice', approvers, freezes: [a, b] });
    await expect(refusing).rejects.toThrow(`inside the change freeze "a" (${a.start} – ${a.end}: ra), "b" (${b.start} – ${b.end}: rb); only`);
    const current = await deps.store.getChange(base.id);
    await deps.store.updateChange(base.id, current?.version ?? 0, { request: { ...base.request, change_request: { ...base.request.change_request, type: 'emergency' } } });

    // Act
    await recordApproval(deps, { changeId: base.id, role: 'technical', decision: 'approve', approver: 'alice', approvers, freezes: [a, b] });

    // Assess
    const override = (await deps.store.listEvents(base.id)).find((e) => e.type === 'freeze.override');
    expect(override?.message).toBe(`emergency attempt 2 inside freeze "a" (${a.start} – ${a.end}: ra), "b" (${b.start} – ${b.end}: rb): executive approval required`);
  });
});

describe('recordApproval: the next attempt and the freezes', () => {
  it('should refuse approving a non-emergency next attempt inside a freeze, naming the window and the freeze', async () => {
    // Arrange
    const deps = fixedDeps();
    const change = await changeAt(deps, 'CR-2026-620', { status: 'ROLLED_BACK' });
    const frozen = freeze(new Date(NOW.getTime() - 3600_000), new Date(NOW.getTime() + 3600_000));

    // Act
    const approving = recordApproval(deps, { changeId: change.id, role: 'technical', decision: 'approve', approver: 'alice', approvers, freezes: [frozen] });

    // Assess
    await expect(approving).rejects.toThrow(ConflictError);
    await expect(approving).rejects.toThrow(`change CR-2026-620: attempt 2 would run 2026-12-02T10:00:00.000Z – 2026-12-02T10:30:00.000Z, inside the change freeze "launch" (${frozen.start} – ${frozen.end}: product launch); only an emergency change may run in a freeze`);
    expect(await deps.store.listApprovals(change.id, 2)).toEqual([]);
  });

  it('should let the next attempt be approved when the freezes lie outside its window', async () => {
    // Arrange
    const deps = fixedDeps();
    const change = await changeAt(deps, 'CR-2026-621', { status: 'ROLLED_BACK' });
    const later = freeze(new Date(NOW.getTime() + 3600_000), new Date(NOW.getTime() + 7200_000));

    // Act
    const result = await recordApproval(deps, { changeId: change.id, role: 'technical', decision: 'approve', approver: 'alice', approvers, freezes: [later] });

    // Assess
    expect(result.state).toBe('pending');
    expect((await deps.store.getChange(change.id))?.requiredApprovals).toEqual(change.requiredApprovals);
  });

  it('should add the executive once to an emergency next attempt inside a freeze, recording the override on attempt 2', async () => {
    // Arrange
    const deps = fixedDeps();
    const base = await changeAt(deps, 'CR-2026-622', { status: 'ROLLED_BACK' });
    const change = await deps.store.updateChange(base.id, base.version, { request: { ...base.request, change_request: { ...base.request.change_request, type: 'emergency' } } });
    const frozen = freeze(new Date(NOW.getTime() - 3600_000), new Date(NOW.getTime() + 3600_000));

    // Act
    const first = await recordApproval(deps, { changeId: change.id, role: 'technical', decision: 'approve', approver: 'alice', approvers, freezes: [frozen] });
    const second = await recordApproval(deps, { changeId: change.id, role: 'executive', decision: 'approve', approver: 'erin', approvers, freezes: [frozen] });

    // Assess
    expect(first.missing).toEqual([...change.requiredApprovals.filter((r) => r !== 'technical'), 'executive']);
    expect(second.missing).toEqual(change.requiredApprovals.filter((r) => r !== 'technical'));
    expect((await deps.store.getChange(change.id))?.requiredApprovals).toEqual([...change.requiredApprovals, 'executive']);
    const overrides = (await deps.store.listEvents(change.id)).filter((e) => e.type === 'freeze.override');
    expect(overrides).toHaveLength(1);
    expect(overrides[0]).toMatchObject({
      attempt: 2, phase: 'PLAN',
      message: `emergency attempt 2 inside freeze "launch" (${frozen.start} – ${frozen.end}: product launch): executive approval required`,
      data: { attempt: 2, freezes: [{ name: 'launch' }] },
    });
  });
});
