// What becomes of a change whose embedded process stopped (SIGINT/SIGTERM of `serve`, Ctrl-C of `run`) or died (a
// crash, SIGKILL) before its execution ended. Nothing is freed: the next start resumes every such change, before
// it accepts new work, as a new execution of the same definition entered through the input's `entry`
// (statemachines/runbook.asl.json, "How To Start"), named `<id>-<attempt>-r<n>`:
// - past Act Begin (ACTING … ROLLING_BACK): rolled back (profile `onInterrupted: rollback`, the default), or held,
//   environment locked, until `runbook rollback ID` (`onInterrupted: hold`);
// - waiting for approvals or for the change window: waiting again, the approvals already given kept;
// - in PRE-FLIGHT (nothing touched yet): the attempt starts again.
import { ConflictError } from '../core/errors';
import { AFTER_ACT_BEGAN, FINAL_STATUSES, resumeExecutionName, type ChangeRecord, type ChangeStatus } from '../core/records';
import type { Deps, ExecutionInput } from '../ports';
import { loadChange, recordEvent, transition } from './common';
import { runSettings, type RunSettings } from './preflight';

export type ResumeEntry = NonNullable<ExecutionInput['entry']>;

export type Recovery =
  | { kind: 'rollback'; from: ChangeStatus }
  | { kind: 'hold'; from: ChangeStatus }
  | { kind: 'resume'; from: ChangeStatus; entry: 'approvals' | 'change-window' }
  | { kind: 'restart'; from: ChangeStatus }
  | { kind: 'none' };

/** The status the change was in when its process went away (INTERRUPTED keeps it in `interruptedFrom`). */
export function interruptedStatus(change: Pick<ChangeRecord, 'status' | 'interruptedFrom'>): ChangeStatus | undefined {
  return change.status === 'INTERRUPTED' ? change.interruptedFrom : change.status;
}

/**
 * What the next start does with a change no process is running. Pure: called only for changes known to be orphaned
 * (at start-up, holding the home, nothing of this environment runs).
 */
export function recoveryFor(change: Pick<ChangeRecord, 'status' | 'interruptedFrom' | 'profile'>): Recovery {
  // Stryker disable next-line ConditionalExpression,LogicalOperator,StringLiteral: an ended or ROLLED_BACK status is neither after ACT nor one the switch resumes, so it reaches { kind: 'none' } below either way; the check states the rule
  if ((FINAL_STATUSES as readonly string[]).includes(change.status) || change.status === 'ROLLED_BACK') return { kind: 'none' };
  const from = interruptedStatus(change);
  // INTERRUPTED by a version that freed the environment and recorded no status: nothing left to resume.
  // Stryker disable next-line ConditionalExpression: an undefined status is not after ACT and falls to the switch's default, { kind: 'none' }, either way
  if (!from) return { kind: 'none' };
  if ((AFTER_ACT_BEGAN as readonly string[]).includes(from)) {
    // Stryker disable next-line StringLiteral: only 'hold' holds, so any fallback other than 'hold' rolls back as 'rollback' does
    return (change.profile.onInterrupted ?? 'rollback') === 'hold' ? { kind: 'hold', from } : { kind: 'rollback', from };
  }
  switch (from) {
    case 'AWAITING_APPROVAL': return { kind: 'resume', from, entry: 'approvals' };
    case 'SCHEDULED': return { kind: 'resume', from, entry: 'change-window' };
    case 'SUBMITTED':
    case 'PREFLIGHT': return { kind: 'restart', from };
    default: return { kind: 'none' };
  }
}

/** The command that rolls a held change back, as the messages print it. */
export const rollbackCommand = (changeId: string): string => `npx runbook rollback ${changeId}`;

/**
 * Starts the next run of the change's current attempt: `entry` routes it (none: the attempt starts again at
 * PRE-FLIGHT). The change records the new execution's name and its resume count before the run starts, so host
 * commands of the resumed run get slots of their own.
 */
export async function startResumedRun(
  deps: Deps,
  change: ChangeRecord,
  entry: ResumeEntry | undefined,
  options: { actor: string; why: string; failure?: { Error: string; Cause: string } },
): Promise<{ executionName: string }> {
  const resumes = (change.resumes ?? 0) + 1;
  const executionName = resumeExecutionName(change.id, change.attempt, resumes);
  const what = entry === 'rollback' ? 'rollback-only run' : entry ? `waiting again (${entry})` : 'attempt restarted at PRE-FLIGHT';
  await transition(deps, change.id, {
    status: change.status, phase: change.phase, actor: options.actor, type: 'execution.resumed',
    message: `${options.why}: ${what} as execution ${executionName}`,
    patch: { resumes, executionName },
    data: { executionName, entry: entry ?? null, from: interruptedStatus(change) ?? null },
  });
  const input: ExecutionInput = { changeId: change.id, attempt: change.attempt, ...(entry ? { entry } : {}), ...(options.failure ? { failure: options.failure } : {}) };
  await deps.executions.start(executionName, input);
  return { executionName };
}

export const RECOVERY_HEADING = 'resuming what a process that ended left unfinished, before accepting new work:';

export interface Recovered {
  change: ChangeRecord;
  recovery: Recovery;
  executionName?: string;
}

/**
 * Resumes every change of `environment` left by a process that is gone (see the file comment) and says what it did,
 * one line per change. Called before the process accepts new work.
 */
export async function recoverInterrupted(
  deps: Deps,
  environment: string,
  options: { actor: string; say: (line: string) => void; heading?: string; only?: Recovery['kind'][] },
): Promise<Recovered[]> {
  const done: Recovered[] = [];
  for (const change of await deps.store.listChanges({ environment })) {
    const recovery = recoveryFor(change);
    if (recovery.kind === 'none' || (options.only && !options.only.includes(recovery.kind))) continue;
    if (done.length === 0 && options.heading) options.say(options.heading);
    if (recovery.kind === 'hold') {
      const held = change.status === 'INTERRUPTED' ? change : await transition(deps, change.id, {
        status: 'INTERRUPTED', phase: change.phase, actor: options.actor, type: 'status.interrupted',
        message: `interrupted: the process running it ended while the change was ${change.status}`,
        patch: { interruptedFrom: change.status }, data: { from: change.status },
      });
      await recordEvent(deps, held, {
        type: 'change.held', phase: held.phase, actor: options.actor,
        message: `held (onInterrupted: hold): interrupted while ${recovery.from}, environment ${environment} stays locked; roll it back with \`${rollbackCommand(change.id)}\``,
      });
      options.say(`  ${change.id} was interrupted while ${recovery.from}: held (onInterrupted: hold), environment ${environment} stays locked — roll it back with: ${rollbackCommand(change.id)}`);
      done.push({ change: held, recovery });
      continue;
    }
    // Stryker disable next-line ConditionalExpression: the only other kind left here, restart, has no entry, so reading it gives undefined either way
    const entry = recovery.kind === 'rollback' ? 'rollback' : recovery.kind === 'resume' ? recovery.entry : undefined;
    const started = await startResumedRun(deps, change, entry, {
      actor: options.actor,
      why: `resumed after the process running it ended while it was ${recovery.from}`,
      ...(recovery.kind === 'rollback' ? { failure: interruptedFailure(recovery.from) } : {}),
    });
    const said = recovery.kind === 'rollback' ? `interrupted after ACT began (while ${recovery.from}): rolling back`
      : recovery.kind === 'resume' ? `interrupted while ${recovery.from}: waiting again for ${recovery.entry === 'approvals' ? 'approvals (those already given count)' : 'its change window'}`
        : `interrupted in pre-flight (nothing touched yet): pre-flight again`;
    options.say(`  ${change.id}: ${said} — execution ${started.executionName}`);
    done.push({ change, recovery, executionName: started.executionName });
  }
  return done;
}

const interruptedFailure = (from: ChangeStatus): { Error: string; Cause: string } => ({
  Error: 'Interrupted', Cause: `the embedded process running the change stopped while it was ${from}`,
});

/** `runbook rollback ID`: rolls back, now, a change interrupted after ACT began (held, or not yet recovered). */
export async function rollbackInterrupted(deps: Deps, input: { changeId: string; by: string }): Promise<{ changeId: string; executionName: string; from: ChangeStatus }> {
  const change = await loadChange(deps, input.changeId);
  const from = interruptedStatus(change);
  if (change.status !== 'INTERRUPTED' || !from || !(AFTER_ACT_BEGAN as readonly string[]).includes(from)) {
    throw new ConflictError(`change ${change.id} is ${change.status}${change.status === 'INTERRUPTED' ? ` (interrupted while ${from ?? 'unknown'})` : ''}: only a change interrupted after ACT began is rolled back this way`);
  }
  const { executionName } = await startResumedRun(deps, change, 'rollback', {
    actor: input.by, why: `rollback requested by ${input.by}`, failure: interruptedFailure(from),
  });
  return { changeId: change.id, executionName, from };
}

/** The ASL's Resume Attempt: the change must still be at this attempt; a resumed change window is SCHEDULED again. */
export async function resumeAttempt(deps: Deps, changeId: string, attempt: number, entry: ResumeEntry | undefined): Promise<RunSettings> {
  const change = await loadChange(deps, changeId);
  if (change.attempt !== attempt) throw new ConflictError(`change ${changeId} is at attempt ${change.attempt}, not ${attempt}: nothing to resume`);
  if (entry === 'change-window' && change.status !== 'SCHEDULED') {
    return runSettings(await transition(deps, changeId, { status: 'SCHEDULED', phase: 'PLAN', message: `waiting again for the change window (${change.request.timeline.planned_start})` }));
  }
  return runSettings(change);
}
