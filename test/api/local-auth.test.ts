// Local bearer-token operators: tokens shown once and kept only as SHA-256, files readable by the owner only, the
// machine's own operator created (or given a new token) by `serve`, and tokens checked against every operator.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addOperator, ensureLocalOperator, hashToken, OperatorAuthenticator, OPERATORS_FILE, readOperators, TOKEN_FILE } from '../../lambdas/api/local-auth';
import { ConflictError, ValidationError } from '../../lambdas/core/errors';

let home: string;
beforeEach(() => { home = mkdtempSync(join(tmpdir(), 'runbook-auth-')); });
afterEach(() => rmSync(home, { recursive: true, force: true }));

const mode = (file: string): number => statSync(file).mode & 0o777;

describe('addOperator', () => {
  it('should keep only the hash of the token it returns, in a file only the owner can read', () => {
    // Act
    const { token, operator } = addOperator(home, 'alice', { roles: ['technical'] });

    // Assess
    const text = readFileSync(join(home, OPERATORS_FILE), 'utf8');
    expect(token).toMatch(/^rbk_[A-Za-z0-9_-]{43}$/);
    expect(text).not.toContain(token);
    expect(operator).toMatchObject({ name: 'alice', tokenSha256: hashToken(token), roles: ['technical'] });
    expect(mode(join(home, OPERATORS_FILE))).toBe(0o600);
  });

  it('should refuse a second operator of the same name, whatever its case', () => {
    // Prepare
    addOperator(home, 'alice');

    // Act / Assess
    expect(() => addOperator(home, 'Alice')).toThrow(ConflictError);
  });

  it('should refuse a name that could not be an identity, naming the problem', () => {
    expect(() => addOperator(home, 'alice smith')).toThrow(ValidationError);
    expect(() => addOperator(home, '-rf')).toThrow(ValidationError);
  });
});

describe('hashToken', () => {
  it('should give the SHA-256 of the token as 64 lower-case hex digits, as sha256sum prints it', () => {
    // Act
    const hash = hashToken('abc');

    // Assess
    expect(hash).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('should write the hash into operators.json as that hex text', () => {
    // Act
    const { token } = addOperator(home, 'bob');

    // Assess
    const written = JSON.parse(readFileSync(join(home, OPERATORS_FILE), 'utf8')) as { operators: { name: string; tokenSha256: unknown }[] };
    expect(written.operators).toEqual([expect.objectContaining({ name: 'bob', tokenSha256: expect.stringMatching(/^[0-9a-f]{64}$/) })]);
    expect(readOperators(home)[0]?.tokenSha256).toBe(hashToken(token));
  });
});

describe('ensureLocalOperator', () => {
  it('should create the machine\'s operator and write its token file 0600, then reuse it', () => {
    // Act
    const first = ensureLocalOperator(home, 'root');
    const second = ensureLocalOperator(home, 'root');

    // Assess
    expect(first.created).toBe(true);
    expect(second).toEqual({ token: first.token, created: false });
    expect(readFileSync(join(home, TOKEN_FILE), 'utf8').trim()).toBe(first.token);
    expect(mode(join(home, TOKEN_FILE))).toBe(0o600);
    expect(readOperators(home).map((o) => o.name)).toEqual(['root']);
  });

  it('should give the operator a new token when the token file no longer authenticates', () => {
    // Prepare
    const first = ensureLocalOperator(home, 'root');
    writeFileSync(join(home, TOKEN_FILE), 'rbk_lost\n');

    // Act
    const again = ensureLocalOperator(home, 'root');

    // Assess
    expect(again.created).toBe(true);
    expect(again.token).not.toBe(first.token);
    expect(readOperators(home)).toHaveLength(1);
    expect(new OperatorAuthenticator(home).authenticate(`Bearer ${first.token}`)).toBeUndefined();
  });
});

describe('OperatorAuthenticator', () => {
  it('should name the operator behind a valid bearer token, with its roles', () => {
    // Prepare
    const { token } = addOperator(home, 'bob', { roles: ['business'] });
    const auth = new OperatorAuthenticator(home);

    // Act / Assess
    expect(auth.authenticate(`Bearer ${token}`)).toEqual({ id: 'bob', roles: ['business'] });
    expect(auth.authenticate(`bearer ${token}`)).toEqual({ id: 'bob', roles: ['business'] });
  });

  it.each([
    ['no header', undefined],
    ['another scheme', 'Basic Ym9iOnNlY3JldA=='],
    ['an unknown token', 'Bearer rbk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['a token without the prefix', 'Bearer abc'],
  ])('should authenticate nobody with %s', (_what, header) => {
    // Prepare
    addOperator(home, 'bob');

    // Act / Assess
    expect(new OperatorAuthenticator(home).authenticate(header)).toBeUndefined();
  });

  it('should see an operator added while it runs, without a restart', () => {
    // Prepare
    const auth = new OperatorAuthenticator(home);
    expect(auth.authenticate('Bearer rbk_x')).toBeUndefined();

    // Act
    const { token } = addOperator(home, 'carol');

    // Assess
    expect(auth.authenticate(`Bearer ${token}`)).toEqual({ id: 'carol' });
  });
});
