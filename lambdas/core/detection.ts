// How fast a bad release was caught: from the release going live (the last ACT step done: traffic restored) to the
// alarm and to the rollback starting, read back from what the attempt recorded. Pure.
import type { ChangeEvent, CommandRecord } from './records';

export interface Detection {
  releaseLiveAt: string;
  alarmAt: string;
  rollbackStartedAt: string;
  /** rollbackStartedAt − releaseLiveAt, in seconds (two decimals). */
  seconds: number;
  /** The alarm that fired first. */
  alarmName?: string;
}

/** When every ACT step of the attempt has succeeded: the newest finish time (the release is live from then). */
export function releaseLiveAt(commands: readonly CommandRecord[], actStepCount: number, attempt: number): string | undefined {
  const act = commands.filter((c) => c.phase === 'ACT' && c.attempt === attempt);
  // Stryker disable next-line ConditionalExpression: a Success without a finish time sorts last (undefined), so pop() gives undefined either way
  const done = act.filter((c) => c.status === 'Success' && c.finishedAt !== undefined);
  // Stryker disable next-line ConditionalExpression: with no ACT steps the pop() of an empty list is undefined either way; the check states the rule
  if (actStepCount === 0 || done.length < actStepCount || done.length !== act.length) return undefined;
  return done.map((c) => c.finishedAt as string).sort().pop();
}

/** Undefined unless the release went live, an alarm fired after that and a rollback started. */
export function detectionOf(events: readonly ChangeEvent[], commands: readonly CommandRecord[], actStepCount: number, attempt: number): Detection | undefined {
  const live = releaseLiveAt(commands, actStepCount, attempt);
  // Stryker disable next-line ConditionalExpression: without a live time no alarm compares as after it, so the result is undefined either way
  if (!live) return undefined;
  const ofAttempt = events.filter((e) => e.attempt === attempt);
  const alarm = ofAttempt.find((e) => e.type === 'alarm.triggered' && e.at >= live);
  const rollback = ofAttempt.find((e) => e.type === 'rollback.started');
  if (!alarm || !rollback) return undefined;
  // The alarm's own transition time (the probe's, or CloudWatch's) when the event carries it.
  const state = alarm.data?.state as { timestamp?: unknown } | undefined;
  const alarmAt = typeof state?.timestamp === 'string' && !Number.isNaN(Date.parse(state.timestamp)) ? new Date(state.timestamp).toISOString() : alarm.at;
  const alarmName = typeof alarm.data?.alarmName === 'string' ? alarm.data.alarmName : undefined;
  return {
    releaseLiveAt: live,
    alarmAt,
    rollbackStartedAt: rollback.at,
    seconds: Math.round((Date.parse(rollback.at) - Date.parse(live)) / 10) / 100,
    ...(alarmName ? { alarmName } : {}),
  };
}
