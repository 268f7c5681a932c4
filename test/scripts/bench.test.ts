// The benchmark's plumbing, not its numbers: every section runs with tiny sizes and the table carries every figure of
// issue 9 with a target and a met column; the helpers that turn samples into figures compute what they say.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FUNCTION_NAMES } from '../../lambdas/aws/env';
import { runBench, SECTIONS, type BenchSizes } from '../../scripts/bench';
import { quantile, readLast, renderTable, withDelta, writeLast, type BenchRow } from '../../scripts/bench/table';

const TINY: BenchSizes = {
  alarmRuns: 3, alarmWindowMs: 50, alarmParallel: 2, badReleaseRuns: 0, healthyRuns: 0, healthyParallel: 1, windowMs: 20, stepMs: 2,
  hostCounts: [1, 60], overheadRuns: 1, concurrent: 2, importRuns: 1, storeOperations: 20,
};

/** The figures of the table, in its order (the bundle row is one line per function). */
const FIGURES = [
  /^alarm event → rollback state entered, p50\/p99$/,
  /^release live → rollback started, bad-release/,
  /^release live → rollback started, error-release/,
  /^false rollbacks/,
  /^state transitions and history events per nominal change$/,
  /ACT steps and monitoring window 10× longer/,
  /^history events per change at 1 \/ 60 hosts$/,
  /^largest state payload at 1 \/ 60 hosts$/,
  /^SSM calls per phase at 1 \/ 60 hosts$/,
  /^control-plane overhead of a 5-phase change/,
  /^2 concurrent changes on 2 environments$/,
  // One row per function of the stack, in the order the stack creates them.
  ...FUNCTION_NAMES.map(() => /^bundle and cold import: /),
  /submissions\/s/,
  /events\/s/,
];

function assertShape(rows: BenchRow[]): void {
  for (const row of rows) {
    expect(row.measured).not.toBe('');
    expect(row.target).not.toBe('');
    expect(typeof row.met).toBe('boolean');
  }
  const table = renderTable(rows).split('\n');
  expect(table[0]).toBe('| figure | measured | target | met |');
  for (const row of rows) expect(table.some((line) => line.startsWith(`| ${row.figure} |`) && /\| (met|\*\*NOT MET\*\*) \|$/.test(line))).toBe(true);
}

describe('npm run bench', () => {
  it('should print every figure of the issue, in its order, each with a target and whether it was met', async () => {
    // Act
    const rows = await runBench(TINY);

    // Assess
    expect(rows.map((r) => r.figure)).toHaveLength(FIGURES.length);
    rows.forEach((row, i) => expect(row.figure).toMatch(FIGURES[i] as RegExp));
    const bundled = rows.map((r) => /^bundle and cold import: (.+)$/.exec(r.figure)?.[1]).filter((fn) => fn !== undefined);
    expect(bundled.sort()).toEqual([...FUNCTION_NAMES].sort());
    assertShape(rows);
    expect(SECTIONS.map((s) => s.id)).toEqual(['alarm', 'demo', 'transitions', 'fleet', 'overhead', 'bundles', 'store']);
  }, 600_000);

  it('should count demo figures measured by no run as not met rather than print a number', async () => {
    // Act
    const rows = await runBench(TINY, { only: ['demo'] });

    // Assess
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      expect(row.met).toBe(false);
      expect(row.measured).toMatch(/^not measured/);
    }
  });

  it('should refuse a section it does not have, naming it', async () => {
    await expect(runBench(TINY, { only: ['alarm', 'latency'] })).rejects.toThrow(/--only: unknown section latency/);
  });
});

describe('bench table helpers', () => {
  it('should take the nearest-rank quantile', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(quantile(values, 0.5)).toBe(50);
    expect(quantile(values, 0.99)).toBe(99);
    expect(quantile([7], 0.99)).toBe(7);
    expect(() => quantile([], 0.5)).toThrow(/no values/);
  });

  it('should print the change against the last full run, and nothing for a figure it did not have', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'bench-last-'));
    const file = join(dir, 'last.json');
    try {
      writeLast([{ figure: 'a', measured: '100 ms', target: 't', met: true, value: 100 }, { figure: 'b', measured: 'x', target: 't', met: true }], false, file, new Date('2026-01-02T03:04:05Z'));

      // Act
      const last = readLast(file);
      const a = withDelta({ figure: 'a', measured: '150 ms', target: 't', met: true, value: 150 }, last);
      const c = withDelta({ figure: 'c', measured: '5', target: 't', met: true, value: 5 }, last);

      // Assess
      expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ at: '2026-01-02T03:04:05.000Z', quick: false, values: { a: 100 } });
      expect(a.measured).toBe('150 ms (last run 100, +50%, 2026-01-02)');
      expect(c.measured).toBe('5');
      expect(withDelta({ figure: 'a', measured: '0 of 5', target: 't', met: true, value: 0 }, last).measured).toBe('0 of 5 (last run 100, -100%, 2026-01-02)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
