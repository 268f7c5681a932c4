// SsmParameterSource and the profile loader against a mocked SSM client: GetParameters in batches of ten with
// decryption, unknown and blank parameters as missing, and the profile parameter validated and cached.
import { GetParameterCommand, GetParametersCommand, SSMClient, ThrottlingException } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SsmParameterSource, cachedProfileLoader, loadProfileFromSsm } from '../../../lambdas/adapters/aws/ssm-parameters';
import { TransientError, ValidationError } from '../../../lambdas/core/errors';
import { parseDocumentText } from '../../../lambdas/core/schemas';

const ssm = mockClient(SSMClient);
const client = new SSMClient({ region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const PROFILE_PARAMETER = '/runbook/kis-core-v3/profile';
const profileJson = JSON.stringify(parseDocumentText(readFileSync(join(__dirname, '..', '..', '..', 'examples', 'kis-core-v3.profile.yml'), 'utf8'), 'profile'));

afterEach(() => {
  ssm.reset();
});

describe('SsmParameterSource', () => {
  it('should return the values of the names that have one, decrypted, ten names per call', async () => {
    // Prepare: GetParameters takes 1–10 Names and WithDecryption, answers Parameters[{Name, Value}] and InvalidParameters[]:
    // https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameters.html (also docs.amazonaws.cn/goto/WebAPI/ssm-2014-11-06/GetParameters)
    const names = Array.from({ length: 12 }, (_, i) => `/runbook/prod/p${i}`);
    ssm.on(GetParametersCommand).callsFake((input: { Names: string[] }) => ({
      Parameters: input.Names.filter((n) => n !== '/runbook/prod/p1').map((n) => ({ Name: n, Value: n === '/runbook/prod/p11' ? ' ' : `v-${n}` })),
      InvalidParameters: input.Names.filter((n) => n === '/runbook/prod/p1'),
    }));

    // Act
    const values = await new SsmParameterSource(client, 'prod').values(names);

    // Assess
    expect(ssm.commandCalls(GetParametersCommand).map((c) => c.args[0].input)).toEqual([
      { Names: names.slice(0, 10), WithDecryption: true },
      { Names: names.slice(10), WithDecryption: true },
    ]);
    expect(Object.keys(values)).toEqual(names.filter((n) => n !== '/runbook/prod/p1' && n !== '/runbook/prod/p11'));
    expect(values['/runbook/prod/p0']).toBe('v-/runbook/prod/p0');
  });

  it('should ask for ten names at a time, decrypted, and report the invalid and blank ones as missing', async () => {
    // Prepare
    const names = Array.from({ length: 23 }, (_, i) => `/runbook/prod/q${i}`);
    ssm.on(GetParametersCommand).callsFake((input: { Names: string[] }) => ({
      Parameters: input.Names.filter((n) => n !== '/runbook/prod/q3' && n !== '/runbook/prod/q21').map((n) => ({ Name: n, Value: n === '/runbook/prod/q12' ? '  ' : 'set' })),
      InvalidParameters: input.Names.filter((n) => n === '/runbook/prod/q3' || n === '/runbook/prod/q21'),
    }));

    // Act
    const missing = await new SsmParameterSource(client, 'prod').missing(names);

    // Assess
    const calls = ssm.commandCalls(GetParametersCommand).map((c) => c.args[0].input);
    expect(calls).toEqual([
      { Names: names.slice(0, 10), WithDecryption: true },
      { Names: names.slice(10, 20), WithDecryption: true },
      { Names: names.slice(20), WithDecryption: true },
    ]);
    expect(missing).toEqual(['/runbook/prod/q3', '/runbook/prod/q12', '/runbook/prod/q21']);
  });

  it('should ask once for a name listed twice and make no call for no names', async () => {
    // Prepare
    ssm.on(GetParametersCommand).resolves({ Parameters: [], InvalidParameters: ['/runbook/prod/JWT_SECRET'] });
    const source = new SsmParameterSource(client, 'prod');

    // Act
    const none = await source.missing([]);
    const twice = await source.missing(['JWT_SECRET', 'JWT_SECRET']);

    // Assess
    expect(none).toEqual([]);
    expect(twice).toEqual(['JWT_SECRET', 'JWT_SECRET']);
    expect(ssm.commandCalls(GetParametersCommand).map((c) => c.args[0].input.Names)).toEqual([['/runbook/prod/JWT_SECRET']]);
  });

  it('should read a bare name under /runbook/<environment>/ and answer with the name as the profile wrote it', async () => {
    // Prepare: the README and the IAM grant (lib/profile-parameter.ts) agree on /runbook/<environment>/<NAME>.
    ssm.on(GetParametersCommand).resolves({
      Parameters: [{ Name: '/runbook/prod/DATABASE_URL', Value: 'postgresql://db' }, { Name: '/runbook/prod/test-user-email', Value: 'qa@example.com' }],
      InvalidParameters: ['/runbook/prod/JWT_SECRET'],
    });
    const source = new SsmParameterSource(client, 'prod');

    // Act
    const values = await source.values(['DATABASE_URL', 'JWT_SECRET', '/runbook/prod/test-user-email']);
    const missing = await source.missing(['DATABASE_URL', 'JWT_SECRET']);

    // Assess
    expect(ssm.commandCalls(GetParametersCommand)[0]?.args[0].input.Names).toEqual(['/runbook/prod/DATABASE_URL', '/runbook/prod/JWT_SECRET', '/runbook/prod/test-user-email']);
    expect(values).toEqual({ DATABASE_URL: 'postgresql://db', '/runbook/prod/test-user-email': 'qa@example.com' });
    expect(missing).toEqual(['JWT_SECRET']);
  });

  it('should refuse, before any call, a path outside /runbook/<environment>/', async () => {
    // Act
    const reading = new SsmParameterSource(client, 'prod').missing(['/other/prod/DATABASE_URL']);

    // Assess
    await expect(reading).rejects.toThrow('must be under /runbook/prod/');
    expect(ssm.commandCalls(GetParametersCommand)).toHaveLength(0);
  });

  it('should map throttling to TransientError', async () => {
    // Prepare
    ssm.on(GetParametersCommand).rejects(new ThrottlingException({ message: 'Rate exceeded', Message: 'Rate exceeded', $metadata: {} }));

    // Act
    const checking = new SsmParameterSource(client, 'prod').missing(['DATABASE_URL']);

    // Assess
    await expect(checking).rejects.toThrow(TransientError);
  });
});

describe('loadProfileFromSsm', () => {
  it('should read the profile parameter decrypted and validate it with the profile schema', async () => {
    // Prepare
    ssm.on(GetParameterCommand).resolves({ Parameter: { Name: PROFILE_PARAMETER, Value: profileJson } });

    // Act
    const profile = await loadProfileFromSsm(client, PROFILE_PARAMETER);

    // Assess
    expect(ssm.commandCalls(GetParameterCommand)[0]?.args[0].input).toEqual({ Name: PROFILE_PARAMETER, WithDecryption: true });
    expect(profile.name).toBe('kis-core-v3');
    expect(profile.targets).toEqual({ kind: 'tag', key: 'Environment', values: ['production'] });
    expect(profile.maxAttempts).toBe(3);
  });

  it('should refuse an invalid profile, naming the field', async () => {
    // Prepare
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: JSON.stringify({ ...JSON.parse(profileJson), targets: { kind: 'tag' } }) } });

    // Act
    const loading = loadProfileFromSsm(client, PROFILE_PARAMETER);

    // Assess
    await expect(loading).rejects.toThrow(ValidationError);
    await expect(loading).rejects.toThrow(/targets\.key/);
  });

  it('should read the parameter once per loader, and again after a failed read', async () => {
    // Prepare
    ssm.on(GetParameterCommand).rejectsOnce(new ThrottlingException({ message: 'Rate exceeded', Message: 'Rate exceeded', $metadata: {} })).resolves({ Parameter: { Value: profileJson } });
    const profile = cachedProfileLoader(client, PROFILE_PARAMETER);

    // Act
    await expect(profile()).rejects.toThrow(TransientError);
    const first = await profile();
    const second = await profile();

    // Assess
    expect(second).toBe(first);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2);
  });
});
