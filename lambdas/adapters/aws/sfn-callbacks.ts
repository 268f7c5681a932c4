// Callbacks and Executions on AWS Step Functions: completing `.waitForTaskToken` tasks, and starting an attempt's
// execution under its idempotent name.
import {
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import type { Callbacks, ExecutionInput, Executions } from '../../ports';
import { callAws, errorName, truncate } from './errors';

/** SendTaskFailure limits: `error` up to 256 characters, `cause` up to 32,768. */
export const ERROR_LIMIT = 256;
export const CAUSE_LIMIT = 32_768;
/** SendTaskSuccess `output` limit (256 KiB of JSON text). */
export const OUTPUT_LIMIT = 262_144;

/** The token was already used, the task timed out, or its execution ended: nothing waits for this answer any more. */
const GONE = new Set(['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist']);

export class SfnCallbacks implements Callbacks {
  constructor(private readonly client: SFNClient) {}

  async sendTaskSuccess(token: string, output: unknown): Promise<boolean> {
    const text = JSON.stringify(output ?? null);
    // Better a clear failure here than Step Functions' InvalidOutput, which would look like a bad token.
    if (text.length > OUTPUT_LIMIT) throw new RangeError(`task output is ${text.length} characters, above Step Functions' ${OUTPUT_LIMIT}`);
    return this.completed('SendTaskSuccess', () => this.client.send(new SendTaskSuccessCommand({ taskToken: token, output: text })));
  }

  async sendTaskFailure(token: string, error: string, cause: string): Promise<boolean> {
    return this.completed('SendTaskFailure', () => this.client.send(new SendTaskFailureCommand({
      taskToken: token,
      // The ASL routes on `error`: it is a name from core/errors and never needs the cut, but a cut must not fail the call.
      error: truncate(error, ERROR_LIMIT, ''),
      cause: truncate(cause, CAUSE_LIMIT),
    })));
  }

  private async completed(operation: string, run: () => Promise<unknown>): Promise<boolean> {
    try {
      await callAws(`Step Functions ${operation}`, run);
      return true;
    } catch (err) {
      if (GONE.has(errorName(err) ?? '')) return false;
      throw err;
    }
  }
}

/** The execution ARN a name gets under a state machine (StartExecution does not return it on a duplicate). */
export function executionArn(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

export class SfnExecutions implements Executions {
  constructor(private readonly client: SFNClient, private readonly stateMachineArn: string) {}

  /**
   * Step Functions makes the name idempotent: the same name and input while the first run is going returns that
   * run (reported here as started, it cannot be told apart); a finished run or other input is ExecutionAlreadyExists.
   */
  async start(name: string, input: ExecutionInput): Promise<{ executionId: string; alreadyStarted: boolean }> {
    try {
      const response = await callAws('Step Functions StartExecution', () => this.client.send(new StartExecutionCommand({
        stateMachineArn: this.stateMachineArn,
        name,
        input: JSON.stringify(input),
      })));
      return { executionId: response.executionArn ?? executionArn(this.stateMachineArn, name), alreadyStarted: false };
    } catch (err) {
      if (errorName(err) === 'ExecutionAlreadyExists') return { executionId: executionArn(this.stateMachineArn, name), alreadyStarted: true };
      throw err;
    }
  }
}
