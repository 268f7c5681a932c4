// The TEST phase over the real HTTP load tester and a real local API that only answers logged-in callers: the
// credentials come from parameter NAMES resolved through the ParameterSource port (here the local parameter file),
// never from the profile, and never reach the change's records.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpLoadTester } from '../../lambdas/adapters/http/load-tester';
import { LocalParameterSource } from '../../lambdas/adapters/local/parameters';
import { MemoryChangeStore } from '../../lambdas/adapters/memory/change-store';
import { SmokeTestsFailed } from '../../lambdas/core/errors';
import { executionNameFor, type ChangeRecord } from '../../lambdas/core/records';
import { buildReport } from '../../lambdas/core/report';
import { assessRisk, requiredApprovals } from '../../lambdas/core/risk';
import { validate, EnvironmentProfileSchema, type EnvironmentProfile } from '../../lambdas/core/schemas';
import { LocalEventBus } from '../../lambdas/embedded/event-bus';
import { reportInputFrom, verdictFor } from '../../lambdas/phases/report';
import { performanceTest, smokeTests } from '../../lambdas/phases/test-phase';
import type { Deps } from '../../lambdas/ports';
import { FakeAlarms, FakeHostCommands, RecordingNotifier, silentLog, systemClock } from '../support/fakes';
import { testChange, testProfile } from '../support/harness';

const PASSWORD = 'pw-only-in-the-parameter-file';
const EMAIL_PARAM = '/runbook/test-env/test-user-email';
const PASSWORD_PARAM = '/runbook/test-env/test-user-password';

let server: Server;
let baseUrl: string;
let dir: string;
let unauthorised: number;

beforeEach(async () => {
  unauthorised = 0;
  const tokens = new Set<string>();
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString('utf8'); });
    req.on('end', () => {
      const json = (status: number, payload: unknown, headers: Record<string, string> = {}) => res.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end(JSON.stringify(payload));
      if (req.url === '/api/v1/auth/login' && req.method === 'POST') {
        const sent = JSON.parse(body || '{}') as Record<string, unknown>;
        if (sent.email !== 'qa@example.test' || sent.password !== PASSWORD) return json(401, { error: 'bad credentials' });
        const token = `t${tokens.size + 1}`;
        tokens.add(token);
        return json(200, { token });
      }
      const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (!bearer || !tokens.has(bearer)) { unauthorised += 1; return json(401, { error: 'unauthorised' }); }
      // An API behind a gateway that redirects its old path: a 3xx is an answer, not an error.
      if (req.url === '/api/v1/old-estimates') return json(301, {}, { Location: '/api/v1/estimates' });
      return json(200, { ok: true });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = mkdtempSync(join(tmpdir(), 'runbook-test-phase-'));
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

function profileFor(extra: Record<string, unknown> = {}): EnvironmentProfile {
  const base = testProfile();
  return validate(EnvironmentProfileSchema, {
    ...base,
    tests: {
      baseUrl,
      auth: { credentials: { email: EMAIL_PARAM, password: PASSWORD_PARAM } },
      smoke: [
        { name: 'User Authentication', method: 'POST', path: '/api/v1/auth/login', login: true, suite: 'critical-path' },
        { name: 'Estimates', path: '/api/v1/estimates' },
      ],
      performance: { virtualUsers: 2, durationSeconds: 1, thinkTimeSeconds: 0, paths: ['/api/v1/estimates', '/api/v1/old-estimates'] },
      ...extra,
    },
  }, 'profile');
}

async function depsWith(profile: EnvironmentProfile, parameters: Record<string, string>): Promise<{ deps: Deps; store: MemoryChangeStore; change: ChangeRecord }> {
  const file = join(dir, 'parameters.json');
  writeFileSync(file, JSON.stringify(parameters));
  const store = new MemoryChangeStore();
  const bus = new LocalEventBus({ log: silentLog });
  const alarms = new FakeAlarms(bus);
  const deps: Deps = {
    store, hosts: new FakeHostCommands(bus), alarms, metrics: alarms, callbacks: { sendTaskSuccess: async () => true, sendTaskFailure: async () => true },
    notifier: new RecordingNotifier(), clock: systemClock, parameters: new LocalParameterSource({ env: {}, file }),
    tester: new HttpLoadTester(), executions: { start: async () => ({ executionId: 'x', alreadyStarted: false }) }, log: silentLog,
  };
  const request = testChange();
  const risk = assessRisk(request);
  const now = new Date().toISOString();
  const change: ChangeRecord = {
    id: request.change_request.id, environment: profile.name, title: 'test', requester: request.requester.name, status: 'MONITORING', phase: 'ACT',
    attempt: 1, maxAttempts: 2, version: 1, request, profile, risk, requiredApprovals: requiredApprovals(risk), bodyHash: 'h',
    executionName: executionNameFor(request.change_request.id, 1), createdAt: now, updatedAt: now,
  };
  await store.createChange(change);
  return { deps, store, change };
}

describe('TEST phase against an API that only answers logged-in callers', () => {
  it('should pass smoke and load tests with credentials resolved by name, and keep the password out of every record', async () => {
    // Prepare
    const profile = profileFor();
    const { deps, store, change } = await depsWith(profile, { [EMAIL_PARAM]: 'qa@example.test', [PASSWORD_PARAM]: PASSWORD });

    // Act
    const smoke = await smokeTests(deps, change.id);
    const load = await performanceTest(deps, change.id);

    // Assess
    expect(smoke).toEqual({ passed: 2, failed: 0, regression: 0 });
    expect(load).toMatchObject({ errors: 0, errorRate: 0, loginsFailed: 0 });
    expect(load.requests).toBeGreaterThan(10);
    expect(unauthorised).toBe(0);
    const events = await store.listEvents(change.id);
    expect(events.map((e) => e.type)).toEqual(['status.testing', 'test.smoke', 'test.regression', 'test.performance']);
    expect(JSON.stringify(events)).not.toContain(PASSWORD);
    const final = (await store.getChange(change.id)) as ChangeRecord;
    const perf = reportInputFrom({ change: final, attempt: 1, verdict: verdictFor('completed', final, 1, undefined), events, commands: [], now: new Date().toISOString() }).tests.find((t) => t.type === 'performance');
    expect(perf).toMatchObject({ status: 'PASS', details: expect.stringMatching(/^p95 [\d.]+ ms, error rate 0\.00 %, \d+ requests$/) });
    expect(JSON.stringify(await store.getChange(change.id))).not.toContain(PASSWORD);
  });

  it('should say in the report that no regression checks are declared, and list them when they are', async () => {
    // Prepare
    const none = await depsWith(profileFor(), { [EMAIL_PARAM]: 'qa@example.test', [PASSWORD_PARAM]: PASSWORD });
    const declared = await depsWith(profileFor({ regression: [
      { name: 'Login again', method: 'POST', path: '/api/v1/auth/login', login: true },
      { name: 'Estimates still listed', path: '/api/v1/estimates' },
    ] }), { [EMAIL_PARAM]: 'qa@example.test', [PASSWORD_PARAM]: PASSWORD });

    // Act
    await smokeTests(none.deps, none.change.id);
    await smokeTests(declared.deps, declared.change.id);
    const report = async (s: typeof none) => {
      const change = (await s.store.getChange(s.change.id)) as ChangeRecord;
      return reportInputFrom({ change, attempt: 1, verdict: verdictFor('completed', change, 1, undefined), events: await s.store.listEvents(change.id), commands: [], now: new Date().toISOString() });
    };
    const withoutChecks = await report(none);
    const withChecks = await report(declared);

    // Assess
    expect((await none.store.listEvents(none.change.id)).find((e) => e.type === 'test.regression')?.message).toBe('regression checks: none declared in the profile (tests.regression)');
    expect(withoutChecks.tests.filter((t) => t.type === 'regression')).toEqual([]);
    expect(withoutChecks.regressionChecksDeclared).toBe(0);
    expect(withChecks.tests.filter((t) => t.type === 'regression').map((t) => [t.name, t.status])).toEqual([['Login again', 'PASS'], ['Estimates still listed', 'PASS']]);
    expect(buildReport(withoutChecks).recommendations.map((r) => r.description).join(' ')).toMatch(/No regression checks are declared in the profile/);
    expect(buildReport(withChecks).recommendations.map((r) => r.description).join(' ')).not.toMatch(/No regression checks/);
  });

  it('should fail TEST naming the credential whose parameter has no value, without sending anything', async () => {
    // Prepare
    const { deps, change } = await depsWith(profileFor(), { [EMAIL_PARAM]: 'qa@example.test' });

    // Act
    const smoke = smokeTests(deps, change.id);

    // Assess
    await expect(smoke).rejects.toThrow(SmokeTestsFailed);
    await expect(smoke).rejects.toThrow(`tests.auth.credentials: no value for password (parameter ${PASSWORD_PARAM})`);
    expect(unauthorised).toBe(0);
  });

  it('should fail the load test of that API when the credentials are wrong (401s are errors)', async () => {
    // Prepare
    const { deps, change } = await depsWith(profileFor(), { [EMAIL_PARAM]: 'qa@example.test', [PASSWORD_PARAM]: 'wrong' });

    // Act
    const load = performanceTest(deps, change.id);

    // Assess
    await expect(load).rejects.toThrow(/performance regression: error rate/);
    expect(unauthorised).toBeGreaterThan(0);
  });
});
