// Measures the change store on dynalite (in memory and on disk): ops/s of createChange, appendEvent and getChange,
// one at a time and eight at a time. Prints numbers only; nothing here is asserted.
// Run: npx tsx scripts/bench-store.ts [operations per measurement, default 500]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoChangeStore, ensureTable } from '../lambdas/adapters/dynamodb/change-store';
import { startDynalite } from '../lambdas/embedded/dynalite';
import { changeRecord } from '../test/adapters/change-store.contract';

/** Runs `op(0..count-1)` with at most `concurrency` in flight and returns ops/s. */
export async function measure(count: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) await op(next++);
  }));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return count / seconds;
}

export interface StoreThroughput { concurrency: number; create: number; append: number; get: number; recordBytes: number }

/** ops/s of createChange, appendEvent and getChange on dynalite (on disk at `path`, else in memory). */
export async function storeThroughput(path: string | undefined, operations: number, concurrencies = [1, 8]): Promise<StoreThroughput[]> {
  const dynamo = await startDynalite(path !== undefined ? { path } : {});
  const results: StoreThroughput[] = [];
  try {
    await ensureTable(dynamo.client, 'bench');
    const store = new DynamoChangeStore(dynamo.client, 'bench');
    const template = changeRecord();
    const size = Buffer.byteLength(JSON.stringify(template));
    for (const concurrency of concurrencies) {
      const prefix = `CR-${concurrency}`;
      // Warm-up: first requests pay for sockets and JIT.
      for (let i = 0; i < 20; i++) await store.getChange(`${prefix}-warmup-${i}`);
      const create = await measure(operations, concurrency, (i) => store.createChange({ ...template, id: `${prefix}-${i}`, executionName: `${prefix}-${i}` }));
      const append = await measure(operations, concurrency, (i) => store.appendEvent({
        changeId: `${prefix}-${i % 10}`, attempt: 1, at: new Date().toISOString(), actor: 'bench', type: 'status', message: `event ${i}`,
      }));
      const get = await measure(operations, concurrency, (i) => store.getChange(`${prefix}-${i}`));
      results.push({ concurrency, create, append, get, recordBytes: size });
    }
  } finally {
    await dynamo.close();
  }
  return results;
}

async function bench(label: string, path: string | undefined, operations: number): Promise<void> {
  for (const { concurrency, create, append, get, recordBytes } of await storeThroughput(path, operations)) {
    console.log(`${label.padEnd(16)} concurrency ${concurrency}  createChange ${create.toFixed(0).padStart(6)} ops/s  appendEvent ${append.toFixed(0).padStart(6)} ops/s  getChange ${get.toFixed(0).padStart(6)} ops/s  (${operations} ops each, change record ${recordBytes} B)`);
  }
}

async function main(): Promise<void> {
  const operations = Number(process.argv[2] ?? 500);
  const dir = await mkdtemp(join(tmpdir(), 'runbook-bench-'));
  try {
    console.log(`node ${process.version}`);
    await bench('dynalite memory', undefined, operations);
    await bench('dynalite disk', join(dir, 'data'), operations);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// Imported by scripts/bench.ts for its store row; run directly, it prints its own lines.
if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
