// Lambda entry of the REST API (API Gateway, Lambda proxy, IAM auth): the same router `runbook serve` runs, over the
// AWS adapters, with Step Functions for stopping executions and reading their history.
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { toApiRequest, toProxyResult } from '../api/apigateway';
import { createApi } from '../api/router';
import { consoleUrl, SfnExecutionControl } from '../api/sfn-execution-control';
import { awsRuntime } from './deps';
import { parseEnv } from './env';
import { activeProbeFrom } from './probe-control';

const env = parseEnv('api');
const runtime = awsRuntime(env);
// A cancel ends the attempt through the REPORT code, which stops its active probe.
const activeProbe = activeProbeFrom(env);
if (activeProbe) runtime.deps.activeProbe = activeProbe;
const control = new SfnExecutionControl(runtime.clients.sfn, env.STATE_MACHINE_ARN);
const region = process.env.AWS_REGION;

const api = createApi({
  deps: runtime.deps,
  control,
  profile: runtime.profile,
  engine: 'aws',
  consoleUrl: (name) => (region ? consoleUrl(region, control.arnOf(name)) : undefined),
}, { log: runtime.log });

export async function handler(event: APIGatewayProxyEvent, context?: Context): Promise<APIGatewayProxyResult> {
  if (context) runtime.log.addContext(context);
  return toProxyResult(await api(toApiRequest(event)));
}
