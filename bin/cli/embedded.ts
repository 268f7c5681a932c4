// What `runbook run` and `runbook serve` share on the embedded engine: the local demo environment (a demo host laid
// out under <home>/host, its profile bound to a free port, the demo service started and stopped through the project's
// own documents, kept for a change an earlier process left half-done) and settling the changes it left.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEMO_SERVICE, demoServicePid, ensureDemoCredentials, freePort, killDemoService, prepareDemoHost, type DemoHost } from '../../demo/host';
import { DynamoChangeStore, ensureTable } from '../../lambdas/adapters/dynamodb/change-store';
import { LocalHostCommands } from '../../lambdas/adapters/local/host-commands';
import { AFTER_ACT_BEGAN, FINAL_STATUSES, type ChangeRecord } from '../../lambdas/core/records';
import { parseDocumentText, validate, EnvironmentProfileSchema, type EnvironmentProfile } from '../../lambdas/core/schemas';
import { startDynalite } from '../../lambdas/embedded/dynalite';
import { LocalEventBus } from '../../lambdas/embedded/event-bus';
import { DOCUMENTS_DIR, LOCAL_TABLE_NAME } from '../../lambdas/embedded/runtime';
import { transition } from '../../lambdas/phases/common';
import { interruptedStatus } from '../../lambdas/phases/resume';
import type { Deps, Logger } from '../../lambdas/ports';

export const ROOT = resolve(__dirname, '..', '..');
export const EXAMPLES = join(ROOT, 'examples');
export const DEMO_PROFILE_PATH = join(EXAMPLES, 'local-demo.profile.yml');
export const PREVIOUS_RELEASE = 'v2.3.1';

/** A profile template with its `{{port}}` placeholders filled, validated. */
export function bindProfile(template: string, port: number, what: string): EnvironmentProfile {
  const text = template.split('{{port}}').join(String(port));
  return validate(EnvironmentProfileSchema, parseDocumentText(text, what), what);
}

/** The demo service did not come up: the local environment, not the input, is at fault. */
export class DemoServiceError extends Error { override name = 'DemoServiceError'; }

export class DemoEnvironment {
  private stopped = false;

  private constructor(
    readonly host: DemoHost,
    readonly hostRoot: string,
    readonly profile: EnvironmentProfile,
    private readonly setupHosts: LocalHostCommands,
    /** The host was left by an earlier process and kept as it was. */
    readonly adopted = false,
  ) {}

  /** The pid of the demo service when one is running on this host (an adopted host's may still be). */
  runningPid(): number | undefined {
    return demoServicePid(this.hostRoot, this.host.service);
  }

  /**
   * Lays out a fresh demo host under `<home>/host` (killing a service a dead run left behind) on a free port and
   * binds the profile template to it. With `adopt`, a host already laid out there is kept as it is (its port, its
   * releases, a service still running): a change interrupted on it is rolled back or resumed on that host. A template
   * that is not a valid profile throws a ValidationError.
   */
  static async prepare(options: { home: string; log: Logger; profileTemplate?: string; profileName?: string; adopt?: boolean }): Promise<DemoEnvironment> {
    const hostRoot = join(resolve(options.home), 'host');
    const adopted = options.adopt ? adoptDemoHost(hostRoot) : undefined;
    let host: DemoHost;
    if (adopted) {
      host = adopted;
    } else {
      killDemoService(hostRoot);
      rmSync(hostRoot, { recursive: true, force: true });
      host = prepareDemoHost({ root: hostRoot, port: await freePort(), release: PREVIOUS_RELEASE });
    }
    // TEST logs in to the demo service with credentials the profile names and the local parameter file holds.
    ensureDemoCredentials(join(resolve(options.home), 'parameters.json'));
    const profile = bindProfile(options.profileTemplate ?? readFileSync(DEMO_PROFILE_PATH, 'utf8'), host.port, options.profileName ?? 'local-demo profile');
    const setupHosts = new LocalHostCommands({ documentsDir: DOCUMENTS_DIR, hostRoot, bus: new LocalEventBus({ log: options.log }), clock: { now: () => new Date() } });
    return new DemoEnvironment(host, hostRoot, profile, setupHosts, adopted !== undefined);
  }

  /**
   * Starts the demo service through runbook-ServiceControl, as a real host would be; throws DemoServiceError if it
   * does not come up. A service already running on an adopted host is adopted, never started twice: 'adopted'.
   */
  async start(): Promise<'started' | 'adopted'> {
    if (this.adopted && this.runningPid() !== undefined) return 'adopted';
    const started = await this.command('runbook-ServiceControl', { Action: 'start', Services: this.host.service, ServiceManager: 'pidfile', WaitSeconds: '15' });
    if (!started.ok) throw new DemoServiceError(`the demo service did not start:\n${started.output}`);
    return 'started';
  }

  /** The release the running service reports, if it answers. */
  async release(): Promise<string | undefined> {
    try {
      const res = await fetch(`${this.host.baseUrl}/api/v1/health`, { signal: AbortSignal.timeout(3000) });
      const body = (await res.json()) as { release?: string | { version?: string } };
      return typeof body.release === 'string' ? body.release : body.release?.version;
    } catch {
      return undefined;
    }
  }

  /** Stops the service (KILL as a last resort) and the setup runner; safe to call twice. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const stopped = await this.command('runbook-ServiceControl', { Action: 'stop', Services: this.host.service, ServiceManager: 'pidfile', WaitSeconds: '10' }).catch(() => ({ ok: false, output: '' }));
    if (!stopped.ok) killDemoService(this.hostRoot);
    await this.setupHosts.close();
  }

  /** Runs one document outside any change (setting the demo host up or down) and waits for it. */
  private async command(document: string, parameters: Record<string, string>): Promise<{ ok: boolean; output: string }> {
    const { commandId } = await this.setupHosts.send({ changeId: 'CR-0000-000', attempt: 1, step: { name: 'demo-setup', document, parameters, timeoutSeconds: 60 }, targets: { kind: 'local' }, comment: 'demo host setup' });
    for (;;) {
      const o = await this.setupHosts.outcome(commandId);
      if (o.status !== 'InProgress') return { ok: o.status === 'Success', output: `${o.stderr}\n${o.stdout}`.trim() };
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** A demo host an earlier process laid out under `hostRoot` (its port file names its port); undefined when none. */
export function adoptDemoHost(hostRoot: string, service = DEMO_SERVICE): DemoHost | undefined {
  const appDir = join(hostRoot, 'app', service);
  let port: number;
  try {
    port = Number(readFileSync(join(appDir, 'port'), 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535 || !existsSync(join(appDir, 'service.mjs'))) return undefined;
  return {
    root: hostRoot, service, port, baseUrl: `http://127.0.0.1:${port}`, appDir,
    pidFile: join(hostRoot, 'run', `${service}.pid`),
    logFile: join(hostRoot, 'log', `${service}.log`),
    maintenanceFlag: join(hostRoot, 'var', 'maintenance'),
  };
}

/**
 * The changes in a home's store that have not ended (read before the host is laid out, to know whether the host must
 * be kept for them). The store is opened and closed again: the caller holds the home, nobody else has it open.
 */
export async function unfinishedChanges(home: string): Promise<ChangeRecord[]> {
  const dataDir = join(resolve(home), 'data');
  if (!existsSync(dataDir)) return [];
  const dynamo = await startDynalite({ path: dataDir });
  try {
    await ensureTable(dynamo.client, LOCAL_TABLE_NAME);
    const store = new DynamoChangeStore(dynamo.client, LOCAL_TABLE_NAME);
    return (await store.listChanges()).filter((c) => !(FINAL_STATUSES as readonly string[]).includes(c.status));
  } finally {
    await dynamo.close();
  }
}

/** Whether an unfinished change may have changed the host (interrupted after ACT began): its host must be kept. */
export const touchedTheHost = (change: ChangeRecord): boolean => (AFTER_ACT_BEGAN as readonly string[]).includes(interruptedStatus(change) ?? '');

/**
 * The demo (`runbook run`) always starts a fresh change: what an earlier run left before ACT (nothing touched:
 * waiting for approvals, its window, or back in PLAN after a rollback) is closed CANCELLED, superseded, and its
 * environment freed. Changes interrupted after ACT began are not touched here: recoverInterrupted rolls them back.
 */
export async function supersedeUntouched(
  deps: Pick<Deps, 'store' | 'clock'>,
  environment: string,
  options: { actor: string; say: (line: string) => void },
): Promise<ChangeRecord[]> {
  const settled: ChangeRecord[] = [];
  for (const stale of await deps.store.listChanges({ environment })) {
    if ((FINAL_STATUSES as readonly string[]).includes(stale.status) || touchedTheHost(stale)) continue;
    const updated = await transition(deps, stale.id, { status: 'CANCELLED', phase: stale.phase, actor: options.actor, message: `cancelled: superseded by a new demo run (it was ${stale.status})` });
    await deps.store.releaseLock(stale.environment, stale.id);
    options.say(`  ${stale.id} was ${stale.status}: marked CANCELLED (superseded by this run)`);
    settled.push(updated);
  }
  return settled;
}

/** What the next start does with a change interrupted in `status`, for the stop message. */
export function describeResume(status: ChangeRecord['status'], onInterrupted: 'rollback' | 'hold' | undefined): string {
  if ((AFTER_ACT_BEGAN as readonly string[]).includes(status)) return onInterrupted === 'hold' ? `holds it until \`npx runbook rollback ID\`` : 'rolls it back';
  if (status === 'AWAITING_APPROVAL') return 'waits for its approvals again';
  if (status === 'SCHEDULED') return 'waits for its change window again';
  return 'runs its pre-flight again';
}
