// Approvals as API Gateway delivers them on AWS: the caller is requestContext.identity.userArn (an assumed-role
// session for IAM Identity Center users), matched against the profile's role ARNs; the person is the session name.
// Shapes: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html
// ($context.identity.userArn) and https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { toApiRequest } from '../../lambdas/api/apigateway';
import { createApi, type Api } from '../../lambdas/api/router';
import { submitChange } from '../../lambdas/phases/submit';
import { apiGatewayEvent } from '../support/apigateway';
import { eventually, silentLog } from '../support/fakes';
import { createHarness, testChange, testProfile, type Harness } from '../support/harness';

const TECH_ROLE = 'arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_RunbookTechnical_0a1b2c3d4e5f6a7b';
const SEC_ROLE = 'arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_RunbookSecurity_1b2c3d4e5f6a7b8c';
const session = (role: string, name: string): string => `arn:aws:sts::123456789012:assumed-role/${role}/${name}`;
const profile = testProfile({ approvers: { technical: [TECH_ROLE], business: ['arn:aws:iam::123456789012:user/bo'], security: [SEC_ROLE], executive: [] } });

function approval(user: string, role: string): APIGatewayProxyEvent {
  return apiGatewayEvent('POST', '/changes/CR-2026-900/approvals', {
    body: JSON.stringify({ role, decision: 'approve' }), headers: { 'Content-Type': 'application/json' }, user, caller: 'AROAEXAMPLE:x',
  });
}

describe('approvals by IAM principals', () => {
  let h: Harness;
  let api: Api;
  beforeEach(async () => {
    h = createHarness();
    api = createApi({ deps: h.engine.deps, control: h.engine, profile: async () => profile, engine: 'aws' }, { log: silentLog });
    await submitChange(h.engine.deps, { request: testChange(), profile, submittedBy: session('AWSReservedSSO_RunbookOperator_2c3d4e5f6a7b8c9d', 'olivia') });
    await eventually(async () => (await h.store.getChange('CR-2026-900'))?.status, (s) => s === 'AWAITING_APPROVAL');
  });
  afterEach(async () => { await h.close(); });

  const call = async (user: string, role: string): Promise<{ status: number; body: { error?: { message: string }; approver?: string } }> => {
    const res = await api(toApiRequest(approval(user, role)));
    return { status: res.statusCode, body: JSON.parse(res.body) };
  };

  it('should admit sessions of the listed roles, one role per person, and refuse the submitter and unlisted roles naming the role', async () => {
    // Act
    const alice = await call(session('AWSReservedSSO_RunbookTechnical_0a1b2c3d4e5f6a7b', 'alice'), 'technical');
    const aliceAgain = await call(session('AWSReservedSSO_RunbookSecurity_1b2c3d4e5f6a7b8c', 'alice'), 'security');
    const submitter = await call(session('AWSReservedSSO_RunbookSecurity_1b2c3d4e5f6a7b8c', 'olivia'), 'security');
    const otherRole = await call(session('SomeAdminRole', 'mallory'), 'security');
    const otherAccount = await call('arn:aws:sts::999999999999:assumed-role/AWSReservedSSO_RunbookSecurity_1b2c3d4e5f6a7b8c/carol', 'security');
    const carol = await call(session('AWSReservedSSO_RunbookSecurity_1b2c3d4e5f6a7b8c', 'carol'), 'security');
    const bo = await call('arn:aws:iam::123456789012:user/bo', 'business');

    // Assess
    expect(alice).toMatchObject({ status: 201, body: { approver: session('AWSReservedSSO_RunbookTechnical_0a1b2c3d4e5f6a7b', 'alice') } });
    expect(aliceAgain).toMatchObject({ status: 403, body: { error: { message: expect.stringContaining('alice already decided as technical on attempt 1') } } });
    expect(submitter).toMatchObject({ status: 403, body: { error: { message: 'olivia submitted change CR-2026-900 and may not approve it' } } });
    expect(otherRole).toMatchObject({ status: 403, body: { error: { message: expect.stringContaining("is not listed in the profile's approvers.security") } } });
    expect(otherAccount.status).toBe(403);
    expect([carol.status, bo.status]).toEqual([201, 201]);
  });
});
