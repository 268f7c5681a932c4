// The active probe function on AWS: one invocation samples the attempt's endpoints for about a minute (the schedule
// invokes it once a minute while the attempt needs watching) and publishes the rollback alarms' metrics.
import { sampleEndpoints } from '../adapters/http/endpoint-sampler';
import { PROBE_INVOCATION_SECONDS, ProbeEventSchema } from '../core/active-probe';
import { validate } from '../core/schemas';
import type { Clock, Logger, ProbeMetricsSink } from '../ports';

export interface ProbeDeps {
  probeMetrics: ProbeMetricsSink;
  clock: Clock;
  log: Logger;
  fetch?: typeof fetch;
  /** Default PROBE_INVOCATION_SECONDS; tests shorten it. */
  invocationSeconds?: number;
  /** How often samples are published (default 5 s): alarms see a breach within seconds, not at the minute's end. */
  flushMs?: number;
}

export interface ProbeOutcome {
  changeId: string;
  attempt: number;
  rounds: number;
  samples: number;
  /** Why nothing was sampled: the attempt's end date had passed. */
  skipped?: string;
}

export async function handle(raw: unknown, deps: ProbeDeps): Promise<ProbeOutcome> {
  const run = validate(ProbeEventSchema, raw, 'probe event');
  const now = deps.clock.now().getTime();
  const remaining = Date.parse(run.endAt) - now;
  const ref = { changeId: run.changeId, attempt: run.attempt };
  if (remaining <= 0) return { ...ref, rounds: 0, samples: 0, skipped: `the probe for ${run.changeId} attempt ${run.attempt} ended at ${run.endAt}` };
  const result = await sampleEndpoints({
    baseUrl: run.baseUrl, paths: run.paths, concurrency: run.concurrency, intervalMs: run.intervalMs,
    durationMs: Math.min(remaining, (deps.invocationSeconds ?? PROBE_INVOCATION_SECONDS) * 1000),
    flushMs: deps.flushMs ?? 5000,
    onSamples: (samples) => deps.probeMetrics.publish(run.environment, samples),
    clock: deps.clock,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  });
  deps.log.info('probe invocation done', { ...ref, ...result });
  return { ...ref, ...result };
}
