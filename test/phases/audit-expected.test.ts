// auditChange with a head hash kept elsewhere (a report, a notification): whether the verified chain holds that hash,
// and at which sequence; a hash found only past the first broken link proves nothing.
import type { ChangeEvent } from '../../lambdas/core/records';
import { auditChange, describeFailure, recordSummary } from '../../lambdas/phases/audit';
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

describe('recordSummary', () => {
  it('should give the head sequence and hash of a verified record', async () => {
    // Arrange
    const { deps, events } = await chained('CR-2026-945');
    const head = events[events.length - 1] as ChangeEvent;

    // Act
    const summary = await recordSummary(deps, 'CR-2026-945');

    // Assess
    expect(summary).toEqual({ verified: true, events: events.length, headSeq: head.seq, headHash: head.hash });
  });

  it('should say which event does not verify, and why, when the record was edited', async () => {
    // Arrange
    const { deps, events } = await chained('CR-2026-946');
    const edited = events[1] as ChangeEvent;
    const tampered = events.map((e) => (e.seq === 2 ? { ...e, message: 'edited' } : e));
    const store = Object.assign(Object.create(deps.store) as Deps['store'], { listEvents: async () => tampered });

    // Act
    const summary = await recordSummary({ store }, 'CR-2026-946');

    // Assess
    expect(summary).toEqual({
      verified: false, events: events.length,
      failure: `event #2 (${edited.type}, ${edited.at}, id ${edited.id}) does not verify: its content does not match its hash (edited after it was written)`,
    });
  });

  it('should describe an event without a sequence without a number', () => {
    // Arrange
    const failure = { eventId: 'ev-1', type: 'change.note', at: '2026-12-02T08:00:00.000Z', reason: 'it is not chained (no sequence or hash)' };

    // Act
    const text = describeFailure(failure);

    // Assess
    expect(text).toBe('event (change.note, 2026-12-02T08:00:00.000Z, id ev-1) does not verify: it is not chained (no sequence or hash)');
  });
});
