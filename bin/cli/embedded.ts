// What `runbook run` and `runbook serve` share on the embedded engine: the local demo environment (a demo host laid
// out under <home>/host, its profile bound to a free port, the demo service started and stopped through the project's
// own documents) and settling the changes a process that died left in flight.
import { readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureDemoCredentials, freePort, killDemoService, prepareDemoHost, type DemoHost } from '../../demo/host';
import { LocalHostCommands } from '../../lambdas/adapters/local/host-commands';
import { FINAL_STATUSES, type ChangeRecord } from '../../lambdas/core/records';
import { parseDocumentText, validate, EnvironmentProfileSchema, type EnvironmentProfile } from '../../lambdas/core/schemas';
import { LocalEventBus } from '../../lambdas/embedded/event-bus';
import { DOCUMENTS_DIR } from '../../lambdas/embedded/runtime';
import { interruptChange, transition } from '../../lambdas/phases/common';
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
  ) {}

  /**
   * Lays out a fresh demo host under `<home>/host` (killing a service a dead run left behind) on a free port and
   * binds the profile template to it. A template that is not a valid profile throws a ValidationError.
   */
  static async prepare(options: { home: string; log: Logger; profileTemplate?: string; profileName?: string }): Promise<DemoEnvironment> {
    const hostRoot = join(resolve(options.home), 'host');
    killDemoService(hostRoot);
    rmSync(hostRoot, { recursive: true, force: true });
    const port = await freePort();
    const host = prepareDemoHost({ root: hostRoot, port, release: PREVIOUS_RELEASE });
    // TEST logs in to the demo service with credentials the profile names and the local parameter file holds.
    ensureDemoCredentials(join(resolve(options.home), 'parameters.json'));
    const profile = bindProfile(options.profileTemplate ?? readFileSync(DEMO_PROFILE_PATH, 'utf8'), port, options.profileName ?? 'local-demo profile');
    const setupHosts = new LocalHostCommands({ documentsDir: DOCUMENTS_DIR, hostRoot, bus: new LocalEventBus({ log: options.log }), clock: { now: () => new Date() } });
    return new DemoEnvironment(host, hostRoot, profile, setupHosts);
  }

  /** Starts the demo service through runbook-ServiceControl, as a real host would be; throws DemoServiceError if it does not come up. */
  async start(): Promise<void> {
    const started = await this.command('runbook-ServiceControl', { Action: 'start', Services: this.host.service, ServiceManager: 'pidfile', WaitSeconds: '15' });
    if (!started.ok) throw new DemoServiceError(`the demo service did not start:\n${started.output}`);
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
      if (o.status !== 'InProgress') return { ok: o.status === 'Success', output: `${o.stdout}\n${o.stderr}`.trim() };
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/**
 * Changes of `environment` left in flight by an embedded process that is gone: nothing will ever move them, so they
 * are marked INTERRUPTED and their lock released. A ROLLED_BACK change is back in PLAN and waits for approvals, which
 * is not "in flight": it is kept, unless `supersedeRolledBack` (the demo, which always starts a fresh change).
 */
export async function settleStaleChanges(
  deps: Pick<Deps, 'store' | 'clock'>,
  environment: string,
  options: { actor: string; supersedeRolledBack: boolean; say: (line: string) => void },
): Promise<ChangeRecord[]> {
  const settled: ChangeRecord[] = [];
  for (const stale of await deps.store.listChanges({ environment })) {
    if ((FINAL_STATUSES as readonly string[]).includes(stale.status)) continue;
    const rolledBack = stale.status === 'ROLLED_BACK';
    if (rolledBack && !options.supersedeRolledBack) continue;
    const updated = rolledBack
      ? await transition(deps, stale.id, { status: 'CANCELLED', phase: stale.phase, actor: options.actor, message: 'cancelled: superseded by a new demo run' })
      : await interruptChange(deps, stale.id, options.actor, 'the embedded run that owned it ended without finishing');
    if (!updated) continue;
    if (rolledBack) await deps.store.releaseLock(stale.environment, stale.id);
    options.say(`  ${stale.id} was ${stale.status}: marked ${updated.status}`);
    settled.push(updated);
  }
  return settled;
}
