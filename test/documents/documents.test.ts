// The project's SSM documents and the pure document core: every document obeys the parameter rules
// (constrained, ENV_VAR, no {{ }} in scripts), and validateParameters refuses what the patterns refuse.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ValidationError } from '../../lambdas/core/errors';
import { validationErrorOf } from '../support/validation';
import {
  documentPolicyIssues, environmentFor, EXECUTION_TIMEOUT_PARAMETER, EXECUTION_TIMEOUT_PATTERN, parseCommandDocument, scriptOf, stepParameters,
  validateParameters, type CommandDocument,
} from '../../lambdas/core/documents';
import { documentNames } from '../../lambdas/adapters/local/host-commands';
import { DOCUMENTS_DIR, DOCUMENT_NAMES } from '../../documents';

const EXPECTED: string[] = [...DOCUMENT_NAMES];
const load = (name: string): CommandDocument => parseCommandDocument(readFileSync(join(DOCUMENTS_DIR, `${name}.yml`), 'utf8'));

/** A valid value for each parameter without a default, so hostile variations of it can be tried. */
const SAMPLES: Record<string, string> = {
  Services: 'estimator-service,erp-ai-service', Release: 'v2.4.0', Url: 'http://127.0.0.1:8080/api/v1/health',
  Endpoints: 'https://api.kis-core.com/health,postgresql://kis_user@localhost:5432', WarnEndpoints: 'https://api.openai.com/v1/models,redis://localhost:6379', ConfigFiles: '/etc/nginx/nginx.conf,/app/.env',
  DatabaseUrl: 'postgresql://kis_user@localhost:5432/kis_db',
};
const SHELL_METACHARACTERS = [';', '|', '&', '$', '`', "'", '"', '<', '>', '(', ')', '\n', '\\', ' ', '*', '?', '!', '{', '}'];

const issuePaths = (fn: () => unknown): string[] => validationErrorOf(fn).issues.map((i) => i.path);

describe('the project documents', () => {
  it('should be exactly the eight documents the profiles and the workflow name', () => {
    // Act
    const names = documentNames(DOCUMENTS_DIR);

    // Assess
    expect(names).toEqual(EXPECTED);
    expect(names).toHaveLength(8);
  });

  describe.each(EXPECTED)('%s', (name) => {
    const doc = load(name);
    const script = scriptOf(doc);

    it('should parse as schemaVersion 2.2 with one aws:runShellScript step', () => {
      // Assess
      expect(doc.schemaVersion).toBe('2.2');
      expect(doc.mainSteps).toHaveLength(1);
      expect(doc.mainSteps[0]?.action).toBe('aws:runShellScript');
    });

    it('should constrain every String parameter and pass it only through ENV_VAR (the execution timeout aside)', () => {
      // Assess
      for (const [param, p] of Object.entries(doc.parameters)) {
        expect({ param, constrained: p.allowedPattern !== undefined || p.allowedValues !== undefined }).toEqual({ param, constrained: true });
        if (param === EXECUTION_TIMEOUT_PARAMETER) continue;
        expect({ param, interpolationType: p.interpolationType }).toEqual({ param, interpolationType: 'ENV_VAR' });
        if (p.allowedPattern !== undefined) expect(p.allowedPattern).toMatch(/^\^.*\$$/);
      }
      expect(documentPolicyIssues(doc)).toEqual([]);
    });

    it("should hand the step's timeout to the agent: a digits-only executionTimeout used as the step's timeoutSeconds input", () => {
      // Assess (AWS-RunShellScript's own shape: https://docs.aws.amazon.com/systems-manager/latest/userguide/documents-command-ssm-plugin-reference.html#aws-runShellScript)
      expect(doc.parameters[EXECUTION_TIMEOUT_PARAMETER]).toMatchObject({ type: 'String', allowedPattern: EXECUTION_TIMEOUT_PATTERN });
      expect(doc.parameters[EXECUTION_TIMEOUT_PARAMETER]?.interpolationType).toBeUndefined();
      expect(doc.mainSteps.map((step) => step.inputs.timeoutSeconds)).toEqual(['{{ executionTimeout }}']);
      expect(stepParameters(name, doc, { parameters: requiredSamples(doc), timeoutSeconds: 420 })[EXECUTION_TIMEOUT_PARAMETER]).toBe('420');
    });

    it('should never use {{ }} text interpolation in its script', () => {
      // Assess
      for (const line of doc.mainSteps[0]?.inputs.runCommand ?? []) expect(line).not.toContain('{{');
    });

    it('should re-exec under bash with strict mode, since the agent runs scripts with sh', () => {
      // Assess
      const lines = script.split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
      expect(lines[0]).toBe('if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi');
      expect(lines[1]).toBe('set -euo pipefail');
    });

    it('should send everything but its result to stderr, and print the result only on fd 3 (the original stdout)', () => {
      // Assess: SSM returns only the first 24,000 characters of stdout, so stdout holds the result line alone.
      const lines = script.split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
      expect(lines[2]).toBe('exec 3>&1 1>&2');
      const toResult = lines.filter((l) => /(^|[^0-9<])>&3\b/.test(l));
      expect(toResult.length).toBeGreaterThan(0);
      for (const l of toResult) expect(l.trim()).toMatch(/^(printf '\{|echo '\{|"\$).*>&3$/);
    });

    it('should be valid bash', () => {
      // Act
      const check = spawnSync('bash', ['-n', '-c', script], { encoding: 'utf8' });

      // Assess
      expect(check.stderr).toBe('');
      expect(check.status).toBe(0);
    });

    it('should read exactly its own parameters as SSM_<Name> variables', () => {
      // Act
      const referenced = new Set([...script.matchAll(/\$\{?SSM_([A-Za-z0-9_]+)/g)].map((m) => m[1]));

      // Assess
      expect([...referenced].sort()).toEqual(Object.keys(doc.parameters).filter((p) => p !== EXECUTION_TIMEOUT_PARAMETER).sort());
    });

    it('should refuse shell metacharacters around a valid value for every free-text parameter', () => {
      // Assess
      for (const [param, p] of Object.entries(doc.parameters)) {
        if (p.allowedPattern === undefined) continue;
        const sample = SAMPLES[param] ?? (typeof p.default === 'string' && p.default !== '' ? p.default : undefined);
        expect({ param, sample }).toEqual({ param, sample: expect.any(String) });
        expect(validateParameters(name, doc, { ...requiredSamples(doc), [param]: sample as string })[param]).toBe(sample);
        for (const c of SHELL_METACHARACTERS) {
          for (const hostile of [`${sample}${c}`, `${c}${sample}`, `${sample}${c}x`]) {
            expect({ param, hostile, paths: issuePaths(() => validateParameters(name, doc, { ...requiredSamples(doc), [param]: hostile })) })
              .toEqual({ param, hostile, paths: [`parameters.${param}`] });
          }
        }
      }
    });
  });
});

function requiredSamples(doc: CommandDocument): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [param, p] of Object.entries(doc.parameters)) {
    if (p.default !== undefined) continue;
    values[param] = SAMPLES[param] ?? p.allowedValues?.[0] ?? '';
  }
  return values;
}

describe('validateParameters', () => {
  const deploy = load('runbook-DeployRelease');

  it('should reject an injection attempt and name the parameter', () => {
    // Act
    const act = () => validateParameters('runbook-DeployRelease', deploy, { Release: 'v2.4.0; rm -rf /', Services: 'estimator-service' });

    // Assess
    expect(act).toThrow(ValidationError);
    expect(act).toThrow(/parameters\.Release/);
    expect(issuePaths(act)).toEqual(['parameters.Release']);
  });

  it('should fill defaults and keep given values', () => {
    // Act
    const resolved = validateParameters('runbook-DeployRelease', deploy, { Release: 'v2.4.0-bad', Services: 'estimator-service', Method: 'artifact' });

    // Assess
    expect(resolved).toEqual({ Release: 'v2.4.0-bad', Method: 'artifact', Services: 'estimator-service', ImageRepository: 'kis-core', executionTimeout: '3600' });
  });

  it('should accept previous as the rollback release', () => {
    // Act
    const resolved = validateParameters('runbook-DeployRelease', deploy, { Release: 'previous', Services: 'estimator-service' });

    // Assess
    expect(resolved.Release).toBe('previous');
  });

  it('should name unknown, missing and not-allowed parameters together', () => {
    // Act
    const paths = issuePaths(() => validateParameters('runbook-DeployRelease', deploy, { Method: 'ftp', Servises: 'x' }));

    // Assess
    expect(paths.sort()).toEqual(['parameters.Method', 'parameters.Release', 'parameters.Services', 'parameters.Servises']);
  });

  it('should not treat inherited object properties as parameters', () => {
    // Act
    const paths = issuePaths(() => validateParameters('runbook-DeployRelease', deploy, JSON.parse('{"__proto__":"x","Release":"v1.0.0","Services":"a"}') as Record<string, string>));

    // Assess
    expect(paths).toEqual(['parameters.__proto__']);
  });

  it('should check each item of a StringList', () => {
    // Prepare
    const doc = parseCommandDocument(`
schemaVersion: "2.2"
parameters:
  Hosts: { type: StringList, allowedPattern: "^[a-z]+$", interpolationType: ENV_VAR }
mainSteps:
  - { action: aws:runShellScript, name: s, inputs: { runCommand: ['echo "$SSM_Hosts"'] } }
`);

    // Act
    const ok = validateParameters('runbook-Hosts', doc, { Hosts: 'alpha,beta' });
    const bad = () => validateParameters('runbook-Hosts', doc, { Hosts: 'alpha,be$ta' });

    // Assess
    expect(ok.Hosts).toBe('alpha,beta');
    expect(issuePaths(bad)).toEqual(['parameters.Hosts']);
  });
});

describe('environmentFor', () => {
  it('should expose each ENV_VAR parameter as SSM_<Name>', () => {
    // Prepare
    const doc = load('runbook-TrafficControl');
    const resolved = validateParameters('runbook-TrafficControl', doc, { Mode: 'maintenance', Method: 'flagfile' });

    // Act
    const env = environmentFor(doc, resolved);

    // Assess
    expect(env).toEqual({ SSM_Mode: 'maintenance', SSM_Method: 'flagfile', SSM_SettleSeconds: '0' });
  });
});

describe('parseCommandDocument', () => {
  const valid = (extra = '', parameter = 'type: String, allowedPattern: "^[a-z]+$", interpolationType: ENV_VAR') => `
schemaVersion: "2.2"
parameters:
  Name: { ${parameter} }
mainSteps:
  - { action: aws:runShellScript, name: s, inputs: { runCommand: ['echo "$SSM_Name"'] } }
${extra}`;

  it('should accept a minimal valid document', () => {
    // Act
    const doc = parseCommandDocument(valid());

    // Assess
    expect(doc.parameters.Name?.allowedPattern).toBe('^[a-z]+$');
    expect(documentPolicyIssues(doc)).toEqual([]);
  });

  it('should reject another schema version, naming schemaVersion', () => {
    // Act
    const paths = issuePaths(() => parseCommandDocument(valid().replace('"2.2"', '"1.2"')));

    // Assess
    expect(paths).toEqual(['schemaVersion']);
  });

  it('should reject a misspelt parameter property rather than drop the constraint', () => {
    // Act
    const paths = issuePaths(() => parseCommandDocument(valid('', 'type: String, allowedPatern: "^[a-z]+$", interpolationType: ENV_VAR')));

    // Assess
    expect(paths).toEqual(['parameters.Name']);
  });

  it('should reject an allowedPattern that is not a regular expression', () => {
    // Act
    const paths = issuePaths(() => parseCommandDocument(valid('', 'type: String, allowedPattern: "^[a-z+$", interpolationType: ENV_VAR')));

    // Assess
    expect(paths).toEqual(['parameters.Name.allowedPattern']);
  });

  it('should reject a second step and any action other than aws:runShellScript', () => {
    // Act
    const two = issuePaths(() => parseCommandDocument(valid().replace(/mainSteps:\n(.*)\n/, 'mainSteps:\n$1\n$1\n')));
    const other = issuePaths(() => parseCommandDocument(valid().replace('aws:runShellScript', 'aws:runPowerShellScript')));

    // Assess
    expect(two).toEqual(['mainSteps']);
    expect(other).toEqual(['mainSteps.0.action']);
  });

  it('should report text interpolation, unconstrained, unanchored and non-ENV_VAR parameters as policy issues', () => {
    // Prepare
    const doc = parseCommandDocument(`
schemaVersion: "2.2"
parameters:
  Free: { type: String }
  Loose: { type: String, allowedPattern: "[a-z]+", interpolationType: ENV_VAR }
  Fixed: { type: String, allowedValues: [a, b], default: c, interpolationType: ENV_VAR }
mainSteps:
  - { action: aws:runShellScript, name: s, inputs: { runCommand: ['echo {{ Free }}'] } }
`);

    // Act
    const paths = documentPolicyIssues(doc).map((i) => i.path).sort();

    // Assess
    expect(paths).toEqual([
      'mainSteps.0.inputs.runCommand.0', 'parameters.Fixed.default', 'parameters.Free', 'parameters.Free.interpolationType',
      'parameters.Loose.allowedPattern',
    ]);
  });
});

describe('the execution timeout parameter', () => {
  const doc = (parameter: string, timeoutSeconds = '"{{ executionTimeout }}"'): CommandDocument => parseCommandDocument(`
schemaVersion: "2.2"
parameters:
  executionTimeout: ${parameter}
mainSteps:
  - { action: aws:runShellScript, name: s, inputs: { timeoutSeconds: ${timeoutSeconds}, runCommand: ["true"] } }
`);
  const good = `{ type: String, default: "3600", allowedPattern: "${EXECUTION_TIMEOUT_PATTERN.replace(/\\/g, '\\\\')}" }`;

  it('should accept the AWS-RunShellScript shape: digits only, used as the whole timeoutSeconds input', () => {
    expect(documentPolicyIssues(doc(good))).toEqual([]);
  });

  it('should refuse a loose pattern, ENV_VAR, or a timeoutSeconds that does not use it, naming the field', () => {
    // Act
    const loose = documentPolicyIssues(doc('{ type: String, allowedPattern: "^.+$" }')).map((i) => i.path);
    const envVar = documentPolicyIssues(doc(good.replace(' }', ', interpolationType: ENV_VAR }'))).map((i) => i.path);
    const unused = documentPolicyIssues(doc(good, '"600"')).map((i) => i.path);
    const spliced = documentPolicyIssues(doc(good, '"{{ executionTimeout }}0"')).map((i) => i.path);

    // Assess
    expect(loose).toEqual(['parameters.executionTimeout']);
    expect(envVar).toEqual(['parameters.executionTimeout.interpolationType']);
    expect(unused).toEqual(['parameters.executionTimeout']);
    expect(spliced).toEqual(['parameters.executionTimeout', 'mainSteps.0.inputs.timeoutSeconds']);
  });

  it('should refuse {{ }} in timeoutSeconds of a document without the parameter', () => {
    // Act
    const paths = documentPolicyIssues(parseCommandDocument(`
schemaVersion: "2.2"
mainSteps:
  - { action: aws:runShellScript, name: s, inputs: { timeoutSeconds: "{{ Other }}", runCommand: ["true"] } }
`)).map((i) => i.path);

    // Assess
    expect(paths).toEqual(['mainSteps.0.inputs.timeoutSeconds']);
  });

  it('should take 1 to 172800 seconds (the plugin maximum) and nothing else', () => {
    const pattern = new RegExp(EXECUTION_TIMEOUT_PATTERN);
    for (const ok of ['1', '5', '600', '7200', '99999', '100000', '169999', '171999', '172799', '172800']) expect({ ok, match: pattern.test(ok) }).toEqual({ ok, match: true });
    for (const bad of ['0', '05', '172801', '180000', '999999', '-1', '1.5', '60;', ' 60', '60 ', '{{ x }}', '']) expect({ bad, match: pattern.test(bad) }).toEqual({ bad, match: false });
  });
});
