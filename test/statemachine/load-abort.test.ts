// A rollback alarm during TEST's load test aborts the load test at once (an AbortSignal through the LoadTester port to
// autocannon's stop), on the local engine with the real HTTP load tester against a server on 127.0.0.1: the change
// rolls back while the load test still had most of its duration to run, and the load stops before the rollback ends.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpLoadTester } from '../../lambdas/adapters/http/load-tester';
import { eventually } from '../support/fakes';
import { createHarness, PATHS, statePath, testProfile, TEST_ENV, type Harness } from '../support/harness';

const ID = 'CR-2026-900';
/** Far longer than the test runs: only an abort ends it in time. */
const LOAD_SECONDS = 120;

describe('a rollback alarm during the local load test', () => {
  let server: Server;
  let baseUrl: string;
  const loadRequests: number[] = [];
  let h: Harness;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/api/v1/load') loadRequests.push(Date.now());
      res.setHeader('content-type', 'application/json');
      res.end('{"ok":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  afterEach(async () => {
    await h.close();
  });

  it('should stop the load test at once and roll back, instead of running it to its end', async () => {
    // Prepare
    h = createHarness({ loadTester: new HttpLoadTester() });
    const profile = testProfile({
      tests: { baseUrl, smoke: [{ name: 'Health', path: '/api/v1/health' }], performance: { virtualUsers: 2, durationSeconds: LOAD_SECONDS, paths: ['/api/v1/load'], thinkTimeSeconds: 0 } },
    });
    const name = await h.submit(undefined, profile);
    await h.approveAll(ID);
    await eventually(async () => loadRequests.length, (n) => n > 20, 20_000);
    const firedAt = Date.now();

    // Act
    h.alarms.fire(TEST_ENV, 'latency');
    const outcome = await h.finish(name);
    const endedAt = Date.now();
    const sentByTheEnd = loadRequests.length;
    await new Promise((resolve) => setTimeout(resolve, 1500));

    // Assess: rolled back from Test Performance, on the alarm.
    expect(statePath(outcome)).toEqual([...PATHS.PREFLIGHT, ...PATHS.PLAN, 'Act Begin', 'Act Run Steps', 'Monitor Window', 'Test Smoke', 'Test Performance', ...PATHS.ROLLBACK_TO_PLAN]);
    expect(await h.store.getChange(ID)).toMatchObject({ status: 'ROLLED_BACK', reason: expect.stringMatching(/^AlarmTriggered: runbook-test-env-p95-latency: /) });
    // The load test was stopped, not abandoned: no request after the rollback ended (none still being sent in the
    // background), and the change ended long before the load test's duration.
    expect(loadRequests.filter((at) => at > endedAt)).toEqual([]);
    expect(loadRequests.length).toBe(sentByTheEnd);
    expect(endedAt - firedAt).toBeLessThan((LOAD_SECONDS / 4) * 1000);
    // No performance verdict was recorded on a cut-short load test.
    expect((await h.store.listEvents(ID)).map((e) => e.type)).not.toContain('test.performance');
  }, 60_000);
});
