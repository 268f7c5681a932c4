// Approval rules: who may approve, quorum by risk tier, reject wins, and document claims that grant nothing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertMayApprove, claimedApprovals, evaluateApprovals } from '../../lambdas/core/approvals';
import { ForbiddenError, ValidationError } from '../../lambdas/core/errors';
import type { Approvers } from '../../lambdas/core/identity';
import type { Approval, ApprovalRole } from '../../lambdas/core/records';
import { assessRisk, requiredApprovals } from '../../lambdas/core/risk';
import { parseChangeRequest, type ChangeRequest } from '../../lambdas/core/schemas';

const seedRequest = (): ChangeRequest => parseChangeRequest(readFileSync(join(__dirname, '..', '..', 'examples', 'CR-2025-001.change.yml'), 'utf8'));

let clock = 0;
function approval(role: ApprovalRole, approver: string, decision: Approval['decision'] = 'approve'): Approval {
  clock += 1;
  return { changeId: 'CR-2025-001', attempt: 1, role, decision, approver, at: new Date(Date.UTC(2025, 8, 22, 10, 0, clock)).toISOString() };
}

const STANDARD: ApprovalRole[] = ['technical', 'business', 'security'];
/** Everyone these tests approve as, listed for every role, so each test exercises the rule it names. */
const OPEN: Approvers = { technical: ['lead-architect', 'Bob', 'CEO'], business: ['Bob', 'Alice'], security: ['Bob'], executive: ['CEO', 'Bob'] };
const WITH_EXECUTIVE: ApprovalRole[] = [...STANDARD, 'executive'];

describe('assertMayApprove', () => {
  it('should let a different person approve a required role and return that role', () => {
    // Act
    const role = assertMayApprove({ requester: '이충원', approver: 'lead-architect', role: 'technical', required: STANDARD, approvers: OPEN, recorded: [] });

    // Assess
    expect(role).toBe('technical');
  });

  it.each([
    ['Alice', 'Alice'],
    ['Alice', 'alice'],
    ['  Alice ', 'ALICE'],
    ['이충원', ' 이충원 '],
  ])('should refuse self-approval when the requester is "%s" and the approver "%s"', (requester, approver) => {
    // Act
    const act = (): unknown => assertMayApprove({ requester, approver, role: 'business', required: STANDARD, approvers: OPEN, recorded: [] });

    // Assess
    expect(act).toThrow(ForbiddenError);
  });

  it('should refuse an approval without a caller identity', () => {
    // Act
    const act = (): unknown => assertMayApprove({ requester: 'Alice', approver: '  ', role: 'business', required: STANDARD, approvers: OPEN, recorded: [] });

    // Assess
    expect(act).toThrow(ForbiddenError);
  });

  it.each(['executive', 'janitor', ''])('should refuse role "%s" when this change does not require it, naming the field role', (role) => {
    // Act
    let error: unknown;
    try {
      assertMayApprove({ requester: 'Alice', approver: 'Bob', role, required: STANDARD, approvers: OPEN, recorded: [] });
    } catch (err) {
      error = err;
    }

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual(['role']);
    expect((error as ValidationError).message).toMatch(/^role: /);
  });

  it('should accept the executive role when the risk requires it', () => {
    // Act
    const role = assertMayApprove({ requester: 'Alice', approver: 'CEO', role: 'executive', required: WITH_EXECUTIVE, approvers: OPEN, recorded: [] });

    // Assess
    expect(role).toBe('executive');
  });
});

describe('assertMayApprove: approvers bound to roles and separation of duties', () => {
  // Assumed-role ARNs carry the role name without its path:
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns
  const SSO_ROLE = 'arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Approver_0123456789abcdef';
  const aliceViaSso = 'arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Approver_0123456789abcdef/alice@example.com';
  const approvers: Approvers = { technical: ['tess', SSO_ROLE], business: ['bo', 'tess'], security: [SSO_ROLE], executive: [] };
  const base = { requester: 'Rita Requester', required: WITH_EXECUTIVE, approvers, recorded: [] as Approval[] };
  const refusal = (input: Parameters<typeof assertMayApprove>[0]): Error | undefined => {
    try {
      assertMayApprove(input);
      return undefined;
    } catch (err) {
      return err as Error;
    }
  };

  it('should refuse a caller not listed for the role with 403 naming the role', () => {
    // Act
    const err = refusal({ ...base, approver: 'bo', role: 'technical' });

    // Assess
    expect(err).toBeInstanceOf(ForbiddenError);
    expect(err?.message).toBe("bo is not listed in the profile's approvers.technical: may not approve as technical");
  });

  it('should refuse everyone for a role the profile lists nobody for (deny by default)', () => {
    // Act
    const err = refusal({ ...base, approver: 'tess', role: 'executive' });

    // Assess
    expect(err).toBeInstanceOf(ForbiddenError);
    expect(err?.message).toMatch(/nobody may approve as executive: the profile lists no approvers\.executive/);
  });

  it('should admit an assumed-role session of a listed role whose ARN has a path', () => {
    // Act
    const role = assertMayApprove({ ...base, approver: aliceViaSso, role: 'security' });

    // Assess
    expect(role).toBe('security');
  });

  it('should refuse the same person a second role on the attempt, even under another role session', () => {
    // Prepare: alice approved technical through the SSO role; she comes back as a session of another role
    const recorded = [{ ...approval('technical', aliceViaSso) }];
    const otherRole = 'arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Approver_0123456789abcdef/ALICE@example.com';

    // Act
    const err = refusal({ ...base, recorded, approver: otherRole, role: 'security' });

    // Assess
    expect(err).toBeInstanceOf(ForbiddenError);
    expect(err?.message).toMatch(/already decided as technical on attempt 1: one person approves as at most one role per attempt, not also as security/);
  });

  it('should let a person listed for two roles decide as one of them', () => {
    // Prepare: someone else approved business
    const recorded = [approval('business', 'bo')];

    // Act
    const role = assertMayApprove({ ...base, recorded, approver: 'tess', role: 'technical' });

    // Assess
    expect(role).toBe('technical');
  });

  it('should refuse the submitter, compared as a person (session name), whatever role they are listed for', () => {
    // Act
    const err = refusal({ ...base, submittedBy: 'arn:aws:sts::123456789012:assumed-role/SubmitterRole/alice@example.com', approver: aliceViaSso, role: 'security' });

    // Assess
    expect(err).toBeInstanceOf(ForbiddenError);
    expect(err?.message).toMatch(/alice@example.com submitted this change and may not approve it/);
  });

  it('should refuse the requester named in the document when the caller is that person', () => {
    // Act
    const err = refusal({ ...base, requester: 'Alice@Example.com', approver: aliceViaSso, role: 'security' });

    // Assess
    expect(err).toBeInstanceOf(ForbiddenError);
    expect(err?.message).toMatch(/requested this change/);
  });
});

describe('evaluateApprovals', () => {
  it('should be pending with every role missing before anyone decides', () => {
    // Act
    const result = evaluateApprovals({ required: STANDARD, approvals: [] });

    // Assess
    expect(result).toEqual({ state: 'pending', missing: ['technical', 'business', 'security'] });
  });

  it('should be approved once technical, business and security approved a MEDIUM change', () => {
    // Prepare
    const required = requiredApprovals(assessRisk(seedRequest()));

    // Act
    const result = evaluateApprovals({ required, approvals: [approval('security', 'Sam'), approval('technical', 'Tia'), approval('business', 'Bo')] });

    // Assess
    expect(result).toEqual({ state: 'approved', missing: [] });
  });

  it('should still wait for the executive on a HIGH change after the three standard approvals', () => {
    // Prepare
    const approvals = [approval('technical', 'Tia'), approval('business', 'Bo'), approval('security', 'Sam')];

    // Act
    const waiting = evaluateApprovals({ required: WITH_EXECUTIVE, approvals });
    const done = evaluateApprovals({ required: WITH_EXECUTIVE, approvals: [...approvals, approval('executive', 'Eve')] });

    // Assess
    expect(waiting).toEqual({ state: 'pending', missing: ['executive'] });
    expect(done.state).toBe('approved');
  });

  it('should let one reject win over every approve, reporting the earliest reject wherever it is listed', () => {
    // Prepare
    const firstReject = approval('security', 'Sam', 'reject');
    const laterReject = approval('business', 'Ben', 'reject');
    const approves = [approval('technical', 'Tia'), approval('business', 'Bo'), approval('security', 'Sue'), approval('executive', 'Eve')];

    // Act
    const result = evaluateApprovals({ required: WITH_EXECUTIVE, approvals: [...approves, laterReject, firstReject] });

    // Assess
    expect(result).toEqual({ state: 'rejected', missing: [], rejectedBy: firstReject });
  });

  it('should count duplicate approvals of a role once and ignore duplicate required roles', () => {
    // Act
    const result = evaluateApprovals({
      required: ['technical', 'technical', 'business'],
      approvals: [approval('technical', 'Tia'), approval('technical', 'Tia'), approval('technical', 'Tom')],
    });

    // Assess
    expect(result).toEqual({ state: 'pending', missing: ['business'] });
  });

  it('should not let an approval of a role that is not required stand in for one that is', () => {
    // Act
    const result = evaluateApprovals({ required: STANDARD, approvals: [approval('technical', 'Tia'), approval('business', 'Bo'), approval('executive', 'Eve')] });

    // Assess
    expect(result).toEqual({ state: 'pending', missing: ['security'] });
  });

  it("should ignore the requester's own decisions when told who the requester is", () => {
    // Prepare
    const approvals = [approval('technical', 'Tia'), approval('business', '이충원'), approval('security', 'Sam')];

    // Act
    const result = evaluateApprovals({ required: STANDARD, approvals, requester: ' 이충원' });

    // Assess
    expect(result).toEqual({ state: 'pending', missing: ['business'] });
  });
});

describe('claimedApprovals', () => {
  it('should list what the seed document claims, role by role, as written', () => {
    // Act
    const claims = claimedApprovals(seedRequest());

    // Assess
    expect(claims).toEqual([
      { key: 'technical_approval', role: 'technical', approver: 'Lead Architect', status: 'pending' },
      { key: 'business_approval', role: 'business', approver: '이충원 (대표이사)', status: 'approved', timestamp: '2025-09-22T10:30:00Z' },
      { key: 'security_approval', role: 'security', approver: 'Security Officer', status: 'approved', timestamp: '2025-09-22T11:00:00Z' },
    ]);
  });

  it('should grant nothing: a document claiming every approval leaves the change pending', () => {
    // Prepare
    const request: ChangeRequest = {
      ...seedRequest(),
      approval: Object.fromEntries(STANDARD.map((r) => [`${r}_approval`, { approver: 'Someone', status: 'approved' }])),
    };

    // Act
    const claims = claimedApprovals(request);
    const result = evaluateApprovals({ required: STANDARD, approvals: [] });

    // Assess
    expect(claims.every((c) => c.status === 'approved')).toBe(true);
    expect(result.state).toBe('pending');
  });

  it('should tolerate odd shapes and no approval block at all', () => {
    // Prepare
    const request: ChangeRequest = { ...seedRequest(), approval: { cab_approval: 'approved', executive_approval: ['x'] } };
    const none: ChangeRequest = { ...seedRequest(), approval: undefined };

    // Act
    const claims = claimedApprovals(request);

    // Assess
    expect(claims).toEqual([{ key: 'cab_approval', status: 'approved' }, { key: 'executive_approval', role: 'executive' }]);
    expect(claimedApprovals(none)).toEqual([]);
  });
});
