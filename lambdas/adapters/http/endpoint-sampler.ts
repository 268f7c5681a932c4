// The AWS probe function's sampling: one round per interval, `concurrency` requests sent together and spread over the
// paths in turn, as the embedded engine's LocalProbe samples (same error rule: status >= 500 or no answer; a
// deliberate maintenance answer is no sample). LocalProbe keeps its own loop because it also evaluates the alarms
// in-process and counts a hanging request as breaching the latency limit before it answers; here CloudWatch
// evaluates, so a request is one sample when it ends.
import type { Clock, ProbeSample } from '../../ports';

export interface EndpointSamplerOptions {
  baseUrl: string;
  paths: string[];
  concurrency: number;
  intervalMs: number;
  /** Sampling stops when this many ms have passed or the signal aborts, whichever comes first. */
  durationMs: number;
  /** Called with the samples gathered since the last call, every `flushMs` and once at the end. */
  onSamples: (samples: ProbeSample[]) => Promise<void>;
  flushMs: number;
  clock?: Clock;
  fetch?: typeof fetch;
  /** A request unanswered after this long is an error with this latency. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Requests per path allowed in flight: a hanging target gets no unbounded pile of probes. */
const IN_FLIGHT_PER_SLOT = 8;

/** Samples until the duration ends; resolves when every request has ended and every sample was handed over. */
export async function sampleEndpoints(options: EndpointSamplerOptions): Promise<{ rounds: number; samples: number }> {
  if (options.paths.length === 0) throw new RangeError('sampleEndpoints needs at least one path');
  const clock = options.clock ?? { now: () => new Date() };
  const fetchFn = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const started = clock.now().getTime();
  const endsAt = started + options.durationMs;
  let pending: ProbeSample[] = [];
  let total = 0;
  let rounds = 0;
  let next = 0;
  let lastFlush = started;
  const inFlight = new Set<Promise<void>>();

  const sample = async (path: string): Promise<void> => {
    const begin = clock.now().getTime();
    let error: boolean;
    try {
      const response = await fetchFn(new URL(path, options.baseUrl), {
        signal: AbortSignal.timeout(timeoutMs), headers: { 'user-agent': 'runbook-active-probe' },
      });
      await response.arrayBuffer();
      // Traffic blocked on purpose during ACT: not the service failing, and not a datapoint.
      if (response.status === 503 && response.headers.get('x-maintenance') === '1') return;
      error = response.status >= 500;
    } catch {
      error = true;
    }
    const at = clock.now().getTime();
    pending.push({ at, latencyMs: Math.max(0, at - begin), error });
    total += 1;
  };
  const flush = async (): Promise<void> => {
    lastFlush = clock.now().getTime();
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    await options.onSamples(batch);
  };

  while (!options.signal?.aborted) {
    const now = clock.now().getTime();
    if (now >= endsAt) break;
    rounds += 1;
    for (let i = 0; i < options.concurrency && inFlight.size < options.concurrency * IN_FLIGHT_PER_SLOT; i += 1) {
      const path = options.paths[next % options.paths.length] ?? '/';
      next += 1;
      const run: Promise<void> = sample(path).finally(() => inFlight.delete(run));
      inFlight.add(run);
    }
    // The first round is handed over as soon as it ends: PLAN waits for the first datapoints.
    if (rounds === 1) await Promise.allSettled([...inFlight]);
    if (rounds === 1 || clock.now().getTime() - lastFlush >= options.flushMs) await flush();
    const wait = Math.min(options.intervalMs - (clock.now().getTime() % options.intervalMs), endsAt - clock.now().getTime());
    if (wait > 0) await delay(wait, options.signal);
  }
  await Promise.allSettled([...inFlight]);
  await flush();
  return { rounds, samples: total };
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
