// The web console in a real browser (headless Chromium, playwright-core) against a real `runbook serve` server in this
// process with in-memory hosts: sign in with a token, watch a change go from PRE-FLIGHT to COMPLETED with the
// approvals given from the page (and a refused one showing the API's error), then a change rolled back by an alarm in
// its monitoring window, coloured on the graph, with its window charted. Every update reaches the page through
// GET /events (the page never reloads). The last view is the README's screenshot:
// RUNBOOK_CONSOLE_SCREENSHOT=docs/console.png npx jest --selectProjects browser
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { MetricsPeriod } from '../../lambdas/ports';
import { change, startTestServer, type TestServer } from '../api/server-harness';
import { eventually } from '../support/fakes';
import { TEST_ENV } from '../support/harness';
import { launchBrowser } from './browser';
import { nodeClass, signIn, text, until, WAIT_MS, watchTokenless } from './page';

// Caps for a loaded machine (npm test runs the projects side by side); an idle one takes a few seconds per test.
jest.setTimeout(90_000);

/** The monitoring window's periods as the metrics report them: quiet, or a bad release breaching both limits. */
function periods(seconds: number, bad: boolean): MetricsPeriod[] {
  const now = Date.now();
  const n = Math.max(6, seconds);
  return Array.from({ length: n }, (_, i) => {
    const breaching = bad && i >= n - 3;
    return {
      at: new Date(now - (n - i) * 1000).toISOString(), requests: 6,
      p95Ms: breaching ? 3600 + i * 40 : 140 + ((i * 37) % 60), errorRate: breaching ? 0.3 : i % 4 === 0 ? 0.004 : 0,
    };
  });
}

describe('the web console in Chromium', () => {
  let browser: Browser;
  let t: TestServer;
  let page: Page;
  const pageErrors: string[] = [];
  /** Seven sign-ins and outs while changes are written: not one API request may go out without a token. */
  let tokenless: string[] = [];
  const screenshotDir = mkdtempSync(join(tmpdir(), 'runbook-console-'));

  beforeAll(async () => {
    browser = await launchBrowser();
    t = await startTestServer({ monitorWindowMs: 2_500 });
    let bad = false;
    // The in-memory metrics report per-period figures too, as the local probe does.
    Object.assign(t.alarms, { series: async (seconds: number) => periods(seconds, bad), badRelease: (on: boolean) => { bad = on; } });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    tokenless = watchTokenless(page);
    page.on('console', (m) => { if (/Content Security Policy|Refused to/i.test(m.text())) pageErrors.push(m.text()); });
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    rmSync(screenshotDir, { recursive: true, force: true });
  });

  it('should sign in with a token kept in session storage, never in a URL, and refuse a wrong one', async () => {
    // Act
    await page.goto(`${t.url}/`);
    await page.fill('#token', 'rbk_not-a-token-anyone-was-given');
    await page.click('#signin-form button[type=submit]');
    await until(page, 'the refusal', `${text('#signin-error')}.includes('401')`);
    await signIn(page, t.operator);

    // Assess
    expect(await page.evaluate('sessionStorage.getItem("runbook.operatorToken")')).toBe(t.operator.token);
    expect(page.url()).not.toContain(t.operator.token);
    expect(await page.textContent('#who')).toBe('signed in as ops-operator');
    expect(await page.textContent('#live')).toBe('live');
    expect(t.server.runtime.feed.size).toBe(1);
  });

  it('should show a change go from PRE-FLIGHT to COMPLETED, approved from the page, without reloading', async () => {
    // Prepare: pre-flight held, so the page can be seen showing it.
    const id = 'CR-2026-801';
    t.hosts.hold('preflight-system-health');
    await page.evaluate('window.__sameDocument = true');

    // Act: submitted elsewhere (the API); the list and the change view follow the event stream.
    expect((await t.submit(change(id))).status).toBe(202);
    await until(page, 'the new change in the list', `document.querySelector('tr[data-change="${id}"]')`);
    await page.click(`tr[data-change="${id}"]`);
    await until(page, 'PREFLIGHT on the page', `${text('#change-status')} === 'PREFLIGHT' && ${nodeClass('PreFlight System Health')}.includes('current')`);
    t.hosts.open('preflight-system-health');
    await until(page, 'AWAITING_APPROVAL', `${text('#change-status')} === 'AWAITING_APPROVAL' && ${nodeClass('Plan Await Approvals')}.includes('current')`);

    // A role the signed-in operator may not approve as: the API's 403 is shown.
    await signIn(page, t.approvers.technical);
    await page.selectOption('#role', 'business');
    await page.click('#approve');
    await until(page, 'the refusal', `${text('#action-result')}.includes('refused: 403')`);
    const refusal = await page.textContent('#action-result');

    for (const role of ['technical', 'business', 'security'] as const) {
      await signIn(page, t.approvers[role]);
      await page.selectOption('#role', role);
      await page.fill('#comment', `<b>${role}</b> looks fine`);
      await page.click('#approve');
      await until(page, `the ${role} approval`, `${text('#action-result')}.startsWith('Approve as ${role}: ')`);
    }
    // The graph's last states come from the run's history, which ends after the change's last write: the page is told.
    await until(page, 'COMPLETED', `${text('#change-status')} === 'COMPLETED' && ${text('#qc')}.includes('Status: SUCCESS') && ${nodeClass('Change Completed')}.includes('taken')`);

    // Assess
    expect(refusal).toContain('403 Forbidden: alice may approve as technical, not as business');
    expect(await page.evaluate('window.__sameDocument')).toBe(true);
    const approvals = await page.textContent('#approvals');
    expect(approvals).toContain('alice');
    expect(approvals).toContain('bob');
    expect(approvals).toContain('carol');
    // Record text is text: the comment's markup is shown, not rendered.
    expect(await page.$$eval('#approvals b', (els) => els.length)).toBe(0);
    expect(approvals).toContain('<b>security</b> looks fine');
    expect(await page.evaluate(nodeClass('Change Completed'))).toContain('taken');
    expect(await page.evaluate(nodeClass('Act Run Steps'))).toContain('taken');
    expect(await page.evaluate(nodeClass('Rollback Begin'))).not.toMatch(/taken|rollback/);
    expect(await page.textContent('#timeline')).toContain('report.stored');
    expect(await page.$$eval('#chart svg.p95 circle', (els) => els.length)).toBeGreaterThanOrEqual(6);
  });

  it('should colour the rollback on the graph when an alarm rolls a change back in its monitoring window', async () => {
    // Prepare
    const id = 'CR-2026-802';
    (t.alarms as unknown as { badRelease(on: boolean): void }).badRelease(true);
    await signIn(page, t.operator);
    expect((await t.submit(change(id))).status).toBe(202);
    await page.click(`tr[data-change="${id}"]`);
    await t.waitFor(id, (s) => s === 'AWAITING_APPROVAL', WAIT_MS);
    await t.approveAll(id);
    await t.waitFor(id, (s) => s === 'MONITORING', WAIT_MS);

    // Act
    t.alarms.fire(TEST_ENV, 'latency');
    await until(page, 'ROLLED_BACK', `${text('#change-status')} === 'ROLLED_BACK' && ${nodeClass('Rolled Back To Plan')}.includes('rollback')`);
    await until(page, 'the report', `${text('#qc')}.includes('Status: ROLLED_BACK')`);

    // Assess
    expect(await page.evaluate(nodeClass('Rollback Begin'))).toContain('rollback');
    expect(await page.evaluate(nodeClass('Rollback Run Steps'))).toContain('rollback');
    expect(await page.evaluate(nodeClass('Monitor Window'))).toContain('failed');
    expect(await page.evaluate(nodeClass('Test Smoke'))).not.toMatch(/taken|rollback|failed/);
    expect(await page.textContent('#timeline')).toContain('alarm.triggered');
    expect(await page.getAttribute('#chart line.limit-p95', 'data-limit')).toBe('3150');
    expect(await page.$$eval('#chart svg.p95 circle', (els) => els.length)).toBeGreaterThanOrEqual(6);
    expect(pageErrors).toEqual([]);

    const file = process.env.RUNBOOK_CONSOLE_SCREENSHOT ?? join(screenshotDir, 'console.png');
    await page.screenshot({ path: file, fullPage: true });
    expect(statSync(file).size).toBeGreaterThan(20_000);
  });

  it('should cancel and reject from the page, showing the API\'s 409 for a change that is over', async () => {
    // Prepare: signed in as the operator, on the COMPLETED change
    await signIn(page, t.operator);
    await page.click('tr[data-change="CR-2026-801"]');
    await until(page, 'the completed change', `${text('#change-status')} === 'COMPLETED'`);

    // Act
    await page.click('#cancel');
    await until(page, 'the refusal', `${text('#action-result')}.includes('refused: 409')`);
    await page.click('tr[data-change="CR-2026-802"]');
    await until(page, 'the rolled-back change', `${text('#change-status')} === 'ROLLED_BACK' && ${text('#action-result')} === ''`);
    await page.fill('#cancel-reason', 'release withdrawn');
    await page.click('#cancel');
    await until(page, 'CANCELLED', `${text('#change-status')} === 'CANCELLED'`);
    const cancelledTimeline = await page.textContent('#timeline');
    expect((await t.submit(change('CR-2026-803'))).status).toBe(202);
    await page.click('tr[data-change="CR-2026-803"]');
    await until(page, 'AWAITING_APPROVAL', `${text('#change-status')} === 'AWAITING_APPROVAL'`);
    await signIn(page, t.approvers.technical);
    await page.selectOption('#role', 'technical');
    await page.fill('#comment', 'not during the audit');
    await page.click('#reject');
    await until(page, 'REJECTED', `${text('#change-status')} === 'REJECTED' && ${nodeClass('Change Rejected')}.includes('failed')`);

    // Assess
    expect(cancelledTimeline).toContain('release withdrawn');
    expect(await page.textContent('#approvals')).toContain('not during the audit');
    expect(await page.$$eval('#change-list tbody tr', (rows) => rows.length)).toBe(3);
    await page.selectOption('#status-filter', 'CANCELLED');
    expect(await page.$$eval('#change-list tbody tr', (rows) => rows.map((r) => r.getAttribute('data-change')))).toEqual(['CR-2026-802']);
    await page.selectOption('#status-filter', '');
    await page.fill('#filter', '803');
    expect(await page.$$eval('#change-list tbody tr', (rows) => rows.map((r) => r.getAttribute('data-change')))).toEqual(['CR-2026-803']);
    expect(pageErrors).toEqual([]);
    expect(tokenless).toEqual([]);
    // Seven sign-ins later the page still holds one event stream: each sign-out closed the one before.
    await eventually(async () => t.server.runtime.feed.size, (n) => n === 1, 5_000);
  });
});
