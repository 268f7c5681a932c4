// `runbook serve`: the embedded runtime for one profile behind the API on 127.0.0.1, with bearer-token operators.
// With the demo (the default for the local demo profile) it lays out the demo host and runs the demo service like
// `runbook run`. It claims the home first, resumes what a process that ended left unfinished before it accepts new
// work, writes <home>/serve.json so the CLI finds it, and on SIGINT/SIGTERM stops gracefully: running executions are
// stopped and their changes marked INTERRUPTED (they keep their environment and resume on the next start), the demo
// service stopped, the store closed.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import type { ApiContext } from '../../lambdas/api/context';
import { ensureLocalOperator, OperatorAuthenticator, TOKEN_FILE } from '../../lambdas/api/local-auth';
import { listen, type NodeServer } from '../../lambdas/api/node-server';
import { createApi } from '../../lambdas/api/router';
import { FileMetricsPublisher } from '../../lambdas/adapters/local/metrics-file';
import { badField } from '../../lambdas/api/http';
import { parseProfile, type EnvironmentProfile } from '../../lambdas/core/schemas';
import { claimHome, type HomeLock } from '../../lambdas/embedded/home-lock';
import { LOCAL_TABLE_NAME, startLocalRuntime, type LocalRuntime, type LocalRuntimeOptions } from '../../lambdas/embedded/runtime';
import { interruptChange } from '../../lambdas/phases/common';
import { recoverInterrupted, RECOVERY_HEADING } from '../../lambdas/phases/resume';
import { runScheduledCheck } from '../../lambdas/phases/scheduled-check';
import type { Logger } from '../../lambdas/ports';
import { SERVE_FILE } from './client';
import { DEMO_PROFILE_PATH, DemoEnvironment, describeResume, unfinishedChanges } from './embedded';

export const DEFAULT_PORT = 8787;

export interface StartServerOptions {
  home: string;
  /** A profile file (YAML or JSON) or a parsed profile; the local demo profile by default. */
  profile?: string | EnvironmentProfile;
  /** 0 picks a free port. */
  port?: number;
  /** Lay out the demo host and run the demo service; the default when the profile is the local demo profile file. */
  demo?: boolean;
  /** RUNBOOK_HOST_ROOT for the documents: `<home>/host` with the demo, `/` otherwise. */
  hostRoot?: string;
  /** Keep the store on disk under <home>/data (default); false keeps it in memory. */
  persist?: boolean;
  /** The OS user this machine's operator token is for. */
  operator?: string;
  /** Console lines (startup, notifications, requests); stdout by default. */
  write?: (line: string) => void;
  /** In-memory stand-ins for hosts, alarms, tester… (tests). The endpoint probe only runs when none are given. */
  adapters?: LocalRuntimeOptions['adapters'];
  engine?: LocalRuntimeOptions['engine'];
  /** Write <home>/serve.json (default true). */
  serveFile?: boolean;
}

export interface RunningServer {
  url: string;
  port: number;
  /** The local store's DynamoDB endpoint (also `storeEndpoint` in serve.json). */
  storeEndpoint: string;
  /** This machine's operator token (also in <home>/operator-token). */
  token: string;
  operator: string;
  profile: EnvironmentProfile;
  runtime: LocalRuntime;
  close(): Promise<void>;
}

/** The embedded engine runs host commands on this machine only. */
function assertLocalTargets(profile: EnvironmentProfile): void {
  if (profile.targets.kind !== 'local') {
    throw badField('targets.kind', `is "${profile.targets.kind}": the embedded engine runs host commands on this machine only (targets.kind local); deploy the CDK stack for ${profile.name}`);
  }
}

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const home = resolve(options.home);
  mkdirSync(home, { recursive: true });
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const operator = options.operator ?? userInfo().username;
  const log: Logger = {
    info: () => undefined,
    warn: (m, d) => write(`  ! ${m}${d ? ` ${JSON.stringify(d)}` : ''}`),
    error: (m, d) => write(`  ✖ ${m}${d ? ` ${JSON.stringify(d)}` : ''}`),
  };
  // The home first: a second server must not lay out the host or stop the service the running one is using.
  const lock = claimHome(home, `runbook serve${options.port !== undefined ? ` --port ${options.port}` : ''}`);
  try {
    return await startClaimed(options, home, lock, write, operator, log);
  } catch (err) {
    lock.release();
    throw err;
  }
}

async function startClaimed(options: StartServerOptions, home: string, lock: HomeLock, write: (line: string) => void, operator: string, log: Logger): Promise<RunningServer> {
  const profileFile = typeof options.profile === 'string' ? resolve(options.profile) : options.profile ? undefined : DEMO_PROFILE_PATH;
  const useDemo = options.demo ?? profileFile === DEMO_PROFILE_PATH;

  let demo: DemoEnvironment | undefined;
  let profile: EnvironmentProfile;
  if (useDemo) {
    const template = profileFile ? readFileSync(profileFile, 'utf8') : JSON.stringify(options.profile);
    // Unfinished changes were made on the host as it is: keep it (its port, its releases, a service still running).
    const adopt = options.persist !== false && (await unfinishedChanges(home)).length > 0;
    demo = await DemoEnvironment.prepare({ home, log, profileTemplate: template, profileName: profileFile ?? 'profile', adopt });
    profile = demo.profile;
  } else if (profileFile) {
    profile = parseProfile(readFileSync(profileFile, 'utf8'));
  } else {
    profile = options.profile as EnvironmentProfile;
  }
  assertLocalTargets(profile);

  const { token, created } = ensureLocalOperator(home, operator);
  let runtime: LocalRuntime | undefined;
  let server: NodeServer | undefined;
  try {
    if (demo) {
      const how = await demo.start();
      write(`demo service ${demo.host.service} on ${demo.host.baseUrl}, release ${await demo.release()} (host files under ${demo.hostRoot}${demo.adopted ? ', kept from the last run' : ''})${how === 'adopted' ? ` — adopted: pid ${demo.runningPid()} was left running by an earlier process` : ''}`);
    }
    runtime = await startLocalRuntime({
      home, profile, log, hostRoot: options.hostRoot ?? demo?.hostRoot ?? '/',
      ...(options.persist === false ? { persist: false } : {}),
      writeNotification: (text) => write(`  ${text.trimEnd().split('\n').join('\n  ')}`),
      ...(demo ? { trafficBlocked: () => existsSync((demo as DemoEnvironment).host.maintenanceFlag) } : {}),
      ...(options.adapters ? { adapters: options.adapters } : {}),
      ...(options.engine ? { engine: options.engine } : {}),
    });
    const rt = runtime;
    if (!options.adapters) rt.probe.start();
    // Before accepting new work: what a process that stopped or died left unfinished is resumed (rolled back after
    // Act Begin, waiting again before it) — see lambdas/phases/resume.ts.
    await recoverInterrupted(rt.engine.deps, profile.name, { actor: operator, say: write, heading: RECOVERY_HEADING });

    const checkMetrics = new FileMetricsPublisher(join(home, 'metrics.jsonl'), rt.engine.deps.clock);
    const ctx: ApiContext = {
      deps: rt.engine.deps,
      control: rt.engine,
      profile: async () => profile,
      engine: 'embedded',
      runCheck: () => runScheduledCheck({ ...rt.engine.deps, metrics: checkMetrics }, profile, { pollIntervalMs: 100 }),
    };
    const api = createApi(ctx, {
      log,
      onRequest: (req, res) => write(`  ${req.method} ${req.path} → ${res.statusCode}${req.identity ? ` (${req.identity.id})` : ''}`),
    });
    const authenticator = new OperatorAuthenticator(home);
    server = await listen({
      api, authenticate: (h) => authenticator.authenticate(h), port: options.port ?? DEFAULT_PORT, log,
      // The web console at / and its live feed at /events, pushed from the store's writes.
      console: { subscribe: (listener) => rt.feed.subscribe(listener) },
    });
    const serveFile = join(home, SERVE_FILE);
    // The store's DynamoDB endpoint, so standard DynamoDB tools (AWS CLI --endpoint-url, SDKs) can read the records.
    const storeEndpoint = rt.dynamo.endpoint;
    if (options.serveFile !== false) {
      writeFileSync(serveFile, `${JSON.stringify({ url: server.url, pid: process.pid, environment: profile.name, storeEndpoint, storeTable: LOCAL_TABLE_NAME, startedAt: new Date().toISOString() }, null, 2)}\n`);
    }
    write(`runbook serve: ${server.url} — environment ${profile.name} on the embedded engine (store ${options.persist === false ? 'in memory' : join(home, 'data')})`);
    write(`  console: ${server.url}/ (sign in with an operator token)`);
    write(`  store: DynamoDB API at ${storeEndpoint}, table ${LOCAL_TABLE_NAME} (any credentials, region local)`);
    write(`  operator ${operator}: token ${created ? 'created and ' : ''}in ${join(home, TOKEN_FILE)} (it submits; approvers need their own: npx runbook operator add NAME, listed in the profile's approvers)`);

    const http = server;
    let closing: Promise<void> | undefined;
    return {
      url: http.url, port: http.port, storeEndpoint, token, operator, profile, runtime: rt,
      close: () => {
        closing ??= (async () => {
          await http.close();
          for (const name of rt.engine.runningNames()) {
            await rt.engine.stop(name, 'runbook serve stopped');
            const change = (await rt.store.listChanges({ environment: profile.name })).find((c) => c.executionName === name);
            if (change) {
              const interrupted = await interruptChange(rt.engine.deps, change.id, operator, 'runbook serve stopped').catch(() => undefined);
              if (interrupted) write(`  ${change.id} was ${change.status}: marked INTERRUPTED — it keeps environment ${change.environment}; the next start ${describeResume(change.status, change.profile.onInterrupted)}`);
            }
          }
          // The probe first: sampling a service that is being stopped would only raise alarms nobody needs.
          await rt.probe.stop();
          if (demo) await demo.stop();
          await rt.close();
          if (options.serveFile !== false && existsSync(serveFile)) {
            const info = JSON.parse(readFileSync(serveFile, 'utf8')) as { pid?: number; url?: string };
            if (info.pid === process.pid && info.url === http.url) rmSync(serveFile, { force: true });
          }
          lock.release();
        })();
        return closing;
      },
    };
  } catch (err) {
    await server?.close();
    await runtime?.close();
    await demo?.stop();
    throw err;
  }
}
