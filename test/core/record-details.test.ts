// Small record details that mutation testing found unpinned: the canonical form of arrays with holes and of values
// JSON cannot write, a repeated sequence in the hash chain, a risk's owner, and the wording of two approval refusals.
import { assertMayApprove } from '../../lambdas/core/approvals';
import { canonical, chainEvent, verifyChain } from '../../lambdas/core/audit';
import { ForbiddenError, ValidationError } from '../../lambdas/core/errors';
import type { ChangeEvent } from '../../lambdas/core/records';
import { parseDuration } from '../../lambdas/core/duration';
import { assessRisk } from '../../lambdas/core/risk';
import type { ChangeRequest } from '../../lambdas/core/schemas';

describe('canonical', () => {
  it('should write an undefined array item as null, as JSON does, and a value JSON cannot write as null', () => {
    expect(canonical([1, undefined, 'a'])).toBe('[1,null,"a"]');
    expect(canonical(undefined)).toBe('null');
    expect(canonical(() => 1)).toBe('null');
    expect(canonical({ b: [undefined], a: null })).toBe('{"a":null,"b":[null]}');
  });
});

describe('verifyChain', () => {
  it('should name an event that repeats the sequence of the one before it', () => {
    // Prepare: two chained events, then a third that claims seq 2 again
    const base = { changeId: 'CR-2026-001', attempt: 1, actor: 'engine', message: 'm' };
    const one = chainEvent({ ...base, at: '2026-01-01T00:00:01.000Z', id: 'a', type: 't1' }, { seq: 0, hash: 'b'.repeat(64) });
    const two = chainEvent({ ...base, at: '2026-01-01T00:00:02.000Z', id: 'b', type: 't2' }, { seq: one.seq as number, hash: one.hash as string });
    const again: ChangeEvent = { ...two, id: 'c', type: 't3' };

    // Act
    const result = verifyChain('b'.repeat(64), [one, two, again]);

    // Assess
    expect(result).toMatchObject({ verified: false, verifiedUpTo: 2, failure: { seq: 2, eventId: 'c', reason: 'it repeats sequence 2' } });
  });
});

describe('assessRisk', () => {
  it('should keep a risk\'s owner and mitigation when given and leave them out otherwise', () => {
    // Prepare
    const request = { risks_and_mitigations: [
      { risk: 'db lock', probability: 'low', impact: 'minor', mitigation: 'off-peak', owner: 'dba-kim' },
      { risk: 'cache cold', probability: 'low', impact: 'minor' },
    ] } as unknown as ChangeRequest;

    // Act
    const [withOwner, bare] = assessRisk(request).items;

    // Assess
    expect(withOwner).toMatchObject({ id: 'R001', mitigation: 'off-peak', owner: 'dba-kim' });
    expect(bare && Object.keys(bare)).toEqual(['id', 'description', 'probability', 'impact', 'score', 'level', 'requires_executive_approval']);
  });
});

describe('assertMayApprove wording', () => {
  const approvers = { technical: ['tia'], business: ['bo'], security: ['sam'], executive: [] };
  const base = { approver: 'tia', role: 'technical', required: ['technical' as const], requester: 'someone else', approvers, recorded: [] };

  it('should refuse a blank caller first, before looking at the role', () => {
    for (const approver of ['', '   ']) {
      expect(() => assertMayApprove({ ...base, approver })).toThrow(new ForbiddenError('an approval needs an authenticated caller'));
      expect(() => assertMayApprove({ ...base, approver, role: 'janitor' })).toThrow(ForbiddenError);
    }
  });

  it('should admit a listed caller when the submitter is not known, returning the role', () => {
    expect(assertMayApprove({ ...base })).toBe('technical');
  });

  it('should list the required roles, comma-separated, when the role is not one of them', () => {
    expect(() => assertMayApprove({ ...base, role: 'security', required: ['technical', 'business'] }))
      .toThrow(new ValidationError('role: role "security" is not required for this change (required: technical, business)', []));
  });

  it('should say "none" when the change requires no role at all', () => {
    expect(() => assertMayApprove({ ...base, required: [] })).toThrow(new ValidationError('role: role "technical" is not required for this change (required: none)', []));
  });

  it('should name the change the submitter may not approve, when its id is known', () => {
    expect(() => assertMayApprove({ ...base, submittedBy: 'TIA', changeId: 'CR-2026-007' })).toThrow(new ForbiddenError('tia submitted change CR-2026-007 and may not approve it'));
    expect(() => assertMayApprove({ ...base, submittedBy: 'tia' })).toThrow(new ForbiddenError('tia submitted this change and may not approve it'));
  });
});

describe('parseDuration on a value that is not text', () => {
  it('should refuse it naming the field, as a document read from JSON may hold a number', () => {
    expect(() => parseDuration(90 as unknown as string, 'timeline.estimated_duration'))
      .toThrow(new ValidationError('timeline.estimated_duration: not a string (expected e.g. "2 hours", "30 minutes", "90s" or "1h30m")', []));
  });
});
