// Embedded engine's Parameter Store / Secrets Manager: a profile's required parameters are looked up in the
// environment and in an optional JSON file of name → value (e.g. .runbook/parameters.json).
import { readFile } from 'node:fs/promises';
import { ValidationError } from '../../core/errors';
import type { ParameterSource } from '../../ports';

export interface LocalParameterSourceOptions {
  /** process.env by default. */
  env?: Record<string, string | undefined>;
  /** Read at every call, so an operator can fix a missing value without restarting. A missing file is empty. */
  file?: string;
}

/**
 * A name has a value when, trimmed, it is not empty in the file or in the environment, looked up as written and
 * as an environment-variable name: Parameter Store paths cannot be variable names, so `/kis/prod/db-password`
 * is also looked up as `KIS_PROD_DB_PASSWORD`.
 */
export class LocalParameterSource implements ParameterSource {
  private readonly env: Record<string, string | undefined>;

  constructor(private readonly options: LocalParameterSourceOptions = {}) {
    this.env = options.env ?? process.env;
  }

  async missing(names: string[]): Promise<string[]> {
    const fromFile = await this.readFile();
    return names.filter((name) => !hasValue(fromFile[name]) && !hasValue(this.env[name]) && !hasValue(this.env[envName(name)]));
  }

  async values(names: string[]): Promise<Record<string, string>> {
    const fromFile = await this.readFile();
    const found: Record<string, string> = {};
    for (const name of names) {
      const value = [fromFile[name], this.env[name], this.env[envName(name)]].find(hasValue);
      if (value !== undefined) found[name] = String(value);
    }
    return found;
  }

  private async readFile(): Promise<Record<string, unknown>> {
    const { file } = this.options;
    if (!file) return {};
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw err;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new ValidationError(`parameters file ${file} is not valid JSON: ${(err as Error).message}`, [{ path: file, message: 'not valid JSON' }]);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new ValidationError(`parameters file ${file} must be a JSON object of name → value`, [{ path: file, message: 'not an object' }]);
    }
    return parsed as Record<string, unknown>;
  }
}

/** `/kis/prod/db-password` → `KIS_PROD_DB_PASSWORD`. */
export function envName(name: string): string {
  return name.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '').toUpperCase();
}

function hasValue(value: unknown): boolean {
  if (typeof value === 'string') return value.trim() !== '';
  return typeof value === 'number' || typeof value === 'boolean';
}
