// Verifies a change's record from the store: its events' hash chain, from the submitted body hash to the head.
import { verifyChain, type AuditFailure, type AuditResult } from '../core/audit';
import type { Deps } from '../ports';
import { loadChange } from './common';

export type ChangeAudit = AuditResult & {
  changeId: string;
  bodyHash: string;
  /** When a head hash kept elsewhere (a report, a notification) was given: whether the verified chain holds it. */
  expected?: { hash: string; found: boolean; seq?: number };
};

export async function auditChange(deps: Pick<Deps, 'store'>, changeId: string, expectHash?: string): Promise<ChangeAudit> {
  const change = await loadChange(deps, changeId);
  const events = await deps.store.listEvents(changeId);
  const result = verifyChain(change.bodyHash, events);
  const audit: ChangeAudit = { changeId, bodyHash: change.bodyHash, ...result };
  if (expectHash !== undefined) {
    // Only links that verified count: a hash found past the first broken link proves nothing.
    const upTo = result.verified ? result.headSeq : result.verifiedUpTo;
    const link = expectHash === change.bodyHash ? { seq: 0 } : events.find((e) => e.hash === expectHash && (e.seq ?? Infinity) <= upTo);
    audit.expected = { hash: expectHash, found: link !== undefined, ...(link?.seq !== undefined ? { seq: link.seq } : {}) };
  }
  return audit;
}

/** What a report and a notification carry about the record: the head to keep, or why the chain does not verify. */
export type RecordSummary =
  | { verified: true; events: number; headSeq: number; headHash: string }
  | { verified: false; events: number; failure: string };

export async function recordSummary(deps: Pick<Deps, 'store'>, changeId: string): Promise<RecordSummary> {
  const a = await auditChange(deps, changeId);
  if (a.verified) return { verified: true, events: a.count, headSeq: a.headSeq, headHash: a.headHash };
  return { verified: false, events: a.count, failure: describeFailure(a.failure) };
}

export function describeFailure(f: AuditFailure): string {
  return `event ${f.seq !== undefined ? `#${f.seq} ` : ''}(${f.type}, ${f.at}, id ${f.eventId}) does not verify: ${f.reason}`;
}
