// One embedded process per home: the lock file names its holder, a live holder refuses a second claim, a dead one
// (SIGKILL leaves the file behind) is taken over.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { claimHome, HOME_LOCK_FILE, HomeInUseError } from '../../lambdas/embedded/home-lock';

describe('claimHome', () => {
  let home: string;
  beforeEach(() => { home = mkdtempSync(join(tmpdir(), 'runbook-lock-')); });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('should write the holder pid and command and remove the file on release', () => {
    // Act
    const lock = claimHome(home, 'runbook serve --port 0');

    // Assess
    const holder = JSON.parse(readFileSync(join(home, HOME_LOCK_FILE), 'utf8'));
    expect(holder).toMatchObject({ pid: process.pid, command: 'runbook serve --port 0' });
    lock.release();
    expect(existsSync(join(home, HOME_LOCK_FILE))).toBe(false);
    lock.release();
  });

  it('should refuse a second claim while the holder lives, naming its pid and command', () => {
    // Prepare
    const first = claimHome(home, 'runbook run --scenario happy');

    // Act
    let error: unknown;
    try { claimHome(home, 'runbook serve'); } catch (err) { error = err; }

    // Assess
    expect(error).toBeInstanceOf(HomeInUseError);
    expect((error as HomeInUseError).holder).toMatchObject({ pid: process.pid, command: 'runbook run --scenario happy' });
    expect((error as Error).message).toContain(`in use by process ${process.pid} (runbook run --scenario happy`);
    // The refused claim did not disturb the holder's file.
    expect(JSON.parse(readFileSync(join(home, HOME_LOCK_FILE), 'utf8')).command).toBe('runbook run --scenario happy');
    first.release();
  });

  it('should take over a lock left by a process that is gone', () => {
    // Prepare: the pid of a process that has exited
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const deadPid = Number(dead.stdout.toString());
    writeFileSync(join(home, HOME_LOCK_FILE), JSON.stringify({ pid: deadPid, command: 'runbook serve', startedAt: '2026-01-01T00:00:00Z' }));

    // Act
    const lock = claimHome(home, 'runbook serve');

    // Assess
    expect(JSON.parse(readFileSync(join(home, HOME_LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    lock.release();
  });
});
