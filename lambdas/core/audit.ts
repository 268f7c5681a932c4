// The tamper-evident record: every event of a change is a link of a hash chain. Each event stores its sequence
// number, the previous link's hash (the first event's is the change's submitted body hash) and the SHA-256 of its
// own canonical content (which includes that previous hash). Editing, removing or reordering an event breaks the
// chain at that event; only the head hash, kept elsewhere (the report, the notification), proves the tail was not cut.
import { createHash } from 'node:crypto';
import type { ChangeEvent } from './records';

/** JSON with object keys sorted and undefined members left out: the same content always hashes the same. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonical(v))).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value).sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** The hash of an event: SHA-256 over its canonical content, every field but `hash` itself (so `prevHash` is in). */
export function eventHash(event: Omit<ChangeEvent, 'hash'> & { hash?: string }): string {
  const { hash: _ignored, ...content } = event;
  return sha256(canonical(content));
}

/** The link an event is appended after: the previous event, or the change itself for the first one. */
export interface ChainLink { seq: number; hash: string }

/**
 * Makes `event` the next link after `previous` (seq 0 with the change's body hash for the first event). The content
 * is passed through JSON first, so what is hashed is exactly what a JSON store gives back.
 */
export function chainEvent(event: Omit<ChangeEvent, 'seq' | 'prevHash' | 'hash'>, previous: ChainLink): ChangeEvent {
  const content = JSON.parse(JSON.stringify({ ...event, seq: previous.seq + 1, prevHash: previous.hash })) as Omit<ChangeEvent, 'hash'>;
  return { ...content, hash: eventHash(content) };
}

export interface AuditFailure {
  /** The first event that does not verify (for a gap: the event found where the missing one should be). */
  seq?: number;
  eventId: string;
  type: string;
  at: string;
  reason: string;
}

export type AuditResult =
  | { verified: true; count: number; headSeq: number; headHash: string }
  | { verified: false; count: number; verifiedUpTo: number; failure: AuditFailure };

/**
 * Verifies the chain of a change's events against its body hash. Events are taken in sequence order; the first one
 * whose sequence, previous hash or own hash is wrong is named. An empty list verifies with the body hash as head.
 */
export function verifyChain(bodyHash: string, events: readonly ChangeEvent[]): AuditResult {
  const ordered = [...events].sort((a, b) => (a.seq ?? Number.MAX_SAFE_INTEGER) - (b.seq ?? Number.MAX_SAFE_INTEGER));
  let previous: ChainLink = { seq: 0, hash: bodyHash };
  const fail = (e: ChangeEvent, reason: string): AuditResult => ({
    verified: false, count: ordered.length, verifiedUpTo: previous.seq,
    failure: { ...(e.seq !== undefined ? { seq: e.seq } : {}), eventId: e.id, type: e.type, at: e.at, reason },
  });
  for (const e of ordered) {
    if (e.seq === undefined || e.hash === undefined || e.prevHash === undefined) return fail(e, 'it is not chained (no sequence or hash)');
    if (e.seq !== previous.seq + 1) {
      return fail(e, e.seq === previous.seq ? `it repeats sequence ${e.seq}` : `event ${previous.seq + 1} is missing before it`);
    }
    if (e.prevHash !== previous.hash) {
      return fail(e, previous.seq === 0 ? 'it does not chain to the change\'s submitted body hash' : `its previous hash is not event ${previous.seq}'s hash`);
    }
    if (eventHash(e) !== e.hash) return fail(e, 'its content does not match its hash (edited after it was written)');
    previous = { seq: e.seq, hash: e.hash };
  }
  return { verified: true, count: ordered.length, headSeq: previous.seq, headHash: previous.hash };
}

/** How events are listed: by time, then by sequence (append order), then by id. */
export function compareEvents(a: ChangeEvent, b: ChangeEvent): number {
  const ta = Date.parse(a.at);
  const tb = Date.parse(b.at);
  if (ta !== tb && !Number.isNaN(ta) && !Number.isNaN(tb)) return ta - tb;
  const sa = a.seq ?? Number.MAX_SAFE_INTEGER;
  const sb = b.seq ?? Number.MAX_SAFE_INTEGER;
  if (sa !== sb) return sa - sb;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
