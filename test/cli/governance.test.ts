// Governance through `runbook serve` and the CLI: approvers bound to roles, separation of duties, and the
// hash-chained record that `runbook audit` verifies straight from the store (edited through the store's own
// DynamoDB endpoint, as the AWS CLI would with --endpoint-url).
// UpdateItem shape: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html
import { DynamoDBClient, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { main } from '../../bin/cli/program';
import { addOperator } from '../../lambdas/api/local-auth';
import { LOCAL_TABLE_NAME } from '../../lambdas/embedded/runtime';
import { change, startTestServer, type TestServer } from '../api/server-harness';
import { testProfile } from '../support/harness';

jest.setTimeout(60_000);

const fast = { intervalMs: 20, sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };

interface Run { code: number; out: string; err: string }

async function runbook(t: TestServer, ...args: string[]): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main([...args, '--home', t.home], { out: (l) => out.push(l), err: (l) => err.push(l) }, { timing: fast });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('governance through runbook serve and the CLI', () => {
  let t: TestServer;
  let dir: string;
  let tess: string;
  let mallory: string;
  beforeEach(async () => {
    // tess may approve as technical or business (but only one of them per attempt); mallory is listed for nothing.
    t = await startTestServer({
      profile: testProfile({ approvers: { technical: ['tess', 'alice'], business: ['tess', 'bob'], security: ['carol'], executive: ['erin'] } }),
    });
    tess = addOperator(t.home, 'tess').token;
    mallory = addOperator(t.home, 'mallory').token;
    dir = mkdtempSync(join(tmpdir(), 'runbook-gov-'));
  });
  afterEach(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const submitFile = async (id: string, patch?: (r: Record<string, unknown>) => void): Promise<Run> => {
    const file = join(dir, `${id}.yml`);
    writeFileSync(file, stringify(change(id, patch)));
    return runbook(t, 'submit', file);
  };

  it('should let a person approve as one role only, refuse the submitter and the unlisted, and verify the record with audit', async () => {
    // Prepare
    expect((await submitFile('CR-2026-700')).code).toBe(0);
    await t.waitFor('CR-2026-700', (s) => s === 'AWAITING_APPROVAL');

    // Act
    const bySubmitter = await runbook(t, 'approve', 'CR-2026-700', '--role', 'technical');
    const tessTechnical = await runbook(t, 'approve', 'CR-2026-700', '--role', 'technical', '--token', tess);
    const tessBusiness = await runbook(t, 'approve', 'CR-2026-700', '--role', 'business', '--token', tess);
    const byUnlisted = await runbook(t, 'approve', 'CR-2026-700', '--role', 'security', '--token', mallory);
    const bob = await runbook(t, 'approve', 'CR-2026-700', '--role', 'business', '--token', t.approvers.business.token);
    const carol = await runbook(t, 'approve', 'CR-2026-700', '--role', 'security', '--token', t.approvers.security.token);
    await t.server.runtime.engine.wait('CR-2026-700');
    const audited = await runbook(t, 'audit', 'CR-2026-700');
    const report = (await t.request('GET', '/changes/CR-2026-700/report')).json;
    const againstReport = await runbook(t, 'audit', 'CR-2026-700', '--expect', report.record.headHash);

    // Assess
    expect(bySubmitter).toMatchObject({ code: 1, err: 'runbook: 403 Forbidden: ops-operator submitted change CR-2026-700 and may not approve it' });
    expect(tessTechnical.code).toBe(0);
    expect(tessBusiness).toMatchObject({ code: 1, err: 'runbook: 403 Forbidden: tess already decided as technical on attempt 1: one person approves as at most one role per attempt, not also as business' });
    expect(byUnlisted).toMatchObject({ code: 1, err: "runbook: 403 Forbidden: mallory is not listed in the profile's approvers.security: may not approve as security" });
    expect([bob.code, carol.code]).toEqual([0, 0]);
    expect(await t.statusOf('CR-2026-700')).toBe('COMPLETED');
    const record = await t.request('GET', '/changes/CR-2026-700/audit');
    expect(record.json).toMatchObject({ verified: true, headHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(audited.code).toBe(0);
    expect(audited.out).toContain(`✔ CR-2026-700: the record verifies: ${record.json.count} events chained from the submitted body`);
    expect(audited.out).toContain(`head sha256 ${record.json.headHash} (event #${record.json.count})`);
    expect(report.record).toMatchObject({ verified: true, headSeq: expect.any(Number) });
    expect(againstReport.code).toBe(0);
    const notifications = readFileSync(join(t.home, 'notifications.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; text: string });
    expect(notifications.find((n) => n.kind === 'completed')?.text).toContain(`Record: ${report.record.events} events, head sha256 ${report.record.headHash} (event #${report.record.headSeq})`);
  });

  it('should fail the audit naming the one event edited through the store\'s DynamoDB endpoint from serve.json', async () => {
    // Prepare: a change with a few events, then the third event's message edited in the store directly
    await submitFile('CR-2026-710');
    await t.waitFor('CR-2026-710', (s) => s === 'AWAITING_APPROVAL');
    const before = await runbook(t, 'audit', 'CR-2026-710');
    const head = /head sha256 ([0-9a-f]{64})/.exec(before.out)?.[1] as string;
    const serveJson = JSON.parse(readFileSync(join(t.home, 'serve.json'), 'utf8')) as { storeEndpoint: string; storeTable: string };
    expect(serveJson.storeEndpoint).toBe(t.server.storeEndpoint);
    expect(t.lines).toContain(`  store: DynamoDB API at ${serveJson.storeEndpoint}, table ${LOCAL_TABLE_NAME} (any credentials, region local)`);
    const dynamo = new DynamoDBClient({ endpoint: serveJson.storeEndpoint, region: 'local', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const items = await dynamo.send(new QueryCommand({
      TableName: serveJson.storeTable, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :events)',
      ExpressionAttributeValues: { ':pk': { S: 'CHANGE#CR-2026-710' }, ':events': { S: 'EVENT#' } },
    }));
    const third = items.Items?.find((i) => i.seq?.N === '3');
    expect(third).toBeDefined();

    // Act
    await dynamo.send(new UpdateItemCommand({
      TableName: serveJson.storeTable, Key: { pk: third?.pk as { S: string }, sk: third?.sk as { S: string } },
      UpdateExpression: 'SET message = :m', ExpressionAttributeValues: { ':m': { S: 'approved by everyone' } },
    }));
    dynamo.destroy();
    const after = await runbook(t, 'audit', 'CR-2026-710');
    const stillHolds = await runbook(t, 'audit', 'CR-2026-710', '--expect', head);

    // Assess
    expect(before.code).toBe(0);
    expect(after.code).toBe(1);
    expect(after.out).toContain(`✖ CR-2026-710: the record does not verify: event #3 (${third?.type?.S}, ${third?.at?.S}, id ${third?.id?.S}) does not verify: its content does not match its hash (edited after it was written)`);
    expect(after.out).toContain('  2 of ');
    expect(stillHolds.code).toBe(1);
    await runbook(t, 'cancel', 'CR-2026-710', '--reason', 'test over');
  });
});

describe('change freezes through runbook serve and the CLI', () => {
  let t: TestServer;
  let dir: string;
  const now = Date.now();
  const freezeStart = new Date(now - 3600_000).toISOString();
  const freezeEnd = new Date(now + 2 * 24 * 3600_000).toISOString();
  beforeEach(async () => {
    t = await startTestServer({ profile: testProfile({ freezes: [{ name: 'year-end close', start: freezeStart, end: freezeEnd, reason: 'finance closes the books' }] }) });
    dir = mkdtempSync(join(tmpdir(), 'runbook-freeze-'));
  });
  afterEach(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const fileFor = (id: string, type: string): string => {
    const file = join(dir, `${id}.yml`);
    writeFileSync(file, stringify(change(id, (r) => { (r.change_request as Record<string, unknown>).type = type; })));
    return file;
  };

  it('should refuse a change submitted into a freeze with 409 naming it, and write nothing', async () => {
    // Act
    const refused = await runbook(t, 'submit', fileFor('CR-2026-720', 'maintenance'));
    const stored = await t.request('GET', '/changes/CR-2026-720');

    // Assess
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/^runbook: 409 Conflict: change CR-2026-720: its window .* overlaps the change freeze "year-end close" \(.* finance closes the books\); only an emergency change may be submitted into a freeze, and it needs executive approval$/);
    expect(stored.status).toBe(404);
  });

  it('should take an emergency into the freeze only with executive approval, the override on its record', async () => {
    // Act
    const submitted = await runbook(t, 'submit', fileFor('CR-2026-721', 'emergency'));
    await t.waitFor('CR-2026-721', (s) => s === 'AWAITING_APPROVAL');
    await t.approveAll('CR-2026-721', ['technical', 'business', 'security']);
    const withoutExecutive = (await t.request('GET', '/changes/CR-2026-721')).json;
    const executive = await runbook(t, 'approve', 'CR-2026-721', '--role', 'executive', '--token', t.approvers.executive.token);
    await t.server.runtime.engine.wait('CR-2026-721');
    const events = await t.server.runtime.store.listEvents('CR-2026-721');
    const check = await runbook(t, 'check');

    // Assess
    expect(submitted.code).toBe(0);
    expect(submitted.out).toContain('approvals required: technical, business, security, executive');
    expect(withoutExecutive).toMatchObject({ status: 'AWAITING_APPROVAL', approvals: { missing: ['executive'] } });
    expect(executive.code).toBe(0);
    expect(await t.statusOf('CR-2026-721')).toBe('COMPLETED');
    const override = events.find((e) => e.type === 'freeze.override');
    expect(override).toMatchObject({ actor: 'ops-operator', data: { freezes: [{ name: 'year-end close', reason: 'finance closes the books' }] } });
    expect(override?.message).toMatch(/^emergency change submitted into freeze "year-end close" .* by ops-operator: executive approval required$/);
    expect((await runbook(t, 'audit', 'CR-2026-721')).code).toBe(0);
    expect(check.out).toContain('change freezes in the next 7 days (only emergency changes, with executive approval):');
    expect(check.out).toContain(`❄ year-end close: ${freezeStart.replace('T', ' ').slice(0, 19)} – ${freezeEnd.replace('T', ' ').slice(0, 19)} UTC — finance closes the books`);
  });
});
