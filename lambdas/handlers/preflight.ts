// PRE-FLIGHT phase function: start the attempt, the three checks (host commands), record the pass; and the
// system-health check again before ACT after a long wait.
import type { Deps } from '../ports';
import { preflightPassed, recheckSystemHealth, runPreflightCheck, startAttempt } from '../phases/preflight';
import { resumeAttempt } from '../phases/resume';
import { parseTaskEvent, requireToken, UnknownStepError } from './task-event';

export async function handle(raw: unknown, deps: Deps): Promise<unknown> {
  const e = parseTaskEvent(raw);
  switch (e.step) {
    case 'start': return startAttempt(deps, e.changeId, e.attempt);
    case 'resume': return resumeAttempt(deps, e.changeId, e.attempt, e.entry);
    case 'system-health':
    case 'dependencies':
    case 'backup':
      return runPreflightCheck(deps, { changeId: e.changeId, attempt: e.attempt, taskToken: requireToken(e), check: e.step });
    case 'system-health-recheck': return recheckSystemHealth(deps, { changeId: e.changeId, attempt: e.attempt, taskToken: requireToken(e) });
    case 'passed': await preflightPassed(deps, e.changeId, e.attempt, e.results); return { passed: true };
    default: throw new UnknownStepError('preflight', e.step);
  }
}
