// EventBridge target for Step Functions "Execution Status Change" (FAILED, TIMED_OUT, ABORTED of the runbook state
// machine): finds the change and rolls it back or ends it (lambdas/phases/execution-status.ts).
// Event shape: https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html (detail: executionArn,
// stateMachineArn, name, status, startDate, stopDate, input, output, error, cause).
import * as z from 'zod';
import { validate } from '../core/schemas';
import type { Deps } from '../ports';
import { onExecutionEnded, UNFINISHED_STATUSES, type ExecutionEndOutcome } from '../phases/execution-status';

export const EXECUTION_STATUS_CHANGE = 'Step Functions Execution Status Change';

const EventSchema = z.object({
  'detail-type': z.literal(EXECUTION_STATUS_CHANGE),
  source: z.literal('aws.states'),
  detail: z.object({
    executionArn: z.string().startsWith('arn:'),
    stateMachineArn: z.string().startsWith('arn:'),
    name: z.string().min(1).max(80),
    status: z.enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE']),
    input: z.string().nullish(),
    error: z.string().nullish(),
    cause: z.string().nullish(),
  }).loose(),
}).loose();

export async function handle(raw: unknown, deps: Deps): Promise<ExecutionEndOutcome> {
  const { detail } = validate(EventSchema, raw, 'execution status change event');
  const status = detail.status;
  // The rule matches only these; anything else reaching here (a rule edited by hand) changes nothing.
  if (!(UNFINISHED_STATUSES as readonly string[]).includes(status)) return { action: 'ignored', reason: `execution ${detail.name} is ${status}` };
  const outcome = await onExecutionEnded(deps, {
    name: detail.name,
    executionArn: detail.executionArn,
    status: status as (typeof UNFINISHED_STATUSES)[number],
    ...(detail.input !== undefined ? { input: detail.input } : {}),
    ...(detail.error !== undefined ? { error: detail.error } : {}),
    ...(detail.cause !== undefined ? { cause: detail.cause } : {}),
  });
  deps.log.info('execution status change', { execution: detail.name, status, ...outcome });
  return outcome;
}
