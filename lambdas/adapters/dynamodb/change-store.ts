// ChangeStore on DynamoDB (AWS, or dynalite for the embedded engine): one table, single-item conditional writes
// with version numbers, no transactions. `ensureTable` creates the table for the local engine.
import {
  BatchGetItemCommand,
  CreateTableCommand,
  DeleteItemCommand,
  DescribeTableCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type QueryCommandInput,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { convertToAttr, marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { chainEvent, compareEvents, type ChainLink } from '../../core/audit';
import { ConflictError, NotFoundError, TransientError } from '../../core/errors';
import { callAws, errorName } from '../aws/errors';
import { isCheckChangeId, type Approval, type CallbackRecord, type ChangeEvent, type ChangeRecord, type ChangeStatus, type CheckResult, type CommandRecord, type StoredReport } from '../../core/records';
import { personOf } from '../../core/identity';
import type { ChangeCursor, ChangeStore } from '../../ports';
import {
  CALLBACK_TTL_SECONDS,
  CHECK_RESULT_TTL_SECONDS,
  GSI1_NAME,
  GSI1_PARTITION_KEY,
  GSI1_SORT_KEY,
  LAYOUT_ATTRIBUTES,
  PARTITION_KEY,
  SORT_KEY,
  TTL_ATTRIBUTE,
  CHANGES_INDEX_PARTITION,
  changeIndexKeys,
  createTableInput,
  keys,
  monotonicIds,
  pageOfChanges,
  prefixes,
  type ItemKey,
} from './table';

type Item = Record<string, AttributeValue>;

/** Appends that lose the race for the next sequence retry this often (each loser re-reads the head). */
const APPEND_ATTEMPTS = 50;
/** Chain heads remembered (a few bytes each): far more than the changes in flight at once. */
const HEAD_CACHE_SIZE = 1000;

/** Records are plain JSON-like data; optional fields left undefined are simply not stored. */
const MARSHALL_OPTIONS = { removeUndefinedValues: true } as const;

function isConditionFailed(err: unknown): boolean {
  return errorName(err) === 'ConditionalCheckFailedException';
}

/** Throttling and server faults become TransientError (the state machine's Retry lists it), as for every AWS adapter. */
const call = <T>(operation: string, run: () => Promise<T>): Promise<T> => callAws(`DynamoDB ${operation}`, run);

/** Runs a conditional write: `undefined` when the condition failed, the SDK output otherwise. */
async function conditionally<T>(operation: string, run: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call(operation, run);
  } catch (err) {
    if (isConditionFailed(err)) return undefined;
    throw err;
  }
}

function toItem(key: ItemKey, record: object, extra: Record<string, unknown> = {}): Item {
  return marshall({ ...record, ...extra, [PARTITION_KEY]: key.pk, [SORT_KEY]: key.sk }, MARSHALL_OPTIONS);
}

function fromItem<T>(item: Item): T {
  const data = unmarshall(item);
  for (const attribute of LAYOUT_ATTRIBUTES) delete data[attribute];
  return data as T;
}

const keyOf = (key: ItemKey): Item => ({ [PARTITION_KEY]: { S: key.pk }, [SORT_KEY]: { S: key.sk } });

export interface DynamoChangeStoreOptions {
  /** The store's clock for `updatedAt`, lock times and callback expiry (the handlers' Clock in practice). */
  now?: () => Date;
  /**
   * Told after each write of a change's record, event, approval or report succeeded (the local console's live feed,
   * `GET /events`). Called synchronously; what it throws is ignored, a listener never fails a write.
   */
  onWritten?: (write: ChangeWrite) => void;
}

/** What a write touched, enough for a watcher to know which change to read again. */
export interface ChangeWrite {
  changeId: string;
  /** `execution`: not a store write — the embedded engine ended a run of the change (its history is final). */
  kind: 'change' | 'event' | 'approval' | 'report' | 'execution';
  at: string;
  status?: string;
  /** Events: their type and sequence number. */
  type?: string;
  seq?: number;
}

export class DynamoChangeStore implements ChangeStore {
  private readonly nextEventId: () => string;
  private readonly now: () => Date;
  /** The last chain head this store saw per change: only a first guess, the conditional put decides. */
  private readonly heads = new Map<string, ChainLink>();
  private readonly onWritten: ((write: ChangeWrite) => void) | undefined;

  constructor(private readonly client: DynamoDBClient, private readonly tableName: string, options: DynamoChangeStoreOptions = {}) {
    this.now = options.now ?? (() => new Date());
    this.nextEventId = monotonicIds(() => this.now().getTime());
    this.onWritten = options.onWritten;
  }

  private written(write: Omit<ChangeWrite, 'at'>): void {
    if (!this.onWritten) return;
    try {
      this.onWritten({ ...write, at: this.now().toISOString() });
    } catch {
      // A watcher's failure is the watcher's: the record is written.
    }
  }

  async createChange(change: ChangeRecord): Promise<{ created: true } | { created: false; existing: ChangeRecord }> {
    const written = await conditionally('PutItem', () => this.client.send(new PutItemCommand({
      TableName: this.tableName,
      Item: toItem(keys.change(change.id), change, changeIndexKeys(change)),
      ConditionExpression: 'attribute_not_exists(pk)',
    })));
    if (written) {
      this.written({ changeId: change.id, kind: 'change', status: change.status });
      return { created: true };
    }
    const existing = await this.getChange(change.id);
    // Changes are never deleted, so a failed attribute_not_exists means the item is there.
    if (!existing) throw new ConflictError(`change ${change.id}: conditional create failed but no change is stored`);
    return { created: false, existing };
  }

  async getChange(id: string): Promise<ChangeRecord | undefined> {
    return this.getItem<ChangeRecord>(keys.change(id));
  }

  async updateChange(id: string, expectedVersion: number, patch: Partial<Omit<ChangeRecord, 'id' | 'version'>>): Promise<ChangeRecord> {
    const fields: Record<string, unknown> = { ...patch, updatedAt: patch.updatedAt ?? this.now().toISOString() };
    // The type already forbids these; a caller casting around it must not rewrite the identity or the version.
    delete fields.id;
    delete fields.version;
    if (typeof fields.createdAt === 'string') fields[GSI1_SORT_KEY] = changeIndexKeys({ id, createdAt: fields.createdAt }).gsi1sk;

    const names: Record<string, string> = { '#version': 'version' };
    const values: Item = { ':expected': { N: String(expectedVersion) }, ':next': { N: String(expectedVersion + 1) } };
    const sets = ['#version = :next'];
    const removes: string[] = [];
    Object.entries(fields).forEach(([field, value], i) => {
      names[`#f${i}`] = field;
      // Patching a field to undefined clears it, as spreading the patch over the record would.
      if (value === undefined) {
        removes.push(`#f${i}`);
      } else {
        values[`:f${i}`] = convertToAttr(value, MARSHALL_OPTIONS);
        sets.push(`#f${i} = :f${i}`);
      }
    });

    const output = await conditionally('UpdateItem', () => this.client.send(new UpdateItemCommand({
      TableName: this.tableName,
      Key: keyOf(keys.change(id)),
      UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
      ConditionExpression: 'attribute_exists(pk) AND #version = :expected',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ReturnValues: 'ALL_NEW',
    })));
    if (output?.Attributes) {
      const updated = fromItem<ChangeRecord>(output.Attributes);
      this.written({ changeId: id, kind: 'change', status: updated.status });
      return updated;
    }

    // dynalite does not return the old item on a failed condition (ReturnValuesOnConditionCheckFailure), so read it.
    const current = await this.getChange(id);
    if (!current) throw new NotFoundError(`change ${id} not found`);
    throw new ConflictError(`change ${id} is at version ${current.version}, not ${expectedVersion}: it changed since it was read`);
  }

  async listChanges(filter: { status?: ChangeStatus; environment?: string } = {}): Promise<ChangeRecord[]> {
    const conditions: string[] = [];
    const names: Record<string, string> = { '#gsi1pk': GSI1_PARTITION_KEY };
    const values: Item = { ':changes': { S: CHANGES_INDEX_PARTITION } };
    if (filter.status !== undefined) {
      conditions.push('#status = :status');
      names['#status'] = 'status';
      values[':status'] = { S: filter.status };
    }
    if (filter.environment !== undefined) {
      conditions.push('#environment = :environment');
      names['#environment'] = 'environment';
      values[':environment'] = { S: filter.environment };
    }
    // GSI reads are eventually consistent: a change created a moment ago may be missing from a listing (never from getChange).
    const items = await this.queryAll({
      IndexName: GSI1_NAME,
      KeyConditionExpression: '#gsi1pk = :changes',
      ...(conditions.length > 0 ? { FilterExpression: conditions.join(' AND ') } : {}),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ScanIndexForward: false,
    });
    return items.map((item) => fromItem<ChangeRecord>(item));
  }

  async listChangesPage(filter: { status?: ChangeStatus; environment?: string }, page: { limit: number; after?: ChangeCursor }): Promise<{ changes: ChangeRecord[]; next?: ChangeCursor }> {
    const { client, tableName } = this;
    // Reads the index newest first, one bounded Query page at a time, only as far as pageOfChanges consumes; the filter
    // is applied in code, so a page that matches little still reads at most CHANGE_PAGE_EXAMINED items.
    async function* ordered(): AsyncGenerator<ChangeRecord> {
      let start: Item | undefined = page.after ? {
        ...marshall(changeIndexKeys(page.after)),
        ...keyOf(keys.change(page.after.id)),
      } : undefined;
      do {
        const output = await call('Query', () => client.send(new QueryCommand({
          TableName: tableName,
          IndexName: GSI1_NAME,
          KeyConditionExpression: '#gsi1pk = :changes',
          ExpressionAttributeNames: { '#gsi1pk': GSI1_PARTITION_KEY },
          ExpressionAttributeValues: { ':changes': { S: CHANGES_INDEX_PARTITION } },
          ScanIndexForward: false,
          Limit: Math.min(100, page.limit + 1),
          ...(start ? { ExclusiveStartKey: start } : {}),
        })));
        for (const item of output.Items ?? []) yield fromItem<ChangeRecord>(item);
        start = output.LastEvaluatedKey;
      } while (start);
    }
    return pageOfChanges(ordered(), filter, page.limit);
  }

  async appendEvent(event: Omit<ChangeEvent, 'id' | 'seq' | 'prevHash' | 'hash'>): Promise<ChangeEvent> {
    const content = { ...event, id: this.nextEventId() };
    // No transactions: the next sequence number is claimed by a conditional put, so of two writers that read the same
    // head only one writes the next link; the other reads the new head and chains after it.
    for (let attempt = 0; attempt < APPEND_ATTEMPTS; attempt++) {
      // The head this store wrote or read last is tried first (one write, no read, when this process is the only
      // writer); a stale one fails the condition and the head is read from the table.
      const head = (attempt === 0 ? this.heads.get(event.changeId) : undefined) ?? await this.chainHead(event.changeId);
      const stored = chainEvent(content, head);
      const written = await conditionally('PutItem', () => this.client.send(new PutItemCommand({
        TableName: this.tableName,
        Item: toItem(keys.event(stored.changeId, stored.seq as number), stored),
        ConditionExpression: 'attribute_not_exists(pk)',
      })));
      if (written) {
        this.rememberHead(event.changeId, { seq: stored.seq as number, hash: stored.hash as string });
        this.written({ changeId: stored.changeId, kind: 'event', type: stored.type, seq: stored.seq as number, ...(stored.status ? { status: stored.status } : {}) });
        return stored;
      }
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 5 * attempt)));
    }
    throw new TransientError(`change ${event.changeId}: ${APPEND_ATTEMPTS} concurrent appends took the next event sequence first`);
  }

  async listEvents(changeId: string): Promise<ChangeEvent[]> {
    return (await this.queryPartition<ChangeEvent>(changeId, prefixes.events)).sort(compareEvents);
  }

  private rememberHead(changeId: string, head: ChainLink): void {
    this.heads.delete(changeId);
    this.heads.set(changeId, head);
    // Oldest first out: the changes still being worked on are the ones appended to lately.
    if (this.heads.size > HEAD_CACHE_SIZE) this.heads.delete(this.heads.keys().next().value as string);
  }

  /** The last link of the change's chain (strongly consistent), or the change's body hash before its first event. */
  private async chainHead(changeId: string): Promise<ChainLink> {
    const output = await call('Query', () => this.client.send(new QueryCommand({
      ...this.partitionQuery(changeId, prefixes.chainedEvents),
      ScanIndexForward: false,
      Limit: 1,
    })));
    const last = output.Items?.[0];
    if (last) {
      const head = fromItem<ChangeEvent>(last);
      if (head.seq !== undefined && head.hash !== undefined) return { seq: head.seq, hash: head.hash };
    }
    const change = await this.getChange(changeId);
    if (!change) throw new NotFoundError(`change ${changeId} not found: its events chain to its submitted body hash`);
    return { seq: 0, hash: change.bodyHash };
  }

  async putApproval(approval: Approval): Promise<{ created: boolean; existing?: Approval }> {
    const key = keys.approval(approval.changeId, approval.attempt, personOf(approval.approver));
    const written = await conditionally('PutItem', () => this.client.send(new PutItemCommand({
      TableName: this.tableName,
      Item: toItem(key, approval),
      ConditionExpression: 'attribute_not_exists(pk)',
    })));
    if (written) {
      this.written({ changeId: approval.changeId, kind: 'approval' });
      return { created: true };
    }
    const existing = await this.getItem<Approval>(key);
    return existing ? { created: false, existing } : { created: false };
  }

  async listApprovals(changeId: string, attempt: number): Promise<Approval[]> {
    return this.queryPartition<Approval>(changeId, prefixes.approvals(attempt));
  }

  async acquireLock(environment: string, changeId: string): Promise<{ acquired: true } | { acquired: false; holder: string }> {
    const key = keys.lock(environment);
    // A failed condition is followed by a read; the lock may be released in between, so try again a few times.
    for (let attempt = 0; attempt < 5; attempt++) {
      const written = await conditionally('PutItem', () => this.client.send(new PutItemCommand({
        TableName: this.tableName,
        Item: toItem(key, { environment, holder: changeId, acquiredAt: this.now().toISOString() }),
        ConditionExpression: 'attribute_not_exists(pk) OR #holder = :holder',
        ExpressionAttributeNames: { '#holder': 'holder' },
        ExpressionAttributeValues: { ':holder': { S: changeId } },
      })));
      if (written) return { acquired: true };
      const lock = await this.getItem<{ holder: string }>(key);
      if (lock && lock.holder !== changeId) return { acquired: false, holder: lock.holder };
    }
    throw new TransientError(`lock for environment ${environment}: held and released repeatedly while acquiring`);
  }

  async lockHolder(environment: string): Promise<string | undefined> {
    return (await this.getItem<{ holder: string }>(keys.lock(environment)))?.holder;
  }

  async releaseLock(environment: string, changeId: string): Promise<void> {
    // A failed condition means someone else holds it (or nobody does): releasing is then a no-op by contract.
    await conditionally('DeleteItem', () => this.client.send(new DeleteItemCommand({
      TableName: this.tableName,
      Key: keyOf(keys.lock(environment)),
      ConditionExpression: '#holder = :holder',
      ExpressionAttributeNames: { '#holder': 'holder' },
      ExpressionAttributeValues: { ':holder': { S: changeId } },
    })));
  }

  async putCallback(record: CallbackRecord): Promise<void> {
    await this.putItem(keys.callback(record.key), record, this.callbackExpiry(record));
  }

  async getCallback(key: string): Promise<CallbackRecord | undefined> {
    return this.getItem<CallbackRecord>(keys.callback(key));
  }

  async createCallback(record: CallbackRecord): Promise<boolean> {
    const written = await conditionally('PutItem', () => this.client.send(new PutItemCommand({
      TableName: this.tableName,
      Item: toItem(keys.callback(record.key), record, this.callbackExpiry(record)),
      ConditionExpression: 'attribute_not_exists(pk)',
    })));
    return written !== undefined;
  }

  async deleteCallback(key: string): Promise<void> {
    await call('DeleteItem', () => this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: keyOf(keys.callback(key)) })));
  }

  async putCommand(command: CommandRecord): Promise<void> {
    // Pointer first: if the second write fails the listing skips a dangling pointer, and the caller's retry completes it.
    const pointer = keys.commandPointer(command.changeId, command.attempt, command.requestedAt, command.commandId);
    // A scheduled check's commands are history like its results, and expire with them; a change's commands are records.
    const expiry = isCheckChangeId(command.changeId)
      ? { [TTL_ATTRIBUTE]: Math.floor(Date.parse(command.requestedAt) / 1000) + CHECK_RESULT_TTL_SECONDS }
      : undefined;
    await this.putItem(pointer, { commandId: command.commandId }, expiry);
    await this.putItem(keys.command(command.commandId), command, expiry);
  }

  async getCommand(commandId: string): Promise<CommandRecord | undefined> {
    return this.getItem<CommandRecord>(keys.command(commandId));
  }

  async listCommands(changeId: string, attempt?: number): Promise<CommandRecord[]> {
    const pointers = await this.queryPartition<{ commandId: string }>(changeId, prefixes.commandPointers(attempt));
    const ids = [...new Set(pointers.map((p) => p.commandId))];
    const found = new Map<string, CommandRecord>();
    for (let i = 0; i < ids.length; i += 100) {
      for (const command of await this.batchGet<CommandRecord>(ids.slice(i, i + 100).map((id) => keys.command(id)))) {
        found.set(command.commandId, command);
      }
    }
    return ids.flatMap((id) => found.get(id) ?? []);
  }

  async putReport(report: StoredReport): Promise<void> {
    await this.putItem(keys.report(report.changeId, report.attempt), report);
    this.written({ changeId: report.changeId, kind: 'report' });
  }

  async getReport(changeId: string, attempt?: number): Promise<StoredReport | undefined> {
    if (attempt !== undefined) return this.getItem<StoredReport>(keys.report(changeId, attempt));
    const output = await call('Query', () => this.client.send(new QueryCommand({
      ...this.partitionQuery(changeId, prefixes.reports),
      ScanIndexForward: false,
      Limit: 1,
    })));
    const latest = output.Items?.[0];
    return latest ? fromItem<StoredReport>(latest) : undefined;
  }

  async putCheckResult(result: CheckResult): Promise<void> {
    const at = Date.parse(result.at);
    const from = Number.isNaN(at) ? this.now().getTime() : at;
    await this.putItem(keys.checkResult(result.environment, result.at, result.id), result, { [TTL_ATTRIBUTE]: Math.floor(from / 1000) + CHECK_RESULT_TTL_SECONDS });
  }

  async listCheckResults(environment: string, limit: number): Promise<CheckResult[]> {
    const output = await call('Query', () => this.client.send(new QueryCommand({
      TableName: this.tableName,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': PARTITION_KEY },
      ExpressionAttributeValues: { ':pk': { S: keys.checkResult(environment, '', '').pk } },
      ScanIndexForward: false,
      Limit: limit,
    })));
    return (output.Items ?? []).map((item) => fromItem<CheckResult>(item));
  }

  private callbackExpiry(record: CallbackRecord): Record<string, number> {
    const created = Date.parse(record.createdAt);
    const from = Number.isNaN(created) ? this.now().getTime() : created;
    return { [TTL_ATTRIBUTE]: Math.floor(from / 1000) + CALLBACK_TTL_SECONDS };
  }

  private async putItem(key: ItemKey, record: object, extra: Record<string, unknown> = {}): Promise<void> {
    await call('PutItem', () => this.client.send(new PutItemCommand({ TableName: this.tableName, Item: toItem(key, record, extra) })));
  }

  private async getItem<T>(key: ItemKey): Promise<T | undefined> {
    const output = await call('GetItem', () => this.client.send(new GetItemCommand({ TableName: this.tableName, Key: keyOf(key), ConsistentRead: true })));
    return output.Item ? fromItem<T>(output.Item) : undefined;
  }

  private partitionQuery(changeId: string, skPrefix: string): QueryCommandInput {
    return {
      TableName: this.tableName,
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY },
      ExpressionAttributeValues: { ':pk': { S: prefixes.changePartition(changeId) }, ':prefix': { S: skPrefix } },
      ConsistentRead: true,
    };
  }

  private async queryPartition<T>(changeId: string, skPrefix: string): Promise<T[]> {
    const items = await this.queryAll(this.partitionQuery(changeId, skPrefix));
    return items.map((item) => fromItem<T>(item));
  }

  private async queryAll(input: Omit<QueryCommandInput, 'TableName'>): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const output = await call('Query', () => this.client.send(new QueryCommand({
        ...input,
        TableName: this.tableName,
        ...(start ? { ExclusiveStartKey: start } : {}),
      })));
      items.push(...(output.Items ?? []));
      start = output.LastEvaluatedKey;
    } while (start);
    return items;
  }

  private async batchGet<T>(itemKeys: ItemKey[]): Promise<T[]> {
    const results: T[] = [];
    let pending: Item[] = itemKeys.map(keyOf);
    // UnprocessedKeys is throttling by another name: back off briefly, then hand it to the state machine's Retry.
    for (let round = 0; pending.length > 0; round++) {
      if (round >= 5) throw new TransientError(`DynamoDB BatchGetItem left ${pending.length} keys unprocessed`);
      if (round > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** round));
      const keysNow = pending;
      const output = await call('BatchGetItem', () => this.client.send(new BatchGetItemCommand({
        RequestItems: { [this.tableName]: { Keys: keysNow, ConsistentRead: true } },
      })));
      results.push(...(output.Responses?.[this.tableName] ?? []).map((item) => fromItem<T>(item)));
      pending = output.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
    }
    return results;
  }
}

function describeMismatch(table: TableDescription): string | undefined {
  const expected = createTableInput(table.TableName ?? '');
  const keySchema = (schema: { AttributeName?: string; KeyType?: string }[] | undefined): string =>
    (schema ?? []).map((k) => `${k.AttributeName}:${k.KeyType}`).join(',');
  if (keySchema(table.KeySchema) !== keySchema(expected.KeySchema)) return `key schema is ${keySchema(table.KeySchema)}, expected ${keySchema(expected.KeySchema)}`;
  const wanted = expected.GlobalSecondaryIndexes?.[0];
  const index = table.GlobalSecondaryIndexes?.find((i) => i.IndexName === wanted?.IndexName);
  if (!index || keySchema(index.KeySchema) !== keySchema(wanted?.KeySchema)) return `index ${GSI1_NAME} is missing or keyed differently`;
  return undefined;
}

async function describeTable(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    const output = await call('DescribeTable', () => client.send(new DescribeTableCommand({ TableName: tableName })));
    return output.Table;
  } catch (err) {
    if (errorName(err) === 'ResourceNotFoundException') return undefined;
    throw err;
  }
}

const isActive = (table: TableDescription | undefined): boolean =>
  table?.TableStatus === 'ACTIVE' && (table.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === 'ACTIVE');

/**
 * Creates the table when missing and waits until it and its index are ACTIVE; safe to call on every start
 * and from two processes at once. For the local engine: on AWS the CDK data construct owns the table (and its TTL).
 */
export async function ensureTable(client: DynamoDBClient, tableName: string, options: { timeoutMs?: number } = {}): Promise<void> {
  let table = await describeTable(client, tableName);
  if (!table) {
    try {
      await call('CreateTable', () => client.send(new CreateTableCommand(createTableInput(tableName))));
    } catch (err) {
      // Another process created it first: fine, wait for it like for our own.
      if (errorName(err) !== 'ResourceInUseException') throw err;
    }
    table = await describeTable(client, tableName);
  }
  // The SDK's waitUntilTableExists polls every 20 s at least; dynalite is ready in milliseconds.
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (let delay = 10; !isActive(table); delay = Math.min(delay * 2, 1000)) {
    if (Date.now() > deadline) throw new TransientError(`table ${tableName} is not ACTIVE after ${options.timeoutMs ?? 30_000} ms (status ${table?.TableStatus ?? 'missing'})`);
    await new Promise((resolve) => setTimeout(resolve, delay));
    table = await describeTable(client, tableName);
  }
  const mismatch = table ? describeMismatch(table) : undefined;
  if (mismatch) throw new Error(`table ${tableName} exists with another layout (${mismatch}); use another table name or remove the local data directory`);
}
