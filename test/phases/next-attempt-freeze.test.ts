// The next attempt after a rollback starts now, so a freeze that began since submission applies to it too.
import { ConflictError } from '../../lambdas/core/errors';
import { FreezeSchema, type Freeze } from '../../lambdas/core/freeze';
import { recordApproval } from '../../lambdas/phases/approvals';
import { createHarness, testChange, testProfile, type Harness } from '../support/harness';

jest.setTimeout(30_000);

const freezeNow = (): Freeze => FreezeSchema.parse({
  name: 'launch', reason: 'product launch', start: new Date(Date.now() - 3600_000).toISOString(), end: new Date(Date.now() + 24 * 3600_000).toISOString(),
});

describe('the next attempt inside a freeze', () => {
  let h: Harness;
  afterEach(async () => { await h.close(); });

  async function rolledBack(type: string): Promise<void> {
    h = createHarness({ behaviour: (req) => (req.step.name === 'deploy' ? { status: 'Failed' } : { status: 'Success' }) });
    const name = await h.submit(testChange('CR-2026-900', (r) => { (r.change_request as Record<string, unknown>).type = type; }));
    await h.approveAll('CR-2026-900');
    await h.finish(name);
    expect((await h.store.getChange('CR-2026-900'))?.status).toBe('ROLLED_BACK');
  }

  it('should refuse approving the next attempt of a change that is not an emergency, naming the freeze, recording nothing', async () => {
    // Prepare
    await rolledBack('maintenance');

    // Act
    const approving = recordApproval(h.engine.deps, { changeId: 'CR-2026-900', role: 'technical', decision: 'approve', approver: 'alice', approvers: testProfile().approvers, freezes: [freezeNow()] });

    // Assess
    await expect(approving).rejects.toThrow(ConflictError);
    await expect(approving).rejects.toThrow(/attempt 2 would run .* inside the change freeze "launch" .*product launch\); only an emergency change may run in a freeze/);
    expect(await h.store.listApprovals('CR-2026-900', 2)).toEqual([]);
  });

  it('should require the executive for an emergency\'s next attempt, with the override on its record', async () => {
    // Prepare
    await rolledBack('emergency');

    // Act
    const first = await recordApproval(h.engine.deps, { changeId: 'CR-2026-900', role: 'technical', decision: 'approve', approver: 'alice', approvers: testProfile().approvers, freezes: [freezeNow()] });

    // Assess
    expect(first.missing).toEqual(['business', 'security', 'executive']);
    expect((await h.store.getChange('CR-2026-900'))?.requiredApprovals).toEqual(['technical', 'business', 'security', 'executive']);
    const overrides = (await h.store.listEvents('CR-2026-900')).filter((e) => e.type === 'freeze.override');
    expect(overrides).toHaveLength(1);
    expect(overrides[0]).toMatchObject({ attempt: 2, data: { attempt: 2, freezes: [{ name: 'launch' }] } });
  });
});
