// The AWS probe function's sampling against a real HTTP server on 127.0.0.1: rounds of `concurrency` requests spread
// over the paths, about one round per interval, 5xx and no answer as errors, a maintenance answer as no sample; and
// the probe handler publishing them (first round at once) for no longer than its input's end date.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sampleEndpoints } from '../../../lambdas/adapters/http/endpoint-sampler';
import { handle } from '../../../lambdas/handlers/probe';
import type { ProbeSample } from '../../../lambdas/ports';
import { silentLog, systemClock } from '../../support/fakes';

let server: Server;
let baseUrl: string;
const hits: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(req.url ?? '');
    if (req.url === '/fail') { res.statusCode = 503; res.end('down'); return; }
    if (req.url === '/maintenance') { res.statusCode = 503; res.setHeader('x-maintenance', '1'); res.end('maintenance'); return; }
    if (req.url === '/redirect') { res.statusCode = 302; res.setHeader('location', '/ok'); res.end(); return; }
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  hits.length = 0;
});

describe('sampleEndpoints', () => {
  it('should send rounds of `concurrency` requests spread over the paths, about one round per interval', async () => {
    // Prepare
    const batches: ProbeSample[][] = [];

    // Act
    const result = await sampleEndpoints({
      baseUrl, paths: ['/a', '/b', '/fail'], concurrency: 3, intervalMs: 100, durationMs: 550, flushMs: 200,
      onSamples: async (samples) => { batches.push(samples); },
    });

    // Assess: up to 7 rounds in 550 ms at 100 ms (the first at once, the rest aligned to the interval; fewer on a busy machine).
    expect(result.rounds).toBeGreaterThanOrEqual(3);
    expect(result.rounds).toBeLessThanOrEqual(7);
    expect(result.samples).toBe(result.rounds * 3);
    expect(new Set(hits)).toEqual(new Set(['/a', '/b', '/fail']));
    expect(hits.filter((h) => h === '/a')).toHaveLength(result.rounds);
    const all = batches.flat();
    expect(all.filter((s) => s.error)).toHaveLength(result.rounds);
    // The first round is handed over alone, at once; later ones every flushMs.
    expect(batches[0]).toHaveLength(3);
    expect(batches.length).toBeGreaterThan(2);
  });

  it('should count no answer as an error with its latency, and neither a redirect nor a maintenance answer as one', async () => {
    // Prepare
    const samples: ProbeSample[] = [];
    const unreachable = 'http://127.0.0.1:9';

    // Act
    await sampleEndpoints({ baseUrl, paths: ['/redirect', '/maintenance'], concurrency: 2, intervalMs: 1000, durationMs: 10, flushMs: 1000, onSamples: async (s) => { samples.push(...s); } });
    await sampleEndpoints({ baseUrl: unreachable, paths: ['/'], concurrency: 1, intervalMs: 1000, durationMs: 10, flushMs: 1000, onSamples: async (s) => { samples.push(...s); } });

    // Assess: the redirect is followed and answers 200; the maintenance answer is no sample; the refused connection fails.
    expect(samples.map((s) => s.error)).toEqual([false, true]);
    expect(samples[1]?.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('should stop at once when aborted', async () => {
    // Prepare
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 150);
    const started = Date.now();

    // Act
    await sampleEndpoints({ baseUrl, paths: ['/a'], concurrency: 1, intervalMs: 100, durationMs: 60_000, flushMs: 1000, onSamples: async () => undefined, signal: controller.signal });

    // Assess
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('the probe function handler', () => {
  const event = (endAt: string): Record<string, unknown> => ({
    changeId: 'CR-2026-101', attempt: 1, environment: 'kis-core-v3', baseUrl, paths: ['/a', '/b'], concurrency: 2, intervalMs: 100, endAt,
  });

  it('should sample for its invocation and publish the samples under the environment', async () => {
    // Prepare
    const published: { environment: string; samples: ProbeSample[] }[] = [];
    const probeMetrics = { publish: async (environment: string, samples: ProbeSample[]) => { published.push({ environment, samples }); } };

    // Act
    const outcome = await handle(event(new Date(Date.now() + 3_600_000).toISOString()), { probeMetrics, clock: systemClock, log: silentLog, invocationSeconds: 0.35, flushMs: 100 });

    // Assess
    expect(outcome).toMatchObject({ changeId: 'CR-2026-101', attempt: 1 });
    expect(outcome.rounds).toBeGreaterThanOrEqual(3);
    expect(published.every((p) => p.environment === 'kis-core-v3')).toBe(true);
    expect(published.flatMap((p) => p.samples)).toHaveLength(outcome.samples);
  });

  it('should stop at the run\'s end date even when the invocation could go on (a lost schedule delete)', async () => {
    // Prepare
    const publish = jest.fn(async () => undefined);

    // Act
    const past = await handle(event(new Date(Date.now() - 1000).toISOString()), { probeMetrics: { publish }, clock: systemClock, log: silentLog });
    const started = Date.now();
    const soon = await handle(event(new Date(Date.now() + 250).toISOString()), { probeMetrics: { publish }, clock: systemClock, log: silentLog });

    // Assess
    expect(past).toMatchObject({ rounds: 0, samples: 0, skipped: expect.stringContaining('ended at') });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(soon.rounds).toBeGreaterThanOrEqual(1);
  });

  it('should refuse a malformed input naming the field, and sample nothing', async () => {
    // Prepare
    const publish = jest.fn(async () => undefined);

    // Act
    const running = handle({ ...event(new Date().toISOString()), paths: ['no-slash'] }, { probeMetrics: { publish }, clock: systemClock, log: silentLog });

    // Assess
    await expect(running).rejects.toMatchObject({ name: 'ValidationError', issues: [expect.objectContaining({ path: 'paths.0' })] });
    expect(hits).toEqual([]);
    expect(publish).not.toHaveBeenCalled();
  });
});
