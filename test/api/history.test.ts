// Execution history as `runbook inspect` shows it: state runs paired from the engine's events (caught, retried,
// still running, stopped), and Step Functions' GetExecutionHistory events mapped to the same vocabulary.
import type { HistoryEvent as SfnHistoryEvent } from '@aws-sdk/client-sfn';
import { stateRuns } from '../../lambdas/api/history';
import { fromSfnHistory } from '../../lambdas/api/sfn-execution-control';
import type { ExecutionHistoryEvent } from '../../lambdas/ports';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const at = (ms: number): number => T0 + ms;

describe('stateRuns', () => {
  it('should pair entries with exits in the order states were entered, with durations', () => {
    // Prepare
    const events: ExecutionHistoryEvent[] = [
      { type: 'ExecutionStarted', timestamp: at(0) },
      { type: 'StateEntered', timestamp: at(0), stateName: 'Start Attempt', stateType: 'Task' },
      { type: 'StateExited', timestamp: at(40), stateName: 'Start Attempt', stateType: 'Task' },
      { type: 'StateEntered', timestamp: at(40), stateName: 'Act Run Steps', stateType: 'Map' },
      { type: 'MapIterationStarted', timestamp: at(41), parentState: 'Act Run Steps', index: 0 },
      { type: 'StateEntered', timestamp: at(41), stateName: 'Act Run Step', stateType: 'Task', parentState: 'Act Run Steps', index: 0, step: 'deploy' },
      { type: 'StateExited', timestamp: at(141), stateName: 'Act Run Step', stateType: 'Task', parentState: 'Act Run Steps', index: 0, step: 'deploy' },
      { type: 'StateEntered', timestamp: at(142), stateName: 'Act Run Step', stateType: 'Task', parentState: 'Act Run Steps', index: 1, step: 'health-check' },
      { type: 'StateExited', timestamp: at(150), stateName: 'Act Run Step', stateType: 'Task', parentState: 'Act Run Steps', index: 1, step: 'health-check' },
      { type: 'StateExited', timestamp: at(151), stateName: 'Act Run Steps', stateType: 'Map' },
    ];

    // Act
    const runs = stateRuns({ status: 'SUCCEEDED', events });

    // Assess
    expect(runs.map((r) => [r.name, r.index, r.step, r.durationMs, r.status])).toEqual([
      ['Start Attempt', undefined, undefined, 40, 'succeeded'],
      ['Act Run Steps', undefined, undefined, 111, 'succeeded'],
      ['Act Run Step', 0, 'deploy', 100, 'succeeded'],
      ['Act Run Step', 1, 'health-check', 8, 'succeeded'],
    ]);
    expect(runs[2]).toMatchObject({ parent: 'Act Run Steps', enteredAt: '2026-01-01T00:00:00.041Z', exitedAt: '2026-01-01T00:00:00.141Z' });
  });

  it('should show a failure a Catch handled as caught, with its error', () => {
    // Prepare
    const events: ExecutionHistoryEvent[] = [
      { type: 'StateEntered', timestamp: at(0), stateName: 'Monitor Watch Alarms', stateType: 'Task', parentState: 'Monitor Window' },
      { type: 'StateFailed', timestamp: at(500), stateName: 'Monitor Watch Alarms', stateType: 'Task', parentState: 'Monitor Window', error: 'AlarmTriggered', cause: 'p95 above 3150 ms' },
      { type: 'StateCaught', timestamp: at(501), stateName: 'Monitor Watch Alarms', stateType: 'Task', parentState: 'Monitor Window' },
    ];

    // Act
    const [run] = stateRuns({ status: 'FAILED', events });

    // Assess
    expect(run).toMatchObject({ status: 'caught', error: 'AlarmTriggered', cause: 'p95 above 3150 ms', durationMs: 500 });
  });

  it('should count retries and keep the state running after a failure that was retried', () => {
    // Prepare
    const events: ExecutionHistoryEvent[] = [
      { type: 'StateEntered', timestamp: at(0), stateName: 'Monitor Close Window', stateType: 'Task' },
      { type: 'StateFailed', timestamp: at(5), stateName: 'Monitor Close Window', stateType: 'Task', error: 'MonitorNotArmed' },
      { type: 'StateRetried', timestamp: at(6), stateName: 'Monitor Close Window', stateType: 'Task' },
    ];

    // Act
    const [run] = stateRuns({ status: 'RUNNING', events });

    // Assess
    expect(run).toMatchObject({ status: 'running', retries: 1 });
    expect(run?.error).toBeUndefined();
  });

  it('should mark states still open when the execution stopped as stopped, up to the stop time', () => {
    // Prepare
    const events: ExecutionHistoryEvent[] = [{ type: 'StateEntered', timestamp: at(0), stateName: 'Plan Await Approvals', stateType: 'Task' }];

    // Act
    const running = stateRuns({ status: 'RUNNING', events });
    const stopped = stateRuns({ status: 'ABORTED', events, stoppedAt: new Date(at(2500)).toISOString() });

    // Assess
    expect(running[0]).toMatchObject({ status: 'running' });
    expect(running[0]?.durationMs).toBeUndefined();
    expect(stopped[0]).toMatchObject({ status: 'stopped', durationMs: 2500 });
  });
});

describe('fromSfnHistory', () => {
  const ev = (id: number, type: string, ms: number, extra: Partial<SfnHistoryEvent> = {}): SfnHistoryEvent =>
    ({ id, previousEventId: id - 1, type, timestamp: new Date(at(ms)), ...extra }) as SfnHistoryEvent;

  it('should map a console history to the engine\'s events, tying task failures and retries to their state', () => {
    // Prepare: a Map iteration whose task fails once, is retried, then succeeds; then a caught failure and a Fail state.
    const events: SfnHistoryEvent[] = [
      ev(1, 'ExecutionStarted', 0),
      ev(2, 'MapStateEntered', 10, { stateEnteredEventDetails: { name: 'Act Run Steps' } }),
      ev(3, 'MapIterationStarted', 11, { mapIterationStartedEventDetails: { name: 'Act Run Steps', index: 0 } }),
      ev(4, 'TaskStateEntered', 12, { stateEnteredEventDetails: { name: 'Act Run Step', input: '{"command":{"name":"deploy"}}' } }),
      ev(5, 'TaskScheduled', 13),
      ev(6, 'TaskFailed', 20, { taskFailedEventDetails: { resourceType: 'lambda', resource: 'invoke', error: 'Lambda.ServiceException', cause: 'boom' } }),
      ev(7, 'TaskScheduled', 30),
      ev(8, 'TaskSucceeded', 40),
      ev(9, 'TaskStateExited', 41, { stateExitedEventDetails: { name: 'Act Run Step' } }),
      ev(10, 'MapIterationSucceeded', 42, { mapIterationSucceededEventDetails: { name: 'Act Run Steps', index: 0 } }),
      ev(11, 'MapStateExited', 43, { stateExitedEventDetails: { name: 'Act Run Steps' } }),
      ev(12, 'TaskStateEntered', 50, { stateEnteredEventDetails: { name: 'Test Smoke', input: '{}' } }),
      ev(13, 'TaskScheduled', 51),
      ev(14, 'TaskFailed', 60, { taskFailedEventDetails: { resourceType: 'lambda', resource: 'invoke', error: 'SmokeTestsFailed', cause: 'Estimates (500)' } }),
      ev(15, 'TaskStateExited', 61, { stateExitedEventDetails: { name: 'Test Smoke' } }),
      ev(16, 'FailStateEntered', 70, { stateEnteredEventDetails: { name: 'Rolled Back To Plan' } }),
      ev(17, 'ExecutionFailed', 71, { executionFailedEventDetails: { error: 'ChangeRolledBack', cause: 'back in PLAN' } }),
    ];

    // Act
    const mapped = fromSfnHistory(events);
    const runs = stateRuns({ status: 'FAILED', events: mapped, stoppedAt: new Date(at(71)).toISOString() });

    // Assess
    expect(mapped.find((e) => e.type === 'StateEntered' && e.stateName === 'Act Run Step')).toMatchObject({ parentState: 'Act Run Steps', index: 0, step: 'deploy', stateType: 'Task' });
    expect(mapped.map((e) => e.type)).toContain('StateRetried');
    expect(mapped.at(-1)).toEqual({ type: 'ExecutionFailed', timestamp: at(71), error: 'ChangeRolledBack', cause: 'back in PLAN' });
    expect(runs.map((r) => [r.name, r.status, r.retries, r.error])).toEqual([
      ['Act Run Steps', 'succeeded', 0, undefined],
      ['Act Run Step', 'succeeded', 1, undefined],
      ['Test Smoke', 'caught', 0, 'SmokeTestsFailed'],
      ['Rolled Back To Plan', 'failed', 0, undefined],
    ]);
  });
});
