// Lambda entry of the PLAN phase function (risk, approvals callback, schedule, alarm check): the handler module the embedded engine calls, with the AWS adapters.
import { handle } from '../handlers/plan';
import { awsRuntime, lambdaHandler } from './deps';
import { parseEnv } from './env';
import { activeProbeFrom } from './probe-control';

const env = parseEnv('plan');
const runtime = awsRuntime(env);
// With monitoring.source: probe, the active probe this function starts or stops (lambdas/aws/probe-control.ts).
const activeProbe = activeProbeFrom(env);
if (activeProbe) runtime.deps.activeProbe = activeProbe;

export const handler = lambdaHandler(handle, runtime);
