// Headless Chromium for the console's browser tests: Debian's `chromium` package driven by playwright-core. A machine
// where no browser starts fails the tests with what to install — it never skips them.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium (`apt-get install -y chromium`); RUNBOOK_CHROMIUM names another build. */
export const CHROMIUM = process.env.RUNBOOK_CHROMIUM ?? '/usr/bin/chromium';

export async function launchBrowser(executablePath = CHROMIUM): Promise<Browser> {
  if (!existsSync(executablePath)) {
    throw new Error(`no browser at ${executablePath}: the console's browser tests need Chromium — install Debian's package (apt-get install -y chromium, as .ci/run does) or set RUNBOOK_CHROMIUM to a Chromium executable`);
  }
  try {
    // --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
    return await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'], timeout: 30_000 });
  } catch (err) {
    throw new Error(`Chromium at ${executablePath} did not start (${(err as Error).message.split('\n')[0]}): install Debian's package (apt-get install -y chromium) or set RUNBOOK_CHROMIUM`);
  }
}
