// Store throughput on the embedded store (dynalite on disk, as `runbook serve` keeps it): submissions/s (a change's
// conditional create) and events/s (event appends), eight at a time, printed against the previous run.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storeThroughput } from '../bench-store';
import type { BenchRow } from './table';

export async function storeRows(options: { operations: number }): Promise<BenchRow[]> {
  const dir = await mkdtemp(join(tmpdir(), 'runbook-bench-store-'));
  try {
    const [r] = await storeThroughput(join(dir, 'data'), options.operations, [8]);
    if (!r) throw new Error('store throughput: no measurement');
    const target = 'printed, with last run';
    return [
      { figure: 'store throughput: submissions/s (dynalite on disk)', measured: `${r.create.toFixed(0)} /s (${options.operations} creates, 8 at a time)`, target, met: true, value: r.create },
      { figure: 'store throughput: events/s (dynalite on disk)', measured: `${r.append.toFixed(0)} /s (${options.operations} appends, 8 at a time)`, target, met: true, value: r.append },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
