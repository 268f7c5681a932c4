// Parameter names of a profile as Parameter Store names: a bare name sits under /runbook/<environment>/, a path must
// already be under it (the only path the environment's functions may read, lib/profile-parameter.ts).
import { parameterNameProblem, parameterPrefix, parameterStoreName } from '../../lambdas/core/parameter-names';

describe('parameterNameProblem', () => {
  it('should accept a bare name and a path under the prefix with a name after it', () => {
    expect(parameterPrefix('kis-core-v3')).toBe('/runbook/kis-core-v3/');
    expect(parameterNameProblem('kis-core-v3', 'DATABASE_URL')).toBeUndefined();
    expect(parameterNameProblem('kis-core-v3', '/runbook/kis-core-v3/DATABASE_URL')).toBeUndefined();
  });

  it.each([
    ['another environment', '/runbook/other/DATABASE_URL'],
    ['the prefix alone', '/runbook/kis-core-v3/'],
    ['a path outside /runbook/', '/etc/DATABASE_URL'],
    ['the prefix without its slash', '/runbook/kis-core-v3'],
  ])('should refuse %s, saying where a path must be', (_what, name) => {
    expect(parameterNameProblem('kis-core-v3', name)).toBe(
      "a parameter path must be under /runbook/kis-core-v3/ (the only path this environment's functions may read); or give the bare name, read as /runbook/kis-core-v3/<NAME>",
    );
  });
});

describe('parameterStoreName', () => {
  it('should put a bare name under the prefix and keep a full path as it is', () => {
    expect(parameterStoreName('kis-core-v3', 'DATABASE_URL')).toBe('/runbook/kis-core-v3/DATABASE_URL');
    expect(parameterStoreName('kis-core-v3', '/runbook/kis-core-v3/app/DATABASE_URL')).toBe('/runbook/kis-core-v3/app/DATABASE_URL');
  });

  it('should throw on a path the profile validation refuses, naming it', () => {
    expect(() => parameterStoreName('kis-core-v3', '/other/X')).toThrow(new RangeError(
      'parameter "/other/X": a parameter path must be under /runbook/kis-core-v3/ (the only path this environment\'s functions may read); or give the bare name, read as /runbook/kis-core-v3/<NAME>',
    ));
  });
});
