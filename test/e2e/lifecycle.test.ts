// The embedded engine as real processes (`node bin/runbook.js …`, as an operator starts it): one instance per home,
// and what happens to a change when the process running it stops or dies.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoServicePid } from '../../demo/host';
import { addOperator } from '../../lambdas/api/local-auth';

jest.setTimeout(240_000);

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'bin', 'runbook.js');

interface Proc { child: ChildProcess; out: string[]; stdout: string[]; exit: Promise<number | null> }

function start(args: string[], env: Record<string, string> = {}, command: string[] = [process.execPath, CLI]): Proc {
  const [file, ...pre] = command as [string, ...string[]];
  const child = spawn(file, [...pre, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: string[] = [];
  const stdout: string[] = [];
  child.stdout?.on('data', (d: Buffer) => { out.push(d.toString()); stdout.push(d.toString()); });
  child.stderr?.on('data', (d: Buffer) => out.push(d.toString()));
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, out, stdout, exit };
}

async function until(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('one instance per home', () => {
  const home = mkdtempSync(join(tmpdir(), 'runbook-life-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('should refuse a second serve on the same home with exit 3 naming the first, leaving the first and its demo service untouched', async () => {
    // Prepare
    const first = start(['serve', '--home', home, '--port', '0']);
    try {
      await until('the first server', () => first.out.join('').includes('Ctrl-C stops the server'));
      const servicePid = demoServicePid(join(home, 'host'));
      expect(servicePid).toBeDefined();

      // Act
      const startedAt = Date.now();
      const second = start(['serve', '--home', home, '--port', '0']);
      const code = await second.exit;

      // Assess
      expect(code).toBe(3);
      expect(Date.now() - startedAt).toBeLessThan(15_000);
      expect(second.out.join('')).toContain(`in use by process ${first.child.pid} (runbook serve --port 0`);
      expect(demoServicePid(join(home, 'host'))).toBe(servicePid);
      const serveInfo = JSON.parse(readFileSync(join(home, 'serve.json'), 'utf8')) as { url: string; pid: number };
      expect(serveInfo.pid).toBe(first.child.pid);
      expect((await fetch(`${serveInfo.url}/health`)).status).toBe(200);
    } finally {
      first.child.kill('SIGINT');
      expect(await first.exit).toBe(0);
    }
    expect(demoServicePid(join(home, 'host'))).toBeUndefined();
  });
});

describe('npm start, twice at once and killed mid-change', () => {
  const home = mkdtempSync(join(tmpdir(), 'runbook-life-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('should refuse the second `npm start` on one home within seconds (exit 3) while the first ends COMPLETED, printing one clean JSON object', async () => {
    // Prepare
    const first = start(['--home', home, '--json'], {}, ['npm', 'start', '--silent', '--']);
    await until('the first run to claim the home', () => existsSync(join(home, 'runbook.lock')), 30_000);

    // Act
    const startedAt = Date.now();
    const second = start(['run', '--home', home]);
    const secondCode = await second.exit;
    const secondSeconds = (Date.now() - startedAt) / 1000;
    const firstCode = await first.exit;

    // Assess
    expect(secondCode).toBe(3);
    expect(secondSeconds).toBeLessThan(15);
    expect(second.out.join('')).toMatch(/in use by process \d+ \(runbook run --scenario happy/);
    // The first run's outcome goes into the comparison, so a failure says how the change ended and why.
    const printed = first.stdout.join('');
    let outcome: Record<string, unknown>;
    try {
      outcome = JSON.parse(printed) as Record<string, unknown>;
    } catch {
      outcome = { unparsable: printed.slice(0, 2000), output: first.out.join('').slice(-3000) };
    }
    expect({ firstCode, status: outcome.status, problems: outcome.problems ?? outcome }).toEqual({ firstCode: 0, status: 'COMPLETED', problems: [] });
    expect(outcome).toMatchObject({ exitCode: 0, status: 'COMPLETED', releaseAfter: 'v2.4.0', problems: [] });
    expect(existsSync(outcome.markdownPath as string)).toBe(true);
  });

  it('should roll back a change whose `runbook run` was SIGKILLed in the monitoring window when `runbook serve` starts, the service back on v2.3.1', async () => {
    // Prepare: killed with the monitoring window open
    const run = start(['run', '--home', home]);
    await until('the monitoring window', () => run.out.join('').includes('Monitor Window Timer'), 120_000);
    const changeId = /\n(CR-\d{4}-\d{3}) "/.exec(run.out.join(''))?.[1] as string;
    // The timer branch is entered as the watch branch arms (status MONITORING); the window lasts 30 s.
    await new Promise((r) => setTimeout(r, 3000));
    run.child.kill('SIGKILL');
    await run.exit;
    const servicePid = demoServicePid(join(home, 'host'));
    expect(servicePid).toBeDefined();

    // Act
    const serve = start(['serve', '--home', home, '--port', '0']);
    try {
      await until('serve', () => serve.out.join('').includes('Ctrl-C stops the server'));
      const status = async (): Promise<string> => {
        const r = start(['status', changeId, '--home', home, '--json']);
        await r.exit;
        return (JSON.parse(r.stdout.join('')) as { status: string }).status;
      };
      let now = await status();
      const end = Date.now() + 120_000;
      while (now !== 'ROLLED_BACK' && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 1000));
        now = await status();
      }

      // Assess
      expect(now).toBe('ROLLED_BACK');
      const said = serve.out.join('');
      expect(said).toContain(`adopted: pid ${servicePid} was left running by an earlier process`);
      expect(said).toContain(`${changeId}: interrupted after ACT began (while MONITORING): rolling back — execution ${changeId}-1-r1`);
      const port = readFileSync(join(home, 'host', 'app', 'estimator-service', 'port'), 'utf8').trim();
      const health = (await (await fetch(`http://127.0.0.1:${port}/api/v1/health`)).json()) as { release: string };
      expect(health.release).toBe('v2.3.1');
    } finally {
      serve.child.kill('SIGINT');
      expect(await serve.exit).toBe(0);
    }
    expect(demoServicePid(join(home, 'host'))).toBeUndefined();
  });
});

describe('runbook serve stopped with Ctrl-C while a change waits for approvals', () => {
  const home = mkdtempSync(join(tmpdir(), 'runbook-life-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('should wait for the approvals again after a restart, the one given kept, and then complete', async () => {
    // Prepare: approvers of their own, a change waiting with one approval in
    // The demo profile's approvers list these operator names (deny by default: an unlisted operator gets 403).
    const names = { technical: 'tech-lead', business: 'biz-owner', security: 'sec-officer' } as const;
    const tokens = Object.fromEntries((['technical', 'business', 'security'] as const).map((role) => [role, addOperator(home, names[role], { roles: [role] }).token]));
    const api = async (method: string, path: string, token: string, body?: string): Promise<{ status: number; json: Record<string, unknown> }> => {
      const { url } = JSON.parse(readFileSync(join(home, 'serve.json'), 'utf8')) as { url: string };
      const res = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': body.startsWith('{') ? 'application/json' : 'application/yaml' } : {}) }, ...(body ? { body } : {}) });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    };
    const own = (): string => readFileSync(join(home, 'operator-token'), 'utf8').trim();
    const statusOf = async (): Promise<string> => String((await api('GET', '/changes/CR-2026-101', own())).json.status);
    const waitStatus = async (want: string, timeoutMs = 90_000): Promise<void> => {
      const end = Date.now() + timeoutMs;
      let now = await statusOf();
      while (now !== want) {
        if (Date.now() > end) throw new Error(`CR-2026-101 is ${now}, not ${want}`);
        await new Promise((r) => setTimeout(r, 500));
        now = await statusOf();
      }
    };
    const approve = (role: 'technical' | 'business' | 'security') => api('POST', '/changes/CR-2026-101/approvals', tokens[role] as string, JSON.stringify({ role, decision: 'approve' }));
    let serve = start(['serve', '--home', home, '--port', '0']);
    try {
      await until('serve', () => serve.out.join('').includes('Ctrl-C stops the server'));
      expect((await api('POST', '/changes', own(), readFileSync(join(ROOT, 'examples', 'CR-2026-101.change.yml'), 'utf8'))).status).toBe(202);
      await waitStatus('AWAITING_APPROVAL');
      expect((await approve('technical')).status).toBe(201);
    } finally {
      // Act: Ctrl-C (also when the preparation failed: the test leaves no process behind), then a new serve
      serve.child.kill('SIGINT');
      expect(await serve.exit).toBe(0);
    }
    serve = start(['serve', '--home', home, '--port', '0']);
    try {
      await until('serve again', () => serve.out.join('').includes('Ctrl-C stops the server'));
      await waitStatus('AWAITING_APPROVAL');
      const waiting = (await api('GET', '/changes/CR-2026-101', own())).json;
      expect((await approve('business')).status).toBe(201);
      expect((await approve('security')).status).toBe(201);
      await waitStatus('COMPLETED', 150_000);

      // Assess
      expect(serve.out.join('')).toContain('CR-2026-101: interrupted while AWAITING_APPROVAL: waiting again for approvals (those already given count) — execution CR-2026-101-1-r1');
      expect(waiting).toMatchObject({ executionName: 'CR-2026-101-1-r1', approvals: { missing: ['business', 'security'] } });
    } finally {
      serve.child.kill('SIGINT');
      expect(await serve.exit).toBe(0);
    }
  });
});
