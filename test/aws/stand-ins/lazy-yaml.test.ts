// The api's stand-in for the yaml package (lib/bundling.ts): JSON read by JSON.parse unless a key repeats, the real
// library loaded from yaml.js beside the bundle otherwise (test/infra/api-bundle.test.ts runs it inside the bundle).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Document, hasDuplicateKey, loadYaml, parse, YAML_CHUNK } from '../../../lambdas/aws/stand-ins/lazy-yaml';

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

describe('lazy yaml stand-in, with yaml.js beside it', () => {
  let dir: string;

  beforeAll(() => {
    // Prepare: a yaml.js that is the real package, as the bundling writes it (loaded once, then kept).
    dir = mkdtempSync(join(tmpdir(), 'runbook-lazy-yaml-'));
    writeFileSync(join(dir, YAML_CHUNK), `module.exports = require(${JSON.stringify(require.resolve('yaml'))});\n`);
    loadYaml(dir);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('should build the real Document with `new`, as the retrospective route does', () => {
    // Act
    const doc = new Document({ change: 'CR-2025-001', lessons: ['one'] });
    doc.commentBefore = ' draft';

    // Assess
    expect(doc.toString()).toBe('# draft\n\nchange: CR-2025-001\nlessons:\n  - one\n');
  });

  it('should parse YAML with the real library and JSON as the real library would', () => {
    // Assess
    expect(parse('a: 1\nb: [x, y]\n')).toEqual({ a: 1, b: ['x', 'y'] });
    expect(parse('{"a": 1, "b": ["x", null, true]}')).toEqual({ a: 1, b: ['x', null, true] });
    expect(() => parse('{"a": 1, "a": 2}')).toThrow(/Map keys must be unique/);
  });
});
