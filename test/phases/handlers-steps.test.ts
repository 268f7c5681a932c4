// The phase handlers' step tables over the memory store: the task event read once (named in its error), the
// callback steps that need a task token, the steps each function does not have, what the event handlers refuse
// and what the execution-status handler passes on and logs.
import { ValidationError } from '../../lambdas/core/errors';
import { handle as act } from '../../lambdas/handlers/act';
import { handle as alarm } from '../../lambdas/handlers/alarm';
import { handle as commandStatus } from '../../lambdas/handlers/command-status';
import { handle as executionStatus } from '../../lambdas/handlers/execution-status';
import { EVENT_HANDLERS, PHASE_HANDLERS } from '../../lambdas/handlers/index';
import { handle as plan } from '../../lambdas/handlers/plan';
import { handle as preflight } from '../../lambdas/handlers/preflight';
import { handle as report } from '../../lambdas/handlers/report';
import { handle as rollback } from '../../lambdas/handlers/rollback';
import { parseTaskEvent, requireToken, UnknownStepError } from '../../lambdas/handlers/task-event';
import { handle as testPhase } from '../../lambdas/handlers/test';
import type { Logger } from '../../lambdas/ports';
import { memoryApi, submitted } from '../support/memory-api';

const event = (step: string, patch: Record<string, unknown> = {}): Record<string, unknown> => ({ step, changeId: 'CR-2026-900', attempt: 1, ...patch });

describe('the task event', () => {
  it('should read a task event as it was sent', () => {
    // Arrange
    const raw = event('begin', { taskToken: 't', failure: { Error: 'E', Cause: 'C' }, entry: 'rollback' });

    // Act
    const parsed = parseTaskEvent(raw);

    // Assess
    expect(parsed).toEqual(raw);
  });

  it('should refuse an event that is not a task event, naming it and the field', () => {
    // Act
    const parsing = (): unknown => parseTaskEvent(event('begin', { attempt: 0 }));

    // Assess
    expect(parsing).toThrow(ValidationError);
    expect(parsing).toThrow(/^task event is invalid: .*attempt/);
  });

  it('should give the task token of a callback step, and refuse a callback step without one, naming the step', () => {
    // Arrange
    const withToken = parseTaskEvent(event('run-command', { taskToken: 'tok' }));
    const without = parseTaskEvent(event('run-command'));

    // Act
    const token = requireToken(withToken);
    const refusing = (): unknown => requireToken(without);

    // Assess
    expect(token).toBe('tok');
    expect(refusing).toThrow('step run-command is a callback step: the task event has no taskToken');
  });

  it('should name an unknown step\'s function and step, as an UnknownStepError', () => {
    // Act
    const err = new UnknownStepError('act', 'dance');

    // Assess
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('UnknownStepError');
    expect(err.message).toBe('act handler has no step "dance"');
  });
});

describe('the steps each phase function does not have', () => {
  it.each([
    ['act', act], ['rollback', rollback], ['report', report], ['preflight', preflight], ['plan', plan], ['test', testPhase],
  ] as const)('should refuse an unknown step in the %s function, naming it', async (name, handle) => {
    // Arrange
    const m = memoryApi();

    // Act
    const handling = handle(event('dance'), m.deps);

    // Assess
    await expect(handling).rejects.toThrow(UnknownStepError);
    await expect(handling).rejects.toThrow(`${name} handler has no step "dance"`);
  });

  it('should refuse a report step that is not an outcome, even one every object has', async () => {
    // Arrange
    const m = memoryApi();

    // Act
    const handling = report(event('toString'), m.deps);

    // Assess
    await expect(handling).rejects.toThrow('report handler has no step "toString"');
  });
});

describe('the callback steps without a task token', () => {
  it.each([
    ['act', 'run-command', act], ['act', 'monitor-arm', act], ['rollback', 'run-command', rollback],
    ['preflight', 'system-health', preflight], ['preflight', 'dependencies', preflight], ['preflight', 'backup', preflight],
    ['preflight', 'system-health-recheck', preflight], ['plan', 'await-approvals', plan],
  ] as const)('should refuse the %s function\'s %s step without a token', async (_name, step, handle) => {
    // Arrange
    const m = memoryApi();
    await submitted(m);

    // Act
    const handling = handle(event(step, { command: { name: 'x', document: 'runbook-HealthCheck', parameters: {}, index: 0, phase: 'ACT' } }), m.deps);

    // Assess
    await expect(handling).rejects.toThrow(`step ${step} is a callback step: the task event has no taskToken`);
  });
});

describe('the handler tables', () => {
  it('should route each phase function and each EventBridge detail-type to its handler', () => {
    // Assess
    expect(PHASE_HANDLERS).toEqual({ Preflight: preflight, Plan: plan, Act: act, Test: testPhase, Report: report, Rollback: rollback });
    expect(EVENT_HANDLERS).toEqual({ 'EC2 Command Status-change Notification': commandStatus, 'CloudWatch Alarm State Change': alarm });
  });
});

describe('the EventBridge handlers', () => {
  it('should refuse an alarm event from another source, naming the event and the field', async () => {
    // Arrange
    const m = memoryApi();
    const raw = { 'detail-type': 'CloudWatch Alarm State Change', source: 'aws.ec2', detail: { alarmName: 'a', state: { value: 'ALARM', reason: 'r' } } };

    // Act
    const handling = alarm(raw, m.deps);

    // Assess
    await expect(handling).rejects.toThrow(ValidationError);
    await expect(handling).rejects.toThrow(/^alarm state change event is invalid: .*source/);
  });

  it('should pass an alarm that belongs to no change on without failing', async () => {
    // Arrange
    const m = memoryApi();
    const raw = { 'detail-type': 'CloudWatch Alarm State Change', source: 'aws.cloudwatch', detail: { alarmName: 'someone-elses-alarm', state: { value: 'ALARM', reason: 'r' } } };

    // Act
    const out = await alarm(raw, m.deps);

    // Assess
    expect(out).toBeDefined();
  });

  it('should refuse an execution status event without an execution ARN, naming the event', async () => {
    // Arrange
    const m = memoryApi();
    const raw = { 'detail-type': 'Step Functions Execution Status Change', source: 'aws.states', detail: { executionArn: 'x', stateMachineArn: 'arn:x', name: 'n', status: 'FAILED' } };

    // Act
    const handling = executionStatus(raw, m.deps);

    // Assess
    await expect(handling).rejects.toThrow(/^execution status change event is invalid: .*executionArn/);
  });

  it('should hand a failed execution\'s error and cause on, and log the outcome with the execution and status', async () => {
    // Arrange
    const m = memoryApi();
    await submitted(m);
    const logged: { message: string; data: unknown }[] = [];
    const log: Logger = { info: (message, data) => { logged.push({ message, data }); }, warn: () => undefined, error: () => undefined };
    const arn = 'arn:aws:states:eu-west-1:123456789012:execution:Runbook:CR-2026-900';
    const raw = {
      'detail-type': 'Step Functions Execution Status Change', source: 'aws.states',
      detail: { executionArn: arn, stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:Runbook', name: 'CR-2026-900', status: 'FAILED', error: 'States.TaskFailed', cause: 'boom', input: '{}' },
    };

    // Act
    const outcome = await executionStatus(raw, { ...m.deps, log });

    // Assess
    const ended = (await m.store.listEvents('CR-2026-900')).find((e) => e.data?.executionArn === arn);
    expect(ended?.data).toMatchObject({ executionStatus: 'FAILED', error: 'States.TaskFailed', cause: 'boom' });
    expect(outcome.action).not.toBe('ignored');
    expect(logged).toEqual([{ message: 'execution status change', data: { execution: 'CR-2026-900', status: 'FAILED', ...outcome } }]);
  });
});
