// Change freezes: windows in which no change may run, except an emergency with executive approval. A freeze is
// one span between two ISO-8601 instants, or a daily or weekly recurrence between two UTC times of day.
import * as z from 'zod';
import { parseDuration } from './duration';
import type { ChangeRequest } from './schemas';

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const TIME_OF_DAY = /^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/;
const INSTANT = z.iso.datetime({ offset: true });
const DAY_MS = 24 * 3600 * 1000;
/** A recurring freeze is expanded over at most this many days around a window (a change window is hours, not years). */
const MAX_EXPANSION_DAYS = 800;

export const FreezeSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/, 'letters, digits, spaces and . _ - (up to 64)').describe('Named in the 409 that refuses a change and in the scheduled check.'),
  reason: z.string().min(1).describe('Why nothing may change then (year-end close, a launch, weekend staffing).'),
  start: z.string().describe('An ISO-8601 instant with offset (2026-12-20T00:00:00Z); with `every`, a UTC time of day HH:MM.'),
  end: z.string().describe('An ISO-8601 instant after `start`; with `every`, a UTC time of day HH:MM (24:00 for midnight; before `start` means the next day).'),
  every: z.enum(['day', 'week']).optional().describe('Makes the freeze recur daily, or weekly on `days`, between the times of day `start` and `end` (UTC).'),
  days: z.array(z.enum(WEEKDAYS)).min(1).optional().describe('For `every: week`: the weekdays (UTC) a freeze starts on.'),
}).superRefine((f, ctx) => {
  const issue = (path: string, message: string): void => { ctx.addIssue({ code: 'custom', path: [path], message }); };
  if (f.every === undefined) {
    if (!INSTANT.safeParse(f.start).success) issue('start', 'an ISO-8601 instant with offset, e.g. 2026-12-20T00:00:00Z (or add `every` for a time of day)');
    if (!INSTANT.safeParse(f.end).success) issue('end', 'an ISO-8601 instant with offset, e.g. 2027-01-03T00:00:00Z');
    else if (Date.parse(f.end) <= Date.parse(f.start)) issue('end', 'must be after start');
    if (f.days !== undefined) issue('days', 'only with every: week');
    return;
  }
  if (!TIME_OF_DAY.test(f.start) || f.start === '24:00') issue('start', 'a UTC time of day HH:MM (00:00–23:59) when `every` is set');
  if (!TIME_OF_DAY.test(f.end)) issue('end', 'a UTC time of day HH:MM (00:00–24:00) when `every` is set');
  if (f.start === f.end) issue('end', 'must differ from start');
  if (f.every === 'week' && f.days === undefined) issue('days', 'every: week needs the weekdays, e.g. [sat, sun]');
  if (f.every === 'day' && f.days !== undefined) issue('days', 'only with every: week');
});
export type Freeze = z.infer<typeof FreezeSchema>;

export const FreezesSchema = z.array(FreezeSchema).default([]).superRefine((freezes, ctx) => {
  const seen = new Set<string>();
  freezes.forEach((f, i) => {
    if (seen.has(f.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate freeze name ${f.name}` });
    seen.add(f.name);
  });
}).describe('Change freezes: a change whose window overlaps one is refused at submission (409 naming it) unless it is an emergency, which then also needs executive approval.');

/** One occurrence of a freeze: [start, end). */
export interface FreezeWindow { name: string; reason: string; start: string; end: string }

const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** The occurrences of a freeze that overlap [from, to), earliest first. */
export function occurrences(freeze: Freeze, from: Date, to: Date): FreezeWindow[] {
  const make = (s: number, e: number): FreezeWindow => ({ name: freeze.name, reason: freeze.reason, start: new Date(s).toISOString(), end: new Date(e).toISOString() });
  const lo = from.getTime();
  const hi = to.getTime();
  if (freeze.every === undefined) {
    const s = Date.parse(freeze.start);
    const e = Date.parse(freeze.end);
    return s < hi && e > lo ? [make(s, e)] : [];
  }
  const startMin = minutesOf(freeze.start);
  let endMin = minutesOf(freeze.end);
  if (endMin <= startMin) endMin += 24 * 60;
  const found: FreezeWindow[] = [];
  // From the day before `from` (an occurrence that started then may still run) to the day `to` falls on.
  const firstDay = Math.floor(lo / DAY_MS) - 1;
  const lastDay = Math.min(Math.floor(hi / DAY_MS), firstDay + MAX_EXPANSION_DAYS);
  for (let day = firstDay; day <= lastDay; day++) {
    const weekday = WEEKDAYS[new Date(day * DAY_MS).getUTCDay()] as (typeof WEEKDAYS)[number];
    // Stryker disable next-line ArrayDeclaration: the schema requires days for every: week; the fallback is there for the type
    if (freeze.every === 'week' && !(freeze.days ?? []).includes(weekday)) continue;
    const s = day * DAY_MS + startMin * 60_000;
    const e = day * DAY_MS + endMin * 60_000;
    if (s < hi && e > lo) found.push(make(s, e));
  }
  return found;
}

/** Every occurrence of every freeze overlapping [from, to), earliest first. */
export function freezesBetween(freezes: readonly Freeze[], from: Date, to: Date): FreezeWindow[] {
  return freezes.flatMap((f) => occurrences(f, from, to)).sort((a, b) => a.start.localeCompare(b.start));
}

/**
 * When the change will run: from its planned start (or now, if that has passed: the PLAN phase's wait is then already
 * over) for its planned length (planned_completion, else estimated_duration). A duration nobody can read is refused,
 * naming the field, rather than guessed: a wrong guess would let a change slip into a freeze.
 */
export function changeWindow(request: ChangeRequest, now: Date): { start: Date; end: Date } {
  const planned = Date.parse(request.timeline.planned_start);
  const length = request.timeline.planned_completion !== undefined
    ? Math.max(0, Date.parse(request.timeline.planned_completion) - planned)
    : parseDuration(request.timeline.estimated_duration, 'timeline.estimated_duration');
  const start = Math.max(planned, now.getTime());
  // A zero-length window still occupies its instant.
  return { start: new Date(start), end: new Date(start + Math.max(length, 1)) };
}

export const describeFreeze = (w: FreezeWindow): string => `"${w.name}" (${w.start} – ${w.end}: ${w.reason})`;
