// ChangeStore in process memory, for fast state-machine path tests: the DynamoDB adapter's semantics on the same
// keys (so the same orderings), with every record cloned on the way in and out so callers cannot reach stored state.
import { ConflictError, NotFoundError } from '../../core/errors';
import type { Approval, CallbackRecord, ChangeEvent, ChangeRecord, ChangeStatus, CheckResult, CommandRecord, StoredReport } from '../../core/records';
import { chainEvent, compareEvents, type ChainLink } from '../../core/audit';
import { personOf } from '../../core/identity';
import type { ChangeCursor, ChangeStore } from '../../ports';
import { CHANGE_PARTITION_PREFIX, CHANGE_SORT_KEY, changeIndexKeys, compareKeys, keys, monotonicIds, pageOfChanges, prefixes, type ItemKey } from '../dynamodb/table';

interface Lock { environment: string; holder: string; acquiredAt: string }

export interface MemoryChangeStoreOptions {
  now?: () => Date;
}

export class MemoryChangeStore implements ChangeStore {
  /** pk → sk → item, like the table; values are private clones. */
  private readonly partitions = new Map<string, Map<string, unknown>>();
  private readonly nextEventId: () => string;
  private readonly now: () => Date;

  constructor(options: MemoryChangeStoreOptions = {}) {
    this.now = options.now ?? (() => new Date());
    this.nextEventId = monotonicIds(() => this.now().getTime());
  }

  async createChange(change: ChangeRecord): Promise<{ created: true } | { created: false; existing: ChangeRecord }> {
    const existing = this.get<ChangeRecord>(keys.change(change.id));
    if (existing) return { created: false, existing };
    this.put(keys.change(change.id), change);
    return { created: true };
  }

  async getChange(id: string): Promise<ChangeRecord | undefined> {
    return this.get<ChangeRecord>(keys.change(id));
  }

  async updateChange(id: string, expectedVersion: number, patch: Partial<Omit<ChangeRecord, 'id' | 'version'>>): Promise<ChangeRecord> {
    const current = this.get<ChangeRecord>(keys.change(id));
    if (!current) throw new NotFoundError(`change ${id} not found`);
    if (current.version !== expectedVersion) {
      throw new ConflictError(`change ${id} is at version ${current.version}, not ${expectedVersion}: it changed since it was read`);
    }
    const next: Record<string, unknown> = { ...current };
    for (const [field, value] of Object.entries(patch)) {
      if (field === 'id' || field === 'version') continue;
      // Patching a field to undefined clears it, as the DynamoDB adapter's REMOVE does.
      if (value === undefined) delete next[field];
      else next[field] = value;
    }
    next.updatedAt = patch.updatedAt ?? this.now().toISOString();
    next.version = expectedVersion + 1;
    this.put(keys.change(id), next);
    return structuredClone(next) as unknown as ChangeRecord;
  }

  async listChanges(filter: { status?: ChangeStatus; environment?: string } = {}): Promise<ChangeRecord[]> {
    const changes: ChangeRecord[] = [];
    for (const [pk, items] of this.partitions) {
      if (!pk.startsWith(CHANGE_PARTITION_PREFIX)) continue;
      const change = items.get(CHANGE_SORT_KEY) as ChangeRecord | undefined;
      if (!change) continue;
      if (filter.status !== undefined && change.status !== filter.status) continue;
      if (filter.environment !== undefined && change.environment !== filter.environment) continue;
      changes.push(change);
    }
    const indexKey = (c: ChangeRecord): string => changeIndexKeys(c).gsi1sk;
    return changes.sort((a, b) => compareKeys(indexKey(b), indexKey(a))).map((c) => structuredClone(c));
  }

  async listChangesPage(filter: { status?: ChangeStatus; environment?: string }, page: { limit: number; after?: ChangeCursor }): Promise<{ changes: ChangeRecord[]; next?: ChangeCursor }> {
    const indexKey = (c: ChangeCursor): string => changeIndexKeys(c).gsi1sk;
    const start = page.after ? indexKey(page.after) : undefined;
    const all: ChangeRecord[] = [];
    for (const [pk, items] of this.partitions) {
      const change = pk.startsWith(CHANGE_PARTITION_PREFIX) ? items.get(CHANGE_SORT_KEY) as ChangeRecord | undefined : undefined;
      if (change && (start === undefined || compareKeys(indexKey(change), start) < 0)) all.push(change);
    }
    all.sort((a, b) => compareKeys(indexKey(b), indexKey(a)));
    async function* clones(): AsyncGenerator<ChangeRecord> {
      for (const c of all) yield structuredClone(c);
    }
    return pageOfChanges(clones(), filter, page.limit);
  }

  async appendEvent(event: Omit<ChangeEvent, 'id' | 'seq' | 'prevHash' | 'hash'>): Promise<ChangeEvent> {
    // Read the head and write the next link with no await in between: one step of the event loop, so no fork.
    const chained = this.query<ChangeEvent>(event.changeId, prefixes.chainedEvents);
    const last = chained.at(-1);
    let head: ChainLink;
    if (last?.seq !== undefined && last.hash !== undefined) {
      head = { seq: last.seq, hash: last.hash };
    } else {
      const change = this.get<ChangeRecord>(keys.change(event.changeId));
      if (!change) throw new NotFoundError(`change ${event.changeId} not found: its events chain to its submitted body hash`);
      head = { seq: 0, hash: change.bodyHash };
    }
    const stored = chainEvent({ ...event, id: this.nextEventId() }, head);
    this.put(keys.event(stored.changeId, stored.seq as number), stored);
    return structuredClone(stored);
  }

  async listEvents(changeId: string): Promise<ChangeEvent[]> {
    return this.query<ChangeEvent>(changeId, prefixes.events).sort(compareEvents);
  }

  async putApproval(approval: Approval): Promise<{ created: boolean; existing?: Approval }> {
    const key = keys.approval(approval.changeId, approval.attempt, personOf(approval.approver));
    const existing = this.get<Approval>(key);
    if (existing) return { created: false, existing };
    this.put(key, approval);
    return { created: true };
  }

  async listApprovals(changeId: string, attempt: number): Promise<Approval[]> {
    return this.query<Approval>(changeId, prefixes.approvals(attempt));
  }

  async acquireLock(environment: string, changeId: string): Promise<{ acquired: true } | { acquired: false; holder: string }> {
    const key = keys.lock(environment);
    const lock = this.get<Lock>(key);
    if (lock && lock.holder !== changeId) return { acquired: false, holder: lock.holder };
    this.put(key, { environment, holder: changeId, acquiredAt: this.now().toISOString() } satisfies Lock);
    return { acquired: true };
  }

  async lockHolder(environment: string): Promise<string | undefined> {
    return this.get<Lock>(keys.lock(environment))?.holder;
  }

  async releaseLock(environment: string, changeId: string): Promise<void> {
    const key = keys.lock(environment);
    if (this.get<Lock>(key)?.holder === changeId) this.delete(key);
  }

  async putCallback(record: CallbackRecord): Promise<void> {
    this.put(keys.callback(record.key), record);
  }

  async getCallback(key: string): Promise<CallbackRecord | undefined> {
    return this.get<CallbackRecord>(keys.callback(key));
  }

  async createCallback(record: CallbackRecord): Promise<boolean> {
    if (this.get(keys.callback(record.key))) return false;
    this.put(keys.callback(record.key), record);
    return true;
  }

  async deleteCallback(key: string): Promise<void> {
    this.delete(keys.callback(key));
  }

  async putCommand(command: CommandRecord): Promise<void> {
    this.put(keys.commandPointer(command.changeId, command.attempt, command.requestedAt, command.commandId), { commandId: command.commandId });
    this.put(keys.command(command.commandId), command);
  }

  async getCommand(commandId: string): Promise<CommandRecord | undefined> {
    return this.get<CommandRecord>(keys.command(commandId));
  }

  async listCommands(changeId: string, attempt?: number): Promise<CommandRecord[]> {
    const pointers = this.query<{ commandId: string }>(changeId, prefixes.commandPointers(attempt));
    const ids = [...new Set(pointers.map((p) => p.commandId))];
    return ids.flatMap((id) => this.get<CommandRecord>(keys.command(id)) ?? []);
  }

  async putReport(report: StoredReport): Promise<void> {
    this.put(keys.report(report.changeId, report.attempt), report);
  }

  async getReport(changeId: string, attempt?: number): Promise<StoredReport | undefined> {
    if (attempt !== undefined) return this.get<StoredReport>(keys.report(changeId, attempt));
    return this.query<StoredReport>(changeId, prefixes.reports).at(-1);
  }

  async putCheckResult(result: CheckResult): Promise<void> {
    this.put(keys.checkResult(result.environment, result.at, result.id), result);
  }

  async listCheckResults(environment: string, limit: number): Promise<CheckResult[]> {
    const items = this.partitions.get(keys.checkResult(environment, '', '').pk);
    if (!items) return [];
    return [...items.entries()].sort(([a], [b]) => compareKeys(b, a)).slice(0, limit).map(([, item]) => structuredClone(item) as CheckResult);
  }

  private put(key: ItemKey, record: object): void {
    let items = this.partitions.get(key.pk);
    if (!items) this.partitions.set(key.pk, (items = new Map()));
    items.set(key.sk, structuredClone(record));
  }

  private get<T>(key: ItemKey): T | undefined {
    const item = this.partitions.get(key.pk)?.get(key.sk);
    return item === undefined ? undefined : (structuredClone(item) as T);
  }

  private delete(key: ItemKey): void {
    this.partitions.get(key.pk)?.delete(key.sk);
  }

  /** Like a Query on one change's partition: items whose sort key starts with the prefix, in sort-key order. */
  private query<T>(changeId: string, skPrefix: string): T[] {
    const items = this.partitions.get(prefixes.changePartition(changeId));
    if (!items) return [];
    return [...items.entries()]
      .filter(([sk]) => sk.startsWith(skPrefix))
      .sort(([a], [b]) => compareKeys(a, b))
      .map(([, item]) => structuredClone(item) as T);
  }
}
