// Lambda entry of the EventBridge target for Step Functions "Execution Status Change": the handler module, with the
// AWS adapters (it starts rollback-only runs, so it has the state machine's ARN).
import { handle } from '../handlers/execution-status';
import { awsRuntime, lambdaHandler } from './deps';
import { parseEnv } from './env';

export const handler = lambdaHandler(handle, awsRuntime(parseEnv('execution-status')));
