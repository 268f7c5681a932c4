// HttpLoadTester.load with an AbortSignal (a rollback alarm during TEST): autocannon is stopped at once and the load
// test resolves with what it measured, marked aborted; a signal already aborted sends no load at all.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpLoadTester } from '../../../lambdas/adapters/http/load-tester';

let server: Server;
let baseUrl: string;
let hits = 0;

beforeAll(async () => {
  server = createServer((_req, res) => { hits += 1; res.end('ok'); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  hits = 0;
});

describe('HttpLoadTester.load aborted', () => {
  it('should stop sending when the signal aborts and resolve with the partial result, marked aborted', async () => {
    // Prepare
    const controller = new AbortController();
    const tester = new HttpLoadTester();
    setTimeout(() => controller.abort(), 1200);

    // Act
    const result = await tester.load(baseUrl, { virtualUsers: 2, durationSeconds: 60, paths: ['/a'] }, controller.signal);
    const atEnd = hits;
    await new Promise((resolve) => setTimeout(resolve, 500));

    // Assess: it ran (requests measured), stopped long before its 60 s, and sends nothing any more (at most the one
    // request per connection that was on the wire as the connections were closed).
    expect(result.aborted).toBe(true);
    expect(result.requests).toBeGreaterThan(0);
    expect(result.durationSeconds).toBeLessThan(10);
    expect(hits - atEnd).toBeLessThanOrEqual(2);
  }, 20_000);

  it('should send no load when the signal was aborted before it started', async () => {
    // Prepare
    const controller = new AbortController();
    controller.abort();

    // Act
    const result = await new HttpLoadTester().load(baseUrl, { virtualUsers: 2, durationSeconds: 60, paths: ['/a'] }, controller.signal);

    // Assess
    expect(result).toMatchObject({ aborted: true, requests: 0 });
    expect(hits).toBe(0);
  });

  it('should run to its duration and not be marked aborted without a signal', async () => {
    // Act
    const result = await new HttpLoadTester().load(baseUrl, { virtualUsers: 1, durationSeconds: 1, paths: ['/a'] });

    // Assess
    expect(result.aborted).toBeUndefined();
    expect(result.requests).toBeGreaterThan(0);
  }, 10_000);
});
