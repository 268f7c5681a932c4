// Lays out the local demo host (the directory tree the documents see as $RUNBOOK_HOST_ROOT) and cleans up
// after it. Nothing here starts the service: runbook-ServiceControl does that, as it would on a real host.
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';

/** Where the demo's sources live: this directory (service.mjs, releases/*.json). */
export const DEMO_DIR = __dirname;
export const DEMO_SERVICE = 'estimator-service';
export const DEMO_RELEASES_DIR = join(DEMO_DIR, 'releases');

export interface DemoHostOptions {
  root: string;
  port: number;
  release?: string;
  service?: string;
}

export interface DemoHost {
  root: string;
  service: string;
  port: number;
  baseUrl: string;
  appDir: string;
  pidFile: string;
  logFile: string;
  maintenanceFlag: string;
}

/**
 * The demo service's test user (service.mjs accepts exactly these) under the parameter names the local demo
 * profile's tests.auth gives: the profile names them, the values live in the parameter store, as on AWS.
 */
export const DEMO_TEST_CREDENTIALS: Readonly<Record<string, string>> = {
  '/runbook/local-demo/test-user-email': 'test@company.com',
  '/runbook/local-demo/test-user-password': 'test123',
};

/**
 * Puts the demo's test credentials into the local parameter file (`<home>/parameters.json`, 0600), keeping every
 * value already there: an operator's own values win.
 */
export function ensureDemoCredentials(parametersFile: string): void {
  let current: Record<string, unknown> = {};
  if (existsSync(parametersFile)) {
    const parsed: unknown = JSON.parse(readFileSync(parametersFile, 'utf8'));
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`${parametersFile} must be a JSON object of name → value`);
    current = parsed as Record<string, unknown>;
  }
  const missing = Object.keys(DEMO_TEST_CREDENTIALS).filter((name) => !(name in current));
  if (missing.length === 0) return;
  mkdirSync(dirname(parametersFile), { recursive: true });
  writeFileSync(parametersFile, `${JSON.stringify({ ...current, ...Object.fromEntries(missing.map((n) => [n, DEMO_TEST_CREDENTIALS[n]])) }, null, 2)}\n`, { mode: 0o600 });
}

/** The release versions the demo ships (artifact names without .json). */
export function demoReleases(): string[] {
  return readdirSync(DEMO_RELEASES_DIR).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length)).sort();
}

/** Copies the service, its port, its current release and every release artifact under `root`. */
export function prepareDemoHost({ root, port, release = 'v2.3.1', service = DEMO_SERVICE }: DemoHostOptions): DemoHost {
  const hostRoot = resolve(root);
  const releases = demoReleases();
  if (!releases.includes(release)) throw new Error(`unknown demo release ${release} (have ${releases.join(', ')})`);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`invalid port ${port}`);
  const appDir = join(hostRoot, 'app', service);
  for (const dir of [appDir, 'artifacts', 'run', 'log', 'var', 'backups'].map((d) => resolve(hostRoot, d))) {
    mkdirSync(dir, { recursive: true });
  }
  copyFileSync(join(DEMO_DIR, 'service.mjs'), join(appDir, 'service.mjs'));
  writeFileSync(join(appDir, 'port'), `${port}\n`);
  for (const r of releases) copyFileSync(join(DEMO_RELEASES_DIR, `${r}.json`), join(hostRoot, 'artifacts', `${r}.json`));
  copyFileSync(join(DEMO_RELEASES_DIR, `${release}.json`), join(appDir, 'release.json'));
  return {
    root: hostRoot, service, port, baseUrl: `http://127.0.0.1:${port}`, appDir,
    pidFile: join(hostRoot, 'run', `${service}.pid`),
    logFile: join(hostRoot, 'log', `${service}.log`),
    maintenanceFlag: join(hostRoot, 'var', 'maintenance'),
  };
}

/** The pid in run/<service>.pid when that process is alive and is this host's service, else undefined. */
export function demoServicePid(root: string, service = DEMO_SERVICE): number | undefined {
  const hostRoot = resolve(root);
  const pidFile = join(hostRoot, 'run', `${service}.pid`);
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 1) return undefined;
  return isOurService(pid, join(hostRoot, 'app', service, 'service.mjs')) ? pid : undefined;
}

/**
 * Last-resort cleanup (tests, an interrupted run): KILLs the host's service if its pid file names a live
 * process running this host's service.mjs. Returns whether it killed something.
 */
export function killDemoService(root: string, service = DEMO_SERVICE): boolean {
  const pid = demoServicePid(root, service);
  if (pid === undefined) return false;
  try {
    process.kill(pid, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}

/** A port the OS just handed out on 127.0.0.1 (free now; someone could take it before it is used). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port > 0 ? resolvePort(port) : reject(new Error('no port assigned'))));
    });
  });
}

// A pid file can outlive its process and the pid be reused; zombies (never reaped when PID 1 does not reap)
// still answer kill(pid, 0). Only a runnable process whose command line names this service.mjs counts.
function isOurService(pid: number, script: string): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = /\) (\S)/.exec(stat.slice(stat.lastIndexOf(')')))?.[1];
    if (state === undefined || state === 'Z' || state === 'X') return false;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(script);
  } catch {
    return false;
  }
}
