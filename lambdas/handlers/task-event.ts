// The payload every phase Task sends (see statemachines/runbook.asl.json), parsed once with zod.
import * as z from 'zod';
import { CHANGE_ID, validate } from '../core/schemas';

export const FailureSchema = z.object({ Error: z.string(), Cause: z.string().optional() });

export const TaskEventSchema = z.object({
  step: z.string(),
  changeId: z.string().regex(CHANGE_ID),
  attempt: z.number().int().min(1),
  taskToken: z.string().min(1).optional(),
  command: z.unknown().optional(),
  results: z.unknown().optional(),
  failure: FailureSchema.optional(),
  rollbackFailure: FailureSchema.optional(),
  /** Set on the steps of a run resumed after an interruption (the ASL's How To Start). */
  entry: z.enum(['rollback', 'approvals', 'change-window']).optional(),
});
export type TaskEvent = z.infer<typeof TaskEventSchema>;

export const parseTaskEvent = (event: unknown): TaskEvent => validate(TaskEventSchema, event, 'task event');

export function requireToken(event: TaskEvent): string {
  if (!event.taskToken) throw new Error(`step ${event.step} is a callback step: the task event has no taskToken`);
  return event.taskToken;
}

export class UnknownStepError extends Error {
  override name = 'UnknownStepError';
  constructor(fn: string, step: string) { super(`${fn} handler has no step "${step}"`); }
}
