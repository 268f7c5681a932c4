// Who a caller is, and whether the profile lets them approve as a role. A caller id is a local operator name
// (`runbook serve`) or the IAM principal ARN API Gateway authenticated (requestContext.identity.userArn).
// Shapes (IAM identifiers, https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns):
//   IAM user      arn:<partition>:iam::<account>:user[/path]/<user-name>
//   IAM role      arn:<partition>:iam::<account>:role[/path]/<role-name>
//   assumed role  arn:<partition>:sts::<account>:assumed-role/<role-name>/<role-session-name>
// The assumed-role ARN carries the role NAME without its path (see hashicorp/terraform-provider-aws#19957), so a
// role entry matches an assumed-role caller on partition, account and the last segment of the role's path.
import * as z from 'zod';
import { ROLES, type ApprovalRole } from './records';

const NAME = '[\\w+=,.@-]+';
const USER_OR_ROLE_ARN = new RegExp(`^arn:(aws[a-z-]*):iam::(\\d{12}):(user|role)((?:/${NAME})*)/(${NAME})$`);
const ASSUMED_ROLE_ARN = new RegExp(`^arn:(aws[a-z-]*):sts::(\\d{12}):assumed-role/(${NAME})/(${NAME})$`);
const OPERATOR_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

export type Principal =
  | { kind: 'operator'; name: string }
  | { kind: 'user' | 'role'; partition: string; account: string; path: string; name: string }
  | { kind: 'assumed-role'; partition: string; account: string; roleName: string; session: string }
  | { kind: 'other'; id: string };

export function parsePrincipal(id: string): Principal {
  const trimmed = id.trim();
  const iam = USER_OR_ROLE_ARN.exec(trimmed);
  // Stryker disable next-line StringLiteral: the path group always takes part in the match (possibly empty), so the fallback never applies
  if (iam) return { kind: iam[3] as 'user' | 'role', partition: iam[1] as string, account: iam[2] as string, path: iam[4] ?? '', name: iam[5] as string };
  const assumed = ASSUMED_ROLE_ARN.exec(trimmed);
  if (assumed) return { kind: 'assumed-role', partition: assumed[1] as string, account: assumed[2] as string, roleName: assumed[3] as string, session: assumed[4] as string };
  if (OPERATOR_NAME.test(trimmed)) return { kind: 'operator', name: trimmed };
  return { kind: 'other', id: trimmed };
}

/** Names compare as people read them: case, surrounding spaces and Unicode composition (Hangul) do not matter. */
export const normalizeName = (s: string): string => s.normalize('NFKC').trim().toLowerCase();

/**
 * The person behind a caller, for separation of duties. For an assumed role it is the session name (IAM Identity
 * Center sets it to the user's name), NOT the role: two people share a permission-set role, and one person
 * re-assuming another role under the same session name is still one person. An IAM user is its ARN; an operator
 * its name. The limit: a role whose trust policy lets the caller choose any session name lets one person appear as
 * many, so such roles must not be listed as approvers (README, "Who may approve").
 */
export function personOf(id: string): string {
  const p = parsePrincipal(id);
  switch (p.kind) {
    case 'operator': return normalizeName(p.name);
    case 'assumed-role': return normalizeName(p.session);
    case 'user': return `arn:${p.partition}:iam::${p.account}:user/${p.name.toLowerCase()}`;
    case 'role': return `arn:${p.partition}:iam::${p.account}:role/${p.name.toLowerCase()}`;
    default: return normalizeName(p.id);
  }
}

/** A short name for messages and for comparing with the requester written in a document. */
export function displayName(id: string): string {
  const p = parsePrincipal(id);
  if (p.kind === 'assumed-role') return p.session;
  if (p.kind === 'user') return p.name;
  return id.trim();
}

/** Whether one approvers entry (operator name, IAM user ARN or IAM role ARN) covers the caller. */
export function entryMatches(entry: string, callerId: string): boolean {
  const e = parsePrincipal(entry);
  const c = parsePrincipal(callerId);
  if (e.kind === 'operator') return c.kind === 'operator' && normalizeName(e.name) === normalizeName(c.name);
  if (e.kind === 'user') {
    // IAM names are unique case-insensitively; the path is part of the user ARN API Gateway reports.
    return c.kind === 'user' && c.partition === e.partition && c.account === e.account && c.path === e.path && c.name.toLowerCase() === e.name.toLowerCase();
  }
  if (e.kind === 'role') {
    if (c.kind === 'assumed-role') return c.partition === e.partition && c.account === e.account && c.roleName.toLowerCase() === e.name.toLowerCase();
    return c.kind === 'role' && c.partition === e.partition && c.account === e.account && c.name.toLowerCase() === e.name.toLowerCase();
  }
  return false;
}

/** One entry of `approvers.<role>`: an operator name, or an IAM user or role ARN (never a session, never a wildcard). */
export const ApproverEntrySchema = z.string().superRefine((value, ctx) => {
  const p = parsePrincipal(value);
  if (p.kind === 'operator' || p.kind === 'user' || p.kind === 'role') return;
  const message = p.kind === 'assumed-role'
    ? 'an assumed-role session ARN names one session, not who may approve: list the role ARN (arn:aws:iam::<account>:role/<name>)'
    : 'an operator name (letters, digits, . _ @ -) or an IAM user or role ARN (arn:aws:iam::<account>:user/<name> or :role/<name>); no wildcards';
  ctx.addIssue({ code: 'custom', message });
}).describe('A local operator name (runbook serve) or an IAM principal ARN: arn:aws:iam::<account>:user/<name>, or arn:aws:iam::<account>:role/<name> for everyone who assumes that role (the person is the session name).');

const roleList = (role: ApprovalRole) => z.array(ApproverEntrySchema).default([]).describe(`Who may approve (or reject) as ${role}.`);

export const ApproversSchema = z.object({
  technical: roleList('technical'),
  business: roleList('business'),
  security: roleList('security'),
  executive: roleList('executive'),
}).prefault({}).describe('Who may approve as each role. Deny by default: a role with no entries cannot be approved by anyone, so a change that needs it waits until the profile lists someone.');
export type Approvers = z.infer<typeof ApproversSchema>;

/** The roles the profile lets this caller approve as. */
export function rolesFor(approvers: Approvers, callerId: string): ApprovalRole[] {
  return ROLES.filter((role) => approvers[role].some((entry) => entryMatches(entry, callerId)));
}

/** IAM principals besides the approvers that may call the API on AWS (submitters, CI, readers). */
export const CallersSchema = z.array(ApproverEntrySchema).default([]).describe('On AWS, the IAM user or role ARNs besides the approvers that may call the API at all (submitters, CI, dashboards). Once the profile names any IAM principal (here or in approvers), the API\'s resource policy denies every other one. Operator names here mean nothing: local operators are admitted by their tokens.');

/** The IAM principal ARNs the profile names (approvers and callers), for the API's resource policy; operator names are left out. */
export function apiPrincipals(profile: { approvers: Approvers; callers: readonly string[] }): string[] {
  const all = [...ROLES.flatMap((role) => profile.approvers[role]), ...profile.callers];
  return [...new Set(all.filter((entry) => { const k = parsePrincipal(entry).kind; return k === 'user' || k === 'role'; }))].sort();
}
