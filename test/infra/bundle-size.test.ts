// Every Lambda bundle within the issue-9 budget (700 KB minified index.js), built with the options `cdk synth` uses
// (lib/bundling.ts). A bundle over its limit fails naming the function and its largest inputs. No timing here: cold
// import times are measured by `npm run bench`, never asserted in unit tests.
import { FUNCTION_NAMES, type FunctionName } from '../../lambdas/aws/env';
import { BUNDLE_LIMIT_BYTES } from '../../lib/bundling';
import { buildEntries, kb, type EntryBundle } from '../support/bundles';

/**
 * Functions that still miss the 700 KB target, each with the ceiling it must not grow past and why (README: "Bundle
 * sizes"). Lower a ceiling when a change shrinks the bundle; remove the entry once it fits.
 */
const OVER_BUDGET: Partial<Record<FunctionName, { ceilingBytes: number; reason: string }>> = {
  // All six clients, the yaml package (YAML request bodies, the retrospective route) and zod (change-request messages).
  'api': { ceilingBytes: 850 * 1024, reason: 'six SDK clients, the Scheduler client (a cancel stops the probe), yaml (YAML bodies, retro route), zod (change requests) and the ASL (the dry run reads its timeouts)' },
};

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
    const limit = OVER_BUDGET[name]?.ceilingBytes ?? BUNDLE_LIMIT_BYTES;

    // Act
    const over = bundle.bytes > limit
      ? `${name}: ${kb(bundle.bytes)} > ${kb(limit)}; largest inputs: ${bundle.inputs.slice(0, 8).map((i) => `${i.path} ${kb(i.bytes)}`).join(', ')}`
      : undefined;

    // Assess
    expect(over).toBeUndefined();
  });

  it('should keep the over-budget list honest: an entry that now fits leaves it', () => {
    // Assess
    const fitting = Object.keys(OVER_BUDGET).filter((name) => (bundles.get(name as FunctionName) as EntryBundle).bytes <= BUNDLE_LIMIT_BYTES);
    expect(fitting).toEqual([]);
  });

  it('should leave what no function reaches out: autocannon\'s multipart and CLI printer packages, pako, the yaml package but in the api', () => {
    // Assess
    const holding = (pattern: RegExp): string[] => [...bundles.values()].filter((b) => b.inputs.some((i) => pattern.test(i.path))).map((b) => b.name);
    expect(holding(/node_modules\/(mime-db|form-data|cli-table3|chalk|semver|buffer|pako)\//)).toEqual([]);
    expect(holding(/node_modules\/yaml\//)).toEqual(['api']);
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
});
