// `npm run mutate`: Stryker over each layer of issue 12's targets, incremental from a baseline per layer kept in git
// (test/mutation/<layer>-incremental.json.gz), so that a run tests only the mutants whose code or tests changed since
// the baseline and still scores, and fails under the target on, the whole report (reused results included).
//
//   npm run mutate                       every layer in turn (core, phases, api), then a table of scores and targets
//   npm run mutate -- phases             one layer (or several: `-- core api`)
//   npm run mutate -- core --ci          (.ci/run, as `npm run mutate:core -- --ci`) refuses a missing or stale
//                                        baseline, naming the inputs that changed, instead of a full run
//   npm run mutate -- core --mutate 'lambdas/core/risk.ts'   other arguments go to Stryker; the baseline is left as is
//
// Stryker's incremental mode diffs the mutated files and the test files against the baseline; a change anywhere else
// that the run depends on (a test helper, a module of another layer the tests load, a fixture or example the tests
// read, a config, a package) is invisible to it. Those inputs are fingerprinted here (test/mutation/<layer>-inputs.json),
// and a baseline taken with other inputs is not trusted: without --ci the layer is rerun in full (--force) and the new
// baseline and fingerprint are written beside each other (commit test/mutation/).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { join, relative } from 'node:path';
import { buildSync } from 'esbuild';

const ROOT = join(__dirname, '..');

export interface Layer {
  name: 'core' | 'phases' | 'api';
  /** The Stryker config of the run. */
  config: string;
  /** The mutated directories, each with issue 12's target score (%) for it. */
  targets: Record<string, number>;
  /** Directories of data this layer's tests (or the code they load) read with fs, not imports: every file counts. */
  data: string[];
  /**
   * The CommonJS list of test files the layer's Stryker config imports (`jest.config`), and the entry of it that
   * the config uses, if not the whole export.
   */
  testList: { file: string; key?: string };
  /** Full run time measured on 2 idle cores, for the message that asks for one. */
  fullRun: string;
}

const LAYER_TESTS = 'test/support/stryker/layer-tests.cjs';
const COMMON_DATA = ['documents', 'examples', 'schemas', 'statemachines', 'test/fixtures'];

export const LAYERS: Layer[] = [
  {
    name: 'core', config: 'stryker.core.config.mjs', testList: { file: 'test/support/stryker/core-tests.cjs' },
    targets: { 'lambdas/core': 80 }, data: COMMON_DATA, fullRun: '44 min',
  },
  {
    name: 'phases', config: 'stryker.phases.config.mjs', testList: { file: LAYER_TESTS, key: 'phases' },
    targets: { 'lambdas/phases': 80 }, data: COMMON_DATA, fullRun: '60 min',
  },
  {
    name: 'api', config: 'stryker.api.config.mjs', testList: { file: LAYER_TESTS, key: 'api' },
    // console.ts serves the checked-in web/ folder.
    targets: { 'lambdas/api': 70, 'lambdas/handlers': 70 }, data: [...COMMON_DATA, 'web'], fullRun: '30 min',
  },
];

export const baselineOf = (layer: Layer): string => `test/mutation/${layer.name}-incremental.json.gz`;
export const inputsOf = (layer: Layer): string => `test/mutation/${layer.name}-inputs.json`;
/** Where the layer's Stryker config reads and writes its incremental file (`incrementalFile`). */
const workingBaselineOf = (layer: Layer): string => `reports/stryker-incremental-${layer.name}.json`;
const reportOf = (layer: Layer): string => `reports/mutation/${layer.name}/mutation.json`;

/** Files Stryker's diff does not see but every run's results depend on: the shared configs. */
const SHARED_CONFIGS = ['stryker.config.mjs', 'jest.config.js', 'jest.stryker.config.js', 'jest.setup.js', 'tsconfig.json'];
/** The Stryker hooks (jest environment, sequencer, filter) live here, beside each layer's list of test files. */
const HOOKS_DIR = 'test/support/stryker';
/** The packages that run the tests, beside those the tests import (found in the import graph). */
const RUNNER_PACKAGES = [
  'jest', '@swc/jest', '@swc/core', '@stryker-mutator/core', '@stryker-mutator/jest-runner', 'jest-environment-node', '@jest/test-sequencer',
];

/** A package's name from an import path: `zod/mini` -> zod, `@aws-sdk/client-ssm/x` -> @aws-sdk/client-ssm; undefined for node built-ins. */
export function packageName(path: string): string | undefined {
  if (path.startsWith('node:') || path.startsWith('.') || path.startsWith('/')) return undefined;
  const parts = path.split('/');
  const name = path.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? path);
  return existsSync(join(ROOT, 'node_modules', name, 'package.json')) ? name : undefined;
}

function installedVersion(name: string): string {
  return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

function filesUnder(dir: string): string[] {
  const abs = join(ROOT, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => statSync(join(ROOT, path)).isFile());
}

export function layerNamed(name: string): Layer {
  const layer = LAYERS.find((l) => l.name === name);
  if (!layer) throw new Error(`no mutation layer ${JSON.stringify(name)}: expected one of ${LAYERS.map((l) => l.name).join(', ')}`);
  return layer;
}

interface JestSelection { testMatch: string[]; testPathIgnorePatterns: string[] }

/** The test files of a layer's run, as its Stryker config selects them (from the same list: `testList`). */
export function layerTestFiles(layer: Layer): string[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the CJS list the ESM Stryker config also imports
  const list = require(join(ROOT, layer.testList.file)) as Record<string, JestSelection> & JestSelection;
  const { testMatch, testPathIgnorePatterns } = layer.testList.key ? (list[layer.testList.key] as JestSelection) : list;
  const ignored = testPathIgnorePatterns.map((p) => p.replace('<rootDir>/', ''));
  const dirs = testMatch.map((glob) => {
    const dir = /^<rootDir>\/(.+)\/\*\*\/\*\.test\.ts$/.exec(glob)?.[1];
    if (!dir) throw new Error(`${layer.testList.file} testMatch: ${glob} is not <rootDir>/<dir>/**/*.test.ts, the one form read here`);
    return dir;
  });
  return dirs.flatMap(filesUnder)
    .filter((path) => path.endsWith('.test.ts') && !ignored.some((p) => path.includes(p)))
    .sort();
}

/**
 * Every input of a layer's run that Stryker's incremental diff does not track, with its sha256: the modules the
 * layer's tests import outside the mutated directories and outside the test files themselves (their import closure,
 * from esbuild's metafile), the shared configs, the layer's config, the Stryker hooks and the layer's data
 * directories; and, as `package:<name>` with its installed version, each package that closure imports and the test
 * runner's packages (not the whole lockfile: a package the run never loads does not make the baseline stale).
 */
export function untrackedInputs(layer: Layer, tests: string[]): Record<string, string> {
  const { metafile } = buildSync({
    entryPoints: tests.map((t) => join(ROOT, t)), bundle: true, packages: 'external', platform: 'node', format: 'cjs',
    write: false, metafile: true, outdir: join(ROOT, '.mutate-inputs'), logLevel: 'silent', absWorkingDir: ROOT,
    loader: { '.json': 'json' },
  });
  const imported = Object.keys(metafile.inputs).map((path) => relative(ROOT, join(ROOT, path)));
  const packages = new Set(RUNNER_PACKAGES);
  for (const input of Object.values(metafile.inputs)) {
    for (const { path, external } of input.imports) {
      const name = external ? packageName(path) : undefined;
      if (name) packages.add(name);
    }
  }
  const mutated = Object.keys(layer.targets).map((dir) => `${dir}/`);
  const testSet = new Set(tests);
  const paths = new Set([
    ...imported.filter((path) => !mutated.some((dir) => path.startsWith(dir)) && !testSet.has(path)),
    ...SHARED_CONFIGS,
    layer.config,
    // The hooks, and the list of test files that this layer's config imports (not the other layers' lists).
    ...filesUnder(HOOKS_DIR).filter((path) => !path.endsWith('-tests.cjs')),
    layer.testList.file,
    ...layer.data.flatMap(filesUnder),
  ]);
  const result: Record<string, string> = {};
  for (const path of [...paths].sort()) {
    result[path] = createHash('sha256').update(readFileSync(join(ROOT, path))).digest('hex');
  }
  for (const name of [...packages].sort()) result[`package:${name}`] = installedVersion(name);
  return result;
}

/** The inputs that differ between two fingerprints: changed, added or removed. */
export function changedInputs(recorded: Record<string, string>, current: Record<string, string>): string[] {
  const names = new Set([...Object.keys(recorded), ...Object.keys(current)]);
  return [...names].filter((name) => recorded[name] !== current[name]).sort();
}

/** The layer's recorded fingerprint, or undefined without one. */
export function recordedInputs(layer: Layer): Record<string, string> | undefined {
  const path = join(ROOT, inputsOf(layer));
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>) : undefined;
}

interface ReportFile { mutants: { status: string }[] }

/** Counts by status and the score Stryker computes: (killed + timed out) / (those + survived + no coverage). */
export function summarise(report: { files: Record<string, ReportFile> }): { counts: Record<string, number>; score: number } {
  const counts: Record<string, number> = {};
  for (const file of Object.values(report.files)) for (const m of file.mutants) counts[m.status] = (counts[m.status] ?? 0) + 1;
  const detected = (counts.Killed ?? 0) + (counts.Timeout ?? 0);
  const valid = detected + (counts.Survived ?? 0) + (counts.NoCoverage ?? 0);
  return { counts, score: valid === 0 ? 0 : (100 * detected) / valid };
}

/** The report's files under `dir` (a repository directory such as lambdas/api; lambdas/apix is not under it). */
export function reportFilesUnder(files: Record<string, ReportFile>, dir: string): Record<string, ReportFile> {
  return Object.fromEntries(Object.entries(files).filter(([name]) => name.startsWith(`${dir}/`)));
}

export interface DirScore { dir: string; target: number; score: number; mutants: number; counts: Record<string, number> }

/** A layer's report scored per mutated directory against its target. */
export function scoreByDir(layer: Layer, report: { files: Record<string, ReportFile> }): DirScore[] {
  return Object.entries(layer.targets).map(([dir, target]) => {
    const files = reportFilesUnder(report.files, dir);
    const { counts, score } = summarise({ files });
    const mutants = Object.values(files).reduce((sum, file) => sum + file.mutants.length, 0);
    return { dir, target, score, mutants, counts };
  });
}

/** Layer names and `--ci` from the command line; every other argument goes to Stryker (and marks a narrowed run). */
export function parseArgs(argv: string[]): { layers: Layer[]; ci: boolean; passThrough: string[] } {
  const names: string[] = [];
  let i = 0;
  while (i < argv.length && !(argv[i] as string).startsWith('-')) names.push(argv[i++] as string);
  const rest = argv.slice(i);
  return {
    layers: names.length === 0 ? LAYERS : names.map(layerNamed),
    ci: rest.includes('--ci'),
    passThrough: rest.filter((arg) => arg !== '--ci'),
  };
}

interface Outcome { layer: Layer; status: number; seconds: number; scores?: DirScore[] }

function runLayer(layer: Layer, ci: boolean, passThrough: string[]): Outcome {
  const tag = `mutate ${layer.name}`;
  const current = untrackedInputs(layer, layerTestFiles(layer));
  const recorded = recordedInputs(layer);
  const changed = recorded ? changedInputs(recorded, current) : Object.keys(current);
  const hasBaseline = existsSync(join(ROOT, baselineOf(layer)));
  const stale = !hasBaseline || changed.length > 0;
  if (stale) {
    const why = !hasBaseline ? `no baseline at ${baselineOf(layer)}` : `inputs changed since the baseline: ${changed.join(', ')}`;
    if (ci) {
      console.error(`${tag}: ${why}. Stryker's incremental diff cannot see these, so the baseline's results cannot be reused.`);
      console.error(`Run \`npm run mutate -- ${layer.name}\` (a full run: ${layer.fullRun} on 2 idle cores) and commit test/mutation/.`);
      return { layer, status: 1, seconds: 0 };
    }
    console.log(`${tag}: ${why}; full run (--force).`);
  }
  const report = join(ROOT, reportOf(layer));
  const working = join(ROOT, workingBaselineOf(layer));
  rmSync(report, { force: true });
  mkdirSync(join(ROOT, 'reports'), { recursive: true });
  if (hasBaseline) writeFileSync(working, gunzipSync(readFileSync(join(ROOT, baselineOf(layer)))));
  else rmSync(working, { force: true });
  const started = Date.now();
  const result = spawnSync('npx', ['stryker', 'run', layer.config, ...(stale ? ['--force'] : []), ...passThrough], { cwd: ROOT, stdio: 'inherit' });
  const seconds = Math.round((Date.now() - started) / 1000);
  const scores = existsSync(report) ? scoreByDir(layer, JSON.parse(readFileSync(report, 'utf8')) as { files: Record<string, ReportFile> }) : undefined;
  for (const s of scores ?? []) {
    console.log(`${tag}: ${s.dir} ${s.score.toFixed(2)} % of ${s.mutants} mutants in ${seconds} s; ${Object.entries(s.counts).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  }
  const status = result.status ?? 1;
  if (status !== 0) return { layer, status, seconds, scores };
  if (passThrough.length > 0) {
    // A narrowed run (say --mutate one file) would leave a baseline of that part only.
    console.log(`${tag}: run with ${passThrough.join(' ')}: the baseline in git is left as it was.`);
  } else if (!ci) {
    writeFileSync(join(ROOT, baselineOf(layer)), gzipSync(readFileSync(working), { level: 9 }));
    writeFileSync(join(ROOT, inputsOf(layer)), `${JSON.stringify(current, null, 1)}\n`);
    console.log(`${tag}: baseline ${baselineOf(layer)} and inputs ${inputsOf(layer)} written; commit both.`);
  }
  return { layer, status, seconds, scores };
}

/** The closing table: each mutated directory's score against its target. */
export function table(outcomes: Outcome[]): string {
  const rows = outcomes.flatMap(({ layer, status, seconds, scores }) => (scores ?? []).map((s) => {
    const verdict = s.score >= s.target ? 'met' : 'MISSED';
    return `${s.dir.padEnd(18)} ${`${s.score.toFixed(2)} %`.padStart(9)}   target ${s.target} %  ${verdict.padEnd(6)}  ${String(s.mutants).padStart(5)} mutants  ${layer.name} run ${seconds} s${status === 0 ? '' : ` (exit ${status})`}`;
  }).concat(scores ? [] : [`${layer.name.padEnd(18)} no report (exit ${status})`]));
  return ['mutate: scores', ...rows].join('\n');
}

function main(): void {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`mutate: ${(error as Error).message}`);
    process.exit(2);
  }
  const outcomes: Outcome[] = [];
  for (const layer of parsed.layers) outcomes.push(runLayer(layer, parsed.ci, parsed.passThrough));
  console.log(table(outcomes));
  const missed = outcomes.some(({ status, scores }) => status !== 0 || !scores || scores.some((s) => s.score < s.target));
  process.exit(missed ? 1 : 0);
}

if (require.main === module) main();
