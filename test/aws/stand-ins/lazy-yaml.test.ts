// The api's stand-in for the yaml package (lib/bundling.ts): JSON read by JSON.parse unless a key repeats, the real
// library loaded from yaml.js beside the bundle otherwise (test/infra/api-bundle.test.ts runs it inside the bundle).
import { tmpdir } from 'node:os';
import { hasDuplicateKey, loadYaml } from '../../../lambdas/aws/stand-ins/lazy-yaml';

describe('lazy yaml stand-in', () => {
  it('should find a repeated key at any depth, and only within one object', () => {
    // Assess
    expect(hasDuplicateKey('{"a": 1, "b": {"a": 2, "c": [{"a": 3}, {"a": 4}]}}')).toBe(false);
    expect(hasDuplicateKey('{"a": 1, "b": {"c": 2, "c": 3}}')).toBe(true);
    expect(hasDuplicateKey('[{"k": 1}, {"k": 2}, {"k": 3, "k": 4}]')).toBe(true);
  });

  it('should read keys and strings with escapes, quotes and braces as JSON does', () => {
    // Assess: "a\u0062" is "ab"; braces and colons inside strings are text, not structure.
    expect(hasDuplicateKey('{"ab": 1, "a\\u0062": 2}')).toBe(true);
    expect(hasDuplicateKey('{"x": "{\\"x\\": 1}", "y": "a:b}"}')).toBe(false);
  });

  it('should name the missing yaml.js when the bundle was deployed without it', () => {
    // Assess
    expect(() => loadYaml(tmpdir())).toThrow(/the YAML library is not beside this bundle .*yaml\.js/);
  });
});
