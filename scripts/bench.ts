// `npm run bench` (`-- --quick` for CI): measures every figure of issue 9 on this machine and prints one table with
// the measured value, the target and whether it was met. Timing lives here, never in unit tests. A full run writes
// its figures to bench/last.json; every run prints the change against that file.
// Run: npm run bench [-- --quick] [-- --only alarm,transitions,...]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleRows } from './bench/bundle-row';
import { demoRows } from './bench/demo-row';
import { alarmToRollbackRow, overheadRows, transitionsRow } from './bench/engine-rows';
import { fleetRows } from './bench/fleet-row';
import { storeRows } from './bench/store-row';
import { readLast, renderTable, withDelta, writeLast, type BenchRow } from './bench/table';

export interface BenchSizes {
  alarmRuns: number;
  alarmWindowMs: number;
  /** Alarm runs at a time (each its own environment). */
  alarmParallel: number;
  badReleaseRuns: number;
  healthyRuns: number;
  /** Healthy demo runs at a time (each its own home, service and probe). */
  healthyParallel: number;
  windowMs: number;
  stepMs: number;
  hostCounts: number[];
  overheadRuns: number;
  concurrent: number;
  importRuns: number;
  storeOperations: number;
}

export const FULL: BenchSizes = {
  alarmRuns: 50, alarmWindowMs: 300, alarmParallel: 5, badReleaseRuns: 5, healthyRuns: 5, healthyParallel: 5, windowMs: 100, stepMs: 10,
  hostCounts: [1, 10, 100, 1000], overheadRuns: 5, concurrent: 50, importRuns: 20, storeOperations: 500,
};

export const QUICK: BenchSizes = {
  alarmRuns: 10, alarmWindowMs: 200, alarmParallel: 5, badReleaseRuns: 1, healthyRuns: 1, healthyParallel: 1, windowMs: 50, stepMs: 5,
  hostCounts: [1, 10, 100, 1000], overheadRuns: 2, concurrent: 50, importRuns: 3, storeOperations: 200,
};

/** The table's sections in the order; each measures its own rows. */
export const SECTIONS: { id: string; rows: (sizes: BenchSizes, workDir: string) => Promise<BenchRow[]> }[] = [
  { id: 'alarm', rows: (s) => alarmToRollbackRow({ runs: s.alarmRuns, windowMs: s.alarmWindowMs, parallel: s.alarmParallel }) },
  { id: 'demo', rows: (s) => demoRows({ badRuns: s.badReleaseRuns, healthyRuns: s.healthyRuns, healthyParallel: s.healthyParallel }) },
  { id: 'transitions', rows: (s) => transitionsRow({ windowMs: s.windowMs, stepMs: s.stepMs }) },
  { id: 'fleet', rows: (s) => fleetRows({ hostCounts: s.hostCounts }) },
  { id: 'overhead', rows: (s) => overheadRows({ runs: s.overheadRuns, concurrent: s.concurrent }) },
  { id: 'bundles', rows: (s, workDir) => bundleRows({ importRuns: s.importRuns, workDir }) },
  { id: 'store', rows: (s) => storeRows({ operations: s.storeOperations }) },
];

/** Runs the sections in order; `progress` hears how long each took. */
export async function runBench(sizes: BenchSizes, options: { only?: string[]; progress?: (line: string) => void } = {}): Promise<BenchRow[]> {
  const unknown = (options.only ?? []).filter((id) => !SECTIONS.some((s) => s.id === id));
  if (unknown.length > 0) throw new Error(`--only: unknown section ${unknown.join(', ')} (sections: ${SECTIONS.map((s) => s.id).join(', ')})`);
  const workDir = mkdtempSync(join(tmpdir(), 'runbook-bench-'));
  const rows: BenchRow[] = [];
  try {
    for (const section of SECTIONS) {
      if (options.only && !options.only.includes(section.id)) continue;
      const started = performance.now();
      rows.push(...await section.rows(sizes, workDir));
      options.progress?.(`${section.id}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  return rows;
}

/** nproc, CPU model, node version and date: the README quotes this line with the table. */
export function machine(now = new Date()): string {
  const model = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]
    ?? cpus()[0]?.model ?? 'unknown CPU';
  const nproc = execFileSync('nproc', { encoding: 'utf8' }).trim();
  return `${nproc} CPUs (nproc), ${model}, node ${process.version}, ${now.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const onlyAt = args.indexOf('--only');
  const only = onlyAt >= 0 ? (args[onlyAt + 1] ?? '').split(',').filter(Boolean) : undefined;
  const started = performance.now();
  const log = (line: string): void => { process.stderr.write(`bench: ${line}\n`); };
  log(`${quick ? 'quick' : 'full'} run on ${machine()}`);
  const rows = await runBench(quick ? QUICK : FULL, { ...(only ? { only } : {}), progress: log });
  const last = readLast();
  process.stdout.write(`${renderTable(rows.map((r) => withDelta(r, last)))}\n\n`);
  process.stdout.write(`${quick ? 'quick' : 'full'} run, ${((performance.now() - started) / 1000).toFixed(0)} s, on ${machine()}\n`);
  const missed = rows.filter((r) => !r.met).length;
  process.stdout.write(`${rows.length - missed} of ${rows.length} targets met\n`);
  // Only a full run of every section is the figure to compare against next time.
  if (!quick && !only) writeLast(rows, quick);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
