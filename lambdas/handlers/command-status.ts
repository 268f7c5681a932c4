// EventBridge target for SSM "EC2 Command Status-change Notification": completes the waiting task.
import * as z from 'zod';
import type { SsmCommandStatusEvent } from '../core/events';
import { validate } from '../core/schemas';
import type { Deps } from '../ports';
import { onCommandStatus } from '../phases/events';

const EventSchema = z.object({
  'detail-type': z.literal('EC2 Command Status-change Notification'),
  source: z.literal('aws.ssm'),
  detail: z.object({ 'command-id': z.string().min(1), status: z.string(), 'document-name': z.string() }).loose(),
}).loose();

export async function handle(raw: unknown, deps: Deps): Promise<unknown> {
  validate(EventSchema, raw, 'SSM command status event');
  return onCommandStatus(deps, raw as SsmCommandStatusEvent);
}
