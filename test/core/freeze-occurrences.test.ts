// Freeze occurrences at their edges: [start, end) windows that touch the change window, minutes in the times of day,
// the day the window ends on, the 800-day expansion cap, and the order of several freezes.
import { freezesBetween, FreezeSchema, occurrences, type Freeze } from '../../lambdas/core/freeze';

const at = (iso: string): Date => new Date(iso);
const freeze = (f: Partial<Freeze>): Freeze => FreezeSchema.parse({ name: 'f', reason: 'why', start: '2026-12-20T00:00:00Z', end: '2027-01-03T00:00:00Z', ...f });

describe('occurrences at the edges of a change window', () => {
  it('should not count a span that starts when the change window ends, nor one that starts after it', () => {
    // Arrange
    const launch = freeze({ name: 'launch', start: '2026-05-01T12:00:00Z', end: '2026-05-01T18:00:00Z' });

    // Act
    const touching = occurrences(launch, at('2026-05-01T10:00:00Z'), at('2026-05-01T12:00:00Z'));
    const before = occurrences(launch, at('2026-05-01T08:00:00Z'), at('2026-05-01T09:00:00Z'));
    const overlapping = occurrences(launch, at('2026-05-01T11:00:00Z'), at('2026-05-01T12:00:01Z'));

    // Assess
    expect(touching).toEqual([]);
    expect(before).toEqual([]);
    expect(overlapping.map((o) => o.start)).toEqual(['2026-05-01T12:00:00.000Z']);
  });

  it('should read the minutes of a time of day, and not count a daily occurrence that starts when the window ends', () => {
    // Arrange
    const batch = freeze({ name: 'batch', start: '22:30', end: '23:45', every: 'day' });

    // Act
    const sameDay = occurrences(batch, at('2026-03-10T20:00:00Z'), at('2026-03-10T22:31:00Z'));
    const touching = occurrences(batch, at('2026-03-10T20:00:00Z'), at('2026-03-10T22:30:00Z'));

    // Assess
    expect(sameDay).toEqual([{ name: 'batch', reason: 'why', start: '2026-03-10T22:30:00.000Z', end: '2026-03-10T23:45:00.000Z' }]);
    expect(touching).toEqual([]);
  });

  it('should expand a daily freeze over at most 800 days after the day before the window', () => {
    // Arrange
    const daily = freeze({ name: 'daily', start: '12:00', end: '13:00', every: 'day' });

    // Act
    const found = occurrences(daily, at('2026-01-01T00:00:00Z'), at('2029-01-01T00:00:00Z'));

    // Assess: 2025-12-31 + 800 days = 2028-03-10; the day before the window has its occurrence before `from`.
    expect(found).toHaveLength(800);
    expect(found[0]?.start).toBe('2026-01-01T12:00:00.000Z');
    expect(found.at(-1)?.start).toBe('2028-03-10T12:00:00.000Z');
  });
});

describe('freezesBetween', () => {
  it('should list the occurrences of several freezes earliest first', () => {
    // Arrange
    const later = freeze({ name: 'later', start: '2026-06-02T00:00:00Z', end: '2026-06-03T00:00:00Z' });
    const nightly = freeze({ name: 'nightly', start: '23:00', end: '01:00', every: 'day' });
    const earlier = freeze({ name: 'earlier', start: '2026-06-01T06:00:00Z', end: '2026-06-01T07:00:00Z' });

    // Act
    const found = freezesBetween([later, nightly, earlier], at('2026-06-01T02:00:00Z'), at('2026-06-02T12:00:00Z'));

    // Assess
    expect(found.map((o) => [o.name, o.start])).toEqual([
      ['earlier', '2026-06-01T06:00:00.000Z'],
      ['nightly', '2026-06-01T23:00:00.000Z'],
      ['later', '2026-06-02T00:00:00.000Z'],
    ]);
  });
});
