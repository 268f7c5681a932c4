// The project documents driving the real demo service on a temporary host root, through LocalHostCommands:
// the same start → deploy → restore → stop cycle ACT and ROLLBACK run, plus the pre-flight checks.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalHostCommands } from '../../lambdas/adapters/local/host-commands';
import { demoServicePid, freePort, killDemoService, prepareDemoHost, type DemoHost } from '../../demo/host';
import { DOCUMENTS_DIR, DOCUMENT_NAMES, type DocumentName } from '../../documents';
import { RecordingBus, isRunning, processesMentioning, runToEnd, type Finished } from '../adapters/local/harness';
const SERVICE = { Services: 'estimator-service', ServiceManager: 'pidfile' };

jest.setTimeout(60_000);

describe('documents on the demo host', () => {
  let host: DemoHost;
  let bus: RecordingBus;
  let hosts: LocalHostCommands;
  const run = (document: string, parameters: Record<string, string>, timeoutSeconds = 60): Promise<Finished> =>
    runToEnd(hosts, bus, document, parameters, timeoutSeconds);
  const health = async (): Promise<{ status: number; body: Record<string, unknown> }> => {
    const res = await fetch(`${host.baseUrl}/api/v1/health`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeEach(async () => {
    host = prepareDemoHost({ root: mkdtempSync(join(tmpdir(), 'runbook-demo-')), port: await freePort() });
    bus = new RecordingBus();
    hosts = new LocalHostCommands({ documentsDir: DOCUMENTS_DIR, hostRoot: host.root, bus, clock: { now: () => new Date() } });
  });

  afterEach(async () => {
    await hosts.close();
    killDemoService(host.root);
    rmSync(host.root, { recursive: true, force: true });
  });

  it('should start, deploy, restore the previous release and stop the service, leaving no process', async () => {
    // Act: the ACT cycle, then the ROLLBACK cycle
    const started = await run('runbook-ServiceControl', { Action: 'start', ...SERVICE });
    const firstPid = demoServicePid(host.root);
    const before = await health();
    const stopped = await run('runbook-ServiceControl', { Action: 'stop', ...SERVICE });
    const deployed = await run('runbook-DeployRelease', { Release: 'v2.4.0', Method: 'artifact', Services: 'estimator-service' });
    await run('runbook-ServiceControl', { Action: 'start', ...SERVICE });
    const checked = await run('runbook-HealthCheck', { Url: `${host.baseUrl}/api/v1/health`, Attempts: '3', IntervalSeconds: '1' });
    const afterDeploy = await health();
    const restored = await run('runbook-DeployRelease', { Release: 'previous', Method: 'artifact', Services: 'estimator-service' });
    const restarted = await run('runbook-ServiceControl', { Action: 'restart', ...SERVICE });
    const afterRestore = await health();
    const lastPid = demoServicePid(host.root);
    const finalStop = await run('runbook-ServiceControl', { Action: 'stop', ...SERVICE });

    // Assess
    expect(started.event.detail.status).toBe('Success');
    expect(started.result).toEqual({ action: 'start', services: { 'estimator-service': 'RUNNING' } });
    expect(before).toEqual({ status: 200, body: expect.objectContaining({ status: 'ok', release: 'v2.3.1' }) });
    expect(stopped.result).toEqual({ action: 'stop', services: { 'estimator-service': 'STOPPED' } });
    expect(deployed.result).toEqual({ release: 'v2.4.0', method: 'artifact', services: { 'estimator-service': { from: 'v2.3.1', to: 'v2.4.0' } } });
    expect(checked.event.detail.status).toBe('Success');
    expect(afterDeploy.body.release).toBe('v2.4.0');
    expect(restored.result).toEqual({ release: 'previous', method: 'artifact', services: { 'estimator-service': { from: 'v2.4.0', to: 'v2.3.1' } } });
    expect(restarted.event.detail.status).toBe('Success');
    expect(afterRestore.body.release).toBe('v2.3.1');
    expect(finalStop.event.detail.status).toBe('Success');
    expect(firstPid).toEqual(expect.any(Number));
    expect(lastPid).toEqual(expect.any(Number));
    expect(isRunning(firstPid as number)).toBe(false);
    expect(isRunning(lastPid as number)).toBe(false);
    expect(existsSync(host.pidFile)).toBe(false);
    expect(processesMentioning(host.root)).toEqual([]);
    await expect(fetch(`${host.baseUrl}/api/v1/health`)).rejects.toThrow();
  });

  it('should deploy the bad release, which still passes the health check while estimates fail', async () => {
    // Act
    await run('runbook-DeployRelease', { Release: 'v2.4.0-bad', Method: 'artifact', Services: 'estimator-service' });
    await run('runbook-ServiceControl', { Action: 'start', ...SERVICE });
    const checked = await run('runbook-HealthCheck', { Url: `${host.baseUrl}/api/v1/health`, Attempts: '3', IntervalSeconds: '1' });
    const statuses = await Promise.all(Array.from({ length: 10 }, async () => (await fetch(`${host.baseUrl}/api/v1/estimates`)).status));
    await run('runbook-ServiceControl', { Action: 'stop', ...SERVICE });

    // Assess
    expect(checked.event.detail.status).toBe('Success');
    expect(statuses.filter((s) => s === 500)).toHaveLength(3);
  });

  it('should keep the saved previous release when the same release is deployed twice', async () => {
    // Act
    await run('runbook-DeployRelease', { Release: 'v2.4.0', Method: 'artifact', Services: 'estimator-service' });
    const again = await run('runbook-DeployRelease', { Release: 'v2.4.0', Method: 'artifact', Services: 'estimator-service' });
    const previous = JSON.parse(readFileSync(join(host.appDir, 'release.previous.json'), 'utf8')) as { version: string };

    // Assess
    expect(again.event.detail.status).toBe('Success');
    expect(again.outcome.stderr).toContain('v2.4.0 is already current');
    expect(previous.version).toBe('v2.3.1');
  });

  it('should fail a deploy of a release that has no artifact, and a restore with nothing to restore', async () => {
    // Act
    const missing = await run('runbook-DeployRelease', { Release: 'v9.9.9', Method: 'artifact', Services: 'estimator-service' });
    const nothing = await run('runbook-DeployRelease', { Release: 'previous', Method: 'artifact', Services: 'estimator-service' });

    // Assess
    expect(missing.event.detail.status).toBe('Failed');
    expect(missing.outcome.stderr).toContain('artifact');
    expect(nothing.event.detail.status).toBe('Failed');
    expect(nothing.outcome.stderr).toContain('no previous release');
  });

  it('should block and restore traffic with the maintenance flag file', async () => {
    // Prepare
    await run('runbook-ServiceControl', { Action: 'start', ...SERVICE });

    // Act
    const blocked = await run('runbook-TrafficControl', { Mode: 'maintenance', Method: 'flagfile' });
    const estimatesBlocked = await fetch(`${host.baseUrl}/api/v1/estimates`);
    const healthBlocked = await health();
    const restored = await run('runbook-TrafficControl', { Mode: 'production', Method: 'flagfile' });
    const estimatesRestored = await fetch(`${host.baseUrl}/api/v1/estimates`);
    await run('runbook-ServiceControl', { Action: 'stop', ...SERVICE });

    // Assess
    expect(blocked.result).toEqual({ mode: 'maintenance', method: 'flagfile' });
    expect(estimatesBlocked.status).toBe(503);
    expect(estimatesBlocked.headers.get('retry-after')).toBe('30');
    expect(healthBlocked).toEqual({ status: 200, body: expect.objectContaining({ maintenance: true }) });
    expect(restored.event.detail.status).toBe('Success');
    expect(estimatesRestored.status).toBe(200);
    expect(existsSync(host.maintenanceFlag)).toBe(false);
  });

  it('should pass system health with the service running and fail it, naming the violations, once stopped', async () => {
    // Prepare
    await run('runbook-ServiceControl', { Action: 'start', ...SERVICE });
    const lenient = { ...SERVICE, MaxCpuPercent: '100', MaxMemoryPercent: '100', MaxDiskPercent: '100' };

    // Act
    const healthy = await run('runbook-SystemHealth', lenient);
    await run('runbook-ServiceControl', { Action: 'stop', ...SERVICE });
    const unhealthy = await run('runbook-SystemHealth', { ...lenient, MaxDiskPercent: '1' });

    // Assess
    expect(healthy.event.detail.status).toBe('Success');
    expect(healthy.result).toEqual({
      services: { 'estimator-service': 'RUNNING' }, cpuPercent: expect.any(Number), memoryPercent: expect.any(Number),
      diskPercent: expect.any(Number), violations: [], warnings: [],
    });
    expect(unhealthy.event.detail.status).toBe('Failed');
    expect(unhealthy.result.services).toEqual({ 'estimator-service': 'STOPPED' });
    expect(unhealthy.result.violations).toEqual(['service estimator-service is STOPPED', expect.stringMatching(/^disk \d+% > 1%$/)]);
  });

  it("should only warn about high resource usage with ResourceSeverity warning (the seed's default), and still fail a stopped service", async () => {
    // Prepare: a disk limit every disk is over.
    await run('runbook-ServiceControl', { Action: 'start', ...SERVICE });
    const overDisk = { ...SERVICE, MaxCpuPercent: '100', MaxMemoryPercent: '100', MaxDiskPercent: '1', ServiceSeverity: 'fatal', ResourceSeverity: 'warning' };

    // Act
    const warned = await run('runbook-SystemHealth', overDisk);
    await run('runbook-ServiceControl', { Action: 'stop', ...SERVICE });
    const stopped = await run('runbook-SystemHealth', overDisk);
    const stoppedButLenient = await run('runbook-SystemHealth', { ...overDisk, ServiceSeverity: 'warning' });

    // Assess
    expect(warned.event.detail.status).toBe('Success');
    expect(warned.result).toMatchObject({ violations: [], warnings: [expect.stringMatching(/^disk \d+% > 1%$/)] });
    expect(stopped.event.detail.status).toBe('Failed');
    expect(stopped.result).toMatchObject({ violations: ['service estimator-service is STOPPED'], warnings: [expect.stringMatching(/^disk/)] });
    expect(stoppedButLenient.event.detail.status).toBe('Success');
    expect(stoppedButLenient.result.warnings).toEqual(['service estimator-service is STOPPED', expect.stringMatching(/^disk/)]);
  });

  it('should report each dependency endpoint and fail when one is unreachable', async () => {
    // Prepare
    await run('runbook-ServiceControl', { Action: 'start', ...SERVICE });
    const closed = await freePort();
    const endpoints = [`${host.baseUrl}/api/v1/health`, `tcp://127.0.0.1:${host.port}`, `redis://127.0.0.1:${closed}`];

    // Act
    const reachable = await run('runbook-Dependencies', { Endpoints: endpoints.slice(0, 2).join(','), TimeoutSeconds: '2' });
    const partly = await run('runbook-Dependencies', { Endpoints: endpoints.join(','), TimeoutSeconds: '2' });
    await run('runbook-ServiceControl', { Action: 'stop', ...SERVICE });

    // Assess
    expect(reachable.event.detail.status).toBe('Success');
    expect(partly.event.detail.status).toBe('Failed');
    expect(partly.result).toEqual({
      endpoints: { [endpoints[0] as string]: 'REACHABLE', [endpoints[1] as string]: 'REACHABLE', [endpoints[2] as string]: 'UNREACHABLE' },
      checks: { [endpoints[0] as string]: 'http', [endpoints[1] as string]: 'tcp', [endpoints[2] as string]: expect.stringMatching(/^(tcp|redis-cli)$/) },
      warnings: [],
    });
  });

  it('should only warn about an unreachable endpoint of WarnEndpoints', async () => {
    // Prepare
    const closed = `http://127.0.0.1:${await freePort()}/v1/models`;

    // Act
    const r = await run('runbook-Dependencies', { Endpoints: '', WarnEndpoints: closed, TimeoutSeconds: '2' });

    // Assess
    expect(r.event.detail.status).toBe('Success');
    expect(r.result).toEqual({ endpoints: { [closed]: 'UNREACHABLE' }, checks: { [closed]: 'http' }, warnings: [closed] });
  });

  it('should back up config files, service state and the current release file with metadata', async () => {
    // Prepare
    await run('runbook-ServiceControl', { Action: 'start', ...SERVICE });

    // Act
    const backup = await run('runbook-Backup', {
      BackupRoot: '/backups', BackupType: 'pre-flight', Environment: 'local-demo', ConfigFiles: '/app/estimator-service/port,/etc/nginx/nginx.conf', ...SERVICE,
    });
    const second = await run('runbook-Backup', { BackupRoot: '/backups', BackupType: 'pre-flight', ...SERVICE });
    await run('runbook-ServiceControl', { Action: 'stop', ...SERVICE });
    const dir = backup.result.backupDir as string;
    const metadata = JSON.parse(readFileSync(join(dir, 'backup_metadata.json'), 'utf8')) as Record<string, unknown>;

    // Assess
    expect(backup.event.detail.status).toBe('Success');
    expect(dir.startsWith(join(host.root, 'backups'))).toBe(true);
    expect(backup.result.files).toEqual(expect.arrayContaining(['port', 'estimator-service.release.json', 'service_state.txt', 'backup_metadata.json']));
    expect(backup.result.sizeBytes).toBeGreaterThan(0);
    expect(backup.outcome.stderr).toContain('/etc/nginx/nginx.conf: FILE NOT FOUND');
    expect(readFileSync(join(dir, 'service_state.txt'), 'utf8')).toMatch(/^estimator-service \d+ RUNNING$/m);
    expect(JSON.parse(readFileSync(join(dir, 'estimator-service.release.json'), 'utf8'))).toMatchObject({ version: 'v2.3.1' });
    expect(metadata).toMatchObject({ environment: 'local-demo', backup_type: 'pre-flight', backup_dir: dir });
    expect(second.result.backupDir).not.toBe(dir);
    // Dumps and config copies are for the owner only.
    expect(statSync(dir).mode & 0o077).toBe(0);
    expect(statSync(join(dir, 'backup_metadata.json')).mode & 0o077).toBe(0);
  });

  it('should fail the health check after the last attempt when the service is down', async () => {
    // Act
    const down = await run('runbook-HealthCheck', { Url: `${host.baseUrl}/api/v1/health`, Attempts: '2', IntervalSeconds: '1', RequestTimeoutSeconds: '1' });

    // Assess
    expect(down.event.detail.status).toBe('Failed');
    expect(down.outcome.stderr).toContain('Attempt 1/2');
    expect(down.result).toEqual({ urls: { [`${host.baseUrl}/api/v1/health`]: { status: 'UNHEALTHY', attempts: 2 } } });
  });

  it('should report no pending migrations on the demo host', async () => {
    // Act
    const migration = await run('runbook-DatabaseMigration', {});

    // Assess
    expect(migration.event.detail.status).toBe('Success');
    expect(migration.outcome.stderr).toContain('No pending migrations');
    expect(migration.result).toEqual({ applied: false });
  });

  it('should fail status and start cleanly when the service is not there to run', async () => {
    // Prepare
    rmSync(join(host.appDir, 'service.mjs'));

    // Act
    const status = await run('runbook-ServiceControl', { Action: 'status', ...SERVICE });
    const start = await run('runbook-ServiceControl', { Action: 'start', ...SERVICE });

    // Assess
    expect(status.event.detail.status).toBe('Failed');
    expect(status.result).toEqual({ action: 'status', services: { 'estimator-service': 'STOPPED' } });
    expect(start.event.detail.status).toBe('Failed');
    expect(start.outcome.stderr).toContain('no ');
  });

  /**
   * A harmless run of every document on the demo host (the health check against the running service). Typed by
   * DocumentName, so a new document cannot be added without an entry here (and so without this test).
   */
  const HARMLESS: Record<DocumentName, { parameters: () => Record<string, string>; serviceRunning?: true }> = {
    'runbook-Backup': { parameters: () => ({ BackupRoot: '/backups', ConfigFiles: '/app/estimator-service/port', ...SERVICE }) },
    'runbook-DatabaseMigration': { parameters: () => ({}) },
    'runbook-Dependencies': { parameters: () => ({ Endpoints: '', WarnEndpoints: `${host.baseUrl}/api/v1/health`, TimeoutSeconds: '1' }) },
    'runbook-DeployRelease': { parameters: () => ({ Release: 'v2.4.0', Method: 'artifact', Services: 'estimator-service' }) },
    'runbook-HealthCheck': { parameters: () => ({ Url: `${host.baseUrl}/api/v1/health`, Attempts: '3', IntervalSeconds: '1' }), serviceRunning: true },
    'runbook-ServiceControl': { parameters: () => ({ Action: 'stop', ...SERVICE }) },
    'runbook-SystemHealth': { parameters: () => ({ ...SERVICE, ServiceSeverity: 'warning', ResourceSeverity: 'warning' }) },
    'runbook-TrafficControl': { parameters: () => ({ Mode: 'maintenance', Method: 'flagfile' }) },
  };

  // SSM's GetCommandInvocation keeps only the first 24,000 characters of stdout: the result must be all there is.
  it.each([...DOCUMENT_NAMES])('%s should print exactly one line on stdout, its JSON result, and its progress on stderr', async (name) => {
    // Prepare
    const { parameters, serviceRunning } = HARMLESS[name];
    if (serviceRunning) expect((await run('runbook-ServiceControl', { Action: 'start', ...SERVICE })).event.detail.status).toBe('Success');

    // Act
    const r = await run(name, parameters());
    const lines = r.outcome.stdout.split('\n').filter((l) => l !== '');

    // Assess
    expect(r.outcome.exitCode).toBe(0);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toEqual(expect.any(Object));
    expect(r.outcome.stdout).toBe(`${lines[0] as string}\n`);
    expect(r.outcome.stderr).toMatch(/^=== /m);
    expect(r.outcome.truncated).toBeUndefined();
  });
});
