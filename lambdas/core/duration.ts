// Durations as people write them in change requests ("2 hours", "30 minutes", "1h30m") and as reports print them ("2h 5m 3s").
import { ValidationError } from './errors';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * Whole seconds, largest unit first, zero units left out ("2h 3s"); under a second is "0s".
 * Hours are not folded into days: operators compare change windows in hours.
 * A negative span (clock skew between hosts) prints "0s" rather than breaking the report.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return 'Unknown';
  const total = Math.floor(Math.max(0, ms) / SECOND);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const parts = [h ? `${h}h` : '', m ? `${m}m` : '', s ? `${s}s` : ''].filter(Boolean);
  return parts.length ? parts.join(' ') : '0s';
}

const UNITS: Record<string, number> = {
  ms: 1, msec: 1, millisecond: 1, milliseconds: 1,
  s: SECOND, sec: SECOND, secs: SECOND, second: SECOND, seconds: SECOND,
  m: MINUTE, min: MINUTE, mins: MINUTE, minute: MINUTE, minutes: MINUTE,
  h: HOUR, hr: HOUR, hrs: HOUR, hour: HOUR, hours: HOUR,
  d: DAY, day: DAY, days: DAY,
  // The seed is written in Korean; its operators may write durations that way too.
  초: SECOND, 분: MINUTE, 시간: HOUR, 일: DAY,
};

const TERM = /(\d+(?:\.\d+)?)\s*([a-z]+|초|분|시간|일)\s*,?\s*/giy;

/**
 * "2 hours", "30 minutes", "90s", "1h30m", "1 hour 30 minutes" → milliseconds (rounded).
 * A bare number is refused: "30" could be seconds or minutes, and guessing wrong moves a change window.
 * @param field the input path named in the ValidationError, e.g. `timeline.estimated_duration`.
 */
export function parseDuration(text: string, field = 'duration'): number {
  const fail = (why: string): never => {
    throw new ValidationError(`${field}: ${why} (expected e.g. "2 hours", "30 minutes", "90s" or "1h30m")`, [{ path: field, message: why }]);
  };
  if (typeof text !== 'string') return fail('not a string');
  const input = text.trim();
  if (!input) return fail('empty duration');
  const seen = new Set<number>();
  let ms = 0;
  TERM.lastIndex = 0;
  while (TERM.lastIndex < input.length) {
    const at = TERM.lastIndex;
    const match = TERM.exec(input);
    if (!match) return fail(`cannot read "${input.slice(at)}" in "${input}"`);
    // Stryker disable next-line StringLiteral: both groups of TERM always take part in a match; the defaults are there for the type
    const [, amount = '', unitWord = ''] = match;
    const unit = UNITS[unitWord.toLowerCase()];
    if (unit === undefined) return fail(`unknown unit "${unitWord}" in "${input}"`);
    // "1h 2h" is a typo, not three hours.
    if (seen.has(unit)) return fail(`unit "${unitWord}" given twice in "${input}"`);
    seen.add(unit);
    ms += Number(amount) * unit;
  }
  return Math.round(ms);
}
