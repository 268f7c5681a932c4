// Lambda entry of the PRE-FLIGHT phase function (start, system health, dependencies, backup checks): the handler module the embedded engine calls, with the AWS adapters.
import { handle } from '../handlers/preflight';
import { awsRuntime, lambdaHandler } from './deps';
import { parseEnv } from './env';

export const handler = lambdaHandler(handle, awsRuntime(parseEnv('preflight')));
