// The retrospective draft for the outcomes retro.test.ts does not cover: a clean success (what went well, nothing
// wrong, within plan), a cancelled later attempt (other attempts left out, a rejecter and the canceller as
// participants, traffic left blocked, an unreadable estimate) and the downtime rules on their own.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Approval, ChangeEvent, StoredReport } from '../../lambdas/core/records';
import { buildReport, type ReportInput } from '../../lambdas/core/report';
import { buildRetrospective, measureDowntime, variance } from '../../lambdas/core/retro';
import { parseChangeRequest } from '../../lambdas/core/schemas';

const T0 = Date.parse('2025-09-22T14:30:00.000Z');
const iso = (seconds: number): string => new Date(T0 + seconds * 1000).toISOString();
const request = parseChangeRequest(readFileSync(join(__dirname, '..', '..', 'examples', 'CR-2025-001.change.yml'), 'utf8'));

let n = 0;
function event(attempt: number, seconds: number, type: string, message: string, data?: Record<string, unknown>, actor = 'runbook-control-plane'): ChangeEvent {
  n += 1;
  return { changeId: 'CR-2025-001', attempt, at: iso(seconds), id: `e${n}`, actor, type, message, ...(data ? { data } : {}) };
}
const sent = (attempt: number, seconds: number, commandId: string, mode: string, document = 'runbook-TrafficControl'): ChangeEvent =>
  event(attempt, seconds, 'command.sent', `${commandId} sent`, { commandId, document, parameters: { Mode: mode } });
const finished = (attempt: number, seconds: number, commandId: string, status = 'Success'): ChangeEvent =>
  event(attempt, seconds, 'command.finished', `${commandId} ${status}`, { commandId, status });

function stored(input: Omit<ReportInput, 'changeId' | 'system' | 'operator' | 'metricsBefore' | 'metricsAfter' | 'rollback' | 'health'> & Partial<ReportInput>): StoredReport {
  const full: ReportInput = {
    changeId: 'CR-2025-001', system: 'KIS_CORE_V3', operator: 'ops-kim',
    metricsBefore: { at: iso(0), p95Ms: 700, errorRate: 0.001, requests: 500, windowSeconds: 180 },
    metricsAfter: { at: iso(100), p95Ms: 720, errorRate: 0.001, requests: 500, windowSeconds: 180 },
    rollback: { executed: false }, health: { api: 'HEALTHY' },
    ...input,
  };
  return { changeId: 'CR-2025-001', attempt: full.attempt, outcome: full.status, createdAt: full.endTime, report: buildReport(full), qcSummary: '' };
}

describe('a clean success', () => {
  const events = [
    event(1, 0, 'change.submitted', 'submitted', undefined, 'ops-kim'),
    event(1, 40, 'preflight.passed', 'pre-flight checks passed'),
    sent(1, 60, 'block', 'maintenance'), finished(1, 61, 'block'),
    sent(1, 90, 'restore', 'production'), finished(1, 102, 'restore'),
    event(1, 300, 'monitor.quiet', 'window closed quietly'),
  ];
  const approvals: Approval[] = [
    { changeId: 'CR-2025-001', attempt: 1, role: 'technical', decision: 'approve', approver: 'kim', at: iso(20) },
    { changeId: 'CR-2025-001', attempt: 1, role: 'business', decision: 'approve', approver: ' KIM ', at: iso(21) },
  ];
  // Built inside each test: mutation testing attributes only what runs in a test to that test.
  const build = () => buildRetrospective({
    change: { id: 'CR-2025-001', request }, events, approvals,
    stored: stored({ attempt: 1, status: 'SUCCESS', startTime: iso(0), endTime: iso(3600), tests: [
      { type: 'smoke', name: 'Health', status: 'PASS', durationMs: 10 },
      { type: 'smoke', name: 'Orders', status: 'PASS', durationMs: 10 },
      { type: 'performance', name: 'Load test', status: 'PASS', durationMs: 1000 },
    ], issues: [] }),
  });

  it('should list only what was recorded as going well, and nothing as going wrong', () => {
    const retro = build();
    expect(retro.what_went_well).toEqual([
      'Pre-flight checks passed (system health, dependencies, backup) before anything was touched',
      // kim and " KIM " are one person (as in the participants), so one approver
      'Approvals recorded through the approvals route by 1 approver(s)',
      'All 2 smoke tests passed',
      'Performance test passed: Load test',
      'The monitoring window passed quietly: no rollback alarm',
      'Finished within the planned 2 hours (1h)',
    ]);
    expect(retro.what_went_wrong).toEqual(['Nothing recorded went wrong (no failed test, alarm, failed command or rollback)']);
  });

  it('should merge one person written twice (case, spaces) into one participant with both roles', () => {
    const retro = build();
    expect(retro.retrospective.participants).toEqual([
      '이충원 (requester, 대표이사)', 'kim (technical approver; business approver)', 'ops-kim (operator)',
    ]);
  });

  it('should give one block of downtime without a count, the variance and the coverage', () => {
    const retro = build();
    expect(retro.metrics_analysis.downtime.actual).toBe('42s');
    expect(retro.metrics_analysis.deployment_duration).toEqual({ planned: '2 hours', actual: '1h', variance: '-50%' });
    expect(retro.metrics_analysis.test_coverage).toEqual({ smoke_tests: '100% (2/2 passed)', regression_tests: 'not run', performance_tests: '100% (1/1 passed)' });
    expect(retro.action_items.map((a) => a.id)).toEqual(['AI-001']);
  });
});

describe('participants', () => {
  it('should name a requester without a role plainly as the requester', () => {
    // Prepare
    const noRole = { ...request, requester: { ...request.requester, role: undefined } };

    // Act
    const retro = buildRetrospective({
      change: { id: 'CR-2025-001', request: noRole }, events: [], approvals: [],
      stored: stored({ attempt: 1, status: 'SUCCESS', startTime: iso(0), endTime: iso(60), tests: [], issues: [] }),
    });

    // Assess
    expect(retro.retrospective.participants).toEqual(['이충원 (requester)', 'ops-kim (operator)']);
  });
});

describe('thresholds of what went well and wrong', () => {
  // CR-2025-001 plans 2 hours: 7,200 s; 20 % over is 8,640 s.
  const build = (endSeconds: number, events: ChangeEvent[] = [], approvals: Approval[] = []) => buildRetrospective({
    change: { id: 'CR-2025-001', request }, events, approvals,
    stored: stored({ attempt: 1, status: 'SUCCESS', startTime: iso(0), endTime: iso(endSeconds), tests: [], issues: [] }),
  });

  it('should count a change that took exactly the plan as within it, and not claim smoke tests that never ran', () => {
    const retro = build(7200);
    expect(retro.what_went_well).toEqual(['Finished within the planned 2 hours (2h)']);
  });

  it('should call an overrun only past 20 %, without a plus sign', () => {
    expect(build(8640).what_went_wrong).toEqual(['Nothing recorded went wrong (no failed test, alarm, failed command or rollback)']);
    expect(build(8641).what_went_wrong).toEqual(['Took 20% longer than the planned 2 hours (2h 24m 1s)']);
  });

  it('should credit recorded approvals even when one of them was a reject, and leave a blank operator out of the participants', () => {
    // Prepare
    const approvals: Approval[] = [
      { changeId: 'CR-2025-001', attempt: 1, role: 'technical', decision: 'approve', approver: 'kim', at: iso(1) },
      { changeId: 'CR-2025-001', attempt: 1, role: 'business', decision: 'reject', approver: 'lee', at: iso(2) },
    ];

    // Act
    const retro = buildRetrospective({
      change: { id: 'CR-2025-001', request }, events: [], approvals,
      stored: stored({ attempt: 1, status: 'REJECTED', startTime: iso(0), endTime: iso(60), tests: [], issues: [], operator: '  ' }),
    });

    // Assess
    expect(retro.what_went_well[0]).toBe('Approvals recorded through the approvals route by 2 approver(s)');
    expect(retro.retrospective.participants).toEqual(['이충원 (requester, 대표이사)', 'kim (technical approver)', 'lee (business rejecter)']);
  });

  it('should list a person who decided twice as one role once, and say when no traffic was blocked', () => {
    // Prepare
    const twice: Approval[] = [1, 2].map((m) => ({ changeId: 'CR-2025-001', attempt: 1, role: 'technical', decision: 'approve', approver: 'kim', at: iso(m) }));

    // Act
    const retro = build(60, [], twice);

    // Assess
    expect(retro.retrospective.participants).toContain('kim (technical approver)');
    expect(retro.metrics_analysis.downtime.actual).toBe('no traffic block recorded');
  });

  it('should strip only a leading "rolling back: " from the rollback reason', () => {
    const retro = build(60, [event(1, 10, 'rollback.started', 'after rolling back: twice')]);
    expect(retro.what_went_wrong).toEqual(['Rolled back: after rolling back: twice']);
  });
});

describe('a cancelled second attempt', () => {
  const events = [
    event(1, 0, 'change.submitted', 'submitted', undefined, 'ops-kim'),
    event(1, 40, 'preflight.passed', 'attempt 1 pre-flight passed'),
    event(1, 50, 'alarm.triggered', 'attempt 1 alarm'),
    event(2, 1000, 'attempt.started', 'attempt 2'),
    sent(2, 1060, 'block', 'maintenance'),
    sent(2, 1070, 'block-again', 'maintenance'),
    sent(2, 1080, 'restore', 'production'), finished(2, 1090, 'restore', 'Failed'),
    sent(2, 1085, 'deploy', 'production', 'runbook-DeployRelease'), finished(2, 1095, 'deploy'),
    event(2, 1100, 'alarm.triggered', 'p95 above 3150 ms'),
    event(2, 1101, 'alarm.triggered', 'p95 above 3150 ms'),
    event(2, 1200, 'cancel.requested', 'cancelled by ops-lee: window closed', undefined, 'ops-lee'),
  ];
  const approvals: Approval[] = [{ changeId: 'CR-2025-001', attempt: 2, role: 'security', decision: 'reject', approver: 'park', at: iso(1010) }];
  const unreadable = { ...request, timeline: { ...request.timeline, estimated_duration: 'about a day' } };
  const build = () => buildRetrospective({
    change: { id: 'CR-2025-001', request: unreadable }, events, approvals,
    stored: stored({ attempt: 2, status: 'CANCELLED', startTime: iso(1000), endTime: iso(1300), tests: [
      { type: 'smoke', name: 'Health', status: 'FAIL', durationMs: 10 },
      { type: 'regression', name: 'Orders', status: 'FAIL', durationMs: 10, details: 'status 503' },
      { type: 'performance', name: 'Load test', status: 'FAIL', durationMs: 1000, details: 'p95 4000 ms' },
    ], issues: [
      { severity: 'HIGH', phase: 'ACT', message: 'window closed' },
      { severity: 'MEDIUM', phase: 'PLAN', message: 'late approval' },
    ] }),
  });

  it('should name the attempt\'s execution and leave the earlier attempt\'s events out', () => {
    const retro = build();
    expect(retro.retrospective.deployment_id).toBe('CR-2025-001-2');
    expect(retro.retrospective.outcome).toBe('CANCELLED');
    expect(retro.what_went_well).toEqual(['TODO: nothing recorded went well; add what the team saw']);
  });

  it('should list each thing that went wrong once, an issue already said only once, and the traffic left blocked', () => {
    const retro = build();
    expect(retro.what_went_wrong).toEqual([
      'smoke test "Health" failed',
      'regression test "Orders" failed: status 503',
      'performance test "Load test" failed: p95 4000 ms',
      'Alarm: p95 above 3150 ms',
      'Host command failed: restore Failed',
      'Cancelled: cancelled by ops-lee: window closed',
      'MEDIUM issue in PLAN: late approval',
      'Traffic was still blocked when the attempt ended',
    ]);
  });

  it('should name the rejecter and the canceller among the participants', () => {
    const retro = build();
    expect(retro.retrospective.participants).toEqual([
      '이충원 (requester, 대표이사)', 'park (security rejecter)', 'ops-kim (operator)', 'ops-lee (cancelled the change)',
    ]);
  });

  it('should say the estimate cannot be read instead of comparing with it', () => {
    const retro = build();
    expect(retro.metrics_analysis.deployment_duration).toEqual({ planned: 'about a day', actual: '5m', variance: 'n/a (cannot read "about a day")' });
    // A failed restore does not end the block: it runs from the first block to the end of the attempt.
    expect(retro.metrics_analysis.downtime.actual).toBe('4m');
    expect(retro.metrics_analysis.test_coverage).toEqual({ smoke_tests: '0% (0/1 passed)', regression_tests: '0% (0/1 passed)', performance_tests: '0% (0/1 passed)' });
  });
});

describe('measureDowntime', () => {
  it('should count a block only from a TrafficControl maintenance command, up to a successful production one', () => {
    // Prepare: a maintenance call of another document, then a real block restored at 30 s, then one restored at 100 s
    const events = [
      sent(1, 0, 'other', 'maintenance', 'runbook-DeployRelease'),
      sent(1, 10, 'b1', 'maintenance'), finished(1, 11, 'b1'),
      sent(1, 20, 'r1', 'production'), finished(1, 30, 'r1'),
      finished(1, 35, 'r1'),
      sent(1, 50, 'b2', 'maintenance'),
      sent(1, 90, 'r2', 'production'), finished(1, 100, 'r2'),
    ];

    // Act + Assess
    expect(measureDowntime(events, iso(500))).toEqual({ ms: 70_000, blocks: 2, stillBlocked: false });
  });

  it('should ignore a restore that finished before any block, and a finished event without a command id', () => {
    // Prepare
    const events = [
      sent(1, 0, 'r0', 'production'), finished(1, 5, 'r0'),
      sent(1, 10, 'b1', 'maintenance'),
      event(1, 15, 'command.finished', 'no id', { status: 'Success' }),
      sent(1, 20, 'r1', 'production'), finished(1, 40, 'r1'),
    ];

    // Act + Assess
    expect(measureDowntime(events, iso(100))).toEqual({ ms: 30_000, blocks: 1, stillBlocked: false });
  });

  it('should read the mode of a command sent without parameters as no mode', () => {
    // Prepare
    const events = [event(1, 0, 'command.sent', 'x', { commandId: 'x', document: 'runbook-TrafficControl' }), finished(1, 5, 'x')];

    // Act + Assess
    expect(measureDowntime(events, iso(100))).toBeUndefined();
  });

  it('should give the variance rounded, signed only when above the plan, and n/a without a plan', () => {
    expect(variance(1000, 1004)).toBe('0%');
    expect(variance(1000, 1006)).toBe('+1%');
    expect(variance(1000, 994)).toBe('-1%');
    expect(variance(-5, 10)).toBe('n/a');
    expect(variance(Number.NaN, 10)).toBe('n/a');
  });
});
