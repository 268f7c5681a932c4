// TEST over the memory store and a scripted tester (no HTTP): what the smoke, regression and load tests record, when
// they fail and how they name the failures, and how the login is resolved and handed to the tester.
import { ChangeCancelled, PerformanceRegression, SmokeTestsFailed } from '../../lambdas/core/errors';
import type { ChangeRecord } from '../../lambdas/core/records';
import type { LoadResult, LoadSpec, LoginSpec, SmokeResult } from '../../lambdas/ports';
import type { HttpCheck } from '../../lambdas/core/schemas';
import { performanceTest, resolveLogin, smokeTests, testCredentialNames } from '../../lambdas/phases/test-phase';
import { FakeParameters } from '../support/fakes';
import { testProfile } from '../support/fixtures';
import { memoryDeps, submitted, type MemoryDeps } from '../support/phase-deps';

const AUTH = { credentials: { email: '/runbook/test-env/email', password: '/runbook/test-env/password' }, loginPath: '/login', tokenField: 'jwt' };

/** A tester answering each check as `answer` says, recording the checks, logins and load specs it was given. */
function scriptedTester(answer: (c: HttpCheck) => Partial<SmokeResult> = () => ({}), load: Partial<LoadResult> = {}) {
  const calls: { checks: string[]; login: LoginSpec | undefined }[] = [];
  const loads: LoadSpec[] = [];
  return {
    calls, loads,
    async smoke(_base: string, checks: HttpCheck[], login?: LoginSpec): Promise<SmokeResult[]> {
      calls.push({ checks: checks.map((c) => c.name), login });
      return checks.map((c) => ({ name: c.name, suite: c.suite, status: 'PASS', durationMs: 1, ...answer(c) }));
    },
    async load(_base: string, spec: LoadSpec): Promise<LoadResult> {
      loads.push(spec);
      return { requests: 500, errors: 0, errorRate: 0.004, avgMs: 20, p95Ms: 80, p99Ms: 90, durationSeconds: spec.durationSeconds, ...load };
    },
  };
}

async function setup(id: string, tests: Record<string, unknown>, patch: Partial<ChangeRecord> = {}): Promise<{ deps: MemoryDeps; change: ChangeRecord }> {
  const deps = memoryDeps();
  deps.parameters = new FakeParameters([], { '/runbook/test-env/email': 'qa@example.test', '/runbook/test-env/password': 'pw' });
  const stored = await submitted(deps, id);
  const base = testProfile();
  const change = await deps.store.updateChange(id, stored.version, { profile: testProfile({ tests: { ...base.tests, ...tests } }), ...patch });
  return { deps, change };
}

describe('the TEST credentials', () => {
  it('should name the parameters a login reads, and none without a login', () => {
    // Arrange
    const withAuth = testProfile({ tests: { ...testProfile().tests, auth: AUTH } });

    // Act
    const names = [testCredentialNames(withAuth), testCredentialNames(testProfile())];

    // Assess
    expect(names).toEqual([['/runbook/test-env/email', '/runbook/test-env/password'], []]);
  });

  it('should resolve the login body from the parameters, with the login path and token field', async () => {
    // Arrange
    const profile = testProfile({ tests: { ...testProfile().tests, auth: AUTH } });
    const parameters = new FakeParameters([], { '/runbook/test-env/email': 'qa@example.test', '/runbook/test-env/password': 'pw' });

    // Act
    const login = await resolveLogin({ parameters }, profile);
    const none = await resolveLogin({ parameters }, testProfile());

    // Assess
    expect(login).toEqual({ path: '/login', body: { email: 'qa@example.test', password: 'pw' }, tokenField: 'jwt' });
    expect(none).toBeUndefined();
  });

  it('should fail naming each field whose parameter has no value', async () => {
    // Arrange
    const profile = testProfile({ tests: { ...testProfile().tests, auth: { ...AUTH, credentials: { ...AUTH.credentials, user: '/runbook/test-env/user' } } } });
    const parameters = new FakeParameters(['/runbook/test-env/password', '/runbook/test-env/user'], { '/runbook/test-env/email': 'qa@example.test' });

    // Act
    const resolving = resolveLogin({ parameters }, profile);

    // Assess
    await expect(resolving).rejects.toThrow(new SmokeTestsFailed('tests.auth.credentials: no value for password (parameter /runbook/test-env/password), user (parameter /runbook/test-env/user)'));
  });
});

describe('smokeTests', () => {
  it('should move the change to TESTING, record the smoke results and say no regression checks were declared', async () => {
    // Arrange
    const { deps, change } = await setup('CR-2026-990', { auth: AUTH });
    const tester = scriptedTester();
    deps.tester = tester;

    // Act
    const result = await smokeTests(deps, change.id);

    // Assess
    expect(result).toEqual({ passed: 2, failed: 0, regression: 0 });
    expect(tester.calls).toEqual([{ checks: ['Health', 'Estimates'], login: { path: '/login', body: { email: 'qa@example.test', password: 'pw' }, tokenField: 'jwt' } }]);
    expect(await deps.store.getChange(change.id)).toMatchObject({ status: 'TESTING', phase: 'TEST' });
    const events = await deps.store.listEvents(change.id);
    expect(events.find((e) => e.type === 'status.testing')).toMatchObject({ message: 'TEST started: smoke tests' });
    expect(events.find((e) => e.type === 'test.smoke')).toMatchObject({ phase: 'TEST', message: 'smoke tests: 2/2 passed', data: { results: [{ name: 'Health', status: 'PASS' }, { name: 'Estimates', status: 'PASS' }] } });
    expect(events.find((e) => e.type === 'test.regression')).toMatchObject({ phase: 'TEST', message: 'regression checks: none declared in the profile (tests.regression)', data: { results: [], declared: 0 } });
  });

  it('should fail on a failed smoke test, naming each failure by its error, details or FAIL, after recording the results', async () => {
    // Arrange
    const { deps, change } = await setup('CR-2026-991', { smoke: [{ name: 'A', path: '/a' }, { name: 'B', path: '/b' }, { name: 'C', path: '/c' }, { name: 'D', path: '/d' }] });
    const answers: Record<string, Partial<SmokeResult>> = { A: { status: 'FAIL', error: 'ECONNREFUSED', details: 'x' }, B: { status: 'FAIL', details: 'HTTP 500' }, C: { status: 'FAIL' } };
    const tester = scriptedTester((c) => answers[c.name] ?? {});
    deps.tester = tester;

    // Act
    const running = smokeTests(deps, change.id);

    // Assess
    await expect(running).rejects.toThrow(new SmokeTestsFailed('smoke tests failed: A (ECONNREFUSED); B (HTTP 500); C (FAIL)'));
    const events = await deps.store.listEvents(change.id);
    expect(events.find((e) => e.type === 'test.smoke')?.message).toBe('smoke tests: 1/4 passed');
    expect(events.map((e) => e.type)).not.toContain('test.regression');
    expect(tester.calls).toHaveLength(1);
  });

  it('should run the declared regression checks as a list of their own, and fail on one that fails', async () => {
    // Arrange
    const { deps, change } = await setup('CR-2026-992', { regression: [{ name: 'R1', path: '/r1' }, { name: 'R2', path: '/r2' }] });
    const tester = scriptedTester((c) => (c.name === 'R2' ? { status: 'FAIL', error: 'timeout' } : {}));
    deps.tester = tester;

    // Act
    const running = smokeTests(deps, change.id);

    // Assess
    await expect(running).rejects.toThrow(new SmokeTestsFailed('regression checks failed: R2 (timeout)'));
    expect(tester.calls.map((c) => c.checks)).toEqual([['Health', 'Estimates'], ['R1', 'R2']]);
    const regression = (await deps.store.listEvents(change.id)).find((e) => e.type === 'test.regression');
    expect(regression).toMatchObject({ message: 'regression checks: 1/2 passed', data: { declared: 2, results: [{ name: 'R1', status: 'PASS' }, { name: 'R2', status: 'FAIL' }] } });
  });

  it('should count the regression checks that passed', async () => {
    // Arrange
    const { deps, change } = await setup('CR-2026-993', { regression: [{ name: 'R1', path: '/r1' }] });
    deps.tester = scriptedTester();

    // Act
    const result = await smokeTests(deps, change.id);

    // Assess
    expect(result).toEqual({ passed: 2, failed: 0, regression: 1 });
  });

  it('should roll back a change cancelled after its window closed instead of testing it', async () => {
    // Arrange
    const { deps, change } = await setup('CR-2026-994', {}, { cancelRequest: { by: 'ops', at: '2026-12-02T09:00:00.000Z', reason: 'stop' } });
    const tester = scriptedTester();
    deps.tester = tester;

    // Act
    const running = smokeTests(deps, change.id);

    // Assess
    await expect(running).rejects.toThrow(new ChangeCancelled('cancelled by ops: stop'));
    expect(tester.calls).toEqual([]);
    expect((await deps.store.getChange(change.id))?.status).toBe(change.status);
  });
});

describe('performanceTest', () => {
  it('should run the profile\'s load with the login and record a pass with its limits', async () => {
    // Arrange
    const perf = { virtualUsers: 3, durationSeconds: 7, p95Ms: 100, errorRate: 0.01, paths: ['/a', '/b'], thinkTimeSeconds: 2, checks: [{ path: '/a', expectedStatus: 200 }] };
    const { deps, change } = await setup('CR-2026-995', { auth: AUTH, performance: perf });
    const tester = scriptedTester();
    deps.tester = tester;

    // Act
    const result = await performanceTest(deps, change.id);

    // Assess
    expect(result).toMatchObject({ p95Ms: 80, durationSeconds: 7 });
    expect(tester.loads).toEqual([{ virtualUsers: 3, durationSeconds: 7, paths: ['/a', '/b'], thinkTimeSeconds: 2, checks: [{ path: '/a', expectedStatus: 200 }], login: { path: '/login', body: { email: 'qa@example.test', password: 'pw' }, tokenField: 'jwt' } }]);
    const event = (await deps.store.listEvents(change.id)).find((e) => e.type === 'test.performance');
    expect(event).toMatchObject({
      phase: 'TEST', message: 'load test 3 VUs × 7s, think time 2s, logged in: p95 80 ms, error rate 0.40 % — PASS',
      data: { result, limits: { p95Ms: 100, errorRate: 0.01 }, pass: true, reasons: [] },
    });
  });

  it('should fail a load above its limits, recording why, and send no login without one', async () => {
    // Arrange
    const { deps, change } = await setup('CR-2026-996', { performance: { virtualUsers: 2, durationSeconds: 1, p95Ms: 50, paths: ['/a'], thinkTimeSeconds: 0 } });
    const tester = scriptedTester(() => ({}), { p95Ms: 80 });
    deps.tester = tester;

    // Act
    const running = performanceTest(deps, change.id);

    // Assess
    await expect(running).rejects.toThrow(new PerformanceRegression('performance regression: p95 response time 80 ms is above the limit of 50 ms'));
    expect(tester.loads[0]).not.toHaveProperty('login');
    const event = (await deps.store.listEvents(change.id)).find((e) => e.type === 'test.performance');
    expect(event).toMatchObject({ message: 'load test 2 VUs × 1s, think time 0s: p95 80 ms, error rate 0.40 % — FAIL', data: { pass: false, reasons: ['p95 response time 80 ms is above the limit of 50 ms'] } });
  });
});
