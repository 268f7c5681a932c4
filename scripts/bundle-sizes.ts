// Prints the minified bundle size of each Lambda entry under lambdas/aws/ as `cdk synth` builds it (the options of
// lib/bundling.ts: SDK included), and how much of it zod, the AWS SDK and the rest take. Asserts nothing: the budget
// is checked by test/infra/bundle-size.test.ts.
// Run: npx tsx scripts/bundle-sizes.ts
import { build, type Metafile } from 'esbuild';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { FUNCTION_NAMES } from '../lambdas/aws/env';
import { BUNDLE_LIMIT_BYTES, esbuildOptions } from '../lib/bundling';

const ROOT = join(__dirname, '..');

/** Which package an input file of the metafile belongs to, for the breakdown columns. */
function groupOf(input: string): 'zod' | 'aws-sdk' | 'other' {
  if (/node_modules\/zod\//.test(input)) return 'zod';
  if (/node_modules\/@(aws-sdk|smithy|aws-crypto)\//.test(input)) return 'aws-sdk';
  return 'other';
}

function breakdown(metafile: Metafile): Record<'zod' | 'aws-sdk' | 'other', number> {
  const totals = { zod: 0, 'aws-sdk': 0, other: 0 };
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) totals[groupOf(input)] += bytesInOutput;
  }
  return totals;
}

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`.padStart(10);

async function main(): Promise<void> {
  const entries = FUNCTION_NAMES.map((fn) => ({ fn, file: join(ROOT, 'lambdas', 'aws', `${fn}.ts`) })).filter((e) => existsSync(e.file));
  console.log(`${'function'.padEnd(16)}${'bundle'.padStart(10)}${'zod'.padStart(10)}${'aws-sdk'.padStart(10)}${'other'.padStart(10)}  zod share  (budget ${kb(BUNDLE_LIMIT_BYTES).trim()})`);
  for (const { fn, file } of entries) {
    const result = await build(esbuildOptions(fn));
    const size = result.outputFiles.reduce((n, f) => n + f.contents.length, 0);
    const parts = breakdown(result.metafile);
    const share = `${((parts.zod / size) * 100).toFixed(0)}%`.padStart(9);
    console.log(`${fn.padEnd(16)}${kb(size)}${kb(parts.zod)}${kb(parts['aws-sdk'])}${kb(parts.other)}  ${share}${size > BUNDLE_LIMIT_BYTES ? '  over' : ''}`);
    for (const warning of result.warnings) console.log(`  warning (${relative(ROOT, file)}): ${warning.text}`);
  }
  const missing = FUNCTION_NAMES.filter((fn) => !entries.some((e) => e.fn === fn));
  if (missing.length > 0) console.log(`no entry file (not built): ${missing.join(', ')}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
