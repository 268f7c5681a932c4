// What evaluateApprovals reports beside the state: the roles still missing when a change is rejected (a reject is no
// approve, so the rejecting role stays missing), and the requester's rejects ignored like their approves.
import { assertMayApprove, claimedApprovals, evaluateApprovals } from '../../lambdas/core/approvals';
import { ForbiddenError } from '../../lambdas/core/errors';
import type { Approval, ApprovalRole } from '../../lambdas/core/records';
import type { ChangeRequest } from '../../lambdas/core/schemas';

let minute = 0;
function decision(role: ApprovalRole, approver: string, kind: Approval['decision'] = 'approve'): Approval {
  minute += 1;
  return { changeId: 'CR-2026-001', attempt: 1, role, decision: kind, approver, at: `2026-01-01T00:${String(minute).padStart(2, '0')}:00Z` };
}

describe('evaluateApprovals beside the state', () => {
  it('should keep a role that only rejected among the missing ones', () => {
    // Prepare
    const reject = decision('security', 'Sam', 'reject');

    // Act
    const result = evaluateApprovals({ required: ['technical', 'business', 'security'], approvals: [decision('technical', 'Tia'), reject] });

    // Assess
    expect(result).toEqual({ state: 'rejected', missing: ['business', 'security'], rejectedBy: reject });
  });

  it('should ignore a reject by the requester, so it neither vetoes nor counts', () => {
    // Act
    const result = evaluateApprovals({
      required: ['technical', 'business'],
      approvals: [decision('technical', 'Tia'), decision('business', 'Req', 'reject'), decision('business', 'Bo')],
      requester: 'REQ ',
    });

    // Assess
    expect(result).toEqual({ state: 'approved', missing: [] });
  });
});

describe('assertMayApprove details', () => {
  const approvers = { technical: ['tia'], business: ['bo'], security: ['sam'], executive: [] };
  const base = { approver: 'tia', role: 'technical', required: ['technical' as const, 'business' as const], requester: 'someone else', approvers, recorded: [] as Approval[] };

  it('should name an unlisted caller without the spaces around it', () => {
    expect(() => assertMayApprove({ ...base, approver: '  bob ' })).toThrow(new ForbiddenError("bob is not listed in the profile's approvers.technical: may not approve as technical"));
  });

  it('should admit a listed caller who is not the submitter', () => {
    expect(assertMayApprove({ ...base, submittedBy: 'ops-kim' })).toBe('technical');
  });

  it('should let a person decide again as the role they already decided as', () => {
    expect(assertMayApprove({ ...base, recorded: [decision('technical', 'Tia')] })).toBe('technical');
  });
});

describe('claimedApprovals details', () => {
  const claims = (approval: Record<string, unknown>) => claimedApprovals({ approval } as unknown as ChangeRequest);

  it('should leave out blank fields entirely and read a bare status', () => {
    // Act
    const [blank, bare, none] = claims({ technical_approval: { approver: '  ', status: 'ok', timestamp: '' }, business_approval: 'approved', security_approval: '   ' });

    // Assess
    expect(blank).toStrictEqual({ key: 'technical_approval', role: 'technical', status: 'ok' });
    expect(bare).toStrictEqual({ key: 'business_approval', role: 'business', status: 'approved' });
    expect(none).toStrictEqual({ key: 'security_approval', role: 'security' });
  });

  it('should give a claim only the fields its object states', () => {
    // Act
    const [approverOnly, statusOnly] = claims({ technical_approval: { approver: 'kim' }, business_approval: { status: 'approved' } });

    // Assess
    expect(approverOnly).toStrictEqual({ key: 'technical_approval', role: 'technical', approver: 'kim' });
    expect(statusOnly).toStrictEqual({ key: 'business_approval', role: 'business', status: 'approved' });
  });

  it('should strip only a trailing _approval to find the role', () => {
    expect(claims({ busi_approvalness: 'x', Executive_APPROVAL: 'y' }).map((c) => c.role)).toEqual([undefined, 'executive']);
  });
});
