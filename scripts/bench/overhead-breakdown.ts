// Where a change's control-plane overhead goes (issue 9): the overhead row's change (no-op host commands, zero waits,
// dynalite on disk), run one at a time, with every store request counted by operation and by the handler step that
// sent it, and the wall time split into store requests, handler code and the rest (the engine, the bus, the broker).
// Instrumentation lives here only: handlers are wrapped and the DynamoDB client gets a middleware in this process.
// Run: npx tsx scripts/bench/overhead-breakdown.ts [--runs N] [--concurrent N] [--shared-store]
// (--shared-store: the store as on AWS, not the embedded sole writer: no cached reads, no batched writes)
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVENT_HANDLERS, PHASE_HANDLERS, type Handle } from '../../lambdas/handlers';
import { benchChange, benchProfile, changeId, startBenchEngine } from './engine';

interface Where { fn: string; step: string }
const where = new AsyncLocalStorage<Where>();

/** Time spent inside handler invocations (store requests included), by fn:step. */
const handlerMs = new Map<string, number>();
const handlerCalls = new Map<string, number>();
/** Store requests and their time, by `fn:step operation`. */
const requests = new Map<string, number>();
let storeCount = 0;
/** Items written by BatchWriteItem requests (a request carries up to 25). */
let batchedItems = 0;

/**
 * Wall time while something of a kind is going on (requests overlap within a change: Parallel branches, writes issued
 * together), so that store + handler code + the rest add up to the wall time.
 */
class Busy {
  private active = { store: 0, handler: 0 };
  private since = performance.now();
  readonly ms = { store: 0, handler: 0, other: 0 };
  enter(kind: 'store' | 'handler'): void {
    this.tick();
    this.active[kind] += 1;
  }
  leave(kind: 'store' | 'handler'): void {
    this.tick();
    this.active[kind] -= 1;
  }
  reset(): void {
    this.tick();
    this.ms.store = 0; this.ms.handler = 0; this.ms.other = 0;
  }
  tick(): void {
    const now = performance.now();
    const kind = this.active.store > 0 ? 'store' : this.active.handler > 0 ? 'handler' : 'other';
    this.ms[kind] += now - this.since;
    this.since = now;
  }
}
const busy = new Busy();

const add = (map: Map<string, number>, key: string, n: number): void => {
  map.set(key, (map.get(key) ?? 0) + n);
};

function wrap(fn: string, handle: Handle): Handle {
  return async (event, deps) => {
    const step = typeof (event as { step?: unknown }).step === 'string' ? String((event as { step: string }).step) : (event as { 'detail-type'?: string })['detail-type'] ?? '?';
    const key = `${fn}:${step}`;
    const started = performance.now();
    busy.enter('handler');
    try {
      return await where.run({ fn, step }, () => handle(event, deps));
    } finally {
      busy.leave('handler');
      add(handlerMs, key, performance.now() - started);
      add(handlerCalls, key, 1);
    }
  };
}

// Before the engine is built: it looks the handlers up once, at construction.
for (const fn of Object.keys(PHASE_HANDLERS) as (keyof typeof PHASE_HANDLERS)[]) PHASE_HANDLERS[fn] = wrap(fn, PHASE_HANDLERS[fn]);
const events = EVENT_HANDLERS as unknown as Record<string, Handle>;
for (const detailType of Object.keys(events)) events[detailType] = wrap(detailType === 'EC2 Command Status-change Notification' ? 'CommandStatus' : 'Alarm', events[detailType] as Handle);

function argument(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a whole number ≥ 0, got ${process.argv[i + 1]}`);
  return value;
}

async function main(): Promise<void> {
  const runs = argument('--runs', 10);
  const concurrent = argument('--concurrent', 0);
  const dir = await mkdtemp(join(tmpdir(), 'runbook-overhead-breakdown-'));
  const b = await startBenchEngine({ monitorWindowMs: 0, dataDir: join(dir, 'data'), soleWriter: !process.argv.includes('--shared-store') });
  try {
    b.client.middlewareStack.add((next, context) => async (args) => {
      const operation = String(context.commandName ?? 'unknown').replace(/Command$/, '');
      const at = where.getStore();
      const input = (args as { input?: { RequestItems?: Record<string, unknown[]> } }).input;
      if (operation === 'BatchWriteItem') batchedItems += Object.values(input?.RequestItems ?? {}).reduce((n, list) => n + list.length, 0);
      busy.enter('store');
      try {
        return await next(args);
      } finally {
        busy.leave('store');
        storeCount += 1;
        add(requests, `${at ? `${at.fn}:${at.step}` : 'submit/approve (API)'}\t${operation}`, 1);
      }
    }, { step: 'initialize', name: 'overheadBreakdown', priority: 'high' });

    await b.engine.wait(await b.submitApproved(benchChange(changeId(0), 'bench-warm'), benchProfile('bench-warm')));
    handlerMs.clear(); handlerCalls.clear(); requests.clear(); storeCount = 0; batchedItems = 0; busy.reset();

    const walls: number[] = [];
    const started = performance.now();
    for (let i = 1; i <= runs; i += 1) {
      const environment = `breakdown-${i}`;
      const t0 = performance.now();
      const outcome = await b.engine.wait(await b.submitApproved(benchChange(changeId(i), environment), benchProfile(environment)));
      walls.push(performance.now() - t0);
      if (outcome.status !== 'SUCCEEDED') throw new Error(`${changeId(i)} ended ${outcome.status}: ${outcome.error ?? ''} ${outcome.cause ?? ''}`);
    }
    const total = performance.now() - started;
    busy.tick();
    const per = (n: number): string => (n / runs).toFixed(1);
    const sorted = [...walls].sort((x, y) => x - y);

    console.log(`${runs} changes one at a time: median ${sorted[Math.floor(runs / 2)]?.toFixed(0)} ms, mean ${(total / runs).toFixed(0)} ms`);
    console.log(`store requests per change: ${per(storeCount)}${batchedItems ? ` (BatchWriteItem requests carried ${per(batchedItems)} items)` : ''}`);
    const byOp = new Map<string, number>();
    for (const [key, n] of requests) add(byOp, key.split('\t')[1] as string, n);
    console.log(`  by operation: ${[...byOp].sort((x, y) => y[1] - x[1]).map(([op, n]) => `${op} ${per(n)}`).join(', ')}`);
    // A batch is counted where its first write was issued: the others in it may come from other handlers.
    console.log('  by handler step (per change; a BatchWriteItem where its first write was issued):');
    const bySite = new Map<string, Map<string, number>>();
    for (const [key, n] of requests) {
      const [site, op] = key.split('\t') as [string, string];
      if (!bySite.has(site)) bySite.set(site, new Map());
      add(bySite.get(site) as Map<string, number>, op, n);
    }
    for (const [site, ops] of [...bySite].sort((x, y) => [...y[1].values()].reduce((a, n) => a + n, 0) - [...x[1].values()].reduce((a, n) => a + n, 0))) {
      const calls = handlerCalls.get(site);
      const time = handlerMs.get(site);
      console.log(`    ${site.padEnd(44)} ${per([...ops.values()].reduce((a, n) => a + n, 0)).padStart(5)}  (${[...ops].map(([op, n]) => `${op} ${per(n)}`).join(', ')})${calls ? `  ${per(calls)} calls, ${per(time ?? 0)} ms` : ''}`);
    }
    console.log(`wall time per change (ms), each moment counted once: ${per(total)}`);
    console.log(`  a store request on its way (SDK, HTTP, dynalite: all in this process): ${per(busy.ms.store)}`);
    console.log(`  handler code, no store request on its way:                             ${per(busy.ms.handler)}`);
    console.log(`  neither: the engine (aws-local-stepfunctions), bus, broker, submit:     ${per(busy.ms.other)}`);

    if (concurrent > 0) {
      storeCount = 0;
      batchedItems = 0;
      busy.reset();
      const t0 = performance.now();
      const outcomes = await Promise.all(Array.from({ length: concurrent }, async (_, i) => {
        const environment = `breakdown-many-${i}`;
        return b.engine.wait(await b.submitApproved(benchChange(changeId(100 + i), environment), benchProfile(environment)));
      }));
      busy.tick();
      for (const o of outcomes.filter((x) => x.status !== 'SUCCEEDED').slice(0, 3)) {
        const why = (await b.engine.deps.store.listEvents(o.name)).find((e) => e.type === 'rollback.started');
        console.log(`  ${o.name} ended ${o.status}: ${o.error ?? ''} ${o.cause ?? ''}${why ? ` (${why.message})` : ''}`);
      }
      console.log(`${concurrent} at once: ${(performance.now() - t0).toFixed(0)} ms wall, ${outcomes.filter((o) => o.status === 'SUCCEEDED').length} SUCCEEDED, ${(storeCount / concurrent).toFixed(1)} store requests per change (BatchWriteItem carried ${(batchedItems / concurrent).toFixed(1)} items per change)`);
      console.log(`  of the wall: store request on its way ${busy.ms.store.toFixed(0)} ms, handler code alone ${busy.ms.handler.toFixed(0)} ms, neither ${busy.ms.other.toFixed(0)} ms`);
    }
  } finally {
    await b.close();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
