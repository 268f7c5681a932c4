// Lambda entry of the REPORT phase function (report, status and notification for every way an attempt ends): the handler module the embedded engine calls, with the AWS adapters.
import { handle } from '../handlers/report';
import { awsRuntime, lambdaHandler } from './deps';
import { parseEnv } from './env';
import { activeProbeFrom } from './probe-control';

const env = parseEnv('report');
const runtime = awsRuntime(env);
// With monitoring.source: probe, the active probe this function starts or stops (lambdas/aws/probe-control.ts).
const activeProbe = activeProbeFrom(env);
if (activeProbe) runtime.deps.activeProbe = activeProbe;

export const handler = lambdaHandler(handle, runtime);
