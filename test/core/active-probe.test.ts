// The active probe's plan for one attempt: its schedule name, when it ends (after everything that may still need it)
// and what each invocation samples. The adapters and the probe function are tested with the AWS side; these pin the
// arithmetic they rely on.
import { PROBE_INVOCATION_SECONDS, ProbeEventSchema, probeEndAt, probeRunFor, probeScheduleName } from '../../lambdas/core/active-probe';
import { testProfile } from '../support/fixtures';

const NOW = new Date('2026-03-01T10:00:00.000Z');

describe('probeScheduleName', () => {
  it('should join the change id and the attempt with a dash', () => {
    expect(probeScheduleName('CR-2026-101', 3)).toBe('CR-2026-101-3');
  });
});

describe('probeEndAt and probeRunFor', () => {
  it('should end after every ACT step at its timeout, the monitoring window, the load test and 900 s of margin', () => {
    // Prepare: the test profile's four steps take the default 600 s each
    const profile = testProfile({ monitoring: { windowSeconds: 120, periodSeconds: 60, evaluationPeriods: 1, datapointsToAlarm: 1 }, tests: { baseUrl: 'http://127.0.0.1:9', performance: { virtualUsers: 1, durationSeconds: 30 } } });
    const stepSeconds = profile.act.steps.map((s) => s.timeoutSeconds);

    // Act
    const endAt = probeEndAt(profile, NOW);

    // Assess
    expect(stepSeconds).toEqual([600, 600, 600, 600]);
    expect(endAt).toBe(new Date(NOW.getTime() + (2400 + 120 + 30 + 900) * 1000).toISOString());
  });

  it("should sample the profile's base URL and probe settings until the end, in an event the probe function accepts", () => {
    // Prepare
    const profile = testProfile({
      monitoring: { windowSeconds: 0, periodSeconds: 60, evaluationPeriods: 1, datapointsToAlarm: 1, probePaths: ['/a', '/b'], probeConcurrency: 7, probeIntervalMs: 250 },
      tests: { baseUrl: 'http://127.0.0.1:9', performance: { virtualUsers: 1, durationSeconds: 1 } },
    });

    // Act
    const run = probeRunFor('CR-2026-101', 2, profile, NOW);

    // Assess
    expect(run).toEqual({
      changeId: 'CR-2026-101', attempt: 2, environment: 'test-env', baseUrl: 'http://127.0.0.1:9',
      paths: ['/a', '/b'], concurrency: 7, intervalMs: 250, endAt: probeEndAt(profile, NOW),
    });
    expect(ProbeEventSchema.parse(run)).toEqual(run);
    expect(PROBE_INVOCATION_SECONDS).toBe(60);
  });
});
