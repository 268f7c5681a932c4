// The thin phase handlers as the state machine and EventBridge call them: what each returns for the step it is asked
// to run, a step it does not have, an event it should ignore, and an event it cannot read (named in the error).
import { ValidationError } from '../../lambdas/core/errors';
import { handle as commandStatus } from '../../lambdas/handlers/command-status';
import { handle as executionStatus } from '../../lambdas/handlers/execution-status';
import { handle as plan } from '../../lambdas/handlers/plan';
import { handle as probe } from '../../lambdas/handlers/probe';
import { UnknownStepError } from '../../lambdas/handlers/task-event';
import { handle as testPhase } from '../../lambdas/handlers/test';
import { transition } from '../../lambdas/phases/common';
import type { ProbeMetricsSink } from '../../lambdas/ports';
import { silentLog } from '../support/fakes';
import { memoryApi, submitted } from '../support/memory-api';

const STATE_MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:Runbook';
const executionArn = (name: string): string => `arn:aws:states:eu-west-1:123456789012:execution:Runbook:${name}`;

/** Shape: https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html (Execution Status Change). */
function statusEvent(name: string, status: string): unknown {
  return {
    version: '0', id: `e-${name}-${status}`, 'detail-type': 'Step Functions Execution Status Change', source: 'aws.states',
    account: '123456789012', time: '2026-12-01T22:00:00Z', region: 'eu-west-1', resources: [executionArn(name)],
    detail: { executionArn: executionArn(name), stateMachineArn: STATE_MACHINE, name, status, startDate: 1764626400000, stopDate: 1764630000000, input: null, output: null },
  };
}

describe('the execution-status handler', () => {
  it.each(['SUCCEEDED', 'RUNNING', 'PENDING_REDRIVE'])('should ignore an execution that is %s, saying so, and touch no change', async (status) => {
    // Arrange
    const m = memoryApi();
    await submitted(m);
    const before = await m.store.getChange('CR-2026-900');

    // Act
    const outcome = await executionStatus(statusEvent('CR-2026-900', status), m.deps);

    // Assess
    expect(outcome).toEqual({ action: 'ignored', reason: `execution CR-2026-900 is ${status}` });
    expect(await m.store.getChange('CR-2026-900')).toEqual(before);
  });
});

describe('the command-status handler', () => {
  it('should refuse an event that is not an SSM command status change, naming the event and the field', async () => {
    // Arrange
    const m = memoryApi();
    const event = { 'detail-type': 'EC2 Command Status-change Notification', source: 'aws.ssm', detail: { status: 'Success', 'document-name': 'runbook-Deploy' } };

    // Act
    const handling = commandStatus(event, m.deps);

    // Assess
    await expect(handling).rejects.toThrow(ValidationError);
    await expect(handling).rejects.toThrow(/^SSM command status event is invalid: .*detail\.command-id/);
  });
});

describe('the plan handler', () => {
  it('should answer the schedule step with scheduled: true and the health re-check verdict, moving the change to SCHEDULED', async () => {
    // Arrange
    const m = memoryApi();
    await submitted(m);
    await transition(m.deps, 'CR-2026-900', { status: 'AWAITING_APPROVAL', phase: 'PLAN', message: 'test' });

    // Act
    const out = await plan({ step: 'schedule', changeId: 'CR-2026-900', attempt: 1 }, m.deps);

    // Assess
    expect(out).toEqual({ scheduled: true, recheckHealth: expect.any(Boolean), minutesSincePreflight: expect.any(Number) });
    expect((await m.store.getChange('CR-2026-900'))?.status).toBe('SCHEDULED');
  });
  it('should park on the approvals step, answering parked: true and keeping the task token for the approvals route', async () => {
    // Arrange
    const m = memoryApi();
    await submitted(m);

    // Act
    const out = await plan({ step: 'await-approvals', changeId: 'CR-2026-900', attempt: 1, taskToken: 'token-1' }, m.deps);

    // Assess
    expect(out).toEqual({ parked: true });
    expect((await m.store.getCallback('approval#CR-2026-900#1'))?.token).toBe('token-1');
  });

  it('should refuse a step it does not have, naming the function and the step', async () => {
    // Arrange
    const m = memoryApi();

    // Act
    const handling = plan({ step: 'deploy', changeId: 'CR-2026-900', attempt: 1 }, m.deps);

    // Assess
    await expect(handling).rejects.toThrow(UnknownStepError);
    await expect(handling).rejects.toThrow('plan handler has no step "deploy"');
  });
});

describe('the test handler', () => {
  it('should refuse a step it does not have, naming the function and the step', async () => {
    // Arrange
    const m = memoryApi();

    // Act
    const handling = testPhase({ step: 'soak', changeId: 'CR-2026-900', attempt: 1 }, m.deps);

    // Assess
    await expect(handling).rejects.toThrow(UnknownStepError);
    await expect(handling).rejects.toThrow('test handler has no step "soak"');
  });
});

describe('the probe handler', () => {
  const run = (endAt: string): Record<string, unknown> => ({
    changeId: 'CR-2026-900', attempt: 2, environment: 'test-env', baseUrl: 'http://127.0.0.1:9', paths: ['/api/v1/health'], concurrency: 1, intervalMs: 100, endAt,
  });

  it('should sample nothing once the attempt\'s probe has ended, naming the change, attempt and end', async () => {
    // Arrange
    const published: unknown[] = [];
    const probeMetrics: ProbeMetricsSink = { publish: async (...args: unknown[]) => { published.push(args); } } as ProbeMetricsSink;
    const deps = { probeMetrics, clock: { now: () => new Date('2026-12-01T10:00:00.000Z') }, log: silentLog };

    // Act
    const out = await probe(run('2026-12-01T09:59:00.000Z'), deps);

    // Assess
    expect(out).toEqual({ changeId: 'CR-2026-900', attempt: 2, rounds: 0, samples: 0, skipped: 'the probe for CR-2026-900 attempt 2 ended at 2026-12-01T09:59:00.000Z' });
    expect(published).toEqual([]);
  });

  it('should refuse an event that is not a probe run, naming it and the field', async () => {
    // Arrange
    const deps = { probeMetrics: {} as ProbeMetricsSink, clock: { now: () => new Date() }, log: silentLog };

    // Act
    const handling = probe({ ...run('2026-12-01T09:59:00.000Z'), concurrency: 0 }, deps);

    // Assess
    await expect(handling).rejects.toThrow(/^probe event is invalid: .*concurrency/);
  });
});
