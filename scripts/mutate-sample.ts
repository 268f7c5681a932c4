// `npm run mutate:sample -- <dir>:<lines> [<dir>:<lines> ...] [--seed N]`: each layer's mutation score estimated from a
// random sample of its code lines: a quick estimate while a layer's full run (`npm run mutate`, ~30–60 min on 2 cores)
// is stale. Stryker (stryker.api.config.mjs: the in-process tests of test/support/stryker/layer-tests.cjs and the
// console's server suite) tests only the mutants lying within the sampled lines (its `file:line-line` mutation
// ranges), all layers in one run (one initial test run); the script prints each layer's score with a 95 % interval.
// The sample is of lines, so a mutant spanning lines (a whole block removed) is never in it, and the mutants of one
// line are not independent (a line can hold a dozen): the interval is a guide, not a bound.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { reportFilesUnder, summarise } from './mutate';

const ROOT = join(__dirname, '..');

/** Lines that can hold a mutant: not blank, not a comment, not an import or a type-only line, not a lone bracket. */
export function codeLines(text: string): number[] {
  const lines: number[] = [];
  let inBlockComment = false;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (inBlockComment) {
      if (line.includes('*/')) inBlockComment = false;
      return;
    }
    if (line.startsWith('/*')) {
      if (!line.includes('*/')) inBlockComment = true;
      return;
    }
    if (line === '' || line.startsWith('//') || /^(import|export type|type|interface)\b/.test(line) || /^[\])};,]+$/.test(line)) return;
    lines.push(index + 1);
  });
  return lines;
}

/** A small seeded generator (mulberry32), so a sample can be drawn again. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` distinct lines drawn uniformly from every code line of the .ts files under `dir`, as Stryker ranges. */
export function sampleRanges(dir: string, count: number, seed: number): string[] {
  const all = readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))
    .sort()
    .flatMap((name) => codeLines(readFileSync(join(ROOT, dir, name), 'utf8')).map((line) => `${dir}/${name}:${line}-${line}`));
  if (all.length === 0) throw new Error(`${dir}: no .ts code lines to sample`);
  const random = seeded(seed);
  const pool = [...all];
  const picked: string[] = [];
  while (picked.length < Math.min(count, pool.length)) picked.push(...pool.splice(Math.floor(random() * pool.length), 1));
  return picked;
}

/** The 95 % Wilson interval of a proportion, in percent. */
export function wilson(detected: number, valid: number): [number, number] {
  if (valid === 0) return [0, 100];
  const z = 1.96;
  const p = detected / valid;
  const centre = (p + (z * z) / (2 * valid)) / (1 + (z * z) / valid);
  const half = (z * Math.sqrt((p * (1 - p)) / valid + (z * z) / (4 * valid * valid))) / (1 + (z * z) / valid);
  return [100 * (centre - half), 100 * (centre + half)];
}

/** `dir:lines` arguments and `--seed N`. */
export function parseArgs(argv: string[]): { groups: { dir: string; lines: number }[]; seed: number } {
  const groups: { dir: string; lines: number }[] = [];
  let seed = 1;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    if (arg === '--seed') {
      const value = argv[(i += 1)];
      if (!/^\d+$/.test(value ?? '')) throw new Error(`--seed: expected a whole number, got ${JSON.stringify(value)}`);
      seed = Number(value);
      continue;
    }
    const match = /^([\w./-]+):(\d+)$/.exec(arg);
    if (!match || !existsSync(join(ROOT, match[1] as string))) throw new Error(`${JSON.stringify(arg)}: expected <directory of the repository>:<number of lines>, e.g. lambdas/phases:60`);
    groups.push({ dir: (match[1] as string).replace(/\/$/, ''), lines: Number(match[2]) });
  }
  if (groups.length === 0) throw new Error('expected at least one <directory>:<number of lines>, e.g. lambdas/phases:60');
  return { groups, seed };
}

function main(): void {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`mutate:sample: ${(error as Error).message}`);
    process.exit(2);
  }
  const { groups, seed } = parsed;
  const ranges = groups.flatMap(({ dir, lines }) => sampleRanges(dir, lines, seed));
  const outDir = join(ROOT, 'reports', 'mutation', 'sample');
  mkdirSync(outDir, { recursive: true });
  const report = join(outDir, 'mutation.json');
  rmSync(report, { force: true });
  // A config of its own: stryker.api.config.mjs with the sampled ranges, no incremental file, its own report.
  const config = join(outDir, 'stryker.sample.config.mjs');
  writeFileSync(config, `import base from ${JSON.stringify(join(ROOT, 'stryker.api.config.mjs'))};\nexport default { ...base, mutate: ${JSON.stringify(ranges)}, incremental: false, `
    + `htmlReporter: { fileName: ${JSON.stringify(join(outDir, 'index.html'))} }, jsonReporter: { fileName: ${JSON.stringify(report)} } };\n`);
  const started = Date.now();
  const result = spawnSync('npx', ['stryker', 'run', config], { cwd: ROOT, stdio: 'inherit' });
  const seconds = Math.round((Date.now() - started) / 1000);
  if (!existsSync(report)) {
    console.error(`mutate:sample: Stryker wrote no report (exit ${result.status})`);
    process.exit(result.status || 1);
  }
  const files = (JSON.parse(readFileSync(report, 'utf8')) as { files: Record<string, { mutants: { status: string }[] }> }).files;
  console.log(`mutate:sample: ${ranges.length} lines (seed ${seed}) in ${seconds} s`);
  for (const { dir, lines } of groups) {
    const { counts, score } = summarise({ files: reportFilesUnder(files, dir) });
    const detected = (counts.Killed ?? 0) + (counts.Timeout ?? 0);
    const valid = detected + (counts.Survived ?? 0) + (counts.NoCoverage ?? 0);
    const [low, high] = wilson(detected, valid);
    console.log(`  ${dir}: ${lines} lines, ${valid} mutants: score ${score.toFixed(1)} % (95 % interval ${low.toFixed(1)}–${high.toFixed(1)} %); `
      + `${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  }
  process.exit(result.status ?? 1);
}

if (require.main === module) main();
