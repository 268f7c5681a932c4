// Local operators beyond adding one: removing and rotating (the old token stops at once), a broken operators.json
// named in the error, roles deduplicated or left out, the machine's operator under another name, and which bearer
// headers name a caller (the first operator whose hash matches, a cache refreshed when the file changes).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addOperator, ensureLocalOperator, hashToken, newToken, OperatorAuthenticator, OPERATORS_FILE, readOperators, removeOperator, rotateOperator, TOKEN_FILE } from '../../lambdas/api/local-auth';
import { NotFoundError, ValidationError } from '../../lambdas/core/errors';

let home: string;
beforeEach(() => { home = mkdtempSync(join(tmpdir(), 'runbook-ops-')); });
afterEach(() => rmSync(home, { recursive: true, force: true }));

const file = (): string => join(home, OPERATORS_FILE);

describe('removeOperator', () => {
  it('should remove the operator whatever the case of its name, and its token should stop working at once', () => {
    // Arrange
    const alice = addOperator(home, 'alice');
    const bob = addOperator(home, 'bob');
    const auth = new OperatorAuthenticator(home);
    expect(auth.authenticate(`Bearer ${alice.token}`)).toEqual({ id: 'alice' });

    // Act
    const removed = removeOperator(home, 'ALICE');

    // Assess
    expect(removed).toEqual(alice.operator);
    expect(readOperators(home).map((o) => o.name)).toEqual(['bob']);
    expect(auth.authenticate(`Bearer ${alice.token}`)).toBeUndefined();
    expect(auth.authenticate(`Bearer ${bob.token}`)).toEqual({ id: 'bob' });
  });

  it('should refuse an operator that does not exist, and a name that could not be one', () => {
    // Arrange
    addOperator(home, 'alice');

    // Act
    const absent = (): unknown => removeOperator(home, 'bob');
    const invalid = (): unknown => removeOperator(home, 'bob smith');

    // Assess
    expect(absent).toThrow(NotFoundError);
    expect(absent).toThrow('no operator named bob');
    expect(invalid).toThrow(ValidationError);
    expect(invalid).toThrow(/^operator name is invalid/);
    expect(readOperators(home)).toHaveLength(1);
  });
});

describe('rotateOperator', () => {
  it('should give the operator a new token, keeping its name, roles and creation time; the old token stops working', () => {
    // Arrange
    const before = addOperator(home, 'carol', { roles: ['security'], now: new Date('2026-01-01T00:00:00Z') });
    const other = addOperator(home, 'dave');
    const auth = new OperatorAuthenticator(home);

    // Act
    const rotated = rotateOperator(home, 'Carol');

    // Assess
    expect(rotated.token).not.toBe(before.token);
    expect(rotated.operator).toEqual({ ...before.operator, tokenSha256: hashToken(rotated.token) });
    expect(readOperators(home)).toEqual([rotated.operator, other.operator]);
    expect(auth.authenticate(`Bearer ${before.token}`)).toBeUndefined();
    expect(auth.authenticate(`Bearer ${rotated.token}`)).toEqual({ id: 'carol', roles: ['security'] });
  });

  it('should refuse an operator that does not exist, and a name that could not be one', () => {
    // Act
    const absent = (): unknown => rotateOperator(home, 'nobody');
    const invalid = (): unknown => rotateOperator(home, '.hidden');

    // Assess
    expect(absent).toThrow(NotFoundError);
    expect(absent).toThrow('no operator named nobody');
    expect(invalid).toThrow(ValidationError);
    expect(invalid).toThrow(/^operator name is invalid/);
  });
});

describe('addOperator', () => {
  it('should keep each role once, leave roles out when none are given, and date the operator by the clock given', () => {
    // Act
    const narrowed = addOperator(home, 'erin', { roles: ['business', 'business', 'executive'], now: new Date('2026-02-03T04:05:06Z') });
    const none = addOperator(home, 'fred', { roles: [] });
    const plain = addOperator(home, 'gina');

    // Assess
    expect(narrowed.operator).toEqual({ name: 'erin', tokenSha256: hashToken(narrowed.token), createdAt: '2026-02-03T04:05:06.000Z', roles: ['business', 'executive'] });
    expect(none.operator).not.toHaveProperty('roles');
    expect(plain.operator).not.toHaveProperty('roles');
    expect(Date.parse(plain.operator.createdAt)).not.toBeNaN();
  });

  it('should name the operator that exists and the name that cannot be one', () => {
    // Arrange
    addOperator(home, 'alice');

    // Act
    const twice = (): unknown => addOperator(home, 'ALICE');
    const invalid = (): unknown => addOperator(home, 'alice smith');

    // Assess
    expect(twice).toThrow('operator ALICE already exists');
    expect(invalid).toThrow(/^operator name is invalid/);
  });

  it('should leave no temporary file behind and write the file 0600 with a final newline', () => {
    // Act
    addOperator(home, 'hana');

    // Assess
    expect(readdirSync(home)).toEqual([OPERATORS_FILE]);
    expect(statSync(file()).mode & 0o777).toBe(0o600);
    expect(readFileSync(file(), 'utf8')).toMatch(/^\{\n {2}"operators": \[\n[\s\S]*\]\n\}\n$/);
  });

  it('should create the home directory when it does not exist yet', () => {
    // Arrange
    const nested = join(home, 'a', 'b');

    // Act
    addOperator(nested, 'ivan');

    // Assess
    expect(readOperators(nested).map((o) => o.name)).toEqual(['ivan']);
  });
});

describe('readOperators', () => {
  it('should read no operators when there is no file', () => {
    // Act
    const operators = readOperators(home);

    // Assess
    expect(operators).toEqual([]);
  });

  it('should name the file when it is not JSON', () => {
    // Arrange
    writeFileSync(file(), '{ not json');

    // Act
    const reading = (): unknown => readOperators(home);

    // Assess
    expect(reading).toThrow(new RegExp(`^${file().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not valid JSON: `));
  });

  it('should refuse a file whose operators do not have the expected shape', () => {
    // Arrange
    writeFileSync(file(), JSON.stringify({ operators: [{ name: 'x', tokenSha256: 'ABC', createdAt: 'now' }] }));

    // Act
    const reading = (): unknown => readOperators(home);

    // Assess
    expect(reading).toThrow(ValidationError);
  });
});

describe('newToken', () => {
  it('should make a fresh rbk_ token of 32 random bytes each time', () => {
    // Act
    const tokens = [newToken(), newToken()];

    // Assess
    for (const t of tokens) expect(t).toMatch(/^rbk_[A-Za-z0-9_-]{43}$/);
    expect(tokens[0]).not.toBe(tokens[1]);
  });
});

describe('ensureLocalOperator', () => {
  it('should not reuse a token file that authenticates another operator, taking the name over with a new token', () => {
    // Arrange
    const bob = addOperator(home, 'bob');
    writeFileSync(join(home, TOKEN_FILE), `${bob.token}\n`);

    // Act
    const root = ensureLocalOperator(home, 'root', new Date('2026-04-01T00:00:00Z'));

    // Assess
    expect(root.created).toBe(true);
    expect(root.token).not.toBe(bob.token);
    expect(readOperators(home)).toEqual([bob.operator, { name: 'root', tokenSha256: hashToken(root.token), createdAt: '2026-04-01T00:00:00.000Z' }]);
    expect(readFileSync(join(home, TOKEN_FILE), 'utf8')).toBe(`${root.token}\n`);
  });

  it('should give an existing operator of that name a new token, keeping the others untouched', () => {
    // Arrange
    const root = addOperator(home, 'Root', { roles: ['technical'] });
    const bob = addOperator(home, 'bob');

    // Act
    const ensured = ensureLocalOperator(home, 'root');

    // Assess
    expect(ensured.created).toBe(true);
    expect(readOperators(home)).toEqual([{ ...root.operator, tokenSha256: hashToken(ensured.token) }, bob.operator]);
    expect(new OperatorAuthenticator(home).authenticate(`Bearer ${ensured.token}`)).toEqual({ id: 'Root', roles: ['technical'] });
  });

  it('should reuse the token file of the operator whatever the case of the name asked for', () => {
    // Arrange
    const first = ensureLocalOperator(home, 'root');

    // Act
    const again = ensureLocalOperator(home, 'ROOT');

    // Assess
    expect(again).toEqual({ token: first.token, created: false });
  });

  it('should refuse to create an operator under a name that could not be one', () => {
    // Act
    const ensuring = (): unknown => ensureLocalOperator(home, 'root user');

    // Assess
    expect(ensuring).toThrow(ValidationError);
    expect(ensuring).toThrow(/^operator name is invalid/);
    expect(existsSync(join(home, TOKEN_FILE))).toBe(false);
  });
});

describe('OperatorAuthenticator', () => {
  it.each([
    ['extra spaces after the scheme and at the end', (t: string) => `Bearer    ${t}  `],
    ['a tab after the scheme', (t: string) => `Bearer\t${t}`],
    ['the scheme in capitals', (t: string) => `BEARER ${t}`],
  ])('should authenticate a header with %s', (_what, header) => {
    // Arrange
    const { token } = addOperator(home, 'kim');

    // Act
    const caller = new OperatorAuthenticator(home).authenticate(header(token));

    // Assess
    expect(caller).toEqual({ id: 'kim' });
  });

  it.each([
    ['text before the scheme', (t: string) => `x Bearer ${t}`],
    ['two tokens', (t: string) => `Bearer ${t} ${t}`],
    ['no space after the scheme', (t: string) => `Bearer${t}`],
    ['no token', () => 'Bearer '],
    ['the token alone', (t: string) => t],
  ])('should authenticate nobody with %s', (_what, header) => {
    // Arrange
    const { token } = addOperator(home, 'kim');

    // Act
    const caller = new OperatorAuthenticator(home).authenticate(header(token));

    // Assess
    expect(caller).toBeUndefined();
  });

  it('should authenticate nobody with a token that lacks the rbk_ prefix, even one whose hash is listed', () => {
    // Arrange
    writeFileSync(file(), JSON.stringify({ operators: [{ name: 'legacy', tokenSha256: hashToken('plain-secret'), createdAt: '2026-01-01T00:00:00.000Z' }] }));

    // Act
    const caller = new OperatorAuthenticator(home).authenticate('Bearer plain-secret');

    // Assess
    expect(caller).toBeUndefined();
  });

  it('should name the first operator listed when two share a token hash', () => {
    // Arrange
    const token = newToken();
    const entry = (name: string) => ({ name, tokenSha256: hashToken(token), createdAt: '2026-01-01T00:00:00.000Z' });
    writeFileSync(file(), JSON.stringify({ operators: [entry('first'), entry('second')] }));

    // Act
    const caller = new OperatorAuthenticator(home).authenticate(`Bearer ${token}`);

    // Assess
    expect(caller).toEqual({ id: 'first' });
  });

  it('should authenticate nobody once the operators file is gone', () => {
    // Arrange
    const { token } = addOperator(home, 'lee');
    const auth = new OperatorAuthenticator(home);
    expect(auth.authenticate(`Bearer ${token}`)).toEqual({ id: 'lee' });

    // Act
    rmSync(file());

    // Assess
    expect(auth.authenticate(`Bearer ${token}`)).toBeUndefined();
  });

  it('should read the file again when its size changes even if its modification time does not', () => {
    // Arrange
    const { token } = addOperator(home, 'max');
    const mtime = new Date('2026-01-01T00:00:00Z');
    utimesSync(file(), mtime, mtime);
    const auth = new OperatorAuthenticator(home);
    expect(auth.authenticate(`Bearer ${token}`)).toEqual({ id: 'max' });

    // Act
    writeFileSync(file(), `${JSON.stringify({ operators: [] })}\n`);
    utimesSync(file(), mtime, mtime);

    // Assess
    expect(auth.authenticate(`Bearer ${token}`)).toBeUndefined();
  });

  /** max's file with a fixed modification time, read once by a new authenticator, and a token of the same length. */
  function readOnceAtFixedTime(): { max: ReturnType<typeof addOperator>; mtime: Date; auth: OperatorAuthenticator; text: string; other: string } {
    const max = addOperator(home, 'max');
    const mtime = new Date('2026-01-01T00:00:00Z');
    utimesSync(file(), mtime, mtime);
    const auth = new OperatorAuthenticator(home);
    expect(auth.authenticate(`Bearer ${max.token}`)).toEqual({ id: 'max' });
    return { max, mtime, auth, text: readFileSync(file(), 'utf8'), other: newToken() };
  }

  it('should read the file again when its modification time changes even if its size does not', () => {
    // Arrange
    const { max, mtime, auth, text, other } = readOnceAtFixedTime();

    // Act
    writeFileSync(file(), text.replace(hashToken(max.token), hashToken(other)));
    utimesSync(file(), mtime, new Date(mtime.getTime() + 5000));

    // Assess
    expect(auth.authenticate(`Bearer ${max.token}`)).toBeUndefined();
    expect(auth.authenticate(`Bearer ${other}`)).toEqual({ id: 'max' });
  });

  it('should not read the file again while neither its size nor its modification time changed', () => {
    // Arrange
    const { max, mtime, auth, text, other } = readOnceAtFixedTime();

    // Act
    writeFileSync(file(), text.replace(hashToken(max.token), hashToken(other)));
    utimesSync(file(), mtime, mtime);

    // Assess
    expect(auth.authenticate(`Bearer ${max.token}`)).toEqual({ id: 'max' });
  });
});
