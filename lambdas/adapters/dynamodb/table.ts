// The change store's single-table layout: key shapes, the one GSI, the TTL attribute and the table definition,
// shared by the DynamoDB adapter, the in-memory adapter (same keys, so the same order) and the CDK data construct.
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { randomBytes } from 'node:crypto';
import type { ChangeRecord, ChangeStatus } from '../../core/records';
import { CHANGE_PAGE_EXAMINED, type ChangeCursor } from '../../ports';

export const PARTITION_KEY = 'pk';
export const SORT_KEY = 'sk';
export const GSI1_NAME = 'gsi1';
export const GSI1_PARTITION_KEY = 'gsi1pk';
export const GSI1_SORT_KEY = 'gsi1sk';
/** Epoch seconds: callback tokens, scheduled-check results and their commands carry it (the table's TTL is enabled on AWS); dynalite has no TTL, so locally it is just an attribute. */
export const TTL_ATTRIBUTE = 'expiresAt';

/** Layout attributes, never part of a record: stripped when an item is read back. */
export const LAYOUT_ATTRIBUTES: readonly string[] = [PARTITION_KEY, SORT_KEY, GSI1_PARTITION_KEY, GSI1_SORT_KEY, TTL_ATTRIBUTE];

/**
 * Every change shares one GSI partition. Changes are operator-paced (a few a day per environment), far below
 * one partition's 1,000 writes/s, and one partition gives a global newest-first listing in a single Query.
 */
export const CHANGES_INDEX_PARTITION = 'CHANGES';

/**
 * Callback tokens outlive any wait they serve: a Standard execution lasts at most one year, so a token older
 * than that can only belong to a dead execution and TTL may collect it.
 */
/** Scheduled check results are history, not records: they expire after 90 days on AWS. */
export const CHECK_RESULT_TTL_SECONDS = 90 * 24 * 3600;
export const CALLBACK_TTL_SECONDS = 366 * 24 * 3600;

export interface ItemKey { pk: string; sk: string }

/** Every change item is CHANGE#<id> / META; the other items of a change share its partition. */
export const CHANGE_PARTITION_PREFIX = 'CHANGE#';
export const CHANGE_SORT_KEY = 'META';
const EVENT_PREFIX = 'EVENT#';
/** Chained events: EVENT#SEQ#<10-digit sequence>. Events written before chaining (EVENT#<instant>#<id>) share the EVENT# prefix. */
const CHAINED_EVENT_PREFIX = `${EVENT_PREFIX}SEQ#`;
const APPROVAL_PREFIX = 'APPROVAL#';
const REPORT_PREFIX = 'REPORT#';
const COMMAND_POINTER_PREFIX = 'COMMAND#';

/** Fixed width so that sort keys order attempts numerically (attempts are bounded to 10 by the profile schema). */
export function padAttempt(attempt: number): string {
  return String(attempt).padStart(4, '0');
}

/**
 * Sort keys hold instants as UTC `toISOString()` text, so that `...:00Z`, `...:00.000Z` and `+02:00` offsets
 * order by time rather than by spelling. Unparseable text is kept as is (it still sorts, just lexically).
 */
export function sortableInstant(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : new Date(ms).toISOString();
}

const changePk = (changeId: string): string => `${CHANGE_PARTITION_PREFIX}${changeId}`;

export const keys = {
  change: (changeId: string): ItemKey => ({ pk: changePk(changeId), sk: CHANGE_SORT_KEY }),
  /**
   * An event is addressed by its sequence number, so that appending is one conditional put on the next number: two
   * writers that read the same head cannot both write the next link (the chain cannot fork), and the loser retries.
   */
  event: (changeId: string, seq: number): ItemKey => ({ pk: changePk(changeId), sk: `${CHAINED_EVENT_PREFIX}${String(seq).padStart(10, '0')}` }),
  /**
   * One item per person and attempt (the person from core/identity personOf): a conditional put on it is what makes
   * "one person decides as at most one role per attempt" hold even when two of that person's requests race.
   */
  approval: (changeId: string, attempt: number, person: string): ItemKey =>
    ({ pk: changePk(changeId), sk: `${APPROVAL_PREFIX}${padAttempt(attempt)}#${person}` }),
  report: (changeId: string, attempt: number): ItemKey => ({ pk: changePk(changeId), sk: `${REPORT_PREFIX}${padAttempt(attempt)}` }),
  lock: (environment: string): ItemKey => ({ pk: `LOCK#${environment}`, sk: 'LOCK' }),
  callback: (key: string): ItemKey => ({ pk: `CALLBACK#${key}`, sk: 'CALLBACK' }),
  /** A scheduled check's result, newest last under the environment's partition. */
  checkResult: (environment: string, at: string, id: string): ItemKey => ({ pk: `CHECK#${environment}`, sk: `${sortableInstant(at)}#${id}` }),
  /** The command itself: SSM status-change events carry only the command id, so it is addressed by that alone. */
  command: (commandId: string): ItemKey => ({ pk: `COMMAND#${commandId}`, sk: 'COMMAND' }),
  /**
   * A pointer (not a copy) under the change, for listing its commands in one strongly consistent Query.
   * Why a pointer: a command is rewritten as it progresses (Pending → InProgress → Success) by the status-change
   * handler, which knows only the command id. With no transactions a copy could lag behind the command item;
   * a pointer holds only immutable fields (attempt, requestedAt, id) and the listing reads the command item
   * itself (BatchGetItem, consistent). Why not overloading gsi1: GSI reads are eventually consistent, and the
   * report reads the commands right after the last one finished.
   */
  commandPointer: (changeId: string, attempt: number, requestedAt: string, commandId: string): ItemKey =>
    ({ pk: changePk(changeId), sk: `${COMMAND_POINTER_PREFIX}${padAttempt(attempt)}#${sortableInstant(requestedAt)}#${commandId}` }),
};

/** Sort-key prefixes for the Queries under one change's partition. */
export const prefixes = {
  changePartition: changePk,
  events: EVENT_PREFIX,
  chainedEvents: CHAINED_EVENT_PREFIX,
  approvals: (attempt: number): string => `${APPROVAL_PREFIX}${padAttempt(attempt)}#`,
  reports: REPORT_PREFIX,
  commandPointers: (attempt?: number): string => (attempt === undefined ? COMMAND_POINTER_PREFIX : `${COMMAND_POINTER_PREFIX}${padAttempt(attempt)}#`),
};

/** The GSI attributes of a change item: newest first is a descending Query on `<createdAt>#<id>`. */
export function changeIndexKeys(change: { id: string; createdAt: string }): { gsi1pk: string; gsi1sk: string } {
  return { gsi1pk: CHANGES_INDEX_PARTITION, gsi1sk: `${sortableInstant(change.createdAt)}#${change.id}` };
}

/** DynamoDB orders string keys by their UTF-8 bytes; the in-memory store sorts with this to match it exactly. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * Event ids: ms time, a counter and randomness, in fixed-width base 36, so ids from one generator increase
 * strictly. Events with the same `at` then keep their append order; across processes ties fall back to the
 * generation time and then a random but stable order.
 */
export function monotonicIds(now: () => number = Date.now): () => string {
  let lastMs = -1;
  let counter = 0;
  return () => {
    const ms = Math.max(now(), lastMs);
    counter = ms === lastMs ? counter + 1 : 0;
    lastMs = ms;
    return `${ms.toString(36).padStart(9, '0')}${counter.toString(36).padStart(4, '0')}${randomBytes(4).toString('hex')}`;
  };
}

/** The local engine creates the table with this; the CDK data construct declares the same keys, index and TTL. */
export function createTableInput(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: PARTITION_KEY, AttributeType: 'S' },
      { AttributeName: SORT_KEY, AttributeType: 'S' },
      { AttributeName: GSI1_PARTITION_KEY, AttributeType: 'S' },
      { AttributeName: GSI1_SORT_KEY, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: PARTITION_KEY, KeyType: 'HASH' },
      { AttributeName: SORT_KEY, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [{
      IndexName: GSI1_NAME,
      KeySchema: [
        { AttributeName: GSI1_PARTITION_KEY, KeyType: 'HASH' },
        { AttributeName: GSI1_SORT_KEY, KeyType: 'RANGE' },
      ],
      // The listing returns whole records; KEYS_ONLY would cost a BatchGetItem per page.
      Projection: { ProjectionType: 'ALL' },
    }],
  };
}

/**
 * One page of a newest-first listing, read from `ordered` lazily: up to `limit` changes that match the filter, after
 * reading at most CHANGE_PAGE_EXAMINED changes; `next` is where the next page starts whenever more may follow (the
 * last change returned, or the last one read when the bound stopped the page). Both stores page with this.
 */
export async function pageOfChanges(
  ordered: AsyncIterable<ChangeRecord>,
  filter: { status?: ChangeStatus; environment?: string },
  limit: number,
): Promise<{ changes: ChangeRecord[]; next?: ChangeCursor }> {
  const cursor = (c: ChangeRecord): ChangeCursor => ({ createdAt: c.createdAt, id: c.id });
  const changes: ChangeRecord[] = [];
  let examined = 0;
  let last: ChangeRecord | undefined;
  for await (const change of ordered) {
    const lastReturned = changes.at(-1);
    if (changes.length >= limit && lastReturned) return { changes, next: cursor(lastReturned) };
    if (examined >= CHANGE_PAGE_EXAMINED && last) return { changes, next: cursor(last) };
    examined += 1;
    last = change;
    if ((filter.status === undefined || change.status === filter.status) && (filter.environment === undefined || change.environment === filter.environment)) changes.push(change);
  }
  return { changes };
}
