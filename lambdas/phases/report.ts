// REPORT: every way an attempt ends (completed, rolled back, manual intervention, stopped at pre-flight,
// ended in PLAN) builds the seed's report and QC summary from the change's events, stores them with the
// change, sets the final status, releases the environment lock when the change is over, and notifies.
import { buildReport, qcSummary, type ReportInput, type ReportIssue, type ReportStatus, type ReportTest } from '../core/report';
import { cancelCause, FINAL_STATUSES, type ChangeEvent, type ChangeRecord, type ChangeStatus, type CommandRecord } from '../core/records';
import type { Deps, LoadResult, MetricsSnapshot, NotificationKind, SmokeResult } from '../ports';
import { metricsWindowSeconds } from './act';
import { recordSummary, type RecordSummary } from './audit';
import { loadChange, recordEvent, transition } from './common';
import { lastLineJson } from './events';
import { preflightWarnings } from './preflight';
import type { Failure } from './rollback';

export type Outcome = 'completed' | 'rolled-back' | 'manual-intervention' | 'preflight-failed' | 'plan-ended';

interface Verdict {
  status: ChangeStatus;
  reportStatus: ReportStatus;
  releaseLock: boolean;
  kind: NotificationKind;
  severity: 'info' | 'warning' | 'critical';
  attemptsExhausted: boolean;
}

const describe = (f: Failure | undefined): string | undefined => (f ? `${f.Error}: ${f.Cause ?? ''}`.trim() : undefined);

/** How PLAN ended, from the error that ended it. */
export function planEndStatus(failure: Failure | undefined): ChangeStatus {
  switch (failure?.Error) {
    case 'ChangeRejected': return 'REJECTED';
    case 'ChangeCancelled':
    case 'States.Timeout': return 'CANCELLED';
    case 'AlarmActive':
    case 'AlarmMissing':
    case 'AlarmNoData': return 'BLOCKED';
    default: return 'FAILED';
  }
}

export function verdictFor(outcome: Outcome, change: ChangeRecord, attempt: number, failure: Failure | undefined): Verdict {
  switch (outcome) {
    case 'completed':
      return { status: 'COMPLETED', reportStatus: 'SUCCESS', releaseLock: true, kind: 'completed', severity: 'info', attemptsExhausted: false };
    case 'rolled-back': {
      // Rolled back because an operator cancelled it: over, not back in PLAN.
      if (change.cancelRequest) {
        return { status: 'CANCELLED', reportStatus: 'ROLLED_BACK', releaseLock: true, kind: 'ended', severity: 'warning', attemptsExhausted: false };
      }
      const exhausted = attempt >= change.maxAttempts;
      // Back in PLAN, the change keeps its environment: the next attempt needs it.
      return { status: exhausted ? 'FAILED' : 'ROLLED_BACK', reportStatus: 'ROLLED_BACK', releaseLock: exhausted, kind: 'rolled-back', severity: 'warning', attemptsExhausted: exhausted };
    }
    case 'manual-intervention':
      // The environment is in an unknown state: nothing else may start on it until an operator clears it.
      return { status: 'MANUAL_INTERVENTION', reportStatus: 'MANUAL_INTERVENTION', releaseLock: false, kind: 'manual-intervention', severity: 'critical', attemptsExhausted: false };
    case 'preflight-failed':
      return { status: 'PREFLIGHT_FAILED', reportStatus: 'PREFLIGHT_FAILED', releaseLock: true, kind: 'preflight-failed', severity: 'warning', attemptsExhausted: false };
    case 'plan-ended': {
      const status = planEndStatus(failure);
      const reportStatus: ReportStatus = status === 'REJECTED' || status === 'CANCELLED' || status === 'BLOCKED' ? status : 'FAILED';
      return { status, reportStatus, releaseLock: true, kind: status === 'REJECTED' ? 'rejected' : 'ended', severity: 'warning', attemptsExhausted: false };
    }
  }
}

const dataOf = <T>(e: ChangeEvent | undefined, key: string): T | undefined => (e?.data?.[key] as T | undefined);
const last = (events: ChangeEvent[], type: string): ChangeEvent | undefined => [...events].reverse().find((e) => e.type === type);

function endpointHealth(endpoints: Record<string, string> | undefined, scheme: string): string {
  if (!endpoints) return 'Unknown';
  const hit = Object.entries(endpoints).find(([url]) => url.startsWith(scheme));
  return hit ? hit[1] : 'Not configured';
}

/** The health check's first URL split for the tester: the service's origin and the path to GET. */
function healthTarget(change: ChangeRecord): { baseUrl: string; path: string } | undefined {
  const url = change.profile.healthCheck.urls[0];
  if (!url) return undefined;
  const u = new URL(url);
  return { baseUrl: u.origin, path: `${u.pathname}${u.search}` };
}

/**
 * API health as it is now, when the report is written (after a failed rollback the service may be dead, whatever
 * the last health-check step said). Undefined when nothing here can check it (the AWS report function runs no HTTP
 * tester): the report then falls back to the attempt's last health-check step, saying so.
 */
export async function apiHealthNow(deps: Pick<Deps, 'tester'>, change: ChangeRecord): Promise<string | undefined> {
  const target = healthTarget(change);
  if (!target) return undefined;
  let result: SmokeResult | undefined;
  try {
    [result] = await deps.tester.smoke(target.baseUrl, [{ name: 'API health at report time', method: 'GET', path: target.path, expectedStatus: 200, suite: 'api-endpoint', login: false }]);
  } catch {
    return undefined;
  }
  if (!result) return undefined;
  return result.status === 'PASS' ? 'HEALTHY' : `UNHEALTHY (${result.httpStatus !== undefined ? `HTTP ${result.httpStatus}` : result.error ?? result.details ?? 'no answer'})`;
}

/** The step that checks, when the report is written, what the report says about the service, database and cache. */
export const REPORT_HEALTH_STEP = 'report-health';

export interface HealthNow {
  api?: string;
  database?: string;
  cache?: string;
}

/** The URLs each report health line is about: the health check's, and the postgres and redis dependencies and endpoints. */
function healthUrls(change: ChangeRecord): { api: string[]; database: string[]; cache: string[] } {
  const p = change.profile;
  const urls = [...p.endpoints, ...p.dependencies.map((d) => d.url)];
  return {
    api: p.healthCheck.urls,
    database: [...new Set(urls.filter((u) => u.startsWith('postgresql://')))],
    cache: [...new Set(urls.filter((u) => u.startsWith('redis://')))],
  };
}

/** HEALTHY when every URL answered, else UNHEALTHY naming the ones that did not; which check ran is said either way. */
function healthLine(urls: string[], endpoints: Record<string, string>, checks: Record<string, string>): string | undefined {
  if (urls.length === 0) return undefined;
  if (urls.some((u) => endpoints[u] === undefined)) return undefined;
  const how = [...new Set(urls.map((u) => checks[u] ?? 'unknown'))].join(', ');
  const down = urls.filter((u) => endpoints[u] !== 'REACHABLE');
  return down.length === 0 ? `HEALTHY (${how} at report)` : `UNHEALTHY (${down.map((u) => `${u} ${endpoints[u]}`).join(', ')}; ${how} at report)`;
}

/**
 * API health, database and cache as they are when the report is written, through the same Dependencies document as
 * pre-flight, on the profile's targets (after a failed rollback the service or the database may be dead, whatever the
 * last step said). Every URL goes in WarnEndpoints: the command reports each one and never fails for one. Empty lines
 * where it could not run (the reason is logged; the report then says what it falls back to).
 */
export async function healthNow(deps: Pick<Deps, 'hosts' | 'store' | 'clock' | 'log'>, change: ChangeRecord, attempt: number, options: { pollIntervalMs?: number; waitSeconds?: number } = {}): Promise<HealthNow> {
  const urls = healthUrls(change);
  const all = [...new Set([...urls.api, ...urls.database, ...urls.cache])];
  if (all.length === 0) return {};
  const step = { name: REPORT_HEALTH_STEP, document: 'runbook-Dependencies', timeoutSeconds: 30, parameters: { Endpoints: '', WarnEndpoints: all.join(','), TimeoutSeconds: '5' } };
  try {
    const { commandId } = await deps.hosts.send({ changeId: change.id, attempt, step, targets: change.profile.targets, comment: `${change.id} report health` });
    // Recorded (without a token) so the command-status handler knows it and keeps its output with the change.
    await deps.store.putCommand({
      commandId, changeId: change.id, attempt, phase: 'REPORT', stepName: step.name, document: step.document,
      parameters: step.parameters, status: 'InProgress', requestedAt: deps.clock.now().toISOString(),
    });
    // Bounded well inside the REPORT function's own timeout; the check's connect timeouts are 5 s each.
    const deadline = Date.now() + (options.waitSeconds ?? 40) * 1000;
    for (;;) {
      const outcome = await deps.hosts.outcome(commandId);
      if (outcome.status !== 'InProgress') {
        const result = lastLineJson(outcome.stdout);
        const endpoints = (result?.endpoints ?? {}) as Record<string, string>;
        const checks = (result?.checks ?? {}) as Record<string, string>;
        const line = (list: string[]): string | undefined => healthLine(list, endpoints, checks);
        const out: HealthNow = {};
        const api = line(urls.api);
        const database = line(urls.database);
        const cache = line(urls.cache);
        if (api) out.api = api;
        if (database) out.database = database;
        if (cache) out.cache = cache;
        if (!result) deps.log.warn('report health check gave no result', { changeId: change.id, status: outcome.status, ...(outcome.truncated ? { truncated: outcome.truncated.note } : {}) });
        return out;
      }
      if (Date.now() > deadline) {
        deps.log.warn('report health check did not finish in time', { changeId: change.id, commandId });
        return {};
      }
      await new Promise((r) => setTimeout(r, options.pollIntervalMs ?? 250));
    }
  } catch (err) {
    deps.log.warn('report health check could not run', { changeId: change.id, error: (err as Error).message });
    return {};
  }
}

function asOfPreflight(value: string, check: CommandRecord | undefined): string {
  if (value === 'Unknown' || value === 'Not configured' || !check) return value;
  return `${value} (at pre-flight ${(check.finishedAt ?? check.requestedAt).slice(11, 19)}Z)`;
}

/** Everything the report says is read back from what the attempt recorded, and the API's health as checked now. */
export function reportInputFrom(input: {
  change: ChangeRecord; attempt: number; verdict: Verdict; events: ChangeEvent[]; commands: CommandRecord[];
  failure?: Failure; rollbackFailure?: Failure; metricsAfter?: MetricsSnapshot; now: string;
  /** From apiHealthNow; absent when it could not be checked at report time. */
  apiHealthNow?: string;
  /** From healthNow: the report-time checks through the Dependencies document (they win over apiHealthNow). */
  healthNow?: HealthNow;
}): ReportInput {
  const { change, events, commands } = input;
  const tests: ReportTest[] = [];
  // Smoke tests first, then the regression checks: each list's results as its TEST event recorded them.
  for (const type of ['smoke', 'regression'] as const) {
    for (const e of events.filter((ev) => ev.type === `test.${type}`)) {
      for (const r of dataOf<SmokeResult[]>(e, 'results') ?? []) {
        tests.push({ type, name: r.name, status: r.status, durationMs: r.durationMs, ...(r.details ? { details: r.details } : {}), ...(r.error ? { error: r.error } : {}) });
      }
    }
  }
  const perf = last(events, 'test.performance');
  const load = dataOf<LoadResult>(perf, 'result');
  if (perf && load) {
    tests.push({
      type: 'performance', name: `Load test (${change.profile.tests.performance.virtualUsers} VUs)`,
      status: dataOf<boolean>(perf, 'pass') ? 'PASS' : 'FAIL', durationMs: Math.round(load.durationSeconds * 1000),
      details: `p95 ${load.p95Ms} ms, error rate ${(load.errorRate * 100).toFixed(2)} %, ${load.requests} requests`
        + `${load.thinkTimeSeconds ? `, think time ${load.thinkTimeSeconds} s` : ''}${load.checksFailed ? `, ${load.checksFailed} failed checks` : ''}${load.loginsFailed ? `, ${load.loginsFailed} logins without a token` : ''}`,
    });
  }

  const issues: ReportIssue[] = [];
  const rolledBack = input.verdict.reportStatus === 'ROLLED_BACK' || input.verdict.reportStatus === 'MANUAL_INTERVENTION';
  // An alarm is one issue, however often it fired, and the failure it caused is that same issue.
  const alarms = new Set<string>();
  for (const e of events.filter((ev) => ev.type === 'alarm.triggered')) {
    const name = String(e.data?.alarmName ?? e.message);
    if (alarms.has(name)) continue;
    alarms.add(name);
    issues.push({ severity: 'CRITICAL', phase: 'ACT', message: e.message });
  }
  const failureIsAnAlarm = input.failure?.Error === 'AlarmTriggered' && [...alarms].some((a) => input.failure?.Cause?.startsWith(`${a}:`));
  if (input.failure && input.verdict.reportStatus !== 'SUCCESS' && !failureIsAnAlarm) {
    issues.push({ severity: rolledBack ? 'CRITICAL' : 'HIGH', phase: input.failure.Error === 'PreflightCheckFailed' || input.verdict.status === 'PREFLIGHT_FAILED' ? 'PREFLIGHT' : rolledBack ? 'ACT' : 'PLAN', message: describe(input.failure) ?? '' });
  }
  if (input.rollbackFailure) issues.push({ severity: 'CRITICAL', phase: 'ROLLBACK', message: `rollback failed: ${describe(input.rollbackFailure)}` });
  for (const message of preflightWarnings(events, commands)) issues.push({ severity: 'MEDIUM', phase: 'PREFLIGHT', message });

  const releaseMetrics = dataOf<MetricsSnapshot>(last(events, 'metrics.release'), 'metrics');
  const started = last(events, 'attempt.started');
  const rollbackStarted = last(events, 'rollback.started');
  const submitted = events.find((e) => e.type === 'change.submitted');
  const dependencies = commands.filter((c) => c.document === 'runbook-Dependencies' && c.stepName !== REPORT_HEALTH_STEP).pop();
  const healthChecks = commands.filter((c) => c.document === 'runbook-HealthCheck');
  const lastHealth = healthChecks[healthChecks.length - 1];
  const endpoints = dependencies?.result?.endpoints as Record<string, string> | undefined;

  return {
    changeId: change.id,
    system: change.profile.system,
    attempt: input.attempt,
    status: input.verdict.reportStatus,
    startTime: started?.at ?? change.createdAt,
    endTime: input.now,
    operator: submitted?.actor ?? change.requester,
    metricsBefore: dataOf<MetricsSnapshot>(last(events, 'metrics.before'), 'metrics'),
    // The release as it measured while live; the end-of-attempt snapshot when it never went live.
    metricsAfter: releaseMetrics ?? input.metricsAfter,
    ...(rolledBack && releaseMetrics && input.metricsAfter ? { metricsAfterRollback: input.metricsAfter } : {}),
    tests,
    issues,
    rollback: {
      executed: rolledBack,
      ...(rolledBack && input.failure ? { reason: describe(input.failure) as string } : {}),
      ...(rolledBack && rollbackStarted ? { durationMs: Date.parse(input.now) - Date.parse(rollbackStarted.at) } : {}),
    },
    health: {
      api: input.healthNow?.api ?? input.apiHealthNow
        ?? (lastHealth ? `${lastHealth.status === 'Success' ? 'HEALTHY' : `UNHEALTHY (${lastHealth.status})`} (last health-check step; not re-checked at report)` : 'Unknown'),
      // Checked from the hosts when the report is written (healthNow); else what pre-flight saw, saying so.
      database: input.healthNow?.database ?? asOfPreflight(endpointHealth(endpoints, 'postgresql://'), dependencies),
      cache: input.healthNow?.cache ?? asOfPreflight(endpointHealth(endpoints, 'redis://'), dependencies),
    },
    regressionChecksDeclared: change.profile.tests.regression.length,
  };
}

export interface EndAttemptOptions {
  /**
   * Checks the service, database and cache as the report is written (healthNow). Given by the REPORT function, which
   * may send host commands; the cancel route and the unfinished-executions rule end attempts without it, and their
   * report then says what its values are as of (the last health-check step, pre-flight).
   */
  healthNow?: (change: ChangeRecord, attempt: number) => Promise<HealthNow>;
}

export async function endAttempt(
  deps: Deps,
  input: { changeId: string; attempt: number; outcome: Outcome; failure?: Failure; rollbackFailure?: Failure },
  options: EndAttemptOptions = {},
): Promise<{ status: ChangeStatus; attemptsExhausted: boolean }> {
  const change = await loadChange(deps, input.changeId);
  // Already ended (a cancel ended it while this execution was on its way here): one report, one notification.
  if ((FINAL_STATUSES as readonly string[]).includes(change.status)) return { status: change.status, attemptsExhausted: false };
  const verdict = verdictFor(input.outcome, change, input.attempt, input.failure);
  if (input.outcome === 'completed') {
    await transition(deps, change.id, { status: 'REPORTING', phase: 'REPORT', message: 'REPORT: writing the report' }, change);
  }
  const touched = input.outcome === 'completed' || input.outcome === 'rolled-back' || input.outcome === 'manual-intervention';
  const m = change.profile.monitoring;
  const metricsAfter = touched ? await deps.metrics.snapshot(metricsWindowSeconds(m.periodSeconds, m.evaluationPeriods)) : undefined;
  const events = (await deps.store.listEvents(change.id)).filter((e) => e.attempt === input.attempt || e.type === 'change.submitted');
  const commands = await deps.store.listCommands(change.id, input.attempt);
  // From ACT on the hosts may have changed: the service, database and cache are checked again as the report is written.
  const health = touched && options.healthNow ? await options.healthNow(change, input.attempt) : {};
  const apiHealth = touched && !health.api ? await apiHealthNow(deps, change) : undefined;
  const now = deps.clock.now().toISOString();
  const reportInput = reportInputFrom({
    change, attempt: input.attempt, verdict, events, commands, now, healthNow: health,
    ...(apiHealth ? { apiHealthNow: apiHealth } : {}),
    ...(input.failure ? { failure: input.failure } : {}),
    ...(input.rollbackFailure ? { rollbackFailure: input.rollbackFailure } : {}),
    ...(metricsAfter ? { metricsAfter } : {}),
  });
  const report = buildReport(reportInput);
  const qc = qcSummary(reportInput, report);
  // The record's head as the report is written goes with the report and the notification: a copy kept elsewhere
  // proves the record up to there later (`runbook audit ID --expect <head>`). It is read before the final status is
  // set, so the change does not show its final status any longer before its execution ends.
  const record = await recordSummary(deps, change.id);
  await deps.store.putReport({ changeId: change.id, attempt: input.attempt, outcome: verdict.status, createdAt: now, report, qcSummary: qc, record });
  await stopActiveProbe(deps, change, input.attempt);

  const reason = verdict.status === 'CANCELLED' && change.cancelRequest ? cancelCause(change.cancelRequest) : describe(input.rollbackFailure) ?? describe(input.failure);
  await transition(deps, change.id, {
    status: verdict.status,
    phase: verdict.status === 'ROLLED_BACK' ? 'PLAN' : 'REPORT',
    type: 'report.stored',
    message: `${verdict.status}: report stored${reason ? ` (${reason})` : ''}${verdict.attemptsExhausted ? `; attempts exhausted (${input.attempt}/${change.maxAttempts})` : ''}`,
    ...(reason ? { reason } : {}),
    data: { outcome: input.outcome, attempt: input.attempt, attemptsExhausted: verdict.attemptsExhausted },
  });
  if (verdict.releaseLock) await deps.store.releaseLock(change.environment, change.id);
  await deps.notifier.notify({
    kind: verdict.kind, severity: verdict.severity, changeId: change.id, status: verdict.status,
    title: `${verdict.status}: ${change.id} ${change.title}`, text: `${qc}\n${recordLine(record)}`,
    durationMs: Date.parse(reportInput.endTime) - Date.parse(reportInput.startTime), operator: reportInput.operator,
  });
  return { status: verdict.status, attemptsExhausted: verdict.attemptsExhausted };
}

/**
 * The attempt no longer needs watching once its report is written (every way it ends comes here: REPORT, the
 * execution-status function, a cancel). A delete that fails does not fail the report: the schedule ends by itself at
 * its EndDate, and that is said in the log and the record.
 */
async function stopActiveProbe(deps: Deps, change: ChangeRecord, attempt: number): Promise<void> {
  if (!deps.activeProbe || change.profile.monitoring.source !== 'probe') return;
  try {
    const { stopped } = await deps.activeProbe.stop(change.id, attempt);
    if (stopped) await recordEvent(deps, change, { type: 'report.probe-stopped', phase: 'REPORT', message: 'active probe stopped' }, attempt);
  } catch (err) {
    deps.log.error('stopping the active probe failed; its schedule ends by itself at its end date', { changeId: change.id, attempt, error: (err as Error).message });
  }
}

/** One line for people and for whoever keeps the head elsewhere: `runbook audit ID --expect <head>` checks it later. */
export function recordLine(record: RecordSummary): string {
  return record.verified
    ? `Record: ${record.events} events, head sha256 ${record.headHash} (event #${record.headSeq})`
    : `Record: DOES NOT VERIFY — ${record.failure}`;
}
