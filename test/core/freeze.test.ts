// Change freezes: the profile's windows (instants, daily and weekly recurrences in UTC) and a change's window.
import { changeWindow, freezesBetween, FreezeSchema, occurrences, type Freeze } from '../../lambdas/core/freeze';
import { ValidationError } from '../../lambdas/core/errors';
import { EnvironmentProfileSchema } from '../../lambdas/core/schemas';
import { testChange, testProfile } from '../support/fixtures';

const at = (iso: string): Date => new Date(iso);
const freeze = (f: Partial<Freeze>): Freeze => FreezeSchema.parse({ name: 'f', reason: 'why', start: '2026-12-20T00:00:00Z', end: '2027-01-03T00:00:00Z', ...f });

describe('freezes in the profile', () => {
  it('should default to none', () => {
    // Act / Assess
    expect(testProfile().freezes).toEqual([]);
  });

  it.each([
    [{ name: 'x', reason: 'r', start: '2026-12-20', end: '2027-01-03T00:00:00Z' }, 'start', /ISO-8601 instant with offset/],
    [{ name: 'x', reason: 'r', start: '2027-01-03T00:00:00Z', end: '2026-12-20T00:00:00Z' }, 'end', /must be after start/],
    [{ name: 'x', reason: 'r', start: '18:00', end: '06:00', every: 'week' }, 'days', /needs the weekdays/],
    [{ name: 'x', reason: 'r', start: '25:00', end: '06:00', every: 'day' }, 'start', /time of day/],
    [{ name: 'x', reason: 'r', start: '18:00', end: '06:00', every: 'day', days: ['sat'] }, 'days', /only with every: week/],
  ])('should refuse %j naming freezes.0.%s', (entry, field, message) => {
    // Act
    const result = EnvironmentProfileSchema.safeParse({ ...testProfile(), freezes: [entry] });

    // Assess
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['freezes', 0, field]);
    expect(result.error?.issues[0]?.message).toMatch(message);
  });

  it('should refuse two freezes of one name', () => {
    // Act
    const result = EnvironmentProfileSchema.safeParse({ ...testProfile(), freezes: [freeze({ name: 'a' }), freeze({ name: 'a' })] });

    // Assess
    expect(result.error?.issues[0]?.path).toEqual(['freezes', 1, 'name']);
  });
});

describe('occurrences', () => {
  it('should give a span between instants only when it overlaps', () => {
    // Prepare
    const yearEnd = freeze({ name: 'year-end' });

    // Act / Assess
    expect(occurrences(yearEnd, at('2027-01-02T23:00:00Z'), at('2027-01-03T01:00:00Z'))).toEqual([{ name: 'year-end', reason: 'why', start: '2026-12-20T00:00:00.000Z', end: '2027-01-03T00:00:00.000Z' }]);
    expect(occurrences(yearEnd, at('2027-01-03T00:00:00Z'), at('2027-01-03T01:00:00Z'))).toEqual([]);
  });

  it('should expand a nightly freeze across midnight, including the one that began the day before', () => {
    // Prepare
    const nightly = freeze({ name: 'batch', start: '22:00', end: '02:00', every: 'day' });

    // Act
    const early = occurrences(nightly, at('2026-03-10T01:00:00Z'), at('2026-03-10T01:30:00Z'));
    const day = occurrences(nightly, at('2026-03-10T03:00:00Z'), at('2026-03-10T21:59:00Z'));

    // Assess
    expect(early.map((o) => [o.start, o.end])).toEqual([['2026-03-09T22:00:00.000Z', '2026-03-10T02:00:00.000Z']]);
    expect(day).toEqual([]);
  });

  it('should expand a weekly freeze only on its weekdays', () => {
    // Prepare: 2026-03-14 is a Saturday
    const weekend = freeze({ name: 'weekend', start: '00:00', end: '24:00', every: 'week', days: ['sat', 'sun'] });

    // Act
    const week = freezesBetween([weekend], at('2026-03-09T00:00:00Z'), at('2026-03-16T00:00:00Z'));

    // Assess
    expect(week.map((o) => o.start)).toEqual(['2026-03-14T00:00:00.000Z', '2026-03-15T00:00:00.000Z']);
  });
});

describe('changeWindow', () => {
  it('should run from now when the planned start has passed, for the estimated duration', () => {
    // Act: the example's planned_start is 2026-01-01, estimated 30 minutes
    const w = changeWindow(testChange(), at('2026-06-01T12:00:00Z'));

    // Assess
    expect([w.start.toISOString(), w.end.toISOString()]).toEqual(['2026-06-01T12:00:00.000Z', '2026-06-01T12:30:00.000Z']);
  });

  it('should take planned_completion when given, and refuse a duration it cannot read naming the field', () => {
    // Prepare
    const completion = testChange('CR-2026-901', (r) => { r.timeline = { planned_start: '2027-01-05T10:00:00Z', planned_completion: '2027-01-05T14:00:00Z', estimated_duration: 'a while' }; });
    const vague = testChange('CR-2026-902', (r) => { r.timeline = { planned_start: '2027-01-05T10:00:00Z', estimated_duration: 'a while' }; });

    // Act
    const w = changeWindow(completion, at('2026-06-01T12:00:00Z'));
    let error: unknown;
    try { changeWindow(vague, at('2026-06-01T12:00:00Z')); } catch (err) { error = err; }

    // Assess
    expect(w.end.toISOString()).toBe('2027-01-05T14:00:00.000Z');
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues[0]?.path).toBe('timeline.estimated_duration');
  });
});
