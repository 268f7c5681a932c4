// The hash chain of a change's events: each link verifies, and the first broken one is named.
import { canonical, chainEvent, eventHash, verifyChain } from '../../lambdas/core/audit';
import type { ChangeEvent } from '../../lambdas/core/records';

const BODY = 'b'.repeat(64);

function chain(n: number): ChangeEvent[] {
  const events: ChangeEvent[] = [];
  let head = { seq: 0, hash: BODY };
  for (let i = 1; i <= n; i++) {
    const e = chainEvent({ changeId: 'CR-2026-001', attempt: 1, at: `2026-01-01T00:00:0${i}.000Z`, id: `id-${i}`, actor: 'engine', type: `step.${i}`, message: `step ${i}`, data: { i, list: [i, undefined] } }, head);
    events.push(e);
    head = { seq: e.seq as number, hash: e.hash as string };
  }
  return events;
}

describe('canonical', () => {
  it('should not depend on key order and should leave undefined members out', () => {
    // Act / Assess
    expect(canonical({ b: 1, a: { d: [1, 'x'], c: undefined } })).toBe(canonical({ a: { d: [1, 'x'] }, b: 1 }));
    expect(canonical({ a: 1 })).not.toBe(canonical({ a: '1' }));
  });
});

describe('verifyChain', () => {
  it('should verify an intact chain and give its head', () => {
    // Prepare
    const events = chain(4);

    // Act
    const result = verifyChain(BODY, [...events].reverse());

    // Assess
    expect(result).toEqual({ verified: true, count: 4, headSeq: 4, headHash: events[3]?.hash });
    expect(events[0]?.prevHash).toBe(BODY);
  });

  it('should name an event whose content was edited', () => {
    // Prepare
    const events = chain(4);
    (events[2] as ChangeEvent).message = 'nothing to see here';

    // Act
    const result = verifyChain(BODY, events);

    // Assess
    expect(result).toMatchObject({ verified: false, verifiedUpTo: 2, failure: { seq: 3, eventId: 'id-3', type: 'step.3', reason: 'its content does not match its hash (edited after it was written)' } });
  });

  it('should name the next event when an edited event was given a fresh hash', () => {
    // Prepare
    const events = chain(4);
    const edited = { ...(events[1] as ChangeEvent), actor: 'someone-else' };
    events[1] = { ...edited, hash: eventHash(edited) };

    // Act
    const result = verifyChain(BODY, events);

    // Assess
    expect(result).toMatchObject({ verified: false, failure: { seq: 3, reason: "its previous hash is not event 2's hash" } });
  });

  it('should name the event after a removed one', () => {
    // Prepare
    const events = chain(4);
    events.splice(1, 1);

    // Act
    const result = verifyChain(BODY, events);

    // Assess
    expect(result).toMatchObject({ verified: false, failure: { seq: 3, reason: 'event 2 is missing before it' } });
  });

  it('should refuse a chain that does not start at the change\'s body hash', () => {
    // Act
    const result = verifyChain('c'.repeat(64), chain(2));

    // Assess
    expect(result).toMatchObject({ verified: false, verifiedUpTo: 0, failure: { seq: 1, reason: "it does not chain to the change's submitted body hash" } });
  });

  it('should name an event recorded without a chain', () => {
    // Prepare
    const events = chain(1);
    const legacy: ChangeEvent = { changeId: 'CR-2026-001', attempt: 1, at: '2025-01-01T00:00:00.000Z', id: 'old', actor: 'engine', type: 'status', message: 'old' };

    // Act
    const result = verifyChain(BODY, [legacy, ...events]);

    // Assess
    expect(result).toMatchObject({ verified: false, failure: { eventId: 'old', reason: 'it is not chained (no sequence or hash)' } });
  });
});

describe('canonical text and failure details', () => {
  it('should write sorted keys, commas between members and null for undefined and null values', () => {
    // Act / Assess
    expect(canonical({ b: 1, a: [1, 'x', undefined, null], c: undefined })).toBe('{"a":[1,"x",null,null],"b":1}');
    expect(canonical(null)).toBe('null');
    expect(canonical(undefined)).toBe('null');
    expect(canonical([])).toBe('[]');
    expect(canonical({})).toBe('{}');
  });

  it('should name a repeated sequence number, with the whole failure', () => {
    // Prepare
    const events = chain(3);
    const copy = { ...(events[1] as ChangeEvent), id: 'id-2-again' };

    // Act
    const result = verifyChain(BODY, [events[0], events[1], copy, events[2]] as ChangeEvent[]);

    // Assess
    expect(result).toEqual({
      verified: false, count: 4, verifiedUpTo: 2,
      failure: { seq: 2, eventId: 'id-2-again', type: 'step.2', at: '2026-01-01T00:00:02.000Z', reason: 'it repeats sequence 2' },
    });
  });

  it('should take an unchained event after the chained ones and give its failure no sequence', () => {
    // Prepare
    const legacy: ChangeEvent = { changeId: 'CR-2026-001', attempt: 1, at: '2025-01-01T00:00:00.000Z', id: 'old', actor: 'engine', type: 'status', message: 'old' };

    // Act
    const result = verifyChain(BODY, [legacy, ...chain(2)]);

    // Assess: toStrictEqual, so a `seq: undefined` member would not pass for an absent one
    expect(result).toStrictEqual({
      verified: false, count: 3, verifiedUpTo: 2,
      failure: { eventId: 'old', type: 'status', at: '2025-01-01T00:00:00.000Z', reason: 'it is not chained (no sequence or hash)' },
    });
  });

  it('should call an event without its hash or its previous hash unchained', () => {
    // Prepare
    const [first, second] = chain(2) as [ChangeEvent, ChangeEvent];
    const { hash: _hash, ...noHash } = second;
    const { prevHash: _prevHash, ...noPrevHash } = second;
    const { seq: _seq, ...noSeq } = second;

    // Act + Assess
    for (const broken of [noHash, noPrevHash]) {
      expect(verifyChain(BODY, [first, broken])).toMatchObject({ verified: false, verifiedUpTo: 1, failure: { seq: 2, reason: 'it is not chained (no sequence or hash)' } });
    }
    expect(verifyChain(BODY, [first, noSeq])).toMatchObject({ verified: false, verifiedUpTo: 1, failure: { eventId: 'id-2', reason: 'it is not chained (no sequence or hash)' } });
  });

  it('should verify an empty list with the body hash as its head', () => {
    expect(verifyChain(BODY, [])).toEqual({ verified: true, count: 0, headSeq: 0, headHash: BODY });
  });
});
