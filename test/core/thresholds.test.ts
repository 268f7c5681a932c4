// Thresholds: the seed's numbers, rollback limits at 150 %, and strict "greater than" comparisons.
import {
  API_P95_MS_THRESHOLD, CPU_PERCENT_THRESHOLD, DEFAULT_RESOURCE_THRESHOLDS, DISK_PERCENT_THRESHOLD, ERROR_RATE_THRESHOLD,
  MEMORY_PERCENT_THRESHOLD, ROLLBACK_FACTOR, performanceVerdict, resourceViolations, rollbackLimits,
} from '../../lambdas/core/thresholds';

describe('threshold constants', () => {
  it("should hold the seed's values", () => {
    // Assess
    expect([CPU_PERCENT_THRESHOLD, MEMORY_PERCENT_THRESHOLD, DISK_PERCENT_THRESHOLD]).toEqual([80, 85, 90]);
    expect(API_P95_MS_THRESHOLD).toBe(2100);
    expect(ERROR_RATE_THRESHOLD).toBe(0.01);
    expect(ROLLBACK_FACTOR).toBe(1.5);
  });
});

describe('rollbackLimits', () => {
  it('should put the automatic rollback at 150 % of the p95 and error-rate thresholds', () => {
    // Act
    const limits = rollbackLimits({ p95Ms: 2100, errorRate: 0.01, rollbackFactor: 1.5 });

    // Assess
    expect(limits).toEqual({ p95Ms: 3150, errorRate: 0.015 });
  });

  it("should follow a profile's own factor and thresholds", () => {
    // Act
    const limits = rollbackLimits({ p95Ms: 500, errorRate: 0.03, rollbackFactor: 2 });

    // Assess
    expect(limits).toEqual({ p95Ms: 1000, errorRate: 0.06 });
  });

  it('should give an error-rate limit free of floating-point noise', () => {
    // Act
    const limits = rollbackLimits({ p95Ms: 100, errorRate: 0.07, rollbackFactor: 1.1 });

    // Assess
    expect(limits.errorRate).toBe(0.077);
  });
});

describe('resourceViolations', () => {
  it('should report nothing when every resource sits exactly at its threshold', () => {
    // Act
    const violations = resourceViolations({ cpuPercent: 80, memoryPercent: 85, diskPercent: 90 }, DEFAULT_RESOURCE_THRESHOLDS);

    // Assess
    expect(violations).toEqual([]);
  });

  it('should report each resource just over its threshold, with value and threshold', () => {
    // Act
    const violations = resourceViolations({ cpuPercent: 80.1, memoryPercent: 86, diskPercent: 91 }, DEFAULT_RESOURCE_THRESHOLDS);

    // Assess
    expect(violations).toEqual([
      { metric: 'cpuPercent', value: 80.1, threshold: 80 },
      { metric: 'memoryPercent', value: 86, threshold: 85 },
      { metric: 'diskPercent', value: 91, threshold: 90 },
    ]);
  });

  it('should skip a resource the host did not report', () => {
    // Act
    const violations = resourceViolations({ diskPercent: 95 }, { cpuPercent: 10, memoryPercent: 10, diskPercent: 90 });

    // Assess
    expect(violations).toEqual([{ metric: 'diskPercent', value: 95, threshold: 90 }]);
  });
});

describe('performanceVerdict', () => {
  const limits = { p95Ms: 2100, errorRate: 0.01 };

  it('should pass at exactly the limits', () => {
    // Act
    const verdict = performanceVerdict({ p95Ms: 2100, errorRate: 0.01 }, limits);

    // Assess
    expect(verdict).toEqual({ pass: true, reasons: [] });
  });

  it('should fail with one reason per limit exceeded', () => {
    // Act
    const verdict = performanceVerdict({ p95Ms: 2101, errorRate: 0.0101 }, limits);

    // Assess
    expect(verdict.pass).toBe(false);
    expect(verdict.reasons).toEqual([
      'p95 response time 2101 ms is above the limit of 2100 ms',
      'error rate 1.01% is above the limit of 1%',
    ]);
  });

  it('should fail when only the error rate is over', () => {
    // Act
    const verdict = performanceVerdict({ p95Ms: 300, errorRate: 0.02 }, limits);

    // Assess
    expect(verdict).toEqual({ pass: false, reasons: ['error rate 2% is above the limit of 1%'] });
  });

  it('should fail a load test that measured nothing', () => {
    // Act
    const verdict = performanceVerdict({ p95Ms: Number.NaN, errorRate: Number.NaN }, limits);

    // Assess
    expect(verdict).toEqual({ pass: false, reasons: ['p95 response time was not measured', 'error rate was not measured'] });
  });
});
