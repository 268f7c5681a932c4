// The scheduled pre-flight check: against the real demo service through the project's documents (pass, then
// fail once the service is stopped), and its bookkeeping (history, metric, notification) over fakes.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, killDemoService, prepareDemoHost, type DemoHost } from '../../demo/host';
import { DOCUMENTS_DIR } from '../../documents';
import { MemoryChangeStore } from '../../lambdas/adapters/memory/change-store';
import { LocalHostCommands } from '../../lambdas/adapters/local/host-commands';
import { FileMetricsPublisher } from '../../lambdas/adapters/local/metrics-file';
import { AFTER_ACT_BEGAN, checkChangeId, type CheckResult } from '../../lambdas/core/records';
import { parseDocumentText, validate, EnvironmentProfileSchema, type EnvironmentProfile } from '../../lambdas/core/schemas';
import { LocalEventBus } from '../../lambdas/embedded/event-bus';
import { CHECK_FAILED_METRIC, runScheduledCheck, type CheckDeps } from '../../lambdas/phases/scheduled-check';
import { changeRecord } from '../adapters/change-store.contract';
import { FakeHostCommands, FakeParameters, RecordingNotifier, silentLog, systemClock } from '../support/fakes';

jest.setTimeout(60_000);

function demoProfile(port: number): EnvironmentProfile {
  const text = readFileSync(join(__dirname, '..', '..', 'examples', 'local-demo.profile.yml'), 'utf8').split('{{port}}').join(String(port));
  return validate(EnvironmentProfileSchema, parseDocumentText(text, 'profile'), 'profile');
}

/** A check that ran (not skipped): what the tests below expect. */
async function ranCheck(...args: Parameters<typeof runScheduledCheck>): Promise<CheckResult> {
  const result = await runScheduledCheck(...args);
  if ('skipped' in result) throw new Error(`expected the check to run: ${result.reason}`);
  return result;
}

describe('runScheduledCheck', () => {
  it('should pass while the demo service runs and fail, notified and measured, once it is stopped', async () => {
    // Prepare
    const host: DemoHost = prepareDemoHost({ root: mkdtempSync(join(tmpdir(), 'runbook-check-')), port: await freePort() });
    const bus = new LocalEventBus({ log: silentLog });
    const hosts = new LocalHostCommands({ documentsDir: DOCUMENTS_DIR, hostRoot: host.root, bus, clock: systemClock });
    const notifier = new RecordingNotifier();
    const metrics = new FileMetricsPublisher(undefined, systemClock);
    const deps: CheckDeps = { store: new MemoryChangeStore(), hosts, parameters: new FakeParameters(), notifier, clock: systemClock, log: silentLog, metrics };
    const profile = demoProfile(host.port);
    const control = async (Action: string) => {
      const { commandId } = await hosts.send({ changeId: 'setup', attempt: 1, step: { name: 'setup', document: 'runbook-ServiceControl', parameters: { Action, Services: host.service, ServiceManager: 'pidfile' }, timeoutSeconds: 30 }, targets: { kind: 'local' }, comment: 'test' });
      while ((await hosts.outcome(commandId)).status === 'InProgress') await new Promise((r) => setTimeout(r, 50));
    };
    try {
      await control('start');

      // Act
      const healthy = await ranCheck(deps, profile, { pollIntervalMs: 50 });
      await control('stop');
      const down = await ranCheck(deps, profile, { pollIntervalMs: 50 });

      // Assess
      expect(healthy.passed).toBe(true);
      expect(healthy.checks.map((c) => [c.name, c.status])).toEqual([['required-parameters', 'PASS'], ['preflight-system-health', 'PASS'], ['preflight-dependencies', 'PASS']]);
      expect(healthy.checks[1]?.result).toMatchObject({ services: { 'estimator-service': expect.any(String) } });
      expect(down.passed).toBe(false);
      expect(down.checks.find((c) => c.name === 'preflight-system-health')?.status).toBe('FAIL');
      expect((await deps.store.listCheckResults(profile.name, 10)).map((r) => r.passed)).toEqual([false, true]);
      expect(metrics.published.filter((m) => m.name === CHECK_FAILED_METRIC).map((m) => m.value)).toEqual([0, 1]);
      expect(notifier.sent).toHaveLength(1);
      expect(notifier.sent[0]?.title).toBe('Scheduled pre-flight check failed: local-demo');
      expect((await deps.store.listCommands('CHECK-local-demo')).map((c) => c.stepName)).toEqual(['preflight-system-health', 'preflight-dependencies', 'preflight-system-health', 'preflight-dependencies']);
    } finally {
      await hosts.close();
      await bus.close();
      killDemoService(host.root);
      rmSync(host.root, { recursive: true, force: true });
    }
  });

  it('should report missing required parameters and a command that cannot be sent as failed checks', async () => {
    // Prepare
    const bus = new LocalEventBus({ log: silentLog });
    const hosts = new FakeHostCommands(bus);
    hosts.send = async () => { throw new Error('document runbook-SystemHealth not found'); };
    const deps: CheckDeps = { store: new MemoryChangeStore(), hosts, parameters: new FakeParameters(['JWT_SECRET']), notifier: new RecordingNotifier(), clock: systemClock, log: silentLog, metrics: new FileMetricsPublisher(undefined, systemClock) };
    const profile = { ...demoProfile(1234), requiredParameters: ['DATABASE_URL', 'JWT_SECRET'] };

    // Act
    const result = await ranCheck(deps, profile, { pollIntervalMs: 1 });

    // Assess
    expect(result.passed).toBe(false);
    expect(result.checks[0]).toEqual({ name: 'required-parameters', status: 'FAIL', details: 'not set: JWT_SECRET' });
    expect(result.checks[1]).toMatchObject({ name: 'preflight-system-health', status: 'FAIL', details: expect.stringContaining('not found') });
    await bus.close();
  });

  it.each(AFTER_ACT_BEGAN)('should skip the environment, sending and writing nothing, while its change is %s', async (status) => {
    // Prepare: the change holding the environment's lock is between ACT and REPORT
    const bus = new LocalEventBus({ log: silentLog });
    const hosts = new FakeHostCommands(bus);
    const sent = jest.spyOn(hosts, 'send');
    const store = new MemoryChangeStore();
    const notifier = new RecordingNotifier();
    const metrics = new FileMetricsPublisher(undefined, systemClock);
    const profile = demoProfile(1234);
    await store.createChange(changeRecord({ id: 'CR-2026-042', environment: profile.name, status }));
    await store.acquireLock(profile.name, 'CR-2026-042');
    const deps: CheckDeps = { store, hosts, parameters: new FakeParameters(), notifier, clock: systemClock, log: silentLog, metrics };

    // Act
    const result = await runScheduledCheck(deps, profile, { pollIntervalMs: 1 });

    // Assess
    expect(result).toMatchObject({ skipped: true, environment: profile.name, changeId: 'CR-2026-042', changeStatus: status, reason: expect.stringContaining('between ACT and REPORT') });
    expect(sent).not.toHaveBeenCalled();
    expect(await store.listCheckResults(profile.name, 10)).toEqual([]);
    expect(await store.listCommands(checkChangeId(profile.name))).toEqual([]);
    expect(notifier.sent).toEqual([]);
    expect(metrics.published).toEqual([]);
    await bus.close();
  });

  it('should run while the environment\'s change has not reached ACT', async () => {
    // Prepare
    const bus = new LocalEventBus({ log: silentLog });
    const store = new MemoryChangeStore();
    const profile = { ...demoProfile(1234), requiredParameters: ['JWT_SECRET'] };
    await store.createChange(changeRecord({ id: 'CR-2026-043', environment: profile.name, status: 'AWAITING_APPROVAL' }));
    await store.acquireLock(profile.name, 'CR-2026-043');
    const hosts = new FakeHostCommands(bus);
    hosts.send = async () => { throw new Error('no hosts in this test'); };
    const deps: CheckDeps = { store, hosts, parameters: new FakeParameters(['JWT_SECRET']), notifier: new RecordingNotifier(), clock: systemClock, log: silentLog, metrics: new FileMetricsPublisher(undefined, systemClock) };

    // Act
    const result = await ranCheck(deps, profile, { pollIntervalMs: 1 });

    // Assess
    expect(result.checks[0]).toMatchObject({ name: 'required-parameters', status: 'FAIL' });
    expect(await store.listCheckResults(profile.name, 10)).toHaveLength(1);
    await bus.close();
  });
});
