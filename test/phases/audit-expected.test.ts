// auditChange with a head hash kept elsewhere (a report, a notification): whether the verified chain holds that hash,
// and at which sequence; a hash found only past the first broken link proves nothing.
import type { ChangeEvent } from '../../lambdas/core/records';
import { auditChange } from '../../lambdas/phases/audit';
import { recordEvent } from '../../lambdas/phases/common';
import type { Deps } from '../../lambdas/ports';
import { memoryDeps, submitted } from '../support/phase-deps';

/** A change with the submit's events and three more, and its stored events in sequence order. */
async function chained(id: string): Promise<{ deps: ReturnType<typeof memoryDeps>; events: ChangeEvent[]; bodyHash: string }> {
  const deps = memoryDeps();
  const change = await submitted(deps, id);
  for (const n of [1, 2, 3]) await recordEvent(deps, change, { type: 'test.note', phase: 'PLAN', message: `note ${n}` });
  const events = (await deps.store.listEvents(id)).sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
  return { deps, events, bodyHash: change.bodyHash };
}

describe('auditChange with an expected hash', () => {
  it('should find the submitted body hash at sequence 0', async () => {
    // Arrange
    const { deps, bodyHash } = await chained('CR-2026-940');

    // Act
    const audit = await auditChange(deps, 'CR-2026-940', bodyHash);

    // Assess
    expect(audit.verified).toBe(true);
    expect(audit.expected).toEqual({ hash: bodyHash, found: true, seq: 0 });
  });

  it('should find the head hash of a verified chain at the head sequence', async () => {
    // Arrange
    const { deps, events } = await chained('CR-2026-941');
    const head = events[events.length - 1] as ChangeEvent;

    // Act
    const audit = await auditChange(deps, 'CR-2026-941', head.hash);

    // Assess
    expect(events.length).toBeGreaterThanOrEqual(4);
    expect(audit.expected).toEqual({ hash: head.hash, found: true, seq: head.seq });
  });

  it('should find a middle event\'s hash at that event\'s sequence', async () => {
    // Arrange
    const { deps, events } = await chained('CR-2026-942');
    const middle = events[1] as ChangeEvent;

    // Act
    const audit = await auditChange(deps, 'CR-2026-942', middle.hash);

    // Assess
    expect(audit.expected).toEqual({ hash: middle.hash, found: true, seq: 2 });
  });

  it('should not find a hash the chain does not hold, and give no sequence', async () => {
    // Arrange
    const { deps } = await chained('CR-2026-943');
    const unknown = 'f'.repeat(64);

    // Act
    const audit = await auditChange(deps, 'CR-2026-943', unknown);

    // Assess
    expect(audit.expected).toEqual({ hash: unknown, found: false });
  });

  it('should not count a hash found past the first broken link, but count one before it', async () => {
    // Arrange: event 2 was edited after it was written, so only event 1 verifies
    const { deps, events } = await chained('CR-2026-944');
    const tampered = events.map((e) => (e.seq === 2 ? { ...e, message: 'edited' } : e));
    const store = Object.assign(Object.create(deps.store) as Deps['store'], { listEvents: async () => tampered });
    const past = events[2] as ChangeEvent;
    const before = events[0] as ChangeEvent;

    // Act
    const afterBreak = await auditChange({ store }, 'CR-2026-944', past.hash);
    const beforeBreak = await auditChange({ store }, 'CR-2026-944', before.hash);

    // Assess
    expect(afterBreak.verified).toBe(false);
    expect(afterBreak.expected).toEqual({ hash: past.hash, found: false });
    expect(beforeBreak.expected).toEqual({ hash: before.hash, found: true, seq: 1 });
  });
});
