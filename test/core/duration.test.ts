// Durations: report formatting and parsing what change requests say.
import { formatDuration, parseDuration } from '../../lambdas/core/duration';
import { ValidationError } from '../../lambdas/core/errors';

describe('formatDuration', () => {
  it.each([
    [(2 * 3600 + 5 * 60 + 3) * 1000, '2h 5m 3s'],
    [45_000, '45s'],
    [0, '0s'],
    [999, '0s'],
    [90_000, '1m 30s'],
    [3_600_000, '1h'],
    [3_603_000, '1h 3s'],
    [30 * 3_600_000, '30h'],
  ])('should print %i ms as "%s"', (ms, text) => {
    // Act
    const result = formatDuration(ms);

    // Assess
    expect(result).toBe(text);
  });

  it('should print a negative span from clock skew as 0s and a non-number as Unknown', () => {
    // Assess
    expect(formatDuration(-1500)).toBe('0s');
    expect(formatDuration(Number.NaN)).toBe('Unknown');
  });
});

describe('parseDuration', () => {
  it.each([
    ['2 hours', 7_200_000],
    ['30 minutes', 1_800_000],
    ['90s', 90_000],
    ['1h30m', 5_400_000],
    ['1 hour 30 minutes', 5_400_000],
    ['1 hour, 30 minutes', 5_400_000],
    ['1.5h', 5_400_000],
    ['250ms', 250],
    ['  2 HOURS ', 7_200_000],
    ['2시간', 7_200_000],
    ['30분', 1_800_000],
    ['1 day', 86_400_000],
    ['0s', 0],
  ])('should read "%s" as %i ms', (text, ms) => {
    // Act
    const result = parseDuration(text);

    // Assess
    expect(result).toBe(ms);
  });

  it.each(['', '   ', '30', 'soon', '2 fortnights', '1h 1h', '-5m', 'h1', '1h then 2m'])('should refuse "%s" with a ValidationError', (text) => {
    // Act
    const act = (): number => parseDuration(text);

    // Assess
    expect(act).toThrow(ValidationError);
  });

  it('should name the field it was given in the error', () => {
    // Act
    let error: unknown;
    try {
      parseDuration('a while', 'timeline.estimated_duration');
    } catch (err) {
      error = err;
    }

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toMatch(/^timeline\.estimated_duration: /);
    expect((error as ValidationError).issues[0]?.path).toBe('timeline.estimated_duration');
  });

  it('should round-trip with formatDuration for whole seconds', () => {
    // Prepare
    const ms = (2 * 3600 + 5 * 60 + 3) * 1000;

    // Act
    const back = parseDuration(formatDuration(ms).replace(/ /g, ''));

    // Assess
    expect(back).toBe(ms);
  });
});

describe('parseDuration, what its errors say', () => {
  const refusal = (text: string, field?: string): ValidationError => {
    try {
      parseDuration(text, field);
    } catch (err) {
      if (err instanceof ValidationError) return err;
      throw err;
    }
    throw new Error(`"${text}" was read`);
  };

  it.each([
    ['', 'empty duration'],
    ['  ', 'empty duration'],
    ['1h soon', 'cannot read "soon" in "1h soon"'],
    ['30', 'cannot read "30" in "30"'],
    ['2 fortnights', 'unknown unit "fortnights" in "2 fortnights"'],
    ['1h 2H', 'unit "H" given twice in "1h 2H"'],
  ])('should refuse %j saying why: %s', (text, why) => {
    // Act
    const error = refusal(text, 'timeline.estimated_duration');

    // Assess
    expect(error.message).toBe(`timeline.estimated_duration: ${why} (expected e.g. "2 hours", "30 minutes", "90s" or "1h30m")`);
    expect(error.issues).toEqual([{ path: 'timeline.estimated_duration', message: why }]);
  });

  it('should name the field "duration" when the caller names none', () => {
    // Act
    const error = refusal('a while');

    // Assess
    expect(error.message).toMatch(/^duration: cannot read "a while"/);
    expect(error.issues[0]?.path).toBe('duration');
  });
});
