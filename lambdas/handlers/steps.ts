// The resolved host-command step the Map states pass to run-command.
import * as z from 'zod';
import { CommandStepSchema } from '../core/schemas';

export const ResolvedStepSchema = CommandStepSchema.extend({
  index: z.number().int().min(0),
  phase: z.enum(['ACT', 'ROLLBACK']),
});
