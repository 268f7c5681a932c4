// DynamoChangeStore on a real dynalite from startDynalite: the shared ChangeStore contract, persistence across a
// restart, ensureTable, and a client that ignores whatever AWS configuration the machine has.
import { DescribeTableCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoChangeStore, ensureTable } from '../../../lambdas/adapters/dynamodb/change-store';
import { startDynalite, type EmbeddedDynamo } from '../../../lambdas/embedded/dynalite';
import { verifyChain } from '../../../lambdas/core/audit';
import { changeRecord, describeChangeStoreContract } from '../change-store.contract';

describe('DynamoChangeStore on dynalite', () => {
  let dynamo: EmbeddedDynamo;
  let tables = 0;

  beforeAll(async () => {
    dynamo = await startDynalite();
  });

  afterAll(async () => {
    await dynamo.close();
  });

  // A fresh table per test keeps the tests independent on one server.
  describeChangeStoreContract(async () => {
    const tableName = `changes-${++tables}`;
    await ensureTable(dynamo.client, tableName);
    return new DynamoChangeStore(dynamo.client, tableName);
  });

  describe('as the sole writer (the embedded engine: cached reads, batched writes)', () => {
    describeChangeStoreContract(async () => {
      const tableName = `sole-${++tables}`;
      await ensureTable(dynamo.client, tableName);
      return new DynamoChangeStore(dynamo.client, tableName, { soleWriter: true });
    });
  });

  it('should let a sole writer\'s read wait for a write of the same item still on its way (a status event racing its command)', async () => {
    // Prepare
    await ensureTable(dynamo.client, 'in-flight');
    const store = new DynamoChangeStore(dynamo.client, 'in-flight', { soleWriter: true });
    const command = { commandId: 'cmd-9', changeId: 'CR-2025-001', attempt: 1, phase: 'ACT' as const, stepName: 'deploy', document: 'runbook-Deploy', parameters: {}, status: 'InProgress' as const, requestedAt: '2025-06-01T10:01:00.000Z' };

    // Act
    const writing = store.putCommand(command);
    const read = await store.getCommand('cmd-9');
    await writing;

    // Assess
    expect(read).toEqual(command);
  });

  it('should keep one chain when two stores (two processes) append to a change in turns and at once', async () => {
    // Prepare: each store remembers the head it wrote last, which the other one makes stale
    await ensureTable(dynamo.client, 'two-writers');
    const a = new DynamoChangeStore(dynamo.client, 'two-writers');
    const b = new DynamoChangeStore(dynamo.client, 'two-writers');
    await a.createChange(changeRecord());
    const event = (message: string) => ({ changeId: 'CR-2025-001', attempt: 1, at: '2025-06-01T10:00:00.000Z', actor: 'engine', type: 'status', message });

    // Act
    await a.appendEvent(event('a1'));
    await b.appendEvent(event('b1'));
    await a.appendEvent(event('a2'));
    await Promise.all([a.appendEvent(event('a3')), b.appendEvent(event('b2')), a.appendEvent(event('a4')), b.appendEvent(event('b3'))]);

    // Assess
    const events = await a.listEvents('CR-2025-001');
    expect(verifyChain(changeRecord().bodyHash, events)).toMatchObject({ verified: true, count: 7, headSeq: 7 });
  });

  it('should tell onWritten about each write that succeeded, and not about one refused, nor fail on a throwing listener', async () => {
    // Prepare
    await ensureTable(dynamo.client, 'watched');
    const writes: unknown[] = [];
    let calls = 0;
    const store = new DynamoChangeStore(dynamo.client, 'watched', {
      now: () => new Date('2025-06-01T10:00:00.000Z'),
      onWritten: (w) => {
        calls += 1;
        writes.push(w);
        if (calls === 2) throw new Error('a broken watcher');
      },
    });

    // Act
    await store.createChange(changeRecord());
    await store.createChange(changeRecord());
    const updated = await store.updateChange('CR-2025-001', 1, { status: 'PREFLIGHT' });
    const refused = await store.updateChange('CR-2025-001', 1, { status: 'CANCELLED' }).catch((err: Error) => err.name);
    const event = await store.appendEvent({ changeId: 'CR-2025-001', attempt: 1, at: '2025-06-01T10:00:00.000Z', actor: 'engine', type: 'attempt.started', status: 'PREFLIGHT', message: 'm' });

    // Assess
    expect(updated.status).toBe('PREFLIGHT');
    expect(refused).toBe('ConflictError');
    expect(event.seq).toBe(1);
    expect(writes).toEqual([
      { changeId: 'CR-2025-001', kind: 'change', status: 'SUBMITTED', at: '2025-06-01T10:00:00.000Z' },
      { changeId: 'CR-2025-001', kind: 'change', status: 'PREFLIGHT', at: '2025-06-01T10:00:00.000Z' },
      { changeId: 'CR-2025-001', kind: 'event', type: 'attempt.started', seq: 1, status: 'PREFLIGHT', at: '2025-06-01T10:00:00.000Z' },
    ]);
  });

  it('should stamp updatedAt from the injected clock', async () => {
    // Prepare
    await ensureTable(dynamo.client, 'clock-test');
    const store = new DynamoChangeStore(dynamo.client, 'clock-test', { now: () => new Date('2025-06-01T10:30:00.000Z') });
    await store.createChange(changeRecord());

    // Act
    const updated = await store.updateChange('CR-2025-001', 1, { status: 'PREFLIGHT' });

    // Assess
    expect(updated.updatedAt).toBe('2025-06-01T10:30:00.000Z');
  });
});

describe('ensureTable', () => {
  let dynamo: EmbeddedDynamo;

  beforeAll(async () => {
    dynamo = await startDynalite({ createTableMs: 150 });
  });

  afterAll(async () => {
    await dynamo.close();
  });

  it('should create a missing table and return only once it and its index are ACTIVE', async () => {
    // Act
    await ensureTable(dynamo.client, 'slow-to-create');

    // Assess
    const { Table } = await dynamo.client.send(new DescribeTableCommand({ TableName: 'slow-to-create' }));
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.GlobalSecondaryIndexes?.map((i) => [i.IndexName, i.IndexStatus])).toEqual([['gsi1', 'ACTIVE']]);
  });

  it('should be idempotent, also when two callers race to create the same table', async () => {
    // Act
    await Promise.all([ensureTable(dynamo.client, 'raced'), ensureTable(dynamo.client, 'raced')]);
    await ensureTable(dynamo.client, 'raced');

    // Assess
    const { TableNames } = await dynamo.client.send(new ListTablesCommand({}));
    expect(TableNames?.filter((n) => n === 'raced')).toHaveLength(1);
  });
});

describe('startDynalite', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'runbook-dynalite-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('should keep the data on disk across a restart on the same path', async () => {
    // Prepare
    const path = join(dir, 'data');
    const first = await startDynalite({ path });
    await ensureTable(first.client, 'runbook');
    const written = new DynamoChangeStore(first.client, 'runbook');
    await written.createChange(changeRecord());
    const event = await written.appendEvent({ changeId: 'CR-2025-001', attempt: 1, at: '2025-06-01T10:00:00.000Z', actor: 'cli', type: 'submitted', message: 'submitted' });
    await written.acquireLock('staging', 'CR-2025-001');
    await first.close();

    // Act
    const second = await startDynalite({ path });
    try {
      await ensureTable(second.client, 'runbook');
      const reopened = new DynamoChangeStore(second.client, 'runbook');

      // Assess
      expect(await reopened.getChange('CR-2025-001')).toEqual(changeRecord());
      expect(await reopened.listEvents('CR-2025-001')).toEqual([event]);
      expect(await reopened.acquireLock('staging', 'CR-2025-002')).toEqual({ acquired: false, holder: 'CR-2025-001' });
    } finally {
      await second.close();
    }
  });

  it('should find every write a sole-writer store acknowledged after its process was killed, and chain on from it', async () => {
    // Prepare: a child process writes 30 events at once and a command, says which were acknowledged, and is killed
    const path = join(dir, 'data');
    const child = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, 'fixtures', 'sole-writer-killed.ts'), path], { encoding: 'utf8', timeout: 60_000 });
    expect(child.signal).toBe('SIGKILL');
    const { acknowledged } = JSON.parse(child.stdout.trim().split('\n').at(-1) as string) as { acknowledged: string[] };

    // Act
    const second = await startDynalite({ path });
    try {
      await ensureTable(second.client, 'runbook');
      const reopened = new DynamoChangeStore(second.client, 'runbook', { soleWriter: true });
      const next = await reopened.appendEvent({ changeId: 'CR-2025-001', attempt: 1, at: '2025-06-01T10:02:00.000Z', actor: 'engine', type: 'resumed', message: 'after the restart' });
      const events = await reopened.listEvents('CR-2025-001');

      // Assess
      expect(acknowledged).toHaveLength(30);
      expect(events.map((e) => e.hash)).toEqual(expect.arrayContaining(acknowledged));
      expect(next.seq).toBe(31);
      expect(verifyChain(changeRecord().bodyHash, events)).toMatchObject({ verified: true, count: 31, headSeq: 31 });
      expect((await reopened.getCommand('cmd-1'))?.status).toBe('Success');
      expect(await reopened.listCommands('CR-2025-001')).toHaveLength(1);
    } finally {
      await second.close();
    }
  }, 90_000);

  it('should refuse a data path that is already open, instead of crashing on the first request', async () => {
    // Prepare
    const path = join(dir, 'data');
    const first = await startDynalite({ path });

    try {
      // Act
      const second = startDynalite({ path });

      // Assess
      await expect(second).rejects.toThrow(/in use by process/);
    } finally {
      await first.close();
    }
  });

  it('should take over a data path whose pid file was left by a dead process', async () => {
    // Prepare
    const path = join(dir, 'data');
    const first = await startDynalite({ path });
    await first.close();
    await writeFile(join(path, 'runbook-dynalite.pid'), '2147483646');

    // Act
    const second = await startDynalite({ path });

    // Assess
    await expect(second.client.send(new ListTablesCommand({}))).resolves.toBeDefined();
    await second.close();
  });

  it('should use its own region, credentials and settings whatever the AWS environment says', async () => {
    // Prepare: each of these, if the SDK read it, would fail the request or change the client's settings
    const hostile: Record<string, string> = {
      AWS_PROFILE: 'runbook-test-profile-that-does-not-exist',
      AWS_CONFIG_FILE: join(dir, 'no-such-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-such-credentials'),
      AWS_REGION: 'eu-west-9',
      AWS_DEFAULTS_MODE: 'not-a-mode',
      AWS_MAX_ATTEMPTS: 'not-a-number',
      AWS_RETRY_MODE: 'not-a-mode',
      AWS_USE_FIPS_ENDPOINT: 'true',
      AWS_USE_DUALSTACK_ENDPOINT: 'true',
      AWS_ACCOUNT_ID_ENDPOINT_MODE: 'not-a-mode',
    };
    const unset = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'];
    const saved = new Map([...Object.keys(hostile), ...unset].map((name) => [name, process.env[name]]));
    Object.assign(process.env, hostile);
    for (const name of unset) delete process.env[name];
    const dynamo = await startDynalite();

    try {
      // Act
      const tables = await dynamo.client.send(new ListTablesCommand({}));

      // Assess
      expect(tables.TableNames).toEqual([]);
      expect(await dynamo.client.config.region()).toBe('local');
      expect(await dynamo.client.config.maxAttempts()).toBe(3);
      expect(await dynamo.client.config.useFipsEndpoint()).toBe(false);
      expect(await dynamo.client.config.credentials()).toMatchObject({ accessKeyId: 'local' });
    } finally {
      await dynamo.close();
      for (const [name, value] of saved) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});
