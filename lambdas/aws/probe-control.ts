// The active probe's control for the entries that end a watched attempt (report, execution-status, api): they only
// delete its schedule, so they build the Scheduler client only, and only when the stack deployed a probe
// (monitoring.source: probe). PLAN, which starts probes, adds the first invocation (lambdas/aws/probe-start.ts).
// Half a configuration is a deployment error, said at cold start.
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SchedulerActiveProbe, type FirstInvocation } from '../adapters/aws/scheduler-active-probe';
import type { ActiveProbe } from '../ports';

export interface ProbeControlEnv {
  PROBE_FUNCTION_ARN?: string | undefined;
  PROBE_SCHEDULER_ROLE_ARN?: string | undefined;
  PROBE_SCHEDULE_GROUP?: string | undefined;
}

export interface ProbeControlClients {
  /** Built here when not given (tests pass a mocked one). */
  scheduler?: SchedulerClient;
  /** Given by PLAN only: without it the probe can be stopped, not started. */
  invokeNow?: (functionArn: string) => FirstInvocation;
}

export function activeProbeFrom(env: ProbeControlEnv, clients?: ProbeControlClients): ActiveProbe | undefined {
  const { PROBE_FUNCTION_ARN: functionArn, PROBE_SCHEDULER_ROLE_ARN: schedulerRoleArn, PROBE_SCHEDULE_GROUP: groupName } = env;
  const set = [functionArn, schedulerRoleArn, groupName].filter((v) => v !== undefined).length;
  if (set === 0) return undefined;
  if (!functionArn || !schedulerRoleArn || !groupName) {
    throw new Error('environment invalid: PROBE_FUNCTION_ARN, PROBE_SCHEDULER_ROLE_ARN and PROBE_SCHEDULE_GROUP go together (the active probe)');
  }
  const scheduler = clients?.scheduler ?? new SchedulerClient({});
  return new SchedulerActiveProbe(scheduler, clients?.invokeNow?.(functionArn), { functionArn, schedulerRoleArn, groupName });
}
