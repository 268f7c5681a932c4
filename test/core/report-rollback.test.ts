// The report parts of a rolled-back change and of a profile without regression checks: after_rollback in the JSON
// and the Markdown, the rollback line without a recorded reason or duration, and the recommendation that says no
// regression checks were asked for (an empty regression_tests list is not a pass).
import { buildReport, generateRecommendations, reportToMarkdown, type ReportInput } from '../../lambdas/core/report';

const AFTER_ROLLBACK = { at: '2026-01-01T01:00:00.000Z', p95Ms: 640, errorRate: 0.001, requests: 300, windowSeconds: 120 };

function input(overrides: Partial<ReportInput> = {}): ReportInput {
  return {
    changeId: 'CR-2026-300', system: 'KIS_CORE_V3', attempt: 1, status: 'ROLLED_BACK',
    startTime: '2026-01-01T00:00:00.000Z', endTime: '2026-01-01T00:30:00.000Z', operator: 'ops-kim',
    metricsBefore: { at: '2026-01-01T00:00:00.000Z', p95Ms: 600, errorRate: 0.001, requests: 500, windowSeconds: 180 },
    metricsAfter: { at: '2026-01-01T00:20:00.000Z', p95Ms: 3900, errorRate: 0.002, requests: 400, windowSeconds: 180 },
    tests: [], issues: [], rollback: { executed: true }, health: {},
    ...overrides,
  };
}

describe('a rolled-back report', () => {
  it('should keep the service after the rollback apart from the release that was rolled back', () => {
    // Act
    const report = buildReport(input({ metricsAfterRollback: AFTER_ROLLBACK }));

    // Assess
    expect(report.metrics.after_rollback).toEqual(AFTER_ROLLBACK);
    expect(report.metrics.post_deployment?.p95Ms).toBe(3900);
    expect('after_rollback' in buildReport(input())).toBe(false);
  });

  it('should print the after-rollback line in the Markdown only when there is one', () => {
    // Act
    const withIt = reportToMarkdown(buildReport(input({ metricsAfterRollback: AFTER_ROLLBACK })), 'QC');
    const without = reportToMarkdown(buildReport(input()), 'QC');

    // Assess
    expect(withIt).toContain('\n\nAfter the rollback: p95 640 ms, error rate 0.001, 300 requests over 120 s.\n');
    expect(without).not.toContain('After the rollback');
  });

  it('should say the rollback ran even without a recorded reason or duration', () => {
    // Act
    const bare = reportToMarkdown(buildReport(input()), 'QC');
    const full = reportToMarkdown(buildReport(input({ rollback: { executed: true, reason: 'AlarmTriggered', durationMs: 65_000 } })), 'QC');

    // Assess
    expect(bare).toContain('## Rollback\n\nExecuted. Reason: not recorded.\n');
    expect(full).toContain('## Rollback\n\nExecuted in 1m 5s. Reason: AlarmTriggered.\n');
  });
});

describe('the recommendation about regression checks', () => {
  const NONE = 'No regression checks are declared in the profile (tests.regression), so regression_tests is empty because none were asked for. Declare the checks that guard what this change could break.';

  it('should recommend declaring regression checks when the profile declares none, and only then', () => {
    expect(generateRecommendations({ tests: [], regressionChecksDeclared: 0 })).toEqual([{ type: 'TESTING', priority: 'MEDIUM', description: NONE }]);
    expect(generateRecommendations({ tests: [], regressionChecksDeclared: 2 })).toEqual([]);
    expect(generateRecommendations({ tests: [] })).toEqual([]);
  });

  it('should carry it into the report built from the phases\' input', () => {
    expect(buildReport(input({ regressionChecksDeclared: 0 })).recommendations.map((r) => r.description)).toContain(NONE);
  });
});

describe('report edges', () => {
  it('should judge a change that was never measured afterwards by its pre-deployment metrics', () => {
    // Prepare: stopped in pre-flight, measured only before
    const data = input({ status: 'PREFLIGHT_FAILED', metricsAfter: undefined, metricsBefore: { at: '2026-01-01T00:00:00.000Z', p95Ms: 2000.4, errorRate: 0.02, requests: 10, windowSeconds: 60 }, rollback: { executed: false } });

    // Act
    const report = buildReport(data);

    // Assess
    expect(report.recommendations.map((r) => r.type)).toEqual(['PERFORMANCE', 'RELIABILITY']);
    expect(report.metrics.post_deployment).toBeNull();
    expect(report.summary.overall_status).toBe('FAILED');
    expect(report.rollback).toEqual({ executed: false, reason: null, duration: null });
  });

  it('should give no percent change from a zero baseline but still the delta', () => {
    // Act
    const report = buildReport(input({
      metricsBefore: { at: '2026-01-01T00:00:00.000Z', p95Ms: 500, errorRate: 0, requests: 10, windowSeconds: 60 },
      metricsAfter: { at: '2026-01-01T00:10:00.000Z', p95Ms: 750, errorRate: 0.004, requests: 10, windowSeconds: 60 },
    }));

    // Assess
    expect(report.metrics.comparison).toEqual({
      p95Ms: { before: 500, after: 750, delta: 250, percentChange: 50 },
      errorRate: { before: 0, after: 0.004, delta: 0.004, percentChange: null },
    });
  });

  it('should call a rollback executed when the status says ROLLED_BACK even if the flag was not set, and not otherwise', () => {
    expect(buildReport(input({ status: 'ROLLED_BACK', rollback: { executed: false } })).rollback.executed).toBe(true);
    expect(buildReport(input({ status: 'FAILED', rollback: { executed: false } })).rollback.executed).toBe(false);
    expect(buildReport(input({ status: 'MANUAL_INTERVENTION', rollback: { executed: true } })).rollback.executed).toBe(true);
  });

  it('should keep a multi-line error on one table row in the Markdown', () => {
    // Act
    const markdown = reportToMarkdown(buildReport(input({ tests: [{ type: 'smoke', name: 'orders', status: 'FAIL', durationMs: 5, error: 'HTTP 500\r\nbody: oops' }] })), 'QC');

    // Assess
    expect(markdown).toContain('| smoke | orders | FAIL | 5 | HTTP 500 body: oops |');
  });
});

describe('reportToMarkdown, whole', () => {
  it('should write the QC block, then each section with its heading, table and rounded numbers, in order', () => {
    // Prepare
    const report = buildReport(input({
      metricsBefore: { at: '2026-01-01T00:00:00.000Z', p95Ms: 600.4, errorRate: 0.001, requests: 500, windowSeconds: 180 },
      metricsAfter: { at: '2026-01-01T00:20:00.000Z', p95Ms: 3900, errorRate: 0.0125, requests: 400, windowSeconds: 180 },
      tests: [{ type: 'smoke', name: 'health', status: 'PASS', durationMs: 12 }, { type: 'smoke', name: 'orders', status: 'FAIL', durationMs: 30, error: 'HTTP 500 | oops' }],
      issues: [{ severity: 'HIGH', phase: 'TEST', message: 'smoke test orders failed' }],
      rollback: { executed: true, reason: 'AlarmTriggered', durationMs: 65_000 },
    }));

    // Act
    const markdown = reportToMarkdown(report, 'QC');

    // Assess: every line, so a changed heading, separator, cell or rounding shows
    expect(markdown.split('\n')).toEqual([
      '# Deployment report CR-2026-300',
      '',
      '```text',
      'QC',
      '```',
      '',
      '## Deployment',
      '',
      '| Field | Value |',
      '| --- | --- |',
      '| ID | CR-2026-300 |',
      '| Status | ROLLED_BACK |',
      '| Start | 2026-01-01T00:00:00.000Z |',
      '| End | 2026-01-01T00:30:00.000Z |',
      '| Duration | 30m |',
      '| Operator | ops-kim |',
      '',
      '## Summary',
      '',
      '| Overall | Critical issues | Performance | Tests passed | Tests failed |',
      '| --- | --- | --- | --- | --- |',
      '| FAILED | 0 | NOT_RUN | 1/2 | 1 |',
      '',
      '## Metrics',
      '',
      '| Metric | Before | After | Change | Change % |',
      '| --- | --- | --- | --- | --- |',
      '| p95 (ms) | 600 | 3900 | 3300 | 549.6% |',
      '| Error rate | 0.1% | 1.25% | 1.15% | 1150% |',
      '| Requests | 500 | 400 | — | — |',
      '',
      '## Tests',
      '',
      '| Type | Name | Status | Duration (ms) | Details |',
      '| --- | --- | --- | --- | --- |',
      '| smoke | health | PASS | 12 | — |',
      '| smoke | orders | FAIL | 30 | HTTP 500 \\| oops |',
      '',
      '## Issues',
      '',
      '| Severity | Phase | Message |',
      '| --- | --- | --- |',
      '| HIGH | TEST | smoke test orders failed |',
      '',
      '## Rollback',
      '',
      'Executed in 1m 5s. Reason: AlarmTriggered.',
      '',
      '## Recommendations',
      '',
      '| Type | Priority | Description |',
      '| --- | --- | --- |',
      '| PERFORMANCE | MEDIUM | API p95 response time is above 1.5 s. Review cache settings and optimise queries. |',
      '| RELIABILITY | HIGH | Error rate is above 0.5 %. Analyse the error logs and find the cause. |',
      '| TESTING | HIGH | 1 test failed. Fix before the next deployment. |',
      '',
    ]);
  });
});
