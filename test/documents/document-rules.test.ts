// The document rules on small hand-written documents, one rule at a time (documents.test.ts checks the project's
// own documents, which obey them all, so a rule that stopped firing would go unseen there). The document shape is
// SSM's schemaVersion 2.2 with one aws:runShellScript step:
// https://docs.aws.amazon.com/systems-manager/latest/userguide/documents-syntax-data-elements-parameters.html and
// https://docs.aws.amazon.com/systems-manager/latest/userguide/documents-command-ssm-plugin-reference.html#aws-runShellScript
import type { FieldIssue } from '../../lambdas/core/errors';
import { validationErrorOf } from '../support/validation';
import {
  documentPolicyIssues, environmentFor, executionTimeoutSeconds, parseCommandDocument, scriptOf, stepParameters, validateParameters,
  EXECUTION_TIMEOUT_PATTERN, type CommandDocument,
} from '../../lambdas/core/documents';

function doc(parameters: Record<string, unknown>, inputs: Record<string, unknown> = { runCommand: ['echo "$SSM_Mode"'] }): CommandDocument {
  return parseCommandDocument(JSON.stringify({ schemaVersion: '2.2', parameters, mainSteps: [{ action: 'aws:runShellScript', name: 'run', inputs }] }));
}

function refusal(fn: () => unknown): { message: string; issues: FieldIssue[] } {
  const err = validationErrorOf(fn);
  return { message: err.message, issues: err.issues };
}

const MODE = { type: 'String', allowedValues: ['maintenance', 'production'], interpolationType: 'ENV_VAR' };
const TIMEOUT = { type: 'String', allowedPattern: EXECUTION_TIMEOUT_PATTERN, default: '3600' };

describe('parseCommandDocument', () => {
  it('should refuse an allowedPattern that is not a regular expression, naming it', () => {
    // Act
    const { message, issues } = refusal(() => doc({ Bad: { type: 'String', allowedPattern: '^(unclosed$', interpolationType: 'ENV_VAR' }, Mode: MODE }));

    // Assess
    expect(issues).toEqual([{ path: 'parameters.Bad.allowedPattern', message: expect.stringMatching(/^not a regular expression: .+/) }]);
    expect(message).toMatch(/^document is invalid: parameters\.Bad\.allowedPattern: not a regular expression/);
  });
});

describe('stepParameters and executionTimeoutSeconds', () => {
  it('should refuse a step that sets executionTimeout itself, whether or not the document has it', () => {
    for (const d of [doc({ Mode: MODE }), doc({ Mode: MODE, executionTimeout: TIMEOUT }, { runCommand: ['true'], timeoutSeconds: '{{ executionTimeout }}' })]) {
      const { issues } = refusal(() => stepParameters('runbook-X', d, { parameters: { Mode: 'maintenance', executionTimeout: '5' }, timeoutSeconds: 60 }));
      expect(issues).toEqual([{ path: 'parameters.executionTimeout', message: "is set from the step's timeoutSeconds; set that instead" }]);
    }
  });

  it('should add executionTimeout from timeoutSeconds only when the document declares it', () => {
    // Prepare
    const withTimeout = doc({ Mode: MODE, executionTimeout: TIMEOUT }, { runCommand: ['true'], timeoutSeconds: '{{ executionTimeout }}' });

    // Act + Assess
    expect(stepParameters('runbook-X', withTimeout, { parameters: { Mode: 'production' }, timeoutSeconds: 90 })).toEqual({ Mode: 'production', executionTimeout: '90' });
    expect(stepParameters('runbook-X', doc({ Mode: MODE }), { parameters: { Mode: 'production' }, timeoutSeconds: 90 })).toEqual({ Mode: 'production' });
  });

  it.each([
    [{ executionTimeout: '600' }, 600], [{ executionTimeout: '172800' }, 172800], [{ executionTimeout: '1' }, 1],
    [{ executionTimeout: '0' }, 42], [{ executionTimeout: '172801' }, 42], [{ executionTimeout: '60s' }, 42], [{}, 42],
  ])('should read %j as %i seconds (42 is the fallback)', (resolved, expected) => {
    expect(executionTimeoutSeconds(resolved, 42)).toBe(expected);
  });
});

describe('documentPolicyIssues', () => {
  it('should accept a document that follows every rule', () => {
    expect(documentPolicyIssues(doc({ Mode: MODE, executionTimeout: TIMEOUT }, { runCommand: ['echo "$SSM_Mode"'], timeoutSeconds: '{{ executionTimeout }}' }))).toEqual([]);
  });

  it('should name each broken rule of an ordinary parameter', () => {
    // Prepare
    const d = doc({
      NoEnv: { type: 'String', allowedValues: ['a'] },
      Free: { type: 'String', interpolationType: 'ENV_VAR' },
      Loose: { type: 'String', allowedPattern: '[a-z]+', interpolationType: 'ENV_VAR' },
      HalfAnchored: { type: 'String', allowedPattern: '^[a-z]+', interpolationType: 'ENV_VAR' },
      BadDefault: { type: 'String', allowedPattern: '^[a-z]+$', interpolationType: 'ENV_VAR', default: 'ABC' },
      ListDefault: { type: 'StringList', allowedValues: ['a', 'b'], interpolationType: 'ENV_VAR', default: ['a', 'c'] },
    });

    // Act + Assess
    expect(documentPolicyIssues(d)).toEqual([
      { path: 'parameters.NoEnv.interpolationType', message: 'must be ENV_VAR' },
      { path: 'parameters.Free', message: 'needs an allowedPattern or allowedValues' },
      { path: 'parameters.Loose.allowedPattern', message: 'must be anchored with ^ and $' },
      { path: 'parameters.HalfAnchored.allowedPattern', message: 'must be anchored with ^ and $' },
      { path: 'parameters.BadDefault.default', message: 'does not match ^[a-z]+$' },
      { path: 'parameters.ListDefault.default', message: 'is not one of a, b' },
    ]);
  });

  it('should hold executionTimeout to digits, no interpolation type, every step using it, and a default within the pattern', () => {
    // Prepare
    const wrong = doc({ executionTimeout: { type: 'String', allowedPattern: '^[0-9]+$', interpolationType: 'ENV_VAR', default: '0' } }, { runCommand: ['true'], timeoutSeconds: '600' });
    const list = doc({ executionTimeout: { type: 'StringList', allowedPattern: EXECUTION_TIMEOUT_PATTERN } }, { runCommand: ['true'], timeoutSeconds: '{{ executionTimeout }}' });
    const values = doc({ executionTimeout: { type: 'String', allowedPattern: EXECUTION_TIMEOUT_PATTERN, allowedValues: ['60'], default: '0' } }, { runCommand: ['true'], timeoutSeconds: '{{ executionTimeout }}' });

    // Act + Assess
    expect(documentPolicyIssues(wrong)).toEqual([
      { path: 'parameters.executionTimeout', message: `must be a String with allowedPattern ${EXECUTION_TIMEOUT_PATTERN}` },
      { path: 'parameters.executionTimeout.interpolationType', message: 'must be absent: it is used as {{ executionTimeout }}, not read by the script' },
      { path: 'parameters.executionTimeout', message: 'every step\'s inputs.timeoutSeconds must be "{{ executionTimeout }}"' },
    ]);
    expect(documentPolicyIssues(list)).toEqual([{ path: 'parameters.executionTimeout', message: `must be a String with allowedPattern ${EXECUTION_TIMEOUT_PATTERN}` }]);
    expect(documentPolicyIssues(values)).toEqual([
      { path: 'parameters.executionTimeout', message: `must be a String with allowedPattern ${EXECUTION_TIMEOUT_PATTERN}` },
      { path: 'parameters.executionTimeout.default', message: 'must be digits within the pattern' },
    ]);
  });

  it('should refuse {{ }} text interpolation in the script, the working directory and any other timeout', () => {
    // Prepare
    const d = doc({ Mode: MODE }, { runCommand: ['echo ok', 'echo {{ Mode }}'], workingDirectory: '/srv/{{ Mode }}', timeoutSeconds: '{{ executionTimeout }}' });
    const other = doc({ Mode: MODE }, { runCommand: ['true'], timeoutSeconds: '{{ Mode }}' });

    // Act + Assess: the timeout input is refused here because the document declares no executionTimeout
    expect(documentPolicyIssues(d)).toEqual([
      { path: 'mainSteps.0.inputs.timeoutSeconds', message: 'may interpolate only "{{ executionTimeout }}" of a declared executionTimeout parameter' },
      { path: 'mainSteps.0.inputs.workingDirectory', message: 'uses {{ }} text interpolation' },
      { path: 'mainSteps.0.inputs.runCommand.1', message: 'uses {{ }} text interpolation; read "$SSM_<Name>" instead' },
    ]);
    expect(documentPolicyIssues(other).map((i) => i.path)).toEqual(['mainSteps.0.inputs.timeoutSeconds']);
    expect(documentPolicyIssues(doc({ Mode: MODE }, { runCommand: ['true'], timeoutSeconds: 600, workingDirectory: '/srv' }))).toEqual([]);
  });
});

describe('validateParameters', () => {
  // Parsed inside each test: mutation testing attributes only what runs in a test to that test.
  const document = (): CommandDocument => doc({
    Mode: MODE,
    Services: { type: 'StringList', allowedPattern: '^[a-z-]+$', interpolationType: 'ENV_VAR', default: ['web', 'api'] },
    Note: { type: 'String', allowedPattern: '^[a-z]*$', default: 'x' },
  });

  it('should fill defaults (a list joined with commas) and keep given values', () => {
    const d = document();
    expect(validateParameters('runbook-X', d, { Mode: 'production' })).toEqual({ Mode: 'production', Services: 'web,api', Note: 'x' });
    expect(validateParameters('runbook-X', d, { Mode: 'production', Services: 'web', Note: '' })).toEqual({ Mode: 'production', Services: 'web', Note: '' });
  });

  it('should name an unknown parameter, a missing one and each bad list item, in one error', () => {
    const d = document();
    // Act
    const { message, issues } = refusal(() => validateParameters('runbook-X', d, { Services: 'web,API', Extra: '1' }));

    // Assess
    expect(issues).toEqual([
      { path: 'parameters.Extra', message: 'is not a parameter of runbook-X' },
      { path: 'parameters.Mode', message: 'is required' },
      { path: 'parameters.Services', message: '"web,API" does not match ^[a-z-]+$' },
    ]);
    expect(message).toBe('runbook-X: parameters are invalid: parameters.Extra: is not a parameter of runbook-X; parameters.Mode: is required; parameters.Services: "web,API" does not match ^[a-z-]+$');
  });

  it('should quote a refused value in full up to 80 characters and cut a longer one', () => {
    // Prepare
    const d = document();
    const at80 = 'A'.repeat(80);
    const at81 = 'B'.repeat(81);

    // Act + Assess
    expect(refusal(() => validateParameters('runbook-X', d, { Mode: at80 })).issues[0]?.message).toBe(`"${at80}" is not one of maintenance, production`);
    expect(refusal(() => validateParameters('runbook-X', d, { Mode: at81 })).issues[0]?.message).toBe(`"${'B'.repeat(80)}…" is not one of maintenance, production`);
  });

  it('should not take an inherited property name for a parameter', () => {
    const d = document();
    expect(refusal(() => validateParameters('runbook-X', d, JSON.parse('{"Mode":"production","constructor":"x"}') as Record<string, string>)).issues)
      .toEqual([{ path: 'parameters.constructor', message: 'is not a parameter of runbook-X' }]);
  });
});

describe('environmentFor and scriptOf', () => {
  it('should give SSM_<Name> only for ENV_VAR parameters that have a value, and the script as its lines', () => {
    // Prepare
    const d = doc({ Mode: MODE, Plain: { type: 'String', allowedValues: ['p'] }, Unset: { ...MODE } }, { runCommand: ['set -eu', 'echo "$SSM_Mode"'] });

    // Act + Assess
    // toStrictEqual: an SSM_Unset key holding undefined would still be an entry of the environment
    expect(environmentFor(d, { Mode: 'production', Plain: 'p' })).toStrictEqual({ SSM_Mode: 'production' });
    expect(scriptOf(d)).toBe('set -eu\necho "$SSM_Mode"');
  });
});

describe('refusal messages and item splitting', () => {
  it('should say a document, not some other text, is what failed to parse or validate', () => {
    // Act + Assess
    expect(refusal(() => parseCommandDocument('a: [unclosed')).message).toMatch(/^document: not valid YAML or JSON: /);
    expect(refusal(() => parseCommandDocument(JSON.stringify({ schemaVersion: '2.2', parameters: {}, mainSteps: [] }))).message).toMatch(/^document is invalid: /);
  });

  it("should name the document in the refusal of a step's own executionTimeout and of URLs with a password", () => {
    // Prepare
    const d = doc({ Mode: MODE, Url: { type: 'String', allowedPattern: '^.+$', interpolationType: 'ENV_VAR' }, Db: { type: 'String', allowedPattern: '^.+$', interpolationType: 'ENV_VAR' } });

    // Act
    const own = refusal(() => stepParameters('runbook-X', d, { parameters: { Mode: 'production', executionTimeout: '5' }, timeoutSeconds: 60 }));
    const password = refusal(() => stepParameters('runbook-X', d, { parameters: { Mode: 'production', Url: 'https://u:pw@example.com/', Db: 'postgresql://kis:secret@db:5432/kis' }, timeoutSeconds: 60 }));

    // Assess
    expect(own.message).toBe("runbook-X: parameters.executionTimeout comes from the step's timeoutSeconds");
    expect(password.message).toMatch(/^runbook-X: parameters Url, Db: a URL must not carry a password/);
    expect(password.issues.map((i) => i.path)).toEqual(['parameters.Url', 'parameters.Db']);
  });

  it('should refuse another parameter interpolated as the timeout even when executionTimeout is declared', () => {
    // Prepare
    const d = doc({ Mode: MODE, executionTimeout: TIMEOUT }, { runCommand: ['true'], timeoutSeconds: '{{ Mode }}' });

    // Act + Assess
    expect(documentPolicyIssues(d).map((i) => i.path)).toEqual(['parameters.executionTimeout', 'mainSteps.0.inputs.timeoutSeconds']);
  });

  it('should refuse a pattern anchored only at its end', () => {
    expect(documentPolicyIssues(doc({ Tail: { type: 'String', allowedPattern: '[a-z]+$', interpolationType: 'ENV_VAR' } })))
      .toEqual([{ path: 'parameters.Tail.allowedPattern', message: 'must be anchored with ^ and $' }]);
  });

  it('should check a String value whole, commas included', () => {
    // Prepare
    const d = doc({
      Word: { type: 'String', allowedPattern: '^[a-z]+$', interpolationType: 'ENV_VAR' },
      Pair: { type: 'String', allowedValues: ['a,b'], interpolationType: 'ENV_VAR' },
    });

    // Act + Assess
    expect(validateParameters('runbook-X', d, { Word: 'ab', Pair: 'a,b' })).toEqual({ Word: 'ab', Pair: 'a,b' });
    expect(refusal(() => validateParameters('runbook-X', d, { Word: 'a,b', Pair: 'a,b' })).issues).toEqual([{ path: 'parameters.Word', message: '"a,b" does not match ^[a-z]+$' }]);
  });
});
