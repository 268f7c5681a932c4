// What the console's browser tests ask of a page: wait for something to show (polled from the test, since the page's
// CSP rightly refuses page.waitForFunction's eval), read an element's text, a graph node's class, and sign in.
import type { Page, Request } from 'playwright-core';
import type { Caller } from '../api/server-harness';

export const WAIT_MS = 30_000;

/** What the page says where things go wrong, for a failed wait's message. */
const SHOWN = ['change-status', 'who', 'live', 'live-error', 'signin-error'];

/** Waits until `expression` (evaluated in the page) is truthy; the error names what was awaited and what was shown. */
export async function until(page: Page, what: string, expression: string, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate(expression))) {
    if (Date.now() > deadline) {
      const seen = await page.evaluate(`[${SHOWN.map((id) => `'${id}: ' + (document.getElementById('${id}')?.textContent ?? '')`).join(', ')}].join('; ')`).catch(() => '?');
      throw new Error(`${what}: not seen within ${timeoutMs} ms (on the page: ${String(seen)})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const text = (selector: string): string => `(document.querySelector(${JSON.stringify(selector)})?.textContent ?? '')`;
export const nodeClass = (state: string): string => `(document.querySelector('g.node[data-state=${JSON.stringify(state)}]')?.getAttribute('class') ?? '')`;

/** The page shows `caller` signed in, and its live feed is open (so what is written next reaches it). */
export const signedInAs = (caller: Caller): string =>
  `!document.getElementById('app').hidden && ${text('#who')} === ${JSON.stringify(`signed in as ${caller.name}`)} && ${text('#live')} === 'live'`;

/** Signs `caller` in (signing the last one out first) and waits for the page to show them, live. */
export async function signIn(page: Page, caller: Caller): Promise<void> {
  if (await page.isVisible('#signout')) await page.click('#signout');
  await page.fill('#token', caller.token);
  await page.click('#signin-form button[type=submit]');
  await until(page, `${caller.name} signed in`, signedInAs(caller));
}

/** API requests (not the page and its assets, not the public /health) that went out without an operator's token. */
export function watchTokenless(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', (req: Request) => {
    const path = new URL(req.url()).pathname;
    if (path === '/' || path.startsWith('/console/') || path === '/health') return;
    if (!/^Bearer \S+$/.test(req.headers().authorization ?? '')) seen.push(`${req.method()} ${path}`);
  });
  return seen;
}
