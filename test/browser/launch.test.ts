// Without a browser the console's browser tests fail with what to install: they never skip.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser } from './browser';

describe('launchBrowser', () => {
  it('should fail naming the chromium package when there is no browser at the path', async () => {
    // Act / Assess
    await expect(launchBrowser('/nonexistent/chromium')).rejects.toThrow(/no browser at \/nonexistent\/chromium: .*apt-get install -y chromium/);
  });

  it('should fail naming the chromium package when the executable does not start', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'runbook-nobrowser-'));
    const fake = join(dir, 'chromium');
    writeFileSync(fake, '#!/bin/sh\nexit 1\n');
    chmodSync(fake, 0o755);

    // Act / Assess
    try {
      await expect(launchBrowser(fake)).rejects.toThrow(/did not start .*apt-get install -y chromium/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
