// Approval rules: who may approve, quorum by risk tier, reject wins, and document claims that grant nothing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertMayApprove, claimedApprovals, evaluateApprovals } from '../../lambdas/core/approvals';
import { ForbiddenError, ValidationError } from '../../lambdas/core/errors';
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
const WITH_EXECUTIVE: ApprovalRole[] = [...STANDARD, 'executive'];

describe('assertMayApprove', () => {
  it('should let a different person approve a required role and return that role', () => {
    // Act
    const role = assertMayApprove({ requester: '이충원', approver: 'Lead Architect', role: 'technical', required: STANDARD });

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
    const act = (): unknown => assertMayApprove({ requester, approver, role: 'business', required: STANDARD });

    // Assess
    expect(act).toThrow(ForbiddenError);
  });

  it('should refuse an approval without a caller identity', () => {
    // Act
    const act = (): unknown => assertMayApprove({ requester: 'Alice', approver: '  ', role: 'business', required: STANDARD });

    // Assess
    expect(act).toThrow(ForbiddenError);
  });

  it.each(['executive', 'janitor', ''])('should refuse role "%s" when this change does not require it, naming the field role', (role) => {
    // Act
    let error: unknown;
    try {
      assertMayApprove({ requester: 'Alice', approver: 'Bob', role, required: STANDARD });
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
    const role = assertMayApprove({ requester: 'Alice', approver: 'CEO', role: 'executive', required: WITH_EXECUTIVE });

    // Assess
    expect(role).toBe('executive');
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
