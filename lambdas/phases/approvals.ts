// Approvals: recorded only from an authenticated caller's identity, never from the submitted document.
// The last needed approval completes the parked token; a reject fails it. After a rollback, a full
// set of approvals for the next attempt starts that attempt as a new execution.
import { assertMayApprove, evaluateApprovals } from '../core/approvals';
import { ConflictError, ForbiddenError } from '../core/errors';
import { changeWindow, describeFreeze, freezesBetween, type Freeze } from '../core/freeze';
import type { Approvers } from '../core/identity';
import { callbackKey, executionNameFor, type Approval, type ApprovalRole, type ChangeRecord, type ChangeStatus } from '../core/records';
import type { Deps } from '../ports';
import { loadChange, recordEvent, transition } from './common';

const WAITING_FOR_THIS_ATTEMPT: ChangeStatus[] = ['SUBMITTED', 'PREFLIGHT', 'AWAITING_APPROVAL'];

export interface ApprovalResult {
  approval: Approval;
  duplicate: boolean;
  state: 'pending' | 'approved' | 'rejected';
  missing: ApprovalRole[];
  /** Set when this approval started the next attempt after a rollback. */
  startedExecution?: string;
}

/**
 * `approvers` is who the profile lets approve NOW (the served profile, not the copy taken at submission), so removing
 * someone from the profile takes effect at once.
 */
export async function recordApproval(deps: Deps, input: {
  changeId: string; role: ApprovalRole; decision: 'approve' | 'reject'; approver: string; approvers: Approvers; comment?: string;
  /** The served profile's freezes: the next attempt after a rollback runs now, so it is checked like a submission. */
  freezes?: readonly Freeze[];
}): Promise<ApprovalResult> {
  let change = await loadChange(deps, input.changeId);
  const nextAttempt = change.status === 'ROLLED_BACK';
  if (!nextAttempt && !WAITING_FOR_THIS_ATTEMPT.includes(change.status)) {
    throw new ConflictError(`change ${change.id} is ${change.status}: it is not waiting for approvals`);
  }
  const attempt = nextAttempt ? change.attempt + 1 : change.attempt;
  if (nextAttempt && input.decision === 'approve') change = await checkNextAttemptFreezes(deps, change, attempt, input.freezes ?? []);
  assertMayApprove({
    changeId: change.id, requester: change.requester, approver: input.approver, role: input.role, required: change.requiredApprovals,
    submittedBy: change.submittedBy ?? (await submitterOf(deps, change.id)), approvers: input.approvers,
    recorded: await deps.store.listApprovals(change.id, attempt),
  });
  const approval: Approval = {
    changeId: change.id, attempt, role: input.role, decision: input.decision, approver: input.approver,
    ...(input.comment ? { comment: input.comment } : {}), at: deps.clock.now().toISOString(),
  };
  const put = await deps.store.putApproval(approval);
  if (put.existing && put.existing.role !== input.role) {
    // The same person's decision in another role won the race to the store (one item per person and attempt).
    throw new ForbiddenError(`${input.approver} already decided as ${put.existing.role} on attempt ${attempt}: one person approves as at most one role per attempt`);
  }
  if (put.created) {
    await recordEvent(deps, change, {
      type: `approval.${input.decision}`, phase: 'PLAN', actor: input.approver,
      message: `${input.role} ${input.decision === 'approve' ? 'approved' : 'rejected'} by ${input.approver}${input.comment ? `: ${input.comment}` : ''}`,
      data: { role: input.role, decision: input.decision },
    }, attempt);
  }
  const verdict = evaluateApprovals({ required: change.requiredApprovals, approvals: await deps.store.listApprovals(change.id, attempt) });
  const result: ApprovalResult = { approval: put.existing ?? approval, duplicate: !put.created, state: verdict.state, missing: verdict.missing };

  if (nextAttempt) {
    if (verdict.state === 'rejected') {
      await transition(deps, change.id, { status: 'REJECTED', phase: 'PLAN', message: `next attempt rejected by ${input.approver}`, reason: input.comment ?? 'rejected' });
      await deps.store.releaseLock(change.environment, change.id);
    } else if (verdict.state === 'approved') {
      const name = executionNameFor(change.id, attempt);
      try {
        await transition(deps, change.id, { status: 'SUBMITTED', phase: 'PLAN', message: `approved again: attempt ${attempt} starts as ${name}`, patch: { attempt, executionName: name, resumes: 0 }, from: ['ROLLED_BACK'] });
      } catch (err) {
        // Another approval completing the same quorum at the same moment moved it first.
        if (!(err instanceof ConflictError)) throw err;
      }
      // Idempotent by name: a repeat (or the racing approval) starts nothing new, a failed earlier start is retried.
      await deps.executions.start(name, { changeId: change.id, attempt });
      result.startedExecution = name;
    }
    return result;
  }

  const parked = await deps.store.getCallback(callbackKey('approval', change.id, attempt));
  if (parked && verdict.state === 'approved') await deps.callbacks.sendTaskSuccess(parked.token, { approved: true });
  // Stryker disable next-line LogicalOperator,OptionalChaining: evaluateApprovals sets rejectedBy whenever the state is rejected, so the fallback and the optional reads are never taken
  if (parked && verdict.state === 'rejected') await deps.callbacks.sendTaskFailure(parked.token, 'ChangeRejected', `rejected by ${verdict.rejectedBy?.approver ?? input.approver}${verdict.rejectedBy?.comment ? `: ${verdict.rejectedBy.comment}` : ''}`);
  return result;
}

/** Changes submitted before `submittedBy` was kept on the record: the submitted event names the caller. */
async function submitterOf(deps: Deps, changeId: string): Promise<string | undefined> {
  return (await deps.store.listEvents(changeId)).find((e) => e.type === 'change.submitted')?.actor;
}

/**
 * The next attempt would start now: inside a freeze a change that is not an emergency is refused (409 naming the
 * freeze, nothing recorded); an emergency goes on, needing the executive from then on, with the override recorded once.
 */
async function checkNextAttemptFreezes(deps: Deps, change: ChangeRecord, attempt: number, freezes: readonly Freeze[]): Promise<ChangeRecord> {
  if (freezes.length === 0) return change;
  const window = changeWindow(change.request, deps.clock.now());
  const frozen = freezesBetween(freezes, window.start, window.end);
  if (frozen.length === 0) return change;
  if (change.request.change_request.type !== 'emergency') {
    throw new ConflictError(`change ${change.id}: attempt ${attempt} would run ${window.start.toISOString()} – ${window.end.toISOString()}, inside the change freeze ${frozen.map(describeFreeze).join(', ')}; only an emergency change may run in a freeze`);
  }
  if (change.requiredApprovals.includes('executive')) return change;
  const updated = await deps.store.updateChange(change.id, change.version, { requiredApprovals: [...change.requiredApprovals, 'executive'] });
  await recordEvent(deps, updated, {
    type: 'freeze.override', phase: 'PLAN',
    message: `emergency attempt ${attempt} inside freeze ${frozen.map(describeFreeze).join(', ')}: executive approval required`,
    data: { freezes: frozen, attempt },
  }, attempt);
  return updated;
}
