// awaitApprovals counts the decisions given before the token was parked: a reject fails the token at once
// (ChangeRejected, naming the approver), a full quorum completes it, and only a missing quorum asks for approvals.
import { awaitApprovals } from '../../lambdas/phases/plan';
import { memoryDeps, recordingCallbacks, submitted } from '../support/phase-deps';

describe('awaitApprovals with decisions already given', () => {
  it('should fail the token with ChangeRejected naming the approver when a role already rejected, without asking for approvals', async () => {
    // Arrange
    const callbacks = recordingCallbacks();
    const deps = { ...memoryDeps(), callbacks };
    const change = await submitted(deps, 'CR-2026-970');
    const role = change.requiredApprovals[0] as typeof change.requiredApprovals[number];
    await deps.store.putApproval({ changeId: change.id, attempt: 1, role, decision: 'reject', approver: 'alice', at: new Date().toISOString() });

    // Act
    await awaitApprovals(deps, change.id, 1, 'approval-token');

    // Assess
    expect(callbacks.sent).toEqual([{ token: 'approval-token', outcome: 'failure', error: 'ChangeRejected', cause: 'rejected by alice' }]);
    expect(deps.notifier.sent.map((n) => n.kind)).not.toContain('approval-needed');
  });

  it('should complete the token as approved when every required role already approved', async () => {
    // Arrange
    const callbacks = recordingCallbacks();
    const deps = { ...memoryDeps(), callbacks };
    const change = await submitted(deps, 'CR-2026-971');
    for (const role of change.requiredApprovals) {
      await deps.store.putApproval({ changeId: change.id, attempt: 1, role, decision: 'approve', approver: `${role}-lead`, at: new Date().toISOString() });
    }

    // Act
    await awaitApprovals(deps, change.id, 1, 'approval-token');

    // Assess
    expect(callbacks.sent).toEqual([{ token: 'approval-token', outcome: 'success', output: { approved: true } }]);
    expect(deps.notifier.sent.map((n) => n.kind)).not.toContain('approval-needed');
  });

  it('should park the token and ask for the missing approvals when there is no decision yet', async () => {
    // Arrange
    const callbacks = recordingCallbacks();
    const deps = { ...memoryDeps(), callbacks };
    const change = await submitted(deps, 'CR-2026-972');

    // Act
    await awaitApprovals(deps, change.id, 1, 'approval-token');

    // Assess
    expect(callbacks.sent).toEqual([]);
    const asked = deps.notifier.sent.find((n) => n.kind === 'approval-needed');
    expect(asked?.text).toContain(`Missing approvals: ${change.requiredApprovals.join(', ')}.`);
    expect((await deps.store.getChange(change.id))?.status).toBe('AWAITING_APPROVAL');
  });
});
