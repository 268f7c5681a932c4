// Callers and approvers entries: operator names, IAM users, IAM roles and the sessions that assume them.
// ARN shapes: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns
// (user arn:aws:iam::ACCT:user[/path]/NAME; role arn:aws:iam::ACCT:role[/path]/NAME; assumed role
// arn:aws:sts::ACCT:assumed-role/ROLE-NAME/SESSION — the role's path is not in it, see
// https://github.com/hashicorp/terraform-provider-aws/issues/19957).
import { ApproversSchema, entryMatches, personOf, rolesFor } from '../../lambdas/core/identity';
import { EnvironmentProfileSchema } from '../../lambdas/core/schemas';
import { testProfile } from '../support/fixtures';

const ROLE_WITH_PATH = 'arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Tech_abc123';
const SESSION = 'arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Tech_abc123/alice';

describe('entryMatches', () => {
  it.each([
    ['a role ARN with a path, and a session of that role', ROLE_WITH_PATH, SESSION, true],
    ['a role ARN, and a session of that role in another account', ROLE_WITH_PATH, 'arn:aws:sts::999999999999:assumed-role/AWSReservedSSO_Tech_abc123/alice', false],
    ['a role ARN, and a session of another role', ROLE_WITH_PATH, 'arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Ops_abc123/alice', false],
    ['a role ARN, and the same session in another partition', ROLE_WITH_PATH, 'arn:aws-cn:sts::123456789012:assumed-role/AWSReservedSSO_Tech_abc123/alice', false],
    ['a user ARN, and that user', 'arn:aws:iam::123456789012:user/ops/bob', 'arn:aws:iam::123456789012:user/ops/bob', true],
    ['a user ARN, and a user of the same name on another path', 'arn:aws:iam::123456789012:user/ops/bob', 'arn:aws:iam::123456789012:user/bob', false],
    ['a user ARN, and a session whose name is the user name', 'arn:aws:iam::123456789012:user/bob', 'arn:aws:sts::123456789012:assumed-role/Any/bob', false],
    ['an operator name, and that operator in another case', 'tech-lead', 'Tech-Lead', true],
    ['an operator name, and a session of that name', 'alice', SESSION, false],
  ])('should match %s: %s', (_what, entry, caller, expected) => {
    // Act / Assess
    expect(entryMatches(entry, caller)).toBe(expected);
  });
});

describe('personOf', () => {
  it('should take the session name as the person of an assumed role, so two roles under one name are one person', () => {
    // Act / Assess
    expect(personOf(SESSION)).toBe('alice');
    expect(personOf('arn:aws:sts::123456789012:assumed-role/Other/ALICE')).toBe(personOf(SESSION));
    expect(personOf('arn:aws:iam::123456789012:user/ops/Bob')).toBe('arn:aws:iam::123456789012:user/bob');
  });
});

describe('approvers in the profile', () => {
  it('should default to nobody for every role (deny by default)', () => {
    // Act
    const approvers = ApproversSchema.parse(undefined);

    // Assess
    expect(approvers).toEqual({ technical: [], business: [], security: [], executive: [] });
    expect(rolesFor(approvers, 'anyone')).toEqual([]);
  });

  it.each([
    ['an assumed-role session', 'arn:aws:sts::123456789012:assumed-role/Tech/alice', /list the role ARN/],
    ['a wildcard', 'arn:aws:iam::123456789012:role/*', /no wildcards/],
    ['a name with spaces', 'Lead Architect', /operator name/],
  ])('should refuse %s, naming the entry\'s path', (_what, entry, message) => {
    // Act
    const result = EnvironmentProfileSchema.safeParse({ ...testProfile(), approvers: { security: ['ok-name', entry] } });

    // Assess
    expect(result.success).toBe(false);
    const issue = result.error?.issues[0];
    expect(issue?.path).toEqual(['approvers', 'security', 1]);
    expect(issue?.message).toMatch(message);
  });

  it('should list the roles a caller holds', () => {
    // Act / Assess
    expect(rolesFor({ technical: [ROLE_WITH_PATH], business: ['bo'], security: [ROLE_WITH_PATH], executive: [] }, SESSION)).toEqual(['technical', 'security']);
  });
});
