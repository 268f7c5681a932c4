// The ChangeStore behaviour every adapter must have, as one suite: the memory and the DynamoDB (dynalite) tests run it.
import { eventHash, verifyChain } from '../../lambdas/core/audit';
import { ConflictError, NotFoundError } from '../../lambdas/core/errors';
import type { Approval, CallbackRecord, ChangeRecord, CheckResult, CommandRecord, StoredReport } from '../../lambdas/core/records';
import { assessRisk, requiredApprovals } from '../../lambdas/core/risk';
import { ChangeRequestSchema, EnvironmentProfileSchema } from '../../lambdas/core/schemas';
import { CHANGE_PAGE_EXAMINED, type ChangeStore } from '../../lambdas/ports';

const profile = EnvironmentProfileSchema.parse({
  name: 'staging',
  targets: { kind: 'local' },
  services: ['kis-api'],
  act: { steps: [{ name: 'deploy', document: 'runbook-Deploy', parameters: { version: '3.2.1' } }] },
  healthCheck: { urls: ['http://127.0.0.1:8080/api/v1/health'] },
  rollback: { steps: [{ name: 'restore', document: 'runbook-Restore' }] },
  tests: { baseUrl: 'http://127.0.0.1:8080', smoke: [{ name: 'health', path: '/api/v1/health' }] },
});

const request = ChangeRequestSchema.parse({
  change_request: { id: 'CR-2025-001', title: 'Upgrade the estimates API', type: 'enhancement', priority: 'medium' },
  requester: { name: 'Ana Ops' },
  description: { summary: 'Roll out 3.2.1' },
  timeline: { planned_start: '2025-06-01T22:00:00Z', estimated_duration: '1h' },
  risks_and_mitigations: [{ risk: 'slow queries', probability: 'medium', impact: 'high', mitigation: 'index first' }],
  rollback_plan: { trigger_conditions: ['p95 above 3150 ms'], rollback_steps: ['restore the previous release'] },
});

/** A complete, schema-valid change record: the round trips below then cover real nested shapes. */
export function changeRecord(overrides: Partial<ChangeRecord> = {}): ChangeRecord {
  const id = overrides.id ?? 'CR-2025-001';
  const risk = assessRisk(request);
  return {
    id,
    environment: 'staging',
    title: 'Upgrade the estimates API',
    requester: 'ana',
    status: 'SUBMITTED',
    phase: 'SUBMIT',
    attempt: 1,
    maxAttempts: 3,
    version: 1,
    request: { ...request, change_request: { ...request.change_request, id } },
    profile,
    risk,
    requiredApprovals: requiredApprovals(risk),
    bodyHash: 'a'.repeat(64),
    executionName: id,
    createdAt: '2025-06-01T10:00:00.000Z',
    updatedAt: '2025-06-01T10:00:00.000Z',
    ...overrides,
  };
}

function approval(overrides: Partial<Approval> = {}): Approval {
  return { changeId: 'CR-2025-001', attempt: 1, role: 'technical', decision: 'approve', approver: 'tess', at: '2025-06-01T11:00:00.000Z', ...overrides };
}

function callback(overrides: Partial<CallbackRecord> = {}): CallbackRecord {
  return { key: 'approval#CR-2025-001#1', kind: 'approval', changeId: 'CR-2025-001', attempt: 1, token: 'token-1', createdAt: '2025-06-01T11:00:00.000Z', ...overrides };
}

function command(overrides: Partial<CommandRecord> = {}): CommandRecord {
  return {
    commandId: 'cmd-1', changeId: 'CR-2025-001', attempt: 1, phase: 'ACT', stepName: 'deploy', document: 'runbook-Deploy',
    parameters: { version: '3.2.1' }, status: 'Pending', requestedAt: '2025-06-01T12:00:00.000Z', ...overrides,
  };
}

function report(overrides: Partial<StoredReport> = {}): StoredReport {
  return { changeId: 'CR-2025-001', attempt: 1, outcome: 'COMPLETED', createdAt: '2025-06-01T13:00:00.000Z', report: { summary: { ok: true }, issues: [] }, qcSummary: 'QC: 12 lines', ...overrides };
}

/** Registers the suite; `newStore` gives each test an empty store of the adapter under test. */
export function describeChangeStoreContract(newStore: () => Promise<ChangeStore>): void {
  describe('ChangeStore contract', () => {
    let store: ChangeStore;

    beforeEach(async () => {
      store = await newStore();
    });

    describe('changes', () => {
      it('should store a new change and read it back unchanged', async () => {
        // Prepare
        const change = changeRecord();

        // Act
        const result = await store.createChange(change);

        // Assess
        expect(result).toEqual({ created: true });
        expect(await store.getChange(change.id)).toEqual(change);
      });

      it('should return the existing change, not overwrite it, when the same id is created twice', async () => {
        // Prepare
        const first = changeRecord({ title: 'first' });
        await store.createChange(first);

        // Act
        const result = await store.createChange(changeRecord({ title: 'second' }));

        // Assess
        expect(result).toEqual({ created: false, existing: first });
        expect((await store.getChange(first.id))?.title).toBe('first');
      });

      it('should return undefined for a change that does not exist', async () => {
        // Act
        const missing = await store.getChange('CR-2025-999');

        // Assess
        expect(missing).toBeUndefined();
      });

      it('should apply a patch, bump the version and set updatedAt', async () => {
        // Prepare
        await store.createChange(changeRecord());

        // Act
        const updated = await store.updateChange('CR-2025-001', 1, { status: 'PREFLIGHT', phase: 'PREFLIGHT', updatedAt: '2025-06-01T10:05:00.000Z' });

        // Assess
        expect(updated).toMatchObject({ status: 'PREFLIGHT', phase: 'PREFLIGHT', version: 2, updatedAt: '2025-06-01T10:05:00.000Z' });
        expect(await store.getChange('CR-2025-001')).toEqual(updated);
      });

      it('should set updatedAt from its own clock when the patch has none', async () => {
        // Prepare
        await store.createChange(changeRecord());

        // Act
        const updated = await store.updateChange('CR-2025-001', 1, { status: 'PREFLIGHT' });

        // Assess
        expect(Date.parse(updated.updatedAt)).toBeGreaterThan(Date.parse('2025-06-01T10:00:00.000Z'));
      });

      it('should clear a field patched to undefined', async () => {
        // Prepare
        await store.createChange(changeRecord({ reason: 'waiting for the window' }));

        // Act
        const updated = await store.updateChange('CR-2025-001', 1, { status: 'SCHEDULED', reason: undefined });

        // Assess
        expect(updated.reason).toBeUndefined();
        expect((await store.getChange('CR-2025-001'))?.reason).toBeUndefined();
      });

      it('should let exactly one of two updates from the same version win and reject the other with ConflictError', async () => {
        // Prepare
        await store.createChange(changeRecord());

        // Act
        const results = await Promise.allSettled([
          store.updateChange('CR-2025-001', 1, { status: 'CANCELLED' }),
          store.updateChange('CR-2025-001', 1, { status: 'PREFLIGHT' }),
        ]);

        // Assess
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(1);
        expect(lost[0]?.reason).toBeInstanceOf(ConflictError);
        expect((await store.getChange('CR-2025-001'))?.version).toBe(2);
      });

      it('should reject an update from a stale version with ConflictError and leave the record alone', async () => {
        // Prepare
        await store.createChange(changeRecord());
        await store.updateChange('CR-2025-001', 1, { status: 'PREFLIGHT' });

        // Act
        const stale = store.updateChange('CR-2025-001', 1, { status: 'CANCELLED' });

        // Assess
        await expect(stale).rejects.toBeInstanceOf(ConflictError);
        expect(await store.getChange('CR-2025-001')).toMatchObject({ status: 'PREFLIGHT', version: 2 });
      });

      it('should throw NotFoundError when updating a change that does not exist', async () => {
        // Act
        const update = store.updateChange('CR-2025-999', 1, { status: 'PREFLIGHT' });

        // Assess
        await expect(update).rejects.toBeInstanceOf(NotFoundError);
        expect(await store.getChange('CR-2025-999')).toBeUndefined();
      });

      it('should hand out copies, so mutating a returned record does not change the stored one', async () => {
        // Prepare
        const change = changeRecord();
        await store.createChange(change);

        // Act
        change.title = 'mutated after create';
        const read = await store.getChange(change.id);
        if (read) read.profile.services.push('mutated-after-read');

        // Assess
        const again = await store.getChange(change.id);
        expect(again?.title).toBe('Upgrade the estimates API');
        expect(again?.profile.services).toEqual(['kis-api']);
      });

      it('should list changes newest first', async () => {
        // Prepare
        await store.createChange(changeRecord({ id: 'CR-2025-001', createdAt: '2025-06-01T10:00:00.000Z' }));
        await store.createChange(changeRecord({ id: 'CR-2025-003', createdAt: '2025-06-03T10:00:00.000Z' }));
        await store.createChange(changeRecord({ id: 'CR-2025-002', createdAt: '2025-06-02T10:00:00.000Z' }));

        // Act
        const listed = await store.listChanges();

        // Assess
        expect(listed.map((c) => c.id)).toEqual(['CR-2025-003', 'CR-2025-002', 'CR-2025-001']);
      });

      it('should order by instant, not by how the timestamp is spelled', async () => {
        // Prepare: 09:30Z written with an offset sorts lexically after 10:00Z
        await store.createChange(changeRecord({ id: 'CR-2025-001', createdAt: '2025-06-01T10:00:00.000Z' }));
        await store.createChange(changeRecord({ id: 'CR-2025-002', createdAt: '2025-06-01T11:30:00+02:00' }));

        // Act
        const listed = await store.listChanges();

        // Assess
        expect(listed.map((c) => c.id)).toEqual(['CR-2025-001', 'CR-2025-002']);
      });

      it('should filter the listing by status, by environment and by both', async () => {
        // Prepare
        await store.createChange(changeRecord({ id: 'CR-2025-001', environment: 'staging', status: 'COMPLETED', createdAt: '2025-06-01T10:00:00.000Z' }));
        await store.createChange(changeRecord({ id: 'CR-2025-002', environment: 'production', status: 'COMPLETED', createdAt: '2025-06-02T10:00:00.000Z' }));
        await store.createChange(changeRecord({ id: 'CR-2025-003', environment: 'production', status: 'ACTING', createdAt: '2025-06-03T10:00:00.000Z' }));

        // Act
        const completed = await store.listChanges({ status: 'COMPLETED' });
        const production = await store.listChanges({ environment: 'production' });
        const completedInProduction = await store.listChanges({ status: 'COMPLETED', environment: 'production' });
        const none = await store.listChanges({ status: 'REJECTED' });

        // Assess
        expect(completed.map((c) => c.id)).toEqual(['CR-2025-002', 'CR-2025-001']);
        expect(production.map((c) => c.id)).toEqual(['CR-2025-003', 'CR-2025-002']);
        expect(completedInProduction.map((c) => c.id)).toEqual(['CR-2025-002']);
        expect(none).toEqual([]);
      });

      it('should page the listing newest first: limit changes a page, each page after the cursor, no next after the last', async () => {
        // Prepare
        for (let i = 1; i <= 5; i++) await store.createChange(changeRecord({ id: `CR-2025-00${i}`, environment: i % 2 === 0 ? 'production' : 'staging', createdAt: `2025-06-0${i}T10:00:00.000Z` }));

        // Act
        const first = await store.listChangesPage({}, { limit: 2 });
        const second = await store.listChangesPage({}, { limit: 2, ...(first.next ? { after: first.next } : {}) });
        const third = await store.listChangesPage({}, { limit: 2, ...(second.next ? { after: second.next } : {}) });
        const staging = await store.listChangesPage({ environment: 'staging' }, { limit: 5 });

        // Assess
        expect(first.changes.map((c) => c.id)).toEqual(['CR-2025-005', 'CR-2025-004']);
        expect(first.next).toEqual({ createdAt: '2025-06-04T10:00:00.000Z', id: 'CR-2025-004' });
        expect(second.changes.map((c) => c.id)).toEqual(['CR-2025-003', 'CR-2025-002']);
        expect(third.changes.map((c) => c.id)).toEqual(['CR-2025-001']);
        expect(third.next).toBeUndefined();
        expect(staging).toEqual({ changes: [expect.objectContaining({ id: 'CR-2025-005' }), expect.objectContaining({ id: 'CR-2025-003' }), expect.objectContaining({ id: 'CR-2025-001' })] });
      });

      it(`should read at most ${CHANGE_PAGE_EXAMINED} changes for a page and say where to go on`, async () => {
        // Prepare: one matching change behind more than the bound of others
        await store.createChange(changeRecord({ id: 'CR-2025-0001', status: 'REJECTED', createdAt: '2025-01-01T00:00:00.000Z' }));
        for (let i = 0; i < CHANGE_PAGE_EXAMINED + 1; i++) {
          await store.createChange(changeRecord({ id: `CR-2025-${String(1000 + i)}`, createdAt: new Date(Date.parse('2025-02-01T00:00:00.000Z') + i * 1000).toISOString() }));
        }

        // Act
        const bounded = await store.listChangesPage({ status: 'REJECTED' }, { limit: 10 });
        const rest = await store.listChangesPage({ status: 'REJECTED' }, { limit: 10, ...(bounded.next ? { after: bounded.next } : {}) });

        // Assess
        expect(bounded.changes).toEqual([]);
        expect(bounded.next?.id).toBe('CR-2025-1001');
        expect(rest.changes.map((c) => c.id)).toEqual(['CR-2025-0001']);
        expect(rest.next).toBeUndefined();
      }, 60_000);

      it('should list a change under its updated status', async () => {
        // Prepare
        await store.createChange(changeRecord());
        await store.updateChange('CR-2025-001', 1, { status: 'ACTING' });

        // Act
        const submitted = await store.listChanges({ status: 'SUBMITTED' });
        const acting = await store.listChanges({ status: 'ACTING' });

        // Assess
        expect(submitted).toEqual([]);
        expect(acting.map((c) => [c.id, c.version])).toEqual([['CR-2025-001', 2]]);
      });
    });

    describe('events', () => {
      const event = (at: string, message: string, changeId = 'CR-2025-001') =>
        ({ changeId, attempt: 1, at, actor: 'engine', type: 'status', message });
      // Events chain to their change's body hash, so the changes exist first.
      beforeEach(async () => {
        await store.createChange(changeRecord());
        await store.createChange(changeRecord({ id: 'CR-2025-002', bodyHash: 'b'.repeat(64) }));
      });

      it('should chain each event to the one before it, the first to the change\'s body hash', async () => {
        // Act
        const first = await store.appendEvent(event('2025-06-01T10:00:00.000Z', 'one'));
        const second = await store.appendEvent({ ...event('2025-06-01T10:01:00.000Z', 'two'), data: { nested: { list: [1, 'x', null] } } });

        // Assess
        expect(first).toMatchObject({ seq: 1, prevHash: 'a'.repeat(64), hash: eventHash(first) });
        expect(second).toMatchObject({ seq: 2, prevHash: first.hash, hash: eventHash(second) });
        expect(verifyChain('a'.repeat(64), await store.listEvents('CR-2025-001'))).toEqual({ verified: true, count: 2, headSeq: 2, headHash: second.hash });
      });

      it('should not fork the chain when several appends race', async () => {
        // Act
        const appended = await Promise.all(Array.from({ length: 12 }, (_, i) => store.appendEvent(event('2025-06-01T10:00:00.000Z', `racer ${i}`))));

        // Assess
        expect(appended.map((e) => e.seq).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
        expect(verifyChain('a'.repeat(64), await store.listEvents('CR-2025-001'))).toMatchObject({ verified: true, count: 12 });
      });

      it('should refuse an event for a change that does not exist', async () => {
        // Act / Assess
        await expect(store.appendEvent(event('2025-06-01T10:00:00.000Z', 'orphan', 'CR-2025-404'))).rejects.toThrow(NotFoundError);
      });

      it('should give an appended event an id and return it as stored', async () => {
        // Act
        const appended = await store.appendEvent({ ...event('2025-06-01T10:00:00.000Z', 'submitted'), status: 'SUBMITTED', data: { by: 'cli' } });

        // Assess
        expect(appended.id).toEqual(expect.any(String));
        expect(await store.listEvents('CR-2025-001')).toEqual([appended]);
      });

      it('should list events in time order whatever order they were appended in', async () => {
        // Prepare
        await store.appendEvent(event('2025-06-01T10:02:00.000Z', 'third'));
        await store.appendEvent(event('2025-06-01T10:00:00.000Z', 'first'));
        await store.appendEvent(event('2025-06-01T12:01:00+02:00', 'second'));

        // Act
        const events = await store.listEvents('CR-2025-001');

        // Assess
        expect(events.map((e) => e.message)).toEqual(['first', 'second', 'third']);
      });

      it('should keep append order between events at the same instant', async () => {
        // Prepare
        const at = '2025-06-01T10:00:00.000Z';
        for (const message of ['a', 'b', 'c', 'd', 'e']) await store.appendEvent(event(at, message));

        // Act
        const events = await store.listEvents('CR-2025-001');

        // Assess
        expect(events.map((e) => e.message)).toEqual(['a', 'b', 'c', 'd', 'e']);
      });

      it('should list only the events of the change asked for', async () => {
        // Prepare
        await store.appendEvent(event('2025-06-01T10:00:00.000Z', 'mine'));
        await store.appendEvent(event('2025-06-01T10:00:00.000Z', 'other', 'CR-2025-002'));

        // Act
        const events = await store.listEvents('CR-2025-001');

        // Assess
        expect(events.map((e) => e.message)).toEqual(['mine']);
        expect(await store.listEvents('CR-2025-404')).toEqual([]);
      });
    });

    describe('approvals', () => {
      it('should record an approval once and return the existing one on a repeat', async () => {
        // Prepare
        const first = approval({ comment: 'looks good' });
        await store.putApproval(first);

        // Act
        const repeat = await store.putApproval(approval({ decision: 'reject', comment: 'changed my mind', at: '2025-06-01T11:30:00.000Z' }));

        // Assess
        expect(repeat).toEqual({ created: false, existing: first });
        expect(await store.listApprovals('CR-2025-001', 1)).toEqual([first]);
      });

      it('should report a first approval as created', async () => {
        // Act
        const result = await store.putApproval(approval());

        // Assess
        expect(result.created).toBe(true);
        expect(result.existing).toBeUndefined();
      });

      it('should keep one decision per person and attempt: the same person in another role gets the existing one back', async () => {
        // Prepare
        const first = approval({ role: 'technical', approver: 'arn:aws:sts::123456789012:assumed-role/TechRole/tess' });
        await store.putApproval(first);

        // Act: the same session name through another role, in another case
        const second = await store.putApproval(approval({ role: 'security', approver: 'arn:aws:sts::123456789012:assumed-role/SecRole/TESS' }));

        // Assess
        expect(second).toEqual({ created: false, existing: first });
        expect(await store.listApprovals('CR-2025-001', 1)).toEqual([first]);
      });

      it('should keep approvals of different roles and approvers apart and list them per attempt', async () => {
        // Prepare
        const technical = approval({ role: 'technical', approver: 'tess' });
        const business = approval({ role: 'business', approver: 'bo' });
        const security = approval({ role: 'security', approver: 'sam' });
        const secondTechnical = approval({ role: 'technical', approver: 'tom' });
        const attempt2 = approval({ attempt: 2, role: 'technical', approver: 'tess' });
        const attempt10 = approval({ attempt: 10, role: 'technical', approver: 'tess' });
        for (const a of [technical, business, security, secondTechnical, attempt2, attempt10]) await store.putApproval(a);
        await store.putApproval(approval({ changeId: 'CR-2025-002' }));

        // Act
        const first = await store.listApprovals('CR-2025-001', 1);
        const second = await store.listApprovals('CR-2025-001', 2);

        // Assess
        expect(first).toHaveLength(4);
        expect(first).toEqual(expect.arrayContaining([technical, business, security, secondTechnical]));
        expect(second).toEqual([attempt2]);
        expect(await store.listApprovals('CR-2025-001', 10)).toEqual([attempt10]);
        expect(await store.listApprovals('CR-2025-001', 3)).toEqual([]);
      });
    });

    describe('environment lock', () => {
      it('should give a free lock to the first change', async () => {
        // Act
        const result = await store.acquireLock('staging', 'CR-2025-001');

        // Assess
        expect(result).toEqual({ acquired: true });
      });

      it('should refuse a held lock to another change and name the holder', async () => {
        // Prepare
        await store.acquireLock('staging', 'CR-2025-001');

        // Act
        const result = await store.acquireLock('staging', 'CR-2025-002');

        // Assess
        expect(result).toEqual({ acquired: false, holder: 'CR-2025-001' });
      });

      it('should let the holder acquire its lock again', async () => {
        // Prepare
        await store.acquireLock('staging', 'CR-2025-001');

        // Act
        const again = await store.acquireLock('staging', 'CR-2025-001');

        // Assess
        expect(again).toEqual({ acquired: true });
      });

      it('should give the lock to exactly one of two changes racing for it', async () => {
        // Act
        const results = await Promise.all([store.acquireLock('staging', 'CR-2025-001'), store.acquireLock('staging', 'CR-2025-002')]);

        // Assess
        expect(results.filter((r) => r.acquired)).toHaveLength(1);
        const refused = results.find((r) => !r.acquired);
        const winner = results[0]?.acquired ? 'CR-2025-001' : 'CR-2025-002';
        expect(refused).toEqual({ acquired: false, holder: winner });
      });

      it('should ignore a release by a change that does not hold the lock', async () => {
        // Prepare
        await store.acquireLock('staging', 'CR-2025-001');

        // Act
        await store.releaseLock('staging', 'CR-2025-002');

        // Assess
        expect(await store.acquireLock('staging', 'CR-2025-002')).toEqual({ acquired: false, holder: 'CR-2025-001' });
      });

      it('should free the lock when the holder releases it', async () => {
        // Prepare
        await store.acquireLock('staging', 'CR-2025-001');

        // Act
        await store.releaseLock('staging', 'CR-2025-001');

        // Assess
        expect(await store.acquireLock('staging', 'CR-2025-002')).toEqual({ acquired: true });
      });

      it('should treat releasing a lock nobody holds as a no-op', async () => {
        // Act
        const release = store.releaseLock('staging', 'CR-2025-001');

        // Assess
        await expect(release).resolves.toBeUndefined();
        expect(await store.acquireLock('staging', 'CR-2025-002')).toEqual({ acquired: true });
      });

      it('should name the holder of an environment\'s lock, and nobody once it is released', async () => {
        // Prepare
        await store.acquireLock('staging', 'CR-2025-001');

        // Act
        const held = await store.lockHolder('staging');
        const other = await store.lockHolder('production');
        await store.releaseLock('staging', 'CR-2025-001');
        const released = await store.lockHolder('staging');

        // Assess
        expect([held, other, released]).toEqual(['CR-2025-001', undefined, undefined]);
      });

      it('should lock each environment on its own', async () => {
        // Prepare
        await store.acquireLock('staging', 'CR-2025-001');

        // Act
        const production = await store.acquireLock('production', 'CR-2025-002');

        // Assess
        expect(production).toEqual({ acquired: true });
      });
    });

    describe('callbacks', () => {
      it('should create a callback once and keep the first one on a repeat', async () => {
        // Prepare
        const first = callback();

        // Act
        const created = await store.createCallback(first);
        const repeated = await store.createCallback(callback({ token: 'token-2' }));

        // Assess
        expect(created).toBe(true);
        expect(repeated).toBe(false);
        expect(await store.getCallback(first.key)).toEqual(first);
      });

      it('should overwrite a callback with put', async () => {
        // Prepare
        await store.createCallback(callback());

        // Act
        await store.putCallback(callback({ closed: true, data: { reason: 'window closed first' } }));

        // Assess
        expect(await store.getCallback('approval#CR-2025-001#1')).toMatchObject({ closed: true, data: { reason: 'window closed first' } });
      });

      it('should forget a deleted callback and allow creating it again', async () => {
        // Prepare
        await store.createCallback(callback());

        // Act
        await store.deleteCallback('approval#CR-2025-001#1');

        // Assess
        expect(await store.getCallback('approval#CR-2025-001#1')).toBeUndefined();
        expect(await store.createCallback(callback({ token: 'token-2' }))).toBe(true);
      });

      it('should treat deleting or reading an unknown callback as harmless', async () => {
        // Act
        await store.deleteCallback('monitor#CR-2025-404#1');

        // Assess
        expect(await store.getCallback('monitor#CR-2025-404#1')).toBeUndefined();
      });
    });

    describe('commands', () => {
      it('should store a command and read it back by id', async () => {
        // Prepare
        const sent = command({ taskToken: 'token-1' });

        // Act
        await store.putCommand(sent);

        // Assess
        expect(await store.getCommand('cmd-1')).toEqual(sent);
        expect(await store.getCommand('cmd-404')).toBeUndefined();
      });

      it('should show the latest state of a rewritten command, once, in the listing', async () => {
        // Prepare
        await store.putCommand(command());
        const finished = command({ status: 'Success', exitCode: 0, finishedAt: '2025-06-01T12:01:00.000Z', output: 'ok', result: { deployed: '3.2.1' } });

        // Act
        await store.putCommand(finished);

        // Assess
        expect(await store.getCommand('cmd-1')).toEqual(finished);
        expect(await store.listCommands('CR-2025-001')).toEqual([finished]);
      });

      it('should list a change\'s commands by attempt, then by request time', async () => {
        // Prepare
        const a1late = command({ commandId: 'cmd-a1-late', requestedAt: '2025-06-01T12:05:00.000Z' });
        const a1early = command({ commandId: 'cmd-a1-early', requestedAt: '2025-06-01T12:00:00.000Z' });
        const a2 = command({ commandId: 'cmd-a2', attempt: 2, requestedAt: '2025-06-01T09:00:00.000Z' });
        const other = command({ commandId: 'cmd-other', changeId: 'CR-2025-002' });
        for (const c of [a2, a1late, other, a1early]) await store.putCommand(c);

        // Act
        const all = await store.listCommands('CR-2025-001');
        const attempt1 = await store.listCommands('CR-2025-001', 1);
        const attempt2 = await store.listCommands('CR-2025-001', 2);

        // Assess
        expect(all.map((c) => c.commandId)).toEqual(['cmd-a1-early', 'cmd-a1-late', 'cmd-a2']);
        expect(attempt1).toEqual([a1early, a1late]);
        expect(attempt2).toEqual([a2]);
        expect(await store.listCommands('CR-2025-001', 3)).toEqual([]);
      });
    });

    describe('reports', () => {
      it('should return the highest attempt\'s report when no attempt is given', async () => {
        // Prepare
        for (const attempt of [1, 10, 2]) await store.putReport(report({ attempt, outcome: `attempt ${attempt}` }));

        // Act
        const latest = await store.getReport('CR-2025-001');

        // Assess
        expect(latest?.attempt).toBe(10);
      });

      it('should return the report of the attempt asked for', async () => {
        // Prepare
        const first = report({ attempt: 1, outcome: 'ROLLED_BACK' });
        await store.putReport(first);
        await store.putReport(report({ attempt: 2 }));

        // Act
        const found = await store.getReport('CR-2025-001', 1);

        // Assess
        expect(found).toEqual(first);
      });

      it('should replace a report written again for the same attempt', async () => {
        // Prepare
        await store.putReport(report({ outcome: 'draft' }));

        // Act
        await store.putReport(report({ outcome: 'COMPLETED' }));

        // Assess
        expect((await store.getReport('CR-2025-001', 1))?.outcome).toBe('COMPLETED');
      });

      it('should return undefined when a change has no report', async () => {
        // Prepare
        await store.createChange(changeRecord());

        // Act
        const latest = await store.getReport('CR-2025-001');

        // Assess
        expect(latest).toBeUndefined();
        expect(await store.getReport('CR-2025-001', 1)).toBeUndefined();
      });
    });

    describe('scheduled check results', () => {
      const result = (at: string, passed: boolean, environment = 'staging'): CheckResult =>
        ({ environment, id: `chk-${at}`, at, passed, durationMs: 1200, checks: [{ name: 'system-health', status: passed ? 'PASS' : 'FAIL', details: 'x' }] });

      it('should list an environment\'s results newest first, up to the limit, and no other environment\'s', async () => {
        // Prepare
        for (const at of ['2025-06-01T10:00:00.000Z', '2025-06-01T12:00:00.000Z', '2025-06-01T11:00:00.000Z']) await store.putCheckResult(result(at, at.includes('12:')));
        await store.putCheckResult(result('2025-06-01T13:00:00.000Z', true, 'production'));

        // Act
        const latest = await store.listCheckResults('staging', 2);

        // Assess
        expect(latest.map((r) => r.at)).toEqual(['2025-06-01T12:00:00.000Z', '2025-06-01T11:00:00.000Z']);
        expect(latest[0]).toEqual(result('2025-06-01T12:00:00.000Z', true));
        expect(await store.listCheckResults('nowhere', 5)).toEqual([]);
      });
    });
  });
}
