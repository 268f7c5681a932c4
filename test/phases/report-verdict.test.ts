// What a report says about how an attempt ended: the verdict of a PLAN that ended (status, notification kind, lock),
// the issue the failure becomes (its phase and severity) and the performance test line.
import type { ChangeEvent } from '../../lambdas/core/records';
import { planEndStatus, reportInputFrom, verdictFor } from '../../lambdas/phases/report';
import { memoryDeps, submitted } from '../support/phase-deps';

const NOW = '2026-12-02T10:00:00.000Z';

describe('verdictFor a PLAN that ended', () => {
  it('should close a rejected change REJECTED, notify it as rejected and free the environment', async () => {
    // Arrange
    const deps = memoryDeps();
    const change = await submitted(deps, 'CR-2026-930');

    // Act
    const verdict = verdictFor('plan-ended', change, 1, { Error: 'ChangeRejected', Cause: 'no' });

    // Assess
    expect(verdict).toEqual({ status: 'REJECTED', reportStatus: 'REJECTED', releaseLock: true, kind: 'rejected', severity: 'warning', attemptsExhausted: false });
  });

  it('should close a cancelled or blocked change with an ended warning notification, not a rejected one', async () => {
    // Arrange
    const deps = memoryDeps();
    const change = await submitted(deps, 'CR-2026-931');

    // Act
    const cancelled = verdictFor('plan-ended', change, 1, { Error: 'ChangeCancelled', Cause: 'by ops' });
    const blocked = verdictFor('plan-ended', change, 1, { Error: 'AlarmActive', Cause: 'latency' });
    const failed = verdictFor('plan-ended', change, 1, { Error: 'Boom', Cause: 'x' });

    // Assess
    expect(cancelled).toEqual({ status: 'CANCELLED', reportStatus: 'CANCELLED', releaseLock: true, kind: 'ended', severity: 'warning', attemptsExhausted: false });
    expect(blocked).toEqual({ status: 'BLOCKED', reportStatus: 'BLOCKED', releaseLock: true, kind: 'ended', severity: 'warning', attemptsExhausted: false });
    expect(failed).toEqual({ status: 'FAILED', reportStatus: 'FAILED', releaseLock: true, kind: 'ended', severity: 'warning', attemptsExhausted: false });
  });
});

describe('planEndStatus', () => {
  it('should end a timed-out PLAN CANCELLED and a PLAN stopped by any rollback-alarm problem BLOCKED', () => {
    // Arrange
    const errors = ['States.Timeout', 'AlarmActive', 'AlarmMissing', 'AlarmNoData', 'ChangeCancelled', 'ChangeRejected'];

    // Act
    const statuses = errors.map((Error) => planEndStatus({ Error, Cause: 'x' }));

    // Assess
    expect(statuses).toEqual(['CANCELLED', 'BLOCKED', 'BLOCKED', 'BLOCKED', 'CANCELLED', 'REJECTED']);
    expect(planEndStatus(undefined)).toBe('FAILED');
  });
});

describe('verdictFor a rolled-back attempt', () => {
  it('should send the change back to PLAN keeping its environment while attempts remain', async () => {
    // Arrange
    const deps = memoryDeps();
    const change = { ...await submitted(deps, 'CR-2026-937'), maxAttempts: 3 };

    // Act
    const verdict = verdictFor('rolled-back', change, 1, { Error: 'StepFailed' });

    // Assess
    expect(verdict).toEqual({ status: 'ROLLED_BACK', reportStatus: 'ROLLED_BACK', releaseLock: false, kind: 'rolled-back', severity: 'warning', attemptsExhausted: false });
  });

  it('should fail the change and free its environment when the last attempt rolled back', async () => {
    // Arrange
    const deps = memoryDeps();
    const change = { ...await submitted(deps, 'CR-2026-938'), maxAttempts: 2 };

    // Act
    const verdict = verdictFor('rolled-back', change, 2, { Error: 'StepFailed' });

    // Assess
    expect(verdict).toEqual({ status: 'FAILED', reportStatus: 'ROLLED_BACK', releaseLock: true, kind: 'rolled-back', severity: 'warning', attemptsExhausted: true });
  });

  it('should close a change rolled back because an operator cancelled it CANCELLED, not back in PLAN', async () => {
    // Arrange
    const deps = memoryDeps();
    const change = { ...await submitted(deps, 'CR-2026-939'), maxAttempts: 3, cancelRequest: { by: 'ops', at: NOW, reason: null } };

    // Act
    const verdict = verdictFor('rolled-back', change, 1, { Error: 'ChangeCancelled' });

    // Assess
    expect(verdict).toEqual({ status: 'CANCELLED', reportStatus: 'ROLLED_BACK', releaseLock: true, kind: 'ended', severity: 'warning', attemptsExhausted: false });
  });
});

describe('reportInputFrom: the issue a failure becomes', () => {
  it('should file a failed pre-flight check as a HIGH PREFLIGHT issue even when it ended PLAN as FAILED', async () => {
    // Arrange
    const deps = memoryDeps();
    const change = await submitted(deps, 'CR-2026-932');
    const failure = { Error: 'PreflightCheckFailed', Cause: 'disk full' };
    const verdict = verdictFor('plan-ended', change, 1, failure);

    // Act
    const input = reportInputFrom({ change, attempt: 1, verdict, events: [], commands: [], failure, now: NOW });

    // Assess
    expect(verdict.status).toBe('FAILED');
    expect(input.issues).toEqual([{ severity: 'HIGH', phase: 'PREFLIGHT', message: 'PreflightCheckFailed: disk full' }]);
  });

  it('should file any failure of a PREFLIGHT_FAILED verdict under PREFLIGHT, whatever its error name', async () => {
    // Arrange
    const deps = memoryDeps();
    const change = await submitted(deps, 'CR-2026-933');
    const verdict = verdictFor('preflight-failed', change, 1, undefined);

    // Act
    const input = reportInputFrom({ change, attempt: 1, verdict, events: [], commands: [], failure: { Error: 'States.TaskFailed', Cause: 'lambda crashed' }, now: NOW });

    // Assess
    expect(input.issues).toEqual([{ severity: 'HIGH', phase: 'PREFLIGHT', message: 'States.TaskFailed: lambda crashed' }]);
  });

  it('should file the failure of a rolled-back attempt as a CRITICAL ACT issue', async () => {
    // Arrange
    const deps = memoryDeps();
    const change = await submitted(deps, 'CR-2026-934');
    const verdict = verdictFor('rolled-back', change, 1, undefined);

    // Act
    const input = reportInputFrom({ change, attempt: 1, verdict, events: [], commands: [], failure: { Error: 'StepFailed', Cause: 'deploy exited 2' }, now: NOW });

    // Assess
    expect(input.issues).toEqual([{ severity: 'CRITICAL', phase: 'ACT', message: 'StepFailed: deploy exited 2' }]);
  });

  it('should file the failure that ended PLAN as a HIGH PLAN issue', async () => {
    // Arrange
    const deps = memoryDeps();
    const change = await submitted(deps, 'CR-2026-935');
    const failure = { Error: 'ChangeRejected', Cause: 'rejected by qa' };
    const verdict = verdictFor('plan-ended', change, 1, failure);

    // Act
    const input = reportInputFrom({ change, attempt: 1, verdict, events: [], commands: [], failure, now: NOW });

    // Assess
    expect(input.issues).toEqual([{ severity: 'HIGH', phase: 'PLAN', message: 'ChangeRejected: rejected by qa' }]);
  });
});

describe('reportInputFrom: the performance test line', () => {
  it('should give the error rate as a percentage with two decimals', async () => {
    // Arrange
    const deps = memoryDeps();
    const change = await submitted(deps, 'CR-2026-936');
    const verdict = verdictFor('completed', change, 1, undefined);
    const perf = {
      id: 'e1', changeId: change.id, type: 'test.performance', at: NOW, phase: 'TEST', actor: 'system', message: 'load test',
      data: { pass: true, result: { requests: 400, errors: 5, errorRate: 0.0125, avgMs: 20, p95Ms: 80, p99Ms: 120, durationSeconds: 30 } },
    } as unknown as ChangeEvent;

    // Act
    const input = reportInputFrom({ change, attempt: 1, verdict, events: [perf], commands: [], now: NOW });

    // Assess
    const line = input.tests.find((t) => t.type === 'performance');
    expect(line).toMatchObject({ status: 'PASS', durationMs: 30_000, details: 'p95 80 ms, error rate 1.25 %, 400 requests' });
  });
});
