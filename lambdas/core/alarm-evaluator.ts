// CloudWatch metric-alarm semantics for the embedded engine: "M out of N" over an evaluation range, the four
// missing-data treatments, and the two rollback alarms of a profile. Pure: the local probe feeds it datapoints.
//
// Source of the rules: AWS CloudWatch user guide, "Configuring how CloudWatch alarms treat missing data"
// (alarms-and-missing-data), sections "How alarm state is evaluated when data is missing" and
// "Avoiding premature transitions to alarm state". Its two example tables are the unit tests.
import type { AlarmStateValue } from '../ports';
import { rollbackAlarmNames } from './events';
import type { EnvironmentProfile } from './schemas';
import { rollbackLimits } from './thresholds';

export type ComparisonOperator =
  | 'GreaterThanThreshold'
  | 'GreaterThanOrEqualToThreshold'
  | 'LessThanThreshold'
  | 'LessThanOrEqualToThreshold';

export type TreatMissingData = 'missing' | 'notBreaching' | 'breaching' | 'ignore';

/** Which per-period statistic of the local probe an alarm watches (on AWS: the CloudWatch metric). */
export type ProbeMetric = 'p95LatencyMs' | 'errorRate';

export interface AlarmDefinition {
  name: string;
  description?: string;
  metric: ProbeMetric;
  threshold: number;
  comparison: ComparisonOperator;
  /** May be fractional on the embedded engine (tests); CloudWatch takes 10, 30 or a multiple of 60. */
  periodSeconds: number;
  /** N */
  evaluationPeriods: number;
  /** M */
  datapointsToAlarm: number;
  treatMissingData: TreatMissingData;
}

export interface AlarmEvaluation {
  state: AlarmStateValue;
  reason: string;
  /** The real datapoints the decision used, oldest first (CloudWatch's `recentDatapoints`). */
  evaluated: number[];
}

/**
 * How many periods back an evaluation looks. AWS does not publish the rule ("depends on the length of the alarm
 * period and ... resolution"); its worked examples use 5 for 3 evaluation periods, so this takes N + 2.
 */
export function evaluationRangeLength(def: Pick<AlarmDefinition, 'evaluationPeriods'>): number {
  return Math.max(1, Math.floor(def.evaluationPeriods)) + 2;
}

export function breaches(value: number, comparison: ComparisonOperator, threshold: number): boolean {
  switch (comparison) {
    case 'GreaterThanThreshold': return value > threshold;
    case 'GreaterThanOrEqualToThreshold': return value >= threshold;
    case 'LessThanThreshold': return value < threshold;
    case 'LessThanOrEqualToThreshold': return value <= threshold;
  }
}

const COMPARISON_WORDS: Record<ComparisonOperator, string> = {
  GreaterThanThreshold: 'greater than',
  GreaterThanOrEqualToThreshold: 'greater than or equal to',
  LessThanThreshold: 'less than',
  LessThanOrEqualToThreshold: 'less than or equal to',
};

interface RealPoint { value: number; breach: boolean; /** 0 is the newest period of the range. */ age: number }

/**
 * Evaluates one alarm the way CloudWatch does.
 * @param datapoints one per period, newest last; `undefined` is a period without data. Only the last
 *   {@link evaluationRangeLength} entries are looked at.
 * @param previous the alarm's current state: `ignore` keeps it when the data cannot decide.
 */
export function evaluateAlarm(def: AlarmDefinition, datapoints: readonly (number | undefined)[], previous: AlarmStateValue): AlarmEvaluation {
  const n = Math.max(1, Math.floor(def.evaluationPeriods));
  // PutMetricAlarm refuses M > N; the profile schema does not cross-check them, so an M above N means "all N".
  const m = Math.min(n, Math.max(1, Math.floor(def.datapointsToAlarm)));
  const range = datapoints.slice(-evaluationRangeLength(def));
  const real: RealPoint[] = [];
  range.forEach((value, index) => {
    // Stryker disable next-line ConditionalExpression: Number.isFinite(undefined) is false; the undefined check is there for the type
    if (value !== undefined && Number.isFinite(value)) {
      real.push({ value, breach: breaches(value, def.comparison, def.threshold), age: range.length - 1 - index });
    }
  });
  const words = COMPARISON_WORDS[def.comparison];

  // Enough real datapoints: the most recent N decide and the missing-data setting plays no part.
  if (real.length >= n) {
    return thresholdOutcome(def, real.slice(-n), real.slice(-n).filter((p) => p.breach).length, n, m, words);
  }

  const fill = n - real.length;
  const realBreaching = real.filter((p) => p.breach).length;
  const evaluated = real.map((p) => p.value);

  if (real.length === 0) {
    switch (def.treatMissingData) {
      case 'missing':
        return { state: 'INSUFFICIENT_DATA', reason: `Insufficient Data: ${n} datapoint${n === 1 ? ' was' : 's were'} unknown.`, evaluated };
      case 'ignore':
        return retain(previous, `No datapoints in the last ${range.length} period(s); treatMissingData=ignore keeps the current state.`, evaluated);
      case 'breaching':
        return { state: 'ALARM', reason: `Threshold Crossed: no datapoints were received for ${n} period(s) and ${n} missing datapoint${n === 1 ? ' was' : 's were'} treated as [Breaching].`, evaluated };
      case 'notBreaching':
        return { state: 'OK', reason: `Threshold Crossed: no datapoints were received for ${n} period(s) and ${n} missing datapoint${n === 1 ? ' was' : 's were'} treated as [NonBreaching].`, evaluated };
    }
  }

  // Too few real datapoints: every real one counts, and the shortfall is filled with the missing-data treatment.
  if (def.treatMissingData === 'breaching') {
    return thresholdOutcome(def, real, realBreaching + fill, n, m, words, `${fill} missing datapoint${fill === 1 ? ' was' : 's were'} treated as [Breaching]`);
  }
  if (def.treatMissingData === 'notBreaching') {
    return thresholdOutcome(def, real, realBreaching, n, m, words, `${fill} missing datapoint${fill === 1 ? ' was' : 's were'} treated as [NonBreaching]`);
  }
  // missing / ignore: the premature-alarm rule. When the oldest breaching datapoint is at least M periods old and
  // every more recent one is breaching or missing, CloudWatch alarms with fewer than M real datapoints.
  // The tables add that a non-breaching datapoint anywhere in the range stops it ("0 - X - -" stays OK), and
  // that `ignore` keeps the state where `missing` would alarm ("- - X - -").
  if (realBreaching < m && isPrematureAlarm(real, m)) {
    if (def.treatMissingData === 'ignore') {
      return retain(previous, `Only breaching datapoints with ${fill} missing; treatMissingData=ignore keeps the current state.`, evaluated);
    }
    return {
      state: 'ALARM',
      reason: `Threshold Crossed: the oldest of ${real.length} datapoint${real.length === 1 ? '' : 's'} ${JSON.stringify(evaluated)} is ${m} or more periods old and all were ${words} the threshold (${round(def.threshold)}), the rest missing.`,
      evaluated,
    };
  }
  return thresholdOutcome(def, real, realBreaching, n, m, words, `${fill} datapoint${fill === 1 ? ' was' : 's were'} missing`);
}

function isPrematureAlarm(real: RealPoint[], m: number): boolean {
  const oldest = real[0];
  // Stryker disable next-line ConditionalExpression: only called with at least one real datapoint; the check is there for the type
  return oldest !== undefined && real.every((p) => p.breach) && oldest.age + 1 >= m;
}

function retain(previous: AlarmStateValue, reason: string, evaluated: number[]): AlarmEvaluation {
  return { state: previous, reason, evaluated };
}

function thresholdOutcome(def: AlarmDefinition, points: RealPoint[], breaching: number, n: number, m: number, words: string, note?: string): AlarmEvaluation {
  const evaluated = points.map((p) => p.value);
  const shown = `${JSON.stringify(evaluated.map(round))}`;
  const suffix = note ? `; ${note}` : '';
  if (breaching >= m) {
    return {
      state: 'ALARM',
      reason: `Threshold Crossed: ${breaching} out of the last ${n} datapoints ${shown} were ${words} the threshold (${round(def.threshold)}) (minimum ${m} datapoint${m === 1 ? '' : 's'} for OK -> ALARM transition)${suffix}.`,
      evaluated,
    };
  }
  return {
    state: 'OK',
    reason: `Threshold Crossed: ${breaching} out of the last ${n} datapoints ${shown} ${breaching === 1 ? 'was' : 'were'} ${words} the threshold (${round(def.threshold)}) (minimum ${m} datapoint${m === 1 ? '' : 's'} for OK -> ALARM transition)${suffix}.`,
    evaluated,
  };
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

/**
 * Nearest-rank percentile: the smallest value such that at least p % of the values are less than or equal to it
 * (rank ⌈p/100 × n⌉ in ascending order). It is always one of the observed values, never an interpolation, so a
 * p95 of 20 samples is the 19th slowest. `undefined` for no values; p is clamped to [0, 100] and p = 0 gives the minimum.
 */
export function percentile(values: readonly number[], p: number): number | undefined {
  // Stryker disable next-line ConditionalExpression: without the early return an empty list gives sorted[0], also undefined
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const clamped = Math.min(100, Math.max(0, p));
  const rank = Math.max(1, Math.ceil((clamped / 100) * sorted.length));
  return sorted[rank - 1];
}

/**
 * The two rollback alarms of an environment (the seed: automatic rollback at 150 % of a threshold):
 * p95 latency above monitoring.p95Ms × rollbackFactor, error rate above monitoring.errorRate × rollbackFactor.
 * Missing data follows monitoring.missingData (default breaching: silence is not health).
 */
export function rollbackAlarmDefinitions(profile: Pick<EnvironmentProfile, 'name' | 'monitoring'>): [AlarmDefinition, AlarmDefinition] {
  const names = rollbackAlarmNames(profile.name);
  const mon = profile.monitoring;
  const limits = rollbackLimits(mon);
  const shared = {
    periodSeconds: mon.periodSeconds,
    evaluationPeriods: mon.evaluationPeriods,
    datapointsToAlarm: Math.min(mon.datapointsToAlarm, mon.evaluationPeriods),
    treatMissingData: mon.missingData,
    comparison: 'GreaterThanThreshold' as const,
  };
  return [
    {
      ...shared,
      name: names.latency,
      metric: 'p95LatencyMs',
      threshold: limits.p95Ms,
      description: `${profile.name}: p95 latency above ${mon.p95Ms} ms × ${mon.rollbackFactor}`,
    },
    {
      ...shared,
      name: names.errorRate,
      metric: 'errorRate',
      threshold: limits.errorRate,
      description: `${profile.name}: error rate above ${mon.errorRate} × ${mon.rollbackFactor}`,
    },
  ];
}
