// Every refusal of a freeze definition names its field (freeze.test.ts covers the first few through the profile), and
// describeFreeze, the text a refused change and the scheduled check show.
import { changeWindow, describeFreeze, freezesBetween, FreezeSchema, FreezesSchema, occurrences } from '../../lambdas/core/freeze';
import type { ChangeRequest } from '../../lambdas/core/schemas';

const ONE_OFF = { name: 'year-end', reason: 'close', start: '2026-12-20T00:00:00Z', end: '2027-01-03T00:00:00Z' };

function refusal(entry: Record<string, unknown>): Array<{ path: PropertyKey[]; message: string }> {
  const result = FreezeSchema.safeParse(entry);
  expect(result.success).toBe(false);
  return (result.error?.issues ?? []).map((i) => ({ path: i.path, message: i.message }));
}

describe('FreezeSchema refusals', () => {
  it.each([
    ['an end without an offset', { ...ONE_OFF, end: '2027-01-03' }, [{ path: ['end'], message: 'an ISO-8601 instant with offset, e.g. 2027-01-03T00:00:00Z' }]],
    ['an end equal to the start', { ...ONE_OFF, end: ONE_OFF.start }, [{ path: ['end'], message: 'must be after start' }]],
    ['weekdays on a one-off span', { ...ONE_OFF, days: ['sat'] }, [{ path: ['days'], message: 'only with every: week' }]],
    ['a start of 24:00 with every', { ...ONE_OFF, start: '24:00', end: '06:00', every: 'day' }, [{ path: ['start'], message: 'a UTC time of day HH:MM (00:00–23:59) when `every` is set' }]],
    ['an end past 24:00 with every', { ...ONE_OFF, start: '18:00', end: '24:30', every: 'day' }, [{ path: ['end'], message: 'a UTC time of day HH:MM (00:00–24:00) when `every` is set' }]],
    ['an end equal to the start with every', { ...ONE_OFF, start: '06:00', end: '06:00', every: 'day' }, [{ path: ['end'], message: 'must differ from start' }]],
    ['an instant as the start with every', { ...ONE_OFF, every: 'week', days: ['sat'] }, [
      { path: ['start'], message: 'a UTC time of day HH:MM (00:00–23:59) when `every` is set' },
      { path: ['end'], message: 'a UTC time of day HH:MM (00:00–24:00) when `every` is set' },
    ]],
  ])('should refuse %s, naming the field', (_what, entry, issues) => {
    expect(refusal(entry)).toEqual(issues);
  });

  it('should accept midnight as 24:00 for an end, and a weekly freeze with its days', () => {
    expect(FreezeSchema.safeParse({ ...ONE_OFF, start: '18:00', end: '24:00', every: 'day' }).success).toBe(true);
    expect(FreezeSchema.safeParse({ ...ONE_OFF, start: '18:00', end: '06:00', every: 'week', days: ['fri', 'sat'] }).success).toBe(true);
  });

  it('should name a duplicated freeze by its name', () => {
    const result = FreezesSchema.safeParse([ONE_OFF, { ...ONE_OFF, start: '18:00', end: '06:00', every: 'day' }]);
    expect(result.error?.issues.map((i) => ({ path: i.path, message: i.message }))).toEqual([{ path: [1, 'name'], message: 'duplicate freeze name year-end' }]);
  });
});

describe('describeFreeze', () => {
  it('should give the name, the span and the reason of an occurrence', () => {
    // Prepare
    const [w] = occurrences(FreezeSchema.parse(ONE_OFF), new Date('2026-12-24T00:00:00Z'), new Date('2026-12-25T00:00:00Z'));

    // Act + Assess
    expect(w && describeFreeze(w)).toBe('"year-end" (2026-12-20T00:00:00.000Z – 2027-01-03T00:00:00.000Z: close)');
  });
});

describe('changeWindow edges', () => {
  const request = (timeline: Record<string, string>): ChangeRequest => ({ timeline } as unknown as ChangeRequest);

  it('should give a zero-length or backwards window its own instant (1 ms), so it still meets a freeze there', () => {
    // Act
    const same = changeWindow(request({ planned_start: '2026-12-24T00:00:00Z', planned_completion: '2026-12-24T00:00:00Z', estimated_duration: '2 hours' }), new Date('2026-01-01T00:00:00Z'));
    const backwards = changeWindow(request({ planned_start: '2026-12-24T00:00:00Z', planned_completion: '2026-12-23T00:00:00Z', estimated_duration: '2 hours' }), new Date('2026-01-01T00:00:00Z'));

    // Assess
    expect([same.start.toISOString(), same.end.toISOString()]).toEqual(['2026-12-24T00:00:00.000Z', '2026-12-24T00:00:00.001Z']);
    expect(backwards.end.getTime() - backwards.start.getTime()).toBe(1);
    expect(freezesBetween([FreezeSchema.parse(ONE_OFF)], same.start, same.end).map((w) => w.name)).toEqual(['year-end']);
  });

  it('should take planned_completion over estimated_duration, from the planned start even when now is later', () => {
    // Act
    const w = changeWindow(request({ planned_start: '2026-12-24T00:00:00Z', planned_completion: '2026-12-24T03:00:00Z', estimated_duration: '10 minutes' }), new Date('2026-12-24T01:00:00Z'));

    // Assess: starts now, lasts the planned three hours
    expect([w.start.toISOString(), w.end.toISOString()]).toEqual(['2026-12-24T01:00:00.000Z', '2026-12-24T04:00:00.000Z']);
  });
});
