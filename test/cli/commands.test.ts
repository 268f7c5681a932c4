// The `runbook` CLI end to end against a local server: each command's output and exit code (0 ok, 1 refused,
// 2 bad usage, 3 cannot reach the server), the commands called in-process through main() and, for the bin wiring,
// a few as the real `node bin/runbook.js` process.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { main } from '../../bin/cli/program';
import { change, startTestServer, type TestServer } from '../api/server-harness';

jest.setTimeout(60_000);

const ROOT = join(__dirname, '..', '..');
const fast = { intervalMs: 20, sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };

interface Run { code: number; out: string; err: string }

async function runbook(t: TestServer | { home: string }, ...args: string[]): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main([...args, '--home', t.home], { out: (l) => out.push(l), err: (l) => err.push(l) }, { timing: fast });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('runbook CLI against a local server', () => {
  let t: TestServer;
  let dir: string;
  let file: string;
  beforeEach(async () => {
    t = await startTestServer();
    dir = mkdtempSync(join(tmpdir(), 'runbook-cli-'));
    file = join(dir, 'change.yml');
    writeFileSync(file, stringify(change('CR-2026-600')));
  });
  afterEach(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should take a change from submit through approve by three to COMPLETED, then show it in every form', async () => {
    // Act
    const submitted = await runbook(t, 'submit', file);
    const waiting = await runbook(t, 'status', 'CR-2026-600', '--watch');
    const approvals: Run[] = [];
    for (const role of ['technical', 'business', 'security'] as const) {
      approvals.push(await runbook(t, 'approve', 'CR-2026-600', '--role', role, '--comment', 'looks good', '--token', t.approvers[role].token));
    }
    const followed = await runbook(t, 'status', 'CR-2026-600', '--watch');
    // The change is COMPLETED a state before its execution ends.
    await t.server.runtime.engine.wait('CR-2026-600');
    const listed = await runbook(t, 'list');
    const inspected = await runbook(t, 'inspect', 'CR-2026-600', '--events');
    const qc = await runbook(t, 'report', 'CR-2026-600', '--format', 'qc');
    const md = await runbook(t, 'report', 'CR-2026-600', '--format', 'md');
    const retro = await runbook(t, 'report', 'CR-2026-600', '--format', 'retro');
    const json = await runbook(t, 'report', 'CR-2026-600');

    // Assess
    expect(submitted).toMatchObject({ code: 0, err: '' });
    expect(submitted.out).toContain('CR-2026-600 submitted: risk MEDIUM (score 8); approvals required: technical, business, security');
    expect(waiting.code).toBe(0);
    expect(waiting.out).toContain('CR-2026-600 is AWAITING_APPROVAL — waiting for: technical, business, security');
    expect(approvals.map((a) => a.code)).toEqual([0, 0, 0]);
    expect(approvals[0]?.out).toBe('✔ recorded: technical approval of CR-2026-600 (attempt 1) by alice\n  still missing: business, security');
    expect(approvals[2]?.out).toContain('all approvals in');
    expect(followed.out).toContain('CR-2026-600 is COMPLETED');
    expect(followed.out).toMatch(/report\.stored/);
    expect(listed.out.split('\n')[1]).toMatch(/^CR-2026-600\s+COMPLETED\s+1\/2\s+MEDIUM\s+test-env/);
    expect(inspected.code).toBe(0);
    expect(inspected.out).toMatch(/^Execution CR-2026-600 \(change CR-2026-600, attempt 1\): SUCCEEDED after /);
    expect(inspected.out).toMatch(/└ Act Run Step \[1\]\s+deploy\s+\+\S+\s+\S+s\s+succeeded/);
    expect(inspected.out).toContain('ExecutionSucceeded');
    expect(qc.out.split('\n')).toHaveLength(14);
    expect(md.out).toContain('## Tests');
    expect(retro.out).toContain('deployment_id: CR-2026-600');
    expect(JSON.parse(json.out)).toMatchObject({ changeId: 'CR-2026-600', outcome: 'COMPLETED' });
  });

  it('should say a second identical submit is the same change, and refuse a conflicting one with exit 1', async () => {
    // Prepare
    await runbook(t, 'submit', file);
    const other = join(dir, 'other.json');
    writeFileSync(other, JSON.stringify(change('CR-2026-601')));

    // Act
    const again = await runbook(t, 'submit', file);
    const locked = await runbook(t, 'submit', other);

    // Assess
    expect(again.code).toBe(0);
    expect(again.out).toContain('was already submitted with this exact body');
    expect(locked.code).toBe(1);
    expect(locked.err).toBe('runbook: 409 Conflict: environment test-env already has an active change: CR-2026-600');
  });

  it('should print a warning per unknown key of a submitted change and still submit it', async () => {
    // Prepare
    const raw = change('CR-2026-602') as unknown as Record<string, unknown>;
    writeFileSync(file, stringify({ ...raw, ticket: 'OPS-12' }));

    // Act
    const submitted = await runbook(t, 'submit', file);

    // Assess
    expect(submitted.code).toBe(0);
    expect(submitted.out).toContain('CR-2026-602 submitted');
    expect(submitted.err).toBe('warning: ticket: unknown key (kept as written, not used)');
  });

  it('should exit 1 with the field paths for an invalid change, and 2 for a file it cannot read', async () => {
    // Prepare
    writeFileSync(file, 'change_request:\n  id: CR-1\n');

    // Act
    const invalid = await runbook(t, 'submit', file);
    const missing = await runbook(t, 'submit', join(dir, 'nope.yml'));

    // Assess
    expect(invalid.code).toBe(1);
    expect(invalid.err).toMatch(/400 ValidationError: change request is invalid/);
    expect(invalid.err).toContain('  change_request.id: must look like CR-YYYY-NNN');
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('cannot read');
  });

  it('should refuse the submitter\'s own approval with exit 1, and a reject ends the change', async () => {
    // Prepare
    await runbook(t, 'submit', file);
    await t.waitFor('CR-2026-600', (s) => s === 'AWAITING_APPROVAL');

    // Act
    const self = await runbook(t, 'approve', 'CR-2026-600', '--role', 'technical');
    const rejected = await runbook(t, 'approve', 'CR-2026-600', '--role', 'security', '--reject', '--comment', 'no rehearsal', '--token', t.approvers.security.token);
    await t.waitFor('CR-2026-600', (s) => s === 'REJECTED');
    const late = await runbook(t, 'approve', 'CR-2026-600', '--role', 'technical', '--token', t.approvers.technical.token);

    // Assess
    expect(self).toMatchObject({ code: 1, err: 'runbook: 403 Forbidden: ops-operator submitted change CR-2026-600 and may not approve it' });
    expect(rejected.code).toBe(0);
    expect(rejected.out).toContain('✖ recorded: security REJECTION of CR-2026-600 (attempt 1) by carol');
    expect(late.code).toBe(1);
    expect(late.err).toContain('409 Conflict: change CR-2026-600 is REJECTED');
  });

  it('should exit 2 for bad usage: no role, an unknown role, an unknown report format, an unknown command', async () => {
    const results = await Promise.all([
      runbook(t, 'approve', 'CR-2026-600'),
      runbook(t, 'approve', 'CR-2026-600', '--role', 'cfo'),
      runbook(t, 'report', 'CR-2026-600', '--format', 'pdf'),
      runbook(t, 'frobnicate'),
    ]);
    expect(results.map((r) => r.code)).toEqual([2, 2, 2, 2]);
    expect(results[1]?.err).toContain('must be one of technical, business, security, executive');
  });

  it('should cancel a change waiting for approvals and exit 0 once it is CANCELLED', async () => {
    // Prepare
    await runbook(t, 'submit', file);
    await t.waitFor('CR-2026-600', (s) => s === 'AWAITING_APPROVAL');

    // Act
    const cancelled = await runbook(t, 'cancel', 'CR-2026-600', '--reason', 'window moved');
    const again = await runbook(t, 'status', 'CR-2026-600', '--json');

    // Assess
    expect(cancelled.code).toBe(0);
    expect(cancelled.out).toContain('✔ execution CR-2026-600 stopped; CR-2026-600 is CANCELLED');
    expect(JSON.parse(again.out)).toMatchObject({ status: 'CANCELLED', cancelRequest: { by: 'ops-operator', reason: 'window moved' } });
  });

  it('should follow a cancel during the monitoring window through the rollback to CANCELLED', async () => {
    // Prepare
    await t.close();
    t = await startTestServer({ monitorWindowMs: 60_000 });
    await runbook(t, 'submit', file);
    await t.waitFor('CR-2026-600', (s) => s === 'AWAITING_APPROVAL');
    await t.approveAll('CR-2026-600');
    await t.waitFor('CR-2026-600', (s) => s === 'MONITORING');

    // Act
    const r = await runbook(t, 'cancel', 'CR-2026-600');

    // Assess
    expect(r.code).toBe(0);
    expect(r.out.split('\n').at(-1)).toBe('✔ CR-2026-600 is CANCELLED (cancelled by ops-operator)');
  });

  it('should exit 1 when cancelling a change that is over', async () => {
    // Prepare
    await runbook(t, 'submit', file);
    await t.waitFor('CR-2026-600', (s) => s === 'AWAITING_APPROVAL');
    await t.approveAll('CR-2026-600');
    await t.waitFor('CR-2026-600', (s) => s === 'COMPLETED');

    // Act
    const r = await runbook(t, 'cancel', 'CR-2026-600');

    // Assess
    expect(r).toMatchObject({ code: 1, err: 'runbook: 409 Conflict: change CR-2026-600 is COMPLETED: there is nothing left to cancel' });
  });

  it('should refuse to release the environment of a change that did not end in manual intervention (exit 1)', async () => {
    // Prepare
    await runbook(t, 'submit', file);
    await t.waitFor('CR-2026-600', (s) => s === 'AWAITING_APPROVAL');

    // Act
    const r = await runbook(t, 'release', 'CR-2026-600', '--reason', 'restored by hand');

    // Assess
    expect(r).toMatchObject({ code: 1, err: 'runbook: 409 Conflict: change CR-2026-600 is AWAITING_APPROVAL: only a change in MANUAL_INTERVENTION holds its environment after it ended' });
  });

  it('should list with filters and pages, and print JSON for scripts', async () => {
    // Prepare
    await runbook(t, 'submit', file);

    // Act
    const none = await runbook(t, 'list', '--status', 'COMPLETED');
    const json = await runbook(t, 'list', '--json', '--limit', '1');
    const bad = await runbook(t, 'list', '--status', 'DONE');

    // Assess
    expect(none.out).toBe('no changes');
    expect(JSON.parse(json.out).items.map((c: { changeId: string }) => c.changeId)).toEqual(['CR-2026-600']);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('status: must be one of');
  });

  it('should add an operator, print its token once, and refuse the same name again', async () => {
    // Act
    const added = await runbook(t, 'operator', 'add', 'dave', '--role', 'technical');
    const quiet = await runbook(t, 'operator', 'add', 'frank', '--quiet');
    const again = await runbook(t, 'operator', 'add', 'dave');
    const invalid = await runbook(t, 'operator', 'add', 'dave smith');

    // Assess
    expect(added.code).toBe(0);
    expect(added.out).toContain('operator dave added');
    expect(added.out).toContain('may approve as technical');
    const token = added.out.split('\n')[2] as string;
    expect(token).toMatch(/^rbk_/);
    expect(quiet.out).toMatch(/^rbk_[A-Za-z0-9_-]+$/);
    expect(again.code).toBe(1);
    expect(invalid.code).toBe(2);
    const health = await t.request('GET', '/changes', { token });
    expect(health.status).toBe(200);
  });

  it('should run the scheduled check and exit 0 when it passes', async () => {
    // Act
    const r = await runbook(t, 'check');
    const history = await runbook(t, 'check', '--history');

    // Assess
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^scheduled pre-flight check of test-env: PASS/);
    expect(history.out).toMatch(/PASS/);
  });

  it('should exit 1 with a hint when the token is wrong', async () => {
    // Act
    const r = await runbook(t, 'status', 'CR-2026-600', '--token', 'rbk_wrong');

    // Assess
    expect(r.code).toBe(1);
    expect(r.err).toContain('401 Unauthorized');
    expect(r.err).toContain('RUNBOOK_TOKEN');
  });
});

describe('runbook CLI without a server', () => {
  const home = mkdtempSync(join(tmpdir(), 'runbook-cli-none-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('should exit 3 when no server runs', async () => {
    // Act
    const r = await runbook({ home }, 'status', 'CR-2026-600');

    // Assess
    expect(r.code).toBe(3);
    expect(r.err).toContain('no local server');
    expect(r.err).toContain('npx runbook serve');
  });

  it('should exit 3 when serve.json names a process that is gone', async () => {
    // Prepare
    writeFileSync(join(home, 'serve.json'), JSON.stringify({ url: 'http://127.0.0.1:9', pid: 2 ** 22 - 1 }));

    // Act
    const r = await runbook({ home }, 'list');

    // Assess
    expect(r.code).toBe(3);
    expect(r.err).toContain('is not running any more');
  });
});

describe('bin/runbook.js', () => {
  let t: TestServer;
  beforeAll(async () => { t = await startTestServer(); });
  afterAll(async () => { await t.close(); });

  // Asynchronous: the server answering it runs on this process's event loop.
  const spawnRunbook = (...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> => new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'runbook.js'), ...args], { cwd: ROOT, env: { ...process.env, RUNBOOK_TOKEN: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });

  it('should exit 0 and print the status of a change as a real process, with the token from operator-token', async () => {
    // Prepare
    await t.submit(change('CR-2026-610'));

    // Act
    const r = await spawnRunbook('status', 'CR-2026-610', '--home', t.home);

    // Assess
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^CR-2026-610 {2}Estimator AI model/);
  });

  it('should exit 1 for an unknown change and 2 for bad usage as a real process', async () => {
    // Act
    const unknown = await spawnRunbook('status', 'CR-2026-699', '--home', t.home);
    const usage = await spawnRunbook('approve', 'CR-2026-699', '--home', t.home);

    // Assess
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('404 NotFound: change CR-2026-699 not found');
    expect(usage.status).toBe(2);
  });
});
