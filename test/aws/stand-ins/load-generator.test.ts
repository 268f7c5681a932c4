// The stand-ins for parts of autocannon the TEST function's load tester never reaches, required the way autocannon requires them.
describe('form-data stand-in', () => {
  it('should refuse to build a multipart body, naming why', () => {
    // Prepare
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const FormData = require('../../../lambdas/aws/stand-ins/no-multipart') as new () => unknown;

    // Assess
    expect(() => new FormData()).toThrow(/multipart bodies are not sent by the load tester/);
  });
});

describe('cli-printer stand-in', () => {
  it('should load as a base class but refuse to print, naming why', () => {
    // Prepare
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Table = require('../../../lambdas/aws/stand-ins/cli-printer') as new () => object;
    class TableWithoutColor extends Table {}

    // Assess
    expect(() => new TableWithoutColor()).toThrow(/command-line printer is not bundled in the TEST function/);
    expect(() => (Table as unknown as () => void)()).toThrow(/command-line printer/);
  });
});

describe('semver stand-in', () => {
  it('should compare x.y.z versions as semver.gte does', () => {
    // Prepare
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { gte } = require('../../../lambdas/aws/stand-ins/semver-gte') as { gte: (a: string, b: string) => boolean };

    // Assess
    expect([gte('24.1.0', '11.7.0'), gte('11.7.0', '11.7.0'), gte('11.6.9', '11.7.0'), gte('v10.20.1', '11.7.0'), gte('11.10.0', '11.7.0')]).toEqual([true, true, false, false, true]);
    expect(() => gte('latest', '11.7.0')).toThrow(/cannot compare "latest"/);
  });
});
