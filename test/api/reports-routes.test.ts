// The read routes over what an attempt left behind, in-process: the report in each format and for a given attempt,
// its 404s, an execution's history (which run, which attempt, what a missing history says), and the checks.
import type { ApiContext } from '../../lambdas/api/context';
import type { ApiResponse } from '../../lambdas/api/http';
import { createApi } from '../../lambdas/api/router';
import { buildReport } from '../../lambdas/core/report';
import type { CheckResult } from '../../lambdas/core/records';
import type { ExecutionHistory } from '../../lambdas/ports';
import { silentLog } from '../support/fakes';
import { testProfile } from '../support/fixtures';
import { memoryApi, submitted, type MemoryApi } from '../support/memory-api';

type Parsed = ReturnType<typeof JSON.parse>;

/** The API over the memory store of `m`, with the execution histories and engine extras a test gives it. */
function api(m: MemoryApi, extras: Partial<ApiContext> = {}, histories: Record<string, ExecutionHistory> = {}) {
  const asked: string[] = [];
  const ctx: ApiContext = {
    deps: m.deps, engine: 'embedded', profile: async () => testProfile(),
    control: { stop: async () => ({ stopped: false }), history: async (name) => { asked.push(name); return histories[name]; } },
    ...extras,
  };
  const handle = createApi(ctx, { log: silentLog });
  return {
    asked,
    async get(path: string, query: Record<string, string> = {}, method = 'GET'): Promise<{ res: ApiResponse; body: Parsed }> {
      const res = await handle({ method, path, query, headers: {}, baseUrl: 'http://127.0.0.1:1', identity: { id: 'ops' } });
      return { res, body: (res.headers['content-type'] ?? '').startsWith('application/json') ? JSON.parse(res.body) : res.body };
    },
  };
}

async function putReport(m: MemoryApi, attempt: number, qcSummary: string): Promise<void> {
  const at = '2026-03-01T10:00:00.000Z';
  const report = buildReport({
    changeId: 'CR-2026-900', system: 'KIS_CORE_V3', attempt, status: 'SUCCESS', startTime: at, endTime: at, operator: 'ops',
    metricsBefore: undefined, metricsAfter: undefined, tests: [], issues: [], rollback: { executed: false }, health: { api: 'HEALTHY' },
  });
  await m.store.putReport({ changeId: 'CR-2026-900', attempt, outcome: 'SUCCESS', createdAt: at, report, qcSummary });
}

const history = (name: string, patch: Partial<ExecutionHistory> = {}): ExecutionHistory => ({
  name, status: 'SUCCEEDED', startedAt: '2026-03-01T10:00:00.000Z',
  events: [
    { type: 'StateEntered', timestamp: Date.parse('2026-03-01T10:00:00.000Z'), stateName: 'Plan' },
    { type: 'StateExited', timestamp: Date.parse('2026-03-01T10:00:02.000Z'), stateName: 'Plan' },
  ],
  ...patch,
});

describe('GET /changes/{id}/report', () => {
  it('should give the stored report as JSON by default, the latest attempt\'s unless one is asked for', async () => {
    // Arrange
    const m = memoryApi();
    await submitted(m);
    await putReport(m, 1, 'QC one');
    await putReport(m, 2, 'QC two');
    const a = api(m);

    // Act
    const latest = await a.get('/changes/CR-2026-900/report');
    const first = await a.get('/changes/CR-2026-900/report', { attempt: '1', format: 'json' });

    // Assess
    expect(latest.res.statusCode).toBe(200);
    expect(latest.body).toMatchObject({ attempt: 2, qcSummary: 'QC two' });
    expect(first.body).toMatchObject({ attempt: 1, qcSummary: 'QC one' });
  });

  it('should give the QC summary as plain text and the report as Markdown', async () => {
    // Arrange
    const m = memoryApi();
    await submitted(m);
    await putReport(m, 1, 'QC passed');
    const a = api(m);

    // Act
    const qc = await a.get('/changes/CR-2026-900/report', { format: 'qc' });
    const md = await a.get('/changes/CR-2026-900/report', { format: 'md' });

    // Assess
    expect(qc.res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(qc.body).toBe('QC passed\n');
    expect(md.res.statusCode).toBe(200);
    expect(md.res.headers['content-type']).toBe('text/markdown; charset=utf-8');
    expect(md.body).toContain('CR-2026-900');
    expect(md.body).toContain('QC passed');
  });

  it('should refuse a format it does not have, listing the formats', async () => {
    // Arrange
    const m = memoryApi();
    await submitted(m);

    // Act
    const { res, body } = await api(m).get('/changes/CR-2026-900/report', { format: 'pdf' });

    // Assess
    expect(res.statusCode).toBe(400);
    expect(body.error.fields).toEqual([{ path: 'format', message: 'must be one of json, md, qc, retro' }]);
  });

  it('should answer 404 saying the change has no report yet, and for which attempt when one was asked for', async () => {
    // Arrange
    const m = memoryApi();
    await submitted(m);
    const a = api(m);

    // Act
    const any = await a.get('/changes/CR-2026-900/report');
    const second = await a.get('/changes/CR-2026-900/report', { attempt: '2' });

    // Assess
    expect(any.res.statusCode).toBe(404);
    expect(any.body.error.message).toMatch(/^change CR-2026-900 has no report yet \(it is [A-Z_]+; a report is written when an attempt ends\)$/);
    expect(second.body.error.message).toMatch(/^change CR-2026-900 has no report for attempt 2 yet \(it is /);
  });
});

describe('GET /changes/{id}/history', () => {
  it('should give the current attempt\'s latest run with its states, stop time, error and cause', async () => {
    // Arrange
    const m = memoryApi();
    await submitted(m);
    await m.setStatus('CR-2026-900', { executionName: 'CR-2026-900-r2' });
    const h = history('CR-2026-900-r2', { status: 'FAILED', stoppedAt: '2026-03-01T10:00:05.000Z', error: 'States.Timeout', cause: 'slow' });
    const a = api(m, {}, { 'CR-2026-900-r2': h });

    // Act
    const { res, body } = await a.get('/changes/CR-2026-900/history');

    // Assess
    expect(res.statusCode).toBe(200);
    expect(a.asked).toEqual(['CR-2026-900-r2']);
    expect(body).toEqual({
      changeId: 'CR-2026-900', attempt: 1, executionName: 'CR-2026-900-r2', status: 'FAILED', startedAt: '2026-03-01T10:00:00.000Z',
      stoppedAt: '2026-03-01T10:00:05.000Z', error: 'States.Timeout', cause: 'slow',
      states: [{ name: 'Plan', enteredAt: '2026-03-01T10:00:00.000Z', exitedAt: '2026-03-01T10:00:02.000Z', durationMs: 2000, status: 'succeeded', retries: 0 }],
      events: h.events,
    });
  });

  it('should leave out the stop time, error and cause a run does not have', async () => {
    // Arrange
    const m = memoryApi();
    const change = await submitted(m);
    const a = api(m, {}, { [change.executionName]: history(change.executionName) });

    // Act
    const { body } = await a.get('/changes/CR-2026-900/history');

    // Assess
    expect(Object.keys(body)).toEqual(['changeId', 'attempt', 'executionName', 'status', 'startedAt', 'states', 'events']);
  });

  it('should read an earlier attempt\'s run under its own execution name', async () => {
    // Arrange
    const m = memoryApi();
    await submitted(m);
    await m.setStatus('CR-2026-900', { attempt: 2, executionName: 'CR-2026-900-2' });
    const a = api(m, {}, { 'CR-2026-900': history('CR-2026-900') });

    // Act
    const { res, body } = await a.get('/changes/CR-2026-900/history', { attempt: '1' });

    // Assess
    expect(res.statusCode).toBe(200);
    expect(a.asked).toEqual(['CR-2026-900']);
    expect(body).toMatchObject({ attempt: 1, executionName: 'CR-2026-900' });
  });

  it('should answer 404 for an attempt the change has not had', async () => {
    // Arrange
    const m = memoryApi();
    await submitted(m);
    const a = api(m);

    // Act
    const { res, body } = await a.get('/changes/CR-2026-900/history', { attempt: '2' });

    // Assess
    expect(res.statusCode).toBe(404);
    expect(body.error.message).toBe('change CR-2026-900 has had 1 attempt(s); there is no attempt 2');
    expect(a.asked).toEqual([]);
  });

  it('should answer 404 when the engine kept no history, saying why on the embedded engine only', async () => {
    // Arrange
    const m = memoryApi();
    const change = await submitted(m);

    // Act
    const embedded = await api(m).get('/changes/CR-2026-900/history');
    const aws = await api(m, { engine: 'aws' }).get('/changes/CR-2026-900/history');

    // Assess
    expect(embedded.res.statusCode).toBe(404);
    expect(embedded.body.error.message).toBe(`no execution history for ${change.executionName} (it ran in a process that kept no history file)`);
    expect(aws.body.error.message).toBe(`no execution history for ${change.executionName}`);
  });
});

describe('the scheduled checks', () => {
  const check = (id: string): CheckResult => ({ environment: 'test-env', id, at: `2026-03-01T10:00:0${id}.000Z`, passed: true, durationMs: 5, checks: [] });

  it('should list the environment\'s latest 10 checks by default and as many as asked for up to 100', async () => {
    // Arrange
    const m = memoryApi();
    for (let i = 0; i < 3; i += 1) await m.store.putCheckResult(check(String(i)));
    const a = api(m);

    // Act
    const all = await a.get('/checks');
    const one = await a.get('/checks', { limit: '1' });
    const most = await a.get('/checks', { limit: '100' });

    // Assess
    expect(all.body.environment).toBe('test-env');
    expect(all.body.items).toHaveLength(3);
    expect(one.body.items).toHaveLength(1);
    expect(most.res.statusCode).toBe(200);
  });

  it('should ask the store for 10 checks when no limit is given', async () => {
    // Arrange
    const m = memoryApi();
    const limits: number[] = [];
    m.deps.store.listCheckResults = async (_env, limit) => { limits.push(limit); return []; };

    // Act
    await api(m).get('/checks');

    // Assess
    expect(limits).toEqual([10]);
  });

  it.each(['0', '101', '1.5', 'ten', ''])('should refuse the limit "%s"', async (limit) => {
    // Arrange
    const m = memoryApi();

    // Act
    const { res, body } = await api(m).get('/checks', { limit });

    // Assess
    expect(res.statusCode).toBe(400);
    expect(body.error.fields).toEqual([{ path: 'limit', message: 'must be a whole number from 1 to 100' }]);
  });

  it('should run a check on demand where the engine can, and answer 501 where it cannot', async () => {
    // Arrange
    const m = memoryApi();
    const result = check('7');
    const able = api(m, { runCheck: async () => result });
    const unable = api(m);

    // Act
    const ran = await able.get('/checks', {}, 'POST');
    const refused = await unable.get('/checks', {}, 'POST');

    // Assess
    expect(ran.res.statusCode).toBe(200);
    expect(ran.body).toEqual(result);
    expect(refused.res.statusCode).toBe(501);
    expect(refused.body.error.message).toBe('the scheduled check runs on its schedule here; read its results with GET /checks');
  });
});
