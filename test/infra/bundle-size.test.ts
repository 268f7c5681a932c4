// Every Lambda bundle within the issue-9 budget (700 KB minified index.js; the api's yaml.js, loaded on first use, apart),
// built with the options `cdk synth` uses (lib/bundling.ts). A bundle over its limit fails naming the function and its largest inputs. No timing here: cold
// import times are measured by `npm run bench`, never asserted in unit tests.
import { FUNCTION_NAMES, type FunctionName } from '../../lambdas/aws/env';
import { build } from 'esbuild';
import { BUNDLE_LIMIT_BYTES, yamlChunkOptions } from '../../lib/bundling';
import { buildEntries, kb, type EntryBundle } from '../support/bundles';

let bundles: Map<FunctionName, EntryBundle>;

beforeAll(async () => {
  bundles = await buildEntries();
}, 180_000);

describe('Lambda bundle sizes', () => {
  it('should build every entry', () => {
    expect([...bundles.keys()]).toEqual([...FUNCTION_NAMES]);
  });

  it.each([...FUNCTION_NAMES])('%s: within its limit', (name) => {
    // Prepare
    const bundle = bundles.get(name) as EntryBundle;

    // Act
    const over = bundle.bytes > BUNDLE_LIMIT_BYTES
      ? `${name}: ${kb(bundle.bytes)} > ${kb(BUNDLE_LIMIT_BYTES)}; largest inputs: ${bundle.inputs.slice(0, 8).map((i) => `${i.path} ${kb(i.bytes)}`).join(', ')}`
      : undefined;

    // Assess
    expect(over).toBeUndefined();
  });

  it('should leave what no function reaches out: autocannon\'s multipart and CLI printer packages, pako, the yaml package', () => {
    // Assess
    const holding = (pattern: RegExp): string[] => [...bundles.values()].filter((b) => b.inputs.some((i) => pattern.test(i.path))).map((b) => b.name);
    expect(holding(/node_modules\/(mime-db|form-data|cli-table3|chalk|semver|buffer|pako)\//)).toEqual([]);
    // The api loads the real yaml package on first use from yaml.js beside index.js (lambdas/aws/stand-ins/lazy-yaml.ts).
    expect(holding(/node_modules\/yaml\//)).toEqual([]);
    expect(holding(/stand-ins\/lazy-yaml\.ts$/)).toEqual(['api']);
  });

  it('should leave what only event-stream operations load out: no function sends one', () => {
    // Assess
    const holding = [...bundles.values()].filter((b) => b.inputs.some((i) => /@smithy\/core\/dist-es\/submodules\/event-streams\//.test(i.path))).map((b) => b.name);
    expect(holding).toEqual([]);
  });

  it('should leave the full zod build out: its locales never reach a bundle', () => {
    // Assess: `import { z } from 'zod'` would pull every locale (~258 KB); the namespace import lets esbuild drop them.
    const locales = [...bundles.values()].filter((b) => b.inputs.some((i) => /zod\/v4\/locales\/(?!en\.js)/.test(i.path))).map((b) => b.name);
    expect(locales).toEqual([]);
  });

  it('should build the api\'s yaml.js (loaded on the first YAML it meets) from the yaml package alone', async () => {
    // Act
    const chunk = await build(yamlChunkOptions());
    const inputs = Object.keys(chunk.metafile.inputs);

    // Assess
    expect(inputs.every((i) => i.startsWith('node_modules/yaml/'))).toBe(true);
    expect(chunk.outputFiles.reduce((n, f) => n + f.contents.length, 0)).toBeGreaterThan(50 * 1024);
  });
});
