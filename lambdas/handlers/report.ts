// REPORT phase function: every way an attempt ends writes its report, status and notification.
import type { Deps } from '../ports';
import { endAttempt, healthNow, type Outcome } from '../phases/report';
import { parseTaskEvent, UnknownStepError } from './task-event';

// A Map, not an object literal: a step named like an Object.prototype member (toString) is no outcome.
const OUTCOMES = new Map<string, Outcome>([
  ['completed', 'completed'],
  ['rolled-back', 'rolled-back'],
  ['manual-intervention', 'manual-intervention'],
  ['preflight-failed', 'preflight-failed'],
  ['plan-ended', 'plan-ended'],
]);

export async function handle(raw: unknown, deps: Deps): Promise<unknown> {
  const e = parseTaskEvent(raw);
  const outcome = OUTCOMES.get(e.step);
  if (!outcome) throw new UnknownStepError('report', e.step);
  return endAttempt(deps, { changeId: e.changeId, attempt: e.attempt, outcome, ...(e.failure ? { failure: e.failure } : {}), ...(e.rollbackFailure ? { rollbackFailure: e.rollbackFailure } : {}) }, {
    // Only the REPORT function checks the hosts as it writes (it alone may send commands; see lib/functions.ts).
    healthNow: (change, attempt) => healthNow(deps, change, attempt),
  });
}
