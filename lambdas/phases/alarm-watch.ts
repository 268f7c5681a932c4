// The rollback alarms from Act Begin until TEST ends: reading their states with bounded retries (a read that keeps
// failing rolls back: a blind window is not a quiet one), what counts as breaching in the window, and the request an
// alarm leaves on the change so the step that comes next (an ACT step, a TEST step) rolls back instead.
import { AlarmReadFailed, AlarmTriggered, ConflictError } from '../core/errors';
import type { AlarmRollbackRequest, ChangeRecord } from '../core/records';
import type { EnvironmentProfile } from '../core/schemas';
import type { Deps } from '../ports';
import { loadChange, rollbackAlarmStates } from './common';

export const ALARM_READ_ATTEMPTS = 3;
const RETRY_BASE_MS = 200;

type AlarmStates = Awaited<ReturnType<typeof rollbackAlarmStates>>;

/** The rollback alarms' states; after ALARM_READ_ATTEMPTS failed reads, AlarmReadFailed (the ASL rolls back on it). */
export async function readRollbackAlarms(deps: Pick<Deps, 'alarms' | 'log'>, environment: string, retryBaseMs = RETRY_BASE_MS): Promise<AlarmStates> {
  let last: unknown;
  for (let attempt = 1; attempt <= ALARM_READ_ATTEMPTS; attempt += 1) {
    try {
      return await rollbackAlarmStates(deps, environment);
    } catch (err) {
      last = err;
      deps.log.warn('reading the rollback alarms failed', { environment, attempt, error: (err as Error).message });
      if (attempt < ALARM_READ_ATTEMPTS) await new Promise((r) => setTimeout(r, retryBaseMs * 2 ** (attempt - 1)));
    }
  }
  throw new AlarmReadFailed(`could not read the rollback alarms after ${ALARM_READ_ATTEMPTS} attempts: ${(last as Error).message}`);
}

/**
 * CloudWatch's reason for an alarm that has not been evaluated yet ("Unchecked: Initial alarm creation"): it says
 * nothing about the metric, so the window waits for the first evaluation (pushed as a state change) instead of
 * rolling back on it. PLAN has already refused to start ACT when the metrics had no recent datapoint.
 */
const NOT_YET_EVALUATED = /^Unchecked:/;

/** An alarm that has not evaluated its metric yet: INSUFFICIENT_DATA with CloudWatch's "Unchecked:" reason. */
export function notYetEvaluated(s: { state: string; reason: string }): boolean {
  return s.state === 'INSUFFICIENT_DATA' && NOT_YET_EVALUATED.test(s.reason);
}

/**
 * "name: reason" of each alarm the window must treat as breaching: ALARM, and INSUFFICIENT_DATA (once evaluated)
 * unless the profile says missing data is not breaching (silence is not health).
 */
export function breachingInWindow(states: AlarmStates, monitoring: Pick<EnvironmentProfile['monitoring'], 'missingData'>): string[] {
  return states
    .filter((s) => s.state === 'ALARM'
      || (s.state === 'INSUFFICIENT_DATA' && monitoring.missingData === 'breaching' && !notYetEvaluated(s)))
    .map((s) => `${s.name}: ${s.state === 'ALARM' ? s.reason : `INSUFFICIENT_DATA counts as breaching (${s.reason})`}`);
}

/** The change's pending alarm rollback for this attempt, if an alarm fired since Act Begin. */
export function pendingAlarmRollback(change: ChangeRecord, attempt = change.attempt): AlarmRollbackRequest | undefined {
  return change.alarmRollback?.attempt === attempt ? change.alarmRollback : undefined;
}

export function alarmRollbackCause(request: AlarmRollbackRequest): string {
  return `${request.alarmName}: ${request.reason}`;
}

/** Keeps the alarm on the change (the first one of the attempt wins); conditional on the version, re-read on a race. */
export async function requestAlarmRollback(deps: Pick<Deps, 'store' | 'clock'>, changeId: string, alarmName: string, reason: string): Promise<ChangeRecord> {
  for (let tries = 0; ; tries += 1) {
    const change = await loadChange(deps, changeId);
    if (pendingAlarmRollback(change)) return change;
    const request: AlarmRollbackRequest = { attempt: change.attempt, alarmName, reason, at: deps.clock.now().toISOString() };
    try {
      return await deps.store.updateChange(changeId, change.version, { alarmRollback: request });
    } catch (err) {
      if (err instanceof ConflictError && tries < 5) continue;
      throw err;
    }
  }
}

/**
 * Runs `work` (a TEST step) and fails with AlarmTriggered as soon as an alarm rollback is requested on the change,
 * checking the change record every `everyMs` (a read of the store inside the function, no state transitions). The
 * work is then told to stop through its AbortSignal (the load test stops sending at once) and, when `stopWaitMs` is
 * given, waited for that long at most, so no test traffic runs on into the rollback.
 */
export async function unlessAlarmed<T>(
  deps: Pick<Deps, 'store' | 'clock'>, change: ChangeRecord, work: (signal: AbortSignal) => Promise<T>, everyMs = 500, stopWaitMs = 0,
): Promise<T> {
  const already = pendingAlarmRollback(change);
  if (already) throw new AlarmTriggered(alarmRollbackCause(already));
  const controller = new AbortController();
  let timer: ReturnType<typeof setInterval> | undefined;
  const alarmed = new Promise<never>((_resolve, reject) => {
    timer = setInterval(() => {
      loadChange(deps, change.id).then((latest) => {
        const request = pendingAlarmRollback(latest, change.attempt);
        if (!request || controller.signal.aborted) return;
        controller.abort();
        reject(new AlarmTriggered(alarmRollbackCause(request)));
      }, () => undefined);
    }, everyMs);
  });
  const running = work(controller.signal);
  try {
    return await Promise.race([running, alarmed]);
  } catch (err) {
    // Stryker disable next-line ConditionalExpression,LogicalOperator,EqualityOperator: waiting on work that has already failed by itself settles at once, and a wait bounded by 0 ms ends at once, so these mutants only add a wait of no length
    if (controller.signal.aborted && stopWaitMs > 0) {
      let bound: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([running.then(() => undefined, () => undefined), new Promise((resolve) => { bound = setTimeout(resolve, stopWaitMs); })]);
      clearTimeout(bound);
    }
    throw err;
  } finally {
    if (timer) clearInterval(timer);
  }
}
