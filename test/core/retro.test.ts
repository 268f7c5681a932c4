// The retrospective draft from a fixed report and event log: the seed template's shape, durations and downtime
// measured from the recorded events, participants from who did what, and TODO placeholders only where people must write.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { Approval, ChangeEvent, StoredReport } from '../../lambdas/core/records';
import { buildReport, qcSummary, type ReportInput } from '../../lambdas/core/report';
import { buildRetrospective, measureDowntime, retrospectiveToYaml, variance } from '../../lambdas/core/retro';
import { parseChangeRequest } from '../../lambdas/core/schemas';

const T0 = Date.parse('2025-09-22T14:30:00.000Z');
const iso = (seconds: number): string => new Date(T0 + seconds * 1000).toISOString();
const request = parseChangeRequest(readFileSync(join(__dirname, '..', '..', 'examples', 'CR-2025-001.change.yml'), 'utf8'));

let n = 0;
function event(seconds: number, type: string, message: string, data?: Record<string, unknown>, actor = 'runbook-control-plane'): ChangeEvent {
  n += 1;
  return { changeId: 'CR-2025-001', attempt: 1, at: iso(seconds), id: `e${n}`, actor, type, message, ...(data ? { data } : {}) };
}
const traffic = (seconds: number, commandId: string, mode: 'maintenance' | 'production'): ChangeEvent[] => [
  event(seconds, 'command.sent', `${commandId} sent`, { commandId, step: commandId, document: 'runbook-TrafficControl', parameters: { Mode: mode } }),
  event(seconds + 2, 'command.finished', `${commandId} Success`, { commandId, step: commandId, status: 'Success' }),
];

/** A change rolled back by an alarm: traffic blocked 60 s → 107 s for the deploy and 202 s → 234 s for the rollback. */
const EVENTS: ChangeEvent[] = [
  event(0, 'change.submitted', 'submitted by ops-kim', undefined, 'ops-kim'),
  event(10, 'attempt.started', 'attempt 1 started'),
  event(40, 'preflight.passed', 'pre-flight checks passed'),
  ...traffic(60, 'block-traffic', 'maintenance'),
  event(70, 'command.sent', 'deploy sent', { commandId: 'deploy', document: 'runbook-DeployRelease', parameters: { Release: 'v2.4.0' } }),
  event(80, 'command.finished', 'deploy: runbook-DeployRelease Success (exit 0)', { commandId: 'deploy', status: 'Success' }),
  event(90, 'command.sent', 'migrations sent', { commandId: 'migrations', document: 'runbook-DatabaseMigration', parameters: {} }),
  event(95, 'command.finished', 'migrations: runbook-DatabaseMigration Failed (exit 3)', { commandId: 'migrations', status: 'Failed' }),
  ...traffic(105, 'restore-traffic', 'production'),
  event(200, 'alarm.triggered', 'runbook-kis-core-v3-p95-latency is ALARM: 2 of 2 datapoints above 3150 ms', undefined, 'alarm:runbook-kis-core-v3-p95-latency'),
  event(201, 'rollback.started', 'rolling back: AlarmTriggered: p95 above 3150 ms'),
  ...traffic(202, 'rollback-block-traffic', 'maintenance'),
  ...traffic(232, 'rollback-restore-traffic', 'production'),
  event(250, 'report.stored', 'ROLLED_BACK: report stored'),
  { ...event(300, 'attempt.started', 'another attempt'), attempt: 2 },
];

const APPROVALS: Approval[] = ['technical', 'business', 'security', 'executive'].map((role, i) => ({
  changeId: 'CR-2025-001', attempt: 1, role: role as Approval['role'], decision: 'approve', approver: ['kim', 'lee', 'park', '이충원'][i] as string, at: iso(20),
}));

function storedReport(): StoredReport {
  const input: ReportInput = {
    changeId: 'CR-2025-001', system: 'KIS_CORE_V3', attempt: 1, status: 'ROLLED_BACK', startTime: iso(10), endTime: iso(9010), operator: 'ops-kim',
    metricsBefore: { at: iso(60), p95Ms: 900, errorRate: 0.002, requests: 500, windowSeconds: 180 },
    metricsAfter: { at: iso(250), p95Ms: 1800, errorRate: 0.012, requests: 400, windowSeconds: 180 },
    tests: [
      { type: 'smoke', name: 'API Health', status: 'PASS', durationMs: 40 },
      { type: 'smoke', name: 'Estimate Creation', status: 'FAIL', durationMs: 90, error: 'HTTP 500' },
      { type: 'performance', name: 'Load test (50 VUs)', status: 'PASS', durationMs: 300_000, details: 'p95 1800 ms' },
    ],
    issues: [{ severity: 'CRITICAL', phase: 'ACT', message: 'runbook-kis-core-v3-p95-latency is ALARM: 2 of 2 datapoints above 3150 ms' }],
    rollback: { executed: true, reason: 'AlarmTriggered: p95 above 3150 ms', durationMs: 49_000 },
    health: { api: 'HEALTHY' },
  };
  const report = buildReport(input);
  return { changeId: 'CR-2025-001', attempt: 1, outcome: 'ROLLED_BACK', createdAt: iso(9010), report, qcSummary: qcSummary(input, report) };
}

describe('buildRetrospective', () => {
  // Built inside each test: mutation testing attributes only what runs in a test to that test.
  const build = (): ReturnType<typeof buildRetrospective> => buildRetrospective({ change: { id: 'CR-2025-001', request }, stored: storedReport(), events: EVENTS, approvals: APPROVALS });

  it('should head the draft with the deployment, its date, outcome and everyone who took part', () => {
    expect(build().retrospective).toEqual({
      deployment_id: 'CR-2025-001', change_id: 'CR-2025-001', outcome: 'ROLLED_BACK', date: '2025-09-22',
      participants: [
        '이충원 (requester, 대표이사; executive approver)',
        'kim (technical approver)', 'lee (business approver)', 'park (security approver)',
        'ops-kim (operator)',
      ],
    });
  });

  it('should compare the planned duration with the actual one and give the variance', () => {
    // 2 hours planned; 9000 s = 2h 30m actual.
    expect(build().metrics_analysis.deployment_duration).toEqual({ planned: '2 hours', actual: '2h 30m', variance: '+25%' });
  });

  it('should measure downtime from block-traffic to restore-traffic, over both the deploy and the rollback', () => {
    // (107 − 60) + (234 − 202) = 79 s.
    expect(build().metrics_analysis.downtime).toEqual({ planned: 'TODO: not stated in the change request', actual: '1m 19s (traffic blocked 2 times)', variance: 'n/a (no planned downtime)' });
  });

  it('should give test coverage from the report\'s tests', () => {
    expect(build().metrics_analysis.test_coverage).toEqual({ smoke_tests: '50% (1/2 passed)', regression_tests: 'not run', performance_tests: '100% (1/1 passed)' });
  });

  it('should list what went wrong from failed tests, alarms, failed commands, the rollback and the overrun', () => {
    expect(build().what_went_wrong).toEqual([
      'smoke test "Estimate Creation" failed: HTTP 500',
      'Alarm: runbook-kis-core-v3-p95-latency is ALARM: 2 of 2 datapoints above 3150 ms',
      'Host command failed: migrations: runbook-DatabaseMigration Failed (exit 3)',
      'Rolled back: AlarmTriggered: p95 above 3150 ms',
      'Took 25% longer than the planned 2 hours (2h 30m)',
    ]);
  });

  it('should list what went well only from what was recorded', () => {
    expect(build().what_went_well).toEqual([
      'Pre-flight checks passed (system health, dependencies, backup) before anything was touched',
      'Approvals recorded through the approvals route by 4 approver(s)',
      'Performance test passed: p95 1800 ms',
      'A rollback alarm caught the problem and the rollback started automatically',
      'The rollback completed and its health check passed: the service is back on the previous release',
    ]);
  });

  it('should turn the report\'s recommendations into action items and leave owners and lessons as TODO', () => {
    expect(build().action_items).toEqual([
      { id: 'AI-001', description: 'API p95 response time is above 1.5 s. Review cache settings and optimise queries.', assignee: 'TODO', due_date: 'TODO', priority: 'MEDIUM' },
      { id: 'AI-002', description: 'Error rate is above 0.5 %. Analyse the error logs and find the cause.', assignee: 'TODO', due_date: 'TODO', priority: 'HIGH' },
      { id: 'AI-003', description: '1 test failed. Fix before the next deployment.', assignee: 'TODO', due_date: 'TODO', priority: 'HIGH' },
      { id: 'AI-004', description: 'TODO: add the actions the team agrees on for what went wrong', assignee: 'TODO', due_date: 'TODO', priority: 'TODO' },
    ]);
    const retro = build();
    for (const list of [retro.lessons_learned, retro.process_improvements, retro.next_deployment_focus]) expect(list).toEqual([expect.stringMatching(/^TODO: /)]);
  });

  it('should render YAML with the seed template\'s keys, marked as a draft', () => {
    // Act
    const retro = build();
    const yaml = retrospectiveToYaml(retro);

    // Assess
    expect(yaml.split('\n')[0]).toBe('# deployment-retrospective CR-2025-001: a DRAFT generated from the stored report and events.');
    expect(Object.keys(parse(yaml))).toEqual(['retrospective', 'what_went_well', 'what_went_wrong', 'action_items', 'lessons_learned', 'process_improvements', 'metrics_analysis', 'next_deployment_focus']);
    expect(parse(yaml)).toEqual(JSON.parse(JSON.stringify(retro)));
  });
});

describe('retro helpers', () => {
  it.each([[7_200_000, 9_000_000, '+25%'], [900_000, 480_000, '-47%'], [60_000, 60_000, '0%'], [0, 10, 'n/a']])('should give the variance of %i ms planned vs %i ms actual as %s', (planned, actual, expected) => {
    expect(variance(planned, actual)).toBe(expected);
  });

  it('should count a block never restored until the end of the attempt', () => {
    // Act
    const m = measureDowntime(traffic(10, 'block', 'maintenance'), iso(70));

    // Assess
    expect(m).toEqual({ ms: 60_000, blocks: 1, stillBlocked: true });
  });

  it('should report no downtime when no traffic was blocked', () => {
    expect(measureDowntime([], iso(0))).toBeUndefined();
  });
});
