// Lambda entry of the EventBridge target for SSM "EC2 Command Status-change Notification" events: the handler module the embedded engine calls, with the AWS adapters.
import { handle } from '../handlers/command-status';
import { awsRuntime, lambdaHandler } from './deps';
import { parseEnv } from './env';

export const handler = lambdaHandler(handle, awsRuntime(parseEnv('command-status')));
