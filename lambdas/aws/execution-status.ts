// Lambda entry of the EventBridge target for Step Functions "Execution Status Change": the handler module, with the
// AWS adapters (it starts rollback-only runs, so it has the state machine's ARN).
import { handle } from '../handlers/execution-status';
import { awsRuntime, lambdaHandler } from './deps';
import { parseEnv } from './env';
import { activeProbeFrom } from './probe-control';

const env = parseEnv('execution-status');
const runtime = awsRuntime(env);
// With monitoring.source: probe, the active probe this function starts or stops (lambdas/aws/probe-control.ts).
const activeProbe = activeProbeFrom(env);
if (activeProbe) runtime.deps.activeProbe = activeProbe;

export const handler = lambdaHandler(handle, runtime);
