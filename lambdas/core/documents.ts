// SSM Command documents (schemaVersion 2.2, aws:runShellScript): parse, check parameters against the
// document's own allowedPattern/allowedValues, and map them to the SSM_<Name> environment variables that
// ENV_VAR interpolation gives the script. Pure: the local runner and the AWS SSM adapter share it.
import { PASSWORD_IN_URL_MESSAGE, hasPasswordInUrl } from './secrets';
import * as z from 'zod';
import { ValidationError, type FieldIssue } from './errors';
import { parseDocumentText, validate } from './schemas';

/** Parameter names become part of an environment variable name (SSM_<Name>), so they must be shell identifiers. */
const PARAMETER_NAME = /^[A-Za-z][A-Za-z0-9_]{0,127}$/;

// Strict: a misspelt `allowedPatern` would otherwise be dropped silently and leave the parameter unchecked.
const ParameterSchema = z.object({
  type: z.enum(['String', 'StringList']),
  description: z.string().optional(),
  default: z.union([z.string(), z.array(z.string())]).optional(),
  allowedPattern: z.string().min(1).optional(),
  allowedValues: z.array(z.string()).min(1).optional(),
  interpolationType: z.literal('ENV_VAR').optional(),
  displayType: z.enum(['textarea', 'textfield']).optional(),
}).strict();
export type DocumentParameter = z.infer<typeof ParameterSchema>;

const RunShellScriptStepSchema = z.object({
  action: z.literal('aws:runShellScript'),
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/),
  precondition: z.object({ StringEquals: z.tuple([z.literal('platformType'), z.string()]) }).strict().optional(),
  inputs: z.object({
    runCommand: z.array(z.string()).min(1),
    workingDirectory: z.string().optional(),
    timeoutSeconds: z.union([z.string(), z.number()]).optional(),
  }).strict(),
}).strict();

export const CommandDocumentSchema = z.object({
  schemaVersion: z.literal('2.2'),
  description: z.string().optional(),
  parameters: z.record(z.string().regex(PARAMETER_NAME, 'a letter, then letters, digits or _'), ParameterSchema).default({}),
  // One step per document keeps "the command's exit code" meaning one script's exit code on both engines.
  mainSteps: z.array(RunShellScriptStepSchema).length(1),
}).strict();
export type CommandDocument = z.infer<typeof CommandDocumentSchema>;

/** Parses a document's YAML/JSON text; a bad field or an allowedPattern that is not a regular expression is a ValidationError naming its path. */
export function parseCommandDocument(yamlText: string): CommandDocument {
  const doc = validate(CommandDocumentSchema, parseDocumentText(yamlText, 'document'), 'document');
  const issues: FieldIssue[] = [];
  for (const [name, p] of Object.entries(doc.parameters)) {
    if (p.allowedPattern === undefined) continue;
    try {
      new RegExp(p.allowedPattern);
    } catch (err) {
      issues.push({ path: `parameters.${name}.allowedPattern`, message: `not a regular expression: ${(err as Error).message}` });
    }
  }
  throwIfAny('document is invalid', issues);
  return doc;
}

/**
 * The agent's execution timeout as a document parameter, used as the step's `timeoutSeconds` input exactly as
 * AWS-RunShellScript does (`"timeoutSeconds": "{{ executionTimeout }}"`; the aws:runShellScript plugin's timeoutSeconds
 * input: https://docs.aws.amazon.com/systems-manager/latest/userguide/documents-command-ssm-plugin-reference.html#aws-runShellScript).
 * Digits only and never in a script, so the text interpolation there cannot carry anything but a number; its upper
 * bound is the plugin's 172800 s (48 h).
 */
export const EXECUTION_TIMEOUT_PARAMETER = 'executionTimeout';

/** Run Command rate control the SSM adapter sends by default (and the dry run describes): half the fleet at a time, stop at the first error. */
export const SSM_MAX_CONCURRENCY = '50%';
export const SSM_MAX_ERRORS = '0';
export const EXECUTION_TIMEOUT_PATTERN = '^([1-9][0-9]{0,4}|1[0-6][0-9]{4}|17[01][0-9]{3}|172[0-7][0-9]{2}|172800)$';
export const EXECUTION_TIMEOUT_INPUT = `{{ ${EXECUTION_TIMEOUT_PARAMETER} }}`;

/**
 * A step's parameters as they are sent: the step's own, plus `executionTimeout` from the step's timeoutSeconds when
 * the document has it (one number decides how long a step may run, on both engines). A step that sets
 * executionTimeout itself is refused: its timeoutSeconds is the one place for it.
 */
export function stepParameters(docName: string, doc: CommandDocument, step: { parameters: Record<string, string>; timeoutSeconds: number }): Record<string, string> {
  if (Object.hasOwn(step.parameters, EXECUTION_TIMEOUT_PARAMETER)) {
    throw new ValidationError(`${docName}: parameters.${EXECUTION_TIMEOUT_PARAMETER} comes from the step's timeoutSeconds`,
      [{ path: `parameters.${EXECUTION_TIMEOUT_PARAMETER}`, message: "is set from the step's timeoutSeconds; set that instead" }]);
  }
  // Before any document rule: a password must not reach SSM's command history, whatever the document would accept.
  const withPassword = Object.entries(step.parameters).filter(([, value]) => hasPasswordInUrl(value)).map(([name]) => name);
  if (withPassword.length > 0) {
    throw new ValidationError(`${docName}: parameters ${withPassword.join(', ')}: ${PASSWORD_IN_URL_MESSAGE}`,
      withPassword.map((name) => ({ path: `parameters.${name}`, message: PASSWORD_IN_URL_MESSAGE })));
  }
  const given = { ...step.parameters };
  if (Object.hasOwn(doc.parameters, EXECUTION_TIMEOUT_PARAMETER)) given[EXECUTION_TIMEOUT_PARAMETER] = String(step.timeoutSeconds);
  return validateParameters(docName, doc, given);
}

/** How long the agent lets the command run: the resolved executionTimeout when the document has one. */
export function executionTimeoutSeconds(resolved: Record<string, string>, fallbackSeconds: number): number {
  const value = resolved[EXECUTION_TIMEOUT_PARAMETER];
  return value !== undefined && new RegExp(EXECUTION_TIMEOUT_PATTERN).test(value) ? Number(value) : fallbackSeconds;
}

/**
 * The project's rules for its own documents, beyond what SSM accepts: every String parameter is constrained
 * (anchored allowedPattern or allowedValues) and reaches the script only through ENV_VAR interpolation, no
 * runCommand contains `{{` text interpolation, and every default satisfies its own constraint.
 */
export function documentPolicyIssues(doc: CommandDocument): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const [name, p] of Object.entries(doc.parameters)) {
    const path = `parameters.${name}`;
    if (name === EXECUTION_TIMEOUT_PARAMETER) {
      // Text-interpolated into timeoutSeconds (an input, not a script): safe only as digits.
      if (p.type !== 'String' || p.allowedPattern !== EXECUTION_TIMEOUT_PATTERN || p.allowedValues !== undefined) {
        issues.push({ path, message: `must be a String with allowedPattern ${EXECUTION_TIMEOUT_PATTERN}` });
      }
      if (p.interpolationType !== undefined) issues.push({ path: `${path}.interpolationType`, message: `must be absent: it is used as ${EXECUTION_TIMEOUT_INPUT}, not read by the script` });
      // Stryker disable next-line MethodExpression: the schema allows exactly one step, for which every and some agree
      if (!doc.mainSteps.every((step) => step.inputs.timeoutSeconds === EXECUTION_TIMEOUT_INPUT)) {
        issues.push({ path, message: `every step's inputs.timeoutSeconds must be "${EXECUTION_TIMEOUT_INPUT}"` });
      }
      if (p.default !== undefined && valueProblem(p, defaultText(p.default))) issues.push({ path: `${path}.default`, message: 'must be digits within the pattern' });
      continue;
    }
    if (p.interpolationType !== 'ENV_VAR') issues.push({ path: `${path}.interpolationType`, message: 'must be ENV_VAR' });
    if (p.allowedPattern === undefined && p.allowedValues === undefined) {
      issues.push({ path, message: 'needs an allowedPattern or allowedValues' });
    }
    if (p.allowedPattern !== undefined && !(p.allowedPattern.startsWith('^') && p.allowedPattern.endsWith('$'))) {
      issues.push({ path: `${path}.allowedPattern`, message: 'must be anchored with ^ and $' });
    }
    if (p.default !== undefined) {
      const problem = valueProblem(p, defaultText(p.default));
      if (problem) issues.push({ path: `${path}.default`, message: problem });
    }
  }
  doc.mainSteps.forEach((step, i) => {
    const timeout = step.inputs.timeoutSeconds;
    // The only text interpolation allowed anywhere: the execution timeout, as a whole input.
    if (typeof timeout === 'string' && timeout.includes('{{') && (timeout !== EXECUTION_TIMEOUT_INPUT || !Object.hasOwn(doc.parameters, EXECUTION_TIMEOUT_PARAMETER))) {
      issues.push({ path: `mainSteps.${i}.inputs.timeoutSeconds`, message: `may interpolate only "${EXECUTION_TIMEOUT_INPUT}" of a declared ${EXECUTION_TIMEOUT_PARAMETER} parameter` });
    }
    if (step.inputs.workingDirectory?.includes('{{')) issues.push({ path: `mainSteps.${i}.inputs.workingDirectory`, message: 'uses {{ }} text interpolation' });
  });
  doc.mainSteps.forEach((step, i) => step.inputs.runCommand.forEach((line, j) => {
    if (line.includes('{{')) issues.push({ path: `mainSteps.${i}.inputs.runCommand.${j}`, message: 'uses {{ }} text interpolation; read "$SSM_<Name>" instead' });
  }));
  return issues;
}

/**
 * Resolves a send's parameters against the document: defaults fill the gaps; an unknown name, a missing
 * required value, or a value outside allowedPattern/allowedValues is a ValidationError naming `parameters.<Name>`.
 */
export function validateParameters(docName: string, doc: CommandDocument, params: Record<string, string>): Record<string, string> {
  const issues: FieldIssue[] = [];
  for (const name of Object.keys(params)) {
    if (!Object.hasOwn(doc.parameters, name)) issues.push({ path: `parameters.${name}`, message: `is not a parameter of ${docName}` });
  }
  const resolved: Record<string, string> = {};
  for (const [name, p] of Object.entries(doc.parameters)) {
    const given = Object.hasOwn(params, name) ? params[name] : undefined;
    const value = given ?? (p.default === undefined ? undefined : defaultText(p.default));
    if (value === undefined) {
      issues.push({ path: `parameters.${name}`, message: 'is required' });
      continue;
    }
    const problem = valueProblem(p, value);
    if (problem) {
      issues.push({ path: `parameters.${name}`, message: `${JSON.stringify(truncate(value))} ${problem}` });
      continue;
    }
    resolved[name] = value;
  }
  throwIfAny(`${docName}: parameters are invalid`, issues);
  return resolved;
}

/** The environment ENV_VAR interpolation gives the script: SSM_<Name> for each such parameter. */
export function environmentFor(doc: CommandDocument, resolvedParams: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, p] of Object.entries(doc.parameters)) {
    const value = resolvedParams[name];
    if (p.interpolationType === 'ENV_VAR' && value !== undefined) env[`SSM_${name}`] = value;
  }
  return env;
}

/** The script the agent would write for the document's step. */
export function scriptOf(doc: CommandDocument): string {
  const [step] = doc.mainSteps;
  return step ? step.inputs.runCommand.join('\n') : '';
}

function defaultText(value: string | string[]): string {
  return Array.isArray(value) ? value.join(',') : value;
}

/** Why a value is not allowed, or undefined when it is. A StringList is checked item by item. */
function valueProblem(p: DocumentParameter, value: string): string | undefined {
  const items = p.type === 'StringList' ? value.split(',') : [value];
  for (const item of items) {
    if (p.allowedValues !== undefined && !p.allowedValues.includes(item)) return `is not one of ${p.allowedValues.join(', ')}`;
    if (p.allowedPattern !== undefined && !new RegExp(p.allowedPattern).test(item)) return `does not match ${p.allowedPattern}`;
  }
  return undefined;
}

// Rejected values end up in logs and events; a hostile one should not fill them.
function truncate(value: string): string {
  return value.length > 80 ? `${value.slice(0, 80)}…` : value;
}

function throwIfAny(what: string, issues: FieldIssue[]): void {
  if (issues.length === 0) return;
  throw new ValidationError(`${what}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
}
