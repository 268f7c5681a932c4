// PLAN's active-probe control: the same as the other entries' (lambdas/aws/probe-control.ts), plus the probe's first
// invocation through the Lambda client, which only the plan function bundles.
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import { asyncInvoker } from '../adapters/aws/lambda-invoke';
import type { ActiveProbe } from '../ports';
import { activeProbeFrom, type ProbeControlEnv } from './probe-control';

export function activeProbeStarter(env: ProbeControlEnv, clients?: { scheduler?: SchedulerClient; lambda?: LambdaClient }): ActiveProbe | undefined {
  return activeProbeFrom(env, {
    ...(clients?.scheduler ? { scheduler: clients.scheduler } : {}),
    invokeNow: (functionArn) => asyncInvoker(clients?.lambda ?? new LambdaClient({}), functionArn),
  });
}
