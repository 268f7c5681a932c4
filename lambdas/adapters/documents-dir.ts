// Reading the project's SSM documents from a directory, for every engine: the local runner, the SSM adapter (the
// copy bundled with each Lambda) and the checks. A document that breaks the project's rules (a parameter spliced
// into script text, an unanchored pattern) is refused when it is read, never sent.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { documentPolicyIssues, parseCommandDocument, stepParameters, type CommandDocument } from '../core/documents';
import type { CommandStep } from '../core/schemas';
import { ValidationError } from '../core/errors';

export const DOCUMENT_NAME = /^runbook-[A-Za-z0-9]+$/;

/** The document names (file names without .yml) in a documents directory, sorted. */
export function documentNames(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.yml')).map((f) => f.slice(0, -'.yml'.length)).filter((n) => DOCUMENT_NAME.test(n)).sort();
}

/** One document, parsed and checked; an unknown name is a ValidationError naming `document`. */
export function loadDocument(dir: string, name: string): CommandDocument {
  const file = join(dir, `${name}.yml`);
  if (!DOCUMENT_NAME.test(name) || !existsSync(file)) {
    throw new ValidationError(`document: no document named ${JSON.stringify(name)} in ${dir}`,
      [{ path: 'document', message: `unknown document ${JSON.stringify(name)}` }]);
  }
  const doc = parseCommandDocument(readFileSync(file, 'utf8'));
  const issues = documentPolicyIssues(doc);
  if (issues.length > 0) {
    throw new ValidationError(`document ${name} breaks the document rules: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      issues.map((i) => ({ path: `document.${i.path}`, message: i.message })));
  }
  return doc;
}

/** Every document of the directory, by name. */
export function loadDocuments(dir: string): Record<string, CommandDocument> {
  return Object.fromEntries(documentNames(dir).map((name) => [name, loadDocument(dir, name)]));
}

/**
 * Checks a step against its document in a directory, sending nothing: what `runbook validate` and `runbook plan` run
 * offline. The same check as the adapters' (stepParameters: executionTimeout comes from the step's timeoutSeconds).
 */
export function documentsDirValidator(dir: string): { validate(step: CommandStep): Promise<Record<string, string>> } {
  return {
    validate: async (step) => stepParameters(step.document, loadDocument(dir, step.document), step),
  };
}
