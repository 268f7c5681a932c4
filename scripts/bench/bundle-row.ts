// Each function's deployed bundle, built by the CDK app exactly as `cdk synth` builds it (the real stack, its
// NodejsFunction bundling options, local esbuild), and its cold import time against the same entry with its
// node_modules left unbundled, each in fresh node processes with the environment the template gives the function.
// Cold import is the time of the `require` itself, taken with hrtime inside the fresh process: Node's own start
// (~40 ms here, the same for both forms) is not in it, so the ratio compares what bundling changes.
import { execFile, execSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { build } from 'esbuild';
import { createRunbookApp } from '../../lib/app';
import { bundleAliases, copyDocumentsCommands, MAIN_FIELDS, YAML_CHUNK, YAML_FUNCTIONS } from '../../lib/bundling';
import { FunctionWithLogGroup } from '../../lib/function-with-log-group';
import { functionEntry, REPO_ROOT } from '../../lib/paths';
import { kb, median, ms, type BenchRow } from './table';

const run = promisify(execFile);

export const BUNDLE_TARGET_BYTES = 700 * 1024;
export const IMPORT_SPEEDUP_TARGET = 3;

export interface SynthBundle {
  name: string;
  /** The asset directory the function deploys (index.js, its source map if any, documents/). */
  dir: string;
  bytes: number;
  mapBytes: number;
  /** The api's yaml.js, loaded on the first YAML it meets (lib/bundling.ts); 0 elsewhere. */
  lazyBytes: number;
  /** Environment variables as the template sets them, references replaced by plausible values. */
  env: Record<string, string>;
}

/** A value for a variable the template fills with a reference (a table name, an ARN) that the entry's env schema accepts. */
function placeholder(key: string): string {
  if (key.endsWith('_ARN')) return `arn:aws:bench:us-east-1:000000000000:${key.toLowerCase()}`;
  if (key.includes('PARAMETER')) return '/runbook/bench/placeholder';
  return `bench-${key.toLowerCase().replace(/_/g, '-')}`;
}

/** Synthesizes the default stack into `outdir` (bundling every function) and returns each function's bundle. */
export function synthBundles(outdir: string): SynthBundle[] {
  const { app, stack } = createRunbookApp({ outdir, nag: false, context: { 'aws:cdk:enable-asset-metadata': true } });
  app.synth();
  const template = JSON.parse(readFileSync(join(outdir, stack.templateFile), 'utf8')) as { Resources: Record<string, { Properties?: { Environment?: { Variables?: Record<string, unknown> } } }> };
  const bundles: SynthBundle[] = [];
  for (const fn of stack.node.findAll()) {
    if (!(fn instanceof FunctionWithLogGroup)) continue;
    const cfn = fn.node.defaultChild as CfnFunction;
    const assetPath = cfn.getMetadata('aws:asset:path') as string | undefined;
    if (!assetPath) throw new Error(`${fn.logicalName}: no aws:asset:path metadata, so no bundle to measure`);
    const dir = join(outdir, assetPath);
    const file = join(dir, 'index.js');
    if (!existsSync(file)) throw new Error(`${fn.logicalName}: ${file} was not built`);
    const variables = template.Resources[stack.resolve(stack.getLogicalId(cfn)) as string]?.Properties?.Environment?.Variables ?? {};
    const env = Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, typeof v === 'string' ? v : placeholder(k)]));
    bundles.push({
      name: fn.logicalName, dir, bytes: statSync(file).size, mapBytes: existsSync(`${file}.map`) ? statSync(`${file}.map`).size : 0, env,
      lazyBytes: existsSync(join(dir, YAML_CHUNK)) ? statSync(join(dir, YAML_CHUNK)).size : 0,
    });
  }
  return bundles;
}

/**
 * The same code unbundled: the same entry with the same stand-ins (lib/bundling.ts aliases, documents copied as JSON),
 * our modules in one file, every package left to node_modules and loaded file by file, nothing minified.
 */
async function buildUnbundled(name: string, dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, 'index.js');
  await build({
    entryPoints: [functionEntry(name)], bundle: true, packages: 'external', platform: 'node', format: 'cjs', outfile, logLevel: 'silent',
    absWorkingDir: REPO_ROOT, alias: bundleAliases(name), mainFields: MAIN_FIELDS,
  });
  for (const command of copyDocumentsCommands(REPO_ROOT, dir)) execSync(command, { stdio: 'pipe' });
  // The api's YAML library, loaded on first use in both forms (lambdas/aws/stand-ins/lazy-yaml.ts): here from node_modules.
  if (YAML_FUNCTIONS.includes(name)) writeFileSync(join(dir, YAML_CHUNK), 'module.exports = require("yaml");\n');
  return outfile;
}

const IMPORT_PROBE = 'const t=process.hrtime.bigint();require(process.argv[1]);process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))';

/** Milliseconds to require `file` in a fresh node process with `env`. */
async function coldImport(file: string, env: Record<string, string>): Promise<number> {
  const { stdout } = await run(process.execPath, ['-e', IMPORT_PROBE, file], {
    env: { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1', ...env }, cwd: tmpdir(),
  });
  const value = Number(stdout.trim());
  if (!Number.isFinite(value)) throw new Error(`import of ${file} printed ${JSON.stringify(stdout)}`);
  return value;
}

export async function bundleRows(options: { importRuns: number; workDir: string }): Promise<BenchRow[]> {
  const outdir = join(options.workDir, 'cdk.out');
  // Under the repository, so that require() of the unbundled entries finds node_modules.
  const unbundledRoot = join(REPO_ROOT, 'node_modules', '.cache', 'runbook-bench');
  rmSync(unbundledRoot, { recursive: true, force: true });
  const rows: BenchRow[] = [];
  try {
    for (const b of synthBundles(outdir)) {
      const unbundled = await buildUnbundled(b.name, join(unbundledRoot, b.name));
      const bundledTimes: number[] = [];
      const unbundledTimes: number[] = [];
      for (let i = 0; i < options.importRuns; i += 1) {
        bundledTimes.push(await coldImport(join(b.dir, 'index.js'), b.env));
        unbundledTimes.push(await coldImport(unbundled, b.env));
      }
      const bundled = median(bundledTimes);
      const plain = median(unbundledTimes);
      const speedup = plain / bundled;
      rows.push({
        figure: `bundle and cold import: ${b.name}`,
        measured: `${kb(b.bytes)}${b.mapBytes ? ` + ${kb(b.mapBytes)} map` : ''}${b.lazyBytes ? ` (+ ${YAML_CHUNK} ${kb(b.lazyBytes)}, loaded on the first YAML)` : ''}; import ${ms(bundled)} vs ${ms(plain)} unbundled (${speedup.toFixed(1)}×, median of ${options.importRuns})`,
        target: `≤ ${BUNDLE_TARGET_BYTES / 1024} KB; import ≥ ${IMPORT_SPEEDUP_TARGET}× faster`,
        // In KB, as the table prints it (bench/last.json keeps this value for the next run's delta).
        value: Math.round(b.bytes / 1024),
        met: b.bytes <= BUNDLE_TARGET_BYTES && speedup >= IMPORT_SPEEDUP_TARGET,
      });
    }
  } finally {
    rmSync(unbundledRoot, { recursive: true, force: true });
    rmSync(outdir, { recursive: true, force: true });
  }
  return rows;
}

