// Lambda entry of the active probe function (invoked by its EventBridge Scheduler schedule, at once and then each minute): the
// handler module with the CloudWatch PutMetricData sink. It reads no table and no profile: its input says what to sample.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { Context } from 'aws-lambda';
import { CloudWatchProbeMetrics } from '../adapters/aws/cloudwatch-probe-metrics';
import { PowertoolsLoggerAdapter } from '../adapters/aws/logger';
import { handle, type ProbeOutcome } from '../handlers/probe';
import { parseEnv } from './env';

const env = parseEnv('probe');
const log = new PowertoolsLoggerAdapter({ serviceName: env.POWERTOOLS_SERVICE_NAME, logLevel: env.POWERTOOLS_LOG_LEVEL });
const probeMetrics = new CloudWatchProbeMetrics(new CloudWatchClient({}));

export async function handler(event: unknown, context?: Context): Promise<ProbeOutcome> {
  if (context) log.addContext(context);
  return handle(event, { probeMetrics, clock: { now: () => new Date() }, log });
}
