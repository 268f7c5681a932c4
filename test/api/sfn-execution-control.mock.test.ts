// SfnExecutionControl against a mocked Step Functions client: StopExecution only for a running execution, the
// history read page by page, and an unknown execution as "none" rather than an error.
import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  SFNClient,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { consoleUrl, SfnExecutionControl } from '../../lambdas/api/sfn-execution-control';

const sfn = mockClient(SFNClient);
const client = new SFNClient({ region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const STATE_MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:runbook';
const ARN = 'arn:aws:states:eu-west-1:123456789012:execution:runbook:CR-2026-101';
const control = new SfnExecutionControl(client, STATE_MACHINE);
const missing = (): ExecutionDoesNotExist => new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} });

afterEach(() => {
  sfn.reset();
});

describe('SfnExecutionControl', () => {
  it('should stop a running execution with ChangeCancelled and the cause', async () => {
    // Prepare
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING', startDate: new Date('2026-01-01T00:00:00Z') });
    sfn.on(StopExecutionCommand).resolves({ stopDate: new Date() });

    // Act
    const result = await control.stop('CR-2026-101', 'cancelled by ops: window moved');

    // Assess
    expect(result).toEqual({ stopped: true });
    expect(sfn.commandCalls(StopExecutionCommand)[0]?.args[0].input).toEqual({ executionArn: ARN, error: 'ChangeCancelled', cause: 'cancelled by ops: window moved' });
  });

  it.each([
    ['has ended', () => sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED' })],
    ['does not exist', () => sfn.on(DescribeExecutionCommand).rejects(missing())],
  ])('should not call StopExecution when the execution %s', async (_what, arrange) => {
    // Prepare
    arrange();

    // Act
    const result = await control.stop('CR-2026-101', 'cancelled');

    // Assess
    expect(result).toEqual({ stopped: false });
    expect(sfn.commandCalls(StopExecutionCommand)).toHaveLength(0);
  });

  it('should read every page of the history and map it', async () => {
    // Prepare
    sfn.on(DescribeExecutionCommand).resolves({ status: 'FAILED', startDate: new Date('2026-01-01T00:00:00Z'), stopDate: new Date('2026-01-01T00:01:00Z'), error: 'ChangeRolledBack', cause: 'back in PLAN' });
    sfn.on(GetExecutionHistoryCommand)
      .resolvesOnce({ events: [{ id: 1, type: 'ExecutionStarted', timestamp: new Date('2026-01-01T00:00:00Z') }], nextToken: 'page-2' })
      .resolvesOnce({ events: [{ id: 2, previousEventId: 1, type: 'TaskStateEntered', timestamp: new Date('2026-01-01T00:00:01Z'), stateEnteredEventDetails: { name: 'Start Attempt' } }] });

    // Act
    const history = await control.history('CR-2026-101');

    // Assess
    expect(history).toMatchObject({
      name: 'CR-2026-101', status: 'FAILED', startedAt: '2026-01-01T00:00:00.000Z', stoppedAt: '2026-01-01T00:01:00.000Z', error: 'ChangeRolledBack',
      events: [{ type: 'ExecutionStarted' }, { type: 'StateEntered', stateName: 'Start Attempt', stateType: 'Task' }],
    });
    const calls = sfn.commandCalls(GetExecutionHistoryCommand).map((c) => c.args[0].input);
    expect(calls).toEqual([
      { executionArn: ARN, maxResults: 1000, includeExecutionData: true },
      { executionArn: ARN, maxResults: 1000, includeExecutionData: true, nextToken: 'page-2' },
    ]);
  });

  it('should read past a page that carries no events and keep only the events of the others', async () => {
    // Prepare: GetExecutionHistory's response is { events, nextToken } (https://docs.aws.amazon.com/goto/WebAPI/states-2016-11-23/GetExecutionHistory);
    // the SDK types events as optional, so an empty page may come without it
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING', startDate: new Date('2026-01-01T00:00:00Z') });
    sfn.on(GetExecutionHistoryCommand)
      .resolvesOnce({ nextToken: 'page-2' })
      .resolvesOnce({ events: [{ id: 1, type: 'ExecutionStarted', timestamp: new Date('2026-01-01T00:00:00Z') }] });

    // Act
    const history = await control.history('CR-2026-101');

    // Assess
    expect(history?.status).toBe('RUNNING');
    expect(history?.events).toEqual([expect.objectContaining({ type: 'ExecutionStarted' })]);
    expect(sfn.commandCalls(GetExecutionHistoryCommand)).toHaveLength(2);
  });

  it('should answer undefined for an execution that does not exist', async () => {
    // Prepare
    sfn.on(DescribeExecutionCommand).rejects(missing());

    // Act
    const history = await control.history('CR-2026-999');

    // Assess
    expect(history).toBeUndefined();
    expect(sfn.commandCalls(GetExecutionHistoryCommand)).toHaveLength(0);
  });

  it('should link an execution to its console page', () => {
    expect(consoleUrl('eu-west-1', ARN)).toBe(`https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${encodeURIComponent(ARN)}`);
  });
});
