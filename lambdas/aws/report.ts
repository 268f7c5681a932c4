// Lambda entry of the REPORT phase function (report, status and notification for every way an attempt ends): the handler module the embedded engine calls, with the AWS adapters.
import { handle } from '../handlers/report';
import { awsRuntime, lambdaHandler } from './deps';
import { parseEnv } from './env';

export const handler = lambdaHandler(handle, awsRuntime(parseEnv('report')));
