// SfnExecutionControl over a hand-written Step Functions client: a cause cut to StopExecution's limit, an execution
// gone between describe and stop, errors that are not "does not exist" passed on, the statuses as the engine names
// them, a history without dates, and the page bound on a runaway history.
import { DescribeExecutionCommand, ExecutionDoesNotExist, GetExecutionHistoryCommand, StopExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { SfnExecutionControl } from '../../lambdas/api/sfn-execution-control';

const STATE_MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:runbook';
const ARN = 'arn:aws:states:eu-west-1:123456789012:execution:runbook:CR-2026-101';
const missing = (): ExecutionDoesNotExist => new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} });

type Answer = (input: Record<string, unknown>) => unknown;

/** A client answering each command with the given function (a thrown error rejects), recording the inputs. */
function client(answers: { describe?: Answer; stop?: Answer; history?: Answer }) {
  const calls: { command: string; input: Record<string, unknown> }[] = [];
  const send = async (command: { input: Record<string, unknown> }): Promise<unknown> => {
    const [name, answer] = command instanceof DescribeExecutionCommand ? ['describe', answers.describe]
      : command instanceof StopExecutionCommand ? ['stop', answers.stop]
        : command instanceof GetExecutionHistoryCommand ? ['history', answers.history] : ['other', undefined];
    calls.push({ command: name as string, input: command.input });
    if (!answer) throw new Error(`unexpected ${String(name)}`);
    return answer(command.input);
  };
  return { calls, control: new SfnExecutionControl({ send } as unknown as SFNClient, STATE_MACHINE) };
}

describe('stop', () => {
  it('should cut the cause to 32,768 characters', async () => {
    // Arrange
    const c = client({ describe: () => ({ status: 'RUNNING' }), stop: () => ({}) });

    // Act
    const result = await c.control.stop('CR-2026-101', 'x'.repeat(40_000));

    // Assess
    expect(result).toEqual({ stopped: true });
    const stop = c.calls.find((k) => k.command === 'stop');
    expect(stop?.input).toEqual({ executionArn: ARN, error: 'ChangeCancelled', cause: 'x'.repeat(32_768) });
  });

  it('should answer not stopped when the execution is gone by the time it is stopped', async () => {
    // Arrange
    const c = client({ describe: () => ({ status: 'RUNNING' }), stop: () => { throw missing(); } });

    // Act
    const result = await c.control.stop('CR-2026-101', 'cancelled');

    // Assess
    expect(result).toEqual({ stopped: false });
  });

  it('should pass on any other failure of StopExecution and DescribeExecution', async () => {
    // Arrange
    const denied = Object.assign(new Error('not allowed'), { name: 'AccessDeniedException' });
    const stopDenied = client({ describe: () => ({ status: 'RUNNING' }), stop: () => { throw denied; } });
    const describeDenied = client({ describe: () => { throw denied; } });

    // Act
    const stopping = stopDenied.control.stop('CR-2026-101', 'cancelled');
    const reading = describeDenied.control.history('CR-2026-101');

    // Assess
    await expect(stopping).rejects.toThrow('not allowed');
    await expect(reading).rejects.toThrow('not allowed');
  });

  it('should give the execution ARN under the state machine', () => {
    // Act
    const arn = client({}).control.arnOf('CR-2026-101');

    // Assess
    expect(arn).toBe(ARN);
  });
});

describe('history', () => {
  it.each([
    ['RUNNING', 'RUNNING'], ['SUCCEEDED', 'SUCCEEDED'], ['FAILED', 'FAILED'], ['ABORTED', 'ABORTED'], ['TIMED_OUT', 'TIMED_OUT'],
    ['PENDING_REDRIVE', 'FAILED'], ['SOMETHING_NEW', 'RUNNING'], [undefined, 'RUNNING'],
  ])('should read the status %s as %s', async (status, expected) => {
    // Arrange
    const c = client({ describe: () => ({ status, startDate: new Date('2026-01-01T00:00:00Z') }), history: () => ({ events: [] }) });

    // Act
    const h = await c.control.history('CR-2026-101');

    // Assess
    expect(h?.status).toBe(expected);
  });

  it('should give a history without dates, error or cause the epoch as its start and nothing else', async () => {
    // Arrange
    const c = client({ describe: () => ({ status: 'RUNNING' }), history: () => ({}) });

    // Act
    const h = await c.control.history('CR-2026-101');

    // Assess
    expect(h).toEqual({ name: 'CR-2026-101', status: 'RUNNING', startedAt: '1970-01-01T00:00:00.000Z', events: [] });
  });

  it('should keep the stop time, error and cause the execution has', async () => {
    // Arrange
    const c = client({
      describe: () => ({ status: 'FAILED', startDate: new Date('2026-01-01T00:00:00Z'), stopDate: new Date('2026-01-01T00:01:00Z'), error: 'E', cause: 'C' }),
      history: () => ({ events: [] }),
    });

    // Act
    const h = await c.control.history('CR-2026-101');

    // Assess
    expect(h).toEqual({ name: 'CR-2026-101', status: 'FAILED', startedAt: '2026-01-01T00:00:00.000Z', stoppedAt: '2026-01-01T00:01:00.000Z', error: 'E', cause: 'C', events: [] });
  });

  it('should read at most 25 pages of a history that never ends', async () => {
    // Arrange
    let page = 0;
    const c = client({
      describe: () => ({ status: 'RUNNING' }),
      history: () => { page += 1; return { events: [{ id: page, type: 'ExecutionStarted', timestamp: new Date(0) }], nextToken: `p${page}` }; },
    });

    // Act
    const h = await c.control.history('CR-2026-101');

    // Assess
    expect(c.calls.filter((k) => k.command === 'history')).toHaveLength(25);
    expect(h?.events).toHaveLength(25);
    expect(c.calls[2]?.input).toEqual({ executionArn: ARN, maxResults: 1000, includeExecutionData: true, nextToken: 'p1' });
  });
});
