// PLAN-phase approval rules: who may approve, and when a change's recorded approvals add up to a decision.
// Approvals count only when recorded through the approvals route with the caller's identity.
import { ForbiddenError, ValidationError } from './errors';
import { displayName, entryMatches, normalizeName, personOf, type Approvers } from './identity';
import { ROLES, type Approval, type ApprovalRole } from './records';
import type { ChangeRequest } from './schemas';

export type ApprovalState = 'pending' | 'approved' | 'rejected';

export interface ApprovalEvaluation {
  state: ApprovalState;
  /** Required roles with no approve yet, in the order they are required. */
  missing: ApprovalRole[];
  /** The earliest reject, when there is one. */
  rejectedBy?: Approval;
}

/** Names compare as people read them: case, surrounding spaces and Unicode composition (Hangul) do not matter. */
export function sameIdentity(a: string, b: string): boolean {
  return normalizeName(a) === normalizeName(b);
}

/**
 * Any reject ends the change, whatever else was approved: one "no" from a required role is a veto.
 * Otherwise approved once every required role has at least one approve; extra approvals of a role,
 * or of a role not required, change nothing. When `requester` is given, the requester's own decisions
 * are ignored, so a self-approval that slipped past {@link assertMayApprove} still cannot count.
 */
export function evaluateApprovals(input: { required: readonly ApprovalRole[]; approvals: readonly Approval[]; requester?: string }): ApprovalEvaluation {
  // Stryker disable next-line ConditionalExpression,StringLiteral: with no requester the filter would compare with '', and no recorded approver is blank (assertMayApprove refuses a blank caller); the '' fallback is there for the type
  const counted = input.requester === undefined ? input.approvals : input.approvals.filter((a) => !sameIdentity(a.approver, input.requester ?? ''));
  const required = [...new Set(input.required)];
  const approvedRoles = new Set(counted.filter((a) => a.decision === 'approve').map((a) => a.role));
  const missing = required.filter((role) => !approvedRoles.has(role));
  const rejects = counted.filter((a) => a.decision === 'reject').sort((x, y) => x.at.localeCompare(y.at));
  const rejectedBy = rejects[0];
  if (rejectedBy) return { state: 'rejected', missing, rejectedBy };
  return { state: missing.length === 0 ? 'approved' : 'pending', missing };
}

const isRole = (value: string): value is ApprovalRole => (ROLES as readonly string[]).includes(value);

export interface MayApproveInput {
  /** The authenticated caller's id: an operator name or an IAM principal ARN. */
  approver: string;
  role: string;
  required: readonly ApprovalRole[];
  /** The requester named in the document (free text). */
  requester: string;
  /** For messages. */
  changeId?: string;
  /** The authenticated caller who submitted the change, when known. */
  submittedBy?: string;
  /** Who the profile lets approve as each role; deny by default. */
  approvers: Approvers;
  /** Decisions already recorded on this attempt: one person decides as at most one role. */
  recorded: readonly Approval[];
}

/**
 * Refuses an approval before it is recorded. In this order: no caller → ForbiddenError; a role this change does not
 * require (or no role at all) → ValidationError naming `role`; the submitter or the requester → ForbiddenError; a
 * caller the profile does not list for the role → ForbiddenError naming the role; a person who already decided as
 * another role on this attempt → ForbiddenError. Returns the role, narrowed, for the caller to record.
 */
export function assertMayApprove(input: MayApproveInput): ApprovalRole {
  if (!input.approver || !input.approver.trim()) {
    throw new ForbiddenError('an approval needs an authenticated caller');
  }
  if (!isRole(input.role) || !input.required.includes(input.role)) {
    const message = `role "${input.role}" is not required for this change (required: ${input.required.join(', ') || 'none'})`;
    throw new ValidationError(`role: ${message}`, [{ path: 'role', message }]);
  }
  const role = input.role;
  const person = personOf(input.approver);
  const who = displayName(input.approver);
  if (input.submittedBy !== undefined && personOf(input.submittedBy) === person) {
    throw new ForbiddenError(`${who} submitted ${input.changeId ? `change ${input.changeId}` : 'this change'} and may not approve it`);
  }
  if (sameIdentity(input.requester, who) || sameIdentity(input.requester, input.approver)) {
    throw new ForbiddenError(`${who} requested this change and may not approve it`);
  }
  const listed = input.approvers[role];
  if (listed.length === 0) {
    throw new ForbiddenError(`nobody may approve as ${role}: the profile lists no approvers.${role} (deny by default)`);
  }
  if (!listed.some((entry) => entryMatches(entry, input.approver))) {
    throw new ForbiddenError(`${input.approver.trim()} is not listed in the profile's approvers.${role}: may not approve as ${role}`);
  }
  const other = input.recorded.find((a) => personOf(a.approver) === person && a.role !== role);
  if (other) {
    throw new ForbiddenError(`${who} already decided as ${other.role} on attempt ${other.attempt}: one person approves as at most one role per attempt, not also as ${role}`);
  }
  return role;
}

/** What a submitted document says about an approval: recorded as written, typed loosely because it is not trusted. */
export interface ClaimedApproval {
  /** The key as written, e.g. `business_approval`. */
  key: string;
  /** The role the key names, when it names one. */
  role?: ApprovalRole;
  approver?: string;
  status?: string;
  timestamp?: string;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v : undefined);

/**
 * Lists the approvals the submitted document claims (the seed template's `approval:` block), for the
 * risk report and the change record only. This NEVER grants anything: a document can say whatever its
 * author likes, so a claim of "approved" is not an approval. Only {@link evaluateApprovals} over
 * approvals recorded through the approvals route decides.
 */
export function claimedApprovals(request: ChangeRequest): ClaimedApproval[] {
  return Object.entries(request.approval ?? {}).map(([key, value]) => {
    const roleWord = key.replace(/_approval$/i, '').toLowerCase();
    const claim: ClaimedApproval = { key, ...(isRole(roleWord) ? { role: roleWord } : {}) };
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const v = value as Record<string, unknown>;
      const approver = str(v.approver);
      const status = str(v.status);
      const timestamp = str(v.timestamp);
      if (approver !== undefined) claim.approver = approver;
      if (status !== undefined) claim.status = status;
      if (timestamp !== undefined) claim.timestamp = timestamp;
    } else if (str(value) !== undefined) {
      claim.status = str(value);
    }
    return claim;
  });
}
