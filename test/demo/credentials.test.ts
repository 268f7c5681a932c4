// The demo's test credentials: written once into the local parameter file the profile's tests.auth names point into,
// never over a value an operator set, never readable by others.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_TEST_CREDENTIALS, ensureDemoCredentials } from '../../demo/host';
import { LocalParameterSource } from '../../lambdas/adapters/local/parameters';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'runbook-demo-credentials-')); });
afterEach(() => { rmSync(dir, { recursive: true, force: true }); });

describe('ensureDemoCredentials', () => {
  it('should write the demo credentials into a new parameter file, owner-only, where the local parameter source finds them', async () => {
    // Prepare
    const file = join(dir, 'home', 'parameters.json');

    // Act
    ensureDemoCredentials(file);

    // Assess
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const names = Object.keys(DEMO_TEST_CREDENTIALS);
    expect(await new LocalParameterSource({ env: {}, file }).values(names)).toEqual(DEMO_TEST_CREDENTIALS);
  });

  it("should keep an operator's values and other parameters, adding only what is missing", () => {
    // Prepare
    const file = join(dir, 'parameters.json');
    writeFileSync(file, JSON.stringify({ '/runbook/local-demo/test-user-password': 'changed-by-operator', JWT_SECRET: 'x' }));

    // Act
    ensureDemoCredentials(file);

    // Assess
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      '/runbook/local-demo/test-user-password': 'changed-by-operator', JWT_SECRET: 'x',
      '/runbook/local-demo/test-user-email': 'test@company.com',
    });
  });

  it('should refuse a parameter file that is not a JSON object', () => {
    // Prepare
    const file = join(dir, 'parameters.json');
    writeFileSync(file, '[1, 2]');

    // Act + Assess
    expect(() => ensureDemoCredentials(file)).toThrow(/must be a JSON object/);
  });
});
