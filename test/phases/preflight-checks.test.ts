// PRE-FLIGHT in process: the steps it builds from a profile, each check as runPreflightCheck sends or skips it (the
// parameters and the SSM Agent checks before it), the health re-check, the warnings it collects and its passed event.
import { MIN_AGENT_VERSION } from '../../lambdas/core/agent-version';
import { PreflightCheckFailed } from '../../lambdas/core/errors';
import type { ChangeEvent, CommandRecord } from '../../lambdas/core/records';
import type { EnvironmentProfile } from '../../lambdas/core/schemas';
import {
  AGENT_RECORD_LIMIT, backupStep, dependenciesStep, endpointSeverities, preflightPassed, preflightWarnings, recheckSystemHealth, runPreflightCheck,
  runSettings, startAttempt, systemHealthStep,
} from '../../lambdas/phases/preflight';
import { submitChange } from '../../lambdas/phases/submit';
import { FakeParameters } from '../support/fakes';
import { testChange, testProfile } from '../support/fixtures';
import { memoryDeps, recordingCallbacks, type MemoryDeps } from '../support/phase-deps';

const NOW = new Date('2026-06-01T12:00:00.000Z');

type Deps = MemoryDeps & { callbacks: ReturnType<typeof recordingCallbacks>; asked: string[][] };

/** A change submitted on `profile`, over memory deps whose parameter source lacks `absent` and records what it was asked. */
async function changeOn(id: string, profile: EnvironmentProfile = testProfile(), absent: string[] = []): Promise<Deps> {
  const asked: string[][] = [];
  const source = new FakeParameters(absent);
  const deps: Deps = {
    ...memoryDeps(), clock: { now: () => NOW }, callbacks: recordingCallbacks(), asked,
    parameters: { missing: async (names) => { asked.push(names); return source.missing(names); }, values: (names) => source.values(names) },
  };
  await submitChange(deps, { request: testChange(id), profile, submittedBy: 'ops' });
  return deps;
}

async function eventsOf(deps: Deps, id: string, type: string): Promise<ChangeEvent[]> {
  return (await deps.store.listEvents(id)).filter((e) => e.type === type);
}

describe('pre-flight steps of a profile', () => {
  it('should check system health with the profile\'s services, rounded thresholds and severities', () => {
    // Arrange
    const profile = testProfile({ serviceManager: 'systemd', services: ['api', 'worker'], thresholds: { cpuPercent: 80.5, memoryPercent: 70.4, diskPercent: 91.6 } });

    // Act
    const step = systemHealthStep(profile);

    // Assess
    expect(step).toEqual({
      name: 'preflight-system-health', document: 'runbook-SystemHealth', timeoutSeconds: 300,
      parameters: { ServiceManager: 'systemd', Services: 'api,worker', MaxCpuPercent: '81', MaxMemoryPercent: '70', MaxDiskPercent: '92', ServiceSeverity: 'fatal', ResourceSeverity: 'warning' },
    });
  });

  it('should back up what the profile names, the database empty when there is none', () => {
    // Arrange
    const full = testProfile({ backup: { directory: '/var/backups', database: 'postgresql://db:5432/app', configFiles: ['/etc/a.conf', '/etc/b.conf'], stateSnapshot: false } });
    const bare = testProfile({ services: ['api', 'worker'] });

    // Act
    const steps = [backupStep(full), backupStep(bare)];

    // Assess
    expect(steps[0]).toEqual({
      name: 'preflight-backup', document: 'runbook-Backup', timeoutSeconds: 3000,
      parameters: {
        BackupRoot: '/var/backups', DatabaseUrl: 'postgresql://db:5432/app', ConfigFiles: '/etc/a.conf,/etc/b.conf', Environment: 'test-env',
        BackupType: 'pre-flight', ServiceManager: 'pidfile', Services: 'estimator-service', StateSnapshot: 'false',
      },
    });
    expect(steps[1]?.parameters).toMatchObject({ BackupRoot: '/backups', DatabaseUrl: '', ConfigFiles: '', StateSnapshot: 'true', Services: 'api,worker' });
  });

  it('should check the dependencies as one step, warnings apart, and have no step without endpoints', () => {
    // Arrange
    const onlyWarnings = testProfile({ endpoints: [], dependencies: [{ name: 'api', kind: 'http', url: 'https://api.example.com' }, { name: 'db', kind: 'postgres', url: 'postgresql://db:5432/app', required: false }] });
    const onlyFatal = testProfile();
    const none = testProfile({ endpoints: [] });
    const oneEach = testProfile({ endpoints: ['tcp://q:5672'], dependencies: [{ name: 'api', kind: 'http', url: 'https://api.example.com' }] });

    // Act
    const steps = [dependenciesStep(onlyWarnings), dependenciesStep(onlyFatal), dependenciesStep(none), dependenciesStep(oneEach)];

    // Assess
    expect(steps[0]).toEqual({ name: 'preflight-dependencies', document: 'runbook-Dependencies', timeoutSeconds: 300, parameters: { Endpoints: '', WarnEndpoints: 'https://api.example.com,postgresql://db:5432/app' } });
    expect(steps[1]?.parameters).toEqual({ Endpoints: 'http://127.0.0.1:9/api/v1/health' });
    expect(steps[2]).toBeUndefined();
    expect(steps[3]?.parameters).toEqual({ Endpoints: 'tcp://q:5672', WarnEndpoints: 'https://api.example.com' });
  });

  it('should make an endpoint fatal when a later listing is, and keep it fatal after a later warning', () => {
    // Arrange
    const url = 'https://api.example.com';
    const profile = testProfile({
      endpoints: [],
      dependencies: [{ name: 'a', kind: 'http', url }, { name: 'b', kind: 'postgres', url }, { name: 'c', kind: 'http', url, required: false }],
    });

    // Act
    const severities = endpointSeverities(profile);

    // Assess
    expect(severities).toEqual({ fatal: [url], warning: [] });
  });
});

describe('runPreflightCheck', () => {
  it('should send the system-health step after recording the agents check as not applicable', async () => {
    // Arrange
    const deps = await changeOn('CR-2026-780', testProfile(), ['X']);

    // Act
    const sent = await runPreflightCheck(deps, { changeId: 'CR-2026-780', attempt: 1, taskToken: 'tok', check: 'system-health' });

    // Assess
    expect(deps.hosts.sent.map((s) => s.step)).toEqual([systemHealthStep(testProfile())]);
    expect(sent.commandId).toEqual(expect.any(String));
    expect(await deps.store.getCallback('command#CR-2026-780#1#PREFLIGHT:system-health')).toMatchObject({ token: 'tok' });
    expect(await eventsOf(deps, 'CR-2026-780', 'preflight.agents')).toEqual([expect.objectContaining({
      phase: 'PREFLIGHT', message: 'SSM Agent version check not applicable: fake hosts', data: { applicable: false },
    })]);
    expect(deps.asked).toEqual([]);
  });

  it('should send the backup step, checking neither agents nor parameters', async () => {
    // Arrange
    const deps = await changeOn('CR-2026-781', testProfile({ requiredParameters: ['X'] }), ['X']);

    // Act
    await runPreflightCheck(deps, { changeId: 'CR-2026-781', attempt: 1, taskToken: 'tok', check: 'backup' });

    // Assess
    expect(deps.hosts.sent.map((s) => s.step.name)).toEqual(['preflight-backup']);
    expect(await deps.store.getCallback('command#CR-2026-781#1#PREFLIGHT:backup')).toBeDefined();
    expect((await deps.store.listEvents('CR-2026-781')).map((e) => e.type)).toEqual(['change.submitted', 'command.sent']);
    expect(deps.asked).toEqual([]);
  });

  it('should ask for the required parameters and TEST\'s credentials once each, and send the dependencies step when all are set', async () => {
    // Arrange
    const tests = { ...testProfile().tests, auth: { credentials: { username: 'APP_USER', password: 'APP_PASSWORD' } } };
    const deps = await changeOn('CR-2026-782', testProfile({ requiredParameters: ['DATABASE_URL', 'APP_USER'], tests }));

    // Act
    await runPreflightCheck(deps, { changeId: 'CR-2026-782', attempt: 1, taskToken: 'tok', check: 'dependencies' });

    // Assess
    expect(deps.asked).toEqual([['DATABASE_URL', 'APP_USER', 'APP_PASSWORD']]);
    expect(deps.hosts.sent.map((s) => s.step.name)).toEqual(['preflight-dependencies']);
    expect(await eventsOf(deps, 'CR-2026-782', 'preflight.parameters-missing')).toEqual([]);
  });

  it('should stop on parameters not set when they are fatal, naming them, and send nothing', async () => {
    // Arrange
    const deps = await changeOn('CR-2026-783', testProfile({ requiredParameters: ['DATABASE_URL', 'API_KEY', 'SET'] }), ['DATABASE_URL', 'API_KEY']);

    // Act
    const attempt = runPreflightCheck(deps, { changeId: 'CR-2026-783', attempt: 2, taskToken: 'tok', check: 'dependencies' });

    // Assess
    await expect(attempt).rejects.toThrow(new PreflightCheckFailed('required parameters not set: DATABASE_URL, API_KEY'));
    await expect(attempt).rejects.toBeInstanceOf(PreflightCheckFailed);
    expect(await eventsOf(deps, 'CR-2026-783', 'preflight.parameters-missing')).toEqual([expect.objectContaining({
      phase: 'PREFLIGHT', attempt: 2, message: 'required parameters not set: DATABASE_URL, API_KEY', data: { missing: ['DATABASE_URL', 'API_KEY'], severity: 'fatal' },
    })]);
    expect(deps.hosts.sent).toEqual([]);
  });

  it('should record parameters not set as a warning and go on when the profile says so', async () => {
    // Arrange
    const profile = testProfile({ requiredParameters: ['API_KEY'], preflightSeverity: { parameters: 'warning' } });
    const deps = await changeOn('CR-2026-784', profile, ['API_KEY']);

    // Act
    await runPreflightCheck(deps, { changeId: 'CR-2026-784', attempt: 1, taskToken: 'tok', check: 'dependencies' });

    // Assess
    expect(await eventsOf(deps, 'CR-2026-784', 'preflight.parameters-missing')).toEqual([expect.objectContaining({
      message: 'required parameters not set: API_KEY (a warning: profile preflightSeverity.parameters)', data: { missing: ['API_KEY'], severity: 'warning' },
    })]);
    expect(deps.hosts.sent.map((s) => s.step.name)).toEqual(['preflight-dependencies']);
  });

  it('should skip the dependencies check of a profile with nothing to reach, completing the token at once', async () => {
    // Arrange
    const deps = await changeOn('CR-2026-785', testProfile({ endpoints: [] }));

    // Act
    const outcome = await runPreflightCheck(deps, { changeId: 'CR-2026-785', attempt: 1, taskToken: 'tok', check: 'dependencies' });

    // Assess
    expect(outcome).toEqual({ skipped: true });
    expect(deps.callbacks.sent).toEqual([{ token: 'tok', outcome: 'success', output: { skipped: true, check: 'dependencies' } }]);
    expect(await eventsOf(deps, 'CR-2026-785', 'preflight.skipped')).toEqual([expect.objectContaining({ phase: 'PREFLIGHT', message: 'dependencies: nothing to check in this profile' })]);
    expect(deps.hosts.sent).toEqual([]);
  });
});

describe('the SSM Agent check', () => {
  const agents = (versions: (string | undefined)[]) => ({
    applicable: true as const,
    instances: versions.map((agentVersion, i) => ({ instanceId: `i-${String(i).padStart(3, '0')}`, ...(agentVersion ? { agentVersion } : {}) })),
  });

  it('should record the versions seen on a fleet that passes, then send', async () => {
    // Arrange
    const deps = await changeOn('CR-2026-786');
    deps.hosts.agentInventory = agents(['3.3.2746.0', '3.4.0', '3.4.0']);

    // Act
    await runPreflightCheck(deps, { changeId: 'CR-2026-786', attempt: 1, taskToken: 'tok', check: 'system-health' });

    // Assess
    expect(await eventsOf(deps, 'CR-2026-786', 'preflight.agents')).toEqual([expect.objectContaining({
      phase: 'PREFLIGHT', message: `SSM Agent ${MIN_AGENT_VERSION} or later on all 3 target instance(s)`,
      data: {
        applicable: true, instanceCount: 3, versions: { '3.3.2746.0': 1, '3.4.0': 2 },
        instances: [{ instanceId: 'i-000', agentVersion: '3.3.2746.0' }, { instanceId: 'i-001', agentVersion: '3.4.0' }, { instanceId: 'i-002', agentVersion: '3.4.0' }],
      },
    })]);
    expect(deps.hosts.sent).toHaveLength(1);
  });

  it('should keep at most the first instances of a large fleet on the event', async () => {
    // Arrange
    const deps = await changeOn('CR-2026-787');
    deps.hosts.agentInventory = agents(Array.from({ length: AGENT_RECORD_LIMIT + 2 }, () => '3.4.0'));

    // Act
    await runPreflightCheck(deps, { changeId: 'CR-2026-787', attempt: 1, taskToken: 'tok', check: 'system-health' });

    // Assess
    const [event] = await eventsOf(deps, 'CR-2026-787', 'preflight.agents');
    expect(AGENT_RECORD_LIMIT).toBe(50);
    expect(event?.data).toMatchObject({ instanceCount: 52, versions: { '3.4.0': 52 } });
    expect((event?.data?.instances as unknown[]).length).toBe(50);
  });

  it('should stop on an outdated agent, naming it, and send nothing', async () => {
    // Arrange
    const deps = await changeOn('CR-2026-788');
    deps.hosts.agentInventory = agents(['3.4.0', '3.2.0']);
    const problem = `i-001: SSM Agent 3.2.0 is older than ${MIN_AGENT_VERSION}, the first version that passes document parameters as environment variables (interpolationType ENV_VAR); update it (AWS-UpdateSSMAgent)`;

    // Act
    const attempt = runPreflightCheck(deps, { changeId: 'CR-2026-788', attempt: 1, taskToken: 'tok', check: 'system-health' });

    // Assess
    await expect(attempt).rejects.toThrow(new PreflightCheckFailed(`SSM Agent check failed (${MIN_AGENT_VERSION} or later required for ENV_VAR parameters): ${problem}`));
    await expect(attempt).rejects.toBeInstanceOf(PreflightCheckFailed);
    expect(await eventsOf(deps, 'CR-2026-788', 'preflight.agents-outdated')).toEqual([expect.objectContaining({
      phase: 'PREFLIGHT', message: `SSM Agent check failed: ${problem}`, data: { problems: [problem], problemCount: 1, minimum: MIN_AGENT_VERSION },
    })]);
    expect(await eventsOf(deps, 'CR-2026-788', 'preflight.agents')).toEqual([]);
    expect(deps.hosts.sent).toEqual([]);
  });

  it('should name the first 50 problems of a fleet and count the rest', async () => {
    // Arrange
    const deps = await changeOn('CR-2026-789');
    deps.hosts.agentInventory = agents(Array.from({ length: 52 }, () => undefined));
    const problem = (i: number) => `i-${String(i).padStart(3, '0')}: SSM Agent version unknown (not reported); ${MIN_AGENT_VERSION} or later is required`;

    // Act
    const attempt = runPreflightCheck(deps, { changeId: 'CR-2026-789', attempt: 1, taskToken: 'tok', check: 'system-health' });

    // Assess
    await expect(attempt).rejects.toThrow(`: ${problem(0)}; ${problem(1)};`);
    await expect(attempt).rejects.toThrow(new RegExp(`; ${problem(49).replace(/[.()]/g, '\\$&')}; and 2 more \\(52 in all\\)$`));
    const [event] = await eventsOf(deps, 'CR-2026-789', 'preflight.agents-outdated');
    expect(event?.data).toMatchObject({ problemCount: 52 });
    expect((event?.data?.problems as string[])).toHaveLength(50);
  });

  it('should name all of exactly 50 problems without counting more', async () => {
    // Arrange
    const deps = await changeOn('CR-2026-790');
    deps.hosts.agentInventory = agents(Array.from({ length: 50 }, () => undefined));

    // Act
    const attempt = runPreflightCheck(deps, { changeId: 'CR-2026-790', attempt: 1, taskToken: 'tok', check: 'system-health' });

    // Assess
    await expect(attempt).rejects.toThrow(/i-049: SSM Agent version unknown \(not reported\); 3\.3\.2746\.0 or later is required$/);
  });
});

describe('the system-health re-check', () => {
  it('should record why and send the health step under its own name and slot, in PLAN', async () => {
    // Arrange
    const deps = await changeOn('CR-2026-791');

    // Act
    await recheckSystemHealth(deps, { changeId: 'CR-2026-791', attempt: 2, taskToken: 'tok' });

    // Assess
    expect(deps.hosts.sent.map((s) => s.step)).toEqual([{ ...systemHealthStep(testProfile()), name: 'preflight-system-health-recheck' }]);
    expect(await deps.store.getCallback('command#CR-2026-791#2#PLAN:system-health-recheck')).toMatchObject({ token: 'tok' });
    expect(await eventsOf(deps, 'CR-2026-791', 'plan.health-recheck')).toEqual([expect.objectContaining({
      phase: 'PLAN', attempt: 2,
      message: 'system health checked again before ACT: the pre-flight result is older than the profile allows (preflightRecheckAfterMinutes)',
    })]);
    expect((await deps.store.listEvents('CR-2026-791')).at(-1)).toMatchObject({ type: 'command.sent', phase: 'PLAN' });
  });
});

describe('pre-flight warnings and the passed event', () => {
  function command(over: Partial<CommandRecord>): CommandRecord {
    return { commandId: 'c', changeId: 'CR', attempt: 1, phase: 'PREFLIGHT', stepName: 'preflight-system-health', document: 'runbook-SystemHealth', parameters: {}, status: 'Success', requestedAt: '', ...over };
  }

  it('should collect the health and dependency warnings of PRE-FLIGHT and PLAN and the parameters that only warn', () => {
    // Arrange
    const commands = [
      command({ result: { warnings: ['cpu 91 %', 7] } }),
      command({ phase: 'PLAN', stepName: 'preflight-system-health-recheck', result: { warnings: ['disk 95 %'] } }),
      command({ stepName: 'preflight-dependencies', document: 'runbook-Dependencies', result: { warnings: ['https://a', 'https://b'], checks: { 'https://a': 'http' } } }),
      command({ stepName: 'preflight-dependencies', document: 'runbook-Dependencies', result: { warnings: ['https://c'] } }),
      command({ phase: 'ACT', result: { warnings: ['not pre-flight'] } }),
      command({ result: { warnings: 'not a list' } }),
      command({ document: 'runbook-Backup', stepName: 'preflight-backup', result: { warnings: ['not a check'] } }),
      command({ stepName: 'no-result' }),
    ];
    const events = [
      { type: 'preflight.parameters-missing', message: 'no data' },
      { type: 'preflight.parameters-missing', message: 'required parameters not set: API_KEY', data: { severity: 'warning' } },
      { type: 'preflight.parameters-missing', message: 'required parameters not set: DB', data: { severity: 'fatal' } },
      { type: 'preflight.other', message: 'other', data: { severity: 'warning' } },
    ] as ChangeEvent[];

    // Act
    const warnings = preflightWarnings(events, commands);

    // Assess
    expect(warnings).toEqual([
      'pre-flight warning (preflight-system-health): cpu 91 %',
      'pre-flight warning (preflight-system-health): 7',
      'pre-flight warning (preflight-system-health-recheck): disk 95 %',
      'pre-flight warning (preflight-dependencies): https://a UNREACHABLE (http check)',
      'pre-flight warning (preflight-dependencies): https://b UNREACHABLE',
      'pre-flight warning (preflight-dependencies): https://c UNREACHABLE',
      'pre-flight warning: required parameters not set: API_KEY',
    ]);
  });

  it('should pass with no warnings', async () => {
    // Arrange
    const deps = await changeOn('CR-2026-792');

    // Act
    await preflightPassed(deps, 'CR-2026-792', 1, { health: 'ok' });

    // Assess
    expect(await eventsOf(deps, 'CR-2026-792', 'preflight.passed')).toEqual([expect.objectContaining({
      phase: 'PREFLIGHT', attempt: 1, message: 'pre-flight checks passed: system health, dependencies, backup', data: { results: { health: 'ok' } },
    })]);
  });

  it('should pass naming this attempt\'s one warning, or its warnings, and none of another attempt', async () => {
    // Arrange
    const deps = await changeOn('CR-2026-793');
    const put = (attempt: number, warnings: string[]) => deps.store.putCommand(command({ commandId: `c-${attempt}-${warnings.length}`, changeId: 'CR-2026-793', attempt, result: { warnings } }));
    await put(1, ['cpu 91 %']);
    await put(2, ['disk 95 %', 'memory 90 %']);
    await deps.store.appendEvent({ changeId: 'CR-2026-793', attempt: 1, at: NOW.toISOString(), actor: 'x', type: 'preflight.parameters-missing', message: 'required parameters not set: OLD', data: { severity: 'warning' } });

    // Act
    await preflightPassed(deps, 'CR-2026-793', 2, {});
    await preflightPassed(deps, 'CR-2026-793', 1, {});

    // Assess
    const passed = await eventsOf(deps, 'CR-2026-793', 'preflight.passed');
    expect(passed[0]).toMatchObject({
      attempt: 2,
      message: 'pre-flight checks passed: system health, dependencies, backup — 2 warnings: pre-flight warning (preflight-system-health): disk 95 %; pre-flight warning (preflight-system-health): memory 90 %',
      data: { results: {}, warnings: ['pre-flight warning (preflight-system-health): disk 95 %', 'pre-flight warning (preflight-system-health): memory 90 %'] },
    });
    expect(passed[1]).toMatchObject({
      attempt: 1,
      message: 'pre-flight checks passed: system health, dependencies, backup — 2 warnings: pre-flight warning (preflight-system-health): cpu 91 %; pre-flight warning: required parameters not set: OLD',
    });
  });

  it('should say one warning in the singular', async () => {
    // Arrange
    const deps = await changeOn('CR-2026-794');
    await deps.store.putCommand(command({ changeId: 'CR-2026-794', result: { warnings: ['cpu 91 %'] } }));

    // Act
    await preflightPassed(deps, 'CR-2026-794', 1, {});

    // Assess
    expect((await eventsOf(deps, 'CR-2026-794', 'preflight.passed'))[0]?.message).toBe('pre-flight checks passed: system health, dependencies, backup — 1 warning: pre-flight warning (preflight-system-health): cpu 91 %');
  });
});

describe('startAttempt', () => {
  it('should move the change to PREFLIGHT on its attempt and answer the run settings', async () => {
    // Arrange
    const profile = testProfile({ monitoring: { windowSeconds: 90, periodSeconds: 1, evaluationPeriods: 1, datapointsToAlarm: 1 } });
    const deps = await changeOn('CR-2026-795', profile);

    // Act
    const settings = await startAttempt(deps, 'CR-2026-795', 2);

    // Assess
    expect(settings).toEqual({ environment: 'test-env', plannedStart: '2026-01-01T00:00:00.000Z', monitorWindowSeconds: 90 });
    expect(await deps.store.getChange('CR-2026-795')).toMatchObject({ status: 'PREFLIGHT', phase: 'PREFLIGHT', attempt: 2 });
    expect((await deps.store.listEvents('CR-2026-795')).at(-1)).toMatchObject({ type: 'attempt.started', attempt: 2, message: 'attempt 2 started: pre-flight checks' });
  });

  it('should give the planned start as UTC RFC 3339 whatever offset the request used', () => {
    // Arrange
    const change = { environment: 'e', profile: testProfile(), request: testChange('CR-2026-796', (r) => { (r.timeline as Record<string, unknown>).planned_start = '2026-07-01T09:30:00+09:00'; }) };

    // Act
    const settings = runSettings(change as never);

    // Assess
    expect(settings).toEqual({ environment: 'e', plannedStart: '2026-07-01T00:30:00.000Z', monitorWindowSeconds: 1 });
  });
});
