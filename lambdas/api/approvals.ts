// The approvals route: the approver is the authenticated caller and nobody else. The phase applies the rules
// (recordApproval: not waiting → 409, role not required → 400, submitter or requester → 403, not listed in the served
// profile's approvers for the role → 403, already decided as another role on this attempt → 403). A local operator
// whose token was narrowed to some roles (operators.json) is refused the others as well.
import { ConflictError, ForbiddenError } from '../core/errors';
import { recordApproval } from '../phases/approvals';
import { loadChange } from '../phases/common';
import { parseApprovalBody } from './body';
import type { ApiContext } from './context';
import { json, type ApiRequest, type ApiResponse, type Identity } from './http';

export async function approve(ctx: ApiContext, req: ApiRequest, id: string): Promise<ApiResponse> {
  const caller = req.identity as Identity;
  const body = parseApprovalBody(req);
  await loadChange(ctx.deps, id); // 404 before anything else is said about the change
  if (caller.roles && !caller.roles.includes(body.role)) {
    throw new ForbiddenError(`${caller.id} may approve as ${caller.roles.join(', ') || 'no role'}, not as ${body.role}`);
  }
  const profile = await ctx.profile();
  const result = await recordApproval(ctx.deps, {
    changeId: id, role: body.role, decision: body.decision, approver: caller.id, approvers: profile.approvers, freezes: profile.freezes, ...(body.comment ? { comment: body.comment } : {}),
  });
  if (result.duplicate && result.approval.decision !== body.decision) {
    throw new ConflictError(`${caller.id} already recorded "${result.approval.decision}" as ${body.role} for attempt ${result.approval.attempt}; a recorded decision is not changed`);
  }
  const a = result.approval;
  return json(result.duplicate ? 200 : 201, {
    changeId: id, attempt: a.attempt, role: a.role, decision: a.decision, approver: a.approver, at: a.at,
    ...(a.comment ? { comment: a.comment } : {}),
    duplicate: result.duplicate, state: result.state, missing: result.missing,
    ...(result.startedExecution ? { startedExecution: result.startedExecution } : {}),
  });
}
