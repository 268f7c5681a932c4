// The REPORT phase core: the seed's report shape, recommendation rules at their boundaries, the QC summary layout, Markdown.
import type { MetricsSnapshot } from '../../lambdas/ports';
import {
  QC_RULE, buildReport, compareMetrics, generateRecommendations, qcSummary, reportToMarkdown,
  type ReportInput, type ReportTest,
} from '../../lambdas/core/report';

const snapshot = (p95Ms: number | undefined, errorRate: number | undefined, at = '2025-09-23T02:00:00.000Z'): MetricsSnapshot => ({
  at, requests: 1200, windowSeconds: 300,
  ...(p95Ms !== undefined ? { p95Ms } : {}),
  ...(errorRate !== undefined ? { errorRate } : {}),
});

const test = (type: ReportTest['type'], name: string, status: ReportTest['status'] = 'PASS'): ReportTest => ({ type, name, status, durationMs: 120 });

function input(overrides: Partial<ReportInput> = {}): ReportInput {
  return {
    changeId: 'CR-2025-001',
    system: 'KIS_CORE_V3',
    attempt: 1,
    status: 'SUCCESS',
    startTime: '2025-09-23T02:00:00.000Z',
    endTime: '2025-09-23T04:05:03.000Z',
    operator: 'ops-bot',
    metricsBefore: snapshot(900, 0.002),
    metricsAfter: snapshot(1100, 0.004, '2025-09-23T04:00:00.000Z'),
    tests: [test('smoke', 'health'), test('smoke', 'estimates list'), test('regression', 'quote flow'), test('performance', 'load 50 VUs')],
    issues: [],
    rollback: { executed: false },
    health: { api: 'HEALTHY', database: 'HEALTHY', cache: 'HEALTHY' },
    ...overrides,
  };
}

describe('buildReport', () => {
  it("should have exactly the seed's report keys", () => {
    // Act
    const report = buildReport(input());

    // Assess
    expect(Object.keys(report)).toEqual(['deployment', 'summary', 'metrics', 'tests', 'issues', 'rollback', 'recommendations']);
    expect(Object.keys(report.deployment)).toEqual(['id', 'startTime', 'endTime', 'duration', 'status', 'operator']);
    expect(Object.keys(report.summary)).toEqual(['overall_status', 'critical_issues', 'performance_status', 'test_results']);
    expect(Object.keys(report.metrics)).toEqual(['pre_deployment', 'post_deployment', 'comparison']);
    expect(Object.keys(report.tests)).toEqual(['smoke_tests', 'regression_tests', 'performance_tests']);
    expect(Object.keys(report.rollback)).toEqual(['executed', 'reason', 'duration']);
  });

  it('should summarise a clean change as SUCCESS with its duration and tests grouped by type', () => {
    // Act
    const report = buildReport(input());

    // Assess
    expect(report.deployment).toEqual({
      id: 'CR-2025-001', startTime: '2025-09-23T02:00:00.000Z', endTime: '2025-09-23T04:05:03.000Z', duration: '2h 5m 3s', status: 'SUCCESS', operator: 'ops-bot',
    });
    expect(report.summary).toEqual({ overall_status: 'SUCCESS', critical_issues: 0, performance_status: 'PASS', test_results: { total: 4, passed: 4, failed: 0 } });
    expect(report.tests.smoke_tests.map((t) => t.name)).toEqual(['health', 'estimates list']);
    expect(report.tests.regression_tests).toHaveLength(1);
    expect(report.tests.performance_tests).toHaveLength(1);
    expect(report.rollback).toEqual({ executed: false, reason: null, duration: null });
    expect(report.recommendations).toEqual([]);
  });

  it('should name a later attempt after its execution', () => {
    // Act
    const report = buildReport(input({ attempt: 2 }));

    // Assess
    expect(report.deployment.id).toBe('CR-2025-001-2');
  });

  it('should not call a change SUCCESS when a test failed or a critical issue was raised', () => {
    // Act
    const failedTest = buildReport(input({ tests: [test('smoke', 'health', 'FAIL')] }));
    const critical = buildReport(input({ issues: [{ severity: 'CRITICAL', phase: 'ACT', message: 'migration half applied' }, { severity: 'LOW', phase: 'TEST', message: 'slow' }] }));
    const rolledBack = buildReport(input({ status: 'ROLLED_BACK' }));

    // Assess
    expect(failedTest.summary.overall_status).toBe('FAILED');
    expect(failedTest.summary.test_results).toEqual({ total: 1, passed: 0, failed: 1 });
    expect(critical.summary).toMatchObject({ overall_status: 'FAILED', critical_issues: 1 });
    expect(rolledBack.summary.overall_status).toBe('FAILED');
  });

  it('should give performance NOT_RUN without performance tests and FAIL when one failed', () => {
    // Act
    const notRun = buildReport(input({ tests: [test('smoke', 'health')] }));
    const failed = buildReport(input({ tests: [test('performance', 'load', 'FAIL'), test('performance', 'spike')] }));

    // Assess
    expect(notRun.summary.performance_status).toBe('NOT_RUN');
    expect(failed.summary.performance_status).toBe('FAIL');
  });

  it('should record an executed rollback with its reason and duration', () => {
    // Act
    const report = buildReport(input({ status: 'ROLLED_BACK', rollback: { executed: true, reason: 'AlarmTriggered: p95 above 3150 ms', durationMs: 95_000 } }));

    // Assess
    expect(report.rollback).toEqual({ executed: true, reason: 'AlarmTriggered: p95 above 3150 ms', duration: '1m 35s' });
  });

  it('should keep null metrics when a change stopped before it was measured', () => {
    // Act
    const report = buildReport(input({ status: 'PREFLIGHT_FAILED', metricsBefore: undefined, metricsAfter: undefined, tests: [] }));

    // Assess
    expect(report.metrics.pre_deployment).toBeNull();
    expect(report.metrics.post_deployment).toBeNull();
    expect(report.metrics.comparison.p95Ms).toEqual({ before: null, after: null, delta: null, percentChange: null });
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });
});

describe('compareMetrics', () => {
  it('should give deltas and percent changes for p95 and error rate', () => {
    // Act
    const comparison = compareMetrics(snapshot(1000, 0.002), snapshot(1250, 0.003));

    // Assess
    expect(comparison).toEqual({
      p95Ms: { before: 1000, after: 1250, delta: 250, percentChange: 25 },
      errorRate: { before: 0.002, after: 0.003, delta: 0.001, percentChange: 50 },
    });
  });

  it('should leave unknowns null instead of inventing numbers', () => {
    // Act
    const noBefore = compareMetrics(undefined, snapshot(800, 0.001));
    const zeroBefore = compareMetrics(snapshot(800, 0), snapshot(800, 0.001));
    const noSamples = compareMetrics(snapshot(undefined, undefined), snapshot(700, undefined));

    // Assess
    expect(noBefore.p95Ms).toEqual({ before: null, after: 800, delta: null, percentChange: null });
    expect(zeroBefore.errorRate).toEqual({ before: 0, after: 0.001, delta: 0.001, percentChange: null });
    expect(noSamples.p95Ms.delta).toBeNull();
    expect(noSamples.errorRate).toEqual({ before: null, after: null, delta: null, percentChange: null });
  });
});

describe('generateRecommendations', () => {
  it('should recommend nothing at exactly 1500 ms p95 and 0.5 % errors with no failed test', () => {
    // Act
    const recommendations = generateRecommendations({ p95Ms: 1500, errorRate: 0.005, tests: [test('smoke', 'health')] });

    // Assess
    expect(recommendations).toEqual([]);
  });

  it('should recommend PERFORMANCE/MEDIUM just over 1500 ms', () => {
    // Act
    const recommendations = generateRecommendations({ p95Ms: 1501, errorRate: 0, tests: [] });

    // Assess
    expect(recommendations).toEqual([{ type: 'PERFORMANCE', priority: 'MEDIUM', description: expect.stringContaining('1.5 s') }]);
  });

  it('should recommend RELIABILITY/HIGH just over 0.5 % errors', () => {
    // Act
    const recommendations = generateRecommendations({ p95Ms: 100, errorRate: 0.0051, tests: [] });

    // Assess
    expect(recommendations).toEqual([{ type: 'RELIABILITY', priority: 'HIGH', description: expect.stringContaining('0.5 %') }]);
  });

  it('should recommend TESTING/HIGH naming how many tests failed', () => {
    // Act
    const one = generateRecommendations({ tests: [test('smoke', 'a', 'FAIL'), test('smoke', 'b')] });
    const three = generateRecommendations({ tests: [test('smoke', 'a', 'FAIL'), test('regression', 'b', 'FAIL'), test('performance', 'c', 'FAIL')] });

    // Assess
    expect(one).toEqual([{ type: 'TESTING', priority: 'HIGH', description: '1 test failed. Fix before the next deployment.' }]);
    expect(three[0]?.description).toBe('3 tests failed. Fix before the next deployment.');
  });

  it('should give all three in the seed order when everything is off', () => {
    // Act
    const recommendations = generateRecommendations({ p95Ms: 4000, errorRate: 0.2, tests: [test('smoke', 'a', 'FAIL')] });

    // Assess
    expect(recommendations.map((r) => [r.type, r.priority])).toEqual([['PERFORMANCE', 'MEDIUM'], ['RELIABILITY', 'HIGH'], ['TESTING', 'HIGH']]);
  });

  it('should recommend nothing about metrics that were not measured', () => {
    // Act
    const recommendations = generateRecommendations({ p95Ms: undefined, errorRate: undefined, tests: [] });

    // Assess
    expect(recommendations).toEqual([]);
  });

  it('should feed buildReport from the post-deployment metrics', () => {
    // Act
    const report = buildReport(input({ metricsBefore: snapshot(3000, 0.05), metricsAfter: snapshot(1600, 0.001) }));

    // Assess
    expect(report.recommendations.map((r) => r.type)).toEqual(['PERFORMANCE']);
  });
});

describe('qcSummary', () => {
  it("should print the seed's layout line by line: 12 text lines framed by two rule lines", () => {
    // Prepare
    const data = input({ tests: [test('smoke', 'health'), test('smoke', 'estimates', 'FAIL'), test('smoke', 'login'), test('performance', 'load')] });

    // Act
    const lines = qcSummary(data).split('\n');

    // Assess
    expect(lines).toEqual([
      'KIS_CORE_V3 Deployment Report - 2025-09-23T04:05:03.000Z',
      '============================================',
      'Deployment ID: CR-2025-001',
      'Status: SUCCESS (Duration: 2h 5m 3s)',
      'Smoke Tests: 2/3 passed',
      'Performance: PASS',
      'Critical Issues: 0',
      'API Health: HEALTHY',
      'Database: HEALTHY',
      'Cache: HEALTHY',
      'Error Rate: 0.4%',
      'Response Time P95: 1100ms',
      '============================================',
      'Overall: FAILED',
    ]);
    expect(lines).toHaveLength(14);
    expect(lines.filter((l) => l !== QC_RULE)).toHaveLength(12);
    expect(QC_RULE).toHaveLength(44);
  });

  it('should print Unknown where nothing was measured, as the seed does', () => {
    // Prepare
    const data = input({ status: 'PREFLIGHT_FAILED', metricsBefore: undefined, metricsAfter: undefined, tests: [], health: {}, issues: [{ severity: 'CRITICAL', phase: 'PREFLIGHT', message: 'redis down' }] });

    // Act
    const lines = qcSummary(data).split('\n');

    // Assess
    expect(lines.slice(3)).toEqual([
      'Status: PREFLIGHT_FAILED (Duration: 2h 5m 3s)',
      'Smoke Tests: 0/0 passed',
      'Performance: NOT_RUN',
      'Critical Issues: 1',
      'API Health: Unknown',
      'Database: Unknown',
      'Cache: Unknown',
      'Error Rate: Unknown',
      'Response Time P95: Unknown',
      QC_RULE,
      'Overall: FAILED',
    ]);
  });

  it('should print a measured zero error rate as 0%, not Unknown', () => {
    // Act
    const summary = qcSummary(input({ metricsAfter: snapshot(812.4, 0) }));

    // Assess
    expect(summary).toContain('\nError Rate: 0%\n');
    expect(summary).toContain('\nResponse Time P95: 812ms\n');
  });

  it('should be the same text every time for the same input, titled with the system name', () => {
    // Prepare
    const data = input({ system: 'ESTIMATOR_DEMO' });

    // Act
    const first = qcSummary(data);
    const second = qcSummary(data, buildReport(data));

    // Assess
    expect(second).toBe(first);
    expect(first.split('\n')[0]).toBe('ESTIMATOR_DEMO Deployment Report - 2025-09-23T04:05:03.000Z');
  });
});

describe('reportToMarkdown', () => {
  it('should render every report section, the QC summary and tables', () => {
    // Prepare
    const data = input({
      status: 'ROLLED_BACK',
      tests: [test('smoke', 'health | root', 'FAIL')],
      issues: [{ severity: 'HIGH', phase: 'TEST', message: 'smoke test failed' }],
      rollback: { executed: true, reason: 'SmokeTestsFailed', durationMs: 60_000 },
    });
    const report = buildReport(data);

    // Act
    const markdown = reportToMarkdown(report, qcSummary(data, report));

    // Assess
    for (const heading of ['# Deployment report CR-2025-001', '## Deployment', '## Summary', '## Metrics', '## Tests', '## Issues', '## Rollback', '## Recommendations']) {
      expect(markdown).toContain(`${heading}\n`);
    }
    expect(markdown).toContain('KIS_CORE_V3 Deployment Report - 2025-09-23T04:05:03.000Z');
    expect(markdown).toContain('| Type | Name | Status | Duration (ms) | Details |');
    expect(markdown).toContain('| smoke | health \\| root | FAIL | 120 | — |');
    expect(markdown).toContain('| HIGH | TEST | smoke test failed |');
    expect(markdown).toContain('| TESTING | HIGH | 1 test failed. Fix before the next deployment. |');
    expect(markdown).toContain('Executed in 1m. Reason: SmokeTestsFailed.');
  });

  it('should round the metrics for people: whole milliseconds, percentages to two places, changes to one', () => {
    // Prepare
    const data = input({ metricsBefore: snapshot(900.4444, 1 / 3), metricsAfter: snapshot(1234.5678, 0.123456) });
    const report = buildReport(data);

    // Act
    const markdown = reportToMarkdown(report, qcSummary(data, report));

    // Assess
    expect(markdown).toContain('| p95 (ms) | 900 | 1235 | 334 | 37.1% |');
    expect(markdown).toContain('| Error rate | 33.33% | 12.35% | -20.99% | -63% |');
    const metrics = markdown.slice(markdown.indexOf('## Metrics'), markdown.indexOf('## Tests'));
    expect(metrics).not.toMatch(/\d\.\d{3,}/);
  });

  it('should say so when there were no tests, issues or recommendations', () => {
    // Prepare
    const data = input({ tests: [], metricsAfter: snapshot(200, 0) });
    const report = buildReport(data);

    // Act
    const markdown = reportToMarkdown(report, qcSummary(data, report));

    // Assess
    expect(markdown).toContain('No tests were run.');
    expect(markdown).toContain('No issues.');
    expect(markdown).toContain('Not executed.');
    expect(markdown).toMatch(/## Recommendations\n\nNone\./);
  });
});
