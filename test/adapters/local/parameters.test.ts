// Local parameter source: which required parameters have no value in the environment or the parameters file.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { envName, LocalParameterSource } from '../../../lambdas/adapters/local/parameters';
import { ValidationError } from '../../../lambdas/core/errors';

let dir: string;
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'runbook-parameters-')); });
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

describe('LocalParameterSource.missing', () => {
  it('should list the names without a non-empty value in the environment', async () => {
    // Prepare
    const source = new LocalParameterSource({ env: { DB_URL: 'postgresql://db', API_KEY: '', SPACES: '   ' } });

    // Act
    const missing = await source.missing(['DB_URL', 'API_KEY', 'SPACES', 'NEVER_SET']);

    // Assess
    expect(missing).toEqual(['API_KEY', 'SPACES', 'NEVER_SET']);
  });

  it('should take values from the JSON file too, numbers and booleans included', async () => {
    // Prepare
    const file = join(dir, 'parameters.json');
    await writeFile(file, JSON.stringify({ '/kis/prod/db-password': 's3cret', MAX_POOL: 20, FEATURE_X: false, EMPTY: '', NULLED: null }));
    const source = new LocalParameterSource({ env: {}, file });

    // Act
    const missing = await source.missing(['/kis/prod/db-password', 'MAX_POOL', 'FEATURE_X', 'EMPTY', 'NULLED']);

    // Assess
    expect(missing).toEqual(['EMPTY', 'NULLED']);
  });

  it('should find a Parameter Store path in the environment under its variable name', async () => {
    // Prepare
    const source = new LocalParameterSource({ env: { KIS_PROD_DB_PASSWORD: 's3cret' } });

    // Act
    const missing = await source.missing(['/kis/prod/db-password', '/kis/prod/redis-url']);

    // Assess
    expect(missing).toEqual(['/kis/prod/redis-url']);
  });

  it('should treat a parameters file that does not exist as empty', async () => {
    // Prepare
    const source = new LocalParameterSource({ env: { A: '1' }, file: join(dir, 'absent.json') });

    // Act
    const missing = await source.missing(['A', 'B']);

    // Assess
    expect(missing).toEqual(['B']);
  });

  it('should read the file at every call, so a fixed value counts without a restart', async () => {
    // Prepare
    const file = join(dir, 'parameters.json');
    await writeFile(file, '{}');
    const source = new LocalParameterSource({ env: {}, file });
    const before = await source.missing(['TOKEN']);
    await writeFile(file, '{"TOKEN":"abc"}');

    // Act
    const after = await source.missing(['TOKEN']);

    // Assess
    expect(before).toEqual(['TOKEN']);
    expect(after).toEqual([]);
  });

  it.each([
    ['not JSON', '{ TOKEN: abc'],
    ['an array', '["TOKEN"]'],
  ])('should refuse a parameters file that is %s, naming the file', async (_what, text) => {
    // Prepare
    const file = join(dir, 'parameters.json');
    await writeFile(file, text);
    const source = new LocalParameterSource({ env: {}, file });

    // Act
    const result = source.missing(['TOKEN']);

    // Assess
    await expect(result).rejects.toThrow(ValidationError);
    await expect(result).rejects.toThrow(file);
  });

  it('should read process.env by default', async () => {
    // Prepare
    process.env.RUNBOOK_PARAMETERS_TEST = 'set';
    const source = new LocalParameterSource();

    // Act
    const missing = await source.missing(['RUNBOOK_PARAMETERS_TEST', 'RUNBOOK_PARAMETERS_TEST_UNSET']).finally(() => {
      delete process.env.RUNBOOK_PARAMETERS_TEST;
    });

    // Assess
    expect(missing).toEqual(['RUNBOOK_PARAMETERS_TEST_UNSET']);
  });
});

describe('envName', () => {
  it.each([
    ['/kis/prod/db-password', 'KIS_PROD_DB_PASSWORD'],
    ['DB_URL', 'DB_URL'],
    ['kis.prod.api-key', 'KIS_PROD_API_KEY'],
  ])('should map %s to %s', (name, expected) => {
    // Act
    const result = envName(name);

    // Assess
    expect(result).toBe(expected);
  });
});

describe('LocalParameterSource.values', () => {
  it('should return the values it has, the file first, then the environment as written and as a variable name', async () => {
    // Prepare
    const file = join(dir, 'parameters.json');
    await writeFile(file, JSON.stringify({ '/runbook/prod/test-user-email': 'qa@example.test', BLANK: '  ' }));
    const source = new LocalParameterSource({ env: { RUNBOOK_PROD_TEST_USER_PASSWORD: 'pw', BLANK: 'from-env' }, file });

    // Act
    const values = await source.values(['/runbook/prod/test-user-email', '/runbook/prod/test-user-password', 'BLANK', 'NEVER_SET']);

    // Assess
    expect(values).toEqual({ '/runbook/prod/test-user-email': 'qa@example.test', '/runbook/prod/test-user-password': 'pw', BLANK: 'from-env' });
  });
});
