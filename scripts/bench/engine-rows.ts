// Rows measured on the embedded engine (real ASL, real handlers, dynalite): alarm-to-rollback latency, state
// transitions and history events per change, and the control plane's own overhead alone and 50 at a time.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HistoryEvent } from '../../lambdas/embedded/engine';
import { benchChange, benchProfile, changeId, startBenchEngine, transitions, type ExecutionOutcome } from './engine';
import { awsHistoryEstimate } from './history';
import { median, ms, quantile, type BenchRow } from './table';

export const ALARM_TARGET_MS = 1000;
export const TRANSITIONS_TARGET = 60;
export const OVERHEAD_TARGET_MS = 250;
export const CONCURRENT_TARGET_MS = 2000;

/**
 * Alarm event → Rollback Begin entered: each run is a change of its own environment; once its monitoring window
 * opens, the alarm fires at a random point of the window and the time to the rollback state is taken from the
 * engine's history.
 */
export async function alarmToRollbackRow(options: { runs: number; windowMs: number; parallel: number }): Promise<BenchRow[]> {
  if (!Number.isInteger(options.parallel) || options.parallel < 1) throw new RangeError(`alarm runs at a time must be a whole number ≥ 1, got ${options.parallel}`);
  const firedAt = new Map<string, number>();
  const rollbackAt = new Map<string, number>();
  const windowFor = new Map<string, string>();
  const b = await startBenchEngine({
    monitorWindowMs: options.windowMs,
    engine: {
      onHistoryEvent: (name, event) => {
        if (event.type !== 'StateEntered') return;
        if (event.stateName === 'Monitor Window') {
          const environment = windowFor.get(name);
          if (!environment) return;
          setTimeout(() => {
            firedAt.set(name, Date.now());
            b.alarms.fire(environment, 'errorRate');
          }, Math.random() * options.windowMs * 0.9);
        }
        if (event.stateName === 'Rollback Begin') rollbackAt.set(name, event.timestamp);
      },
    },
  });
  const latencies: number[] = [];
  const problems: string[] = [];
  const one = async (i: number): Promise<void> => {
    const environment = `bench-alarm-${i}`;
    const id = changeId(i);
    const name = await b.submitApproved(benchChange(id, environment), benchProfile(environment));
    windowFor.set(name, environment);
    const outcome = await b.engine.wait(name);
    const fired = firedAt.get(name);
    const rolled = rollbackAt.get(name);
    if (fired === undefined || rolled === undefined) {
      problems.push(`${id}: ${fired === undefined ? 'the alarm never fired (window not reached)' : 'no rollback'}, ended ${outcome.status} ${outcome.error ?? ''}`);
    } else {
      latencies.push(rolled - fired);
    }
  };
  try {
    // A few changes at a time, each on its own environment: the others' work only adds to a run's latency.
    for (let i = 0; i < options.runs; i += options.parallel) {
      await Promise.all(Array.from({ length: Math.min(options.parallel, options.runs - i) }, (_, k) => one(i + k)));
    }
  } finally {
    await b.close();
  }
  const figure = 'alarm event → rollback state entered, p50/p99';
  const target = `≤ ${ALARM_TARGET_MS / 1000} s p99`;
  if (latencies.length === 0) return [{ figure, measured: `no run measured (${options.runs} runs)${problems.length ? `: ${problems[0]}` : ''}`, target, met: false }];
  const p99 = quantile(latencies, 0.99);
  return [{
    figure, target, value: p99,
    measured: `p50 ${ms(median(latencies))}, p99 ${ms(p99)}, max ${ms(Math.max(...latencies))} (${latencies.length} runs, ${options.parallel} at a time, window ${options.windowMs} ms)`,
    met: p99 <= ALARM_TARGET_MS && problems.length === 0,
    ...(problems.length ? { note: `${problems.length} runs not measured: ${problems.slice(0, 2).join('; ')}` } : {}),
  }];
}

interface Counted { transitions: number; events: number; awsEvents: number; status: string }

function count(outcome: ExecutionOutcome): Counted {
  return { transitions: transitions(outcome.history), events: outcome.history.length, awsEvents: awsHistoryEstimate(outcome.history), status: outcome.status };
}

/** One nominal change (PRE-FLIGHT to REPORT, 4 ACT steps), then the same with ACT steps and the window 10× longer. */
export async function transitionsRow(options: { windowMs: number; stepMs: number }): Promise<BenchRow[]> {
  const runs: Counted[] = [];
  for (const scale of [1, 10]) {
    const b = await startBenchEngine({ monitorWindowMs: options.windowMs * scale, stepDelayMs: options.stepMs * scale });
    try {
      const name = await b.submitApproved(benchChange(changeId(scale), 'bench-nominal'), benchProfile('bench-nominal'));
      runs.push(count(await b.engine.wait(name)));
    } finally {
      await b.close();
    }
  }
  const [short, long] = runs as [Counted, Counted];
  const ok = short.status === 'SUCCEEDED' && long.status === 'SUCCEEDED';
  const describe = (c: Counted): string => `${c.transitions} transitions, ${c.events} history events (AWS est. ${c.awsEvents})${c.status === 'SUCCEEDED' ? '' : `, ended ${c.status}`}`;
  return [
    {
      figure: 'state transitions and history events per nominal change',
      measured: describe(short), target: `≤ ${TRANSITIONS_TARGET} transitions`, value: short.transitions,
      met: ok && short.transitions <= TRANSITIONS_TARGET,
    },
    {
      figure: 'the same, ACT steps and monitoring window 10× longer',
      measured: `${describe(long)} (steps ${options.stepMs * 10} ms, window ${options.windowMs * 10} ms)`,
      target: 'flat (same as the nominal change)', value: long.transitions,
      met: ok && long.transitions === short.transitions && long.events === short.events,
    },
  ];
}

/**
 * The control plane alone: a change through all five phases with host commands that finish at once, zero waits and
 * a load tester that returns at once, from submission to the end of the execution; then 50 such changes on 50
 * environments at the same time. Store on disk, as the embedded engine keeps it.
 */
export async function overheadRows(options: { runs: number; concurrent: number }): Promise<BenchRow[]> {
  const dir = await mkdtemp(join(tmpdir(), 'runbook-bench-overhead-'));
  const rows: BenchRow[] = [];
  try {
    const b = await startBenchEngine({ monitorWindowMs: 0, dataDir: join(dir, 'data') });
    try {
      // Warm-up: the first change pays for module loading and JIT.
      await b.engine.wait(await b.submitApproved(benchChange(changeId(0), 'bench-warm'), benchProfile('bench-warm')));
      const times: number[] = [];
      const statuses = new Set<string>();
      b.storeRequests.clear();
      for (let i = 1; i <= options.runs; i += 1) {
        const environment = `bench-one-${i}`;
        // The request and profile are the submitter's input (parsed from YAML by the CLI before it calls the API).
        const [request, profile] = [benchChange(changeId(i), environment), benchProfile(environment)];
        const started = performance.now();
        const outcome = await b.engine.wait(await b.submitApproved(request, profile));
        times.push(performance.now() - started);
        statuses.add(outcome.status);
      }
      const p50 = median(times);
      const requests = [...b.storeRequests].sort((x, y) => y[1] - x[1]);
      const perChange = (n: number): string => (n / times.length).toFixed(0);
      const storeNote = `${perChange(requests.reduce((a, [, n]) => a + n, 0))} store requests per change (${requests.slice(0, 3).map(([op, n]) => `${op} ${perChange(n)}`).join(', ')})`;
      const succeeded = statuses.size === 1 && statuses.has('SUCCEEDED');
      rows.push({
        figure: 'control-plane overhead of a 5-phase change (no-op host commands, zero waits)',
        measured: `median ${ms(p50)}, max ${ms(Math.max(...times))} (${times.length} changes${succeeded ? '' : `; ended ${[...statuses].join('/')}`})`,
        target: `≤ ${OVERHEAD_TARGET_MS} ms`, value: p50, met: succeeded && p50 <= OVERHEAD_TARGET_MS, note: storeNote,
      });

      b.storeRequests.clear();
      const inputs = Array.from({ length: options.concurrent }, (_, i) => [benchChange(changeId(100 + i), `bench-many-${i}`), benchProfile(`bench-many-${i}`)] as const);
      const started = performance.now();
      const outcomes = await Promise.all(inputs.map(async ([request, profile]) => b.engine.wait(await b.submitApproved(request, profile))));
      const wall = performance.now() - started;
      const failed = outcomes.filter((o) => o.status !== 'SUCCEEDED').length;
      const many = [...b.storeRequests].sort((x, y) => y[1] - x[1]);
      const perMany = (n: number): string => (n / options.concurrent).toFixed(0);
      const manyNote = `${perMany(many.reduce((a, [, n]) => a + n, 0))} store requests per change (${many.slice(0, 3).map(([op, n]) => `${op} ${perMany(n)}`).join(', ')})`;
      rows.push({
        figure: `${options.concurrent} concurrent changes on ${options.concurrent} environments`,
        measured: `${ms(wall)} wall, all ${options.concurrent} ended${failed ? `; ${failed} did not succeed` : ' SUCCEEDED'}`,
        target: `≤ ${CONCURRENT_TARGET_MS / 1000} s`, value: wall, met: failed === 0 && wall <= CONCURRENT_TARGET_MS, note: manyNote,
      });
    } finally {
      await b.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return rows;
}

export type { HistoryEvent };
