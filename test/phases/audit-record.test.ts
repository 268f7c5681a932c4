// auditChange without a hash to look for: the verified chain of a change's record and nothing about an expected hash;
// a hash held only by an event with no sequence is never counted as found.
import type { ChangeEvent } from '../../lambdas/core/records';
import { auditChange } from '../../lambdas/phases/audit';
import { recordEvent } from '../../lambdas/phases/common';
import type { Deps } from '../../lambdas/ports';
import { memoryDeps, submitted } from '../support/phase-deps';

describe('auditChange', () => {
  it('should verify the record and say nothing of an expected hash when none was given', async () => {
    // Arrange
    const deps = memoryDeps();
    const change = await submitted(deps, 'CR-2026-830');
    await recordEvent(deps, change, { type: 'test.note', message: 'note' });

    // Act
    const audit = await auditChange(deps, 'CR-2026-830');

    // Assess
    expect(audit).toMatchObject({ changeId: 'CR-2026-830', bodyHash: change.bodyHash, verified: true, count: 2 });
    expect(audit).not.toHaveProperty('expected');
  });

  it('should not count a hash held only by an event without a sequence', async () => {
    // Arrange
    const deps = memoryDeps();
    await submitted(deps, 'CR-2026-831');
    const events = await deps.store.listEvents('CR-2026-831');
    const loose = { ...events[0], id: 'ev-loose', seq: undefined, hash: 'loose-hash' } as unknown as ChangeEvent;
    const store = Object.assign(Object.create(deps.store) as Deps['store'], { listEvents: async () => [...events, loose] });

    // Act
    const audit = await auditChange({ store }, 'CR-2026-831', 'loose-hash');

    // Assess
    expect(audit.expected).toEqual({ hash: 'loose-hash', found: false });
  });
});
