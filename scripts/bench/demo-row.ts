// Release live → rollback started for both bad releases of the demo, and false rollbacks of the healthy release:
// `runbook run` itself (the real demo service, its probe and the embedded engine), one home per run.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DETECTION_TARGET_SECONDS, runDemo, type RunResult, type Scenario } from '../../bin/cli/run';
import { quantile, type BenchRow } from './table';

async function runOnce(scenario: Scenario): Promise<RunResult> {
  const home = await mkdtemp(join(tmpdir(), `runbook-bench-${scenario}-`));
  try {
    return await runDemo({ scenario, home, write: () => undefined, json: false });
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

/**
 * The bad releases run one at a time (their detection time is the figure); the healthy ones `healthyParallel` at a
 * time, each with its own service, probe and load test, which only makes a false rollback more likely.
 */
export async function demoRows(options: { badRuns: number; healthyRuns: number; healthyParallel: number }): Promise<BenchRow[]> {
  if (!Number.isInteger(options.healthyParallel) || options.healthyParallel < 1) throw new RangeError(`healthy runs at a time must be a whole number ≥ 1, got ${options.healthyParallel}`);
  const rows: BenchRow[] = [];
  for (const scenario of ['bad-release', 'error-release'] as const) {
    const seconds: number[] = [];
    const problems: string[] = [];
    for (let i = 0; i < options.badRuns; i += 1) {
      const r = await runOnce(scenario);
      if (r.detection) seconds.push(r.detection.seconds);
      else problems.push(`run ${i + 1}: no rollback detected (${r.status ?? 'no status'}${r.problems.length ? `: ${r.problems[0]}` : ''})`);
    }
    const figure = `release live → rollback started, ${scenario} (demo)`;
    const target = `≤ ${DETECTION_TARGET_SECONDS} s p95`;
    if (seconds.length === 0) {
      rows.push({ figure, measured: `not measured: ${options.badRuns} runs${problems.length ? `, ${problems[0]}` : ''}`, target, met: false });
      continue;
    }
    const p95 = quantile(seconds, 0.95);
    rows.push({
      figure, target, value: p95,
      measured: `p95 ${p95.toFixed(2)} s, min ${Math.min(...seconds).toFixed(2)} s (${seconds.length} of ${options.badRuns} runs)`,
      met: p95 <= DETECTION_TARGET_SECONDS && problems.length === 0,
      ...(problems.length ? { note: problems.join('; ') } : {}),
    });
  }
  let falseRollbacks = 0;
  const others: string[] = [];
  for (let i = 0; i < options.healthyRuns; i += options.healthyParallel) {
    const batch = await Promise.all(Array.from({ length: Math.min(options.healthyParallel, options.healthyRuns - i) }, () => runOnce('happy')));
    batch.forEach((r, k) => {
      if (r.status === 'ROLLED_BACK' || r.detection) falseRollbacks += 1;
      else if (r.status !== 'COMPLETED') others.push(`run ${i + k + 1} ended ${r.status ?? 'without a status'}${r.problems.length ? `: ${r.problems[0]}` : ''}`);
    });
  }
  rows.push({
    figure: 'false rollbacks, healthy release through the whole window (demo)',
    measured: options.healthyRuns === 0 ? 'not measured: 0 runs' : `${falseRollbacks} of ${options.healthyRuns} runs (${options.healthyParallel} at a time)`,
    target: '0', value: falseRollbacks,
    met: options.healthyRuns > 0 && falseRollbacks === 0 && others.length === 0,
    ...(others.length ? { note: others.join('; ') } : {}),
  });
  return rows;
}
