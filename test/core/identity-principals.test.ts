// The identity rules identity.test.ts leaves open: an approvers entry naming a role matched by that role itself, the
// short names used in messages, the persons behind IAM roles and unknown ids, and the principal list the API's
// resource policy is built from. Also the event order every listing uses (audit.compareEvents) and the resume
// execution name. ARN shapes: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns
import { compareEvents } from '../../lambdas/core/audit';
import { apiPrincipals, displayName, entryMatches, parsePrincipal, personOf } from '../../lambdas/core/identity';
import { resumeExecutionName, type ChangeEvent } from '../../lambdas/core/records';

const ROLE = 'arn:aws:iam::123456789012:role/ops/Deployer';

describe('entryMatches for a role entry and a role caller', () => {
  it.each([
    ['the same role, another case', 'arn:aws:iam::123456789012:role/ops/deployer', true],
    ['the same role name on another path (role ARNs in sessions carry no path)', 'arn:aws:iam::123456789012:role/Deployer', true],
    ['another role', 'arn:aws:iam::123456789012:role/ops/Reader', false],
    ['the same role in another account', 'arn:aws:iam::999999999999:role/ops/Deployer', false],
    ['the same role in another partition', 'arn:aws-cn:iam::123456789012:role/ops/Deployer', false],
    ['a user of that name', 'arn:aws:iam::123456789012:user/ops/Deployer', false],
    ['an operator of that name', 'Deployer', false],
  ])('should match %s: %s', (_what, caller, expected) => {
    expect(entryMatches(ROLE, caller)).toBe(expected);
  });

  it('should match nothing for an entry that is no principal at all', () => {
    expect(entryMatches('not a principal!', 'not a principal!')).toBe(false);
  });

  it('should not match a user entry with a user of another account or partition', () => {
    expect(entryMatches('arn:aws:iam::123456789012:user/bob', 'arn:aws:iam::999999999999:user/bob')).toBe(false);
    expect(entryMatches('arn:aws:iam::123456789012:user/bob', 'arn:aws-us-gov:iam::123456789012:user/bob')).toBe(false);
    expect(entryMatches('arn:aws:iam::123456789012:user/bob', 'arn:aws:iam::123456789012:user/BOB')).toBe(true);
  });
});

describe('parsePrincipal, personOf and displayName', () => {
  it('should read a user ARN without a path as an empty path, and trim the id', () => {
    expect(parsePrincipal(' arn:aws:iam::123456789012:user/bob ')).toEqual({ kind: 'user', partition: 'aws', account: '123456789012', path: '', name: 'bob' });
    expect(parsePrincipal('arn:aws:iam::123456789012:user/a/b/bob')).toEqual({ kind: 'user', partition: 'aws', account: '123456789012', path: '/a/b', name: 'bob' });
  });

  it('should take a role as one person whatever its path or case, and an unknown id by its normalised text', () => {
    expect(personOf(ROLE)).toBe('arn:aws:iam::123456789012:role/deployer');
    expect(personOf('arn:aws:iam::123456789012:role/Deployer')).toBe(personOf(ROLE));
    expect(personOf(' Lead Architect ')).toBe('lead architect');
    expect(personOf('ＡＬＩＣＥ')).toBe('alice');
  });

  it('should give the session of an assumed role, the name of a user, and the trimmed id otherwise', () => {
    expect(displayName('arn:aws:sts::123456789012:assumed-role/Tech/alice')).toBe('alice');
    expect(displayName('arn:aws:iam::123456789012:user/ops/Bob')).toBe('Bob');
    expect(displayName(` ${ROLE} `)).toBe(ROLE);
    expect(displayName(' carol ')).toBe('carol');
  });
});

describe('apiPrincipals', () => {
  it('should list each IAM user and role ARN of the approvers and callers once, sorted, and no operator names', () => {
    // Prepare
    const user = 'arn:aws:iam::123456789012:user/ci';
    const profile = {
      approvers: { technical: ['alice', ROLE], business: [ROLE], security: ['carol'], executive: [] },
      callers: [user, 'dashboard'],
    };

    // Act + Assess
    expect(apiPrincipals(profile)).toEqual([ROLE, user]);
    expect(apiPrincipals({ approvers: { technical: ['alice'], business: [], security: [], executive: [] }, callers: [] })).toEqual([]);
  });
});

describe('compareEvents', () => {
  const ev = (at: string, id: string, seq?: number): ChangeEvent => ({ changeId: 'CR-1', attempt: 1, at, id, actor: 'x', type: 't', message: 'm', ...(seq !== undefined ? { seq } : {}) });

  it('should order by time first, whatever the sequence', () => {
    const a = ev('2026-01-01T00:00:01Z', 'a', 9);
    const b = ev('2026-01-01T00:00:02Z', 'b', 1);
    expect(compareEvents(a, b)).toBe(-1000);
    expect(compareEvents(b, a)).toBe(1000);
  });

  it('should order events of the same instant by sequence, an unchained one last, then by id', () => {
    const at = '2026-01-01T00:00:00Z';
    expect(compareEvents(ev(at, 'z', 2), ev(at, 'a', 5))).toBe(-3);
    expect(compareEvents(ev(at, 'a'), ev(at, 'z', 5))).toBeGreaterThan(0);
    expect(compareEvents(ev(at, 'a'), ev(at, 'b'))).toBe(-1);
    expect(compareEvents(ev(at, 'b'), ev(at, 'a'))).toBe(1);
    expect(compareEvents(ev(at, 'a', 1), ev(at, 'a', 1))).toBe(0);
  });

  it('should fall back to sequence and id when a time cannot be read', () => {
    expect(compareEvents(ev('not a time', 'a', 2), ev('2026-01-01T00:00:00Z', 'b', 1))).toBe(1);
    expect(compareEvents(ev('2026-01-01T00:00:00Z', 'b', 1), ev('garbage', 'a', 2))).toBe(-1);
  });

  it('should sort a list the way the listings show it', () => {
    const list = [ev('2026-01-01T00:00:05Z', 'c', 3), ev('2026-01-01T00:00:00Z', 'b', 2), ev('2026-01-01T00:00:00Z', 'a', 1), ev('2026-01-01T00:00:00Z', 'd')];
    expect([...list].sort(compareEvents).map((e) => e.id)).toEqual(['a', 'b', 'd', 'c']);
  });
});

describe('resumeExecutionName', () => {
  it('should name the n-th resume of an attempt <id>-<attempt>-r<n>, also for the first attempt', () => {
    expect(resumeExecutionName('CR-2026-101', 1, 1)).toBe('CR-2026-101-1-r1');
    expect(resumeExecutionName('CR-2026-101', 3, 12)).toBe('CR-2026-101-3-r12');
  });
});
