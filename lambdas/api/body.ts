// Request bodies: YAML or JSON chosen by Content-Type (sniffed when there is none), a size limit checked before
// parsing, and the small zod schemas of the approval and cancel bodies. Every failure names the field path.
import * as z from 'zod';
import { ROLES } from '../core/records';
import { parseDocumentText, validate } from '../core/schemas';
import { ValidationError } from '../core/errors';
import { badField, MAX_BODY_BYTES, PayloadTooLargeError, UnsupportedMediaTypeError, type ApiRequest } from './http';

const JSON_TYPES = ['application/json'];
const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml'];
// curl -d sends this when no type is given; treat it like no type at all and sniff.
const SNIFFED_TYPES = ['', 'text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream'];

export function assertBodySize(body: string | undefined, limit = MAX_BODY_BYTES): void {
  if (body !== undefined && Buffer.byteLength(body, 'utf8') > limit) {
    throw new PayloadTooLargeError(`request body is larger than ${limit} bytes`);
  }
}

/** JSON when declared (or when it starts like JSON), YAML otherwise; an empty body is undefined. */
export function parseBody(req: Pick<ApiRequest, 'headers' | 'body'>, what: string): unknown {
  assertBodySize(req.body);
  const body = req.body ?? '';
  if (!body.trim()) return undefined;
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const declaredJson = JSON_TYPES.includes(type) || type.endsWith('+json');
  if (!declaredJson && !YAML_TYPES.includes(type) && !SNIFFED_TYPES.includes(type)) {
    throw new UnsupportedMediaTypeError(`content-type ${type} is not supported: send application/json or application/yaml`);
  }
  const looksJson = /^\s*[[{]/.test(body);
  if (declaredJson || (SNIFFED_TYPES.includes(type) && looksJson)) {
    try {
      return JSON.parse(body) as unknown;
    } catch (err) {
      throw new ValidationError(`${what}: not valid JSON: ${(err as Error).message}`, [{ path: '', message: `not valid JSON: ${(err as Error).message}` }]);
    }
  }
  return parseDocumentText(body, what);
}

/** The caller's identity is the approver; a body that tries to name one is refused rather than silently ignored. */
const IDENTITY_FIELDS = ['approver', 'approvedBy', 'approved_by', 'user', 'identity'];

export const ApprovalBodySchema = z.strictObject({
  role: z.enum(ROLES),
  decision: z.enum(['approve', 'reject']),
  comment: z.string().max(2000).optional(),
});
export type ApprovalBody = z.infer<typeof ApprovalBodySchema>;

export function parseApprovalBody(req: Pick<ApiRequest, 'headers' | 'body'>): ApprovalBody {
  const raw = parseBody(req, 'approval');
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    const named = IDENTITY_FIELDS.find((f) => f in raw);
    if (named) throw badField(named, 'the approver is the authenticated caller and cannot be named in the body');
  }
  return validate(ApprovalBodySchema, raw ?? {}, 'approval');
}

export const CancelBodySchema = z.strictObject({
  reason: z.string().min(1).max(2000).optional(),
});

export function parseCancelBody(req: Pick<ApiRequest, 'headers' | 'body'>): { reason?: string } {
  return validate(CancelBodySchema, parseBody(req, 'cancel') ?? {}, 'cancel');
}
