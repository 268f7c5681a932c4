// The Lambda functions' environment, parsed once with zod. The CDK constructs type each function's
// `environment` from these same schemas, so a missing variable is a compile error, not a cold-start crash.
import * as z from 'zod';

/** Every function: where the records live and how it logs. */
const Common = z.object({
  TABLE_NAME: z.string().min(1),
  POWERTOOLS_SERVICE_NAME: z.string().default('runbook-control-plane'),
  POWERTOOLS_LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
});

/** Functions that notify, send host commands, read alarms and metrics (the phase functions). */
const Operating = Common.extend({
  /** The profile's environment name (this stack serves one environment). */
  ENVIRONMENT_NAME: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/),
  /** SSM parameter holding the environment profile as JSON. */
  PROFILE_PARAMETER_NAME: z.string().startsWith('/'),
  TOPIC_ARN: z.string().startsWith('arn:'),
  /** Secrets Manager secret with the Slack webhook URL; empty: no Slack. */
  SLACK_SECRET_ARN: z.string().default(''),
  /** SSM document names are `<prefix><document>` (e.g. kis-core-v3-runbook-ServiceControl). */
  DOCUMENT_NAME_PREFIX: z.string().default(''),
  /** CloudWatch Logs group for full host-command output. */
  COMMAND_LOG_GROUP: z.string().min(1),
  METRICS_NAMESPACE: z.string().default('RunbookControlPlane'),
});

/**
 * The functions that start or end a watched attempt, when the profile's monitoring.source is probe: the active probe's
 * function, the role EventBridge Scheduler invokes it with, and the stack's schedule group. Absent with source: cloudwatch.
 */
const ProbeControl = {
  PROBE_FUNCTION_ARN: z.string().startsWith('arn:').optional(),
  PROBE_SCHEDULER_ROLE_ARN: z.string().startsWith('arn:').optional(),
  PROBE_SCHEDULE_GROUP: z.string().regex(/^[0-9a-zA-Z-_.]{1,64}$/).optional(),
};

/** The active probe function: it only samples the endpoints and publishes the alarms' metrics (no table, no profile). */
const Probe = z.object({
  POWERTOOLS_SERVICE_NAME: z.string().default('runbook-control-plane'),
  POWERTOOLS_LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
});

export const FUNCTION_NAMES = ['preflight', 'plan', 'act', 'test', 'report', 'rollback', 'command-status', 'alarm', 'api', 'scheduled-check', 'execution-status', 'probe'] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

export const FunctionEnvSchemas = {
  'preflight': Operating,
  'plan': Operating.extend(ProbeControl),
  'act': Operating,
  'test': Operating,
  'report': Operating.extend(ProbeControl),
  'rollback': Operating,
  'command-status': Operating,
  'alarm': Operating,
  'api': Operating.extend({ STATE_MACHINE_ARN: z.string().startsWith('arn:'), ...ProbeControl }),
  'scheduled-check': Operating,
  // Starts rollback-only runs of the state machine whose unfinished executions it handles.
  'execution-status': Operating.extend({ STATE_MACHINE_ARN: z.string().startsWith('arn:'), ...ProbeControl }),
  'probe': Probe,
} as const satisfies Record<FunctionName, z.ZodObject>;

/** What CDK must set for a function (defaults may be left out). */
export type FunctionEnvInput<F extends FunctionName> = z.input<(typeof FunctionEnvSchemas)[F]>;
export type FunctionEnv<F extends FunctionName> = z.output<(typeof FunctionEnvSchemas)[F]>;

export function parseEnv<F extends FunctionName>(fn: F, env: Record<string, string | undefined> = process.env): FunctionEnv<F> {
  const result = FunctionEnvSchemas[fn].safeParse(env);
  if (!result.success) {
    throw new Error(`${fn}: environment invalid: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return result.data as FunctionEnv<F>;
}
