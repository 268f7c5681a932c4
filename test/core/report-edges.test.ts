// The REPORT phase at its edges: a change measured only before, issues that are not critical, health words with
// stray spaces, and Markdown cells for missing metrics, an empty operator and multi-line text.
import type { MetricsSnapshot } from '../../lambdas/ports';
import { buildReport, compareMetrics, qcSummary, reportToMarkdown, type ReportInput } from '../../lambdas/core/report';

const snapshot = (p95Ms: number, errorRate: number, at = '2025-09-23T02:00:00.000Z'): MetricsSnapshot => ({ at, requests: 1200, windowSeconds: 300, p95Ms, errorRate });

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
    tests: [{ type: 'smoke', name: 'health', status: 'PASS', durationMs: 120 }],
    issues: [],
    rollback: { executed: false },
    health: { api: 'HEALTHY', database: 'HEALTHY', cache: 'HEALTHY' },
    ...overrides,
  };
}

const row = (markdown: string, first: string): string | undefined => markdown.split('\n').find((l) => l.startsWith(`| ${first} |`));

describe('compareMetrics when only the before snapshot exists', () => {
  it('should give no delta and no percent change', () => {
    // Act
    const comparison = compareMetrics(snapshot(800, 0.002), undefined);

    // Assess
    expect(comparison.p95Ms).toEqual({ before: 800, after: null, delta: null, percentChange: null });
    expect(comparison.errorRate).toEqual({ before: 0.002, after: null, delta: null, percentChange: null });
  });
});

describe('overall status with issues', () => {
  it('should stay SUCCESS with issues that are not critical, and fail with a critical one', () => {
    // Act
    const minor = buildReport(input({ issues: [{ severity: 'LOW', phase: 'TEST', message: 'slow' }, { severity: 'HIGH', phase: 'ACT', message: 'retried' }] }));
    const critical = buildReport(input({ issues: [{ severity: 'LOW', phase: 'TEST', message: 'slow' }, { severity: 'CRITICAL', phase: 'ACT', message: 'half applied' }] }));

    // Assess
    expect(minor.summary).toMatchObject({ overall_status: 'SUCCESS', critical_issues: 0 });
    expect(critical.summary).toMatchObject({ overall_status: 'FAILED', critical_issues: 1 });
  });
});

describe('qcSummary health words', () => {
  it('should trim the health words and print Unknown for a blank one', () => {
    // Act
    const lines = qcSummary(input({ health: { api: '   ', database: ' HEALTHY ', cache: 'DEGRADED' } })).split('\n');

    // Assess
    expect(lines).toContain('API Health: Unknown');
    expect(lines).toContain('Database: HEALTHY');
    expect(lines).toContain('Cache: DEGRADED');
  });
});

describe('reportToMarkdown cells', () => {
  it('should print a dash for each metric that was not measured before the change', () => {
    // Arrange
    const report = buildReport(input({ metricsBefore: undefined }));

    // Act
    const markdown = reportToMarkdown(report, 'qc');

    // Assess
    expect(row(markdown, 'p95 (ms)')).toBe('| p95 (ms) | — | 1100 | — | — |');
    expect(row(markdown, 'Error rate')).toBe('| Error rate | — | 0.4% | — | — |');
    expect(row(markdown, 'Requests')).toBe('| Requests | — | 1200 | — | — |');
  });

  it('should print a dash for each metric that was not measured after the change', () => {
    // Arrange
    const report = buildReport(input({ metricsAfter: undefined }));

    // Act
    const markdown = reportToMarkdown(report, 'qc');

    // Assess
    expect(row(markdown, 'p95 (ms)')).toBe('| p95 (ms) | 900 | — | — | — |');
    expect(row(markdown, 'Requests')).toBe('| Requests | 1200 | — | — | — |');
  });

  it('should print a dash for an empty value and keep multi-line text on one line', () => {
    // Arrange
    const report = buildReport(input({
      operator: '',
      tests: [{ type: 'smoke', name: 'health', status: 'FAIL', durationMs: 120, error: 'expected 200\ngot 503\r\nretry' }],
    }));

    // Act
    const markdown = reportToMarkdown(report, 'qc');

    // Assess
    expect(row(markdown, 'Operator')).toBe('| Operator | — |');
    expect(row(markdown, 'smoke')).toBe('| smoke | health | FAIL | 120 | expected 200 got 503 retry |');
  });
});
