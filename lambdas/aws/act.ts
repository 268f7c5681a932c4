// Lambda entry of the ACT phase function (host-command steps, monitoring window): the handler module the embedded engine calls, with the AWS adapters.
import { handle } from '../handlers/act';
import { awsRuntime, lambdaHandler } from './deps';
import { parseEnv } from './env';

export const handler = lambdaHandler(handle, awsRuntime(parseEnv('act')));
