// Every route of the API and every error it answers, over HTTP against a real `runbook serve` server (in this process,
// 127.0.0.1, a free port) with in-memory hosts: status codes, the one error shape, and that a refusal writes nothing.
import { stringify } from 'yaml';
import { change, startTestServer, type HttpResult, type TestServer } from './server-harness';
import { MAX_PAGE } from '../../lambdas/api/changes';

jest.setTimeout(30_000);

const expectError = (r: HttpResult, status: number, code: string): void => {
  expect(r.status).toBe(status);
  expect(r.headers.get('content-type')).toMatch(/^application\/json/);
  expect(Object.keys(r.json)).toEqual(['error']);
  expect(r.json.error).toMatchObject({ code, message: expect.any(String) });
};

describe('runbook serve API', () => {
  let t: TestServer;
  beforeEach(async () => { t = await startTestServer(); });
  afterEach(async () => { await t.close(); });

  describe('GET /health', () => {
    it('should answer without a token', async () => {
      // Act
      const r = await t.request('GET', '/health', { token: null });

      // Assess
      expect(r.status).toBe(200);
      expect(r.json).toEqual({ status: 'ok', engine: 'embedded', environment: 'test-env' });
    });
  });

  describe('authentication', () => {
    it.each([
      ['no token', null],
      ['an unknown token', 'rbk_not-a-token-anyone-was-given'],
      ['a token that is not a bearer token', 'Basic YWxpY2U6c2VjcmV0'],
    ])('should answer 401 with %s', async (_what, token) => {
      // Act
      const r = token?.startsWith('Basic')
        ? await t.request('GET', '/changes', { token: null, headers: { authorization: token } })
        : await t.request('GET', '/changes', { token });

      // Assess
      expectError(r, 401, 'Unauthorized');
      expect(r.headers.get('www-authenticate')).toBe('Bearer realm="runbook"');
    });

    it('should refuse a submission without a token and write nothing', async () => {
      // Act
      const r = await t.request('POST', '/changes', { token: null, body: stringify(change('CR-2026-300')), contentType: 'application/yaml' });

      // Assess
      expectError(r, 401, 'Unauthorized');
      expect((await t.request('GET', '/changes/CR-2026-300')).status).toBe(404);
    });
  });

  describe('routing', () => {
    it('should answer 404 for an unknown route', async () => {
      expectError(await t.request('GET', '/nope'), 404, 'NotFound');
    });

    it('should answer 405 naming the allowed methods for a wrong method', async () => {
      // Act
      const r = await t.request('DELETE', '/changes');

      // Assess
      expectError(r, 405, 'MethodNotAllowed');
      expect(r.headers.get('allow')).toBe('GET, POST');
    });

    it('should answer 400 naming `id` for a path that holds no change id', async () => {
      // Act
      const r = await t.request('GET', '/changes/not-a-change');

      // Assess
      expectError(r, 400, 'ValidationError');
      expect(r.json.error.fields).toEqual([{ path: 'id', message: expect.stringContaining('CR-YYYY-NNN') }]);
    });
  });

  describe('POST /changes', () => {
    it('should accept a YAML change with 202, its risk, approvals, execution and where to watch it', async () => {
      // Act
      const r = await t.submit(change('CR-2026-301'));

      // Assess
      expect(r.status).toBe(202);
      expect(r.json).toMatchObject({
        changeId: 'CR-2026-301', riskLevel: 'MEDIUM', riskScore: 8, requiredApprovals: ['technical', 'business', 'security'],
        executionName: 'CR-2026-301', duplicate: false,
        watch: { status: `${t.url}/changes/CR-2026-301`, history: `${t.url}/changes/CR-2026-301/history` },
      });
      expect(r.headers.get('location')).toBe(`${t.url}/changes/CR-2026-301`);
    });

    it('should answer with a warning per unknown key and keep those keys in the stored document', async () => {
      // Prepare
      const raw = change('CR-2026-309') as unknown as Record<string, Record<string, unknown>>;
      const body = { ...raw, requester: { ...raw.requester, team: 'platform' }, ticket: { system: 'jira', key: 'OPS-12' } };

      // Act
      const r = await t.request('POST', '/changes', { body: JSON.stringify(body), contentType: 'application/json' });

      // Assess
      expect(r.status).toBe(202);
      expect(r.json.warnings).toEqual([
        { path: 'requester.team', message: 'unknown key (kept as written, not used)' },
        { path: 'ticket', message: 'unknown key (kept as written, not used)' },
      ]);
      const stored = await t.server.runtime.engine.deps.store.getChange('CR-2026-309');
      expect(stored?.request).toMatchObject({ requester: { team: 'platform' }, ticket: { system: 'jira', key: 'OPS-12' } });
    });

    it('should answer 400 naming a misspelt required key and the key it was meant to be, writing nothing', async () => {
      // Prepare
      const raw = change('CR-2026-308') as unknown as Record<string, Record<string, unknown>>;
      const { summary, ...rest } = raw.description as Record<string, unknown>;

      // Act
      const r = await t.request('POST', '/changes', { body: JSON.stringify({ ...raw, description: { ...rest, sumary: summary } }), contentType: 'application/json' });

      // Assess
      expectError(r, 400, 'ValidationError');
      expect(r.json.error.fields).toEqual(expect.arrayContaining([{ path: 'description.sumary', message: 'unknown key; did you mean `summary`?' }]));
      expect(await t.server.runtime.engine.deps.store.getChange('CR-2026-308')).toBeUndefined();
    });

    it('should answer 200 with the existing change when the same id and body come again, as JSON without a content type', async () => {
      // Prepare
      await t.submit(change('CR-2026-302'));

      // Act
      const again = await t.request('POST', '/changes', { body: JSON.stringify(change('CR-2026-302')) });

      // Assess
      expect(again.status).toBe(200);
      expect(again.json).toMatchObject({ changeId: 'CR-2026-302', duplicate: true, executionName: 'CR-2026-302' });
      expect(t.server.runtime.engine.executionNames()).toEqual(['CR-2026-302']);
    });

    it('should answer 409 for a different body under an existing id and keep the first', async () => {
      // Prepare
      await t.submit(change('CR-2026-303'));

      // Act
      const r = await t.submit(change('CR-2026-303', (raw) => { (raw.change_request as Record<string, unknown>).title = 'Something else'; }));

      // Assess
      expectError(r, 409, 'Conflict');
      expect(r.json.error.message).toContain('already exists with a different body');
      expect((await t.request('GET', '/changes/CR-2026-303')).json.title).toBe('Estimator AI model v2.3.1 → v2.4.0 (local demo)');
    });

    it('should answer 409 naming the active change when the environment is locked, and write nothing', async () => {
      // Prepare
      await t.submit(change('CR-2026-304'));

      // Act
      const r = await t.submit(change('CR-2026-305'));

      // Assess
      expectError(r, 409, 'Conflict');
      expect(r.json.error.message).toMatch(/^environment test-env already has an active change: CR-2026-304 \((SUBMITTED|PREFLIGHT|AWAITING_APPROVAL)\) — wait for it \(npx runbook status CR-2026-304 --watch\) or end it: npx runbook cancel CR-2026-304$/);
      expect((await t.request('GET', '/changes/CR-2026-305')).status).toBe(404);
    });

    it('should answer 400 naming every invalid field path and write nothing', async () => {
      // Prepare
      const body = stringify({ ...change('CR-2026-306'), change_request: { id: 'CR-26-1', type: 'hotfix', priority: 'medium' } });

      // Act
      const r = await t.request('POST', '/changes', { body, contentType: 'application/yaml' });

      // Assess
      expectError(r, 400, 'ValidationError');
      const paths = (r.json.error.fields as { path: string }[]).map((f) => f.path);
      expect(paths).toEqual(expect.arrayContaining(['change_request.id', 'change_request.title', 'change_request.type']));
      expect((await t.request('GET', '/changes')).json.items).toEqual([]);
    });

    it('should answer 400 for a body that is neither YAML nor JSON', async () => {
      expectError(await t.request('POST', '/changes', { body: '{"change_request": ', contentType: 'application/json' }), 400, 'ValidationError');
      expectError(await t.request('POST', '/changes', { body: 'a: [unclosed', contentType: 'application/yaml' }), 400, 'ValidationError');
    });

    it('should answer 400 for an empty body, saying so', async () => {
      const r = await t.request('POST', '/changes', { body: '', contentType: 'application/yaml' });
      expectError(r, 400, 'ValidationError');
      expect(r.json.error.message).toBe('the request body is empty: send a change request document (YAML or JSON)');
    });

    it('should answer 413 for a body above 256 KB and write nothing', async () => {
      // Prepare
      const big = stringify({ ...change('CR-2026-307'), description: { summary: 'x'.repeat(300 * 1024) } });

      // Act
      const r = await t.request('POST', '/changes', { body: big, contentType: 'application/yaml' });

      // Assess
      expectError(r, 413, 'PayloadTooLarge');
      expect((await t.request('GET', '/changes/CR-2026-307')).status).toBe(404);
    });

    it('should answer 415 for a content type it does not read', async () => {
      expectError(await t.request('POST', '/changes', { body: '<change/>', contentType: 'application/xml' }), 415, 'UnsupportedMediaType');
    });
  });

  describe('GET /changes', () => {
    it('should list newest first, filter by status and environment, and page with an opaque token', async () => {
      // Prepare: three finished changes (each frees the environment for the next).
      for (const id of ['CR-2026-310', 'CR-2026-311', 'CR-2026-312']) {
        await t.submit(change(id));
        await t.waitFor(id, (s) => s === 'AWAITING_APPROVAL');
        await t.approve(id, 'security', 'reject');
        await t.waitFor(id, (s) => s === 'REJECTED');
      }

      // Act
      const first = await t.request('GET', '/changes?limit=2');
      const second = await t.request('GET', `/changes?limit=2&nextToken=${first.json.nextToken}`);
      const rejected = await t.request('GET', '/changes?status=REJECTED&environment=test-env');
      const none = await t.request('GET', '/changes?status=COMPLETED');
      const other = await t.request('GET', '/changes?environment=elsewhere');

      // Assess
      expect(first.json.items.map((c: { changeId: string }) => c.changeId)).toEqual(['CR-2026-312', 'CR-2026-311']);
      expect(first.json.nextToken).toEqual(expect.any(String));
      expect(second.json.items.map((c: { changeId: string }) => c.changeId)).toEqual(['CR-2026-310']);
      expect(second.json.nextToken).toBeUndefined();
      expect(rejected.json.items).toHaveLength(3);
      expect(none.json.items).toEqual([]);
      expect(other.json.items).toEqual([]);
      expect(first.json.items[0]).toMatchObject({ status: 'REJECTED', environment: 'test-env', riskLevel: 'MEDIUM', attempt: 1 });
    });

    it.each([
      ['status=DONE', 'status'],
      ['environment=Prod!', 'environment'],
      ['limit=0', 'limit'],
      [`limit=${MAX_PAGE + 1}`, 'limit'],
      ['nextToken=garbage', 'nextToken'],
    ])('should answer 400 naming the parameter for %s', async (query, field) => {
      // Act
      const r = await t.request('GET', `/changes?${query}`);

      // Assess
      expectError(r, 400, 'ValidationError');
      expect(r.json.error.fields).toEqual([{ path: field, message: expect.any(String) }]);
    });
  });

  describe('GET /changes/{id}', () => {
    it('should show status, phase, attempt, the approvals of the current attempt and the timeline', async () => {
      // Prepare
      await t.submit(change('CR-2026-320'));
      await t.waitFor('CR-2026-320', (s) => s === 'AWAITING_APPROVAL');
      await t.approve('CR-2026-320', 'technical');

      // Act
      const r = await t.request('GET', '/changes/CR-2026-320');

      // Assess
      expect(r.status).toBe(200);
      expect(r.json).toMatchObject({
        changeId: 'CR-2026-320', status: 'AWAITING_APPROVAL', phase: 'PLAN', attempt: 1, requester: 'Demo Operator',
        approvals: { attempt: 1, state: 'pending', missing: ['business', 'security'], items: [{ role: 'technical', decision: 'approve', approver: 'alice' }] },
      });
      const types = (r.json.timeline as { type: string }[]).map((e) => e.type);
      expect(types.slice(0, 2)).toEqual(['change.submitted', 'attempt.started']);
      expect(types).toContain('approval.approve');
      expect(r.json.timeline[0]).toMatchObject({ actor: 'ops-operator', phase: 'SUBMIT' });
    });

    it('should answer 404 for an unknown change', async () => {
      expectError(await t.request('GET', '/changes/CR-2026-399'), 404, 'NotFound');
    });
  });

  describe('POST /changes/{id}/approvals', () => {
    beforeEach(async () => {
      await t.submit(change('CR-2026-330'));
      await t.waitFor('CR-2026-330', (s) => s === 'AWAITING_APPROVAL');
    });

    it('should record an approval with 201 under the caller identity', async () => {
      // Act
      const r = await t.approve('CR-2026-330', 'technical');

      // Assess
      expect(r.status).toBe(201);
      expect(r.json).toMatchObject({ changeId: 'CR-2026-330', attempt: 1, role: 'technical', decision: 'approve', approver: 'alice', duplicate: false, state: 'pending', missing: ['business', 'security'] });
    });

    it('should answer 200 with duplicate: true when the same approval comes again', async () => {
      // Prepare
      await t.approve('CR-2026-330', 'technical');

      // Act
      const again = await t.approve('CR-2026-330', 'technical');

      // Assess
      expect(again.status).toBe(200);
      expect(again.json).toMatchObject({ duplicate: true, approver: 'alice', state: 'pending' });
      expect((await t.request('GET', '/changes/CR-2026-330')).json.approvals.items).toHaveLength(1);
    });

    it('should answer 409 when the same approver tries to turn an approval into a rejection', async () => {
      // Prepare
      await t.approve('CR-2026-330', 'technical');

      // Act
      const r = await t.approve('CR-2026-330', 'technical', 'reject');

      // Assess
      expectError(r, 409, 'Conflict');
      expect(await t.statusOf('CR-2026-330')).toBe('AWAITING_APPROVAL');
    });

    it('should answer 400 naming `approver` when the body tries to name the approver, and record nothing', async () => {
      // Act
      const r = await t.request('POST', '/changes/CR-2026-330/approvals', {
        token: t.approvers.technical.token, contentType: 'application/json', body: JSON.stringify({ role: 'technical', decision: 'approve', approver: 'the-cto' }),
      });

      // Assess
      expectError(r, 400, 'ValidationError');
      expect(r.json.error.fields).toEqual([{ path: 'approver', message: expect.stringContaining('authenticated caller') }]);
      expect((await t.request('GET', '/changes/CR-2026-330')).json.approvals.items).toEqual([]);
    });

    it('should answer 400 naming `role` for a role this change does not require', async () => {
      // Act
      const r = await t.approve('CR-2026-330', 'executive');

      // Assess
      expectError(r, 400, 'ValidationError');
      expect(r.json.error.fields).toEqual([{ path: 'role', message: expect.stringContaining('not required') }]);
    });

    it.each([
      ['an unknown role', { role: 'cfo', decision: 'approve' }, 'role'],
      ['an unknown decision', { role: 'technical', decision: 'maybe' }, 'decision'],
      ['no decision', { role: 'technical' }, 'decision'],
    ])('should answer 400 naming the field for %s', async (_what, body, field) => {
      // Act
      const r = await t.request('POST', '/changes/CR-2026-330/approvals', { token: t.approvers.technical.token, contentType: 'application/json', body: JSON.stringify(body) });

      // Assess
      expectError(r, 400, 'ValidationError');
      expect((r.json.error.fields as { path: string }[]).map((f) => f.path)).toEqual([field]);
    });

    it('should answer 403 when the caller who submitted the change approves it', async () => {
      // Act
      const r = await t.request('POST', '/changes/CR-2026-330/approvals', { token: t.operator.token, contentType: 'application/json', body: JSON.stringify({ role: 'technical', decision: 'approve' }) });

      // Assess
      expectError(r, 403, 'Forbidden');
      expect(r.json.error.message).toBe('ops-operator submitted change CR-2026-330 and may not approve it');
    });

    it('should answer 403 when an operator approves as a role it does not hold', async () => {
      // Act
      const r = await t.request('POST', '/changes/CR-2026-330/approvals', { token: t.approvers.business.token, contentType: 'application/json', body: JSON.stringify({ role: 'technical', decision: 'approve' }) });

      // Assess
      expectError(r, 403, 'Forbidden');
      expect(r.json.error.message).toContain('bob may approve as business');
    });

    it('should answer 404 for an unknown change', async () => {
      expectError(await t.approve('CR-2026-398', 'technical'), 404, 'NotFound');
    });
  });

  it('should answer 403 when the requester named in the document approves it', async () => {
    // Prepare: alice wrote the change request; the operator submitted it for her.
    await t.submit(change('CR-2026-335', (raw) => { raw.requester = { name: 'alice', role: 'Developer' }; }));
    await t.waitFor('CR-2026-335', (s) => s === 'AWAITING_APPROVAL');

    // Act
    const r = await t.approve('CR-2026-335', 'technical');

    // Assess
    expectError(r, 403, 'Forbidden');
    expect(r.json.error.message).toContain('alice requested this change and may not approve it');
  });

  it('should answer 409 to an approval for a change that is not waiting for approvals', async () => {
    // Prepare
    await t.submit(change('CR-2026-336'));
    await t.waitFor('CR-2026-336', (s) => s === 'AWAITING_APPROVAL');
    await t.approve('CR-2026-336', 'security', 'reject');
    await t.waitFor('CR-2026-336', (s) => s === 'REJECTED');

    // Act
    const r = await t.approve('CR-2026-336', 'technical');

    // Assess
    expectError(r, 409, 'Conflict');
    expect(r.json.error.message).toBe('change CR-2026-336 is REJECTED: it is not waiting for approvals');
  });

  describe('GET /changes/{id}/report and /history', () => {
    it('should answer 404 while no attempt has ended', async () => {
      // Prepare
      await t.submit(change('CR-2026-340'));

      // Act
      const r = await t.request('GET', '/changes/CR-2026-340/report');

      // Assess
      expectError(r, 404, 'NotFound');
      expect(r.json.error.message).toContain('has no report');
    });

    it('should answer 400 naming `format` and `attempt` for values it does not know', async () => {
      // Prepare
      await t.submit(change('CR-2026-341'));

      // Act
      const format = await t.request('GET', '/changes/CR-2026-341/report?format=pdf');
      const attempt = await t.request('GET', '/changes/CR-2026-341/report?attempt=0');

      // Assess
      expect(format.json.error.fields).toEqual([{ path: 'format', message: 'must be one of json, md, qc, retro' }]);
      expect(attempt.json.error.fields).toEqual([{ path: 'attempt', message: expect.any(String) }]);
    });

    it('should answer 404 for an attempt the change has not had', async () => {
      // Prepare
      await t.submit(change('CR-2026-342'));

      // Act
      const r = await t.request('GET', '/changes/CR-2026-342/history?attempt=2');

      // Assess
      expectError(r, 404, 'NotFound');
    });

    it('should show the running execution\'s states in order with durations', async () => {
      // Prepare
      await t.submit(change('CR-2026-343'));
      await t.waitFor('CR-2026-343', (s) => s === 'AWAITING_APPROVAL');

      // Act
      const r = await t.request('GET', '/changes/CR-2026-343/history');

      // Assess
      expect(r.status).toBe(200);
      expect(r.json).toMatchObject({ changeId: 'CR-2026-343', attempt: 1, executionName: 'CR-2026-343', status: 'RUNNING' });
      const states = r.json.states as { name: string; status: string; durationMs?: number }[];
      expect(states.map((s) => s.name).slice(0, 4)).toEqual(['How To Start', 'Start Attempt', 'PreFlight System Health', 'PreFlight Dependencies']);
      expect(states[0]).toMatchObject({ status: 'succeeded', durationMs: expect.any(Number) });
      expect(states.find((s) => s.name === 'Plan Await Approvals')).toMatchObject({ status: 'running' });
      expect((r.json.events as { type: string }[])[0]?.type).toBe('ExecutionStarted');
    });
  });

  describe('/checks', () => {
    it('should run the scheduled pre-flight check on demand and list its history', async () => {
      // Act
      const run = await t.request('POST', '/checks');
      const listed = await t.request('GET', '/checks');

      // Assess
      expect(run.status).toBe(200);
      expect(run.json).toMatchObject({ environment: 'test-env', passed: true });
      expect((run.json.checks as { name: string }[]).map((c) => c.name)).toEqual(['required-parameters', 'preflight-system-health', 'preflight-dependencies']);
      expect(listed.json.items).toHaveLength(1);
    });
  });
});
