// The load test as the seed's k6 script means it, against a real node:http server on 127.0.0.1: each virtual user
// logs in first and sends its token as a Bearer header, pauses between rounds (think time), and a request fails on
// status >= 400 or a failed check, never on a 3xx; latency percentiles count failed answers too.
// k6's own definitions (http_req_duration over every request, http_req_failed outside 200–399 by default):
// https://grafana.com/docs/k6/latest/using-k6/metrics/reference/
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpLoadTester } from '../../../lambdas/adapters/http/load-tester';
import { readBody } from '../../support/http';
import type { LoginSpec } from '../../../lambdas/ports';

const CREDENTIALS = { email: 'qa@example.test', password: 'resolved-from-the-parameter-store' };
const LOGIN: LoginSpec = { path: '/auth/login', body: CREDENTIALS, tokenField: 'access_token' };

let server: Server;
let baseUrl: string;
let issued: string[];
let logins: number;
let hits: { path: string; authorization?: string }[];

beforeEach(async () => {
  issued = [];
  logins = 0;
  hits = [];
  server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const path = req.url ?? '/';
      const json = (status: number, payload: unknown, headers: Record<string, string> = {}) =>
        res.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end(JSON.stringify(payload));
      if (path === '/auth/login' && req.method === 'POST') {
        logins += 1;
        const sent = JSON.parse(body || '{}') as Record<string, unknown>;
        if (sent.email !== CREDENTIALS.email || sent.password !== CREDENTIALS.password) return json(401, { error: 'bad credentials' });
        const token = `tok-${issued.length + 1}`;
        issued.push(token);
        return json(200, { access_token: token });
      }
      hits.push({ path, ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
      const authorised = issued.some((t) => req.headers.authorization === `Bearer ${t}`);
      switch (path) {
        case '/api/private': return authorised ? json(200, { estimates: [] }) : json(401, { error: 'missing or invalid bearer token' });
        case '/api/private-2': return authorised ? json(200, { templates: [] }) : json(401, { error: 'missing or invalid bearer token' });
        case '/redirect': return json(302, { moved: true }, { Location: '/api/private' });
        case '/missing': return json(404, { error: 'not found' });
        case '/down': return json(503, { error: 'maintenance' });
        case '/slow-fail': return void setTimeout(() => json(500, { error: 'slow and broken' }), 60);
        default: return json(200, { ok: true });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('HttpLoadTester.load, as the seed\'s k6 script', () => {
  it('should pass an authenticated-only API: each virtual user logs in once and sends its own token', async () => {
    // Prepare
    const tester = new HttpLoadTester();

    // Act
    const result = await tester.load(baseUrl, { virtualUsers: 3, durationSeconds: 1, paths: ['/api/private', '/api/private-2'], thinkTimeSeconds: 0, login: LOGIN });

    // Assess
    expect(logins).toBe(3);
    expect(result).toMatchObject({ errors: 0, errorRate: 0, loginsFailed: 0 });
    expect(hits.length).toBeGreaterThan(10);
    expect(hits.every((h) => issued.some((t) => h.authorization === `Bearer ${t}`))).toBe(true);
    // One token per virtual user (connection), not one shared token.
    expect(new Set(hits.map((h) => h.authorization)).size).toBe(3);
    // The logins are requests too, as k6 counts them; the server may also have seen the one request per user that
    // was still in flight when the run ended.
    expect(result.requests).toBeLessThanOrEqual(hits.length + logins);
    expect(result.requests).toBeGreaterThanOrEqual(hits.length + logins - 3);
  });

  it('should fail every request of the same API when nobody logs in', async () => {
    // Prepare
    const tester = new HttpLoadTester();

    // Act
    const result = await tester.load(baseUrl, { virtualUsers: 2, durationSeconds: 1, paths: ['/api/private'] });

    // Assess
    expect(logins).toBe(0);
    expect(result.requests).toBeGreaterThan(0);
    expect(result.errorRate).toBe(1);
  });

  it('should count a login that gets no token as a failed request and go on without a token', async () => {
    // Prepare
    const tester = new HttpLoadTester();

    // Act
    const result = await tester.load(baseUrl, { virtualUsers: 2, durationSeconds: 1, paths: ['/public'], login: { ...LOGIN, body: { ...CREDENTIALS, password: 'wrong' } } });

    // Assess
    expect(result.loginsFailed).toBe(2);
    expect(result.errors).toBe(2);
    expect(hits.every((h) => h.authorization === undefined)).toBe(true);
  });

  it('should let only the users whose login failed go on without a token, never lending them another user\'s', async () => {
    // Prepare: the server accepts the first login only
    const tester = new HttpLoadTester();
    let answered = 0;
    server.removeAllListeners('request');
    server.on('request', (req: IncomingMessage, res) => {
      void readBody(req).then(() => {
        if (req.url === '/auth/login') {
          answered += 1;
          if (answered === 1) { issued.push('only-one'); return res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ access_token: 'only-one' })); }
          return res.writeHead(401).end();
        }
        hits.push({ path: req.url ?? '/', ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
        return res.writeHead(req.headers.authorization === 'Bearer only-one' ? 200 : 401).end();
      });
    });

    // Act
    const result = await tester.load(baseUrl, { virtualUsers: 3, durationSeconds: 1, paths: ['/api/private'], login: LOGIN });

    // Assess: one user sent the token, two sent none (and failed), none borrowed it
    expect(result.loginsFailed).toBe(2);
    expect(new Set(hits.map((h) => h.authorization ?? 'none'))).toEqual(new Set(['Bearer only-one', 'none']));
    const withToken = hits.filter((h) => h.authorization).length;
    expect(result.errors).toBeGreaterThanOrEqual(2 + (hits.length - withToken) - 3);
    expect(result.errors).toBeLessThanOrEqual(2 + (hits.length - withToken));
  });

  it('should not count a redirect as an error, nor follow it', async () => {
    // Prepare
    const tester = new HttpLoadTester();

    // Act
    const result = await tester.load(baseUrl, { virtualUsers: 2, durationSeconds: 1, paths: ['/redirect'] });

    // Assess
    expect(result.requests).toBeGreaterThan(10);
    expect(result).toMatchObject({ errors: 0, errorRate: 0 });
    expect(hits.every((h) => h.path === '/redirect')).toBe(true);
  });

  it('should count 4xx and 5xx answers as errors', async () => {
    // Prepare
    const tester = new HttpLoadTester();

    // Act
    const result = await tester.load(baseUrl, { virtualUsers: 2, durationSeconds: 1, paths: ['/missing', '/down'] });

    // Assess
    expect(result.requests).toBeGreaterThan(10);
    expect(result.errors).toBe(result.requests);
    expect(hits.some((h) => h.path === '/missing') && hits.some((h) => h.path === '/down')).toBe(true);
  });

  it('should fail a request that fails its declared check, even a 3xx', async () => {
    // Prepare: the seed's "status is 200" on a path that redirects, none on the healthy one
    const tester = new HttpLoadTester();

    // Act
    const result = await tester.load(baseUrl, {
      virtualUsers: 1, durationSeconds: 1, paths: ['/redirect', '/public'],
      checks: [{ path: '/redirect', expectedStatus: 200 }],
    });

    // Assess: exactly the redirect answers failed. The one virtual user may have one request in flight when the run
    // ends: the server counted it, the load generator never got its answer.
    const redirects = hits.filter((h) => h.path === '/redirect').length;
    expect(redirects).toBeGreaterThan(5);
    expect(result.checksFailed).toBeGreaterThanOrEqual(redirects - 1);
    expect(result.checksFailed).toBeLessThanOrEqual(redirects);
    expect(result.errors).toBe(result.checksFailed);
    expect(result.requests - result.errors).toBeGreaterThan(5);
  });

  it('should fail an answer slower than a response-time check', async () => {
    // Prepare
    const tester = new HttpLoadTester();

    // Act
    const result = await tester.load(baseUrl, { virtualUsers: 1, durationSeconds: 1, paths: ['/slow-fail', '/public'], checks: [{ path: '/public', maxResponseMs: 0.001 }] });

    // Assess: every /public answer took longer than 1 µs, every /slow-fail answer was a 500
    expect(result.errors).toBe(result.requests);
    expect(result.checksFailed).toBe(hits.filter((h) => h.path === '/public').length);
  });

  it('should compute latency percentiles from failed answers too', async () => {
    // Prepare: every answer is a 500 after 60 ms
    const tester = new HttpLoadTester();

    // Act
    const result = await tester.load(baseUrl, { virtualUsers: 2, durationSeconds: 1, paths: ['/slow-fail'] });

    // Assess
    expect(result.errorRate).toBe(1);
    expect(result.p95Ms).toBeGreaterThanOrEqual(60);
    expect(result.avgMs).toBeGreaterThanOrEqual(60);
  });

  it('should bound the request rate by the think time', async () => {
    // Prepare: 2 users, 2 paths, 2 s; a 1 s think time allows ceil(2 paths / 1 s) = 2 requests per user per second
    const tester = new HttpLoadTester();
    const users = 2;
    const seconds = 2;
    const perUserPerSecond = 2;
    // autocannon counts in whole-second windows from each connection's start: at most seconds + 1 windows.
    const bound = users * perUserPerSecond * (seconds + 1);

    // Act
    const paced = await tester.load(baseUrl, { virtualUsers: users, durationSeconds: seconds, paths: ['/a', '/b'], thinkTimeSeconds: 1, login: LOGIN });
    const pacedHits = hits.length;
    hits = [];
    const unpaced = await tester.load(baseUrl, { virtualUsers: users, durationSeconds: seconds, paths: ['/a', '/b'], thinkTimeSeconds: 0 });

    // Assess
    expect(pacedHits).toBeGreaterThanOrEqual(users * perUserPerSecond);
    expect(pacedHits).toBeLessThanOrEqual(bound);
    expect(paced.requests).toBeLessThanOrEqual(pacedHits + users);
    expect(paced.requests).toBeGreaterThanOrEqual(pacedHits);
    expect(paced).toMatchObject({ errors: 0, thinkTimeSeconds: 1 });
    expect(unpaced.requests).toBeGreaterThan(5 * bound);
  }, 20_000);
});

describe('HttpLoadTester.smoke with a login check', () => {
  const check = { method: 'POST' as const, expectedStatus: 200, suite: 'critical-path' as const };

  it('should POST the resolved credentials and hand the token on as a Bearer header', async () => {
    // Prepare
    const tester = new HttpLoadTester();

    // Act
    const results = await tester.smoke(baseUrl, [
      { ...check, name: 'User Authentication', path: '/auth/login', login: true },
      { ...check, name: 'Private', method: 'GET', path: '/api/private', suite: 'api-endpoint', login: false },
    ], LOGIN);

    // Assess
    expect(results.map((r) => r.status)).toEqual(['PASS', 'PASS']);
    expect(results[0]?.details).toMatch(/token received/);
    expect(hits).toEqual([{ path: '/api/private', authorization: 'Bearer tok-1' }]);
  });

  it('should fail a login check whose answer has no token, and one with no credentials to send', async () => {
    // Prepare
    const tester = new HttpLoadTester();

    // Act
    const [noToken] = await tester.smoke(baseUrl, [{ ...check, name: 'Login', path: '/public', login: true }], LOGIN);
    const [noCredentials] = await tester.smoke(baseUrl, [{ ...check, name: 'Login', path: '/auth/login', login: true }]);

    // Assess
    expect(noToken).toMatchObject({ status: 'FAIL', httpStatus: 200, error: 'login answered HTTP 200 without a "access_token" field' });
    expect(noCredentials).toMatchObject({ status: 'FAIL', error: expect.stringMatching(/no tests\.auth/) });
    expect(logins).toBe(0);
  });
});
