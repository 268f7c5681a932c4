// The router's dispatch in-process: which paths match (trailing slashes, segment counts, encoded ids), the 404 and
// 405 messages, the public /health, the id check, the access-log hook; the approvals, audit, release and rollback
// routes as the router calls them; and the error table's headers and messages.
import { z } from 'zod';
import { errorResponse, MethodNotAllowedError, UnauthorizedError } from '../../lambdas/api/http';
import { ROUTES, createApi } from '../../lambdas/api/router';
import { ValidationError } from '../../lambdas/core/errors';
import type { Logger } from '../../lambdas/ports';
import { silentLog } from '../support/fakes';
import { testProfile } from '../support/fixtures';
import { memoryApi, submitted } from '../support/memory-api';

describe('matching a path', () => {
  it('should serve /health without a caller, naming the engine and the environment', async () => {
    // Arrange
    const m = memoryApi();

    // Act
    const { res, body } = await m.call('GET', '/health//', { identity: null });

    // Assess
    expect(res.statusCode).toBe(200);
    expect(body).toEqual({ status: 'ok', engine: 'embedded', environment: 'test-env' });
  });

  it('should take the method in any case', async () => {
    // Arrange
    const m = memoryApi();

    // Act
    const { res } = await m.call('get', '/health');

    // Assess
    expect(res.statusCode).toBe(200);
  });

  it.each(['/changes/CR-2026-900/approvals/extra', '/change', '/health/x', '/changes/CR-2026-900/nothing'])('should answer 404 for %s, listing the routes', async (path) => {
    // Arrange
    const m = memoryApi();

    // Act
    const { res, body } = await m.call('GET', path);

    // Assess
    expect(res.statusCode).toBe(404);
    expect(body.error.message).toBe(`no route ${path} (routes: ${ROUTES.map((r) => r.pattern).join(', ')})`);
  });

  it('should answer 405 naming the method, the route and the methods it allows', async () => {
    // Arrange
    const m = memoryApi();

    // Act
    const { res, body } = await m.call('delete', '/checks');

    // Assess
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe('GET, POST');
    expect(body.error.message).toBe('DELETE is not allowed on /checks (allowed: GET, POST)');
  });

  it('should ask for a caller on every route but /health, saying how to authenticate', async () => {
    // Arrange
    const m = memoryApi();

    // Act
    const { res, body } = await m.call('GET', '/changes', { identity: null });

    // Assess
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="runbook"');
    expect(body.error.message).toBe('authentication required: send "Authorization: Bearer <token>" (runbook serve) or a SigV4-signed request (AWS)');
  });

  it('should decode a percent-encoded change id', async () => {
    // Arrange
    const m = memoryApi();
    await submitted(m);

    // Act
    const { res, body } = await m.call('GET', '/changes/CR%2D2026%2D900');

    // Assess
    expect(res.statusCode).toBe(200);
    expect(body.changeId).toBe('CR-2026-900');
  });

  it('should refuse an id that is not a change id, as sent when it cannot be decoded', async () => {
    // Arrange
    const m = memoryApi();

    // Act
    const plain = await m.call('GET', '/changes/CR-26-1');
    const broken = await m.call('GET', '/changes/%E0%A4%A');

    // Assess
    expect(plain.res.statusCode).toBe(400);
    expect(plain.body.error.fields).toEqual([{ path: 'id', message: '"CR-26-1" is not a change id (CR-YYYY-NNN)' }]);
    expect(broken.body.error.fields).toEqual([{ path: 'id', message: '"%E0%A4%A" is not a change id (CR-YYYY-NNN)' }]);
  });

  it('should refuse a body above the limit on any route, before the route runs', async () => {
    // Arrange
    const m = memoryApi();

    // Act
    const { res } = await m.call('GET', '/whoami', { body: 'x'.repeat(256 * 1024) });

    // Assess
    expect(res.statusCode).toBe(413);
  });

  it('should report each request and its response to the access log hook', async () => {
    // Arrange
    const m = memoryApi();
    const seen: string[] = [];
    const api = createApi({ deps: m.deps, control: { stop: async () => ({ stopped: false }), history: async () => undefined }, profile: async () => testProfile(), engine: 'aws' }, {
      log: silentLog, onRequest: (req, res) => seen.push(`${req.method} ${req.path} ${res.statusCode}`),
    });

    // Act
    await api({ method: 'GET', path: '/health', query: {}, headers: {}, baseUrl: 'x' });
    await api({ method: 'GET', path: '/nowhere', query: {}, headers: {}, baseUrl: 'x' });

    // Assess
    expect(seen).toEqual(['GET /health 200', 'GET /nowhere 404']);
  });
});

describe('the approvals route', () => {
  it('should refuse a role the caller\'s token is not narrowed to, naming the roles it may approve as', async () => {
    // Arrange
    const m = memoryApi();
    await submitted(m);
    await m.setStatus('CR-2026-900', { status: 'AWAITING_APPROVAL' });

    // Act
    const some = await m.call('POST', '/changes/CR-2026-900/approvals', { body: { role: 'business', decision: 'approve' }, identity: { id: 'alice', roles: ['technical', 'security'] } });
    const none = await m.call('POST', '/changes/CR-2026-900/approvals', { body: { role: 'business', decision: 'approve' }, identity: { id: 'bob', roles: [] } });
    const allowed = await m.call('POST', '/changes/CR-2026-900/approvals', { body: { role: 'technical', decision: 'approve' }, identity: { id: 'alice', roles: ['technical'] } });

    // Assess
    expect(some.res.statusCode).toBe(403);
    expect(some.body.error.message).toBe('alice may approve as technical, security, not as business');
    expect(none.body.error.message).toBe('bob may approve as no role, not as business');
    expect(allowed.res.statusCode).toBe(201);
  });

  it('should answer 404 for an unknown change before judging the caller\'s roles', async () => {
    // Arrange
    const m = memoryApi();

    // Act
    const { res } = await m.call('POST', '/changes/CR-2026-404/approvals', { body: { role: 'business', decision: 'approve' }, identity: { id: 'alice', roles: ['technical'] } });

    // Assess
    expect(res.statusCode).toBe(404);
  });

  it('should answer the same decision again with 200 as a duplicate, and refuse a changed decision with 409', async () => {
    // Arrange
    const m = memoryApi();
    await submitted(m);
    await m.setStatus('CR-2026-900', { status: 'AWAITING_APPROVAL' });
    const first = await m.call('POST', '/changes/CR-2026-900/approvals', { body: { role: 'technical', decision: 'approve' }, identity: { id: 'alice' } });

    // Act
    const again = await m.call('POST', '/changes/CR-2026-900/approvals', { body: { role: 'technical', decision: 'approve' }, identity: { id: 'alice' } });
    const changed = await m.call('POST', '/changes/CR-2026-900/approvals', { body: { role: 'technical', decision: 'reject' }, identity: { id: 'alice' } });

    // Assess
    expect(first.res.statusCode).toBe(201);
    expect(again.res.statusCode).toBe(200);
    expect(again.body).toMatchObject({ changeId: 'CR-2026-900', attempt: 1, role: 'technical', decision: 'approve', approver: 'alice', duplicate: true, at: first.body.at });
    expect(changed.res.statusCode).toBe(409);
    expect(changed.body.error.message).toBe('alice already recorded "approve" as technical for attempt 1; a recorded decision is not changed');
  });

  it('should hold an approver to the served profile\'s list for the role', async () => {
    // Arrange
    const m = memoryApi();
    await submitted(m);
    await m.setStatus('CR-2026-900', { status: 'AWAITING_APPROVAL' });

    // Act
    const { res } = await m.call('POST', '/changes/CR-2026-900/approvals', { body: { role: 'technical', decision: 'approve' }, identity: { id: 'bob' } });

    // Assess
    expect(res.statusCode).toBe(403);
  });
});

describe('the audit route', () => {
  it('should verify the change\'s record and look for the head hash asked for', async () => {
    // Arrange
    const m = memoryApi();
    const change = await submitted(m);

    // Act
    const plain = await m.call('GET', '/changes/CR-2026-900/audit');
    const expected = await m.call('GET', '/changes/CR-2026-900/audit', { query: { expect: change.bodyHash } });

    // Assess
    expect(plain.res.statusCode).toBe(200);
    expect(plain.body).toMatchObject({ changeId: 'CR-2026-900', verified: true });
    expect(plain.body).not.toHaveProperty('expected');
    expect(expected.body.expected).toEqual({ hash: change.bodyHash, found: true, seq: 0 });
  });

  it.each(['abc', 'A'.repeat(64), `${'a'.repeat(64)}0`, ` ${'a'.repeat(63)}`])('should refuse expect=%s as not a head hash', async (expect_) => {
    // Arrange
    const m = memoryApi();
    await submitted(m);

    // Act
    const { res, body } = await m.call('GET', '/changes/CR-2026-900/audit', { query: { expect: expect_ } });

    // Assess
    expect(res.statusCode).toBe(400);
    expect(body.error.fields).toEqual([{ path: 'expect', message: 'must be a SHA-256 head hash (64 lower-case hex digits)' }]);
  });
});

describe('the release and rollback routes', () => {
  it('should hand the caller and the reason to the release, and the caller to the rollback', async () => {
    // Arrange
    const m = memoryApi();
    await submitted(m);

    // Act
    const release = await m.call('POST', '/changes/CR-2026-900/release', { body: { reason: 'service restored' }, identity: { id: 'alice' } });
    const rollback = await m.call('POST', '/changes/CR-2026-900/rollback', { identity: { id: 'alice' } });

    // Assess
    expect(release.res.statusCode).toBe(409);
    expect(release.body.error.code).toBe('Conflict');
    expect(rollback.res.statusCode).toBe(409);
  });

  it('should release the environment of a change in manual intervention, recording who and why', async () => {
    // Arrange
    const m = memoryApi();
    await submitted(m);
    await m.setStatus('CR-2026-900', { status: 'MANUAL_INTERVENTION' });

    // Act
    const { res, body } = await m.call('POST', '/changes/CR-2026-900/release', { body: { reason: 'service restored' }, identity: { id: 'alice' } });

    // Assess
    expect(res.statusCode).toBe(200);
    expect(body).not.toHaveProperty('error');
    const events = await m.store.listEvents('CR-2026-900');
    expect(events.at(-1)).toMatchObject({ actor: 'alice' });
    expect(JSON.stringify(events.at(-1))).toContain('service restored');
  });

  it('should refuse a cancel body with a key it does not know', async () => {
    // Arrange
    const m = memoryApi();
    await submitted(m);

    // Act
    const { res } = await m.call('POST', '/changes/CR-2026-900/cancel', { body: { why: 'x' } });

    // Assess
    expect(res.statusCode).toBe(400);
  });
});

describe('the error table\'s details', () => {
  const log: Logger = silentLog;

  it('should sum a zod error\'s issues up in the message, the body\'s own as (body)', () => {
    // Arrange
    const err = z.object({ a: z.string() }).safeParse(5).error as z.ZodError;
    const nested = z.object({ a: z.object({ b: z.string() }) }).safeParse({ a: { b: 1 } }).error as z.ZodError;

    // Act
    const body = JSON.parse(errorResponse(err, log).body);
    const nestedBody = JSON.parse(errorResponse(nested, log).body);

    // Assess
    expect(body.error.message).toMatch(/^invalid request: \(body\): .+$/);
    expect(body.error.fields).toEqual([{ path: '', message: expect.any(String) }]);
    expect(nestedBody.error.message).toMatch(/^invalid request: a\.b: .+$/);
  });

  it('should leave fields out of a validation error that names none, and headers out of other errors', () => {
    // Act
    const res = errorResponse(new ValidationError('bad', []), log);

    // Assess
    expect(JSON.parse(res.body)).toEqual({ error: { code: 'ValidationError', message: 'bad' } });
    expect(Object.keys(res.headers).sort()).toEqual(['cache-control', 'content-type']);
  });

  it('should say which methods a 405 allows and how to authenticate on a 401', () => {
    // Act
    const notAllowed = errorResponse(new MethodNotAllowedError('no', ['GET', 'POST']), log);
    const unauthorized = errorResponse(new UnauthorizedError('who'), log);

    // Assess
    expect(notAllowed.headers.allow).toBe('GET, POST');
    expect(notAllowed.headers).not.toHaveProperty('www-authenticate');
    expect(unauthorized.headers['www-authenticate']).toBe('Bearer realm="runbook"');
    expect(unauthorized.headers).not.toHaveProperty('allow');
  });

  it('should log an unexpected error with its stack, the request context and a reference the answer carries', () => {
    // Arrange
    const logged: Record<string, unknown>[] = [];
    const recording: Logger = { info: () => undefined, warn: () => undefined, error: (message, data) => { logged.push({ message, ...data }); } };
    const err = new Error('disk /var/x full');

    // Act
    const res = errorResponse(err, recording, { method: 'GET', path: '/changes' });
    const thrownString = errorResponse('plain failure', recording);
    const stackless = new Error('no stack here');
    stackless.stack = undefined;
    errorResponse(stackless, recording);

    // Assess
    const message = JSON.parse(res.body).error.message as string;
    const reference = /^internal error \(reference (err-[0-9a-z]+-[0-9a-z]{1,6})\)$/.exec(message)?.[1];
    expect(reference).toBeDefined();
    expect(logged[0]).toEqual({ message: 'API request failed', reference, method: 'GET', path: '/changes', error: err.stack });
    expect(logged[1]).toMatchObject({ message: 'API request failed', error: 'plain failure' });
    expect(logged[2]).toMatchObject({ error: 'no stack here' });
    expect(thrownString.statusCode).toBe(500);
  });
});
