// The active probe's control for the entries that start or end a watched attempt (plan, report, execution-status,
// api): the Scheduler and Lambda clients are built only in those entries, and only when the stack deployed a probe
// (monitoring.source: probe). Half a configuration is a deployment error, said at cold start.
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SchedulerActiveProbe } from '../adapters/aws/scheduler-active-probe';
import type { ActiveProbe } from '../ports';

export interface ProbeControlEnv {
  PROBE_FUNCTION_ARN?: string | undefined;
  PROBE_SCHEDULER_ROLE_ARN?: string | undefined;
  PROBE_SCHEDULE_GROUP?: string | undefined;
}

export interface ProbeControlClients {
  scheduler: SchedulerClient;
  lambda: LambdaClient;
}

export function activeProbeFrom(env: ProbeControlEnv, clients?: ProbeControlClients): ActiveProbe | undefined {
  const { PROBE_FUNCTION_ARN: functionArn, PROBE_SCHEDULER_ROLE_ARN: schedulerRoleArn, PROBE_SCHEDULE_GROUP: groupName } = env;
  const set = [functionArn, schedulerRoleArn, groupName].filter((v) => v !== undefined).length;
  if (set === 0) return undefined;
  if (!functionArn || !schedulerRoleArn || !groupName) {
    throw new Error('environment invalid: PROBE_FUNCTION_ARN, PROBE_SCHEDULER_ROLE_ARN and PROBE_SCHEDULE_GROUP go together (the active probe)');
  }
  const { scheduler, lambda } = clients ?? { scheduler: new SchedulerClient({}), lambda: new LambdaClient({}) };
  return new SchedulerActiveProbe(scheduler, lambda, { functionArn, schedulerRoleArn, groupName });
}
