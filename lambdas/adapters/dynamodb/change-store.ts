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
  compareKeys,
  keys,
  monotonicIds,
  pageOfChanges,
  prefixes,
  type ItemKey,
} from './table';
import { BatchWriter, cacheKey, RecordCache, type ChangePartition } from './sole-writer';

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
  /**
   * This store is the table's only writer: the embedded engine, whose home lock and dynalite data-directory claim keep
   * every other process out (never on AWS, where several Lambdas write the table). It then answers reads from what it
   * wrote or read before (lambdas/adapters/dynamodb/sole-writer.ts), chains events from the head it knows, and sends
   * its unconditional writes (events, commands, callbacks, reports) together as BatchWriteItem requests. Conditional
   * writes (change versions, the environment lock, callback claims, approvals) stay conditional requests of their own.
   */
  soleWriter?: boolean;
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
  /** Sole writer only: what this store wrote or read, and its batched writes. */
  private readonly cache: RecordCache | undefined;
  private readonly batch: BatchWriter | undefined;
  /**
   * Sole writer only: per change, the head after the last append issued (undefined when that append failed: the next
   * one reads the head from the table), so that appends of one change chain in the order they were issued.
   */
  private readonly tails = new Map<string, { head: Promise<ChainLink | undefined>; pending: number }>();

  constructor(private readonly client: DynamoDBClient, private readonly tableName: string, options: DynamoChangeStoreOptions = {}) {
    this.now = options.now ?? (() => new Date());
    this.nextEventId = monotonicIds(() => this.now().getTime());
    this.onWritten = options.onWritten;
    if (options.soleWriter) {
      this.cache = new RecordCache();
      this.batch = new BatchWriter(client, tableName);
    }
  }

  /** BatchWriteItem requests sent so far (sole writer; 0 otherwise). */
  get batchWrites(): number {
    return this.batch?.batches ?? 0;
  }

  /** A read of a change's partition that found `p` at `generation` may fill it only if nothing wrote to it since. */
  private unchanged(changeId: string, p: ChangePartition, generation: number): boolean {
    return this.cache?.partition(changeId) === p && p.generation === generation;
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
      this.cache?.created(change.id, fromItem<ChangeRecord>(toItem(keys.change(change.id), change)));
      this.written({ changeId: change.id, kind: 'change', status: change.status });
      return { created: true };
    }
    const existing = await this.getChange(change.id);
    // Changes are never deleted, so a failed attribute_not_exists means the item is there.
    if (!existing) throw new ConflictError(`change ${change.id}: conditional create failed but no change is stored`);
    return { created: false, existing };
  }

  async getChange(id: string): Promise<ChangeRecord | undefined> {
    if (!this.cache) return this.getItem<ChangeRecord>(keys.change(id));
    const p = this.cache.partition(id);
    if (p.change) return structuredClone(p.change) as ChangeRecord;
    const generation = p.generation;
    const change = await this.getItem<ChangeRecord>(keys.change(id));
    if (change && this.unchanged(id, p, generation)) p.change = structuredClone(change);
    return change;
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
      if (this.cache) {
        const p = this.cache.partition(id);
        p.generation += 1;
        p.change = structuredClone(updated);
      }
      this.written({ changeId: id, kind: 'change', status: updated.status });
      return updated;
    }

    // dynalite does not return the old item on a failed condition (ReturnValuesOnConditionCheckFailure), so read it.
    if (this.cache) {
      const p = this.cache.partition(id);
      p.generation += 1;
      delete p.change;
    }
    const current = await this.getItem<ChangeRecord>(keys.change(id));
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
    if (this.batch) return this.appendInTurn(event, this.batch);
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

  /**
   * Sole writer: nobody else appends, so the next link is chained from the head of the append issued before (no read,
   * no condition) and written with the other writes of the moment. Appends of one change are chained one after the
   * other, each once the previous one is written: a failed write is never built upon (the next append reads the head).
   */
  private appendInTurn(event: Omit<ChangeEvent, 'id' | 'seq' | 'prevHash' | 'hash'>, batch: BatchWriter): Promise<ChangeEvent> {
    const content = { ...event, id: this.nextEventId() };
    const { changeId } = event;
    const tail = this.tails.get(changeId) ?? { head: Promise.resolve(undefined), pending: 0 };
    tail.pending += 1;
    const appended = tail.head.then(async (known) => {
      const stored = chainEvent(content, known ?? await this.chainHead(changeId));
      await batch.put(toItem(keys.event(changeId, stored.seq as number), stored));
      const p = this.cache?.partition(changeId);
      if (p?.head && (stored.seq as number) > p.head.seq) p.head = { seq: stored.seq as number, hash: stored.hash as string };
      this.written({ changeId, kind: 'event', type: stored.type, seq: stored.seq as number, ...(stored.status ? { status: stored.status } : {}) });
      return stored;
    });
    tail.head = appended.then((s) => ({ seq: s.seq as number, hash: s.hash as string }), () => undefined);
    void tail.head.then(() => { tail.pending -= 1; });
    this.tails.delete(changeId);
    this.tails.set(changeId, tail);
    if (this.tails.size > HEAD_CACHE_SIZE) {
      // Oldest first out, but never a change with an append on its way: its next append must chain after it.
      for (const [id, t] of this.tails) {
        if (t.pending === 0) {
          this.tails.delete(id);
          break;
        }
      }
    }
    return appended;
  }

  /**
   * Always read from the table, also by a sole writer: the record is what is stored, and `runbook audit` must see an
   * event edited there behind the engine's back (the store's endpoint is open to standard DynamoDB tools).
   */
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
    const known = this.cache?.partition(changeId).head;
    if (known) return { ...known };
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
      const p = this.cache?.partition(approval.changeId);
      if (p) {
        p.generation += 1;
        this.cache?.approvalsOf(p, approval.attempt)?.push({ sk: key.sk, approval: fromItem<Approval>(toItem(key, approval)) });
      }
      this.written({ changeId: approval.changeId, kind: 'approval' });
      return { created: true };
    }
    const existing = await this.getItem<Approval>(key);
    return existing ? { created: false, existing } : { created: false };
  }

  async listApprovals(changeId: string, attempt: number): Promise<Approval[]> {
    const p = this.cache?.partition(changeId);
    const known = p ? this.cache?.approvalsOf(p, attempt) as { sk: string; approval: Approval }[] | undefined : undefined;
    if (known) return structuredClone([...known].sort((a, b) => compareKeys(a.sk, b.sk)).map((k) => k.approval));
    const generation = p?.generation ?? 0;
    const items = await this.queryAll(this.partitionQuery(changeId, prefixes.approvals(attempt)));
    if (p && this.unchanged(changeId, p, generation)) p.approvals.set(attempt, items.map((item) => ({ sk: item[SORT_KEY]?.S ?? '', approval: fromItem<Approval>(item) })));
    return items.map((item) => fromItem<Approval>(item));
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
      if (written) {
        this.cache?.setItem(cacheKey(key), { holder: changeId });
        return { acquired: true };
      }
      const lock = await this.getItem<{ holder: string }>(key);
      if (lock && lock.holder !== changeId) return { acquired: false, holder: lock.holder };
    }
    throw new TransientError(`lock for environment ${environment}: held and released repeatedly while acquiring`);
  }

  async lockHolder(environment: string): Promise<string | undefined> {
    return (await this.cachedItem<{ holder: string }>(keys.lock(environment)))?.holder;
  }

  async releaseLock(environment: string, changeId: string): Promise<void> {
    // A failed condition means someone else holds it (or nobody does): releasing is then a no-op by contract.
    const released = await conditionally('DeleteItem', () => this.client.send(new DeleteItemCommand({
      TableName: this.tableName,
      Key: keyOf(keys.lock(environment)),
      ConditionExpression: '#holder = :holder',
      ExpressionAttributeNames: { '#holder': 'holder' },
      ExpressionAttributeValues: { ':holder': { S: changeId } },
    })));
    if (released) this.cache?.setItem(cacheKey(keys.lock(environment)), null);
    else this.cache?.forgetItem(cacheKey(keys.lock(environment)));
  }

  async putCallback(record: CallbackRecord): Promise<void> {
    await this.putItem(keys.callback(record.key), record, this.callbackExpiry(record));
  }

  async getCallback(key: string): Promise<CallbackRecord | undefined> {
    return this.cachedItem<CallbackRecord>(keys.callback(key));
  }

  async createCallback(record: CallbackRecord): Promise<boolean> {
    const written = await conditionally('PutItem', () => this.client.send(new PutItemCommand({
      TableName: this.tableName,
      Item: toItem(keys.callback(record.key), record, this.callbackExpiry(record)),
      ConditionExpression: 'attribute_not_exists(pk)',
    })));
    if (written) this.cache?.setItem(cacheKey(keys.callback(record.key)), fromItem(toItem(keys.callback(record.key), record)));
    else this.cache?.forgetItem(cacheKey(keys.callback(record.key)));
    return written !== undefined;
  }

  async deleteCallback(key: string): Promise<void> {
    const itemKey = keys.callback(key);
    if (this.batch) await this.batch.delete(keyOf(itemKey));
    else await call('DeleteItem', () => this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: keyOf(itemKey) })));
    this.cache?.setItem(cacheKey(itemKey), null);
  }

  async putCommand(command: CommandRecord): Promise<void> {
    // Pointer first: if the second write fails the listing skips a dangling pointer, and the caller's retry completes it.
    const pointer = keys.commandPointer(command.changeId, command.attempt, command.requestedAt, command.commandId);
    // A scheduled check's commands are history like its results, and expire with them; a change's commands are records.
    const expiry = isCheckChangeId(command.changeId)
      ? { [TTL_ATTRIBUTE]: Math.floor(Date.parse(command.requestedAt) / 1000) + CHECK_RESULT_TTL_SECONDS }
      : undefined;
    const p = this.cache?.partition(command.changeId);
    if (p && this.batch) {
      // Sole writer: the pointer is written once (it holds only what never changes), in the same batch as the command.
      await Promise.all([
        p.pointers?.has(pointer.sk) ? undefined : this.putItem(pointer, { commandId: command.commandId }, expiry),
        this.putItem(keys.command(command.commandId), command, expiry),
      ]);
      p.generation += 1;
      p.pointers?.set(pointer.sk, command.commandId);
      return;
    }
    await this.putItem(pointer, { commandId: command.commandId }, expiry);
    await this.putItem(keys.command(command.commandId), command, expiry);
  }

  async getCommand(commandId: string): Promise<CommandRecord | undefined> {
    return this.cachedItem<CommandRecord>(keys.command(commandId));
  }

  async listCommands(changeId: string, attempt?: number): Promise<CommandRecord[]> {
    const p = this.cache?.partition(changeId);
    const prefix = prefixes.commandPointers(attempt);
    let ids: string[];
    if (p?.pointers) {
      ids = [...p.pointers].filter(([sk]) => sk.startsWith(prefix)).sort(([a], [b]) => compareKeys(a, b)).map(([, id]) => id);
    } else {
      const generation = p?.generation ?? 0;
      const items = await this.queryAll(this.partitionQuery(changeId, prefix));
      if (p && attempt === undefined && this.unchanged(changeId, p, generation)) {
        p.pointers = new Map(items.map((item) => [item[SORT_KEY]?.S ?? '', fromItem<{ commandId: string }>(item).commandId]));
      }
      ids = items.map((item) => fromItem<{ commandId: string }>(item).commandId);
    }
    ids = [...new Set(ids)];
    const found = new Map<string, CommandRecord>();
    const unknown: string[] = [];
    for (const id of ids) {
      const cached = this.cache?.item<CommandRecord>(cacheKey(keys.command(id)));
      if (cached) found.set(id, cached);
      else unknown.push(id);
    }
    const mark = this.cache?.mark() ?? 0;
    for (let i = 0; i < unknown.length; i += 100) {
      for (const command of await this.batchGet<CommandRecord>(unknown.slice(i, i + 100).map((id) => keys.command(id)))) {
        found.set(command.commandId, command);
        this.cache?.fillItem(cacheKey(keys.command(command.commandId)), command, mark);
      }
    }
    return ids.flatMap((id) => found.get(id) ?? []);
  }

  async putReport(report: StoredReport): Promise<void> {
    await this.putItem(keys.report(report.changeId, report.attempt), report);
    this.written({ changeId: report.changeId, kind: 'report' });
  }

  async getReport(changeId: string, attempt?: number): Promise<StoredReport | undefined> {
    if (attempt !== undefined) return this.cachedItem<StoredReport>(keys.report(changeId, attempt));
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

  /** An unconditional put: batched with the other writes of the moment when this store is the sole writer. */
  private async putItem(key: ItemKey, record: object, extra: Record<string, unknown> = {}): Promise<void> {
    const item = toItem(key, record, extra);
    if (this.batch) await this.batch.put(item);
    else await call('PutItem', () => this.client.send(new PutItemCommand({ TableName: this.tableName, Item: item })));
    // Cached as written; a command's pointer is kept in its change's pointer list instead (putCommand).
    if (this.cache && !key.sk.startsWith(prefixes.commandPointers())) this.cache.setItem(cacheKey(key), fromItem(item));
  }

  /** A strongly consistent read, answered from the cache when this store is the sole writer and knows the item. */
  private async cachedItem<T>(key: ItemKey): Promise<T | undefined> {
    if (!this.cache) return this.getItem<T>(key);
    await this.batch?.inFlight(cacheKey(key))?.catch(() => undefined);
    const known = this.cache.item<T>(cacheKey(key));
    if (known !== undefined) return known ?? undefined;
    const mark = this.cache.mark();
    const value = await this.getItem<T>(key);
    this.cache.fillItem(cacheKey(key), value ?? null, mark);
    return value;
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
