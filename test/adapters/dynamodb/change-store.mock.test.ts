// DynamoChangeStore's requests and error mapping, pinned with a mocked SDK client: the exact conditions that make
// the writes safe without transactions, pagination, and which failures become TransientError for the ASL Retry.
import {
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  InternalServerError,
  ProvisionedThroughputExceededException,
  PutItemCommand,
  QueryCommand,
  ThrottlingException,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoChangeStore } from '../../../lambdas/adapters/dynamodb/change-store';
import { BatchWriter } from '../../../lambdas/adapters/dynamodb/sole-writer';
import { CHECK_RESULT_TTL_SECONDS } from '../../../lambdas/adapters/dynamodb/table';
import { ConflictError, NotFoundError, TransientError } from '../../../lambdas/core/errors';
import { changeRecord } from '../change-store.contract';

const ddb = mockClient(DynamoDBClient);
const client = new DynamoDBClient({ region: 'local', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const store = new DynamoChangeStore(client, 'runbook-table', { now: () => new Date('2025-06-01T10:30:00.000Z') });
const conditionFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

afterEach(() => {
  ddb.reset();
});

describe('DynamoChangeStore requests', () => {
  it('should create a change with a put conditional on the key being free, keyed for the GSI listing', async () => {
    // Prepare
    ddb.on(PutItemCommand).resolves({});

    // Act
    await store.createChange(changeRecord());

    // Assess
    const input = ddb.commandCalls(PutItemCommand)[0]?.args[0].input;
    expect(input?.TableName).toBe('runbook-table');
    expect(input?.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(input?.Item).toMatchObject({
      pk: { S: 'CHANGE#CR-2025-001' },
      sk: { S: 'META' },
      gsi1pk: { S: 'CHANGES' },
      gsi1sk: { S: '2025-06-01T10:00:00.000Z#CR-2025-001' },
      version: { N: '1' },
    });
  });

  it('should update a change conditional on the expected version, bumping it and updatedAt in the same request', async () => {
    // Prepare
    ddb.on(UpdateItemCommand).resolves({ Attributes: marshall({ ...changeRecord({ status: 'PREFLIGHT', version: 4 }), pk: 'CHANGE#CR-2025-001', sk: 'META' }) });

    // Act
    const updated = await store.updateChange('CR-2025-001', 3, { status: 'PREFLIGHT' });

    // Assess
    const input = ddb.commandCalls(UpdateItemCommand)[0]?.args[0].input;
    expect(input?.ConditionExpression).toBe('attribute_exists(pk) AND #version = :expected');
    expect(input?.UpdateExpression).toBe('SET #version = :next, #f0 = :f0, #f1 = :f1');
    expect(input?.ExpressionAttributeNames).toEqual({ '#version': 'version', '#f0': 'status', '#f1': 'updatedAt' });
    expect(input?.ExpressionAttributeValues).toEqual({
      ':expected': { N: '3' }, ':next': { N: '4' }, ':f0': { S: 'PREFLIGHT' }, ':f1': { S: '2025-06-01T10:30:00.000Z' },
    });
    expect(input?.ReturnValues).toBe('ALL_NEW');
    expect(updated).not.toHaveProperty('pk');
    expect(updated).toMatchObject({ status: 'PREFLIGHT', version: 4 });
  });

  it('should remove a field patched to undefined in the same update', async () => {
    // Prepare
    ddb.on(UpdateItemCommand).resolves({ Attributes: marshall(changeRecord({ version: 2 })) });

    // Act
    await store.updateChange('CR-2025-001', 1, { reason: undefined, updatedAt: '2025-06-01T11:00:00.000Z' });

    // Assess
    const input = ddb.commandCalls(UpdateItemCommand)[0]?.args[0].input;
    expect(input?.UpdateExpression).toBe('SET #version = :next, #f1 = :f1 REMOVE #f0');
    expect(input?.ExpressionAttributeNames).toMatchObject({ '#f0': 'reason', '#f1': 'updatedAt' });
  });

  it('should report a lost version race as ConflictError after reading the current version', async () => {
    // Prepare
    ddb.on(UpdateItemCommand).rejects(conditionFailed());
    ddb.on(GetItemCommand).resolves({ Item: marshall(changeRecord({ version: 5 })) });

    // Act
    const update = store.updateChange('CR-2025-001', 3, { status: 'PREFLIGHT' });

    // Assess
    await expect(update).rejects.toThrow(ConflictError);
    await expect(update).rejects.toThrow(/version 5, not 3/);
    expect(ddb.commandCalls(GetItemCommand)[0]?.args[0].input.ConsistentRead).toBe(true);
  });

  it('should report a failed update condition on a missing item as NotFoundError', async () => {
    // Prepare
    ddb.on(UpdateItemCommand).rejects(conditionFailed());
    ddb.on(GetItemCommand).resolves({});

    // Act
    const update = store.updateChange('CR-2025-404', 1, { status: 'PREFLIGHT' });

    // Assess
    await expect(update).rejects.toThrow(NotFoundError);
  });

  it('should take the lock with a put conditional on it being free or already ours', async () => {
    // Prepare
    ddb.on(PutItemCommand).resolves({});

    // Act
    const result = await store.acquireLock('staging', 'CR-2025-001');

    // Assess
    const input = ddb.commandCalls(PutItemCommand)[0]?.args[0].input;
    expect(result).toEqual({ acquired: true });
    expect(input?.ConditionExpression).toBe('attribute_not_exists(pk) OR #holder = :holder');
    expect(input?.ExpressionAttributeNames).toEqual({ '#holder': 'holder' });
    expect(input?.ExpressionAttributeValues).toEqual({ ':holder': { S: 'CR-2025-001' } });
    expect(input?.Item).toMatchObject({ pk: { S: 'LOCK#staging' }, sk: { S: 'LOCK' }, holder: { S: 'CR-2025-001' } });
  });

  it('should name the holder when the lock condition fails', async () => {
    // Prepare
    ddb.on(PutItemCommand).rejects(conditionFailed());
    ddb.on(GetItemCommand).resolves({ Item: marshall({ pk: 'LOCK#staging', sk: 'LOCK', holder: 'CR-2025-007' }) });

    // Act
    const result = await store.acquireLock('staging', 'CR-2025-001');

    // Assess
    expect(result).toEqual({ acquired: false, holder: 'CR-2025-007' });
  });

  it('should release the lock with a delete conditional on the holder and swallow a mismatch', async () => {
    // Prepare
    ddb.on(DeleteItemCommand).rejects(conditionFailed());

    // Act
    const release = store.releaseLock('staging', 'CR-2025-001');

    // Assess
    await expect(release).resolves.toBeUndefined();
    expect(ddb.commandCalls(DeleteItemCommand)[0]?.args[0].input.ConditionExpression).toBe('#holder = :holder');
  });

  it('should give callback items a TTL a year past their creation, which AWS uses and dynalite ignores', async () => {
    // Prepare
    ddb.on(PutItemCommand).resolves({});

    // Act
    await store.createCallback({ key: 'monitor#CR-2025-001#1', kind: 'monitor', changeId: 'CR-2025-001', attempt: 1, token: 't', createdAt: '2025-06-01T00:00:00.000Z' });

    // Assess
    const input = ddb.commandCalls(PutItemCommand)[0]?.args[0].input;
    expect(input?.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(input?.Item?.expiresAt).toEqual({ N: String(Date.parse('2025-06-01T00:00:00.000Z') / 1000 + 366 * 24 * 3600) });
  });

  it('should give a scheduled check\'s command and its pointer the check results\' TTL, and a change\'s command none', async () => {
    // Prepare: TTL attribute in epoch seconds, https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/time-to-live-ttl-before-you-start.html
    ddb.on(PutItemCommand).resolves({});
    const command = { commandId: 'c-1', attempt: 1, phase: 'PREFLIGHT' as const, stepName: 'preflight-system-health', document: 'runbook-SystemHealth', parameters: {}, status: 'InProgress' as const, requestedAt: '2025-06-01T00:00:00.000Z' };

    // Act
    await store.putCommand({ ...command, changeId: 'CHECK-staging' });
    await store.putCommand({ ...command, commandId: 'c-2', changeId: 'CR-2025-001' });

    // Assess
    const items = ddb.commandCalls(PutItemCommand).map((c) => c.args[0].input.Item);
    const expiry = { N: String(Date.parse('2025-06-01T00:00:00.000Z') / 1000 + CHECK_RESULT_TTL_SECONDS) };
    expect(items.slice(0, 2).map((i) => i?.expiresAt)).toEqual([expiry, expiry]);
    expect(items.slice(2).map((i) => i?.expiresAt)).toEqual([undefined, undefined]);
  });

  it('should read one bounded page of the index from the cursor, not the whole listing', async () => {
    // Prepare
    ddb.on(QueryCommand).resolves({ Items: [1, 2, 3].map((i) => marshall(changeRecord({ id: `CR-2025-00${i}` }))), LastEvaluatedKey: marshall({ pk: 'x', sk: 'y', gsi1pk: 'CHANGES', gsi1sk: 'z' }) });

    // Act
    const page = await store.listChangesPage({}, { limit: 2, after: { createdAt: '2025-06-09T10:00:00.000Z', id: 'CR-2025-009' } });

    // Assess
    const calls = ddb.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      IndexName: 'gsi1', ScanIndexForward: false, Limit: 3,
      ExclusiveStartKey: { pk: { S: 'CHANGE#CR-2025-009' }, sk: { S: 'META' }, gsi1pk: { S: 'CHANGES' }, gsi1sk: { S: '2025-06-09T10:00:00.000Z#CR-2025-009' } },
    });
    expect(page.changes.map((c) => c.id)).toEqual(['CR-2025-001', 'CR-2025-002']);
    expect(page.next).toEqual({ createdAt: changeRecord().createdAt, id: 'CR-2025-002' });
  });

  it('should follow LastEvaluatedKey through every page of the change listing, newest first', async () => {
    // Prepare
    const lastKey = marshall({ pk: 'CHANGE#CR-2025-002', sk: 'META', gsi1pk: 'CHANGES', gsi1sk: '2025-06-02T10:00:00.000Z#CR-2025-002' });
    ddb.on(QueryCommand)
      .resolvesOnce({ Items: [marshall(changeRecord({ id: 'CR-2025-002' }))], LastEvaluatedKey: lastKey })
      .resolvesOnce({ Items: [marshall(changeRecord({ id: 'CR-2025-001' }))] });

    // Act
    const listed = await store.listChanges({ environment: 'staging' });

    // Assess
    const calls = ddb.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(listed.map((c) => c.id)).toEqual(['CR-2025-002', 'CR-2025-001']);
    expect(calls).toHaveLength(2);
    expect(calls[0]).toMatchObject({ IndexName: 'gsi1', ScanIndexForward: false, FilterExpression: '#environment = :environment' });
    expect(calls[0]?.ExclusiveStartKey).toBeUndefined();
    expect(calls[1]?.ExclusiveStartKey).toEqual(lastKey);
  });

  it('should read the latest report with one descending query limited to one item', async () => {
    // Prepare
    ddb.on(QueryCommand).resolves({ Items: [] });

    // Act
    await store.getReport('CR-2025-001');

    // Assess
    expect(ddb.commandCalls(QueryCommand)[0]?.args[0].input).toMatchObject({
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeValues: { ':pk': { S: 'CHANGE#CR-2025-001' }, ':prefix': { S: 'REPORT#' } },
      ScanIndexForward: false,
      Limit: 1,
      ConsistentRead: true,
    });
  });
});

describe('DynamoChangeStore error mapping', () => {
  it.each([
    ['ProvisionedThroughputExceededException', () => new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} })],
    ['ThrottlingException', () => new ThrottlingException({ message: 'slow down', $metadata: {} })],
    ['InternalServerError', () => new InternalServerError({ message: 'oops', $metadata: {} })],
  ])('should turn %s into TransientError so the state machine retries', async (name, error) => {
    // Prepare
    ddb.on(GetItemCommand).rejects(error());

    // Act
    const read = store.getChange('CR-2025-001');

    // Assess
    await expect(read).rejects.toBeInstanceOf(TransientError);
    await expect(read).rejects.toMatchObject({ name: 'TransientError', message: expect.stringContaining(name), cause: expect.objectContaining({ name }) });
  });

  it('should map a throttled conditional write to TransientError, not to a condition failure', async () => {
    // Prepare
    ddb.on(PutItemCommand).rejects(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }));

    // Act
    const create = store.createChange(changeRecord());

    // Assess
    await expect(create).rejects.toBeInstanceOf(TransientError);
    expect(ddb.commandCalls(GetItemCommand)).toHaveLength(0);
  });

  it('should pass other SDK errors through unchanged', async () => {
    // Prepare
    const invalid = Object.assign(new Error('Item size has exceeded the maximum allowed size'), { name: 'ValidationException' });
    ddb.on(PutItemCommand).rejects(invalid);

    // Act
    const put = store.putReport({ changeId: 'CR-2025-001', attempt: 1, outcome: 'COMPLETED', createdAt: '2025-06-01T13:00:00.000Z', report: {}, qcSummary: '' });

    // Assess
    await expect(put).rejects.toBe(invalid);
  });
});

// BatchWriteItem: at most 25 put or delete requests, never two for the same key, and UnprocessedItems sent again
// with a backoff (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html).
describe('DynamoChangeStore as the sole writer (the embedded engine)', () => {
  const sole = (): DynamoChangeStore => new DynamoChangeStore(client, 'runbook-table', { now: () => new Date('2025-06-01T10:30:00.000Z'), soleWriter: true });
  const command = { commandId: 'cmd-1', changeId: 'CR-2025-001', attempt: 1, phase: 'ACT' as const, stepName: 'deploy', document: 'runbook-Deploy', parameters: {}, status: 'InProgress' as const, requestedAt: '2025-06-01T10:31:00.000Z' };

  it('should send the unconditional writes issued together as one BatchWriteItem, and the conditional ones on their own', async () => {
    // Prepare
    ddb.on(PutItemCommand).resolves({});
    ddb.on(BatchWriteItemCommand).resolves({});
    const store = sole();

    // Act
    await store.createChange(changeRecord());
    await Promise.all([
      store.putCommand(command),
      store.putCallback({ key: 'command#CR-2025-001#1#ACT:0', kind: 'command', changeId: 'CR-2025-001', attempt: 1, token: 't', createdAt: '2025-06-01T10:31:00.000Z' }),
      store.appendEvent({ changeId: 'CR-2025-001', attempt: 1, at: '2025-06-01T10:31:00.000Z', actor: 'engine', type: 'command.sent', message: 'sent' }),
    ]);

    // Assess
    expect(ddb.commandCalls(PutItemCommand)).toHaveLength(1);
    expect(ddb.commandCalls(PutItemCommand)[0]?.args[0].input.ConditionExpression).toBe('attribute_not_exists(pk)');
    const batches = ddb.commandCalls(BatchWriteItemCommand).map((c) => c.args[0].input.RequestItems?.['runbook-table'] ?? []);
    expect(batches).toHaveLength(1);
    expect(batches[0]?.map((r) => `${r.PutRequest?.Item?.pk?.S} ${r.PutRequest?.Item?.sk?.S}`).sort()).toEqual([
      'CALLBACK#command#CR-2025-001#1#ACT:0 CALLBACK',
      'CHANGE#CR-2025-001 COMMAND#0001#2025-06-01T10:31:00.000Z#cmd-1',
      'CHANGE#CR-2025-001 EVENT#SEQ#0000000001',
      'COMMAND#cmd-1 COMMAND',
    ]);
    expect(store.batchWrites).toBe(1);
  });

  it('should answer reads of what it wrote or read before without a request, and rewrite a command without its pointer', async () => {
    // Prepare
    ddb.on(PutItemCommand).resolves({});
    ddb.on(BatchWriteItemCommand).resolves({});
    ddb.on(UpdateItemCommand).resolves({ Attributes: marshall({ ...changeRecord(), version: 2, status: 'PREFLIGHT', pk: 'CHANGE#CR-2025-001', sk: 'META' }) });
    const store = sole();
    await store.createChange(changeRecord());
    await store.putCommand(command);

    // Act
    const updated = await store.updateChange('CR-2025-001', 1, { status: 'PREFLIGHT' });
    const read = await store.getChange('CR-2025-001');
    const commands = await store.listCommands('CR-2025-001', 1);
    await store.putCommand({ ...command, status: 'Success' });
    const finished = await store.getCommand('cmd-1');

    // Assess
    expect(read).toEqual(updated);
    expect(read?.status).toBe('PREFLIGHT');
    expect(commands).toEqual([command]);
    expect(finished?.status).toBe('Success');
    expect(ddb.commandCalls(GetItemCommand)).toHaveLength(0);
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(0);
    const written = ddb.commandCalls(BatchWriteItemCommand).flatMap((c) => c.args[0].input.RequestItems?.['runbook-table'] ?? []);
    expect(written.filter((r) => r.PutRequest?.Item?.sk?.S?.startsWith('COMMAND#0001#'))).toHaveLength(1);
  });

  it('should read the events from the table every time: the audit checks the record as stored', async () => {
    // Prepare
    ddb.on(PutItemCommand).resolves({});
    ddb.on(QueryCommand).resolves({ Items: [] });
    const store = sole();
    await store.createChange(changeRecord());

    // Act
    await store.listEvents('CR-2025-001');
    await store.listEvents('CR-2025-001');

    // Assess
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(2);
  });

  it('should read an item the table has never held once, and a write after that is what it answers', async () => {
    // Prepare
    ddb.on(GetItemCommand).resolves({});
    ddb.on(BatchWriteItemCommand).resolves({});
    const store = sole();

    // Act
    const before = await store.getCommand('cmd-1');
    const again = await store.getCommand('cmd-1');
    await store.putCommand(command);
    const after = await store.getCommand('cmd-1');

    // Assess
    expect(before).toBeUndefined();
    expect(again).toBeUndefined();
    expect(after).toEqual(command);
    expect(ddb.commandCalls(GetItemCommand)).toHaveLength(1);
  });
});

describe('BatchWriter', () => {
  const put = (pk: string, n = 0): Record<string, { S: string } | { N: string }> => ({ pk: { S: pk }, sk: { S: 'X' }, n: { N: String(n) } });

  it('should send UnprocessedItems again until every write is done, and only then settle', async () => {
    // Prepare
    ddb.on(BatchWriteItemCommand)
      .resolvesOnce({ UnprocessedItems: { 'runbook-table': [{ PutRequest: { Item: put('B') } }] } })
      .resolves({});
    const writer = new BatchWriter(client, 'runbook-table', 1);

    // Act
    await Promise.all([writer.put(put('A')), writer.put(put('B'))]);

    // Assess
    const calls = ddb.commandCalls(BatchWriteItemCommand).map((c) => (c.args[0].input.RequestItems?.['runbook-table'] ?? []).map((r) => r.PutRequest?.Item?.pk && 'S' in r.PutRequest.Item.pk ? r.PutRequest.Item.pk.S : '?'));
    expect(calls).toEqual([['A', 'B'], ['B']]);
  });

  it('should fail the writes with TransientError when items stay unprocessed', async () => {
    // Prepare
    ddb.on(BatchWriteItemCommand).resolves({ UnprocessedItems: { 'runbook-table': [{ PutRequest: { Item: put('A') } }] } });
    const writer = new BatchWriter(client, 'runbook-table', 1);

    // Act
    const written = writer.put(put('A'));

    // Assess
    await expect(written).rejects.toBeInstanceOf(TransientError);
    expect(ddb.commandCalls(BatchWriteItemCommand).length).toBeGreaterThan(1);
  });

  it('should send at most 25 writes a batch, never one key twice in a batch, and a key\'s writes in the order issued', async () => {
    // Prepare
    ddb.on(BatchWriteItemCommand).resolves({});
    const writer = new BatchWriter(client, 'runbook-table', 1);

    // Act
    await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => writer.put(put(`K${i}`))),
      writer.put(put('K3', 1)),
      ...Array.from({ length: 30 }, (_, i) => writer.put(put(`L${i}`))),
    ]);

    // Assess
    const batches = ddb.commandCalls(BatchWriteItemCommand).map((c) => c.args[0].input.RequestItems?.['runbook-table'] ?? []);
    for (const batch of batches) {
      expect(batch.length).toBeLessThanOrEqual(25);
      const keys = batch.map((r) => JSON.stringify(r.PutRequest?.Item?.pk));
      expect(new Set(keys).size).toBe(keys.length);
    }
    expect(batches.flat()).toHaveLength(41);
    const k3 = batches.flatMap((b, i) => b.filter((r) => JSON.stringify(r.PutRequest?.Item?.pk) === JSON.stringify({ S: 'K3' })).map((r) => ({ batch: i, n: r.PutRequest?.Item?.n })));
    expect(k3).toEqual([{ batch: 0, n: { N: '0' } }, { batch: 1, n: { N: '1' } }]);
  });
});
