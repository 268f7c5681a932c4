// The demo target service on its own: the seed's endpoints, the maintenance switch, graceful stop, and a bad
// release that passes its health check while failing and slowing everything else.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, prepareDemoHost, type DemoHost } from '../../demo/host';

interface Running { host: DemoHost; child: ChildProcess; exited: Promise<number | null> }

async function startService(release: string): Promise<Running> {
  const root = mkdtempSync(join(tmpdir(), 'runbook-svc-'));
  const host = prepareDemoHost({ root, port: await freePort(), release });
  const child = spawn(process.execPath, [join(host.appDir, 'service.mjs')], { stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  for (let i = 0; i < 100; i += 1) {
    try {
      if ((await fetch(`${host.baseUrl}/api/v1/health`)).ok) return { host, child, exited };
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  child.kill('SIGKILL');
  throw new Error('demo service did not start');
}

async function stopService(running: Running | undefined): Promise<void> {
  if (!running) return;
  if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill('SIGKILL');
  await running.exited;
  rmSync(running.host.root, { recursive: true, force: true });
}

const json = async (res: Response): Promise<Record<string, unknown>> => (await res.json()) as Record<string, unknown>;

describe('demo service on a healthy release', () => {
  let svc: Running | undefined;
  beforeAll(async () => { svc = await startService('v2.3.1'); });
  afterAll(async () => { await stopService(svc); });
  const url = (path: string): string => `${svc?.host.baseUrl}${path}`;

  it('should report ok, its release and the maintenance state on the health endpoint', async () => {
    // Act
    const res = await fetch(url('/api/v1/health'));

    // Assess
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ status: 'ok', service: 'estimator-service', release: 'v2.3.1', maintenance: false });
  });

  it('should list estimates and templates', async () => {
    // Act
    const estimates = await fetch(url('/api/v1/estimates'));
    const templates = await fetch(url('/api/v1/templates'));

    // Assess
    expect(estimates.status).toBe(200);
    expect((await json(estimates)).estimates).toEqual(expect.arrayContaining([expect.objectContaining({ estimateId: 'EST-0001' })]));
    expect(templates.status).toBe(200);
    expect((await json(templates)).templates).toHaveLength(2);
  });

  it('should log in the seed test user and create an estimate with the bearer token', async () => {
    // Act
    const login = await fetch(url('/api/v1/auth/login'), {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email: 'test@company.com', password: 'test123' }),
    });
    const { token } = await json(login) as { token: string };
    const created = await fetch(url('/api/v1/estimate'), {
      method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify({ customerId: 'test_customer', projectName: 'Smoke Test Project', estimateItems: [{ category: 'HARDWARE', itemCode: 'TEST_001', quantity: 1 }] }),
    });

    // Assess
    expect(login.status).toBe(200);
    expect(token).toMatch(/^[0-9a-f]{32}$/);
    expect(created.status).toBe(201);
    expect((await json(created)).estimateId).toMatch(/^EST-\d+$/);
  });

  it('should refuse wrong credentials and an estimate without a valid token', async () => {
    // Act
    const login = await fetch(url('/api/v1/auth/login'), { method: 'POST', body: JSON.stringify({ email: 'test@company.com', password: 'nope' }) });
    const created = await fetch(url('/api/v1/estimate'), { method: 'POST', headers: { Authorization: 'Bearer forged' }, body: '{}' });

    // Assess
    expect(login.status).toBe(401);
    expect(created.status).toBe(401);
  });

  it('should answer 404 for an unknown route and 400 for a malformed body', async () => {
    // Act
    const missing = await fetch(url('/api/v2/nothing'));
    const malformed = await fetch(url('/api/v1/auth/login'), { method: 'POST', body: '{not json' });

    // Assess
    expect(missing.status).toBe(404);
    expect(malformed.status).toBe(400);
  });

  it('should answer 503 with Retry-After on every route but health while the maintenance flag exists', async () => {
    // Prepare
    writeFileSync(svc?.host.maintenanceFlag ?? '', 'test');

    // Act
    const estimates = await fetch(url('/api/v1/estimates'));
    const login = await fetch(url('/api/v1/auth/login'), { method: 'POST', body: '{}' });
    const health = await fetch(url('/api/v1/health'));
    rmSync(svc?.host.maintenanceFlag ?? '');
    const after = await fetch(url('/api/v1/estimates'));

    // Assess
    expect(estimates.status).toBe(503);
    expect(estimates.headers.get('retry-after')).toBe('30');
    expect(estimates.headers.get('x-maintenance')).toBe('1');
    expect(login.status).toBe(503);
    expect(health.status).toBe(200);
    expect((await json(health)).maintenance).toBe(true);
    expect(after.status).toBe(200);
  });

  it('should exit 0 on SIGTERM', async () => {
    // Act
    svc?.child.kill('SIGTERM');
    const code = await svc?.exited;

    // Assess
    expect(code).toBe(0);
  });
});

describe('demo service on the bad release', () => {
  let svc: Running | undefined;
  beforeAll(async () => { svc = await startService('v2.4.0-bad'); });
  afterAll(async () => { await stopService(svc); });

  it('should still pass its health check without the bad release\'s latency', async () => {
    // Act: a slow estimate and a health check at once; the order they answer in shows which one carries the delay
    // (no wall-clock bound that a loaded machine could break).
    const order: string[] = [];
    const slow = fetch(`${svc?.host.baseUrl}/api/v1/estimates`).then(async (r) => { await r.arrayBuffer(); order.push('estimates'); });
    const res = await fetch(`${svc?.host.baseUrl}/api/v1/health`);
    order.push('health');
    const body = await json(res);
    await slow;

    // Assess
    expect(res.status).toBe(200);
    expect(body.release).toBe('v2.4.0-bad');
    expect(order).toEqual(['health', 'estimates']);
  });

  it('should fail about 30 % of estimate requests with 500 and answer slower than the p95 rollback alarm', async () => {
    // Act
    const timed = await Promise.all(Array.from({ length: 20 }, async () => {
      const started = Date.now();
      const res = await fetch(`${svc?.host.baseUrl}/api/v1/estimates`);
      await res.arrayBuffer();
      return { status: res.status, ms: Date.now() - started };
    }));

    // Assess
    const failures = timed.filter((t) => t.status === 500).length;
    expect(failures).toBe(6);
    expect(timed.filter((t) => t.status === 200)).toHaveLength(14);
    expect(Math.min(...timed.map((t) => t.ms))).toBeGreaterThan(3150);
  }, 20_000);
});
