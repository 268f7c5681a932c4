// Event-driven completions: an SSM command status change completes the waiting task's token; a
// rollback alarm going into ALARM fails the monitoring watch of the environment's active change.
import { TransientError } from '../core/errors';
import type { AlarmStateChangeEvent, SsmCommandStatusEvent } from '../core/events';
import type { CommandRecord } from '../core/records';
import type { CommandOutcome, Deps } from '../ports';
import { failMonitor } from './act';
import { requestAlarmRollback } from './alarm-watch';
import { recordEvent } from './common';

const TERMINAL = new Set(['Success', 'Failed', 'TimedOut', 'Cancelled']);
const OUTPUT_TAIL = 4000;

/** The JSON object a document prints on its last stdout line (its only one: progress goes to stderr), if any. */
export function lastLineJson(stdout: string): Record<string, unknown> | undefined {
  // Stryker disable next-line OptionalChaining: split always answers at least one element, so pop() is never undefined
  const line = stdout.trimEnd().split('\n').pop()?.trim();
  // Stryker disable next-line ConditionalExpression,LogicalOperator,StringLiteral: a line that does not start with { parses to a non-object or throws, both answered undefined below
  if (!line || !line.startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(line);
    // Stryker disable next-line ConditionalExpression,LogicalOperator: a line starting with { parses to a plain object or throws
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
    // Stryker disable next-line BlockStatement: an empty catch also answers undefined
  } catch {
    return undefined;
  }
}

/**
 * What an operator sees of a command, at most OUTPUT_TAIL characters: the tail of its progress lines (the documents
 * write them to stderr), then its stdout (the one-line result), then what the engine cut. The result and the note
 * are kept whole; the progress gives way.
 */
export function commandOutput(outcome: CommandOutcome): string {
  const result = outcome.stdout.trim();
  const end = `${result ? `\n${result}` : ''}${outcome.truncated ? `\n[${outcome.truncated.note}]` : ''}`;
  const room = Math.max(0, OUTPUT_TAIL - end.length);
  const progress = outcome.stderr.trimEnd();
  return `${room > 0 ? progress.slice(-room) : ''}${end}`.replace(/^\n/, '').slice(-OUTPUT_TAIL);
}

export async function onCommandStatus(deps: Deps, event: SsmCommandStatusEvent): Promise<{ handled: boolean; reason?: string }> {
  const { 'command-id': commandId, status: reported } = event.detail;
  if (!TERMINAL.has(reported)) return { handled: false, reason: `status ${reported} is not final` };
  const command = await deps.store.getCommand(commandId);
  // The status event can overtake the write that records the command: retrying the delivery is the fix.
  if (!command) throw new TransientError(`command ${commandId} is not recorded yet`);
  if (TERMINAL.has(command.status)) return { handled: false, reason: 'already completed' };

  const outcome = await deps.hosts.outcome(commandId);
  // A command whose targets matched no host "succeeds" having run nowhere: the step did not happen, so it failed.
  const reachedNone = outcome.instances === 0;
  const status = reachedNone && reported === 'Success' ? 'Failed' : reported;
  const result = lastLineJson(outcome.stdout);
  const finished: CommandRecord = {
    ...command,
    status: status as CommandRecord['status'],
    finishedAt: deps.clock.now().toISOString(),
    ...(outcome.exitCode !== undefined ? { exitCode: outcome.exitCode } : {}),
    output: commandOutput(outcome),
    ...(result ? { result } : {}),
  };
  // Scheduled checks send commands outside any change: their record is updated, there is no change to tell.
  const change = await deps.store.getChange(command.changeId);
  // The command and its event are written together (one batch on the embedded store), both before the task completes.
  await Promise.all([deps.store.putCommand(finished), change && recordEvent(deps, change, {
    type: 'command.finished', phase: command.phase,
    message: `${command.stepName}: ${command.document} ${status}${outcome.exitCode !== undefined ? ` (exit ${outcome.exitCode})` : ''}${reachedNone ? ': reached no instance' : ''}${notSucceededText(outcome)}`,
    data: {
      commandId, step: command.stepName, status, exitCode: outcome.exitCode, ...(reachedNone ? { instances: 0 } : {}), ...(result ? { result } : {}),
      // The hosts that did not succeed, by id (a bounded list on a large fleet) and their count.
      ...(outcome.notSucceeded ? { notSucceeded: outcome.notSucceeded } : {}),
      ...(outcome.truncated ? { truncated: outcome.truncated.note } : {}),
    },
  }, command.attempt)]);

  if (!command.taskToken) return { handled: true };
  if (status === 'Success') {
    await deps.callbacks.sendTaskSuccess(command.taskToken, { commandId, step: command.stepName, status, ...(result ? { result } : {}) });
  } else {
    const tail = [(outcome.stderr.trim() || outcome.stdout.trim()).split('\n').slice(-3).join(' | '), outcome.truncated?.note].filter(Boolean).join(' | ');
    await deps.callbacks.sendTaskFailure(command.taskToken, 'HostCommandFailed', `${command.stepName} (${command.document}) ${status}: ${tail}`.slice(0, 32000));
  }
  return { handled: true };
}

/** ": 3 of 1000 host(s) did not succeed (i-a, i-b, i-c)", ids as listed (bounded), or nothing. */
function notSucceededText(outcome: CommandOutcome): string {
  const n = outcome.notSucceeded;
  if (!n || n.count === 0) return '';
  const ids = n.instanceIds.length === 0 ? '' : ` (${n.instanceIds.length < n.count ? `first ${n.instanceIds.length}: ` : ''}${n.instanceIds.join(', ')})`;
  return `: ${n.count}${outcome.instances !== undefined ? ` of ${outcome.instances}` : ''} host(s) did not succeed${ids}`;
}

/** Rollback alarm names look like runbook-<environment>-p95-latency / -error-rate. */
export function environmentOfAlarm(alarmName: string): string | undefined {
  return /^runbook-([a-z0-9][a-z0-9-]*)-(p95-latency|error-rate)$/.exec(alarmName)?.[1];
}

/** From Act Begin until TEST ends, a rollback alarm going into ALARM rolls the change back. */
const WATCHED = ['ACTING', 'MONITORING', 'TESTING'];

export async function onAlarmStateChange(deps: Deps, event: AlarmStateChangeEvent): Promise<{ handled: boolean; changeId?: string; reason?: string }> {
  const { alarmName, state } = event.detail;
  const environment = environmentOfAlarm(alarmName);
  if (!environment) return { handled: false, reason: `${alarmName} is not a rollback alarm` };
  if (state.value === 'OK') return { handled: false, reason: `${alarmName} is ${state.value}` };
  // The environment's active change is the lock holder: one key read, however many changes the table holds.
  const holder = await deps.store.lockHolder(environment);
  const inFlight = holder === undefined ? undefined : await deps.store.getChange(holder);
  if (!inFlight || !WATCHED.includes(inFlight.status)) return { handled: false, reason: `no change in flight on ${environment}` };
  // INSUFFICIENT_DATA is breaching only in the monitoring window and only when missing data is (the default).
  if (state.value === 'INSUFFICIENT_DATA' && !(inFlight.status === 'MONITORING' && inFlight.profile.monitoring.missingData === 'breaching')) {
    return { handled: false, reason: `${alarmName} is INSUFFICIENT_DATA, not breaching while ${inFlight.status}` };
  }
  const reason = state.value === 'ALARM' ? state.reason : `INSUFFICIENT_DATA counts as breaching (${state.reason})`;
  await recordEvent(deps, inFlight, {
    type: 'alarm.triggered', phase: inFlight.status === 'TESTING' ? 'TEST' : 'ACT', actor: `alarm:${alarmName}`,
    message: `${alarmName} is ${state.value}: ${reason}`, data: { alarmName, state },
  });
  // Kept on the change, like a cancel: the next ACT step is refused and TEST stops, whichever is running.
  await requestAlarmRollback(deps, inFlight.id, alarmName, reason);
  if (inFlight.status !== 'MONITORING') return { handled: true, changeId: inFlight.id, reason: `recorded; ${inFlight.status === 'ACTING' ? 'the next ACT step' : 'TEST'} rolls back` };
  await failMonitor(deps, inFlight.id, inFlight.attempt, `${alarmName}: ${reason}`);
  return { handled: true, changeId: inFlight.id };
}
