// Cancelling a change. What happens depends on how far it got, and is the same on both engines:
// - before ACT (SUBMITTED, PREFLIGHT, AWAITING_APPROVAL, SCHEDULED): the execution is stopped (StopExecution / engine
//   abort, which settles its tokens) and the attempt ends like a PLAN that ended with ChangeCancelled: CANCELLED,
//   report stored, lock released, notified. Answered 200.
// - ACTING: a host command may be running and is never interrupted. A cancelled marker command is recorded for the
//   attempt; the ACT step guard (runStep) refuses every later step of an attempt with a non-successful command, so the
//   next step fails with StepRefused and the ASL's Catch runs ROLLBACK. Answered 202.
// - MONITORING: the parked monitoring token is failed with ChangeCancelled, so the window ends at once and the ASL's
//   Catch runs ROLLBACK. Answered 202.
// - ROLLING_BACK: the rollback goes on; the request is recorded. Answered 202.
// - ROLLED_BACK (back in PLAN, nothing running): closed as CANCELLED, lock released, notified. Answered 200.
// A cancel request is an event on the attempt; {@link advanceCancel} carries it forward as the change moves (a
// rollback that ends ROLLED_BACK is closed as CANCELLED; a step that was the last one leaves the change MONITORING,
// whose token is then failed). `runbook serve` runs it on a timer; on AWS `runbook cancel` repeats the request while
// it follows the change, and the request itself is idempotent. TESTING and REPORTING are refused (409): the change is
// made and the tests decide; a failing test rolls it back anyway.
import { ChangeCancelled, ConflictError } from '../core/errors';
import { callbackKey, FINAL_STATUSES, type ChangeEvent, type ChangeRecord, type ChangeStatus } from '../core/records';
import { loadChange, recordEvent, transition } from '../phases/common';
import { endAttempt } from '../phases/report';
import type { Deps, ExecutionControl } from '../ports';

export const CANCEL_REQUESTED = 'cancel.requested';
/** The marker command's document name: no such document exists, so nothing can ever send it. */
export const CANCEL_MARKER_DOCUMENT = 'runbook-CancelRequest';
export const CANCEL_MARKER_STEP = 'cancel-request';

const BEFORE_ACT: ChangeStatus[] = ['SUBMITTED', 'PREFLIGHT', 'AWAITING_APPROVAL', 'SCHEDULED'];

export type CancelAction = 'stopped' | 'closed' | 'already-cancelled' | 'rollback-after-current-step' | 'rolling-back' | 'rollback-when-window-opens';

export interface CancelOutcome {
  /** 200 when the change is CANCELLED now, 202 when the cancel is under way. */
  statusCode: 200 | 202;
  changeId: string;
  status: ChangeStatus;
  action: CancelAction;
  message: string;
  cancelRequest: { by: string; at: string; reason: string | null };
}

type CancelDeps = { deps: Deps; control: ExecutionControl };

/** The first cancel request of this attempt, if any: later ones change nothing. */
export function pendingCancel(events: ChangeEvent[], attempt: number): ChangeEvent | undefined {
  return events.find((e) => e.type === CANCEL_REQUESTED && e.attempt === attempt);
}

const reasonOf = (request: ChangeEvent): string | null => (typeof request.data?.reason === 'string' ? request.data.reason : null);
const causeOf = (request: ChangeEvent): string => `cancelled by ${request.actor}${reasonOf(request) ? `: ${reasonOf(request)}` : ''}`;

function refusal(change: ChangeRecord): ConflictError {
  if (change.status === 'TESTING' || change.status === 'REPORTING') {
    return new ConflictError(`change ${change.id} is ${change.status}: the change has been made and is being verified, so it can no longer be cancelled (a failed test rolls it back; to undo it afterwards, submit a new change)`);
  }
  return new ConflictError(`change ${change.id} is ${change.status}: there is nothing left to cancel`);
}

/** Records the request (once per attempt) and does what the change's status allows now. */
export async function cancelChange(ctx: CancelDeps, input: { changeId: string; by: string; reason?: string }): Promise<CancelOutcome> {
  const change = await loadChange(ctx.deps, input.changeId);
  const events = await ctx.deps.store.listEvents(change.id);
  const existing = pendingCancel(events, change.attempt);
  if (change.status === 'CANCELLED' && existing) return outcomeOf(change, existing, 200, 'already-cancelled', `${change.id} is already CANCELLED`);
  if ((FINAL_STATUSES as readonly string[]).includes(change.status) || change.status === 'TESTING' || change.status === 'REPORTING') throw refusal(change);
  if (!existing) {
    await recordEvent(ctx.deps, change, {
      type: CANCEL_REQUESTED, actor: input.by, phase: change.phase,
      message: `cancel requested by ${input.by} while ${change.status}${input.reason ? `: ${input.reason}` : ''}`,
      data: { reason: input.reason ?? null, statusWhenRequested: change.status },
    });
  }
  const outcome = await advanceCancel(ctx, change.id);
  if (!outcome) throw refusal(await loadChange(ctx.deps, change.id));
  return outcome;
}

/**
 * Carries a recorded cancel request one step further. Undefined when there is no request for the current attempt, or
 * when the change got past where a cancel applies (it completed or failed first).
 */
export async function advanceCancel(ctx: CancelDeps, changeId: string): Promise<CancelOutcome | undefined> {
  const change = await loadChange(ctx.deps, changeId);
  const request = pendingCancel(await ctx.deps.store.listEvents(changeId), change.attempt);
  if (!request) return undefined;
  const cause = causeOf(request);

  if (BEFORE_ACT.includes(change.status)) {
    const { stopped } = await ctx.control.stop(change.executionName, cause);
    const ended = await endAttempt(ctx.deps, { changeId, attempt: change.attempt, outcome: 'plan-ended', failure: { Error: ChangeCancelled.name, Cause: cause } });
    const after = await loadChange(ctx.deps, changeId);
    return outcomeOf(after, request, 200, 'stopped', `${stopped ? `execution ${change.executionName} stopped` : `execution ${change.executionName} was not running`}; ${changeId} is ${ended.status}: nothing was touched`);
  }

  switch (change.status) {
    case 'ACTING': {
      const key = `cancel-${change.id}-${change.attempt}`;
      if (!(await ctx.deps.store.getCommand(key))) {
        const now = ctx.deps.clock.now().toISOString();
        await ctx.deps.store.putCommand({
          commandId: key, changeId, attempt: change.attempt, phase: 'ACT', stepName: CANCEL_MARKER_STEP, document: CANCEL_MARKER_DOCUMENT,
          parameters: { requestedBy: request.actor }, status: 'Cancelled', requestedAt: now, finishedAt: now, output: cause,
        });
      }
      return outcomeOf(change, request, 202, 'rollback-after-current-step', 'the ACT step that is running finishes (host commands are never interrupted); the next step is refused and the change rolls back');
    }
    case 'MONITORING': {
      const monitorKey = callbackKey('monitor', changeId, change.attempt);
      const parked = await ctx.deps.store.getCallback(monitorKey);
      if (!parked) return outcomeOf(change, request, 202, 'rollback-when-window-opens', 'the monitoring window is opening; it is failed with ChangeCancelled as soon as it is armed, and the change rolls back');
      await ctx.deps.callbacks.sendTaskFailure(parked.token, ChangeCancelled.name, cause);
      await ctx.deps.store.deleteCallback(monitorKey);
      return outcomeOf(change, request, 202, 'rolling-back', 'the monitoring window was ended with ChangeCancelled: the change rolls back');
    }
    case 'ROLLING_BACK':
      return outcomeOf(change, request, 202, 'rolling-back', 'the rollback runs to its end; the change is then closed as CANCELLED');
    case 'ROLLED_BACK': {
      const closed = await transition(ctx.deps, changeId, {
        status: 'CANCELLED', phase: change.phase, actor: request.actor, type: 'change.cancelled', reason: cause,
        message: `${cause}; the change was rolled back and will not be tried again`,
      });
      await ctx.deps.store.releaseLock(change.environment, changeId);
      await ctx.deps.notifier.notify({
        kind: 'ended', severity: 'info', changeId, status: 'CANCELLED', title: `CANCELLED: ${changeId} ${change.title}`,
        text: `${cause}. The change was rolled back (see its report) and the environment ${change.environment} is free.`, operator: request.actor,
      });
      return outcomeOf(closed, request, 200, 'closed', `${changeId} was rolled back and is now CANCELLED; environment ${change.environment} is free`);
    }
    case 'CANCELLED':
      return outcomeOf(change, request, 200, 'already-cancelled', `${changeId} is CANCELLED`);
    default:
      return undefined;
  }
}

function outcomeOf(change: ChangeRecord, request: ChangeEvent, statusCode: 200 | 202, action: CancelAction, message: string): CancelOutcome {
  return { statusCode, changeId: change.id, status: change.status, action, message, cancelRequest: { by: request.actor, at: request.at, reason: reasonOf(request) } };
}

/**
 * Moves pending cancels along on a timer, for a host that stays up (`runbook serve`); AWS has no such process and
 * `runbook cancel` does the same by repeating its request while it follows the change.
 */
export class CancelFollower {
  private readonly pending = new Set<string>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private busy = false;

  constructor(private readonly ctx: CancelDeps, private readonly intervalMs = 250) {}

  follow(changeId: string): void {
    this.pending.add(changeId);
    this.timer ??= setInterval(() => void this.tick(), this.intervalMs);
  }

  following(): string[] {
    return [...this.pending];
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (const id of [...this.pending]) {
        try {
          const outcome = await advanceCancel(this.ctx, id);
          if (!outcome || outcome.statusCode === 200) this.pending.delete(id);
        } catch (err) {
          this.ctx.deps.log.warn('cancel: could not move the request on; will retry', { changeId: id, error: (err as Error).message });
        }
      }
      if (this.pending.size === 0) this.stop();
    } finally {
      this.busy = false;
    }
  }
}
