// What reportInputFrom reads back from an attempt's events and commands: the test lines in order, the issues (one per
// alarm, the failure, the rollback failure, pre-flight warnings), the metrics, times, operator, rollback and health lines.
import type { ChangeEvent, ChangeRecord, CommandRecord } from '../../lambdas/core/records';
import { REPORT_HEALTH_STEP, reportInputFrom, verdictFor } from '../../lambdas/phases/report';
import { memoryDeps, submitted } from '../support/phase-deps';

const NOW = '2026-12-02T10:00:00.000Z';

let seq = 0;
function event(changeId: string, type: string, data: Record<string, unknown> = {}, extra: Partial<ChangeEvent> = {}): ChangeEvent {
  seq += 1;
  return { id: `e${seq}`, changeId, attempt: 1, at: '2026-12-02T09:00:00.000Z', actor: 'system', type, message: `${type} happened`, data, ...extra };
}

function command(changeId: string, patch: Partial<CommandRecord>): CommandRecord {
  return {
    commandId: `c-${patch.stepName ?? 'x'}`, changeId, attempt: 1, phase: 'PREFLIGHT', stepName: 'preflight-dependencies', document: 'runbook-Dependencies',
    parameters: {}, status: 'Success', requestedAt: '2026-12-02T08:10:20.000Z', ...patch,
  };
}

async function change(id: string, patch: Partial<ChangeRecord> = {}): Promise<ChangeRecord> {
  return { ...await submitted(memoryDeps(), id), ...patch };
}

describe('reportInputFrom: the test lines', () => {
  it('should list smoke results before regression results, each with its details and error only when it has them', async () => {
    // Arrange
    const c = await change('CR-2026-940');
    const verdict = verdictFor('completed', c, 1, undefined);
    const events = [
      event(c.id, 'test.regression', { results: [{ name: 'R1', status: 'FAIL', durationMs: 7, error: 'boom' }] }),
      event(c.id, 'test.smoke', { results: [{ name: 'S1', status: 'PASS', durationMs: 3 }, { name: 'S2', status: 'FAIL', durationMs: 4, details: 'HTTP 500' }] }),
      event(c.id, 'test.smoke', {}),
    ];

    // Act
    const input = reportInputFrom({ change: c, attempt: 1, verdict, events, commands: [], now: NOW });

    // Assess
    expect(input.tests).toEqual([
      { type: 'smoke', name: 'S1', status: 'PASS', durationMs: 3 },
      { type: 'smoke', name: 'S2', status: 'FAIL', durationMs: 4, details: 'HTTP 500' },
      { type: 'regression', name: 'R1', status: 'FAIL', durationMs: 7, error: 'boom' },
    ]);
  });

  it('should write the last load test as a FAIL line naming its VUs, think time, failed checks and logins', async () => {
    // Arrange
    const c = await change('CR-2026-941');
    const verdict = verdictFor('completed', c, 1, undefined);
    const result = { requests: 100, errors: 0, errorRate: 0, avgMs: 10, p95Ms: 50, p99Ms: 60, durationSeconds: 1.2345 };
    const events = [
      event(c.id, 'test.performance', { pass: true, result }),
      event(c.id, 'test.performance', { pass: false, result: { ...result, thinkTimeSeconds: 2, checksFailed: 3, loginsFailed: 4 } }),
    ];

    // Act
    const input = reportInputFrom({ change: c, attempt: 1, verdict, events, commands: [], now: NOW });

    // Assess
    expect(input.tests).toEqual([{
      type: 'performance', name: `Load test (${c.profile.tests.performance.virtualUsers} VUs)`, status: 'FAIL', durationMs: 1235,
      details: 'p95 50 ms, error rate 0.00 %, 100 requests, think time 2 s, 3 failed checks, 4 logins without a token',
    }]);
  });

  it('should write no performance line for a load-test event without a result', async () => {
    // Arrange
    const c = await change('CR-2026-942');
    const verdict = verdictFor('completed', c, 1, undefined);

    // Act
    const input = reportInputFrom({ change: c, attempt: 1, verdict, events: [event(c.id, 'test.performance', { pass: true })], commands: [], now: NOW });

    // Assess
    expect(input.tests).toEqual([]);
  });
});

describe('reportInputFrom: the issues', () => {
  it('should file each alarm once as a CRITICAL ACT issue and not file the alarm failure it caused again', async () => {
    // Arrange
    const c = await change('CR-2026-943');
    const verdict = verdictFor('rolled-back', { ...c, maxAttempts: 3 }, 1, undefined);
    const events = [
      event(c.id, 'alarm.triggered', { alarmName: 'lat' }, { message: 'lat fired' }),
      event(c.id, 'alarm.triggered', { alarmName: 'lat' }, { message: 'lat fired again' }),
      event(c.id, 'alarm.triggered', {}, { message: 'unnamed alarm' }),
    ];
    const failure = { Error: 'AlarmTriggered', Cause: 'lat: p95 over 300 ms' };

    // Act
    const input = reportInputFrom({ change: c, attempt: 1, verdict, events, commands: [], failure, now: NOW });

    // Assess
    expect(input.issues).toEqual([
      { severity: 'CRITICAL', phase: 'ACT', message: 'lat fired' },
      { severity: 'CRITICAL', phase: 'ACT', message: 'unnamed alarm' },
    ]);
  });

  it('should file an alarm failure whose cause names no recorded alarm as its own issue', async () => {
    // Arrange
    const c = await change('CR-2026-944');
    const verdict = verdictFor('rolled-back', { ...c, maxAttempts: 3 }, 1, undefined);
    const events = [event(c.id, 'alarm.triggered', { alarmName: 'lat' }, { message: 'lat fired' })];

    // Act
    const other = reportInputFrom({ change: c, attempt: 1, verdict, events, commands: [], failure: { Error: 'AlarmTriggered', Cause: 'err: rate' }, now: NOW });
    const notAlarm = reportInputFrom({ change: c, attempt: 1, verdict, events, commands: [], failure: { Error: 'StepFailed', Cause: 'lat: x' }, now: NOW });

    // Assess
    expect(other.issues).toEqual([{ severity: 'CRITICAL', phase: 'ACT', message: 'lat fired' }, { severity: 'CRITICAL', phase: 'ACT', message: 'AlarmTriggered: err: rate' }]);
    expect(notAlarm.issues).toEqual([{ severity: 'CRITICAL', phase: 'ACT', message: 'lat fired' }, { severity: 'CRITICAL', phase: 'ACT', message: 'StepFailed: lat: x' }]);
  });

  it('should file no issue for the failure of a completed change', async () => {
    // Arrange
    const c = await change('CR-2026-945');
    const verdict = verdictFor('completed', c, 1, undefined);

    // Act
    const input = reportInputFrom({ change: c, attempt: 1, verdict, events: [], commands: [], failure: { Error: 'Whatever', Cause: 'x' }, now: NOW });

    // Assess
    expect(input.issues).toEqual([]);
  });

  it('should file a manual intervention failure as a CRITICAL ACT issue and its rollback failure as a CRITICAL ROLLBACK one', async () => {
    // Arrange
    const c = await change('CR-2026-946');
    const verdict = verdictFor('manual-intervention', c, 1, undefined);

    // Act
    const input = reportInputFrom({ change: c, attempt: 1, verdict, events: [], commands: [], failure: { Error: 'StepFailed' }, rollbackFailure: { Error: 'RollbackFailed', Cause: 'exit 3' }, now: NOW });

    // Assess
    expect(input.issues).toEqual([
      // A failure without a cause keeps its colon: the message is trimmed, not rebuilt.
      { severity: 'CRITICAL', phase: 'ACT', message: 'StepFailed:' },
      { severity: 'CRITICAL', phase: 'ROLLBACK', message: 'rollback failed: RollbackFailed: exit 3' },
    ]);
  });

  it('should file the pre-flight warnings as MEDIUM PREFLIGHT issues', async () => {
    // Arrange
    const c = await change('CR-2026-947');
    const verdict = verdictFor('completed', c, 1, undefined);
    const commands = [command(c.id, { result: { warnings: ['redis://cache:6379'], checks: { 'redis://cache:6379': 'redis-cli' } } })];

    // Act
    const input = reportInputFrom({ change: c, attempt: 1, verdict, events: [], commands, now: NOW });

    // Assess
    expect(input.issues).toEqual([{ severity: 'MEDIUM', phase: 'PREFLIGHT', message: 'pre-flight warning (preflight-dependencies): redis://cache:6379 UNREACHABLE (redis-cli check)' }]);
  });
});

describe('reportInputFrom: metrics, times and the rollback', () => {
  const before = { p95Ms: 100, errorRate: 0.001, requests: 10, at: '2026-12-02T09:00:00.000Z', windowSeconds: 60 };
  const release = { p95Ms: 200, errorRate: 0.01, requests: 20, at: '2026-12-02T09:10:00.000Z', windowSeconds: 60 };
  const end = { p95Ms: 110, errorRate: 0.002, requests: 30, at: '2026-12-02T09:20:00.000Z', windowSeconds: 60 };

  it('should report a rolled-back release with its live metrics, the end snapshot after the rollback and the rollback duration', async () => {
    // Arrange
    const c = await change('CR-2026-948', { maxAttempts: 3 });
    const verdict = verdictFor('rolled-back', c, 1, undefined);
    const events = [
      event(c.id, 'change.submitted', {}, { actor: 'dana', attempt: 0 }),
      event(c.id, 'attempt.started', {}, { at: '2026-12-02T09:00:00.000Z' }),
      event(c.id, 'metrics.before', { metrics: { ...before, p95Ms: 1 } }),
      event(c.id, 'metrics.before', { metrics: before }),
      event(c.id, 'metrics.release', { metrics: release }),
      event(c.id, 'rollback.started', {}, { at: '2026-12-02T09:59:58.500Z' }),
    ];

    // Act
    const input = reportInputFrom({ change: c, attempt: 2, verdict, events, commands: [], failure: { Error: 'StepFailed', Cause: 'deploy' }, metricsAfter: end, now: NOW });

    // Assess
    expect(input).toMatchObject({
      changeId: c.id, system: c.profile.system, attempt: 2, status: 'ROLLED_BACK', startTime: '2026-12-02T09:00:00.000Z', endTime: NOW, operator: 'dana',
      metricsBefore: before, metricsAfter: release, metricsAfterRollback: end,
      rollback: { executed: true, reason: 'StepFailed: deploy', durationMs: 1500 },
      regressionChecksDeclared: c.profile.tests.regression.length,
    });
  });

  it('should report a completed change with the end snapshot, no rollback, and the change\'s own start and requester', async () => {
    // Arrange
    const c = await change('CR-2026-949');
    const verdict = verdictFor('completed', c, 1, undefined);
    const events = [event(c.id, 'rollback.started', {}, { at: '2026-12-02T09:59:58.500Z' })];

    // Act
    const input = reportInputFrom({ change: c, attempt: 1, verdict, events, commands: [], failure: { Error: 'X' }, metricsAfter: end, now: NOW });

    // Assess
    expect(input.startTime).toBe(c.createdAt);
    expect(input.operator).toBe(c.requester);
    expect(input.metricsBefore).toBeUndefined();
    expect(input.metricsAfter).toEqual(end);
    expect(input).not.toHaveProperty('metricsAfterRollback');
    expect(input.rollback).toEqual({ executed: false });
  });

  it('should give a rolled-back attempt that never went live no after-rollback metrics, no reason without a failure and no duration without a rollback start', async () => {
    // Arrange
    const c = await change('CR-2026-950', { maxAttempts: 3 });
    const verdict = verdictFor('rolled-back', c, 1, undefined);

    // Act
    const input = reportInputFrom({ change: c, attempt: 1, verdict, events: [], commands: [], metricsAfter: end, now: NOW });

    // Assess
    expect(input.metricsAfter).toEqual(end);
    expect(input).not.toHaveProperty('metricsAfterRollback');
    expect(input.rollback).toEqual({ executed: true });
  });
});

describe('reportInputFrom: the health lines', () => {
  it('should prefer the report-time checks, then the API check now, for the health lines', async () => {
    // Arrange
    const c = await change('CR-2026-951');
    const verdict = verdictFor('completed', c, 1, undefined);
    const commands = [command(c.id, { result: { endpoints: { 'postgresql://db:5432/x': 'REACHABLE' } } })];

    // Act
    const both = reportInputFrom({ change: c, attempt: 1, verdict, events: [], commands, now: NOW, apiHealthNow: 'HEALTHY', healthNow: { api: 'A', database: 'D', cache: 'C' } });
    const apiOnly = reportInputFrom({ change: c, attempt: 1, verdict, events: [], commands, now: NOW, apiHealthNow: 'HEALTHY', healthNow: {} });

    // Assess
    expect(both.health).toEqual({ api: 'A', database: 'D', cache: 'C' });
    expect(apiOnly.health.api).toBe('HEALTHY');
  });

  it('should fall back to the last health-check step and to what pre-flight saw, saying when it saw it', async () => {
    // Arrange
    const c = await change('CR-2026-952');
    const verdict = verdictFor('completed', c, 1, undefined);
    const commands = [
      command(c.id, { result: { endpoints: { 'postgresql://db:5432/x': 'UNREACHABLE', 'redis://old:6379': 'UNREACHABLE' } } }),
      command(c.id, { finishedAt: '2026-12-02T08:11:42.000Z', result: { endpoints: { 'postgresql://db:5432/x': 'REACHABLE', 'http://svc/health': 'REACHABLE' } } }),
      command(c.id, { phase: 'REPORT', stepName: REPORT_HEALTH_STEP, result: { endpoints: { 'postgresql://db:5432/x': 'DOWN' } } }),
      command(c.id, { phase: 'ACT', stepName: 'health-check', document: 'runbook-HealthCheck', status: 'Success' }),
      command(c.id, { phase: 'ACT', stepName: 'health-check-2', document: 'runbook-HealthCheck', status: 'Failed' }),
    ];

    // Act
    const input = reportInputFrom({ change: c, attempt: 1, verdict, events: [], commands, now: NOW });

    // Assess
    expect(input.health).toEqual({
      api: 'UNHEALTHY (Failed) (last health-check step; not re-checked at report)',
      database: 'REACHABLE (at pre-flight 08:11:42Z)',
      cache: 'Not configured',
    });
  });

  it('should read a passed last health-check step HEALTHY and date pre-flight by its request when it has no finish time', async () => {
    // Arrange
    const c = await change('CR-2026-953');
    const verdict = verdictFor('completed', c, 1, undefined);
    const commands = [
      command(c.id, { result: { endpoints: { 'redis://cache:6379': 'REACHABLE' } } }),
      command(c.id, { phase: 'ACT', stepName: 'health-check', document: 'runbook-HealthCheck', status: 'Success' }),
    ];

    // Act
    const input = reportInputFrom({ change: c, attempt: 1, verdict, events: [], commands, now: NOW });

    // Assess
    expect(input.health).toEqual({
      api: 'HEALTHY (last health-check step; not re-checked at report)',
      database: 'Not configured',
      cache: 'REACHABLE (at pre-flight 08:10:20Z)',
    });
  });

  it('should say Unknown for every line when nothing checked the service, database or cache', async () => {
    // Arrange
    const c = await change('CR-2026-954');
    const verdict = verdictFor('completed', c, 1, undefined);

    // Act
    const none = reportInputFrom({ change: c, attempt: 1, verdict, events: [], commands: [], now: NOW });
    const noResult = reportInputFrom({ change: c, attempt: 1, verdict, events: [], commands: [command(c.id, {})], now: NOW });

    // Assess
    expect(none.health).toEqual({ api: 'Unknown', database: 'Unknown', cache: 'Unknown' });
    expect(noResult.health).toEqual({ api: 'Unknown', database: 'Unknown', cache: 'Unknown' });
  });
});
