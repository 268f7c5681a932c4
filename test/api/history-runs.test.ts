// stateRuns' pairing rules one at a time: events out of order, events without a state, each optional field of a run,
// exits and failures of states never entered, a caught failure exited later, a retry without a failure, a stopped
// execution without a stop time; and fromSfnHistory's mapping of each Step Functions event kind.
import type { HistoryEvent as SfnHistoryEvent } from '@aws-sdk/client-sfn';
import { stateRuns } from '../../lambdas/api/history';
import { fromSfnHistory } from '../../lambdas/api/sfn-execution-control';
import type { ExecutionHistoryEvent } from '../../lambdas/ports';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const at = (ms: number): number => T0 + ms;
const iso = (ms: number): string => new Date(at(ms)).toISOString();

describe('stateRuns', () => {
  it('should pair events in time order whatever order they come in, skipping events of no state', () => {
    // Arrange
    const events: ExecutionHistoryEvent[] = [
      { type: 'StateExited', timestamp: at(30), stateName: 'B' },
      { type: 'StateEntered', timestamp: at(20), stateName: 'B' },
      { type: 'ExecutionStarted', timestamp: at(0) },
      { type: 'StateExited', timestamp: at(10), stateName: 'A' },
      { type: 'StateEntered', timestamp: at(1), stateName: 'A' },
    ];

    // Act
    const runs = stateRuns({ status: 'SUCCEEDED', events });

    // Assess
    expect(runs).toEqual([
      { name: 'A', enteredAt: iso(1), exitedAt: iso(10), durationMs: 9, status: 'succeeded', retries: 0 },
      { name: 'B', enteredAt: iso(20), exitedAt: iso(30), durationMs: 10, status: 'succeeded', retries: 0 },
    ]);
  });

  it('should keep a run\'s type, parent, iteration (even 0) and step only when the entry has them', () => {
    // Arrange
    const events: ExecutionHistoryEvent[] = [
      { type: 'StateEntered', timestamp: at(0), stateName: 'Step', stateType: 'Task', parentState: 'Map', index: 0, step: 'deploy' },
      { type: 'StateEntered', timestamp: at(1), stateName: 'Plain' },
    ];

    // Act
    const runs = stateRuns({ status: 'RUNNING', events });

    // Assess
    expect(runs).toEqual([
      { name: 'Step', type: 'Task', parent: 'Map', index: 0, step: 'deploy', enteredAt: iso(0), status: 'running', retries: 0 },
      { name: 'Plain', enteredAt: iso(1), status: 'running', retries: 0 },
    ]);
  });

  it('should ignore exits, failures, catches and retries of a state never entered, and an unknown event type', () => {
    // Arrange
    const events: ExecutionHistoryEvent[] = [
      { type: 'StateExited', timestamp: at(1), stateName: 'Ghost' },
      { type: 'StateFailed', timestamp: at(2), stateName: 'Ghost', error: 'E' },
      { type: 'StateCaught', timestamp: at(3), stateName: 'Ghost' },
      { type: 'StateRetried', timestamp: at(4), stateName: 'Ghost' },
      { type: 'StateWhatever', timestamp: at(5), stateName: 'Ghost' },
    ];

    // Act
    const runs = stateRuns({ status: 'SUCCEEDED', events });

    // Assess
    expect(runs).toEqual([]);
  });

  it('should take a second exit of a state that succeeded as no event', () => {
    // Arrange
    const events: ExecutionHistoryEvent[] = [
      { type: 'StateEntered', timestamp: at(0), stateName: 'A' },
      { type: 'StateExited', timestamp: at(5), stateName: 'A' },
      { type: 'StateExited', timestamp: at(9), stateName: 'A' },
    ];

    // Act
    const [run] = stateRuns({ status: 'SUCCEEDED', events });

    // Assess
    expect(run).toMatchObject({ status: 'succeeded', exitedAt: iso(5), durationMs: 5 });
  });

  it('should show a failure exited afterwards (Step Functions\' way of a Catch) as caught, ending at the exit', () => {
    // Arrange
    const events: ExecutionHistoryEvent[] = [
      { type: 'StateEntered', timestamp: at(0), stateName: 'Test Smoke' },
      { type: 'StateFailed', timestamp: at(4), stateName: 'Test Smoke', error: 'SmokeTestsFailed', cause: 'Estimates (500)' },
      { type: 'StateExited', timestamp: at(6), stateName: 'Test Smoke' },
    ];

    // Act
    const [run] = stateRuns({ status: 'FAILED', events });

    // Assess
    expect(run).toEqual({ name: 'Test Smoke', enteredAt: iso(0), exitedAt: iso(6), durationMs: 6, status: 'caught', retries: 0, error: 'SmokeTestsFailed', cause: 'Estimates (500)' });
  });

  it('should record a failure without error or cause as just failed, and not catch a state that did not fail', () => {
    // Arrange
    const events: ExecutionHistoryEvent[] = [
      { type: 'StateEntered', timestamp: at(0), stateName: 'Fail' },
      { type: 'StateFailed', timestamp: at(0), stateName: 'Fail' },
      { type: 'StateEntered', timestamp: at(1), stateName: 'Ok' },
      { type: 'StateCaught', timestamp: at(2), stateName: 'Ok' },
    ];

    // Act
    const runs = stateRuns({ status: 'RUNNING', events });

    // Assess
    expect(runs).toEqual([
      { name: 'Fail', enteredAt: iso(0), exitedAt: iso(0), durationMs: 0, status: 'failed', retries: 0 },
      { name: 'Ok', enteredAt: iso(1), status: 'running', retries: 0 },
    ]);
  });

  it('should count a retry of a running state without touching it, and reopen a failed one so its exit ends it', () => {
    // Arrange
    const events: ExecutionHistoryEvent[] = [
      { type: 'StateEntered', timestamp: at(0), stateName: 'A' },
      { type: 'StateRetried', timestamp: at(1), stateName: 'A' },
      { type: 'StateFailed', timestamp: at(2), stateName: 'A', error: 'E', cause: 'C' },
      { type: 'StateRetried', timestamp: at(3), stateName: 'A' },
      { type: 'StateExited', timestamp: at(8), stateName: 'A' },
    ];

    // Act
    const [run] = stateRuns({ status: 'SUCCEEDED', events });

    // Assess
    expect(run).toEqual({ name: 'A', enteredAt: iso(0), exitedAt: iso(8), durationMs: 8, status: 'succeeded', retries: 2 });
  });

  it('should stop open states of a stopped execution without an end when the stop time is unknown', () => {
    // Arrange
    const events: ExecutionHistoryEvent[] = [
      { type: 'StateEntered', timestamp: at(0), stateName: 'Open' },
      { type: 'StateEntered', timestamp: at(1), stateName: 'Done' },
      { type: 'StateExited', timestamp: at(2), stateName: 'Done' },
    ];

    // Act
    const runs = stateRuns({ status: 'TIMED_OUT', events });

    // Assess
    expect(runs[0]).toEqual({ name: 'Open', enteredAt: iso(0), status: 'stopped', retries: 0 });
    expect(runs[1]).toMatchObject({ status: 'succeeded' });
  });

  it('should tell iterations of the same state apart by their index and parent', () => {
    // Arrange
    const events: ExecutionHistoryEvent[] = [
      { type: 'StateEntered', timestamp: at(0), stateName: 'Step', parentState: 'M', index: 0 },
      { type: 'StateEntered', timestamp: at(1), stateName: 'Step', parentState: 'M', index: 1 },
      { type: 'StateEntered', timestamp: at(1), stateName: 'Step', parentState: 'N', index: 0 },
      { type: 'StateExited', timestamp: at(3), stateName: 'Step', parentState: 'M', index: 0 },
    ];

    // Act
    const runs = stateRuns({ status: 'RUNNING', events });

    // Assess
    expect(runs.map((r) => [r.parent, r.index, r.status])).toEqual([['M', 0, 'succeeded'], ['M', 1, 'running'], ['N', 0, 'running']]);
  });
});

describe('fromSfnHistory', () => {
  const ev = (id: number, type: string, ms: number, extra: Partial<SfnHistoryEvent> = {}): SfnHistoryEvent =>
    ({ id, previousEventId: id - 1, type, timestamp: new Date(at(ms)), ...extra }) as SfnHistoryEvent;

  it.each([
    ['TaskTimedOut', { taskTimedOutEventDetails: { error: 'States.Timeout', cause: 'c' } }],
    ['LambdaFunctionFailed', { lambdaFunctionFailedEventDetails: { error: 'E', cause: 'c' } }],
    ['LambdaFunctionTimedOut', { lambdaFunctionTimedOutEventDetails: { error: 'E', cause: 'c' } }],
    ['TaskSubmitFailed', { taskSubmitFailedEventDetails: { error: 'E', cause: 'c' } }],
    ['TaskStartFailed', { taskStartFailedEventDetails: { error: 'E', cause: 'c' } }],
  ])('should map %s to a failure of its state with its error and cause', (type, details) => {
    // Arrange
    const events = [ev(1, 'TaskStateEntered', 0, { stateEnteredEventDetails: { name: 'T' } }), ev(2, type, 5, details as Partial<SfnHistoryEvent>)];

    // Act
    const mapped = fromSfnHistory(events);

    // Assess
    const d = Object.values(details)[0] as { error: string; cause: string };
    expect(mapped).toEqual([
      { type: 'StateEntered', timestamp: at(0), stateName: 'T', stateType: 'Task' },
      { type: 'StateFailed', timestamp: at(5), stateName: 'T', stateType: 'Task', error: d.error, cause: d.cause },
    ]);
  });

  it('should map a task failure without details to a bare failure, and a retry by Lambda scheduling', () => {
    // Arrange
    const events = [
      ev(1, 'TaskStateEntered', 0, { stateEnteredEventDetails: { name: 'T' } }),
      ev(2, 'LambdaFunctionScheduled', 1),
      ev(3, 'LambdaFunctionFailed', 2),
      ev(4, 'LambdaFunctionScheduled', 3),
    ];

    // Act
    const mapped = fromSfnHistory(events);

    // Assess
    expect(mapped.slice(1)).toEqual([
      { type: 'StateFailed', timestamp: at(2), stateName: 'T', stateType: 'Task' },
      { type: 'StateRetried', timestamp: at(3), stateName: 'T', stateType: 'Task' },
    ]);
  });

  it('should map the execution\'s ends, a timeout under the engine\'s name, and keep the start and success', () => {
    // Arrange
    const events = [
      ev(1, 'ExecutionStarted', 0, { previousEventId: undefined }),
      ev(2, 'ExecutionAborted', 1, { executionAbortedEventDetails: { error: 'ChangeCancelled', cause: 'by ops' } }),
      ev(3, 'ExecutionTimedOut', 2, { executionTimedOutEventDetails: {} }),
      ev(4, 'ExecutionSucceeded', 3),
      ev(5, 'ActivityScheduled', 4),
    ];

    // Act
    const mapped = fromSfnHistory(events);

    // Assess
    expect(mapped).toEqual([
      { type: 'ExecutionStarted', timestamp: at(0) },
      { type: 'ExecutionAborted', timestamp: at(1), error: 'ChangeCancelled', cause: 'by ops' },
      { type: 'ExecutionTimeout', timestamp: at(2) },
      { type: 'ExecutionSucceeded', timestamp: at(3) },
    ]);
  });

  it('should fail the innermost open Map or Parallel on its failure event, and nothing when none is open', () => {
    // Arrange
    const events = [
      ev(1, 'ParallelStateEntered', 0, { stateEnteredEventDetails: { name: 'P' } }),
      ev(2, 'ParallelBranchStarted', 1),
      ev(3, 'ParallelStateFailed', 2),
      ev(4, 'MapStateFailed', 3),
    ];

    // Act
    const mapped = fromSfnHistory(events);

    // Assess
    expect(mapped).toEqual([
      { type: 'StateEntered', timestamp: at(0), stateName: 'P', stateType: 'Parallel' },
      { type: 'ParallelBranchStarted', timestamp: at(1) },
      { type: 'StateFailed', timestamp: at(2), stateName: 'P', stateType: 'Parallel' },
    ]);
  });

  it('should nest a state in the Map open when it was entered, and no longer after the Map exited', () => {
    // Arrange
    const events = [
      ev(1, 'MapStateEntered', 0, { stateEnteredEventDetails: { name: 'M' } }),
      ev(2, 'MapIterationStarted', 1, { mapIterationStartedEventDetails: { name: 'M', index: 0 } }),
      ev(3, 'PassStateEntered', 2, { stateEnteredEventDetails: { name: 'Inner', input: 'not json' } }),
      ev(4, 'PassStateExited', 3, { stateExitedEventDetails: { name: 'Inner' } }),
      ev(5, 'MapStateExited', 4, { stateExitedEventDetails: { name: 'M' } }),
      ev(6, 'TaskStateEntered', 5, { stateEnteredEventDetails: { name: 'After', input: '{"command":{"name":"deploy"}}' } }),
      ev(7, 'ChoiceStateExited', 6, { stateExitedEventDetails: { name: 'Never entered' } }),
    ];

    // Act
    const mapped = fromSfnHistory(events);

    // Assess
    expect(mapped).toEqual([
      { type: 'StateEntered', timestamp: at(0), stateName: 'M', stateType: 'Map' },
      { type: 'MapIterationStarted', timestamp: at(1), parentState: 'M', index: 0 },
      { type: 'StateEntered', timestamp: at(2), stateName: 'Inner', stateType: 'Pass', parentState: 'M', index: 0 },
      { type: 'StateExited', timestamp: at(3), stateName: 'Inner', stateType: 'Pass', parentState: 'M', index: 0 },
      { type: 'StateExited', timestamp: at(4), stateName: 'M', stateType: 'Map' },
      { type: 'StateEntered', timestamp: at(5), stateName: 'After', stateType: 'Task' },
    ]);
  });

  it('should name a step only from a command name that is a string, and a state without a name as ?', () => {
    // Arrange
    const events = [
      ev(1, 'MapStateEntered', 0, { stateEnteredEventDetails: { name: 'M' } }),
      ev(2, 'TaskStateEntered', 1, { stateEnteredEventDetails: { name: 'A', input: '{"command":{"name":7}}' } }),
      ev(3, 'TaskStateEntered', 2, { stateEnteredEventDetails: { name: 'B' } }),
      ev(4, 'TaskStateEntered', 3, { stateEnteredEventDetails: { name: 'C', input: '{"command":{"name":"deploy"}}' } }),
      ev(5, 'TaskStateEntered', 4, {}),
    ];

    // Act
    const mapped = fromSfnHistory(events);

    // Assess
    expect(mapped.map((e) => [e.stateName, e.parentState, e.step])).toEqual([
      ['M', undefined, undefined], ['A', 'M', undefined], ['B', 'M', undefined], ['C', 'M', 'deploy'], ['?', 'M', undefined],
    ]);
    expect(mapped.every((e) => !('index' in e))).toBe(true);
  });

  it('should read an event without id, type or time as nothing it maps, and a map iteration without details bare', () => {
    // Arrange
    const events = [
      {} as SfnHistoryEvent,
      ev(2, 'MapIterationStarted', 1, { mapIterationStartedEventDetails: { name: 'M' } }),
      ev(3, 'MapIterationStarted', 2),
      { id: 4, type: 'ExecutionStarted' } as SfnHistoryEvent,
    ];

    // Act
    const mapped = fromSfnHistory(events);

    // Assess
    expect(mapped).toEqual([
      { type: 'MapIterationStarted', timestamp: at(1), parentState: 'M' },
      { type: 'MapIterationStarted', timestamp: at(2) },
      { type: 'ExecutionStarted', timestamp: 0 },
    ]);
  });

  it('should map a Fail state to its entry and its failure at the same time', () => {
    // Arrange
    const events = [ev(1, 'FailStateEntered', 7, { stateEnteredEventDetails: { name: 'Stop' } })];

    // Act
    const mapped = fromSfnHistory(events);

    // Assess
    expect(mapped).toEqual([
      { type: 'StateEntered', timestamp: at(7), stateName: 'Stop', stateType: 'Fail' },
      { type: 'StateFailed', timestamp: at(7), stateName: 'Stop', stateType: 'Fail' },
    ]);
  });
});
