// What evaluateApprovals reports beside the state: the roles still missing when a change is rejected (a reject is no
// approve, so the rejecting role stays missing), and the requester's rejects ignored like their approves.
import { evaluateApprovals } from '../../lambdas/core/approvals';
import type { Approval, ApprovalRole } from '../../lambdas/core/records';

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
