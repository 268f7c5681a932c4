// Lambda entry of the ROLLBACK phase function (rollback host-command steps): the handler module the embedded engine calls, with the AWS adapters.
import { handle } from '../handlers/rollback';
import { awsRuntime, lambdaHandler } from './deps';
import { parseEnv } from './env';

export const handler = lambdaHandler(handle, awsRuntime(parseEnv('rollback')));
