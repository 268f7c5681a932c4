// The web console's server side on `runbook serve`: the page and its assets (same origin, loopback only, a strict
// Content-Security-Policy), Host checking against DNS rebinding, and GET /events — Server-Sent Events of the store's
// writes for a caller with a bearer token: a submission arrives on the stream within seconds, 401 without a token,
// heartbeats, a bounded number of streams, and a stream's subscription gone once the page disconnects.
import { request as httpRequest } from 'node:http';
import { ChangeFeed } from '../../lambdas/embedded/change-feed';
import { CONSOLE_CSP } from '../../lambdas/api/console';
import { json } from '../../lambdas/api/http';
import { listen, type NodeServer } from '../../lambdas/api/node-server';
import { monitoringView } from '../../lambdas/api/changes';
import type { ChangeEvent } from '../../lambdas/core/records';
import { testProfile } from '../support/harness';
import { eventually } from '../support/fakes';
import { change, startTestServer, type TestServer } from './server-harness';

jest.setTimeout(30_000);

interface Stream {
  status: number;
  headers: Headers;
  /** Everything read so far. */
  text(): string;
  /** Resolves with the text once `predicate` holds for it (rejects after `timeoutMs`). */
  until(predicate: (text: string) => boolean, timeoutMs?: number): Promise<string>;
  close(): void;
}

/** GET /events as the page reads it: fetch with the Authorization header and a stream reader. */
async function openStream(url: string, token: string | null): Promise<Stream> {
  const controller = new AbortController();
  const res = await fetch(`${url}/events`, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: controller.signal });
  let buffer = '';
  const waiters: (() => void)[] = [];
  if (res.status === 200 && res.body) {
    void (async () => {
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        waiters.splice(0).forEach((w) => w());
      }
    })().catch(() => undefined);
  } else {
    buffer = await res.text();
  }
  return {
    status: res.status, headers: res.headers, text: () => buffer,
    until: (predicate, timeoutMs = 5_000) => new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not seen within ${timeoutMs} ms; stream so far:\n${buffer}`)), timeoutMs);
      const check = (): void => {
        if (predicate(buffer)) {
          clearTimeout(timer);
          resolve(buffer);
        } else {
          waiters.push(check);
        }
      };
      check();
    }),
    close: () => controller.abort(),
  };
}

/** A raw request with a Host header of our choosing (fetch always sends the URL's). */
function withHost(url: string, path: string, host: string): Promise<{ status: number; body: string }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: Number(port), path, headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the web console on runbook serve', () => {
  let t: TestServer;
  beforeEach(async () => { t = await startTestServer(); });
  afterEach(async () => { await t.close(); });

  it('should serve the page at / without a token, with a strict CSP and every asset from this origin', async () => {
    // Act
    const page = await fetch(`${t.url}/`);
    const html = await page.text();
    const script = await fetch(`${t.url}/console/console.js`);
    const asl = await fetch(`${t.url}/console/runbook.asl.json`);

    // Assess
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).toContain("default-src 'none'");
    expect(CONSOLE_CSP).toContain("script-src 'self'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    // No asset from elsewhere, no inline script.
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).toContain('<script type="module" src="/console/console.js"></script>');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await script.text()).not.toContain('innerHTML');
    expect(asl.status).toBe(200);
    expect(((await asl.json()) as { StartAt: string }).StartAt).toBe('How To Start');
  });

  it('should answer 404 for paths outside web/ and names it does not serve', async () => {
    // Act
    const outside = await withHost(t.url, '/console/..%2Fpackage.json', new URL(t.url).host);
    const dotted = await fetch(`${t.url}/console/.env`);
    const nested = await fetch(`${t.url}/console/sub/console.js`);

    // Assess
    expect([outside.status, dotted.status, nested.status]).toEqual([404, 404, 404]);
    expect(outside.body).not.toContain('runbook-control-plane');
  });

  it('should refuse a request whose Host is not the loopback address and port being served (DNS rebinding)', async () => {
    // Prepare
    const { port } = new URL(t.url);

    // Act
    const rebound = await withHost(t.url, '/changes', `evil.example:${port}`);
    const otherPort = await withHost(t.url, '/', `127.0.0.1:${Number(port) + 1}`);
    const localhost = await withHost(t.url, '/health', `localhost:${port}`);

    // Assess
    expect(rebound.status).toBe(421);
    expect(JSON.parse(rebound.body).error.code).toBe('MisdirectedRequest');
    expect(otherPort.status).toBe(421);
    expect(localhost.status).toBe(200);
  });

  it('should answer 401 on /events without a valid token, and nothing is subscribed', async () => {
    // Act
    const none = await openStream(t.url, null);
    const wrong = await openStream(t.url, 'rbk_not-a-token-anyone-was-given');

    // Assess
    expect(none.status).toBe(401);
    expect(JSON.parse(none.text()).error.code).toBe('Unauthorized');
    expect(wrong.status).toBe(401);
    expect(t.server.runtime.feed.size).toBe(0);
  });

  it('should push an event on the stream within seconds of a submission, and unsubscribe when the page goes', async () => {
    // Prepare
    const stream = await openStream(t.url, t.operator.token);
    await stream.until((s) => s.includes('event: hello'));

    // Act
    const started = Date.now();
    const submitted = await t.submit(change('CR-2026-700'));
    const seen = await stream.until((s) => s.includes('"changeId":"CR-2026-700"'));
    const elapsed = Date.now() - started;
    await t.waitFor('CR-2026-700', (s) => s === 'AWAITING_APPROVAL');
    await stream.until((s) => s.includes('"status":"AWAITING_APPROVAL"'));
    stream.close();

    // Assess
    expect(submitted.status).toBe(202);
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(seen).toContain(`"caller":"${t.operator.name}"`);
    expect(seen).toMatch(/event: change\ndata: \{"changeId":"CR-2026-700","kind":"(change|event)"/);
    expect(elapsed).toBeLessThan(5_000);
    await eventually(async () => t.server.runtime.feed.size, (n) => n === 0, 5_000);
  });
  it('should tell the stream when a change\'s execution ends, after its last record write (the graph is drawn from the run\'s history)', async () => {
    // Prepare
    const stream = await openStream(t.url, t.operator.token);
    await stream.until((s) => s.includes('event: hello'));
    expect((await t.submit(change('CR-2026-704'))).status).toBe(202);
    await t.waitFor('CR-2026-704', (s) => s === 'AWAITING_APPROVAL');

    // Act
    await t.approveAll('CR-2026-704');
    const seen = await stream.until((s) => s.includes('"kind":"execution"'), 20_000);
    stream.close();

    // Assess: the run's end comes after every write of the change, and the history it announces is final
    const last = seen.slice(seen.lastIndexOf('event: change'));
    expect(last).toMatch(/^event: change\ndata: \{"changeId":"CR-2026-704","kind":"execution","status":"SUCCEEDED","at":"[^"]+"\}\n\n$/);
    expect((await t.request('GET', '/changes/CR-2026-704/history')).json.status).toBe('SUCCEEDED');
  });
});

describe('GET /events streams (node-server)', () => {
  let server: NodeServer | undefined;
  afterEach(async () => { await server?.close(); });

  const start = async (feed: ChangeFeed, options: { maxStreams?: number; maxStreamsPerCaller?: number; heartbeatMs?: number }): Promise<NodeServer> => listen({
    api: async () => json(404, { error: { code: 'NotFound', message: 'api' } }),
    authenticate: (h) => (h === 'Bearer good' ? { id: 'alice' } : h === 'Bearer bob' ? { id: 'bob' } : undefined),
    port: 0, log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    console: { subscribe: (l) => feed.subscribe(l), ...options },
  });

  it('should send heartbeat comments on a quiet stream and refuse streams past the limit with 503', async () => {
    // Prepare
    const feed = new ChangeFeed();
    server = await start(feed, { maxStreams: 1, heartbeatMs: 50 });

    // Act
    const first = await openStream(server.url, 'good');
    const heartbeat = await first.until((s) => /\n: heartbeat \S+\n\n/.test(s));
    const second = await openStream(server.url, 'good');
    feed.publish({ changeId: 'CR-2026-701', kind: 'event', type: 'change.submitted', seq: 1, at: '2026-12-01T00:00:00.000Z' });
    const pushed = await first.until((s) => s.includes('CR-2026-701'));
    first.close();
    await eventually(async () => feed.size, (n) => n === 0, 5_000);
    const third = await openStream(server.url, 'good');

    // Assess
    expect(heartbeat).toContain('event: hello');
    expect(second.status).toBe(503);
    expect(second.headers.get('retry-after')).toBe('5');
    expect(JSON.parse(second.text()).error).toEqual({ code: 'TooManyStreams', message: '1 event streams are open on this server (at most 1): close a console tab and the page reconnects' });
    expect(pushed).toContain('event: change\ndata: {"changeId":"CR-2026-701","kind":"event","type":"change.submitted","seq":1,"at":"2026-12-01T00:00:00.000Z"}\n\n');
    expect(third.status).toBe(200);
    third.close();
  });

  it('should free a stream\'s slot as soon as the page goes, so the page reconnecting at once is not refused for it', async () => {
    // Prepare: one slot, held by a page
    const feed = new ChangeFeed();
    server = await start(feed, { maxStreams: 1 });
    const statuses: number[] = [];

    // Act: the page aborts its stream (a reload, a sign-out and in) and opens the next one straight away, ten times
    for (let i = 0; i < 10; i++) {
      const stream = await openStream(server.url, 'good');
      statuses.push(stream.status);
      await stream.until((s) => s.includes('event: hello'));
      stream.close();
    }
    const last = await openStream(server.url, 'good');
    statuses.push(last.status);
    last.close();

    // Assess: never refused for a stream that was already gone (the response's own 'close' comes a few ms later)
    expect(statuses).toEqual(Array(11).fill(200));
    await eventually(async () => feed.size, (n) => n === 0, 5_000);
  });

  it('should limit the streams of one operator without keeping another out, naming the limit', async () => {
    // Prepare
    const feed = new ChangeFeed();
    server = await start(feed, { maxStreamsPerCaller: 2 });
    const alice = [await openStream(server.url, 'good'), await openStream(server.url, 'good')];

    // Act
    const third = await openStream(server.url, 'good');
    const bob = await openStream(server.url, 'bob');
    await bob.until((s) => s.includes('"caller":"bob"'));
    alice[0]?.close();
    const afterClose = await openStream(server.url, 'good');

    // Assess
    expect(alice.map((a) => a.status)).toEqual([200, 200]);
    expect(third.status).toBe(503);
    expect(JSON.parse(third.text()).error).toEqual({ code: 'TooManyStreams', message: 'alice already has 2 event streams open (at most 2 per operator): close a console tab and the page reconnects' });
    expect(bob.status).toBe(200);
    expect(afterClose.status).toBe(200);
    for (const s of [alice[1], bob, afterClose]) s?.close();
  });

  it('should drop a stream whose reader stopped reading instead of buffering for it without end', async () => {
    // Prepare: a client that reads the headers and then nothing
    const feed = new ChangeFeed();
    server = await start(feed, {});
    const { port } = new URL(server.url);
    const paused = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: Number(port), path: '/events', headers: { authorization: 'Bearer good' } }, (res) => {
        res.pause();
        resolve(res);
      });
      req.on('error', reject);
      req.end();
    });
    paused.on('error', () => undefined);
    const padding = 'x'.repeat(1000);

    // Act: far more than the 1 MB allowed unread (and than the socket buffers hold)
    for (let i = 0; i < 20_000 && feed.size > 0; i++) {
      feed.publish({ changeId: 'CR-2026-703', kind: 'event', type: padding, at: '2026-12-01T00:00:00.000Z' });
      if (i % 500 === 0) await new Promise((resolve) => setImmediate(resolve));
    }

    // Assess
    await eventually(async () => feed.size, (n) => n === 0, 5_000);
    paused.destroy();
  });

  it('should end open streams when the server closes', async () => {
    // Prepare
    const feed = new ChangeFeed();
    server = await start(feed, {});
    const stream = await openStream(server.url, 'good');
    await stream.until((s) => s.includes('event: hello'));

    // Act
    const closed = Date.now();
    await server.close();
    server = undefined;

    // Assess
    expect(Date.now() - closed).toBeLessThan(1_500);
    expect(feed.size).toBe(0);
  });
});

describe('monitoringView', () => {
  const base = { changeId: 'CR-2026-702', attempt: 1, actor: 'runbook', id: 'e', message: 'm' };

  it('should give the rollback limits and the per-period series of the latest window', () => {
    // Prepare
    const profile = testProfile();
    const events: ChangeEvent[] = [
      { ...base, at: '2026-12-01T00:00:00.000Z', type: 'metrics.release', data: { metrics: { at: 'x', requests: 1, windowSeconds: 1 }, series: [{ at: 'old', requests: 1 }] } },
      { ...base, attempt: 2, at: '2026-12-01T00:01:00.000Z', type: 'metrics.release', data: { metrics: { at: 'y', requests: 9, windowSeconds: 2 }, series: [{ at: 'p1', requests: 4, p95Ms: 90, errorRate: 0 }, { at: 'p2', requests: 5, p95Ms: 5000, errorRate: 0.4 }] } },
    ];

    // Act
    const view = monitoringView({ profile }, events);

    // Assess
    expect(view).toMatchObject({
      p95Ms: profile.monitoring.p95Ms, errorRate: profile.monitoring.errorRate,
      rollbackP95Ms: profile.monitoring.p95Ms * profile.monitoring.rollbackFactor, attempt: 2,
      periods: [{ at: 'p1', requests: 4, p95Ms: 90, errorRate: 0 }, { at: 'p2', requests: 5, p95Ms: 5000, errorRate: 0.4 }],
    });
  });

  it('should fall back to the snapshot when the window recorded no series, and to no periods before any window', () => {
    // Prepare
    const profile = testProfile();
    const events: ChangeEvent[] = [{ ...base, at: '2026-12-01T00:00:00.000Z', type: 'metrics.release', data: { metrics: { at: 's', requests: 7, p95Ms: 120, errorRate: 0.01, windowSeconds: 3 } } }];

    // Act
    const snapshotOnly = monitoringView({ profile }, events);
    const none = monitoringView({ profile }, []);

    // Assess
    expect(snapshotOnly.periods).toEqual([{ at: 's', requests: 7, p95Ms: 120, errorRate: 0.01 }]);
    expect(none.periods).toEqual([]);
    expect(none).not.toHaveProperty('attempt');
  });
});
