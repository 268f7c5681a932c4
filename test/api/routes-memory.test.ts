// Routes over an in-memory store, with the change put in the state a route branches on (rolled back, reported,
// cancellable): the next attempt's approvals, the start of its execution, the retrospective, a bad page token.
import { buildReport } from '../../lambdas/core/report';
import { memoryApi, submitted } from '../support/memory-api';

const ROLES = ['technical', 'business', 'security'] as const;
const APPROVER = { technical: 'alice', business: 'bob', security: 'carol' } as const;

describe('a rolled-back change and its next attempt', () => {
  it('should show the next attempt with its execution name and missing roles only once the change is rolled back', async () => {
    // Arrange
    const m = memoryApi();
    await submitted(m);

    // Act
    const before = await m.call('GET', '/changes/CR-2026-900');
    await m.setStatus('CR-2026-900', { status: 'ROLLED_BACK' });
    const after = await m.call('GET', '/changes/CR-2026-900');

    // Assess
    expect(before.res.statusCode).toBe(200);
    expect(before.body).not.toHaveProperty('nextAttempt');
    expect(after.body.nextAttempt).toEqual({ attempt: 2, executionName: 'CR-2026-900-2', items: [], state: 'pending', missing: ['technical', 'business', 'security'] });
    expect(after.body.approvals).toMatchObject({ attempt: 1 });
  });

  it('should start the next attempt on its last approval and say so in the response, and not before', async () => {
    // Arrange
    const m = memoryApi();
    await submitted(m);
    await m.setStatus('CR-2026-900', { status: 'ROLLED_BACK' });
    const startedAtSubmit = [...m.started];

    // Act
    const answers = [];
    for (const role of ROLES) {
      answers.push(await m.call('POST', '/changes/CR-2026-900/approvals', { body: { role, decision: 'approve' }, identity: { id: APPROVER[role] } }));
    }

    // Assess
    expect(answers.map((a) => a.res.statusCode)).toEqual([201, 201, 201]);
    expect(answers[0]?.body).not.toHaveProperty('startedExecution');
    expect(answers[1]?.body).not.toHaveProperty('startedExecution');
    expect(answers[2]?.body).toMatchObject({ attempt: 2, state: 'approved', missing: [], startedExecution: 'CR-2026-900-2' });
    expect(m.started.slice(startedAtSubmit.length)).toEqual(['CR-2026-900-2']);
  });
});

describe('the cancel route', () => {
  it('should answer POST /changes/{id}/cancel for a submitted change, recording who asked', async () => {
    // Arrange
    const m = memoryApi();
    await submitted(m);

    // Act
    const { res, body } = await m.call('POST', '/changes/CR-2026-900/cancel', { body: { reason: 'wrong window' }, identity: { id: 'alice' } });

    // Assess
    expect(res.statusCode).toBeGreaterThanOrEqual(200);
    expect(res.statusCode).toBeLessThan(300);
    expect(body).not.toHaveProperty('error');
    expect((await m.store.getChange('CR-2026-900'))?.cancelRequest).toMatchObject({ by: 'alice', reason: 'wrong window' });
  });

  it('should not serve a route at the root path', async () => {
    // Arrange
    const m = memoryApi();

    // Act
    const { res } = await m.call('POST', '/', { body: {} });

    // Assess
    expect(res.statusCode).toBe(404);
  });
});

describe('what an approval and a cancel leave on the change', () => {
  it('should echo an approval\'s comment only when one was given', async () => {
    // Arrange
    const m = memoryApi();
    await submitted(m);
    await m.setStatus('CR-2026-900', { status: 'AWAITING_APPROVAL' });

    // Act
    const withComment = await m.call('POST', '/changes/CR-2026-900/approvals', { body: { role: 'technical', decision: 'approve', comment: 'rollback plan read' }, identity: { id: 'alice' } });
    const without = await m.call('POST', '/changes/CR-2026-900/approvals', { body: { role: 'business', decision: 'approve' }, identity: { id: 'bob' } });

    // Assess
    expect(withComment.body).toMatchObject({ role: 'technical', approver: 'alice', comment: 'rollback plan read', duplicate: false, state: 'pending', missing: ['business', 'security'] });
    expect(without.body).not.toHaveProperty('comment');
    expect(without.body).not.toHaveProperty('startedExecution');
  });

  it('should show the cancel request on the change once one was made, and not before', async () => {
    // Arrange
    const m = memoryApi();
    await submitted(m);
    const before = await m.call('GET', '/changes/CR-2026-900');

    // Act
    await m.call('POST', '/changes/CR-2026-900/cancel', { body: { reason: 'wrong window' }, identity: { id: 'alice' } });
    const after = await m.call('GET', '/changes/CR-2026-900');

    // Assess
    expect(before.body).not.toHaveProperty('cancelRequest');
    expect(after.body.cancelRequest).toMatchObject({ by: 'alice', reason: 'wrong window' });
  });
});

describe('the retrospective draft of a reported attempt', () => {
  it('should draft the retrospective from the change\'s events and the approvals of the reported attempt', async () => {
    // Arrange
    const m = memoryApi();
    await submitted(m);
    await m.setStatus('CR-2026-900', { status: 'AWAITING_APPROVAL' });
    for (const role of ROLES) await m.call('POST', '/changes/CR-2026-900/approvals', { body: { role, decision: 'approve' }, identity: { id: APPROVER[role] } });
    const at = new Date().toISOString();
    const report = buildReport({
      changeId: 'CR-2026-900', system: 'KIS_CORE_V3', attempt: 1, status: 'SUCCESS', startTime: at, endTime: at, operator: 'ops',
      metricsBefore: undefined, metricsAfter: undefined, tests: [], issues: [], rollback: { executed: false }, health: { api: 'HEALTHY' },
    });
    await m.store.putReport({ changeId: 'CR-2026-900', attempt: 1, outcome: 'SUCCESS', createdAt: at, report, qcSummary: 'QC ok' });

    // Act
    const { res, body } = await m.call('GET', '/changes/CR-2026-900/report', { query: { format: 'retro' } });

    // Assess
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/yaml; charset=utf-8');
    expect(body).toContain('Approvals recorded through the approvals route by 3 approver(s)');
  });
});

describe('listing changes page by page', () => {
  it.each(['not-base64-json', Buffer.from(JSON.stringify({ v: 2, c: 'x', i: 'y' })).toString('base64url')])('should refuse a nextToken it did not issue (%s), naming the field and how to get a good one', async (token) => {
    // Arrange
    const m = memoryApi();

    // Act
    const { res, body } = await m.call('GET', '/changes', { query: { nextToken: token } });

    // Assess
    expect(res.statusCode).toBe(400);
    expect(body.error.fields).toEqual([{ path: 'nextToken', message: 'not a token this API issued (pass nextToken from the previous page as it is)' }]);
  });
});
