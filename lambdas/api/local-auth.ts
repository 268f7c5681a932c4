// Bearer-token authentication for `runbook serve`. `.runbook/operators.json` (0600) maps the SHA-256 of each
// operator's token to the operator's identity (and, optionally, the roles that operator may approve for); the
// tokens themselves are shown once and never stored by the server. `.runbook/operator-token` (0600) holds the
// token of this machine's OS user so the CLI on the same machine authenticates without being told.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { ConflictError, NotFoundError } from '../core/errors';
import { ROLES, type ApprovalRole } from '../core/records';
import { validate } from '../core/schemas';
import type { Identity } from './http';

export const OPERATORS_FILE = 'operators.json';
export const TOKEN_FILE = 'operator-token';
const TOKEN_PREFIX = 'rbk_';

export const OperatorNameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/, 'letters, digits and . _ @ - (up to 64), starting with a letter or digit');

const OperatorSchema = z.object({
  name: OperatorNameSchema,
  tokenSha256: z.string().regex(/^[0-9a-f]{64}$/),
  roles: z.array(z.enum(ROLES)).optional(),
  createdAt: z.string(),
});
export type OperatorRecord = z.infer<typeof OperatorSchema>;
const OperatorsFileSchema = z.object({ operators: z.array(OperatorSchema) });

// Stryker disable next-line StringLiteral: Hash.update with an empty encoding reads a string as UTF-8, its default
export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');
export const newToken = (): string => `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;

const sameName = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

export function readOperators(home: string): OperatorRecord[] {
  const file = join(home, OPERATORS_FILE);
  if (!existsSync(file)) return [];
  let raw: unknown;
  try {
    // Stryker disable next-line StringLiteral: without an encoding readFileSync gives a Buffer, which JSON.parse reads as UTF-8 text all the same
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  return validate(OperatorsFileSchema, raw, file).operators;
}

/** Written to a temporary file created 0600 and renamed over the old one, so no reader sees half a file. */
function writeSecretFile(file: string, content: string): void {
  mkdirSync(join(file, '..'), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

function writeOperators(home: string, operators: OperatorRecord[]): void {
  writeSecretFile(join(home, OPERATORS_FILE), `${JSON.stringify({ operators }, null, 2)}\n`);
}

/** A new operator with a fresh token; the token is returned once and only its hash is kept. */
export function addOperator(home: string, name: string, options: { roles?: ApprovalRole[]; now?: Date } = {}): { token: string; operator: OperatorRecord } {
  const validName = validate(OperatorNameSchema, name, 'operator name');
  const operators = readOperators(home);
  if (operators.some((o) => sameName(o.name, validName))) throw new ConflictError(`operator ${validName} already exists`);
  const token = newToken();
  const operator: OperatorRecord = {
    name: validName, tokenSha256: hashToken(token), createdAt: (options.now ?? new Date()).toISOString(),
    ...(options.roles && options.roles.length > 0 ? { roles: [...new Set(options.roles)] } : {}),
  };
  writeOperators(home, [...operators, operator]);
  return { token, operator };
}

/** Removes an operator: its token stops working at once (the server re-reads the file). NotFoundError if absent. */
export function removeOperator(home: string, name: string): OperatorRecord {
  const validName = validate(OperatorNameSchema, name, 'operator name');
  const operators = readOperators(home);
  const found = operators.find((o) => sameName(o.name, validName));
  if (!found) throw new NotFoundError(`no operator named ${validName}`);
  writeOperators(home, operators.filter((o) => o !== found));
  return found;
}

/** Gives an operator a new token (returned once); the old one stops working at once. NotFoundError if absent. */
export function rotateOperator(home: string, name: string): { token: string; operator: OperatorRecord } {
  const validName = validate(OperatorNameSchema, name, 'operator name');
  const operators = readOperators(home);
  const found = operators.find((o) => sameName(o.name, validName));
  if (!found) throw new NotFoundError(`no operator named ${validName}`);
  const token = newToken();
  const operator = { ...found, tokenSha256: hashToken(token) };
  writeOperators(home, operators.map((o) => (o === found ? operator : o)));
  return { token, operator };
}

/**
 * Makes sure this machine's user can call the local server: reuses `.runbook/operator-token` when it still
 * authenticates, otherwise creates the operator (or gives it a new token, since only hashes are kept) and writes
 * the token file. Returns the token and whether it is new.
 */
export function ensureLocalOperator(home: string, name: string, now = new Date()): { token: string; created: boolean } {
  const tokenFile = join(home, TOKEN_FILE);
  const operators = readOperators(home);
  if (existsSync(tokenFile)) {
    const token = readFileSync(tokenFile, 'utf8').trim();
    const found = findOperator(operators, token);
    if (found && sameName(found.name, name)) return { token, created: false };
  }
  const token = newToken();
  const existing = operators.find((o) => sameName(o.name, name));
  const next = existing
    ? operators.map((o) => (o === existing ? { ...o, tokenSha256: hashToken(token) } : o))
    : [...operators, { name: validate(OperatorNameSchema, name, 'operator name'), tokenSha256: hashToken(token), createdAt: now.toISOString() }];
  writeOperators(home, next);
  writeSecretFile(tokenFile, `${token}\n`);
  return { token, created: true };
}

function findOperator(operators: OperatorRecord[], token: string): OperatorRecord | undefined {
  if (!token.startsWith(TOKEN_PREFIX)) return undefined;
  const presented = Buffer.from(hashToken(token), 'hex');
  // Every stored hash is compared, in constant time each, so the answer's timing says nothing about which matched.
  let found: OperatorRecord | undefined;
  for (const o of operators) {
    if (timingSafeEqual(presented, Buffer.from(o.tokenSha256, 'hex')) && !found) found = o;
  }
  return found;
}

/** Reads operators.json again whenever it changes, so `runbook operator add` needs no server restart. */
export class OperatorAuthenticator {
  private cache: { mtimeMs: number; size: number; operators: OperatorRecord[] } | undefined;

  constructor(private readonly home: string) {}

  /** The caller behind an `Authorization: Bearer <token>` header, or undefined. */
  authenticate(authorization: string | undefined): Identity | undefined {
    // Stryker disable next-line StringLiteral: any text without the Bearer scheme matches no more than '' does
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!m?.[1]) return undefined;
    const operator = findOperator(this.operators(), m[1]);
    if (!operator) return undefined;
    return { id: operator.name, ...(operator.roles ? { roles: operator.roles } : {}) };
  }

  private operators(): OperatorRecord[] {
    const file = join(this.home, OPERATORS_FILE);
    if (!existsSync(file)) return [];
    const st = statSync(file);
    if (!this.cache || this.cache.mtimeMs !== st.mtimeMs || this.cache.size !== st.size) {
      this.cache = { mtimeMs: st.mtimeMs, size: st.size, operators: readOperators(this.home) };
    }
    return this.cache.operators;
  }
}
