// The report-time health checks without hosts: healthNow's Dependencies command (what it sends, records and reads
// back, and the empty answer when it cannot run or finish) and apiHealthNow's GET through the tester port.
import { MemoryChangeStore } from '../../lambdas/adapters/memory/change-store';
import type { ChangeRecord } from '../../lambdas/core/records';
import type { CommandOutcome, HostCommands, Logger, SendCommandRequest, SmokeResult } from '../../lambdas/ports';
import { apiHealthNow, healthNow, REPORT_HEALTH_STEP } from '../../lambdas/phases/report';
import { testProfile } from '../support/fixtures';

const API = 'http://svc.internal:8080/api/v1/health?deep=1';
const DB = 'postgresql://db.internal:5432/kis_db';
const CACHE = 'redis://cache.internal:6379';
const CLOCK = { now: () => new Date('2026-12-02T10:00:00.000Z') };

function changeWith(profile: Record<string, unknown>): ChangeRecord {
  return { id: 'CR-2026-960', profile: testProfile(profile) } as unknown as ChangeRecord;
}

/** Hosts whose command answers `outcomes` in turn (the last one repeats), recording what was sent. */
function scriptedHosts(outcomes: CommandOutcome[], sendError?: Error): HostCommands & { sent: SendCommandRequest[]; asked: number } {
  const hosts = {
    sent: [] as SendCommandRequest[],
    asked: 0,
    async send(req: SendCommandRequest) {
      if (sendError) throw sendError;
      hosts.sent.push(req);
      return { commandId: 'cmd-r1' };
    },
    async outcome() {
      const o = outcomes[Math.min(hosts.asked, outcomes.length - 1)] as CommandOutcome;
      hosts.asked += 1;
      return o;
    },
  };
  return hosts as unknown as HostCommands & { sent: SendCommandRequest[]; asked: number };
}

function recordingLog(): Logger & { warnings: { message: string; fields: Record<string, unknown> | undefined }[] } {
  const warnings: { message: string; fields: Record<string, unknown> | undefined }[] = [];
  return { warnings, info: () => undefined, error: () => undefined, warn: (message: string, fields?: Record<string, unknown>) => { warnings.push({ message, fields }); } };
}

const done = (stdout: string): CommandOutcome => ({ status: 'Success', stdout, stderr: '' });
const running: CommandOutcome = { status: 'InProgress', stdout: '', stderr: '' };

describe('healthNow', () => {
  afterEach(() => { jest.useRealTimers(); });

  it('should send one Dependencies command warning on every URL once, record it for REPORT and read the lines it answers', async () => {
    // Arrange
    const hosts = scriptedHosts([running, done(`progress\n{"endpoints":{"${API}":"REACHABLE","${DB}":"UNREACHABLE","${CACHE}":"DOWN"},"checks":{"${API}":"http","${DB}":"psql"}}`)]);
    const deps = { hosts, store: new MemoryChangeStore(), clock: CLOCK, log: recordingLog() };
    const change = changeWith({ healthCheck: { urls: [API] }, endpoints: [DB, CACHE], dependencies: [{ name: 'db', kind: 'postgres', url: DB }, { name: 'cache', kind: 'redis', url: CACHE }] });

    // Act
    const health = await healthNow(deps, change, 2, { pollIntervalMs: 1 });

    // Assess
    expect(health).toEqual({
      api: 'HEALTHY (http at report)',
      database: `UNHEALTHY (${DB} UNREACHABLE; psql at report)`,
      cache: `UNHEALTHY (${CACHE} DOWN; unknown at report)`,
    });
    expect(hosts.asked).toBe(2);
    expect(hosts.sent).toEqual([{
      changeId: 'CR-2026-960', attempt: 2, targets: change.profile.targets, comment: 'CR-2026-960 report health',
      step: { name: REPORT_HEALTH_STEP, document: 'runbook-Dependencies', timeoutSeconds: 30, parameters: { Endpoints: '', WarnEndpoints: [API, DB, CACHE].join(','), TimeoutSeconds: '5' } },
    }]);
    expect(await deps.store.listCommands('CR-2026-960', 2)).toEqual([{
      commandId: 'cmd-r1', changeId: 'CR-2026-960', attempt: 2, phase: 'REPORT', stepName: REPORT_HEALTH_STEP, document: 'runbook-Dependencies',
      parameters: { Endpoints: '', WarnEndpoints: [API, DB, CACHE].join(','), TimeoutSeconds: '5' }, status: 'InProgress', requestedAt: '2026-12-02T10:00:00.000Z',
    }]);
    expect(deps.log.warnings).toEqual([]);
  });

  it('should name every URL that did not answer and every check that ran, and leave out a line with a URL it has no answer for', async () => {
    // Arrange
    const other = 'http://svc.internal:8080/ready';
    const hosts = scriptedHosts([done(`{"endpoints":{"${API}":"UNREACHABLE","${other}":"TIMEOUT","${DB}":"REACHABLE"},"checks":{"${API}":"http","${other}":"curl"}}`)]);
    const deps = { hosts, store: new MemoryChangeStore(), clock: CLOCK, log: recordingLog() };
    const change = changeWith({ healthCheck: { urls: [API, other] }, endpoints: [DB, CACHE] });

    // Act
    const health = await healthNow(deps, change, 1, { pollIntervalMs: 1 });

    // Assess
    expect(health).toEqual({ api: `UNHEALTHY (${API} UNREACHABLE, ${other} TIMEOUT; http, curl at report)`, database: 'HEALTHY (unknown at report)' });
  });

  it('should answer nothing and say why when the command printed no result, naming a truncated output', async () => {
    // Arrange
    const hosts = scriptedHosts([{ status: 'Failed', stdout: 'no json here', stderr: '', truncated: { note: 'output cut at 24000 characters' } } as CommandOutcome]);
    const deps = { hosts, store: new MemoryChangeStore(), clock: CLOCK, log: recordingLog() };

    // Act
    const health = await healthNow(deps, changeWith({}), 1, { pollIntervalMs: 1 });

    // Assess
    expect(health).toEqual({});
    expect(deps.log.warnings).toEqual([{ message: 'report health check gave no result', fields: { changeId: 'CR-2026-960', status: 'Failed', truncated: 'output cut at 24000 characters' } }]);
  });

  it('should log no truncation for an untruncated output without a result', async () => {
    // Arrange
    const hosts = scriptedHosts([{ status: 'TimedOut', stdout: '', stderr: '' }]);
    const deps = { hosts, store: new MemoryChangeStore(), clock: CLOCK, log: recordingLog() };

    // Act
    const health = await healthNow(deps, changeWith({}), 1, { pollIntervalMs: 1 });

    // Assess
    expect(health).toEqual({});
    expect(deps.log.warnings).toEqual([{ message: 'report health check gave no result', fields: { changeId: 'CR-2026-960', status: 'TimedOut' } }]);
  });

  it('should give up with nothing once the command outlives its wait', async () => {
    // Arrange
    const hosts = scriptedHosts([running]);
    const deps = { hosts, store: new MemoryChangeStore(), clock: CLOCK, log: recordingLog() };

    // Act
    const health = await healthNow(deps, changeWith({}), 1, { pollIntervalMs: 1, waitSeconds: 0.05 });

    // Assess
    expect(health).toEqual({});
    expect(hosts.asked).toBeGreaterThan(1);
    expect(deps.log.warnings).toEqual([{ message: 'report health check did not finish in time', fields: { changeId: 'CR-2026-960', commandId: 'cmd-r1' } }]);
  });

  it('should ask every quarter second and give up after forty seconds by default', async () => {
    // Arrange: jest's clock, so the 40 s pass at once; asked at 0, 0.25 … 40.25 s, given up once past 40 s.
    jest.useFakeTimers({ now: Date.parse('2026-12-02T10:00:00.000Z') });
    const hosts = scriptedHosts([running]);
    const deps = { hosts, store: new MemoryChangeStore(), clock: CLOCK, log: recordingLog() };

    // Act
    const checking = healthNow(deps, changeWith({}), 1);
    await jest.advanceTimersByTimeAsync(39_999);
    const askedBefore = hosts.asked;
    await jest.advanceTimersByTimeAsync(1_000);
    const health = await checking;

    // Assess
    expect(askedBefore).toBe(160);
    expect(hosts.asked).toBe(162);
    expect(health).toEqual({});
  });

  it('should answer nothing and log why when the command cannot be sent', async () => {
    // Arrange
    const hosts = scriptedHosts([running], new Error('SSM throttled'));
    const deps = { hosts, store: new MemoryChangeStore(), clock: CLOCK, log: recordingLog() };

    // Act
    const health = await healthNow(deps, changeWith({}), 1);

    // Assess
    expect(health).toEqual({});
    expect(deps.log.warnings).toEqual([{ message: 'report health check could not run', fields: { changeId: 'CR-2026-960', error: 'SSM throttled' } }]);
  });

  it('should send nothing when the change names no URL to check', async () => {
    // Arrange
    const hosts = scriptedHosts([running]);
    const deps = { hosts, store: new MemoryChangeStore(), clock: CLOCK, log: recordingLog() };
    const change = { id: 'CR-2026-961', profile: { ...testProfile({ endpoints: [] }), healthCheck: { urls: [] } } } as unknown as ChangeRecord;

    // Act
    const health = await healthNow(deps, change, 1);

    // Assess
    expect(health).toEqual({});
    expect(hosts.sent).toEqual([]);
  });
});

describe('apiHealthNow', () => {
  function tester(answer: SmokeResult[] | Error): { smoke: jest.Mock } {
    return { smoke: jest.fn(async () => { if (answer instanceof Error) throw answer; return answer; }) };
  }
  const result = (patch: Partial<SmokeResult>): SmokeResult => ({ name: 'API health at report time', suite: 'api-endpoint', status: 'FAIL', durationMs: 1, ...patch });

  it('should GET the health check\'s first URL from its origin and read a pass HEALTHY', async () => {
    // Arrange
    const t = tester([result({ status: 'PASS', httpStatus: 200 })]);
    const change = changeWith({ healthCheck: { urls: [API, 'http://other/x'] } });

    // Act
    const health = await apiHealthNow({ tester: t as never }, change);

    // Assess
    expect(health).toBe('HEALTHY');
    expect(t.smoke).toHaveBeenCalledWith('http://svc.internal:8080', [{ name: 'API health at report time', method: 'GET', path: '/api/v1/health?deep=1', expectedStatus: 200, suite: 'api-endpoint', login: false }]);
  });

  it('should read a failed GET UNHEALTHY with its HTTP status, else its error, else its details, else no answer', async () => {
    // Arrange
    const change = changeWith({ healthCheck: { urls: [API] } });
    const answers = [
      result({ httpStatus: 503, error: 'e', details: 'd' }),
      result({ error: 'ECONNREFUSED', details: 'd' }),
      result({ details: 'body mismatch' }),
      result({}),
    ];

    // Act
    const lines = await Promise.all(answers.map((a) => apiHealthNow({ tester: tester([a]) as never }, change)));

    // Assess
    expect(lines).toEqual(['UNHEALTHY (HTTP 503)', 'UNHEALTHY (ECONNREFUSED)', 'UNHEALTHY (body mismatch)', 'UNHEALTHY (no answer)']);
  });

  it('should answer nothing when the tester fails, answers nothing, or there is no URL to check', async () => {
    // Arrange
    const change = changeWith({ healthCheck: { urls: [API] } });
    const noUrl = { id: 'CR-2026-962', profile: { ...testProfile(), healthCheck: { urls: [] } } } as unknown as ChangeRecord;
    const unused = tester([result({ status: 'PASS' })]);

    // Act
    const thrown = await apiHealthNow({ tester: tester(new Error('socket hang up')) as never }, change);
    const empty = await apiHealthNow({ tester: tester([]) as never }, change);
    const none = await apiHealthNow({ tester: unused as never }, noUrl);

    // Assess
    expect([thrown, empty, none]).toEqual([undefined, undefined, undefined]);
    expect(unused.smoke).not.toHaveBeenCalled();
  });
});
