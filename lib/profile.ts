// The environment profile a stack is built for: chosen with `-c profile=examples/<file>.profile.yml`, validated with
// the same zod schema the handlers use, so a bad profile fails the synth with the field path instead of a deploy.
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Node } from 'constructs';
import { parseDocumentText, parseProfile, type EnvironmentProfile } from '../lambdas/core/schemas';
import { DEFAULT_PROFILE_FILE, REPO_ROOT } from './paths';

/** The CDK context key that names the profile file. */
export const PROFILE_CONTEXT_KEY = 'profile';

/** A profile for the embedded engine (targets this machine): there is no stack to build for it. */
export class LocalProfileError extends Error { override name = 'LocalProfileError'; }

/** Reads and validates a profile file; a relative path is taken from the repository root, not the cwd. */
export function loadProfile(file: string): EnvironmentProfile {
  const path = isAbsolute(file) ? file : resolve(REPO_ROOT, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`profile ${path}: ${(err as Error).message}`);
  }
  // Checked before the schema: the demo profile's {{port}} placeholders would otherwise read as invalid URLs.
  let raw: unknown;
  try {
    raw = parseDocumentText(text, `profile ${path}`);
  } catch {
    raw = undefined;
  }
  if ((raw as { targets?: { kind?: unknown } } | undefined)?.targets?.kind === 'local') {
    throw new LocalProfileError(`profile ${file} targets this machine (targets.kind: local): local profiles are for the embedded engine (npx runbook serve --profile ${file}), not for an AWS stack — pass a profile whose targets are tagged instances or instance ids`);
  }
  try {
    return parseProfile(text);
  } catch (err) {
    throw new Error(`profile ${path}: ${(err as Error).message}`);
  }
}

/** The profile named by `-c profile=...`, or the KIS_CORE_V3 example when the flag is absent. */
export function profileFromContext(node: Node): { file: string; profile: EnvironmentProfile } {
  const given: unknown = node.tryGetContext(PROFILE_CONTEXT_KEY);
  if (given !== undefined && (typeof given !== 'string' || given.length === 0)) {
    throw new Error(`context "${PROFILE_CONTEXT_KEY}" must be a profile file path, got ${JSON.stringify(given)}`);
  }
  const file = given ?? DEFAULT_PROFILE_FILE;
  return { file, profile: loadProfile(file) };
}
