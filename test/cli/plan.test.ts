// `runbook plan FILE` and `POST /changes?dryRun=true`: the dry run prints what would run and writes nothing; the
// seed's change template, copied verbatim, is planned and submitted as it is.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { main } from '../../bin/cli/program';
import { change, startTestServer, type TestServer } from '../api/server-harness';

jest.setTimeout(60_000);

const ROOT = join(__dirname, '..', '..');
const EXAMPLE = join(ROOT, 'examples', 'CR-2026-101.change.yml');
const SEED_TEMPLATE = join(ROOT, 'test', 'fixtures', 'seed', 'change_plan_template.yml');

interface Run { code: number; out: string; err: string }

async function runbook(home: string, ...args: string[]): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main([...args, '--home', home], { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('runbook plan without a server', () => {
  let home: string;
  beforeEach(() => { home = mkdtempSync(join(tmpdir(), 'runbook-plan-')); });
  afterEach(() => { rmSync(home, { recursive: true, force: true }); });

  it('should plan the example against the demo profile offline, list every step and the longest time, and write nothing', async () => {
    // Act
    const r = await runbook(home, 'plan', EXAMPLE);

    // Assess
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^DRY RUN CR-2026-101 .* on local-demo: nothing written, nothing started/);
    expect(r.out).toContain('Approvals required: technical (tech-lead, demo-technical-approver); business');
    for (const section of ['PRE-FLIGHT:', 'ACT:', 'ROLLBACK:']) expect(r.out.split('\n')).toContain(section);
    expect(r.out).toMatch(/ {2}4\. deploy {2}runbook-DeployRelease {2}timeout 30 s \(longest 30 s\)\n {7}Release="v2\.4\.0" Method="artifact"/);
    expect(r.out).toMatch(/runbook-local-demo-p95-latency: .* > 3150 ms/);
    expect(r.out).toMatch(/Longest time: .* = until ACT .* \+ from the window/);
    expect(readdirSync(home)).toEqual([]);
  });

  it('should print one JSON object with --json, and exit 2 naming the field as the submission does', async () => {
    // Prepare
    const bad = join(home, 'bad.yml');
    writeFileSync(bad, stringify(change('CR-2026-690', (c) => {
      (c.change_request as Record<string, unknown>).environment = 'local-demo';
      c.deployment = { step_parameters: { deploy: { Release: 'v2.4.0; rm -rf /' } } };
    })));

    // Act
    const planned = await runbook(home, 'plan', EXAMPLE, '--json');
    const refused = await runbook(home, 'plan', bad, '--json');

    // Assess
    const plan = JSON.parse(planned.out) as { dryRun: boolean; steps: { act: { name: string }[] }; longest: { totalSeconds: number; parts: { seconds: number }[] } };
    expect(planned.code).toBe(0);
    expect(plan.dryRun).toBe(true);
    expect(plan.steps.act).toHaveLength(8);
    expect(plan.longest.totalSeconds).toBeGreaterThan(0);
    expect(refused.code).toBe(2);
    expect(JSON.parse(refused.out)).toMatchObject({ error: { code: 'ValidationError', fields: [expect.objectContaining({ path: 'deployment.step_parameters.deploy.Release' })] } });
    expect(readdirSync(home)).toEqual(['bad.yml']);
  });
});

describe('runbook plan and POST /changes?dryRun=true against a running server', () => {
  let t: TestServer;
  let dir: string;
  beforeEach(async () => {
    t = await startTestServer();
    dir = mkdtempSync(join(tmpdir(), 'runbook-plan-'));
  });
  afterEach(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("should plan against the served profile and leave the list, the lock and the engine as they were", async () => {
    // Prepare
    const file = join(dir, 'change.yml');
    writeFileSync(file, stringify(change('CR-2026-691')));

    // Act
    const planned = await runbook(t.home, 'plan', file);
    const viaApi = await t.request('POST', '/changes?dryRun=true', { body: JSON.stringify(change('CR-2026-692')), contentType: 'application/json' });
    const badFlag = await t.request('POST', '/changes?dryRun=yes', { body: JSON.stringify(change('CR-2026-693')), contentType: 'application/json' });
    const listed = await t.request('GET', '/changes');
    const executions = t.server.runtime.engine.executionNames();
    const submitted = await runbook(t.home, 'submit', file);

    // Assess
    expect(planned.code).toBe(0);
    expect(planned.out).toContain(`checked against the profile served by ${t.url}`);
    expect(viaApi.status).toBe(200);
    expect(viaApi.json).toMatchObject({ dryRun: true, wrote: 'nothing', changeId: 'CR-2026-692', environment: 'test-env', warnings: [] });
    expect(badFlag.status).toBe(400);
    expect(badFlag.json.error.fields).toEqual([expect.objectContaining({ path: 'dryRun' })]);
    expect(listed.json.items).toEqual([]);
    expect(executions).toEqual([]);
    // Nothing held the environment: the real submission goes through.
    expect(submitted.code).toBe(0);
  });

  it('should refuse an invalid change with the same fields as the submission', async () => {
    // Prepare
    const body = JSON.stringify(change('CR-2026-694', (c) => { c.deployment = { step_parameters: { deploi: { Release: 'v2.4.0' } } }; }));

    // Act
    const planned = await t.request('POST', '/changes?dryRun=true', { body, contentType: 'application/json' });
    const submitted = await t.request('POST', '/changes', { body, contentType: 'application/json' });

    // Assess
    expect(planned.status).toBe(400);
    expect(planned.json.error).toEqual(submitted.json.error);
    expect(planned.json.error.fields).toEqual([expect.objectContaining({ path: 'deployment.step_parameters.deploi' })]);
  });

  it("should accept the seed's change_plan_template.yml copied verbatim, in plan and in submit", async () => {
    // Act
    const planned = await runbook(t.home, 'plan', SEED_TEMPLATE, '--json');
    const submitted = await runbook(t.home, 'submit', SEED_TEMPLATE);
    const shown = await t.request('GET', '/changes/CR-2025-001');

    // Assess
    expect(planned.code).toBe(0);
    expect(JSON.parse(planned.out)).toMatchObject({ changeId: 'CR-2025-001', risk: { level: 'MEDIUM', score: 9 } });
    expect(submitted).toMatchObject({ code: 0 });
    expect(submitted.out).toMatch(/^CR-2025-001 submitted: risk MEDIUM \(score 9\)/);
    expect(shown.status).toBe(200);
  });
});
