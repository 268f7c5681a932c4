// `runbook validate FILE…`: checks environment profiles and change requests offline (no server, no AWS) with the
// code the server runs: the schemas (unknown profile keys are errors, unknown change-request keys warnings), the
// documents' parameter patterns for every step, step names and the cross-field rules of a submission.
import { readFileSync } from 'node:fs';
import { ValidationError, type FieldIssue } from '../../lambdas/core/errors';
import {
  ChangeRequestSchema, EnvironmentProfileSchema, parseDocumentText, validateWithWarnings, type ChangeRequest, type EnvironmentProfile,
} from '../../lambdas/core/schemas';
import { documentsDirValidator } from '../../lambdas/adapters/documents-dir';
import { knownKeys } from '../../lambdas/core/unknown-keys';
import { DOCUMENTS_DIR } from '../../lambdas/embedded/runtime';
import { submissionIssues, type StepValidator } from '../../lambdas/phases/submit';
import { EXIT } from './client';
import type { Io } from './commands';

export const KINDS = ['profile', 'change'] as const;
export type Kind = (typeof KINDS)[number];

/** The port `{{port}}` placeholders are filled with for checking (`run`/`serve` fill in the demo service's port). */
export const SAMPLE_PORT = 8080;
const DEMO_PORT_PLACEHOLDER = '{{port}}';

export interface FileResult {
  file: string;
  kind?: Kind;
  valid: boolean;
  problems: FieldIssue[];
  warnings: FieldIssue[];
  notes: string[];
}

export interface ValidateOptions {
  kind?: Kind;
  /** A profile to check every change request against. */
  profile?: string;
  json?: boolean;
  /** Where the host-command documents are (default: the project's documents/). */
  documentsDir?: string;
}

interface Loaded { result: FileResult; raw?: unknown }

function load(file: string, kind: Kind | undefined): Loaded {
  const result: FileResult = { file, valid: false, problems: [], warnings: [], notes: [] };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    result.problems.push({ path: '', message: `cannot read the file: ${(err as Error).message}` });
    return { result };
  }
  if (text.includes(DEMO_PORT_PLACEHOLDER)) {
    text = text.split(DEMO_PORT_PLACEHOLDER).join(String(SAMPLE_PORT));
    result.notes.push(`${DEMO_PORT_PLACEHOLDER} filled with ${SAMPLE_PORT} for the check (runbook run/serve fill in the demo service's port)`);
  }
  let raw: unknown;
  try {
    raw = parseDocumentText(text, file);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    result.problems.push(...err.issues);
    return { result };
  }
  const detected = kind ?? detectKind(raw);
  if (!detected) {
    result.problems.push({ path: '', message: 'cannot tell a profile (name, targets, act, …) from a change request (change_request, …): pass --kind profile or --kind change' });
    return { result };
  }
  result.kind = detected;
  return { result, raw };
}

/** A change request has `change_request`; a profile has the profile's own top-level keys. */
export function detectKind(raw: unknown): Kind | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const keys = Object.keys(raw);
  if (keys.includes('change_request')) return 'change';
  const profileKeys = knownKeys(EnvironmentProfileSchema);
  if (keys.some((k) => k === 'targets' || k === 'act' || k === 'rollback') || keys.filter((k) => profileKeys.includes(k)).length >= 2) return 'profile';
  return undefined;
}

function schemaCheck<T>(schema: typeof EnvironmentProfileSchema | typeof ChangeRequestSchema, loaded: Loaded): T | undefined {
  try {
    const { value, warnings } = validateWithWarnings(schema, loaded.raw, loaded.result.kind === 'profile' ? 'profile' : 'change request');
    loaded.result.warnings.push(...warnings);
    return value as T;
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    loaded.result.problems.push(...err.issues);
    return undefined;
  }
}

/** Validates every file; a change request is checked against `--profile`, else against a profile among the files that it names. */
export async function validateFiles(files: string[], options: ValidateOptions = {}): Promise<FileResult[]> {
  const hosts: StepValidator = documentsDirValidator(options.documentsDir ?? DOCUMENTS_DIR);
  const loaded = files.map((f) => load(f, options.kind));
  const profiles = new Map<string, EnvironmentProfile>();
  for (const l of loaded.filter((x) => x.result.kind === 'profile')) {
    const profile = schemaCheck<EnvironmentProfile>(EnvironmentProfileSchema, l);
    if (profile) {
      l.result.problems.push(...await submissionIssues(hosts, profile));
      if (l.result.problems.length === 0) profiles.set(profile.name, profile);
    }
  }
  let against: { file: string; profile?: EnvironmentProfile } | undefined;
  if (options.profile) {
    const p = load(options.profile, 'profile');
    const profile = p.raw === undefined ? undefined : schemaCheck<EnvironmentProfile>(EnvironmentProfileSchema, p);
    if (profile) p.result.problems.push(...await submissionIssues(hosts, profile));
    if (p.result.problems.length > 0) {
      p.result.notes.push('the --profile file; change requests were not checked against it');
      loaded.push(p);
    }
    against = { file: options.profile, ...(p.result.problems.length === 0 && profile ? { profile } : {}) };
  }
  for (const l of loaded.filter((x) => x.result.kind === 'change')) {
    const request = schemaCheck<ChangeRequest>(ChangeRequestSchema, l);
    if (!request) continue;
    const named = request.change_request.environment;
    const profile = against ? against.profile : named ? profiles.get(named) : undefined;
    if (profile) {
      l.result.problems.push(...await submissionIssues(hosts, profile, request));
      l.result.notes.push(`checked against the profile ${profile.name}${against ? ` (${against.file})` : ''}`);
    } else if (!against) {
      l.result.notes.push('not checked against a profile (pass --profile FILE, or the profile file too): its environment, step overrides and their values were not checked');
    }
  }
  for (const l of loaded) l.result.valid = l.result.problems.length === 0;
  return loaded.map((l) => l.result);
}

/** The command: prints every problem with its path; 0 when every file is valid, 2 otherwise. */
export async function validateCommand(files: string[], options: ValidateOptions, io: Io): Promise<number> {
  const results = await validateFiles(files, options);
  const valid = results.every((r) => r.valid);
  if (options.json) {
    io.out(JSON.stringify({ valid, files: results }, null, 2));
    return valid ? EXIT.OK : EXIT.USAGE;
  }
  for (const r of results) {
    const what = r.kind === 'change' ? 'change request' : r.kind ?? 'file';
    io.out(r.valid ? `✓ ${r.file}: valid ${what}` : `✖ ${r.file}: ${what}, ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}`);
    for (const p of r.problems) io.out(`    ${p.path || '(root)'}: ${p.message}`);
    for (const w of r.warnings) io.out(`    warning: ${w.path}: ${w.message}`);
    for (const n of r.notes) io.out(`    note: ${n}`);
  }
  const bad = results.filter((r) => !r.valid).length;
  io.out(valid ? `${results.length} file${results.length === 1 ? '' : 's'} valid` : `${bad} of ${results.length} file${results.length === 1 ? '' : 's'} invalid`);
  return valid ? EXIT.OK : EXIT.USAGE;
}
