// The active probe's control for the entries that start or end a watched attempt (plan starts it; report,
// execution-status and api delete its schedule): the Scheduler client only, built only when the stack deployed a probe
// (monitoring.source: probe). The schedule makes the probe's first invocation itself, so no entry needs the Lambda
// client (lambdas/adapters/aws/scheduler-active-probe.ts). Half a configuration is a deployment error, said at cold start.
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SchedulerActiveProbe } from '../adapters/aws/scheduler-active-probe';
import type { ActiveProbe } from '../ports';

export interface ProbeControlEnv {
  PROBE_FUNCTION_ARN?: string | undefined;
  PROBE_SCHEDULER_ROLE_ARN?: string | undefined;
  PROBE_SCHEDULE_GROUP?: string | undefined;
}

export interface ProbeControlOptions {
  /** Built here when not given (tests pass a mocked one). */
  scheduler?: SchedulerClient;
  /** PLAN only: without it the probe can be stopped, not started. */
  mayStart?: boolean;
}

export function activeProbeFrom(env: ProbeControlEnv, options: ProbeControlOptions = {}): ActiveProbe | undefined {
  const { PROBE_FUNCTION_ARN: functionArn, PROBE_SCHEDULER_ROLE_ARN: schedulerRoleArn, PROBE_SCHEDULE_GROUP: groupName } = env;
  const set = [functionArn, schedulerRoleArn, groupName].filter((v) => v !== undefined).length;
  if (set === 0) return undefined;
  if (!functionArn || !schedulerRoleArn || !groupName) {
    throw new Error('environment invalid: PROBE_FUNCTION_ARN, PROBE_SCHEDULER_ROLE_ARN and PROBE_SCHEDULE_GROUP go together (the active probe)');
  }
  const scheduler = options.scheduler ?? new SchedulerClient({});
  return new SchedulerActiveProbe(scheduler, { functionArn, schedulerRoleArn, groupName, mayStart: options.mayStart ?? false });
}
