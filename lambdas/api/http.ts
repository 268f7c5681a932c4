// The API's transport-neutral shapes (request, response, caller identity), its few HTTP-only errors, and the ONE
// table that maps every error to a status code and the shared error body. API Gateway and `runbook serve` both
// adapt to these shapes, so a route behaves the same behind either.
import { ZodError } from 'zod';
import { ConflictError, ForbiddenError, NotFoundError, RunbookError, ValidationError, type FieldIssue } from '../core/errors';
import type { ApprovalRole } from '../core/records';
import type { Logger } from '../ports';

/** Who is calling: an IAM principal ARN on AWS, an operator name from the bearer token locally. */
export interface Identity {
  id: string;
  /** Roles this caller may approve for; undefined means the caller is not restricted to some roles. */
  roles?: ApprovalRole[];
}

export interface ApiRequest {
  method: string;
  /** Without the stage prefix and without the query string, e.g. `/changes/CR-2026-101`. */
  path: string;
  query: Record<string, string | undefined>;
  /** Lower-case names. */
  headers: Record<string, string | undefined>;
  body?: string;
  /** Undefined when the caller is not authenticated. */
  identity?: Identity;
  /** Absolute URL the routes hang under (`http://127.0.0.1:8787`, `https://…/v1`): the `watch` links use it. */
  baseUrl: string;
}

export interface ApiResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** Bodies above this are refused with 413 before they are parsed (a change request is a few KB). */
export const MAX_BODY_BYTES = 256 * 1024;

export class UnauthorizedError extends RunbookError { override name = 'UnauthorizedError'; }
export class MethodNotAllowedError extends RunbookError {
  override name = 'MethodNotAllowedError';
  constructor(message: string, readonly allow: string[]) { super(message); }
}
export class PayloadTooLargeError extends RunbookError { override name = 'PayloadTooLargeError'; }
export class UnsupportedMediaTypeError extends RunbookError { override name = 'UnsupportedMediaTypeError'; }
/** A route this deployment does not serve (e.g. running the scheduled check on demand on AWS). */
export class NotImplementedError extends RunbookError { override name = 'NotImplementedError'; }

export interface ErrorBody {
  error: { code: string; message: string; fields?: FieldIssue[] };
}

type ErrorClass = abstract new (...args: never[]) => Error;

/** The one mapping from error to status and code; order matters only for subclasses (none overlap today). */
const ERROR_TABLE: [ErrorClass, number, string][] = [
  [ValidationError, 400, 'ValidationError'],
  [ZodError, 400, 'ValidationError'],
  [UnauthorizedError, 401, 'Unauthorized'],
  [ForbiddenError, 403, 'Forbidden'],
  [NotFoundError, 404, 'NotFound'],
  [MethodNotAllowedError, 405, 'MethodNotAllowed'],
  [ConflictError, 409, 'Conflict'],
  [PayloadTooLargeError, 413, 'PayloadTooLarge'],
  [UnsupportedMediaTypeError, 415, 'UnsupportedMediaType'],
  [NotImplementedError, 501, 'NotImplemented'],
];

const JSON_TYPE = 'application/json; charset=utf-8';

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): ApiResponse {
  return { statusCode, headers: { 'content-type': JSON_TYPE, 'cache-control': 'no-store', ...headers }, body: `${JSON.stringify(body, null, 2)}\n` };
}

export function text(statusCode: number, body: string, contentType: string): ApiResponse {
  return { statusCode, headers: { 'content-type': `${contentType}; charset=utf-8`, 'cache-control': 'no-store' }, body: body.endsWith('\n') ? body : `${body}\n` };
}

function fieldsOf(err: unknown): FieldIssue[] | undefined {
  if (err instanceof ValidationError) return err.issues.length > 0 ? err.issues : undefined;
  if (err instanceof ZodError) return err.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  return undefined;
}

/**
 * Any thrown error as the shared error body. Unknown errors are 500 with a reference the server log also carries,
 * never their message or stack: those can hold table names, ARNs or file paths.
 */
export function errorResponse(err: unknown, log: Logger, context: Record<string, unknown> = {}): ApiResponse {
  const row = ERROR_TABLE.find(([cls]) => err instanceof cls);
  if (!row) {
    const reference = `err-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    log.error('API request failed', { reference, ...context, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    return json(500, { error: { code: 'InternalError', message: `internal error (reference ${reference})` } } satisfies ErrorBody);
  }
  const [, statusCode, code] = row;
  const fields = fieldsOf(err);
  const message = err instanceof ZodError ? `invalid request: ${(fields ?? []).map((f) => `${f.path || '(body)'}: ${f.message}`).join('; ')}` : (err as Error).message;
  const headers: Record<string, string> = {};
  if (err instanceof MethodNotAllowedError) headers.allow = err.allow.join(', ');
  if (err instanceof UnauthorizedError) headers['www-authenticate'] = 'Bearer realm="runbook"';
  return json(statusCode, { error: { code, message, ...(fields ? { fields } : {}) } } satisfies ErrorBody, headers);
}

/** A 400 naming one field, for checks outside a schema. */
export function badField(path: string, message: string): ValidationError {
  return new ValidationError(`${path}: ${message}`, [{ path, message }]);
}
