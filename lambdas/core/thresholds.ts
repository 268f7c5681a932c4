// The seed's operating thresholds (pre-flight resources, monitoring, performance regression, report
// recommendations) and the pure checks against them. Every comparison is "greater than", as in the seed.
import type { EnvironmentProfile } from './schemas';

/** Pre-flight resource warnings (seed PHASE 1, `cpu_usage > 80`, `memory_usage > 85`, `disk_usage -gt 90`). */
export const CPU_PERCENT_THRESHOLD = 80;
export const MEMORY_PERCENT_THRESHOLD = 85;
export const DISK_PERCENT_THRESHOLD = 90;
/** Monitoring and performance regression (seed PHASE 3 `api_response_time_p95: 2100`, PHASE 4 `ACCEPTABLE_P95=2100`). */
export const API_P95_MS_THRESHOLD = 2100;
/** A fraction, not a percent: 0.01 is 1 %. */
export const ERROR_RATE_THRESHOLD = 0.01;
/** Automatic rollback only when a p95 or error-rate value exceeds 150 % of its threshold (seed `shouldAutoRollback`). */
export const ROLLBACK_FACTOR = 1.5;

/** Report recommendations (seed PHASE 5 `generateRecommendations`): stricter than the gates, they are advice. */
export const RECOMMEND_P95_MS = 1500;
export const RECOMMEND_ERROR_RATE = 0.005;

export type MonitoringSettings = EnvironmentProfile['monitoring'];
export type ResourceThresholds = EnvironmentProfile['thresholds'];

export interface PerformanceLimits {
  p95Ms: number;
  /** A fraction (0.015 = 1.5 %). */
  errorRate: number;
}

/** The values past which the monitoring window rolls the change back: factor × each threshold. */
export function rollbackLimits(monitoring: Pick<MonitoringSettings, 'p95Ms' | 'errorRate' | 'rollbackFactor'>): PerformanceLimits {
  return {
    p95Ms: monitoring.p95Ms * monitoring.rollbackFactor,
    // Rounded so 0.01 × 1.5 style products compare as the operator reads them, not as 0.015000000000000001.
    errorRate: Number((monitoring.errorRate * monitoring.rollbackFactor).toPrecision(12)),
  };
}

export interface ResourceUsage {
  /** Undefined when the host did not report it: nothing to compare, so no violation. */
  cpuPercent?: number | undefined;
  memoryPercent?: number | undefined;
  diskPercent?: number | undefined;
}

export type ResourceMetric = keyof ResourceThresholds;

export interface ResourceViolation {
  metric: ResourceMetric;
  value: number;
  threshold: number;
}

const RESOURCE_METRICS: readonly ResourceMetric[] = ['cpuPercent', 'memoryPercent', 'diskPercent'];

export const DEFAULT_RESOURCE_THRESHOLDS: ResourceThresholds = {
  cpuPercent: CPU_PERCENT_THRESHOLD,
  memoryPercent: MEMORY_PERCENT_THRESHOLD,
  diskPercent: DISK_PERCENT_THRESHOLD,
};

/** Each measured resource strictly above its threshold, in cpu, memory, disk order. */
export function resourceViolations(usage: ResourceUsage, thresholds: ResourceThresholds = DEFAULT_RESOURCE_THRESHOLDS): ResourceViolation[] {
  const violations: ResourceViolation[] = [];
  for (const metric of RESOURCE_METRICS) {
    const value = usage[metric];
    const threshold = thresholds[metric];
    if (value !== undefined && value > threshold) violations.push({ metric, value, threshold });
  }
  return violations;
}

export interface PerformanceVerdict {
  pass: boolean;
  /** One English sentence per breached limit; empty when it passes. */
  reasons: string[];
}

const percent = (fraction: number): string => `${Number((fraction * 100).toFixed(3))}%`;

/**
 * Passes when neither p95 nor error rate is above its limit. A value that is not a finite number
 * (no requests completed) fails: a load test that measured nothing has not shown the change is safe.
 */
export function performanceVerdict(result: { p95Ms: number; errorRate: number }, limits: PerformanceLimits): PerformanceVerdict {
  const reasons: string[] = [];
  if (!Number.isFinite(result.p95Ms)) reasons.push('p95 response time was not measured');
  else if (result.p95Ms > limits.p95Ms) reasons.push(`p95 response time ${Math.round(result.p95Ms)} ms is above the limit of ${limits.p95Ms} ms`);
  if (!Number.isFinite(result.errorRate)) reasons.push('error rate was not measured');
  else if (result.errorRate > limits.errorRate) reasons.push(`error rate ${percent(result.errorRate)} is above the limit of ${percent(limits.errorRate)}`);
  return { pass: reasons.length === 0, reasons };
}
