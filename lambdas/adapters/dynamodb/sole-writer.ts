// What DynamoChangeStore adds when it is the table's only writer (the embedded engine: its home lock and dynalite's
// data-directory claim keep every other process out). Never on AWS, where several Lambdas write the same table.
// - RecordCache: the items this store wrote or read, so that reads are answered without a request. Safe only because
//   nothing else writes: an item changes only through this store, which updates the cache after each write succeeded.
// - BatchWriter: unconditional puts and deletes issued while another batch is on its way are sent together as one
//   BatchWriteItem (group commit). Each caller's promise settles only once its item is written: nothing is
//   acknowledged before it is stored.
import { BatchWriteItemCommand, type AttributeValue, type DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { TransientError } from '../../core/errors';
import { callAws } from '../aws/errors';
import { PARTITION_KEY, SORT_KEY, type ItemKey } from './table';

type Item = Record<string, AttributeValue>;

/**
 * BatchWriteItem takes at most 25 put or delete requests, never two for the same key, and may hand some back as
 * UnprocessedItems to be sent again with a backoff:
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html
 */
export const BATCH_WRITE_LIMIT = 25;
const UNPROCESSED_ROUNDS = 6;

interface Pending {
  key: string;
  request: WriteRequest;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** An item's key as one string (pk NUL sk): how the cache and the writer name an item. */
export const cacheKey = (key: ItemKey): string => `${key.pk}\u0000${key.sk}`;
const keyText = (item: Item): string => cacheKey({ pk: item[PARTITION_KEY]?.S ?? '', sk: item[SORT_KEY]?.S ?? '' });

export class BatchWriter {
  private queue: Pending[] = [];
  private flushing = false;
  /** The latest write issued per key, until it is written or failed. */
  private readonly unsettled = new Map<string, Promise<void>>();
  /** BatchWriteItem requests sent (the benchmark's figures count requests; tests read it too). */
  batches = 0;

  constructor(private readonly client: DynamoDBClient, private readonly tableName: string, private readonly backoffMs = 25) {}

  put(item: Item): Promise<void> {
    return this.enqueue(keyText(item), { PutRequest: { Item: item } });
  }

  delete(key: Item): Promise<void> {
    return this.enqueue(keyText(key), { DeleteRequest: { Key: key } });
  }

  /**
   * The write of this key (pk NUL sk) issued last, while it is on its way: a read issued after a write waits for it
   * (read-your-writes within the process), e.g. a command's status event handled while its record is being written.
   */
  inFlight(key: string): Promise<void> | undefined {
    return this.unsettled.get(key);
  }

  private enqueue(key: string, request: WriteRequest): Promise<void> {
    const written = new Promise<void>((resolve, reject) => {
      this.queue.push({ key, request, resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        // After the current turn of the event loop: the writes issued in it (by every change in flight) go together.
        setImmediate(() => void this.flush());
      }
    });
    this.unsettled.set(key, written);
    const forget = (): void => {
      if (this.unsettled.get(key) === written) this.unsettled.delete(key);
    };
    written.then(forget, forget);
    return written;
  }

  /** One batch at a time, in the order the writes were issued; writes to one key keep their order across batches. */
  private async flush(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch: Pending[] = [];
        const keys = new Set<string>();
        while (batch.length < BATCH_WRITE_LIMIT && this.queue.length > 0) {
          const next = this.queue[0] as Pending;
          if (keys.has(next.key)) break;
          keys.add(next.key);
          batch.push(next);
          this.queue.shift();
        }
        try {
          await this.write(batch.map((p) => p.request));
          for (const p of batch) p.resolve();
        } catch (err) {
          for (const p of batch) p.reject(err);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  private async write(requests: WriteRequest[]): Promise<void> {
    let pending = requests;
    for (let round = 0; pending.length > 0; round += 1) {
      if (round >= UNPROCESSED_ROUNDS) throw new TransientError(`DynamoDB BatchWriteItem left ${pending.length} writes unprocessed after ${UNPROCESSED_ROUNDS} rounds`);
      if (round > 0) await new Promise((resolve) => setTimeout(resolve, this.backoffMs * 2 ** (round - 1)));
      const now = pending;
      this.batches += 1;
      const output = await callAws('DynamoDB BatchWriteItem', () => this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.tableName]: now } })));
      pending = output.UnprocessedItems?.[this.tableName] ?? [];
    }
  }
}

/** Changes whose records are kept (their partition: the change, its events, command pointers and approvals). */
const CHANGES_KEPT = 500;
/** Items outside a change's partition kept (commands, callbacks, locks). */
const ITEMS_KEPT = 20_000;

/** One change's partition as far as this store knows it. */
export interface ChangePartition {
  change?: unknown;
  /**
   * The chain's head as this store last wrote it, known only for a change created here (its first event chains to the
   * body hash without a read). Listings of events never come from the cache: the audit reads the record as stored.
   */
  head?: { seq: number; hash: string };
  /** Every command pointer's sort key → command id; undefined until known complete. */
  pointers?: Map<string, string>;
  /** Approvals (with their sort keys) per attempt; an attempt is present once known complete. */
  approvals: Map<number, { sk: string; approval: unknown }[]>;
  /** Every attempt's approvals are known (the change was created here): an attempt not in `approvals` has none. */
  allApprovals: boolean;
  /** Bumped by every write to the partition: a listing read that overlapped a write does not mark itself complete. */
  generation: number;
}

/** Least recently used first out. Values are kept as private clones: callers never hold cached state. */
export class RecordCache {
  private readonly partitions = new Map<string, ChangePartition>();
  private readonly items = new Map<string, unknown | null>();
  /** Bumped by every item write: a read that overlapped any write does not fill the cache (it may be older). */
  private writes = 0;

  /** Taken before a read of an item; fillItem keeps the read's result only if no write happened since. */
  mark(): number {
    return this.writes;
  }

  partition(changeId: string): ChangePartition {
    let p = this.partitions.get(changeId);
    if (p) {
      this.partitions.delete(changeId);
    } else {
      p = { approvals: new Map(), allApprovals: false, generation: 0 };
    }
    this.partitions.set(changeId, p);
    if (this.partitions.size > CHANGES_KEPT) this.partitions.delete(this.partitions.keys().next().value as string);
    return p;
  }

  /** A new change: nothing under its partition but what this store writes from now on. */
  created(changeId: string, change: { bodyHash: string }): void {
    const p = this.partition(changeId);
    p.generation += 1;
    p.change = structuredClone(change);
    p.head = { seq: 0, hash: change.bodyHash };
    p.pointers = new Map();
    p.approvals = new Map();
    p.allApprovals = true;
  }

  /** The attempt's approvals as far as known complete, created on demand when every attempt's are known. */
  approvalsOf(p: ChangePartition, attempt: number): { sk: string; approval: unknown }[] | undefined {
    if (!p.approvals.has(attempt) && p.allApprovals) p.approvals.set(attempt, []);
    return p.approvals.get(attempt);
  }

  /** `undefined`: not known; `null`: known absent. */
  item<T>(key: string): T | null | undefined {
    if (!this.items.has(key)) return undefined;
    const value = this.items.get(key);
    this.items.delete(key);
    this.items.set(key, value);
    return value === null ? null : structuredClone(value) as T;
  }

  /** After a write: what is stored now (null: deleted). */
  setItem(key: string, value: unknown | null): void {
    this.writes += 1;
    this.items.delete(key);
    this.items.set(key, value === null ? null : structuredClone(value));
    if (this.items.size > ITEMS_KEPT) this.items.delete(this.items.keys().next().value as string);
  }

  /** After a read that started at `mark`: kept only if nothing was written meanwhile (a write is newer than the read). */
  fillItem(key: string, value: unknown | null, mark: number): void {
    if (mark === this.writes && !this.items.has(key)) this.setItem(key, value);
  }

  forgetItem(key: string): void {
    this.writes += 1;
    this.items.delete(key);
  }
}
