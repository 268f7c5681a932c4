// TEST: smoke tests of critical paths and endpoints, the profile's regression checks, then a real load test
// against the thresholds. Both log in as the profile's tests.auth says, with credentials resolved by name.
import { ChangeCancelled, PerformanceRegression, SmokeTestsFailed } from '../core/errors';
import { cancelCause } from '../core/records';
import type { EnvironmentProfile } from '../core/schemas';
import { performanceVerdict } from '../core/thresholds';
import type { Deps, LoadResult, LoginSpec, SmokeResult } from '../ports';
import { unlessAlarmed } from './alarm-watch';
import { loadChange, recordEvent, transition } from './common';

/** The parameter names TEST reads: PRE-FLIGHT checks them with the required parameters, before anything is touched. */
export function testCredentialNames(profile: EnvironmentProfile): string[] {
  return Object.values(profile.tests.auth?.credentials ?? {});
}

/**
 * tests.auth with each credential's value read through the ParameterSource port. A name without a value fails TEST
 * naming the parameter (never the value); PRE-FLIGHT normally stops the change on it long before.
 */
export async function resolveLogin(deps: Pick<Deps, 'parameters'>, profile: EnvironmentProfile): Promise<LoginSpec | undefined> {
  const auth = profile.tests.auth;
  if (!auth) return undefined;
  const values = await deps.parameters.values(Object.values(auth.credentials));
  const missing = Object.entries(auth.credentials).filter(([, name]) => values[name] === undefined);
  if (missing.length > 0) {
    throw new SmokeTestsFailed(`tests.auth.credentials: no value for ${missing.map(([field, name]) => `${field} (parameter ${name})`).join(', ')}`);
  }
  const body = Object.fromEntries(Object.entries(auth.credentials).map(([field, name]) => [field, values[name] as string]));
  return { path: auth.loginPath, body, tokenField: auth.tokenField };
}

const failures = (results: SmokeResult[]): string => results.filter((r) => r.status === 'FAIL').map((f) => `${f.name} (${f.error ?? f.details ?? 'FAIL'})`).join('; ');

export async function smokeTests(deps: Deps, changeId: string): Promise<{ passed: number; failed: number; regression: number }> {
  const current = await loadChange(deps, changeId);
  // Cancelled after the monitoring window had already closed: roll back rather than go on testing.
  if (current.cancelRequest) throw new ChangeCancelled(cancelCause(current.cancelRequest));
  const change = await transition(deps, changeId, { status: 'TESTING', phase: 'TEST', message: 'TEST started: smoke tests' }, current);
  const { tests } = change.profile;
  const login = await resolveLogin(deps, change.profile);
  // A rollback alarm during TEST rolls back at once: the probe's own samples feed the alarms, not the test's traffic.
  const results: SmokeResult[] = await unlessAlarmed(deps, change, () => deps.tester.smoke(tests.baseUrl, tests.smoke, login));
  const failed = results.filter((r) => r.status === 'FAIL');
  await recordEvent(deps, change, {
    type: 'test.smoke', phase: 'TEST',
    message: `smoke tests: ${results.length - failed.length}/${results.length} passed`,
    data: { results },
  });
  if (failed.length > 0) throw new SmokeTestsFailed(`smoke tests failed: ${failures(results)}`);

  // The regression checks log in again through their own login check, if they have one (they run as a list of their own).
  const regression: SmokeResult[] = tests.regression.length > 0
    ? await unlessAlarmed(deps, change, () => deps.tester.smoke(tests.baseUrl, tests.regression, login))
    : [];
  const regressionFailed = regression.filter((r) => r.status === 'FAIL');
  await recordEvent(deps, change, {
    type: 'test.regression', phase: 'TEST',
    message: regression.length > 0
      ? `regression checks: ${regression.length - regressionFailed.length}/${regression.length} passed`
      : 'regression checks: none declared in the profile (tests.regression)',
    data: { results: regression, declared: tests.regression.length },
  });
  if (regressionFailed.length > 0) throw new SmokeTestsFailed(`regression checks failed: ${failures(regression)}`);
  return { passed: results.length, failed: 0, regression: regression.length };
}

/** How long an aborted load test may take to stop (autocannon stops at its next one-second tick). */
const LOAD_STOP_WAIT_MS = 3000;

export async function performanceTest(deps: Deps, changeId: string): Promise<LoadResult> {
  const change = await loadChange(deps, changeId);
  const perf = change.profile.tests.performance;
  const login = await resolveLogin(deps, change.profile);
  // A rollback alarm during the load test aborts it at once (the signal stops the load generator), not at its end.
  const result = await unlessAlarmed(deps, change, (signal) => deps.tester.load(change.profile.tests.baseUrl, {
    virtualUsers: perf.virtualUsers, durationSeconds: perf.durationSeconds, paths: perf.paths,
    thinkTimeSeconds: perf.thinkTimeSeconds, checks: perf.checks, ...(login ? { login } : {}),
  }, signal), undefined, LOAD_STOP_WAIT_MS);
  const verdict = performanceVerdict(result, { p95Ms: perf.p95Ms, errorRate: perf.errorRate });
  await recordEvent(deps, change, {
    type: 'test.performance', phase: 'TEST',
    message: `load test ${perf.virtualUsers} VUs × ${perf.durationSeconds}s, think time ${perf.thinkTimeSeconds}s${login ? ', logged in' : ''}: p95 ${result.p95Ms} ms, error rate ${(result.errorRate * 100).toFixed(2)} % — ${verdict.pass ? 'PASS' : 'FAIL'}`,
    data: { result, limits: { p95Ms: perf.p95Ms, errorRate: perf.errorRate }, pass: verdict.pass, reasons: verdict.reasons },
  });
  if (!verdict.pass) throw new PerformanceRegression(`performance regression: ${verdict.reasons.join('; ')}`);
  return result;
}
