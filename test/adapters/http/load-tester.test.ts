// HTTP load tester: smoke checks (expected status, login token hand-off, failures) and an autocannon run against
// a node:http server on 127.0.0.1 that fails a known fraction of requests.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpLoadTester } from '../../../lambdas/adapters/http/load-tester';
import { readBody } from '../../support/http';
import type { HttpCheck } from '../../../lambdas/core/schemas';

interface Seen { method: string; path: string; authorization?: string; contentType?: string; body: string }

let server: Server;
let baseUrl: string;
let seen: Seen[];
let answered: { total: number; failed: number; byPath: Record<string, number> };

beforeEach(async () => {
  seen = [];
  answered = { total: 0, failed: 0, byPath: {} };
  server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const path = req.url ?? '/';
      seen.push({ method: req.method ?? '', path, authorization: req.headers.authorization, contentType: req.headers['content-type'], body });
      const json = (status: number, payload: unknown) => res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(payload));
      if (path === '/api/v1/auth/login' && req.method === 'POST') return json(200, { token: 'smoke-token-1' });
      if (path === '/api/v1/estimate') {
        return req.headers.authorization === 'Bearer smoke-token-1' ? json(201, { estimateId: 'E-1' }) : json(401, { error: 'no token' });
      }
      if (path === '/api/v1/health') return json(200, { status: 'healthy' });
      if (path === '/broken') return json(500, { error: 'database unreachable' });
      if (path === '/slow') return void setTimeout(() => json(200, { ok: true }), 30);
      if (path.startsWith('/load/')) {
        // Every 4th answer fails: the server knows exactly what fraction it failed.
        answered.total += 1;
        answered.byPath[path] = (answered.byPath[path] ?? 0) + 1;
        if (answered.total % 4 === 0) {
          answered.failed += 1;
          return json(500, { error: 'every fourth' });
        }
        return json(200, { ok: true });
      }
      return json(404, { error: 'not found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function check(partial: Partial<HttpCheck> & Pick<HttpCheck, 'name' | 'path'>): HttpCheck {
  return { method: 'GET', expectedStatus: 200, suite: 'api-endpoint', login: false, ...partial };
}

describe('HttpLoadTester.smoke', () => {
  it('should pass checks that answer their expected status, including an expected 404', async () => {
    // Prepare
    const tester = new HttpLoadTester();

    // Act
    const results = await tester.smoke(baseUrl, [
      check({ name: 'Health', path: '/api/v1/health' }),
      check({ name: 'Unknown route is 404', path: '/api/v1/nope', expectedStatus: 404 }),
    ]);

    // Assess
    expect(results).toEqual([
      expect.objectContaining({ name: 'Health', suite: 'api-endpoint', status: 'PASS', httpStatus: 200, details: expect.stringMatching(/^HTTP 200 in \d+ ms$/) }),
      expect.objectContaining({ name: 'Unknown route is 404', status: 'PASS', httpStatus: 404 }),
    ]);
    expect(results.every((r) => r.durationMs >= 0 && r.error === undefined)).toBe(true);
  });

  it('should fail a check that answers another status, say which, and go on with the next', async () => {
    // Prepare
    const tester = new HttpLoadTester();

    // Act
    const results = await tester.smoke(baseUrl, [
      check({ name: 'Broken', path: '/broken' }),
      check({ name: 'Health', path: '/api/v1/health' }),
    ]);

    // Assess
    expect(results[0]).toMatchObject({ name: 'Broken', status: 'FAIL', httpStatus: 500, error: 'expected HTTP 200, got 500: {"error":"database unreachable"}' });
    expect(results[1]).toMatchObject({ name: 'Health', status: 'PASS' });
  });

  it('should send the JSON body and hand the login token to later checks as a Bearer', async () => {
    // Prepare
    const tester = new HttpLoadTester();
    const credentials = { email: 'test@company.com', password: 'test123' };

    // Act
    const results = await tester.smoke(baseUrl, [
      check({ name: 'User Authentication', method: 'POST', path: '/api/v1/auth/login', body: credentials, suite: 'critical-path' }),
      check({ name: 'Estimate Creation', method: 'POST', path: '/api/v1/estimate', body: { customerId: 'test_customer' }, expectedStatus: 201, suite: 'critical-path' }),
    ]);

    // Assess
    expect(results.map((r) => r.status)).toEqual(['PASS', 'PASS']);
    expect(results[0]?.details).toMatch(/token received/);
    expect(seen[0]).toMatchObject({ method: 'POST', contentType: 'application/json', body: JSON.stringify(credentials), authorization: undefined });
    expect(seen[1]).toMatchObject({ authorization: 'Bearer smoke-token-1' });
  });

  it('should fail the estimate check without a login before it', async () => {
    // Prepare
    const tester = new HttpLoadTester();

    // Act
    const [result] = await tester.smoke(baseUrl, [check({ name: 'Estimate Creation', method: 'POST', path: '/api/v1/estimate', body: {}, expectedStatus: 201 })]);

    // Assess
    expect(result).toMatchObject({ status: 'FAIL', httpStatus: 401 });
  });

  it('should fail a check it cannot reach, naming the cause', async () => {
    // Prepare
    const tester = new HttpLoadTester();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server = createServer(); // afterEach closes this one

    // Act
    const [result] = await tester.smoke(baseUrl, [check({ name: 'Health', path: '/api/v1/health' })]);

    // Assess
    expect(result).toMatchObject({ name: 'Health', status: 'FAIL', error: expect.stringMatching(/ECONNREFUSED/) });
    expect(result?.httpStatus).toBeUndefined();
  });

  it('should fail a performance-baseline check slower than the baseline', async () => {
    // Prepare: the server waits 30 ms; the baseline is 5 ms
    const tester = new HttpLoadTester({ performanceBaselineMs: 5 });

    // Act
    const [result] = await tester.smoke(baseUrl, [check({ name: 'API Response Time', path: '/slow', suite: 'performance-baseline' })]);

    // Assess
    expect(result).toMatchObject({ status: 'FAIL', httpStatus: 200, error: expect.stringMatching(/over the 5 ms baseline/) });
  });

  it('should keep a base path of the target URL', async () => {
    // Prepare
    const tester = new HttpLoadTester();

    // Act
    await tester.smoke(`${baseUrl}/api/`, [check({ name: 'Health', path: '/v1/health' })]);

    // Assess
    expect(seen[0]?.path).toBe('/api/v1/health');
  });
});

describe('HttpLoadTester.load', () => {
  it('should run autocannon over the paths and compute the error rate of a server failing 1 in 4', async () => {
    // Prepare
    const tester = new HttpLoadTester();

    // Act
    const result = await tester.load(baseUrl, { virtualUsers: 3, durationSeconds: 1, paths: ['/load/a', '/load/b'] });

    // Assess
    expect(result.requests).toBeGreaterThan(20);
    expect(result.errorRate).toBe(result.errors / result.requests);
    expect(result.errorRate).toBeGreaterThan(0.2);
    expect(result.errorRate).toBeLessThan(0.3);
    // The client cannot see more answers than the server gave, nor more failures than it sent.
    expect(result.requests).toBeLessThanOrEqual(answered.total);
    expect(result.errors).toBeLessThanOrEqual(answered.failed);
    expect(answered.byPath['/load/a']).toBeGreaterThan(0);
    expect(answered.byPath['/load/b']).toBeGreaterThan(0);
    expect(result.p95Ms).toBeGreaterThan(0);
    expect(result.p99Ms).toBeGreaterThanOrEqual(result.p95Ms);
    expect(result.durationSeconds).toBeGreaterThan(0);
  });

  it('should report no errors against a healthy path', async () => {
    // Prepare
    const tester = new HttpLoadTester();

    // Act
    const result = await tester.load(baseUrl, { virtualUsers: 2, durationSeconds: 1, paths: ['/api/v1/health'] });

    // Assess
    expect(result.requests).toBeGreaterThan(0);
    expect(result).toMatchObject({ errors: 0, errorRate: 0 });
    expect(result.avgMs).toBeGreaterThan(0);
  });

  it('should count every request as an error when nothing answers', async () => {
    // Prepare
    const tester = new HttpLoadTester();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server = createServer();

    // Act
    const result = await tester.load(baseUrl, { virtualUsers: 1, durationSeconds: 1, paths: ['/api/v1/health'] });

    // Assess
    expect(result.errorRate).toBe(1);
    expect(result.p95Ms).toBe(0);
  });
});
