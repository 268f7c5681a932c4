// `runbook validate`: offline checks of profiles and change requests with the server's own checks; every problem
// printed with its path; exit 0 when all files are valid, 2 otherwise; --json for scripts.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { main } from '../../bin/cli/program';

const ROOT = join(__dirname, '..', '..');
const EXAMPLES = join(ROOT, 'examples');
const example = (name: string): string => readFileSync(join(EXAMPLES, name), 'utf8');

interface Run { code: number; out: string; err: string }

async function runbook(...args: string[]): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('runbook validate', () => {
  let dir: string;
  const write = (name: string, text: string): string => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'runbook-validate-')); });
  afterEach(() => { rmSync(dir, { recursive: true, force: true }); });

  it('should accept every example file and check each change request against the profile it names', async () => {
    // Prepare
    const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yml')).map((f) => join(EXAMPLES, f));

    // Act
    const r = await runbook('validate', ...files);

    // Assess
    expect(r.code).toBe(0);
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const f of files) expect(r.out).toContain(`✓ ${f}: valid`);
    expect(r.out).toContain('checked against the profile local-demo');
    expect(r.out).toContain('checked against the profile kis-core-v3');
  });

  it('should exit 2 for a demo profile with one key misspelt, naming the key and the key it was meant to be', async () => {
    // Prepare
    const file = write('bad.profile.yml', example('local-demo.profile.yml').replace('  datapointsToAlarm: 2', '  datapointToAlarm: 2'));

    // Act
    const r = await runbook('validate', file);

    // Assess
    expect(r.code).toBe(2);
    expect(r.out).toContain(`✖ ${file}: profile, 1 problem`);
    expect(r.out).toContain('monitoring.datapointToAlarm: unknown key; did you mean `datapointsToAlarm`?');
  });

  it('should say where a misplaced key belongs', async () => {
    // Prepare
    const file = write('misplaced.profile.yml', `${example('kis-core-v3.profile.yml')}\nwindowSeconds: 600\n`);

    // Act
    const r = await runbook('validate', file);

    // Assess
    expect(r.code).toBe(2);
    expect(r.out).toContain('windowSeconds: unknown key; `windowSeconds` belongs under `monitoring`');
  });

  it('should print every problem of a profile: schema, step names and document parameter patterns', async () => {
    // Prepare
    const profile = parseYaml(example('kis-core-v3.profile.yml')) as { thresholds: Record<string, unknown>; act: { steps: Array<Record<string, unknown>> } };
    profile.thresholds.cpuPercent = 180;
    const [first, second] = profile.act.steps;
    if (!first || !second) throw new Error('the example profile has at least two ACT steps');
    second.name = first.name;
    first.parameters = { ...(first.parameters as Record<string, string>), Mode: 'rm -rf /' };
    const file = write('many.profile.yml', stringify(profile));

    // Act
    const r = await runbook('validate', file);

    // Assess
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/thresholds\.cpuPercent: .*100/);
    expect(r.out).toContain(`act.steps.1.name: duplicate step name ${String(first.name)}`);
    const schemaOnly = r.out.includes('act.steps.0.parameters.Mode');
    // Document checks run once the schema accepts the profile; fix the schema problems and they show.
    expect(schemaOnly).toBe(false);
    second.name = 'another-name';
    profile.thresholds.cpuPercent = 80;
    const r2 = await runbook('validate', write('steps.profile.yml', stringify(profile)));
    expect(r2.code).toBe(2);
    expect(r2.out).toMatch(/act\.steps\.0\.parameters\.Mode: "rm -rf \/" is not one of|act\.steps\.0\.parameters\.Mode: "rm -rf \/" does not match/);
  });

  it('should accept a change request with an unknown key, warning about it, and refuse one whose override breaks its document', async () => {
    // Prepare
    const change = parseYaml(example('CR-2026-101.change.yml')) as Record<string, Record<string, unknown>>;
    (change.requester as Record<string, unknown>).team = 'platform';
    const lenient = write('lenient.change.yml', stringify(change));
    change.deployment = { step_parameters: { deploy: { Release: 'v2.4.0; reboot' } } };
    const broken = write('broken.change.yml', stringify(change));
    const profile = join(EXAMPLES, 'local-demo.profile.yml');

    // Act
    const ok = await runbook('validate', lenient, '--profile', profile);
    const bad = await runbook('validate', broken, '--profile', profile);

    // Assess
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('warning: requester.team: unknown key (kept as written, not used)');
    expect(bad.code).toBe(2);
    expect(bad.out).toMatch(/deployment\.step_parameters\.deploy\.Release: "v2\.4\.0; reboot" does not match/);
  });

  it('should refuse a change request against a profile of another environment, naming the environment field', async () => {
    // Prepare
    const file = write('wrong.change.yml', example('CR-2026-101.change.yml'));

    // Act
    const r = await runbook('validate', file, '--profile', join(EXAMPLES, 'kis-core-v3.profile.yml'));

    // Assess
    expect(r.code).toBe(2);
    expect(r.out).toContain('change_request.environment: local-demo does not match the profile kis-core-v3');
  });

  it('should not check change requests against an invalid --profile, and say so', async () => {
    // Prepare
    const profile = write('bad.profile.yml', example('kis-core-v3.profile.yml').replace('maxAttempts:', 'maxAttempt:'));

    // Act
    const r = await runbook('validate', join(EXAMPLES, 'CR-2025-001.change.yml'), '--profile', profile);

    // Assess
    expect(r.code).toBe(2);
    expect(r.out).toContain('maxAttempt: unknown key; did you mean `maxAttempts`?');
    expect(r.out).toContain('the --profile file; change requests were not checked against it');
  });

  it('should print one JSON object with every file, its kind, problems and warnings', async () => {
    // Prepare
    const bad = write('bad.profile.yml', example('kis-core-v3.profile.yml').replace('services:', 'servces:'));

    // Act
    const r = await runbook('validate', '--json', join(EXAMPLES, 'CR-2025-001.change.yml'), bad);

    // Assess
    expect(r.code).toBe(2);
    const parsed = JSON.parse(r.out) as { valid: boolean; files: Array<{ file: string; kind: string; valid: boolean; problems: unknown[] }> };
    expect(parsed.valid).toBe(false);
    expect(parsed.files.map((f) => [f.kind, f.valid])).toEqual([['change', true], ['profile', false]]);
    expect(parsed.files[1]?.problems).toEqual(expect.arrayContaining([
      { path: 'servces', message: 'unknown key; did you mean `services`?' },
      { path: 'services', message: expect.any(String) },
    ]));
  });

  it('should exit 2 for a file it cannot read, cannot parse or cannot classify, and take --kind', async () => {
    // Prepare
    const unknownKind = write('unclear.yml', 'title: something\n');
    const unparsable = write('broken.yml', 'name: [unclosed\n');

    // Act
    const r = await runbook('validate', join(dir, 'missing.yml'), unparsable, unknownKind);
    const asChange = await runbook('validate', '--kind', 'change', unknownKind);

    // Assess
    expect(r.code).toBe(2);
    expect(r.out).toContain('cannot read the file');
    expect(r.out).toContain('3 of 3 files invalid');
    expect(r.out).toContain('pass --kind profile or --kind change');
    expect(asChange.code).toBe(2);
    expect(asChange.out).toContain('change_request: ');
  });
});
