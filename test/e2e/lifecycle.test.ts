// The embedded engine as real processes (`node bin/runbook.js …`, as an operator starts it): one instance per home,
// and what happens to a change when the process running it stops or dies.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoServicePid } from '../../demo/host';

jest.setTimeout(240_000);

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'bin', 'runbook.js');

interface Proc { child: ChildProcess; out: string[]; exit: Promise<number | null> }

function start(args: string[], env: Record<string, string> = {}): Proc {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: string[] = [];
  child.stdout?.on('data', (d: Buffer) => out.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => out.push(d.toString()));
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, out, exit };
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
