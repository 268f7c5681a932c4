// PLAN: risk report, approvals by role (recorded only through the approvals route), the change
// window, and a refusal to start while a rollback alarm is already in ALARM.
import { evaluateApprovals } from '../core/approvals';
import { AlarmActive, AlarmMissing, AlarmNoData } from '../core/errors';
import { callbackKey, cancelCause } from '../core/records';
import type { RiskAssessment } from '../core/risk';
import { probeRunFor } from '../core/active-probe';
import { evaluationRangeLength } from '../core/alarm-evaluator';
import type { EnvironmentProfile } from '../core/schemas';
import type { Deps } from '../ports';
import { notYetEvaluated } from './alarm-watch';
import { loadChange, recordEvent, rollbackAlarmStates, transition } from './common';

export async function assessRiskStep(deps: Deps, changeId: string): Promise<{ level: RiskAssessment['level']; score: number; requiredApprovals: string[] }> {
  const change = await loadChange(deps, changeId);
  await recordEvent(deps, change, {
    type: 'plan.risk-assessed', phase: 'PLAN',
    message: `risk ${change.risk.level} (score ${change.risk.score}); approvals required: ${change.requiredApprovals.join(', ')}`,
    data: { risk: change.risk, requiredApprovals: change.requiredApprovals },
  });
  return { level: change.risk.level, score: change.risk.score, requiredApprovals: change.requiredApprovals };
}

/**
 * Parks the approval token. Approvals given before the token was parked count: if the quorum is
 * already there (or a reject), the token is completed here and now.
 */
export async function awaitApprovals(deps: Deps, changeId: string, attempt: number, taskToken: string): Promise<void> {
  const before = await loadChange(deps, changeId);
  const change = await transition(deps, changeId, {
    status: 'AWAITING_APPROVAL', phase: 'PLAN', message: `waiting for approvals: ${before.requiredApprovals.join(', ')}`,
  }, before);
  await deps.store.putCallback({ key: callbackKey('approval', changeId, attempt), kind: 'approval', changeId, attempt, token: taskToken, createdAt: deps.clock.now().toISOString() });
  if (change.cancelRequest) {
    await deps.callbacks.sendTaskFailure(taskToken, 'ChangeCancelled', cancelCause(change.cancelRequest));
    return;
  }
  const verdict = evaluateApprovals({ required: change.requiredApprovals, approvals: await deps.store.listApprovals(changeId, attempt) });
  if (verdict.state === 'approved') {
    await deps.callbacks.sendTaskSuccess(taskToken, { approved: true });
    return;
  }
  if (verdict.state === 'rejected') {
    // Stryker disable next-line OptionalChaining,StringLiteral: evaluateApprovals sets rejectedBy whenever the state is rejected, so the optional read and its fallback are never taken
    await deps.callbacks.sendTaskFailure(taskToken, 'ChangeRejected', `rejected by ${verdict.rejectedBy?.approver ?? 'an approver'}`);
    return;
  }
  await deps.notifier.notify({
    kind: 'approval-needed', severity: 'info', changeId, status: 'AWAITING_APPROVAL',
    title: `Approval needed: ${changeId} ${change.title}`,
    text: `Risk ${change.risk.level}. Missing approvals: ${verdict.missing.join(', ')}.`,
  });
}

/** What the state machine decides on after the change-window Wait. */
export interface ScheduleResult {
  /** The system-health pre-flight runs again before ACT: its result would be older than the profile allows by then. */
  recheckHealth: boolean;
  /** Minutes from the pre-flight checks to the change window opening (or now, if it is already open). */
  minutesSincePreflight: number;
}

export async function scheduleStep(deps: Deps, changeId: string, attempt?: number): Promise<ScheduleResult> {
  const change = await loadChange(deps, changeId);
  const at = attempt ?? change.attempt;
  const now = deps.clock.now().getTime();
  const events = await deps.store.listEvents(changeId);
  const checked = [...events].reverse().find((e) => e.attempt === at && (e.type === 'preflight.passed' || e.type === 'attempt.started'));
  const preflightAt = checked ? Date.parse(checked.at) : now;
  const windowOpens = Math.max(now, Date.parse(change.request.timeline.planned_start));
  const minutesSincePreflight = Math.round((windowOpens - preflightAt) / 6000) / 10;
  const limit = change.profile.preflightRecheckAfterMinutes;
  const recheckHealth = windowOpens - preflightAt >= limit * 60_000;
  await transition(deps, changeId, {
    status: 'SCHEDULED', phase: 'PLAN',
    message: `approved; change window opens ${change.request.timeline.planned_start}${recheckHealth ? `; system health will be checked again before ACT (${minutesSincePreflight} min since pre-flight, limit ${limit} min)` : ''}`,
    data: { recheckHealth, minutesSincePreflight, preflightRecheckAfterMinutes: limit },
  }, change);
  return { recheckHealth, minutesSincePreflight };
}

/**
 * The whole alarm check stays within this: the probe's warm-up (at most 100 s on AWS) and then a verdict, which a
 * standard-resolution CloudWatch alarm gives once a period (60 s). The plan function has 300 s (lib/functions.ts),
 * the Plan Check Alarms task 310 s (statemachines/runbook.asl.json).
 */
export const CHECK_ALARMS_BUDGET_SECONDS = 270;

export async function checkAlarms(deps: Deps, changeId: string, attempt?: number): Promise<void> {
  const checkStartedAt = deps.clock.now().getTime();
  const change = await loadChange(deps, changeId);
  const at = attempt ?? change.attempt;
  const states = await rollbackAlarmStates(deps, change.environment);
  const missing = states.filter((s) => s.missing);
  if (missing.length > 0) {
    throw new AlarmMissing(`rollback alarm missing: ${missing.map((m) => m.name).join(', ')} — nothing would roll the change back`);
  }
  // An alarm whose metric gets no data sits in OK (or ALARM) forever: silence is not health.
  const lookback = change.profile.monitoring.recentDataSeconds;
  // On AWS with the built-in probe nothing publishes before this: the probe starts here (before ACT, after the change
  // window's Wait, so a change waiting days for its window is not probed meanwhile), and its first datapoints are
  // waited for within the port's bound. With source: cloudwatch the user's metrics are read as they are.
  // Stryker disable next-line ConditionalExpression: probing is only ever read together with deps.activeProbe (for the type), so without the port it does nothing either way
  const probing = change.profile.monitoring.source === 'probe' && deps.activeProbe !== undefined;
  if (probing && deps.activeProbe) {
    const { scheduleName } = await deps.activeProbe.start(probeRunFor(change.id, at, change.profile, deps.clock.now()));
    await recordEvent(deps, change, { type: 'plan.probe-started', phase: 'PLAN', message: `active probe started (schedule ${scheduleName}); waiting up to ${deps.activeProbe.warmup.seconds} s for its first datapoints`, data: { scheduleName } }, at);
  }
  const names = states.map((s) => s.name);
  let recency = await deps.alarms.newestDatapoints(names, lookback);
  if (probing && deps.activeProbe) {
    const { seconds, pollMs } = deps.activeProbe.warmup;
    const deadline = deps.clock.now().getTime() + seconds * 1000;
    while (recency.some((r) => r.newestAt === undefined) && deps.clock.now().getTime() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, pollMs));
      recency = await deps.alarms.newestDatapoints(names, lookback);
    }
  }
  const blind = recency.filter((r) => r.newestAt === undefined);
  if (blind.length > 0) {
    throw new AlarmNoData(`rollback alarm${blind.length === 1 ? '' : 's'} ${blind.map((b) => b.name).join(', ')}: no datapoint in the last ${lookback} s — nothing would be watching the change (does anything publish the metrics?)`);
  }
  // The states read now, once the metrics have data, and each one a verdict on that data: an alarm that has not
  // evaluated yet (a probe that has just started has not observed its evaluation periods) is neither clear nor firing.
  const { seconds: verdictSeconds, pollMs } = verdictWait(change.profile.monitoring);
  const verdictFrom = deps.clock.now().getTime();
  const verdictBy = Math.min(verdictFrom + verdictSeconds * 1000, checkStartedAt + CHECK_ALARMS_BUDGET_SECONDS * 1000);
  // INSUFFICIENT_DATA with data flowing is no verdict either when the window would count it as breaching: on AWS the
  // rollback alarms treat missing data as missing (lib/monitoring.ts), so between changes, with no probe running,
  // they sit in INSUFFICIENT_DATA until the first evaluation on the probe's data turns them OK (or ALARM).
  const noVerdict = (s: { state: string; reason: string }): boolean =>
    notYetEvaluated(s) || (s.state === 'INSUFFICIENT_DATA' && change.profile.monitoring.missingData === 'breaching');
  let current = await rollbackAlarmStates(deps, change.environment);
  // An alarm already firing is a verdict for the whole check: no need to wait for the others.
  while (current.some(noVerdict) && !current.some((s) => s.state === 'ALARM') && deps.clock.now().getTime() < verdictBy) {
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    current = await rollbackAlarmStates(deps, change.environment);
  }
  const firing = current.filter((s) => s.state === 'ALARM');
  if (firing.length > 0) {
    throw new AlarmActive(`rollback alarm already in ALARM: ${firing.map((f) => `${f.name} (${f.reason})`).join('; ')}`);
  }
  const unevaluated = current.filter(noVerdict);
  if (unevaluated.length > 0) {
    throw new AlarmNoData(`rollback alarm${unevaluated.length === 1 ? '' : 's'} ${unevaluated.map((u) => u.name).join(', ')}: not evaluated within ${Math.round((deps.clock.now().getTime() - verdictFrom) / 100) / 10} s though the metrics have data — no verdict to start ACT on`);
  }
  await recordEvent(deps, change, { type: 'plan.alarms-clear', phase: 'PLAN', message: 'rollback alarms clear and fed with recent data; starting ACT', data: { alarms: current, newestDatapoints: recency, verdictWaitMs: deps.clock.now().getTime() - verdictFrom } });
}

/**
 * How long PLAN waits for an alarm's first verdict: twice its evaluation range (periods a new probe may need to observe
 * before N of them count), at least 10 s, at most 150 s (a 60-s CloudWatch alarm evaluates once a minute; the whole
 * check has CHECK_ALARMS_BUDGET_SECONDS), read every quarter period.
 */
export function verdictWait(monitoring: Pick<EnvironmentProfile['monitoring'], 'periodSeconds' | 'evaluationPeriods'>): { seconds: number; pollMs: number } {
  const range = evaluationRangeLength(monitoring) * monitoring.periodSeconds;
  return { seconds: Math.min(150, Math.max(10, 2 * range)), pollMs: Math.min(1000, Math.max(50, monitoring.periodSeconds * 250)) };
}
