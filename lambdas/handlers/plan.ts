// PLAN phase function: risk, approvals (callback), schedule, alarm check.
import type { Deps } from '../ports';
import { assessRiskStep, awaitApprovals, checkAlarms, scheduleStep } from '../phases/plan';
import { parseTaskEvent, requireToken, UnknownStepError } from './task-event';

export async function handle(raw: unknown, deps: Deps): Promise<unknown> {
  const e = parseTaskEvent(raw);
  switch (e.step) {
    case 'assess-risk': return assessRiskStep(deps, e.changeId);
    case 'await-approvals': await awaitApprovals(deps, e.changeId, e.attempt, requireToken(e)); return { parked: true };
    case 'schedule': return { scheduled: true, ...(await scheduleStep(deps, e.changeId, e.attempt)) };
    case 'check-alarms': await checkAlarms(deps, e.changeId, e.attempt); return { clear: true };
    default: throw new UnknownStepError('plan', e.step);
  }
}
