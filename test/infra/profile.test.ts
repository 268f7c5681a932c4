// Choosing the environment profile with `-c profile=...`: the default is the KIS_CORE_V3 example, another profile
// changes names, tags and targets throughout, and a profile that is not valid stops the synth with the field path.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ParameterTier } from 'aws-cdk-lib/aws-ssm';
import { parse, stringify } from 'yaml';
import { DEFAULT_PROFILE_FILE, REPO_ROOT } from '../../lib/paths';
import { loadProfile, LocalProfileError } from '../../lib/profile';
import { parameterTierFor } from '../../lib/profile-parameter';
import { allStatements, synthRunbook, type Json } from './support';

const dir = mkdtempSync(join(tmpdir(), 'runbook-profile-'));
const kis = parse(readFileSync(DEFAULT_PROFILE_FILE, 'utf8')) as Json;

function profileFile(name: string, changes: Json): string {
  const file = join(dir, `${name}.profile.yml`);
  writeFileSync(file, stringify({ ...kis, ...changes }));
  return file;
}

describe('the profile context', () => {
  it('should build the KIS_CORE_V3 example when no profile is given', () => {
    // Act
    const { stack } = synthRunbook();

    // Assess
    expect(stack.stackName).toBe('Runbook-kis-core-v3');
    expect(stack.profile.system).toBe('KIS_CORE_V3');
  });

  it('should take a path relative to the repository root, as `-c profile=examples/...` passes it', () => {
    // Act
    const { stack } = synthRunbook({ context: { profile: 'examples/kis-core-v3.profile.yml' } });

    // Assess
    expect(stack.profile.name).toBe('kis-core-v3');
  });

  it("should name documents, alarms and parameters after another profile's environment and target its instances by id", () => {
    // Prepare
    // Its own parameter path for the login credentials, and no KIS step narrowed by a tag (an id-targeted environment narrows by id).
    const kisTests = kis.tests as Json & { auth: Json };
    const kisAct = kis.act as { steps: Json[] };
    const file = profileFile('staging', {
      name: 'staging', targets: { kind: 'instances', ids: ['i-0123456789abcdef0', 'mi-0123456789abcdef0'] },
      tests: { ...kisTests, auth: { ...kisTests.auth, credentials: { email: '/runbook/staging/test-user-email', password: '/runbook/staging/test-user-password' } } },
      act: { steps: kisAct.steps.map(({ targets: _t, ...step }) => step) },
    });

    // Act
    const { stack, template } = synthRunbook({ context: { profile: file } });

    // Assess
    expect(stack.stackName).toBe('Runbook-staging');
    template.hasResourceProperties('AWS::SSM::Document', { Name: 'staging-runbook-ServiceControl' });
    template.hasResourceProperties('AWS::SSM::Parameter', { Name: '/runbook/staging/profile' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'runbook-staging-p95-latency' });
    const toInstances = allStatements(template).map((s) => s.statement).filter((s) => s.Sid === 'SendToEnvironmentInstances');
    expect(toInstances.length).toBeGreaterThan(0);
    for (const s of toInstances) {
      expect(s.Condition).toBeUndefined();
      expect(JSON.stringify(s.Resource)).toContain(':instance/i-0123456789abcdef0"');
      expect(JSON.stringify(s.Resource)).toContain(':managed-instance/mi-0123456789abcdef0"');
      expect(JSON.stringify(s.Resource)).not.toContain('/*');
    }
  });

  it('should stop the synth on an invalid profile, naming the file and the field', () => {
    // Prepare
    const file = profileFile('broken', { name: 'Not_Valid' });

    // Act
    const synth = (): unknown => synthRunbook({ context: { profile: file } });

    // Assess
    expect(synth).toThrow(/broken\.profile\.yml.*name: lower-case letters, digits and hyphens/);
  });

  it('should refuse a load test longer than the TEST function can run', () => {
    // Prepare
    const file = profileFile('long-load', { name: 'long-load', tests: { ...(kis.tests as Json), performance: { durationSeconds: 900 } } });

    // Act
    const synth = (): unknown => synthRunbook({ context: { profile: file } });

    // Assess
    // The profile schema bounds it to what the 15-minute TEST Lambda can run, naming the field.
    expect(synth).toThrow(/tests\.performance\.durationSeconds: Too big: expected number to be <=840/);
  });
});

describe('parameterTierFor', () => {
  it.each([
    [4096, ParameterTier.STANDARD],
    [4097, ParameterTier.ADVANCED],
    [8192, ParameterTier.ADVANCED],
  ])('should store %i bytes in the %s tier', (bytes, tier) => {
    // Assess
    expect(parameterTierFor('x'.repeat(bytes))).toBe(tier);
  });

  it('should refuse a profile larger than an advanced parameter holds', () => {
    // Assess
    expect(() => parameterTierFor('x'.repeat(8193))).toThrow(/8193 bytes/);
  });
});

describe('a local profile given to the CDK app', () => {
  it('should be refused as a profile for the embedded engine, before the schema reads its {{port}} placeholders', () => {
    // Act / Assess
    expect(() => loadProfile('examples/local-demo.profile.yml')).toThrow(LocalProfileError);
    expect(() => loadProfile('examples/local-demo.profile.yml')).toThrow('local profiles are for the embedded engine');
  });

  it('should make `cdk synth -c profile=<local profile>` fail with one line and no stack trace', () => {
    // Act: the app as cdk runs it (cdk passes -c values in CDK_CONTEXT_JSON)
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(REPO_ROOT, 'bin', 'app.ts')], {
      cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ profile: 'examples/local-demo.profile.yml' }), CDK_OUTDIR: mkdtempSync(join(tmpdir(), 'runbook-cdkout-')) },
    });

    // Assess
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^runbook: profile examples\/local-demo\.profile\.yml targets this machine \(targets\.kind: local\): local profiles are for the embedded engine/)]);
    expect(r.stdout).toBe('');
  });
});
