// The REPORT phase's pure part: the seed's deployment report object (PHASE 5 DeploymentReportGenerator),
// its recommendations, the 12-line QC summary and a Markdown rendering. Deterministic: no clock, no I/O.
import type { MetricsSnapshot } from '../ports';
import { formatDuration } from './duration';
import type { Phase } from './records';
import { executionNameFor } from './records';
import { RECOMMEND_ERROR_RATE, RECOMMEND_P95_MS } from './thresholds';

export type ReportStatus = 'SUCCESS' | 'FAILED' | 'ROLLED_BACK' | 'PREFLIGHT_FAILED' | 'REJECTED' | 'MANUAL_INTERVENTION' | 'CANCELLED' | 'BLOCKED';
export type TestType = 'smoke' | 'regression' | 'performance';
export type IssueSeverity = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW';

export interface ReportTest {
  type: TestType;
  name: string;
  status: 'PASS' | 'FAIL';
  durationMs: number;
  details?: string;
  error?: string;
}

export interface ReportIssue {
  severity: IssueSeverity;
  phase: Phase;
  message: string;
}

export interface ReportInput {
  changeId: string;
  /** The profile's `system` (e.g. KIS_CORE_V3): the QC summary's title. */
  system: string;
  attempt: number;
  status: ReportStatus;
  /** ISO times. The end time is also the QC summary's timestamp, so the same input always gives the same text. */
  startTime: string;
  endTime: string;
  operator: string;
  metricsBefore: MetricsSnapshot | undefined;
  /** The release the change put live, measured while it was live (the monitoring window), or after the change. */
  metricsAfter: MetricsSnapshot | undefined;
  /** The service once a rollback restored it: the report's `metrics.after_rollback`. */
  metricsAfterRollback?: MetricsSnapshot;
  tests: ReportTest[];
  issues: ReportIssue[];
  rollback: { executed: boolean; reason?: string; durationMs?: number };
  /** Free text per dependency as the health check saw it ("HEALTHY", "DOWN: connection refused"…). */
  health: { api?: string; database?: string; cache?: string };
  /** How many regression checks the profile declares; 0 makes the report say so (an empty list is not a pass). */
  regressionChecksDeclared?: number;
}

export type OverallStatus = 'SUCCESS' | 'FAILED';
export type PerformanceStatus = 'PASS' | 'FAIL' | 'NOT_RUN';

export interface MetricComparison {
  before: number | null;
  after: number | null;
  /** after − before; null when either side is unknown. */
  delta: number | null;
  /** 100 × delta / before; null when either side is unknown or before is 0 (no meaningful ratio). */
  percentChange: number | null;
}

export interface MetricsComparison {
  p95Ms: MetricComparison;
  errorRate: MetricComparison;
}

export interface Recommendation {
  type: 'PERFORMANCE' | 'RELIABILITY' | 'TESTING';
  priority: 'MEDIUM' | 'HIGH';
  description: string;
}

export interface TestSummary {
  total: number;
  passed: number;
  failed: number;
}

/** The seed's report object, key for key; null where the seed puts null, so the stored JSON keeps every key. */
export interface DeploymentReport {
  deployment: {
    /** The execution name: the change id, or `<change id>-<attempt>` after a rollback. */
    id: string;
    startTime: string;
    endTime: string;
    duration: string;
    status: ReportStatus;
    operator: string;
  };
  summary: {
    overall_status: OverallStatus;
    critical_issues: number;
    performance_status: PerformanceStatus;
    test_results: TestSummary;
  };
  metrics: {
    pre_deployment: MetricsSnapshot | null;
    post_deployment: MetricsSnapshot | null;
    comparison: MetricsComparison;
    /** Only after a rollback: the service as the rollback left it (post_deployment is the release that was rolled back). */
    after_rollback?: MetricsSnapshot;
  };
  tests: {
    smoke_tests: ReportTest[];
    regression_tests: ReportTest[];
    performance_tests: ReportTest[];
  };
  issues: ReportIssue[];
  rollback: { executed: boolean; reason: string | null; duration: string | null };
  recommendations: Recommendation[];
}

function compareOne(before: number | undefined, after: number | undefined): MetricComparison {
  const b = before ?? null;
  const a = after ?? null;
  const delta = a !== null && b !== null ? round(a - b) : null;
  const percentChange = delta !== null && b ? round((100 * delta) / b) : null;
  return { before: b, after: a, delta, percentChange };
}

// Subtraction of floats (0.004 − 0.003) would otherwise print 0.0010000000000000002 in the report.
const round = (n: number): number => Number(n.toPrecision(12));

/** p95 and error-rate deltas between two snapshots; either may be missing (pre-flight failed, no traffic). */
export function compareMetrics(before: MetricsSnapshot | undefined, after: MetricsSnapshot | undefined): MetricsComparison {
  return {
    p95Ms: compareOne(before?.p95Ms, after?.p95Ms),
    errorRate: compareOne(before?.errorRate, after?.errorRate),
  };
}

/**
 * The seed's three rules, each strictly "greater than":
 * p95 > 1500 ms → PERFORMANCE/MEDIUM; error rate > 0.5 % → RELIABILITY/HIGH; any failed test → TESTING/HIGH.
 * An unknown metric recommends nothing (the seed compared undefined, which is never greater).
 */
export function generateRecommendations(input: { p95Ms?: number | undefined; errorRate?: number | undefined; tests: readonly ReportTest[]; regressionChecksDeclared?: number | undefined }): Recommendation[] {
  const recommendations: Recommendation[] = [];
  if (input.p95Ms !== undefined && input.p95Ms > RECOMMEND_P95_MS) {
    recommendations.push({
      type: 'PERFORMANCE',
      priority: 'MEDIUM',
      // Seed: API 응답 시간이 1.5초를 초과합니다. 캐시 설정 및 쿼리 최적화를 검토하세요.
      description: 'API p95 response time is above 1.5 s. Review cache settings and optimise queries.',
    });
  }
  if (input.errorRate !== undefined && input.errorRate > RECOMMEND_ERROR_RATE) {
    recommendations.push({
      type: 'RELIABILITY',
      priority: 'HIGH',
      // Seed: 에러율이 0.5%를 초과합니다. 에러 로그를 분석하고 원인을 파악하세요.
      description: 'Error rate is above 0.5 %. Analyse the error logs and find the cause.',
    });
  }
  const failed = input.tests.filter((t) => t.status === 'FAIL').length;
  if (failed > 0) {
    recommendations.push({
      type: 'TESTING',
      priority: 'HIGH',
      // Seed: N개의 테스트가 실패했습니다. 다음 배포 전에 해결하세요.
      description: `${failed} ${failed === 1 ? 'test' : 'tests'} failed. Fix before the next deployment.`,
    });
  }
  if (input.regressionChecksDeclared === 0) {
    recommendations.push({
      type: 'TESTING',
      priority: 'MEDIUM',
      description: 'No regression checks are declared in the profile (tests.regression), so regression_tests is empty because none were asked for. Declare the checks that guard what this change could break.',
    });
  }
  return recommendations;
}

/**
 * The snapshot that describes the system as the change left it: after the change when there is one,
 * else the pre-deployment one (a change stopped in pre-flight was never measured afterwards).
 */
function latestMetrics(input: ReportInput): MetricsSnapshot | undefined {
  return input.metricsAfter ?? input.metricsBefore;
}

function performanceStatus(tests: readonly ReportTest[]): PerformanceStatus {
  const perf = tests.filter((t) => t.type === 'performance');
  if (perf.length === 0) return 'NOT_RUN';
  return perf.some((t) => t.status === 'FAIL') ? 'FAIL' : 'PASS';
}

function overallStatus(input: ReportInput): OverallStatus {
  const clean = input.status === 'SUCCESS'
    && !input.tests.some((t) => t.status === 'FAIL')
    && !input.issues.some((i) => i.severity === 'CRITICAL');
  return clean ? 'SUCCESS' : 'FAILED';
}

function elapsedMs(startIso: string, endIso: string): number {
  return Date.parse(endIso) - Date.parse(startIso);
}

/** The seed's generateReport, from what the phases recorded. */
export function buildReport(input: ReportInput): DeploymentReport {
  const latest = latestMetrics(input);
  const passed = input.tests.filter((t) => t.status === 'PASS').length;
  return {
    deployment: {
      id: executionNameFor(input.changeId, input.attempt),
      startTime: input.startTime,
      endTime: input.endTime,
      duration: formatDuration(elapsedMs(input.startTime, input.endTime)),
      status: input.status,
      operator: input.operator,
    },
    summary: {
      overall_status: overallStatus(input),
      critical_issues: input.issues.filter((i) => i.severity === 'CRITICAL').length,
      performance_status: performanceStatus(input.tests),
      test_results: { total: input.tests.length, passed, failed: input.tests.length - passed },
    },
    metrics: {
      pre_deployment: input.metricsBefore ?? null,
      post_deployment: input.metricsAfter ?? null,
      comparison: compareMetrics(input.metricsBefore, input.metricsAfter),
      ...(input.metricsAfterRollback ? { after_rollback: input.metricsAfterRollback } : {}),
    },
    tests: {
      smoke_tests: input.tests.filter((t) => t.type === 'smoke'),
      regression_tests: input.tests.filter((t) => t.type === 'regression'),
      performance_tests: input.tests.filter((t) => t.type === 'performance'),
    },
    issues: input.issues,
    rollback: {
      // MANUAL_INTERVENTION also ran a rollback (it failed), so the flag is not just status === ROLLED_BACK as in the seed.
      executed: input.rollback.executed || input.status === 'ROLLED_BACK',
      reason: input.rollback.reason ?? null,
      duration: input.rollback.durationMs !== undefined ? formatDuration(input.rollback.durationMs) : null,
    },
    recommendations: generateRecommendations({ p95Ms: latest?.p95Ms, errorRate: latest?.errorRate, tests: input.tests, regressionChecksDeclared: input.regressionChecksDeclared }),
  };
}

/** Width of the seed's ===== rule lines. */
export const QC_RULE = '='.repeat(44);

const UNKNOWN = 'Unknown';
const text = (value: string | undefined): string => (value && value.trim() ? value.trim() : UNKNOWN);
// The Markdown's numbers, rounded for people (the JSON report keeps them exact).
const ms = (n: number | null): string | null => (n === null ? null : String(Math.round(n)));
const rate = (fraction: number | null): string | null => (fraction === null ? null : `${Number((fraction * 100).toFixed(2))}%`);
const pct = (n: number | null): string | null => (n === null ? null : `${Number(n.toFixed(1))}%`);

const errorRatePercent = (fraction: number): string => `${Number((fraction * 100).toFixed(2))}%`;

/**
 * The seed's generate12LineQCSummary, line for line. "12-line" counts the twelve text lines
 * (title, Deployment ID … Response Time P95, Overall); the two ===== rule lines frame them, so the
 * string has 14 lines. Differences from the seed, each deliberate:
 * - the timestamp is the report's end time, not `new Date()`, so a stored summary can be regenerated;
 * - a measured 0 prints as 0 (the seed's `||` turned 0 % errors into "Unknown");
 * - an unknown error rate or p95 prints "Unknown" without the unit (the seed printed "Unknown%", "Unknownms");
 * - the error rate is a percent (0.004 → 0.4%), which the seed's label promised but its value did not give.
 */
export function qcSummary(input: ReportInput, report: DeploymentReport = buildReport(input)): string {
  const smoke = report.tests.smoke_tests;
  const latest = latestMetrics(input);
  return [
    `${input.system} Deployment Report - ${report.deployment.endTime}`,
    QC_RULE,
    `Deployment ID: ${report.deployment.id}`,
    `Status: ${report.deployment.status} (Duration: ${report.deployment.duration})`,
    `Smoke Tests: ${smoke.filter((t) => t.status === 'PASS').length}/${smoke.length} passed`,
    `Performance: ${report.summary.performance_status}`,
    `Critical Issues: ${report.summary.critical_issues}`,
    `API Health: ${text(input.health.api)}`,
    `Database: ${text(input.health.database)}`,
    `Cache: ${text(input.health.cache)}`,
    `Error Rate: ${latest?.errorRate !== undefined ? errorRatePercent(latest.errorRate) : UNKNOWN}`,
    `Response Time P95: ${latest?.p95Ms !== undefined ? `${Math.round(latest.p95Ms)}ms` : UNKNOWN}`,
    QC_RULE,
    `Overall: ${report.summary.overall_status}`,
  ].join('\n');
}

// Table cells must stay on one line and must not end the cell early.
const cell = (value: unknown): string => (value === null || value === undefined || value === '' ? '—' : String(value)).replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
const table = (head: string[], rows: unknown[][]): string =>
  [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');

/** Readable Markdown for the change record, a file or a ticket: the QC summary first, then one section per report key. */
export function reportToMarkdown(report: DeploymentReport, qc: string): string {
  const d = report.deployment;
  const s = report.summary;
  const c = report.metrics.comparison;
  const pre = report.metrics.pre_deployment;
  const post = report.metrics.post_deployment;
  const tests = [...report.tests.smoke_tests, ...report.tests.regression_tests, ...report.tests.performance_tests];
  const out: string[] = [
    `# Deployment report ${d.id}`,
    '',
    '```text',
    qc,
    '```',
    '',
    '## Deployment',
    '',
    table(['Field', 'Value'], [
      ['ID', d.id], ['Status', d.status], ['Start', d.startTime], ['End', d.endTime], ['Duration', d.duration], ['Operator', d.operator],
    ]),
    '',
    '## Summary',
    '',
    table(['Overall', 'Critical issues', 'Performance', 'Tests passed', 'Tests failed'], [
      [s.overall_status, s.critical_issues, s.performance_status, `${s.test_results.passed}/${s.test_results.total}`, s.test_results.failed],
    ]),
    '',
    '## Metrics',
    '',
    table(['Metric', 'Before', 'After', 'Change', 'Change %'], [
      ['p95 (ms)', ms(c.p95Ms.before), ms(c.p95Ms.after), ms(c.p95Ms.delta), pct(c.p95Ms.percentChange)],
      ['Error rate', rate(c.errorRate.before), rate(c.errorRate.after), rate(c.errorRate.delta), pct(c.errorRate.percentChange)],
      ['Requests', pre?.requests, post?.requests, null, null],
    ]),
    ...(report.metrics.after_rollback ? [
      '',
      `After the rollback: p95 ${cell(report.metrics.after_rollback.p95Ms)} ms, error rate ${cell(report.metrics.after_rollback.errorRate)}, ${report.metrics.after_rollback.requests} requests over ${report.metrics.after_rollback.windowSeconds} s.`,
    ] : []),
    '',
    '## Tests',
    '',
    tests.length
      ? table(['Type', 'Name', 'Status', 'Duration (ms)', 'Details'], tests.map((t) => [t.type, t.name, t.status, t.durationMs, t.error ?? t.details]))
      : 'No tests were run.',
    '',
    '## Issues',
    '',
    report.issues.length
      ? table(['Severity', 'Phase', 'Message'], report.issues.map((i) => [i.severity, i.phase, i.message]))
      : 'No issues.',
    '',
    '## Rollback',
    '',
    report.rollback.executed
      ? `Executed${report.rollback.duration ? ` in ${report.rollback.duration}` : ''}. Reason: ${report.rollback.reason ?? 'not recorded'}.`
      : 'Not executed.',
    '',
    '## Recommendations',
    '',
    report.recommendations.length
      ? table(['Type', 'Priority', 'Description'], report.recommendations.map((r) => [r.type, r.priority, r.description]))
      : 'None.',
    '',
  ];
  return out.join('\n');
}
