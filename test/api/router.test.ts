// The router and its one error table, without a server: which error becomes which status, that a 500 hides its
// cause, and how request bodies are read (YAML or JSON by content type or sniffing, the size limit).
import { z } from 'zod';
import { assertBodySize, parseApprovalBody, parseBody } from '../../lambdas/api/body';
import type { ApiContext } from '../../lambdas/api/context';
import { errorResponse, MAX_BODY_BYTES, MethodNotAllowedError, NotImplementedError, PayloadTooLargeError, UnauthorizedError, UnsupportedMediaTypeError } from '../../lambdas/api/http';
import { createApi } from '../../lambdas/api/router';
import { ConflictError, ForbiddenError, NotFoundError, TransientError, ValidationError } from '../../lambdas/core/errors';
import type { Deps, ExecutionControl, Logger } from '../../lambdas/ports';
import { testProfile } from '../support/harness';

function recordingLog(): Logger & { errors: Record<string, unknown>[] } {
  const errors: Record<string, unknown>[] = [];
  return { errors, info: () => undefined, warn: () => undefined, error: (message, data) => { errors.push({ message, ...data }); } };
}

describe('errorResponse', () => {
  const zodError = z.object({ role: z.string() }).safeParse({ role: 3 }).error as z.ZodError;

  it.each([
    ['ValidationError', new ValidationError('change_request.id: bad', [{ path: 'change_request.id', message: 'bad' }]), 400, 'ValidationError'],
    ['ZodError', zodError, 400, 'ValidationError'],
    ['UnauthorizedError', new UnauthorizedError('who are you'), 401, 'Unauthorized'],
    ['ForbiddenError', new ForbiddenError('not you'), 403, 'Forbidden'],
    ['NotFoundError', new NotFoundError('no such change'), 404, 'NotFound'],
    ['MethodNotAllowedError', new MethodNotAllowedError('no', ['GET']), 405, 'MethodNotAllowed'],
    ['ConflictError', new ConflictError('taken'), 409, 'Conflict'],
    ['PayloadTooLargeError', new PayloadTooLargeError('big'), 413, 'PayloadTooLarge'],
    ['UnsupportedMediaTypeError', new UnsupportedMediaTypeError('xml'), 415, 'UnsupportedMediaType'],
    ['NotImplementedError', new NotImplementedError('not here'), 501, 'NotImplemented'],
  ])('should map %s to %i', (_name, err, status, code) => {
    // Act
    const res = errorResponse(err, recordingLog());

    // Assess
    expect(res.statusCode).toBe(status);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code } });
  });

  it('should name the field paths of a validation error', () => {
    // Act
    const res = errorResponse(zodError, recordingLog());

    // Assess
    expect(JSON.parse(res.body).error.fields).toEqual([{ path: 'role', message: expect.any(String) }]);
  });

  it('should answer 500 without the message or stack of an unexpected error, and log it with a reference', () => {
    // Prepare
    const log = recordingLog();

    // Act
    const res = errorResponse(new TransientError('table arn:aws:dynamodb:eu-west-1:123:table/secret throttled'), log);

    // Assess
    const body = JSON.parse(res.body);
    expect(res.statusCode).toBe(500);
    expect(body.error.code).toBe('InternalError');
    expect(res.body).not.toContain('arn:aws');
    const reference = /reference (err-[a-z0-9-]+)/.exec(body.error.message)?.[1];
    expect(log.errors).toEqual([expect.objectContaining({ reference, error: expect.stringContaining('arn:aws') })]);
  });
});

describe('createApi', () => {
  const ctx = {
    deps: { store: { listChanges: async () => { throw new Error('store down at /var/secret'); } } } as unknown as Deps,
    control: {} as ExecutionControl,
    profile: async () => testProfile(),
    engine: 'embedded',
  } satisfies ApiContext;
  const request = (method: string, path: string, identity = true) => ({ method, path, query: {}, headers: {}, baseUrl: 'http://127.0.0.1:1', ...(identity ? { identity: { id: 'ops' } } : {}) });

  it('should answer 405 with Allow before asking who the caller is', async () => {
    // Act
    const res = await createApi(ctx, { log: recordingLog() })(request('PUT', '/changes/CR-2026-001/approvals', false));

    // Assess
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe('POST');
  });

  it('should tolerate a trailing slash', async () => {
    // Act
    const res = await createApi(ctx, { log: recordingLog() })(request('GET', '/health/', false));

    // Assess
    expect(res.statusCode).toBe(200);
  });

  it('should tell the caller who they are on GET /whoami, with the roles their token is narrowed to, and 401 without a caller', async () => {
    // Prepare
    const api = createApi(ctx, { log: recordingLog() });

    // Act
    const ops = await api(request('GET', '/whoami'));
    const narrowed = await api({ ...request('GET', '/whoami'), identity: { id: 'alice', roles: ['technical'] } });
    const nobody = await api(request('GET', '/whoami', false));

    // Assess
    expect([ops.statusCode, narrowed.statusCode, nobody.statusCode]).toEqual([200, 200, 401]);
    expect(JSON.parse(ops.body)).toEqual({ caller: 'ops' });
    expect(JSON.parse(narrowed.body)).toEqual({ caller: 'alice', roles: ['technical'] });
  });

  it('should answer 500 for a failing store without leaking its message, and report every request', async () => {
    // Prepare
    const seen: number[] = [];
    const api = createApi(ctx, { log: recordingLog(), onRequest: (_req, res) => seen.push(res.statusCode) });

    // Act
    const res = await api(request('GET', '/changes'));

    // Assess
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('/var/secret');
    expect(seen).toEqual([500]);
  });
});

describe('request bodies', () => {
  it.each([
    ['JSON by content type', 'application/json', '{"role":"technical"}'],
    ['YAML by content type', 'application/yaml', 'role: technical'],
    ['JSON sniffed without a content type', undefined, ' {"role":"technical"}'],
    ['YAML sniffed from curl\'s default form type', 'application/x-www-form-urlencoded', 'role: technical'],
    ['JSON with a charset', 'application/json; charset=utf-8', '{"role":"technical"}'],
  ])('should read %s', (_what, contentType, body) => {
    expect(parseBody({ headers: contentType ? { 'content-type': contentType } : {}, body }, 'test')).toEqual({ role: 'technical' });
  });

  it('should refuse JSON that is declared but broken, naming the body', () => {
    expect(() => parseBody({ headers: { 'content-type': 'application/json' }, body: 'role: technical' }, 'test')).toThrow(ValidationError);
  });

  it('should refuse a body above the limit before parsing it', () => {
    expect(() => parseBody({ headers: {}, body: 'x'.repeat(MAX_BODY_BYTES + 1) }, 'test')).toThrow(PayloadTooLargeError);
  });

  it('should accept a body of exactly the limit and count the limit in UTF-8 bytes, not characters', () => {
    // Assess: the bound itself is allowed (an off-by-one would refuse it); two-byte characters count twice.
    expect(() => assertBodySize('x'.repeat(MAX_BODY_BYTES))).not.toThrow();
    expect(() => assertBodySize('é'.repeat(MAX_BODY_BYTES / 2))).not.toThrow();
    expect(() => assertBodySize(`${'é'.repeat(MAX_BODY_BYTES / 2)}x`)).toThrow(PayloadTooLargeError);
  });

  it('should refuse an approval body that names an approver, whatever its spelling', () => {
    for (const field of ['approver', 'approvedBy', 'approved_by']) {
      expect(() => parseApprovalBody({ headers: {}, body: JSON.stringify({ role: 'technical', decision: 'approve', [field]: 'cto' }) }))
        .toThrow(expect.objectContaining({ issues: [{ path: field, message: expect.any(String) }] }));
    }
  });
});
