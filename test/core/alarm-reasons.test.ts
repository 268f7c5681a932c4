// The reason and the evaluated datapoints of each kind of alarm outcome. They are what an operator reads in the
// change's events and notifications ("why did it roll back?"), modelled on CloudWatch's StateReason texts in the
// user guide's examples (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html).
// alarm-evaluator.test.ts pins the states; this file pins what each outcome says, singular and plural.
import { evaluateAlarm, percentile, rollbackAlarmDefinitions, type AlarmDefinition } from '../../lambdas/core/alarm-evaluator';
import type { EnvironmentProfile } from '../../lambdas/core/schemas';

/** Threshold 1, "greater than": 2 breaches, 0 does not, undefined is a period without data. */
function alarm(overrides: Partial<AlarmDefinition> = {}): AlarmDefinition {
  return {
    name: 'test-alarm', metric: 'errorRate', threshold: 1, comparison: 'GreaterThanThreshold',
    periodSeconds: 60, evaluationPeriods: 3, datapointsToAlarm: 3, treatMissingData: 'missing', ...overrides,
  };
}
const _ = undefined;

describe('evaluateAlarm with no datapoint at all', () => {
  it.each([
    ['missing', 1, 'INSUFFICIENT_DATA', 'Insufficient Data: 1 datapoint was unknown.'],
    ['missing', 3, 'INSUFFICIENT_DATA', 'Insufficient Data: 3 datapoints were unknown.'],
    ['breaching', 1, 'ALARM', 'Threshold Crossed: no datapoints were received for 1 period(s) and 1 missing datapoint was treated as [Breaching].'],
    ['breaching', 3, 'ALARM', 'Threshold Crossed: no datapoints were received for 3 period(s) and 3 missing datapoints were treated as [Breaching].'],
    ['notBreaching', 1, 'OK', 'Threshold Crossed: no datapoints were received for 1 period(s) and 1 missing datapoint was treated as [NonBreaching].'],
    ['notBreaching', 3, 'OK', 'Threshold Crossed: no datapoints were received for 3 period(s) and 3 missing datapoints were treated as [NonBreaching].'],
    ['ignore', 3, 'ALARM', 'No datapoints in the last 5 period(s); treatMissingData=ignore keeps the current state.'],
  ] as const)('should say why with treatMissingData=%s and N=%i', (mode, n, state, reason) => {
    // Act
    const result = evaluateAlarm(alarm({ treatMissingData: mode, evaluationPeriods: n, datapointsToAlarm: 1 }), [_, _, _, _, _], 'ALARM');

    // Assess
    expect(result).toEqual({ state, reason, evaluated: [] });
  });
});

describe('evaluateAlarm with fewer real datapoints than N', () => {
  it.each([
    ['breaching', [_, 0, 0, _], 'OK', 'Threshold Crossed: 1 out of the last 3 datapoints [0,0] was greater than the threshold (1) (minimum 2 datapoints for OK -> ALARM transition); 1 missing datapoint was treated as [Breaching].'],
    ['breaching', [_, _, 0, _], 'ALARM', 'Threshold Crossed: 2 out of the last 3 datapoints [0] were greater than the threshold (1) (minimum 2 datapoints for OK -> ALARM transition); 2 missing datapoints were treated as [Breaching].'],
    ['notBreaching', [_, 2, 0, _], 'OK', 'Threshold Crossed: 1 out of the last 3 datapoints [2,0] was greater than the threshold (1) (minimum 2 datapoints for OK -> ALARM transition); 1 missing datapoint was treated as [NonBreaching].'],
    ['notBreaching', [_, _, 0, _], 'OK', 'Threshold Crossed: 0 out of the last 3 datapoints [0] were greater than the threshold (1) (minimum 2 datapoints for OK -> ALARM transition); 2 missing datapoints were treated as [NonBreaching].'],
    ['missing', [_, 2, 0, _], 'OK', 'Threshold Crossed: 1 out of the last 3 datapoints [2,0] was greater than the threshold (1) (minimum 2 datapoints for OK -> ALARM transition); 1 datapoint was missing.'],
    ['missing', [_, _, 0, _], 'OK', 'Threshold Crossed: 0 out of the last 3 datapoints [0] were greater than the threshold (1) (minimum 2 datapoints for OK -> ALARM transition); 2 datapoints were missing.'],
  ] as const)('should count the gap as treatMissingData=%s says in %j', (mode, datapoints, state, reason) => {
    // Act
    const result = evaluateAlarm(alarm({ treatMissingData: mode, datapointsToAlarm: 2 }), datapoints, 'OK');

    // Assess
    expect(result.state).toBe(state);
    expect(result.reason).toBe(reason);
  });

  it('should alarm early on one old breaching datapoint, naming it, and keep the state instead with ignore', () => {
    // Act: 3 of 3, one breaching datapoint three periods old, the rest missing
    const missing = evaluateAlarm(alarm(), [_, _, 2, _, _], 'OK');
    const ignore = evaluateAlarm(alarm({ treatMissingData: 'ignore' }), [_, _, 2, _, _], 'INSUFFICIENT_DATA');

    // Assess
    expect(missing).toEqual({
      state: 'ALARM',
      reason: 'Threshold Crossed: the oldest of 1 datapoint [2] is 3 or more periods old and all were greater than the threshold (1), the rest missing.',
      evaluated: [2],
    });
    expect(ignore).toEqual({ state: 'INSUFFICIENT_DATA', reason: 'Only breaching datapoints with 2 missing; treatMissingData=ignore keeps the current state.', evaluated: [2] });
  });

  it('should name every datapoint of an early alarm, in the plural', () => {
    // Act
    const result = evaluateAlarm(alarm({ evaluationPeriods: 4, datapointsToAlarm: 4 }), [_, _, 2, 3, _, _], 'OK');

    // Assess
    expect(result.reason).toBe('Threshold Crossed: the oldest of 2 datapoints [2,3] is 4 or more periods old and all were greater than the threshold (1), the rest missing.');
    expect(result.evaluated).toEqual([2, 3]);
  });

  it('should decide by the count, not the early-alarm rule, once M real datapoints breach', () => {
    // Act: 2 of 3 with two breaching datapoints and one period missing
    const result = evaluateAlarm(alarm({ datapointsToAlarm: 2 }), [_, _, 2, _, 2], 'OK');

    // Assess
    expect(result).toEqual({
      state: 'ALARM',
      reason: 'Threshold Crossed: 2 out of the last 3 datapoints [2,2] were greater than the threshold (1) (minimum 2 datapoints for OK -> ALARM transition); 1 datapoint was missing.',
      evaluated: [2, 2],
    });
  });
});

describe('evaluateAlarm with enough datapoints', () => {
  it('should show only the N datapoints that decided, rounded, and M in the singular', () => {
    // Act
    const result = evaluateAlarm(alarm({ datapointsToAlarm: 1, threshold: 1.23456 }), [9, 9, 0.123456789, 0, 2], 'OK');

    // Assess
    expect(result).toEqual({
      state: 'ALARM',
      reason: 'Threshold Crossed: 1 out of the last 3 datapoints [0.1235,0,2] were greater than the threshold (1.2346) (minimum 1 datapoint for OK -> ALARM transition).',
      evaluated: [0.123456789, 0, 2],
    });
  });

  it('should say "was" for one breaching datapoint and "were" for none when it stays OK', () => {
    expect(evaluateAlarm(alarm(), [2, 0, 0], 'OK').reason).toBe('Threshold Crossed: 1 out of the last 3 datapoints [2,0,0] was greater than the threshold (1) (minimum 3 datapoints for OK -> ALARM transition).');
    expect(evaluateAlarm(alarm({ comparison: 'LessThanOrEqualToThreshold' }), [2, 2, 2], 'OK').reason).toBe('Threshold Crossed: 0 out of the last 3 datapoints [2,2,2] were less than or equal to the threshold (1) (minimum 3 datapoints for OK -> ALARM transition).');
  });
});

describe('evaluateAlarm staying OK with M = 1', () => {
  it('should name M in the singular in an OK reason too', () => {
    expect(evaluateAlarm(alarm({ datapointsToAlarm: 1 }), [0, 0, 0], 'ALARM').reason).toBe('Threshold Crossed: 0 out of the last 3 datapoints [0,0,0] were greater than the threshold (1) (minimum 1 datapoint for OK -> ALARM transition).');
  });
});

describe('percentile of nothing', () => {
  it('should be undefined for an empty list whatever p is', () => {
    expect(percentile([], 0)).toBeUndefined();
    expect(percentile([], 100)).toBeUndefined();
  });
});

describe('rollbackAlarmDefinitions descriptions', () => {
  it('should describe each rollback alarm by its environment, the profile threshold and the factor', () => {
    // Prepare: only the fields the definitions read
    const profile = { name: 'kis-prod', monitoring: { p95Ms: 2000, errorRate: 0.01, rollbackFactor: 1.5, periodSeconds: 60, evaluationPeriods: 3, datapointsToAlarm: 2, missingData: 'breaching' } } as unknown as EnvironmentProfile;

    // Act
    const [latency, errorRate] = rollbackAlarmDefinitions(profile);

    // Assess
    expect(latency.description).toBe('kis-prod: p95 latency above 2000 ms × 1.5');
    expect(errorRate.description).toBe('kis-prod: error rate above 0.01 × 1.5');
  });
});
