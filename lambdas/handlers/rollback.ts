// ROLLBACK phase function: begin (steps to run) and one rollback host-command step (callback).
import type { Deps } from '../ports';
import { runStep } from '../phases/act';
import { beginRollback } from '../phases/rollback';
import { ResolvedStepSchema } from './steps';
import { parseTaskEvent, requireToken, UnknownStepError } from './task-event';

export async function handle(raw: unknown, deps: Deps): Promise<unknown> {
  const e = parseTaskEvent(raw);
  switch (e.step) {
    case 'begin': return beginRollback(deps, e.changeId, e.failure);
    case 'run-command': return runStep(deps, { changeId: e.changeId, attempt: e.attempt, taskToken: requireToken(e), command: ResolvedStepSchema.parse(e.command) });
    default: throw new UnknownStepError('rollback', e.step);
  }
}
