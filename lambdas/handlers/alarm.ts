// EventBridge target for CloudWatch "Alarm State Change": a rollback alarm in ALARM fails the monitoring watch.
import * as z from 'zod';
import type { AlarmStateChangeEvent } from '../core/events';
import { validate } from '../core/schemas';
import type { Deps } from '../ports';
import { onAlarmStateChange } from '../phases/events';

const EventSchema = z.object({
  'detail-type': z.literal('CloudWatch Alarm State Change'),
  source: z.literal('aws.cloudwatch'),
  detail: z.object({ alarmName: z.string().min(1), state: z.object({ value: z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']), reason: z.string() }).loose() }).loose(),
}).loose();

export async function handle(raw: unknown, deps: Deps): Promise<unknown> {
  validate(EventSchema, raw, 'alarm state change event');
  return onAlarmStateChange(deps, raw as AlarmStateChangeEvent);
}
