// ACT phase function: begin, one host-command step (callback), the monitoring window's arm and close.
import type { Deps } from '../ports';
import { armMonitor, beginAct, closeMonitor, runStep } from '../phases/act';
import { ResolvedStepSchema } from './steps';
import { parseTaskEvent, requireToken, UnknownStepError } from './task-event';

export async function handle(raw: unknown, deps: Deps): Promise<unknown> {
  const e = parseTaskEvent(raw);
  switch (e.step) {
    case 'begin': return beginAct(deps, e.changeId);
    case 'run-command': return runStep(deps, { changeId: e.changeId, attempt: e.attempt, taskToken: requireToken(e), command: ResolvedStepSchema.parse(e.command) });
    case 'monitor-arm': await armMonitor(deps, e.changeId, e.attempt, requireToken(e)); return { armed: true };
    case 'monitor-close': return closeMonitor(deps, e.changeId, e.attempt);
    default: throw new UnknownStepError('act', e.step);
  }
}
