// Lambda entry of the EventBridge target for CloudWatch "Alarm State Change" events: the handler module the embedded engine calls, with the AWS adapters.
import { handle } from '../handlers/alarm';
import { awsRuntime, lambdaHandler } from './deps';
import { parseEnv } from './env';

export const handler = lambdaHandler(handle, awsRuntime(parseEnv('alarm')));
