// Approvers entries at their edges: a user ARN's path, a session ARN listed as an entry (which never matches), ids that
// are no principal, and the order of the API's principal list. ARN shapes:
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns
import { apiPrincipals, entryMatches, parsePrincipal } from '../../lambdas/core/identity';

const ACCOUNT = '123456789012';

describe('entryMatches at the edges', () => {
  it('should match an IAM user entry only with the same path', () => {
    // Arrange
    const entry = `arn:aws:iam::${ACCOUNT}:user/ops/alice`;

    // Act + Assess
    expect(entryMatches(entry, `arn:aws:iam::${ACCOUNT}:user/ops/Alice`)).toBe(true);
    expect(entryMatches(entry, `arn:aws:iam::${ACCOUNT}:user/alice`)).toBe(false);
    expect(entryMatches(entry, `arn:aws:iam::${ACCOUNT}:user/dev/alice`)).toBe(false);
  });

  it('should match an IAM user entry only with that user, not another user nor a role of the same name', () => {
    // Arrange
    const entry = `arn:aws:iam::${ACCOUNT}:user/alice`;

    // Act + Assess
    expect(entryMatches(entry, `arn:aws:iam::${ACCOUNT}:user/bob`)).toBe(false);
    expect(entryMatches(entry, `arn:aws:iam::${ACCOUNT}:role/alice`)).toBe(false);
    expect(entryMatches(entry, `arn:aws:iam::${ACCOUNT}:user/ALICE`)).toBe(true);
  });

  it('should never match an entry that is a session or no principal at all', () => {
    // Arrange
    const session = `arn:aws:sts::${ACCOUNT}:assumed-role/Deployer/alice`;

    // Act + Assess
    expect(entryMatches(session, session)).toBe(false);
    expect(entryMatches('*', session)).toBe(false);
    expect(entryMatches('*', '*')).toBe(false);
  });
});

describe('parsePrincipal of what is no principal', () => {
  it('should call a wildcard or a malformed ARN other, keeping the trimmed id', () => {
    // Act + Assess
    expect(parsePrincipal(' * ')).toEqual({ kind: 'other', id: '*' });
    expect(parsePrincipal('arn:aws:iam::1:user/x')).toEqual({ kind: 'other', id: 'arn:aws:iam::1:user/x' });
  });
});

describe('apiPrincipals order', () => {
  it('should list the IAM principals once each, sorted, whatever order the profile gives them in', () => {
    // Arrange
    const role = `arn:aws:iam::${ACCOUNT}:role/Deployer`;
    const user = `arn:aws:iam::${ACCOUNT}:user/alice`;
    const approvers = { technical: [role, 'operator-kim'], business: [], security: [user], executive: [] };

    // Act
    const principals = apiPrincipals({ approvers, callers: [user, `arn:aws:iam::${ACCOUNT}:role/Auditor`] });

    // Assess
    expect(principals).toEqual([`arn:aws:iam::${ACCOUNT}:role/Auditor`, role, user]);
  });
});
