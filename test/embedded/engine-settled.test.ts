// EmbeddedEngine.settled(): whoever closes the store waits for the handler invocations still running (an aborted
// execution does not stop its handler, which may still write), up to a bound.
import { createHarness, testChange, type Harness } from '../support/harness';

describe('EmbeddedEngine.settled', () => {
  let h: Harness;
  afterEach(async () => { await h.close(); });

  it('should wait for a handler still running after its execution was aborted, and no longer than its bound', async () => {
    // Prepare: the load test blocks until the gate opens
    h = createHarness({ monitorWindowMs: 0 });
    let open: () => void = () => undefined;
    h.tester.loadGate = new Promise<void>((resolve) => { open = resolve; });
    const name = await h.submit(testChange('CR-2026-960'));
    await h.approveAll('CR-2026-960');
    const deadline = Date.now() + 10_000;
    while (h.tester.loadStarted === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    h.engine.abort(name);
    await h.engine.wait(name);

    // Act
    const boundedFrom = Date.now();
    await h.engine.settled(50);
    const boundedAfter = Date.now() - boundedFrom;
    const stillLoading = h.tester.loadFinished === 0;
    let settled = false;
    const waiting = h.engine.settled(5_000).then(() => { settled = true; });
    await new Promise((r) => setTimeout(r, 100));
    const beforeGate = settled;
    open();
    await waiting;

    // Assess
    expect(h.tester.loadStarted).toBe(1);
    expect(stillLoading).toBe(true);
    expect(boundedAfter).toBeLessThan(1_000);
    expect(beforeGate).toBe(false);
    expect(settled).toBe(true);
  });
});
