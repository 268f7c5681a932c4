// One embedded process per home. `runbook serve` and `runbook run` claim <home>/runbook.lock (pid and command,
// created exclusively) before they lay out the demo host, start or stop the demo service or open the store: a second
// process on the same home must fail before it touches anything the first one is using. A lock whose pid is gone
// (a process killed with SIGKILL) is stale and taken over.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isAlive } from './dynalite';

export const HOME_LOCK_FILE = 'runbook.lock';

export interface HomeLockHolder {
  pid: number;
  command: string;
  startedAt: string;
}

/** Another live process holds the home: exit 3, naming it. */
export class HomeInUseError extends Error {
  override name = 'HomeInUseError';
  constructor(readonly home: string, readonly holder: HomeLockHolder) {
    super(`${home} is in use by process ${holder.pid} (${holder.command}, since ${holder.startedAt}): one runbook serve/run per home — stop it, or pass another --home`);
  }
}

export interface HomeLock {
  file: string;
  /** Removes the lock file if it is still this process's; safe to call twice. */
  release(): void;
}

function readHolder(file: string): HomeLockHolder | undefined {
  try {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as Partial<HomeLockHolder>;
    if (!Number.isInteger(raw.pid) || (raw.pid as number) <= 0) return undefined;
    return { pid: raw.pid as number, command: String(raw.command ?? 'unknown'), startedAt: String(raw.startedAt ?? 'unknown') };
  } catch {
    return undefined;
  }
}

/** Claims `home` for this process; throws HomeInUseError when a live process holds it. */
export function claimHome(home: string, command: string): HomeLock {
  const dir = resolve(home);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, HOME_LOCK_FILE);
  const mine: HomeLockHolder = { pid: process.pid, command, startedAt: new Date().toISOString() };
  for (let tries = 0; tries < 5; tries += 1) {
    try {
      writeFileSync(file, `${JSON.stringify(mine)}\n`, { flag: 'wx', mode: 0o600 });
      let released = false;
      return {
        file,
        release: () => {
          if (released) return;
          released = true;
          const holder = readHolder(file);
          if (holder?.pid === mine.pid && holder.startedAt === mine.startedAt) rmSync(file, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readHolder(file);
      // A half-written file (the holder is between create and write) reads as no holder: look again shortly.
      if (holder === undefined && tries < 2) {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
        continue;
      }
      if (holder && isAlive(holder.pid)) throw new HomeInUseError(dir, holder);
      // The holder died without releasing it (SIGKILL, a crash): the home is free.
      rmSync(file, { force: true });
    }
  }
  throw new Error(`could not claim ${file}: it keeps reappearing`);
}
