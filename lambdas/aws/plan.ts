// Lambda entry of the PLAN phase function (risk, approvals callback, schedule, alarm check): the handler module the embedded engine calls, with the AWS adapters.
import { handle } from '../handlers/plan';
import { awsRuntime, lambdaHandler } from './deps';
import { parseEnv } from './env';

export const handler = lambdaHandler(handle, awsRuntime(parseEnv('plan')));
