// TEST: smoke tests of critical paths and endpoints, then a real load test against the thresholds.
import { ChangeCancelled, PerformanceRegression, SmokeTestsFailed } from '../core/errors';
import { cancelCause } from '../core/records';
import { performanceVerdict } from '../core/thresholds';
import type { Deps, LoadResult, SmokeResult } from '../ports';
import { unlessAlarmed } from './alarm-watch';
import { loadChange, recordEvent, transition } from './common';

export async function smokeTests(deps: Deps, changeId: string): Promise<{ passed: number; failed: number }> {
  const requested = (await loadChange(deps, changeId)).cancelRequest;
  // Cancelled after the monitoring window had already closed: roll back rather than go on testing.
  if (requested) throw new ChangeCancelled(cancelCause(requested));
  const change = await transition(deps, changeId, { status: 'TESTING', phase: 'TEST', message: 'TEST started: smoke tests' });
  // A rollback alarm during TEST rolls back at once: the probe's own samples feed the alarms, not the test's traffic.
  const results: SmokeResult[] = await unlessAlarmed(deps, change, () => deps.tester.smoke(change.profile.tests.baseUrl, change.profile.tests.smoke));
  const failed = results.filter((r) => r.status === 'FAIL');
  await recordEvent(deps, change, {
    type: 'test.smoke', phase: 'TEST',
    message: `smoke tests: ${results.length - failed.length}/${results.length} passed`,
    data: { results },
  });
  if (failed.length > 0) throw new SmokeTestsFailed(`smoke tests failed: ${failed.map((f) => `${f.name} (${f.error ?? f.details ?? 'FAIL'})`).join('; ')}`);
  return { passed: results.length, failed: 0 };
}

export async function performanceTest(deps: Deps, changeId: string): Promise<LoadResult> {
  const change = await loadChange(deps, changeId);
  const perf = change.profile.tests.performance;
  const result = await unlessAlarmed(deps, change, () => deps.tester.load(change.profile.tests.baseUrl, { virtualUsers: perf.virtualUsers, durationSeconds: perf.durationSeconds, paths: perf.paths }));
  const verdict = performanceVerdict(result, { p95Ms: perf.p95Ms, errorRate: perf.errorRate });
  await recordEvent(deps, change, {
    type: 'test.performance', phase: 'TEST',
    message: `load test ${perf.virtualUsers} VUs × ${perf.durationSeconds}s: p95 ${result.p95Ms} ms, error rate ${(result.errorRate * 100).toFixed(2)} % — ${verdict.pass ? 'PASS' : 'FAIL'}`,
    data: { result, limits: { p95Ms: perf.p95Ms, errorRate: perf.errorRate }, pass: verdict.pass, reasons: verdict.reasons },
  });
  if (!verdict.pass) throw new PerformanceRegression(`performance regression: ${verdict.reasons.join('; ')}`);
  return result;
}
