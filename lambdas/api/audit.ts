// GET /changes/{id}/audit[?expect=<sha256>]: verifies the change's hash-chained record from the store. 200 either
// way (the audit ran): `verified` says whether the chain holds, `failure` names the first event that does not.
import { auditChange } from '../phases/audit';
import type { ApiContext } from './context';
import { badField, json, type ApiRequest, type ApiResponse } from './http';

export async function audit(ctx: ApiContext, req: ApiRequest, id: string): Promise<ApiResponse> {
  const expect = req.query.expect;
  if (expect !== undefined && !/^[0-9a-f]{64}$/.test(expect)) throw badField('expect', 'must be a SHA-256 head hash (64 lower-case hex digits)');
  return json(200, await auditChange(ctx.deps, id, expect));
}
