// Cancelling a change. The request is kept on the change (cancelRequest) and every phase honours it at its next
// step, so nothing has to stay up to carry it on (the same on both engines):
// - before ACT (SUBMITTED, PREFLIGHT, AWAITING_APPROVAL, SCHEDULED): the execution is stopped (StopExecution / engine
//   abort) and the attempt ends like a PLAN that ended with ChangeCancelled: CANCELLED, report stored, lock released,
//   notified. If the execution got further first, ACT begin refuses to start (ChangeCancelled, nothing touched).
// - ACTING: a running host command is never interrupted; the next ACT step is refused (StepRefused) and the ASL's
//   Catch rolls back; a cancel during the last step fails the monitoring window as soon as it opens.
// - MONITORING: the parked monitoring token is failed with ChangeCancelled: the change rolls back at once.
// - ROLLING_BACK: the rollback runs to its end.
// In every rolled-back case the report phase then closes the change CANCELLED (not back in PLAN) and frees the
// environment. ROLLED_BACK (back in PLAN, nothing running): closed CANCELLED now. TESTING and REPORTING are refused:
// the change is made and the tests decide (a failed test rolls it back anyway).
import { ConflictError } from '../core/errors';
import { cancelCause, FINAL_STATUSES, type CancelRequest, type ChangeRecord, type ChangeStatus } from '../core/records';
import type { Deps, ExecutionControl } from '../ports';
import { failMonitor } from './act';
import { loadChange, recordEvent, transition } from './common';
import { endAttempt } from './report';

export const CANCEL_REQUESTED = 'cancel.requested';

const BEFORE_ACT: ChangeStatus[] = ['SUBMITTED', 'PREFLIGHT', 'AWAITING_APPROVAL', 'SCHEDULED'];

export type CancelAction = 'stopped' | 'closed' | 'already-cancelled' | 'rollback-after-current-step' | 'rolling-back';

export interface CancelOutcome {
  /** 200 when the change is CANCELLED now, 202 when the cancel is under way. */
  statusCode: 200 | 202;
  changeId: string;
  status: ChangeStatus;
  action: CancelAction;
  message: string;
  cancelRequest: CancelRequest;
}

function refusal(change: ChangeRecord): ConflictError {
  if (change.status === 'TESTING' || change.status === 'REPORTING') {
    return new ConflictError(`change ${change.id} is ${change.status}: the change has been made and is being verified, so it can no longer be cancelled (a failed test rolls it back; to undo it afterwards, submit a new change)`);
  }
  return new ConflictError(`change ${change.id} is ${change.status}: there is nothing left to cancel`);
}

/** Stores the request once (a repeat keeps the first) and records it as an event. */
async function keepRequest(deps: Deps, changeId: string, request: CancelRequest): Promise<ChangeRecord> {
  for (let tries = 0; ; tries += 1) {
    const change = await loadChange(deps, changeId);
    if (change.cancelRequest) return change;
    try {
      const updated = await deps.store.updateChange(changeId, change.version, { cancelRequest: request, updatedAt: request.at });
      await recordEvent(deps, updated, {
        type: CANCEL_REQUESTED, actor: request.by, phase: change.phase,
        message: `cancel requested by ${request.by} while ${change.status}${request.reason ? `: ${request.reason}` : ''}`,
        data: { reason: request.reason, statusWhenRequested: change.status },
      });
      return updated;
    } catch (err) {
      if (err instanceof ConflictError && tries < 3) continue;
      throw err;
    }
  }
}

export async function requestCancel(deps: Deps, control: ExecutionControl, input: { changeId: string; by: string; reason?: string }): Promise<CancelOutcome> {
  const before = await loadChange(deps, input.changeId);
  if (before.status === 'CANCELLED' && before.cancelRequest) return outcomeOf(before, 200, 'already-cancelled', `${before.id} is already CANCELLED`);
  if ((FINAL_STATUSES as readonly string[]).includes(before.status) || before.status === 'TESTING' || before.status === 'REPORTING') throw refusal(before);

  const change = await keepRequest(deps, input.changeId, { by: input.by, at: deps.clock.now().toISOString(), reason: input.reason ?? null });
  const request = change.cancelRequest as CancelRequest;
  const cause = cancelCause(request);

  if (BEFORE_ACT.includes(change.status)) {
    const { stopped } = await control.stop(change.executionName, cause);
    const ended = await endAttempt(deps, { changeId: change.id, attempt: change.attempt, outcome: 'plan-ended', failure: { Error: 'ChangeCancelled', Cause: cause } });
    return outcomeOf(await loadChange(deps, change.id), 200, 'stopped', `${stopped ? `execution ${change.executionName} stopped` : `execution ${change.executionName} was not running`}; ${change.id} is ${ended.status}: nothing was touched`);
  }
  switch (change.status) {
    case 'ACTING':
      return outcomeOf(change, 202, 'rollback-after-current-step', 'the ACT step that is running finishes (host commands are never interrupted); the next step is refused, the change rolls back and is then CANCELLED');
    case 'MONITORING':
      await failMonitor(deps, change.id, change.attempt, cause, 'ChangeCancelled');
      return outcomeOf(change, 202, 'rolling-back', 'the monitoring window ends with ChangeCancelled: the change rolls back and is then CANCELLED');
    case 'ROLLING_BACK':
      return outcomeOf(change, 202, 'rolling-back', 'the rollback runs to its end; the change is then CANCELLED');
    case 'ROLLED_BACK': {
      const closed = await transition(deps, change.id, {
        status: 'CANCELLED', phase: change.phase, actor: request.by, type: 'change.cancelled', reason: cause,
        message: `${cause}; the change was rolled back and will not be tried again`,
      });
      await deps.store.releaseLock(change.environment, change.id);
      await deps.notifier.notify({
        kind: 'ended', severity: 'info', changeId: change.id, status: 'CANCELLED', title: `CANCELLED: ${change.id} ${change.title}`,
        text: `${cause}. The change was rolled back (see its report) and the environment ${change.environment} is free.`, operator: request.by,
      });
      return outcomeOf(closed, 200, 'closed', `${change.id} was rolled back and is now CANCELLED; environment ${change.environment} is free`);
    }
    default:
      // It moved on between the two reads (TESTING, or over): the request stays recorded but changes nothing.
      throw refusal(change);
  }
}

function outcomeOf(change: ChangeRecord, statusCode: 200 | 202, action: CancelAction, message: string): CancelOutcome {
  return { statusCode, changeId: change.id, status: change.status, action, message, cancelRequest: change.cancelRequest as CancelRequest };
}
