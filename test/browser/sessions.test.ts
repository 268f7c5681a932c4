// The console as an operator uses it over a day, in headless Chromium against a real `runbook serve` server: signing
// out and in as someone else while the page is busy, a live feed the server refuses, reloading, several tabs. Who is
// signed in is shown from GET /whoami, never from an event on the stream; what the last session asked for cannot sign
// the next one out; the tabs of one browser share one stream, and a closed tab hands it on at once.
import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import { change, startTestServer, type TestServer } from '../api/server-harness';
import { eventually } from '../support/fakes';
import { launchBrowser } from './browser';
import { signedInAs, signIn, text, until, watchTokenless } from './page';

jest.setTimeout(90_000);

describe('the console across sign-ins, reloads and tabs', () => {
  let browser: Browser;
  let t: TestServer;
  let context: BrowserContext;

  beforeAll(async () => {
    browser = await launchBrowser();
    t = await startTestServer();
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  beforeEach(async () => { context = await browser.newContext(); });
  afterEach(async () => {
    await context.close();
    // Every tab closed: every stream given back.
    await eventually(async () => t.server.runtime.feed.size, (n) => n === 0, 5_000);
  });

  it('should keep the new operator signed in when a request of the last one is answered 401 after the switch', async () => {
    // Prepare: the operator's page, its next list refresh held on the way
    const page = await context.newPage();
    const tokenless = watchTokenless(page);
    await page.goto(`${t.url}/`);
    await signIn(page, t.operator);
    let held: Route | undefined;
    await page.route((url) => url.pathname === '/changes' && url.searchParams.get('limit') === '100', async (route) => {
      if (held) return route.continue();
      held = route;
    });
    expect((await t.submit(change('CR-2026-851'))).status).toBe(202);
    await eventually(async () => held, (r) => r !== undefined, 10_000);

    // Act: alice takes the page over; then the operator's refresh comes back refused (say, their token was revoked)
    await signIn(page, t.approvers.technical);
    await (held as Route).fulfill({ status: 401, contentType: 'application/json', body: JSON.stringify({ error: { code: 'Unauthorized', message: 'authentication required' } }) });
    // What is written next reaches the page only while alice is still signed in and live.
    await t.request('POST', '/changes/CR-2026-851/cancel', { body: '{}', contentType: 'application/json' });
    await until(page, 'the cancellation on alice\'s page', `document.querySelector('tr[data-change="CR-2026-851"]')?.textContent.includes('CANCELLED')`);

    // Assess
    expect(await page.evaluate(signedInAs(t.approvers.technical))).toBe(true);
    expect(await page.textContent('#signin-error')).toBe('');
    expect(tokenless).toEqual([]);
  });

  it('should show who is signed in and why the page is not live while the server refuses its stream, then go live', async () => {
    // Prepare: a server at its stream limit, as the page sees it
    const page = await context.newPage();
    const refusal = 'ops-operator already has 8 event streams open (at most 8 per operator): close a console tab and the page reconnects';
    await page.route('**/events', (route) => route.fulfill({
      status: 503, headers: { 'retry-after': '1' }, contentType: 'application/json', body: JSON.stringify({ error: { code: 'TooManyStreams', message: refusal } }),
    }));
    await page.goto(`${t.url}/`);

    // Act
    await page.fill('#token', t.operator.token);
    await page.click('#signin-form button[type=submit]');
    await until(page, 'the refusal on the page', `document.getElementById('live-error')?.hidden === false`);
    const shown = { who: await page.textContent('#who'), live: await page.textContent('#live'), error: await page.textContent('#live-error') };
    await page.unroute('**/events');
    await until(page, 'the page live once let in', `${text('#live')} === 'live' && document.getElementById('live-error').hidden`);

    // Assess
    expect(shown).toEqual({
      who: 'signed in as ops-operator', live: 'offline',
      error: `Live updates refused (503 TooManyStreams: ${refusal}). Trying again in 1 s; until then this page does not update by itself.`,
    });
    expect(t.server.runtime.feed.size).toBe(1);
  });

  it('should show each tab its own operator, again after a reload, on one stream for the browser that the next tab takes over', async () => {
    // Prepare: two tabs, two operators (the token is per tab: session storage)
    const first = await context.newPage();
    const second = await context.newPage();
    await first.goto(`${t.url}/`);
    await second.goto(`${t.url}/`);
    await signIn(first, t.operator);
    await signIn(second, t.approvers.business);
    const streamsForTwo = t.server.runtime.feed.size;

    // Act: the second tab reloads; then the first, which reads the stream, closes
    await second.reload();
    await until(second, 'bob signed in again after the reload', signedInAs(t.approvers.business));
    await first.close();

    // Assess: the second tab took the stream over, live and told of new writes
    expect(streamsForTwo).toBe(1);
    await until(second, 'the second tab live on its own stream', signedInAs(t.approvers.business));
    await eventually(async () => t.server.runtime.feed.size, (n) => n === 1, 5_000);
    expect((await t.submit(change('CR-2026-853'))).status).toBe(202);
    await until(second, 'the new change in the second tab', `document.querySelector('tr[data-change="CR-2026-853"]')`);
  });

  it('should load and go live in a seventh tab: a browser holds six connections to a host, the tabs share one stream', async () => {
    // Act
    const pages = [];
    for (let i = 0; i < 7; i++) {
      const page = await context.newPage();
      await page.goto(`${t.url}/`, { timeout: 15_000 });
      await signIn(page, t.operator);
      pages.push(page);
    }

    // Assess: every tab live, one stream, and a write reaches the last tab
    for (const page of pages) expect(await page.evaluate(signedInAs(t.operator))).toBe(true);
    expect(t.server.runtime.feed.size).toBe(1);
    await t.request('POST', '/changes/CR-2026-853/cancel', { body: '{}', contentType: 'application/json' });
    await until(pages[6] as Page, 'the cancellation in the seventh tab', `document.querySelector('tr[data-change="CR-2026-853"]')?.textContent.includes('CANCELLED')`);
  });
});
