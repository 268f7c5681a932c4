// runScheduledCheck with scripted host commands, an injected clock and sleep: what each check says (pass, failure
// tail, result line, no result in time), what is stored, published and notified, and the upcoming freezes.
import { MemoryChangeStore } from '../../lambdas/adapters/memory/change-store';
import { FreezeSchema } from '../../lambdas/core/freeze';
import type { CheckResult } from '../../lambdas/core/records';
import { CHECK_DURATION_METRIC, CHECK_FAILED_METRIC, runScheduledCheck, type CheckDeps } from '../../lambdas/phases/scheduled-check';
import type { CommandOutcome, HostCommands, Logger, SendCommandRequest } from '../../lambdas/ports';
import { FakeParameters, RecordingNotifier } from '../support/fakes';
import { testProfile } from '../support/fixtures';

const T0 = Date.parse('2026-12-02T10:00:00.000Z');

/** Host commands whose outcomes, per step name, are read in turn (the last one repeats). */
function scriptedHosts(script: Record<string, CommandOutcome[]>): HostCommands & { sent: SendCommandRequest[]; reads: number } {
  const sent: SendCommandRequest[] = [];
  const byId = new Map<string, { step: string; reads: number }>();
  const hosts = {
    sent, reads: 0,
    send: async (req: SendCommandRequest) => { sent.push(req); const id = `cmd-${sent.length}`; byId.set(id, { step: req.step.name, reads: 0 }); return { commandId: id }; },
    outcome: async (id: string) => {
      hosts.reads += 1;
      const entry = byId.get(id) as { step: string; reads: number };
      const outcomes = script[entry.step] ?? [{ status: 'Success', stdout: '', stderr: '' }];
      const outcome = outcomes[Math.min(entry.reads, outcomes.length - 1)] as CommandOutcome;
      entry.reads += 1;
      return outcome;
    },
  };
  return hosts as unknown as HostCommands & { sent: SendCommandRequest[]; reads: number };
}

type Published = { name: string; value: number; unit: string; dimensions: Record<string, string> };

function checkDeps(hosts: HostCommands, options: { absent?: string[]; stepMs?: number } = {}): CheckDeps & { published: Published[]; notifier: RecordingNotifier; logged: string[] } {
  const published: Published[] = [];
  const logged: string[] = [];
  let n = 0;
  const log: Logger = { info: (m: string) => { logged.push(m); }, warn: () => undefined, error: () => undefined };
  return {
    store: new MemoryChangeStore(), hosts, parameters: new FakeParameters(options.absent ?? []), notifier: new RecordingNotifier(), log, logged, published,
    clock: { now: () => new Date(T0 + (options.stepMs ?? 0) * n++) },
    metrics: { publish: async (name, value, unit, dimensions) => { published.push({ name, value, unit, dimensions }); } },
  };
}

const noSleep = { pollIntervalMs: 7, sleep: async () => undefined };

describe('runScheduledCheck, checks scripted', () => {
  it('should pass with every check passing, keeping a result line, storing and publishing it, notifying nobody', async () => {
    // Arrange
    const hosts = scriptedHosts({
      'preflight-system-health': [{ status: 'InProgress', stdout: '', stderr: '' }, { status: 'Success', stdout: 'ok\n{"cpu":12}\n', stderr: '' }],
    });
    const deps = checkDeps(hosts, { stepMs: 250 });
    const profile = testProfile({ requiredParameters: ['A', 'B'] });
    const slept: number[] = [];

    // Act
    const result = await runScheduledCheck(deps, profile, { pollIntervalMs: 7, sleep: async (ms) => { slept.push(ms); } }) as CheckResult;

    // Assess
    expect(result.passed).toBe(true);
    expect(result.checks[0]).toEqual({ name: 'required-parameters', status: 'PASS', details: '2 set' });
    expect(result.checks[1]).toEqual({ name: 'preflight-system-health', status: 'PASS', details: 'runbook-SystemHealth Success', result: { cpu: 12 } });
    expect(result.checks.map((c) => c.name)).toEqual(['required-parameters', 'preflight-system-health', 'preflight-dependencies']);
    expect(slept).toEqual([7]);
    expect(result.environment).toBe(profile.name);
    expect(result.durationMs).toBe(Date.parse(result.at) - T0);
    expect(result.durationMs).toBeGreaterThan(0);
    expect(await deps.store.listCheckResults(profile.name, 5)).toEqual([result]);
    expect(deps.published).toEqual([
      { name: CHECK_FAILED_METRIC, value: 0, unit: 'Count', dimensions: { Environment: profile.name } },
      { name: CHECK_DURATION_METRIC, value: result.durationMs, unit: 'Milliseconds', dimensions: { Environment: profile.name } },
    ]);
    expect(deps.notifier.sent).toEqual([]);
    expect(hosts.sent[0]).toMatchObject({ changeId: `CHECK-${profile.name}`, attempt: 1, comment: `scheduled check ${profile.name} preflight-system-health`, targets: profile.targets });
    expect(await deps.store.listCommands(`CHECK-${profile.name}`)).toEqual(expect.arrayContaining([
      expect.objectContaining({ commandId: 'cmd-1', phase: 'PREFLIGHT', stepName: 'preflight-system-health', document: 'runbook-SystemHealth', status: 'InProgress', attempt: 1 }),
    ]));
    expect(deps.logged).toEqual(['scheduled check finished']);
  });

  it('should fail a check with the last two lines of its error output, or of stdout when stderr is empty, and notify the failures', async () => {
    // Arrange
    const hosts = scriptedHosts({
      'preflight-system-health': [{ status: 'Failed', stdout: 'a\nb', stderr: 'one\ntwo\nthree\n' }],
      'preflight-dependencies': [{ status: 'TimedOut', stdout: 'x\ny\nz\n', stderr: '  ' }],
    });
    const deps = checkDeps(hosts);
    const profile = testProfile({ requiredParameters: ['A'] });

    // Act
    const result = await runScheduledCheck(deps, profile, noSleep) as CheckResult;

    // Assess
    expect(result.passed).toBe(false);
    expect(result.checks).toEqual([
      { name: 'required-parameters', status: 'PASS', details: '1 set' },
      { name: 'preflight-system-health', status: 'FAIL', details: 'runbook-SystemHealth Failed: two | three' },
      { name: 'preflight-dependencies', status: 'FAIL', details: 'runbook-Dependencies TimedOut: y | z' },
    ]);
    expect(deps.published[0]).toMatchObject({ name: CHECK_FAILED_METRIC, value: 1 });
    expect(deps.notifier.sent).toEqual([{
      kind: 'ended', severity: 'warning', changeId: `CHECK-${profile.name}`, title: `Scheduled pre-flight check failed: ${profile.name}`,
      text: 'preflight-system-health: runbook-SystemHealth Failed: two | three\npreflight-dependencies: runbook-Dependencies TimedOut: y | z',
    }]);
  });

  it('should fail a check that gives no result within its timeout and a minute, naming the command', async () => {
    // Arrange
    const hosts = scriptedHosts({ 'preflight-system-health': [{ status: 'InProgress', stdout: '', stderr: '' }] });
    const deps = checkDeps(hosts, { stepMs: 60_000 });
    const profile = testProfile();

    // Act
    const result = await runScheduledCheck(deps, profile, noSleep) as CheckResult;

    // Assess
    expect(result.checks[1]).toEqual({ name: 'preflight-system-health', status: 'FAIL', details: 'runbook-SystemHealth: no result within 360s (command cmd-1)' });
    // 300 s + 60 s at one minute a clock reading: read at 0..6 min (6 min is not past the deadline), given up at 7 min;
    // then the dependencies check's one read.
    expect(hosts.reads).toBe(8);
  });

  it('should keep reading while the deadline is not passed, then take the outcome', async () => {
    // Arrange
    const hosts = scriptedHosts({ 'preflight-system-health': [{ status: 'InProgress', stdout: '', stderr: '' }, { status: 'InProgress', stdout: '', stderr: '' }, { status: 'Success', stdout: '', stderr: '' }] });
    const deps = checkDeps(hosts, { stepMs: 1000 });

    // Act
    const result = await runScheduledCheck(deps, testProfile(), noSleep) as CheckResult;

    // Assess
    expect(result.checks[1]).toEqual({ name: 'preflight-system-health', status: 'PASS', details: 'runbook-SystemHealth Success' });
  });

  it('should list the freezes of the next seven days only', async () => {
    // Arrange
    const day = 24 * 3600_000;
    const near = FreezeSchema.parse({ name: 'near', reason: 'soon', start: new Date(T0 + 6 * day).toISOString(), end: new Date(T0 + 8 * day).toISOString() });
    const far = FreezeSchema.parse({ name: 'far', reason: 'later', start: new Date(T0 + 7 * day + 3600_000).toISOString(), end: new Date(T0 + 9 * day).toISOString() });
    const deps = checkDeps(scriptedHosts({}));

    // Act
    const result = await runScheduledCheck(deps, testProfile({ freezes: [far, near] }), noSleep) as CheckResult;

    // Assess
    expect(result.upcomingFreezes?.map((f) => f.name)).toEqual(['near']);
  });

  it('should say why it skipped when the lock holder is between ACT and REPORT, and run when the holder is not', async () => {
    // Arrange
    const hosts = scriptedHosts({});
    const deps = checkDeps(hosts);
    const profile = testProfile();
    await deps.store.acquireLock(profile.name, 'CR-2026-042');
    const record = { id: 'CR-2026-042', environment: profile.name, status: 'MONITORING' } as unknown as Parameters<typeof deps.store.createChange>[0];
    await deps.store.createChange(record);
    const otherDeps = checkDeps(scriptedHosts({}));
    await otherDeps.store.acquireLock(profile.name, 'CR-2026-043');

    // Act
    const skipped = await runScheduledCheck(deps, profile, noSleep);
    const ran = await runScheduledCheck(otherDeps, profile, noSleep);

    // Assess
    expect(skipped).toEqual({
      environment: profile.name, at: new Date(T0).toISOString(), skipped: true, changeId: 'CR-2026-042', changeStatus: 'MONITORING',
      reason: `skipped: change CR-2026-042 is MONITORING on ${profile.name} (between ACT and REPORT)`,
    });
    expect(deps.logged).toEqual(['scheduled check skipped']);
    expect(hosts.sent).toEqual([]);
    expect('passed' in ran).toBe(true);
  });
  it('should fail a check that cannot be sent with the error, and name every parameter not set', async () => {
    // Arrange
    const hosts = scriptedHosts({});
    hosts.send = async () => { throw new Error('document not found'); };
    const deps = checkDeps(hosts, { absent: ['A', 'B'] });

    // Act
    const result = await runScheduledCheck(deps, testProfile({ requiredParameters: ['A', 'B', 'C'] }), noSleep) as CheckResult;

    // Assess
    expect(result.checks).toEqual([
      { name: 'required-parameters', status: 'FAIL', details: 'not set: A, B' },
      { name: 'preflight-system-health', status: 'FAIL', details: 'runbook-SystemHealth: document not found' },
      { name: 'preflight-dependencies', status: 'FAIL', details: 'runbook-Dependencies: document not found' },
    ]);
  });
});
