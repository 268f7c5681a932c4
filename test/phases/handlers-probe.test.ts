// The probe function over a virtual clock that moves only when a request is sent (50 ms each): how long it samples
// (the attempt's end or the invocation, whichever is sooner), what it requests, where the samples go, what it logs.
import { handle as probe, type ProbeDeps } from '../../lambdas/handlers/probe';
import { PROBE_INVOCATION_SECONDS } from '../../lambdas/core/active-probe';
import type { Logger, ProbeSample } from '../../lambdas/ports';

/** 49 ms past a whole 50 ms: each round's wait for the next interval is 1 ms of real time. */
const T0 = Date.parse('2026-12-01T10:00:00.000Z') + 49;
const STEP_MS = 50;

function virtual(options: { status?: number } = {}) {
  let now = T0;
  const requested: string[] = [];
  const published: { environment: string; samples: ProbeSample[] }[] = [];
  const logged: { message: string; data: unknown }[] = [];
  const fetch = (async (url: URL) => {
    requested.push(url.toString());
    now += STEP_MS;
    return new Response('ok', { status: options.status ?? 200 });
  }) as unknown as typeof globalThis.fetch;
  const log: Logger = { info: (message, data) => { logged.push({ message, data }); }, warn: () => undefined, error: () => undefined };
  const deps: ProbeDeps = {
    probeMetrics: { publish: async (environment, samples) => { published.push({ environment, samples }); } },
    clock: { now: () => new Date(now) }, log, fetch,
  };
  return { deps, requested, published, logged, at: (ms: number) => new Date(T0 + ms).toISOString() };
}

const run = (endAt: string, patch: Record<string, unknown> = {}): Record<string, unknown> => ({
  changeId: 'CR-2026-900', attempt: 2, environment: 'test-env', baseUrl: 'http://127.0.0.1:9', paths: ['/a', '/b'], concurrency: 1, intervalMs: 50, endAt, ...patch,
});

describe('the probe handler sampling', () => {
  it('should sample until the attempt\'s end when it comes before the invocation\'s, alternating the paths', async () => {
    // Arrange
    const v = virtual();

    // Act
    const out = await probe(run(v.at(200)), { ...v.deps, invocationSeconds: 1 });

    // Assess
    expect(out).toEqual({ changeId: 'CR-2026-900', attempt: 2, rounds: 4, samples: 4 });
    expect(v.requested).toEqual(['http://127.0.0.1:9/a', 'http://127.0.0.1:9/b', 'http://127.0.0.1:9/a', 'http://127.0.0.1:9/b']);
  });

  it('should sample for the invocation\'s seconds when the attempt ends later', async () => {
    // Arrange
    const v = virtual();

    // Act
    const out = await probe(run(v.at(3_600_000)), { ...v.deps, invocationSeconds: 0.3 });

    // Assess
    expect(out).toMatchObject({ rounds: 6, samples: 6 });
  });

  it('should sample for a minute by default', async () => {
    // Arrange
    const v = virtual();

    // Act
    const out = await probe(run(v.at(3_600_000), { concurrency: 50 }), v.deps);

    // Assess
    expect(PROBE_INVOCATION_SECONDS).toBe(60);
    expect(out).toMatchObject({ rounds: 24, samples: 1200 });
  });

  it('should send `concurrency` requests a round and hand every sample to the environment\'s metrics, errors marked', async () => {
    // Arrange
    const v = virtual({ status: 502 });

    // Act
    const out = await probe(run(v.at(300), { concurrency: 3 }), { ...v.deps, invocationSeconds: 60 });

    // Assess
    expect(out).toMatchObject({ rounds: 2, samples: 6 });
    expect(v.published.map((p) => p.environment)).toEqual(v.published.map(() => 'test-env'));
    const samples = v.published.flatMap((p) => p.samples);
    expect(samples).toHaveLength(6);
    expect(samples.every((s) => s.error)).toBe(true);
  });

  it('should publish every 5 s by default, and as often as asked with flushMs', async () => {
    // Arrange
    const byDefault = virtual();
    const often = virtual();

    // Act
    await probe(run(byDefault.at(1000)), { ...byDefault.deps, invocationSeconds: 60 });
    await probe(run(often.at(1000)), { ...often.deps, invocationSeconds: 60, flushMs: 100 });

    // Assess
    expect(byDefault.published.map((p) => p.samples.length)).toEqual([1, 19]);
    expect(often.published.length).toBeGreaterThan(5);
    expect(often.published.flatMap((p) => p.samples)).toHaveLength(20);
  });

  it('should log what the invocation did, naming the change and attempt', async () => {
    // Arrange
    const v = virtual();

    // Act
    await probe(run(v.at(100)), { ...v.deps, invocationSeconds: 60 });

    // Assess
    expect(v.logged).toEqual([{ message: 'probe invocation done', data: { changeId: 'CR-2026-900', attempt: 2, rounds: 2, samples: 2 } }]);
  });

  it('should sample nothing when the attempt ends at this very moment', async () => {
    // Arrange
    const v = virtual();

    // Act
    const out = await probe(run(v.at(0)), v.deps);

    // Assess
    expect(out).toEqual({ changeId: 'CR-2026-900', attempt: 2, rounds: 0, samples: 0, skipped: `the probe for CR-2026-900 attempt 2 ended at ${v.at(0)}` });
    expect(v.requested).toEqual([]);
    expect(v.logged).toEqual([]);
  });
});
