// CloudWatch alarm semantics: M out of N, the four missing-data treatments (AWS's own example tables), percentile, rollback alarms.
import {
  evaluateAlarm,
  evaluationRangeLength,
  percentile,
  rollbackAlarmDefinitions,
  type AlarmDefinition,
  type ComparisonOperator,
  type TreatMissingData,
} from '../../lambdas/core/alarm-evaluator';
import { rollbackAlarmNames } from '../../lambdas/core/events';
import { EnvironmentProfileSchema, validate } from '../../lambdas/core/schemas';
import type { AlarmStateValue } from '../../lambdas/ports';

/** Threshold 1, "greater than": X = 2 breaches, 0 does not, - is a period without data. */
function alarm(overrides: Partial<AlarmDefinition> = {}): AlarmDefinition {
  return {
    name: 'test-alarm', metric: 'errorRate', threshold: 1, comparison: 'GreaterThanThreshold',
    periodSeconds: 60, evaluationPeriods: 3, datapointsToAlarm: 3, treatMissingData: 'missing', ...overrides,
  };
}

/** AWS's notation, oldest first: "0 - X - X". */
function points(notation: string): (number | undefined)[] {
  return notation.split(' ').map((c) => (c === 'X' ? 2 : c === '0' ? 0 : undefined));
}

const RETAIN = 'retain';
type Expected = AlarmStateValue | typeof RETAIN;
const MODES: TreatMissingData[] = ['missing', 'ignore', 'breaching', 'notBreaching'];

/** Runs a row with every previous state: "retain" must echo it, any other outcome must not depend on it. */
function expectRow(def: AlarmDefinition, notation: string, expected: Expected): void {
  for (const previous of ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const) {
    const result = evaluateAlarm(def, points(notation), previous);
    expect({ notation, mode: def.treatMissingData, previous, state: result.state })
      .toEqual({ notation, mode: def.treatMissingData, previous, state: expected === RETAIN ? previous : expected });
  }
}

describe('evaluateAlarm — AWS table, 3 out of 3 (evaluation range 5)', () => {
  const rows: [string, Expected, Expected, Expected, Expected][] = [
    ['0 - X - X', 'OK', 'OK', 'OK', 'OK'],
    ['0 - - - -', 'OK', 'OK', 'OK', 'OK'],
    ['- - - - -', 'INSUFFICIENT_DATA', RETAIN, 'ALARM', 'OK'],
    ['0 X X - X', 'ALARM', 'ALARM', 'ALARM', 'ALARM'],
    ['- - X - -', 'ALARM', RETAIN, 'ALARM', 'OK'],
  ];
  it.each(rows)('should evaluate "%s" as missing=%s, ignore=%s, breaching=%s, notBreaching=%s', (notation, ...expected) => {
    MODES.forEach((mode, i) => expectRow(alarm({ datapointsToAlarm: 3, treatMissingData: mode }), notation, expected[i] as Expected));
  });
});

describe('evaluateAlarm — AWS table, 2 out of 3 (evaluation range 5)', () => {
  const rows: [string, Expected, Expected, Expected, Expected][] = [
    ['0 - X - X', 'ALARM', 'ALARM', 'ALARM', 'ALARM'],
    ['0 0 X 0 X', 'ALARM', 'ALARM', 'ALARM', 'ALARM'],
    ['0 - X - -', 'OK', 'OK', 'ALARM', 'OK'],
    ['- - - - 0', 'OK', 'OK', 'ALARM', 'OK'],
    ['- - - X -', 'ALARM', RETAIN, 'ALARM', 'OK'],
  ];
  it.each(rows)('should evaluate "%s" as missing=%s, ignore=%s, breaching=%s, notBreaching=%s', (notation, ...expected) => {
    MODES.forEach((mode, i) => expectRow(alarm({ datapointsToAlarm: 2, treatMissingData: mode }), notation, expected[i] as Expected));
  });
});

describe('evaluateAlarm — M out of N with full data', () => {
  it.each([
    ['X 0 X', 2, 'ALARM'],
    ['X 0 0', 2, 'OK'],
    ['0 0 X', 1, 'ALARM'],
    ['X X 0', 3, 'OK'],
    ['X X X', 3, 'ALARM'],
    ['X X X 0 0 0', 1, 'OK'],
    ['0 0 0 X X 0', 2, 'ALARM'],
  ])('should evaluate "%s" with M=%i of N=3 as %s (only the last 3 count)', (notation, m, expected) => {
    // Prepare
    const def = alarm({ datapointsToAlarm: m, treatMissingData: 'breaching' });

    // Act
    const result = evaluateAlarm(def, points(notation), 'INSUFFICIENT_DATA');

    // Assess
    expect(result.state).toBe(expected);
  });

  it.each<[ComparisonOperator, number, boolean]>([
    ['GreaterThanThreshold', 5, false],
    ['GreaterThanThreshold', 5.01, true],
    ['GreaterThanOrEqualToThreshold', 5, true],
    ['GreaterThanOrEqualToThreshold', 4.99, false],
    ['LessThanThreshold', 5, false],
    ['LessThanThreshold', 4.99, true],
    ['LessThanOrEqualToThreshold', 5, true],
    ['LessThanOrEqualToThreshold', 5.01, false],
  ])('should apply %s to %d against threshold 5 (breaching: %s)', (comparison, value, breaching) => {
    // Prepare
    const def = alarm({ comparison, threshold: 5, evaluationPeriods: 1, datapointsToAlarm: 1 });

    // Act
    const result = evaluateAlarm(def, [value], 'OK');

    // Assess
    expect(result.state).toBe(breaching ? 'ALARM' : 'OK');
  });

  it('should say how many datapoints crossed, the threshold and M in the ALARM reason', () => {
    // Act
    const result = evaluateAlarm(alarm({ datapointsToAlarm: 2, threshold: 0.015 }), [0.3, 0, 0.25], 'OK');

    // Assess
    expect(result.state).toBe('ALARM');
    expect(result.reason).toBe('Threshold Crossed: 2 out of the last 3 datapoints [0.3,0,0.25] were greater than the threshold (0.015) (minimum 2 datapoints for OK -> ALARM transition).');
    expect(result.evaluated).toEqual([0.3, 0, 0.25]);
  });

  it('should use the most recent real datapoints from farther back when some recent ones are missing', () => {
    // Prepare: 3 real datapoints in the range of 5, the 2 newest periods empty
    const def = alarm({ datapointsToAlarm: 2, treatMissingData: 'notBreaching' });

    // Act
    const result = evaluateAlarm(def, points('X X 0 - -'), 'OK');

    // Assess
    expect(result.state).toBe('ALARM');
    expect(result.evaluated).toEqual([2, 2, 0]);
  });

  it('should not look further back than the evaluation range (N + 2 periods)', () => {
    // Prepare: three breaching datapoints, then five empty periods
    const def = alarm({ treatMissingData: 'missing' });

    // Act
    const result = evaluateAlarm(def, points('X X X - - - - -'), 'ALARM');

    // Assess
    expect(evaluationRangeLength(def)).toBe(5);
    expect(result.state).toBe('INSUFFICIENT_DATA');
    expect(result.reason).toBe('Insufficient Data: 3 datapoints were unknown.');
  });

  it('should not alarm on a single new breaching datapoint when M is 3 and the rest are missing', () => {
    // Act
    const result = evaluateAlarm(alarm({ treatMissingData: 'missing' }), points('- - - - X'), 'INSUFFICIENT_DATA');

    // Assess
    expect(result.state).not.toBe('ALARM');
  });

  it('should treat M greater than N as "all N", as PutMetricAlarm would not accept it', () => {
    // Prepare
    const def = alarm({ evaluationPeriods: 2, datapointsToAlarm: 5 });

    // Act
    const twoOfTwo = evaluateAlarm(def, [2, 2], 'OK');
    const oneOfTwo = evaluateAlarm(def, [0, 2], 'OK');

    // Assess
    expect(twoOfTwo.state).toBe('ALARM');
    expect(oneOfTwo.state).toBe('OK');
  });

  it('should keep the previous state with ignore when no datapoint arrived', () => {
    // Act
    const result = evaluateAlarm(alarm({ treatMissingData: 'ignore' }), [undefined, undefined], 'ALARM');

    // Assess
    expect(result.state).toBe('ALARM');
    expect(result.reason).toMatch(/ignore keeps the current state/);
  });

  it('should count a NaN datapoint as missing', () => {
    // Act
    const result = evaluateAlarm(alarm({ evaluationPeriods: 1, datapointsToAlarm: 1 }), [Number.NaN], 'OK');

    // Assess
    expect(result.state).toBe('INSUFFICIENT_DATA');
  });
});

describe('percentile (nearest rank)', () => {
  const oneToTwenty = Array.from({ length: 20 }, (_, i) => i + 1);

  it.each([
    [oneToTwenty, 95, 19],
    [oneToTwenty, 99, 20],
    [oneToTwenty, 50, 10],
    [[1, 2, 3, 4], 50, 2],
    [[1, 2, 3, 4], 100, 4],
    [[7, 3, 5], 0, 3],
    [[42], 95, 42],
    [[100, 1, 50, 2, 3], 95, 100],
  ])('should give %j at p%d = %d', (values, p, expected) => {
    // Act
    const result = percentile(values, p);

    // Assess
    expect(result).toBe(expected);
  });

  it('should be undefined for no values', () => {
    // Act
    const result = percentile([], 95);

    // Assess
    expect(result).toBeUndefined();
  });

  it('should return an observed value, never an interpolation, and leave the input as it was', () => {
    // Prepare
    const values = [10, 30, 20];

    // Act
    const result = percentile(values, 60);

    // Assess
    expect(result).toBe(20);
    expect(values).toEqual([10, 30, 20]);
  });
});

describe('rollbackAlarmDefinitions', () => {
  const profileInput = {
    name: 'kis-prod',
    targets: { kind: 'local' },
    services: ['kis-api'],
    act: { steps: [{ name: 'deploy', document: 'runbook-Deploy' }] },
    healthCheck: { urls: ['http://127.0.0.1:8080/api/v1/health'] },
    rollback: { steps: [{ name: 'restore', document: 'runbook-Restore' }] },
    tests: { baseUrl: 'http://127.0.0.1:8080' },
  };
  const profile = validate(EnvironmentProfileSchema, profileInput, 'profile');

  it('should give the p95 and error-rate alarms at 150 % of the seed thresholds with the profile timing', () => {
    // Act
    const [latency, errorRate] = rollbackAlarmDefinitions(profile);

    // Assess
    const names = rollbackAlarmNames('kis-prod');
    expect(latency).toMatchObject({
      name: names.latency, metric: 'p95LatencyMs', threshold: 3150, comparison: 'GreaterThanThreshold',
      periodSeconds: 60, evaluationPeriods: 3, datapointsToAlarm: 2, treatMissingData: 'breaching',
    });
    expect(errorRate).toMatchObject({
      name: names.errorRate, metric: 'errorRate', comparison: 'GreaterThanThreshold',
      periodSeconds: 60, evaluationPeriods: 3, datapointsToAlarm: 2, treatMissingData: 'breaching',
    });
    expect(errorRate.threshold).toBeCloseTo(0.015, 12);
  });

  it('should treat missing data as breaching by default and as the profile says otherwise', () => {
    // Prepare
    const quiet = validate(EnvironmentProfileSchema, { ...profileInput, monitoring: { missingData: 'notBreaching' } }, 'profile');

    // Act
    const defaults = rollbackAlarmDefinitions(profile).map((d) => d.treatMissingData);
    const overridden = rollbackAlarmDefinitions(quiet).map((d) => d.treatMissingData);

    // Assess
    expect(defaults).toEqual(['breaching', 'breaching']);
    expect(overridden).toEqual(['notBreaching', 'notBreaching']);
    expect(() => validate(EnvironmentProfileSchema, { ...profileInput, monitoring: { missingData: 'ignore' } }, 'profile')).toThrow(/monitoring\.missingData/);
  });

  it('should not alarm at exactly 150 % and should alarm just above it', () => {
    // Prepare
    const [latency] = rollbackAlarmDefinitions(profile);

    // Act
    const atLimit = evaluateAlarm(latency, [3150, 3150, 3150], 'OK');
    const above = evaluateAlarm(latency, [3151, 0, 3151], 'OK');

    // Assess
    expect(atLimit.state).toBe('OK');
    expect(above.state).toBe('ALARM');
  });

  it('should cap datapoints to alarm at the evaluation periods', () => {
    // Prepare
    const narrow = { ...profile, monitoring: { ...profile.monitoring, evaluationPeriods: 1, datapointsToAlarm: 2 } };

    // Act
    const [latency, errorRate] = rollbackAlarmDefinitions(narrow);

    // Assess
    expect(latency.datapointsToAlarm).toBe(1);
    expect(errorRate.datapointsToAlarm).toBe(1);
  });
});
