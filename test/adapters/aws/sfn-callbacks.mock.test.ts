// SfnCallbacks and SfnExecutions against a mocked Step Functions client: the task-token calls with their limits,
// a token nothing waits for as `false` rather than an error, and StartExecution's idempotent name.
import {
  ExecutionAlreadyExists,
  InvalidToken,
  KmsThrottlingException,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { CAUSE_LIMIT, ERROR_LIMIT, SfnCallbacks, SfnExecutions, executionArn } from '../../../lambdas/adapters/aws/sfn-callbacks';
import { TransientError } from '../../../lambdas/core/errors';
import { sdkError } from './sdk-errors';

const sfn = mockClient(SFNClient);
const client = new SFNClient({ region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const callbacks = new SfnCallbacks(client);
const STATE_MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:runbook';
const executions = new SfnExecutions(client, STATE_MACHINE);

afterEach(() => {
  sfn.reset();
});

describe('SfnCallbacks', () => {
  it('should send task success with the output as JSON', async () => {
    // Prepare
    sfn.on(SendTaskSuccessCommand).resolves({});

    // Act
    const sent = await callbacks.sendTaskSuccess('token-1', { commandId: 'cmd-1', status: 'Success' });

    // Assess
    expect(sent).toBe(true);
    expect(sfn.commandCalls(SendTaskSuccessCommand)[0]?.args[0].input).toEqual({ taskToken: 'token-1', output: '{"commandId":"cmd-1","status":"Success"}' });
  });

  it('should send task failure with error and cause cut to the Step Functions limits', async () => {
    // Prepare
    sfn.on(SendTaskFailureCommand).resolves({});

    // Act
    const sent = await callbacks.sendTaskFailure('token-1', 'E'.repeat(300), 'c'.repeat(40_000));

    // Assess
    const input = sfn.commandCalls(SendTaskFailureCommand)[0]?.args[0].input;
    expect(sent).toBe(true);
    expect(input?.taskToken).toBe('token-1');
    expect(input?.error).toBe('E'.repeat(ERROR_LIMIT));
    expect(input?.cause).toHaveLength(CAUSE_LIMIT);
  });

  it('should send a routed error name unchanged', async () => {
    // Prepare
    sfn.on(SendTaskFailureCommand).resolves({});

    // Act
    await callbacks.sendTaskFailure('token-1', 'HostCommandFailed', 'deploy (runbook-DeployRelease) Failed: exit 1');

    // Assess
    expect(sfn.commandCalls(SendTaskFailureCommand)[0]?.args[0].input).toEqual({
      taskToken: 'token-1', error: 'HostCommandFailed', cause: 'deploy (runbook-DeployRelease) Failed: exit 1',
    });
  });

  it.each([
    ['TaskTimedOut', new TaskTimedOut({ message: 'timed out', $metadata: {} })],
    ['InvalidToken', new InvalidToken({ message: 'bad token', $metadata: {} })],
    ['TaskDoesNotExist', new TaskDoesNotExist({ message: 'gone', $metadata: {} })],
  ])('should answer false, not throw, when the task is gone (%s)', async (_name, error) => {
    // Prepare
    sfn.on(SendTaskSuccessCommand).rejects(error);
    sfn.on(SendTaskFailureCommand).rejects(error);

    // Act
    const success = await callbacks.sendTaskSuccess('token-1', {});
    const failure = await callbacks.sendTaskFailure('token-1', 'AlarmTriggered', 'latency');

    // Assess
    expect([success, failure]).toEqual([false, false]);
  });

  it('should map throttling to TransientError', async () => {
    // Prepare
    sfn.on(SendTaskSuccessCommand).rejectsOnce(sdkError('ThrottlingException')).rejectsOnce(new KmsThrottlingException({ message: 'slow down', $metadata: {} }));

    // Act
    const first = callbacks.sendTaskSuccess('token-1', {});
    await expect(first).rejects.toThrow(TransientError);
    const second = callbacks.sendTaskSuccess('token-1', {});

    // Assess
    await expect(second).rejects.toThrow(TransientError);
  });

  it('should refuse an output above 256 KiB before calling Step Functions', async () => {
    // Act
    const sending = callbacks.sendTaskSuccess('token-1', { text: 'x'.repeat(300_000) });

    // Assess
    await expect(sending).rejects.toThrow(RangeError);
    expect(sfn.calls()).toHaveLength(0);
  });
});

describe('SfnExecutions', () => {
  it('should start the execution with its name and the input as JSON', async () => {
    // Prepare
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${STATE_MACHINE.replace('stateMachine', 'execution')}:CR-2025-001`, startDate: new Date() });

    // Act
    const started = await executions.start('CR-2025-001', { changeId: 'CR-2025-001', attempt: 1 });

    // Assess
    expect(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input).toEqual({
      stateMachineArn: STATE_MACHINE, name: 'CR-2025-001', input: '{"changeId":"CR-2025-001","attempt":1}',
    });
    expect(started).toEqual({ executionId: 'arn:aws:states:eu-west-1:123456789012:execution:runbook:CR-2025-001', alreadyStarted: false });
  });

  it('should report ExecutionAlreadyExists as already started, with that execution ARN', async () => {
    // Prepare
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));

    // Act
    const started = await executions.start('CR-2025-001-2', { changeId: 'CR-2025-001', attempt: 2 });

    // Assess
    expect(started).toEqual({ executionId: executionArn(STATE_MACHINE, 'CR-2025-001-2'), alreadyStarted: true });
    expect(started.executionId).toBe('arn:aws:states:eu-west-1:123456789012:execution:runbook:CR-2025-001-2');
  });

  it('should let other StartExecution errors through', async () => {
    // Prepare
    sfn.on(StartExecutionCommand).rejects(new StateMachineDoesNotExist({ message: 'no such state machine', $metadata: {} }));

    // Act
    const starting = executions.start('CR-2025-001', { changeId: 'CR-2025-001', attempt: 1 });

    // Assess
    await expect(starting).rejects.toMatchObject({ name: 'StateMachineDoesNotExist' });
  });
});
