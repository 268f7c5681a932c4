// `npm run mutate:core`: Stryker over lambdas/core (stryker.core.config.mjs), incremental from a baseline kept in git
// (test/mutation/core-incremental.json.gz, 8–9 MB of JSON unzipped), so that CI tests only the mutants whose code or
// tests changed since the baseline and still fails under the break threshold on the whole report (reused included).
//
// Stryker's incremental mode diffs the mutated files and the test files against the baseline; a change anywhere else
// that the run depends on (a test helper, a fixture or example the tests read, a config, a package) is invisible to
// it. Those inputs are fingerprinted here (test/mutation/core-inputs.json), and a baseline taken with other inputs is
// not trusted:
//   npm run mutate:core            reruns everything (--force) when the inputs changed, else incrementally; then
//                                  records the inputs beside the new baseline (commit both).
//   npm run mutate:core -- --ci    (.ci/run) refuses a missing or stale baseline, naming the inputs that changed,
//                                  instead of taking a full run (~45 min on 2 cores) or trusting reused results.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { join, relative } from 'node:path';
import { buildSync } from 'esbuild';

const ROOT = join(__dirname, '..');
export const BASELINE = 'test/mutation/core-incremental.json.gz';
/** Where stryker.core.config.mjs reads and writes its incremental file (`incrementalFile`). */
const WORKING_BASELINE = 'reports/stryker-incremental-core.json';
export const INPUTS = 'test/mutation/core-inputs.json';
const REPORT = 'reports/mutation/core/mutation.json';
const CONFIG = 'stryker.core.config.mjs';

/** Files Stryker's diff does not see but the core run's results depend on: the configs of the run. */
const FIXED_INPUTS = [
  'stryker.config.mjs', CONFIG, 'jest.config.js', 'jest.stryker.config.js', 'jest.setup.js', 'tsconfig.json',
  'test/support/stryker/core-tests.cjs',
];
/** Directories of data the core and document tests read with fs (not imports): every file in them counts. */
const DATA_DIRS = ['documents', 'examples', 'schemas', 'statemachines', 'test/fixtures', 'test/support/stryker'];
/** The packages that run the tests, beside those the tests and the core import (found in the import graph). */
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

/** The test files of the core run, as stryker.core.config.mjs selects them (test/support/stryker/core-tests.cjs). */
export function coreTestFiles(): string[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the CJS list the ESM Stryker config also imports
  const { testMatch, testPathIgnorePatterns } = require('../test/support/stryker/core-tests.cjs') as { testMatch: string[]; testPathIgnorePatterns: string[] };
  const ignored = testPathIgnorePatterns.map((p) => p.replace('<rootDir>/', ''));
  const dirs = testMatch.map((glob) => {
    const dir = /^<rootDir>\/(.+)\/\*\*\/\*\.test\.ts$/.exec(glob)?.[1];
    if (!dir) throw new Error(`core-tests.cjs testMatch: ${glob} is not <rootDir>/<dir>/**/*.test.ts, the one form read here`);
    return dir;
  });
  return dirs.flatMap(filesUnder)
    .filter((path) => path.endsWith('.test.ts') && !ignored.some((p) => path.includes(p)))
    .sort();
}

/**
 * Every input of the core run that Stryker's incremental diff does not track, with its sha256: the modules the core
 * tests import outside lambdas/core and outside the test files themselves (their import closure, from esbuild's
 * metafile), plus FIXED_INPUTS and DATA_DIRS; and, as `package:<name>` with its installed version, each package that
 * closure imports and the test runner's packages (not the whole lockfile: a package the run never loads does not
 * make the baseline stale).
 */
export function untrackedInputs(): Record<string, string> {
  const tests = coreTestFiles();
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
  const testSet = new Set(tests);
  const paths = new Set([
    ...imported.filter((path) => !path.startsWith('lambdas/core/') && !testSet.has(path)),
    ...FIXED_INPUTS,
    ...DATA_DIRS.flatMap(filesUnder),
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

interface ReportFile { mutants: { status: string }[] }

/** Counts by status and the score Stryker computes: (killed + timed out) / (those + survived + no coverage). */
export function summarise(report: { files: Record<string, ReportFile> }): { counts: Record<string, number>; score: number } {
  const counts: Record<string, number> = {};
  for (const file of Object.values(report.files)) for (const m of file.mutants) counts[m.status] = (counts[m.status] ?? 0) + 1;
  const detected = (counts.Killed ?? 0) + (counts.Timeout ?? 0);
  const valid = detected + (counts.Survived ?? 0) + (counts.NoCoverage ?? 0);
  return { counts, score: valid === 0 ? 0 : (100 * detected) / valid };
}

function main(): void {
  const ci = process.argv.includes('--ci');
  const passThrough = process.argv.slice(2).filter((arg) => arg !== '--ci');
  const current = untrackedInputs();
  const recorded = existsSync(join(ROOT, INPUTS)) ? (JSON.parse(readFileSync(join(ROOT, INPUTS), 'utf8')) as Record<string, string>) : undefined;
  const changed = recorded ? changedInputs(recorded, current) : Object.keys(current);
  const hasBaseline = existsSync(join(ROOT, BASELINE));
  const stale = !hasBaseline || changed.length > 0;
  if (stale) {
    const why = !hasBaseline ? `no baseline at ${BASELINE}` : `inputs changed since the baseline: ${changed.join(', ')}`;
    if (ci) {
      console.error(`mutate:core: ${why}. Stryker's incremental diff cannot see these, so the baseline's results cannot be reused.`);
      console.error('Run `npm run mutate:core` (a full run: 44 min on 2 idle cores on 2026-12-02) and commit test/mutation/.');
      process.exit(1);
    }
    console.log(`mutate:core: ${why}; full run (--force).`);
  }
  rmSync(join(ROOT, REPORT), { force: true });
  mkdirSync(join(ROOT, 'reports'), { recursive: true });
  if (hasBaseline) writeFileSync(join(ROOT, WORKING_BASELINE), gunzipSync(readFileSync(join(ROOT, BASELINE))));
  else rmSync(join(ROOT, WORKING_BASELINE), { force: true });
  const started = Date.now();
  const args = ['stryker', 'run', CONFIG, ...(stale ? ['--force'] : []), ...passThrough];
  const result = spawnSync('npx', args, { cwd: ROOT, stdio: 'inherit' });
  const seconds = Math.round((Date.now() - started) / 1000);
  if (existsSync(join(ROOT, REPORT))) {
    const { counts, score } = summarise(JSON.parse(readFileSync(join(ROOT, REPORT), 'utf8')));
    console.log(`mutate:core: score ${score.toFixed(2)} % in ${seconds} s; ${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  }
  if (result.status !== 0) process.exit(result.status ?? 1);
  if (passThrough.length > 0) {
    // A narrowed run (say --mutate one file) would leave a baseline of that part only.
    console.log(`mutate:core: run with ${passThrough.join(' ')}: the baseline in git is left as it was.`);
  } else if (!ci) {
    writeFileSync(join(ROOT, BASELINE), gzipSync(readFileSync(join(ROOT, WORKING_BASELINE)), { level: 9 }));
    writeFileSync(join(ROOT, INPUTS), `${JSON.stringify(current, null, 1)}\n`);
    console.log(`mutate:core: baseline ${BASELINE} and inputs ${INPUTS} written; commit both.`);
  }
}

if (require.main === module) main();
