// ACT: the profile's host-command steps, then the monitoring window, in which a rollback alarm fails
// the parked watch token at once and a timer closes it when the window passes quietly.
import { AlarmTriggered, ChangeCancelled, MonitorNotArmed, StepRefused } from '../core/errors';
import { releaseLiveAt } from '../core/detection';
import { callbackKey, cancelCause, type ChangeRecord, type ChangeStatus } from '../core/records';
import type { Deps } from '../ports';
import { alarmRollbackCause, breachingInWindow, pendingAlarmRollback, readRollbackAlarms } from './alarm-watch';
import { loadChange, recordEvent, resolveSteps, sendCommandForTask, transition, type ResolvedStep } from './common';

/** Samples over this many seconds make the "before" and "after" metrics of the report. */
export function metricsWindowSeconds(periodSeconds: number, evaluationPeriods: number): number {
  return periodSeconds * evaluationPeriods;
}

export async function beginAct(deps: Deps, changeId: string): Promise<{ steps: ResolvedStep[] }> {
  const current = await loadChange(deps, changeId);
  // Cancelled before anything was touched: PLAN ends (the ASL's Catch), nothing to roll back.
  if (current.cancelRequest) throw new ChangeCancelled(cancelCause(current.cancelRequest));
  const change = await transition(deps, changeId, { status: 'ACTING', phase: 'ACT', message: 'ACT started: running the change steps' }, current);
  const m = change.profile.monitoring;
  const before = await deps.metrics.snapshot(metricsWindowSeconds(m.periodSeconds, m.evaluationPeriods));
  await recordEvent(deps, change, { type: 'metrics.before', phase: 'ACT', message: 'metrics before the change', data: { metrics: before } });
  return { steps: resolveSteps(change, 'ACT') };
}

const RUNS_IN: Record<ResolvedStep['phase'], ChangeStatus> = { ACT: 'ACTING', ROLLBACK: 'ROLLING_BACK' };

/**
 * Sends one step, but only while the change is in the step's phase and every earlier step of that
 * phase in this attempt succeeded: a step must never run after one before it failed, whatever the engine does.
 */
export async function runStep(deps: Deps, input: { changeId: string; attempt: number; taskToken: string; command: ResolvedStep }): Promise<{ commandId: string }> {
  const change = await loadChange(deps, input.changeId);
  const phase = input.command.phase;
  if (phase === 'ACT' && change.cancelRequest) {
    throw new StepRefused(`${input.command.name}: refused, ${cancelCause(change.cancelRequest)}`);
  }
  const alarmed = phase === 'ACT' ? pendingAlarmRollback(change, input.attempt) : undefined;
  // A rollback alarm went off during an earlier step: the step in progress was left to finish, this one never starts.
  if (alarmed) throw new AlarmTriggered(`${input.command.name}: refused, ${alarmRollbackCause(alarmed)}`);
  if (change.status !== RUNS_IN[phase] || change.attempt !== input.attempt) {
    throw new StepRefused(`${input.command.name}: refused, change ${change.id} is ${change.status} (attempt ${change.attempt}), not ${RUNS_IN[phase]}`);
  }
  const failed = (await deps.store.listCommands(change.id, input.attempt)).find((c) => c.phase === phase && c.status !== 'Success' && c.status !== 'InProgress' && c.status !== 'Pending');
  if (failed) throw new StepRefused(`${input.command.name}: refused, ${failed.stepName} already ended ${failed.status}`);
  return sendCommandForTask(deps, { changeId: input.changeId, attempt: input.attempt, taskToken: input.taskToken, phase: input.command.phase, step: input.command, slot: String(input.command.index) });
}

export async function armMonitor(deps: Deps, changeId: string, attempt: number, taskToken: string): Promise<void> {
  // The token is parked first thing as the window opens, not after the status moved: the window's other branch (its
  // timer, then the close) may be there at once with a short window, and then finds the token written or on its way
  // (the embedded store's read waits for it) instead of failing MonitorNotArmed and retrying. Parked before the status
  // says MONITORING is harmless: an alarm from Act Begin on rolls back either way.
  const parked = deps.store.putCallback({ key: callbackKey('monitor', changeId, attempt), kind: 'monitor', changeId, attempt, token: taskToken, createdAt: deps.clock.now().toISOString() });
  const moved = loadChange(deps, changeId).then((before) => transition(deps, changeId, {
    status: 'MONITORING', phase: 'ACT',
    message: `monitoring window open for ${before.profile.monitoring.windowSeconds}s: watching the rollback alarms`,
  }, before));
  const [change] = await Promise.all([moved, parked]);
  if (change.cancelRequest) {
    // Cancelled while the last ACT step ran: the window ends at once and the change rolls back.
    await failMonitor(deps, changeId, attempt, cancelCause(change.cancelRequest), 'ChangeCancelled');
    return;
  }
  // An alarm that went off during the ACT steps or between the last step and now found no token to fail.
  const requested = pendingAlarmRollback(change, attempt);
  const breaching = requested ? [alarmRollbackCause(requested)] : breachingInWindow(await readRollbackAlarms(deps, change.environment), change.profile.monitoring);
  if (breaching.length > 0) await failMonitor(deps, changeId, attempt, breaching.join('; '));
}

/** Fails the parked watch token (AlarmTriggered by default); false when there was none (window not open or already over). */
export async function failMonitor(deps: Deps, changeId: string, attempt: number, reason: string, error: string = 'AlarmTriggered'): Promise<boolean> {
  const key = callbackKey('monitor', changeId, attempt);
  const parked = await deps.store.getCallback(key);
  if (!parked) return false;
  const sent = await deps.callbacks.sendTaskFailure(parked.token, error, reason);
  await deps.store.deleteCallback(key);
  return sent;
}

/**
 * Records what the release the change put live measured while it was live (from the last ACT step to now): the
 * report's post-deployment metrics. Nothing when the release never went live (an ACT step failed).
 */
export async function recordReleaseMetrics(deps: Deps, change: ChangeRecord, attempt: number): Promise<void> {
  const live = releaseLiveAt(await deps.store.listCommands(change.id, attempt), change.profile.act.steps.length, attempt);
  if (!live) return;
  const seconds = Math.max(1, Math.ceil((deps.clock.now().getTime() - Date.parse(live)) / 1000));
  let metrics;
  try {
    metrics = await deps.metrics.snapshot(seconds);
  } catch (err) {
    // The report's figures must never stop a rollback or a window from closing: it says the metrics are unknown.
    deps.log.warn('reading the release metrics failed', { changeId: change.id, error: (err as Error).message });
    return;
  }
  // Per period as well where the metrics can tell (the console charts it); a failure costs the chart, not the window.
  const series = deps.metrics.series ? await deps.metrics.series(seconds).catch(() => undefined) : undefined;
  await recordEvent(deps, change, {
    type: 'metrics.release', phase: 'ACT', message: `metrics of the release while it was live (${seconds}s)`,
    data: { metrics, releaseLiveAt: live, ...(series ? { series } : {}) },
  }, attempt);
}

/**
 * The window's end also asks whether each alarm's metric still has data, when missing data counts as breaching: on AWS
 * the alarms keep missing data missing (lib/monitoring.ts) and reach INSUFFICIENT_DATA only once their whole
 * evaluation range is empty, so a probe or metric that fell silent late in the window would otherwise pass as quiet.
 * With the probe, looked back over the evaluation range (at least a minute, GetMetricData's granularity), within the
 * profile's recentDataSeconds; with the user's own metrics, over recentDataSeconds, as PLAN did.
 */
async function silentInWindow(deps: Deps, change: ChangeRecord, names: string[]): Promise<string[]> {
  const m = change.profile.monitoring;
  // Stryker disable next-line ConditionalExpression: asking for the newest datapoints of no alarm gives none, so none is silent either way; the check only saves the call
  if (m.missingData !== 'breaching' || names.length === 0) return [];
  // The probe publishes every few seconds, so its silence over the evaluation range is news; the user's own metrics
  // (source: cloudwatch) may be sparse with little traffic, and are held to the same recency as PLAN held them.
  const lookback = m.source === 'probe' ? Math.min(m.recentDataSeconds, Math.max(m.periodSeconds * m.evaluationPeriods, 60)) : m.recentDataSeconds;
  const recency = await deps.alarms.newestDatapoints(names, lookback);
  return recency.filter((r) => !r.missing && r.newestAt === undefined)
    .map((r) => `${r.name}: no datapoint in the last ${lookback} s (missing data counts as breaching)`);
}

export async function closeMonitor(deps: Deps, changeId: string, attempt: number): Promise<{ closed: boolean }> {
  const key = callbackKey('monitor', changeId, attempt);
  const parked = await deps.store.getCallback(key);
  if (!parked) throw new MonitorNotArmed(`monitoring watch for ${changeId} attempt ${attempt} is not armed yet`);
  const change = await loadChange(deps, changeId);
  const states = await readRollbackAlarms(deps, change.environment);
  const firing = [...breachingInWindow(states, change.profile.monitoring), ...await silentInWindow(deps, change, states.map((s) => s.name))];
  if (firing.length > 0) {
    // The window ends in ALARM even if the state-change event was lost: that is still a rollback.
    await failMonitor(deps, changeId, attempt, firing.join('; '));
    return { closed: false };
  }
  await recordEvent(deps, change, { type: 'monitor.quiet', phase: 'ACT', message: 'monitoring window passed quietly' }, attempt);
  await recordReleaseMetrics(deps, change, attempt);
  await deps.callbacks.sendTaskSuccess(parked.token, { quiet: true });
  await deps.store.deleteCallback(key);
  return { closed: true };
}
