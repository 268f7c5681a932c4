// Nothing left half-done: an execution of the runbook state machine that ended TIMED_OUT, ABORTED or FAILED while its
// change was still in flight (Step Functions "Execution Status Change", or anything else that reports an execution's
// end). If ACT had begun, the same state machine is started again for the same attempt with input entry: rollback (a rollback-only run); before ACT
// nothing was touched, so the attempt ends with the reason, the environment is freed, and it is reported and notified.
// An execution that ended in one of the definition's own Fail states (rolled back to PLAN, rejected, …) has already
// ended its change: the event is then recorded as nothing to do.
import { CHANGE_ID } from '../core/schemas';
import { cancelCause, FINAL_STATUSES, resumeExecutionName, type ChangeRecord, type ChangeStatus } from '../core/records';
import type { Deps, ExecutionInput } from '../ports';
import { loadChange, recordEvent } from './common';
import { endAttempt } from './report';
import type { Failure } from './rollback';

export const UNFINISHED_STATUSES = ['FAILED', 'TIMED_OUT', 'ABORTED'] as const;
export type UnfinishedStatus = (typeof UNFINISHED_STATUSES)[number];

/** The error each end records as the attempt's failure (named errors: never `States.`). */
export const EXECUTION_ERRORS: Record<UnfinishedStatus, string> = {
  FAILED: 'ExecutionFailed',
  TIMED_OUT: 'ExecutionTimedOut',
  ABORTED: 'ExecutionAborted',
};

/** From ACT on the hosts may have been touched: the change is rolled back rather than just ended. */
const ACT_BEGUN: readonly ChangeStatus[] = ['ACTING', 'MONITORING', 'TESTING', 'ROLLING_BACK'];
const BEFORE_ACT: readonly ChangeStatus[] = ['SUBMITTED', 'PREFLIGHT', 'AWAITING_APPROVAL', 'SCHEDULED'];

export const ROLLBACK_RUN_STARTED = 'execution.rollback-run';
export const EXECUTION_ENDED = 'execution.ended';

export interface ExecutionEnd {
  name: string;
  executionArn: string;
  status: UnfinishedStatus;
  /** The execution's input as Step Functions reports it (a JSON string), when included. */
  input?: string | null;
  error?: string | null;
  cause?: string | null;
}

export interface ExecutionRef {
  changeId: string;
  attempt: number;
  /** Set when the execution was itself a rollback-only run (its n). */
  rollbackRun?: number;
}

const NAME = /^(CR-\d{4}-\d{3,})(?:-(\d+))?(?:-r(\d+))?$/;

/** Which change and attempt an execution ran, from its name (`<id>`, `<id>-<attempt>`, `<id>-<attempt>-r<n>`). */
export function parseExecutionName(name: string): ExecutionRef | undefined {
  const m = NAME.exec(name);
  if (!m?.[1]) return undefined;
  return {
    changeId: m[1],
    attempt: m[2] ? Number(m[2]) : 1,
    ...(m[3] ? { rollbackRun: Number(m[3]) } : {}),
  };
}

/** The input names the change and attempt; the name says whether it was a rollback run (and is the fallback). */
export function executionRef(end: Pick<ExecutionEnd, 'name' | 'input'>): ExecutionRef | undefined {
  const byName = parseExecutionName(end.name);
  let input: Partial<ExecutionInput> | undefined;
  try {
    input = typeof end.input === 'string' ? (JSON.parse(end.input) as Partial<ExecutionInput>) : undefined;
  } catch {
    input = undefined;
  }
  if (input && typeof input.changeId === 'string' && CHANGE_ID.test(input.changeId) && Number.isInteger(input.attempt) && (input.attempt as number) >= 1) {
    const rollbackRun = input.entry === 'rollback' ? (byName?.rollbackRun ?? 1) : undefined;
    return { changeId: input.changeId, attempt: input.attempt as number, ...(rollbackRun !== undefined ? { rollbackRun } : {}) };
  }
  return byName;
}

export type ExecutionEndAction = 'ignored' | 'rollback-started' | 'ended' | 'manual-intervention' | 'report-finished';

export interface ExecutionEndOutcome {
  action: ExecutionEndAction;
  reason: string;
  changeId?: string;
  status?: ChangeStatus;
  rollbackExecution?: string;
}

function failureOf(end: ExecutionEnd): Failure {
  const detail = [end.error, end.cause].filter((t): t is string => typeof t === 'string' && t !== '').join(': ');
  return { Error: EXECUTION_ERRORS[end.status], Cause: `execution ${end.name} ${end.status}${detail ? ` (${detail})` : ''}`.slice(0, 4000) };
}

export async function onExecutionEnded(deps: Deps, end: ExecutionEnd): Promise<ExecutionEndOutcome> {
  const ref = executionRef(end);
  if (!ref) return { action: 'ignored', reason: `execution ${end.name} is not a runbook change's execution` };
  const change = await deps.store.getChange(ref.changeId);
  if (!change) return { action: 'ignored', reason: `change ${ref.changeId} not found`, changeId: ref.changeId };
  const ignored = (reason: string): ExecutionEndOutcome => ({ action: 'ignored', reason, changeId: change.id, status: change.status });
  if (change.attempt !== ref.attempt) return ignored(`execution ${end.name} ran attempt ${ref.attempt}; the change is on attempt ${change.attempt}`);
  if ((FINAL_STATUSES as readonly string[]).includes(change.status) || change.status === 'ROLLED_BACK') {
    return ignored(`the attempt had already ended (${change.status})`);
  }

  const failure = failureOf(end);
  const events = await deps.store.listEvents(change.id);
  // Deliveries are at least once: the same end seen again re-sends the same StartExecution (idempotent by name
  // and input) instead of starting a second rollback.
  const seen = events.find((e) => e.attempt === change.attempt && e.type === EXECUTION_ENDED && e.data?.executionArn === end.executionArn);
  if (!seen) {
    await recordEvent(deps, change, {
      type: EXECUTION_ENDED, phase: change.phase,
      message: `${failure.Cause} while the change was ${change.status}`,
      data: { executionArn: end.executionArn, executionStatus: end.status, error: end.error ?? null, cause: end.cause ?? null, changeStatus: change.status },
    });
  }

  if (ACT_BEGUN.includes(change.status)) {
    // A rollback-only run that itself did not finish: the hosts are in an unknown state; an operator decides.
    if (ref.rollbackRun !== undefined) {
      const ended = await endAttempt(deps, { changeId: change.id, attempt: change.attempt, outcome: 'manual-intervention', failure, rollbackFailure: failure });
      return { action: 'manual-intervention', reason: `rollback run ${end.name} ${end.status}`, changeId: change.id, status: ended.status };
    }
    return startRollbackRun(deps, change, end, failure, events);
  }
  if (change.status === 'REPORTING') {
    // ACT, the window and TEST all passed; only the report was not written: finish it instead of undoing a good change.
    const ended = await endAttempt(deps, { changeId: change.id, attempt: change.attempt, outcome: 'completed' });
    return { action: 'report-finished', reason: `execution ${end.name} ${end.status} while REPORTING: report finished`, changeId: change.id, status: ended.status };
  }
  if (BEFORE_ACT.includes(change.status)) {
    // A cancel stops the execution itself (ABORTED): end it the way the cancel does, so both report the same.
    const because = change.cancelRequest ? { Error: 'ChangeCancelled', Cause: cancelCause(change.cancelRequest) } : failure;
    const ended = await endAttempt(deps, {
      changeId: change.id, attempt: change.attempt, outcome: change.status === 'PREFLIGHT' ? 'preflight-failed' : 'plan-ended', failure: because,
    });
    return { action: 'ended', reason: `${failure.Cause} before ACT: nothing was touched`, changeId: change.id, status: ended.status };
  }
  return ignored(`no rule for a change that is ${change.status}`);
}

async function startRollbackRun(deps: Deps, change: ChangeRecord, end: ExecutionEnd, failure: Failure, events: Awaited<ReturnType<Deps['store']['listEvents']>>): Promise<ExecutionEndOutcome> {
  const runs = events.filter((e) => e.attempt === change.attempt && e.type === ROLLBACK_RUN_STARTED);
  const again = runs.find((e) => e.data?.failedExecutionArn === end.executionArn);
  // Past every run of the attempt this handler started and past the dead execution itself, if it was a run `-r<k>`
  // (a resumed run): names of ended executions cannot be reused.
  const deadRun = parseExecutionName(end.name)?.rollbackRun ?? 0;
  const n = typeof again?.data?.n === 'number' ? again.data.n : Math.max(runs.length, deadRun) + 1;
  const name = resumeExecutionName(change.id, change.attempt, n);
  const input: ExecutionInput = { changeId: change.id, attempt: change.attempt, entry: 'rollback', failure };
  const { executionId } = await deps.executions.start(name, input);
  if (!again) {
    await recordEvent(deps, change, {
      type: ROLLBACK_RUN_STARTED, phase: 'ROLLBACK',
      message: `rollback run ${name} started: ${failure.Cause} after ACT began (${change.status})`,
      data: { n, executionName: name, executionId, failedExecutionArn: end.executionArn, failure },
    });
    await deps.notifier.notify({
      kind: 'rollback', severity: 'warning', changeId: change.id, status: change.status,
      title: `Rollback started: ${change.id} (execution ${end.status})`,
      text: `${failure.Cause} while the change was ${change.status}. Rollback run ${name} rolls it back; its report follows.`,
    });
  }
  return { action: 'rollback-started', reason: failure.Cause ?? failure.Error, changeId: change.id, status: (await loadChange(deps, change.id)).status, rollbackExecution: name };
}
