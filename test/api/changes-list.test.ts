// GET /changes in-process: the status and environment filters and their 400s, the page size (default, bounds, what is
// not a whole number), and the opaque nextToken that walks the pages and only the pages this API issued.
import { DEFAULT_PAGE, decodeToken, encodeToken, MAX_PAGE, parseAttempt, summary } from '../../lambdas/api/changes';
import { ValidationError } from '../../lambdas/core/errors';
import { STATUSES, type ChangeRecord } from '../../lambdas/core/records';
import { memoryApi, submitted, type MemoryApi } from '../support/memory-api';

/** `count` copies of the submitted fixture CR-2026-999, CR-2026-001 upwards, each created a minute after the one
 * before and all in 2020, so before CR-2026-999 itself; returns the copies' ids. */
async function seed(m: MemoryApi, count: number, patch: (i: number) => Partial<ChangeRecord> = () => ({})): Promise<string[]> {
  const base = await submitted(m, 'CR-2026-999');
  const ids: string[] = [];
  for (let i = 1; i <= count; i += 1) {
    const id = `CR-2026-${String(i).padStart(3, '0')}`;
    const createdAt = new Date(Date.UTC(2020, 0, 1, 0, i)).toISOString();
    await m.store.createChange({ ...base, id, createdAt, ...patch(i) });
    ids.push(id);
  }
  return ids;
}

const idsOf = (body: { items: { changeId: string }[] }): string[] => body.items.map((i) => i.changeId);

describe('the status and environment filters', () => {
  it('should list only the changes in the status asked for', async () => {
    // Arrange
    const m = memoryApi();
    await seed(m, 4, (i) => ({ status: i % 2 === 0 ? 'COMPLETED' : 'FAILED' }));

    // Act
    const { res, body } = await m.call('GET', '/changes', { query: { status: 'COMPLETED' } });

    // Assess
    expect(res.statusCode).toBe(200);
    expect(idsOf(body)).toEqual(['CR-2026-004', 'CR-2026-002']);
  });

  it('should list only the changes of the environment asked for', async () => {
    // Arrange
    const m = memoryApi();
    await seed(m, 3, (i) => ({ environment: i === 2 ? 'staging-2' : 'prod' }));

    // Act
    const { body } = await m.call('GET', '/changes', { query: { environment: 'staging-2' } });

    // Assess
    expect(idsOf(body)).toEqual(['CR-2026-002']);
  });

  it('should refuse a status that is not one, listing the statuses', async () => {
    // Arrange
    const m = memoryApi();

    // Act
    const { res, body } = await m.call('GET', '/changes', { query: { status: 'DONE' } });

    // Assess
    expect(res.statusCode).toBe(400);
    expect(body.error.fields).toEqual([{ path: 'status', message: `must be one of ${STATUSES.join(', ')}` }]);
  });

  it.each(['Prod', '-prod', 'prod_1', 'a'.repeat(41), ''])('should refuse the environment "%s" as not a profile name', async (environment) => {
    // Arrange
    const m = memoryApi();

    // Act
    const { res, body } = await m.call('GET', '/changes', { query: { environment } });

    // Assess
    expect(res.statusCode).toBe(400);
    expect(body.error.fields).toEqual([{ path: 'environment', message: 'lower-case letters, digits and hyphens' }]);
  });

  it.each(['p', '0-a', 'a'.repeat(40)])('should accept the environment "%s" as a profile name', async (environment) => {
    // Arrange
    const m = memoryApi();

    // Act
    const { res, body } = await m.call('GET', '/changes', { query: { environment } });

    // Assess
    expect(res.statusCode).toBe(200);
    expect(body).toEqual({ items: [] });
  });
});

describe('the page size', () => {
  it('should give 25 changes a page when no limit is asked for, newest first, with a token for the rest', async () => {
    // Arrange
    const m = memoryApi();
    const ids = await seed(m, DEFAULT_PAGE);

    // Act
    const first = await m.call('GET', '/changes', { query: { limit: '' } });
    const second = await m.call('GET', '/changes', { query: { nextToken: first.body.nextToken } });

    // Assess
    expect(DEFAULT_PAGE).toBe(25);
    expect(idsOf(first.body)).toEqual(['CR-2026-999', ...[...ids].reverse().slice(0, 24)]);
    expect(idsOf(second.body)).toEqual(['CR-2026-001']);
    expect(second.body).not.toHaveProperty('nextToken');
  });

  it('should walk the list one change a page with limit=1, each token leading to the next change', async () => {
    // Arrange
    const m = memoryApi();
    await seed(m, 2);

    // Act
    const pages: string[][] = [];
    let token: string | undefined;
    for (let i = 0; i < 4; i += 1) {
      const { body } = await m.call('GET', '/changes', { query: { limit: '1', ...(token ? { nextToken: token } : {}) } });
      pages.push(idsOf(body));
      token = body.nextToken;
      if (!token) break;
    }

    // Assess
    expect(pages).toEqual([['CR-2026-999'], ['CR-2026-002'], ['CR-2026-001']]);
  });

  it('should accept the largest page of 100', async () => {
    // Arrange
    const m = memoryApi();
    await submitted(m);

    // Act
    const { res, body } = await m.call('GET', '/changes', { query: { limit: String(MAX_PAGE) } });

    // Assess
    expect(MAX_PAGE).toBe(100);
    expect(res.statusCode).toBe(200);
    expect(idsOf(body)).toEqual(['CR-2026-900']);
  });

  it.each(['0', '101', '-1', '1.5', 'ten', '2x', 'x2'])('should refuse the limit "%s", naming the range', async (limit) => {
    // Arrange
    const m = memoryApi();

    // Act
    const { res, body } = await m.call('GET', '/changes', { query: { limit } });

    // Assess
    expect(res.statusCode).toBe(400);
    expect(body.error.fields).toEqual([{ path: 'limit', message: 'must be a whole number from 1 to 100' }]);
  });
});

describe('parseAttempt', () => {
  it('should read 1 to 10 as the attempt and nothing (or an empty value) as no attempt', () => {
    // Act
    const read = [parseAttempt('1'), parseAttempt('10'), parseAttempt(undefined), parseAttempt('')];

    // Assess
    expect(read).toEqual([1, 10, undefined, undefined]);
  });

  it.each(['0', '11', 'one'])('should refuse the attempt "%s", naming the range', (value) => {
    // Act
    const reading = (): unknown => parseAttempt(value);

    // Assess
    expect(reading).toThrow(ValidationError);
    expect(reading).toThrow('attempt: must be a whole number from 1 to 10');
  });
});

describe('the page token', () => {
  it('should carry the cursor as base64url JSON with a version, and read it back', () => {
    // Arrange
    const cursor = { createdAt: '2026-01-01T00:01:00.000Z', id: 'CR-2026-001' };

    // Act
    const token = encodeToken(cursor);

    // Assess
    expect(JSON.parse(Buffer.from(token, 'base64url').toString('utf8'))).toEqual({ v: 1, c: cursor.createdAt, i: cursor.id });
    expect(decodeToken(token)).toEqual(cursor);
  });

  it.each([
    ['a number for the date', { v: 1, c: 5, i: 'CR-2026-001' }],
    ['a number for the id', { v: 1, c: '2026-01-01T00:00:00.000Z', i: 7 }],
    ['no version', { c: '2026-01-01T00:00:00.000Z', i: 'CR-2026-001' }],
  ])('should refuse a token with %s', (_what, payload) => {
    // Arrange
    const token = Buffer.from(JSON.stringify(payload)).toString('base64url');

    // Act
    const reading = (): unknown => decodeToken(token);

    // Assess
    expect(reading).toThrow(ValidationError);
    expect(reading).toThrow('nextToken: not a token this API issued');
  });
});

describe('a change in the list', () => {
  it('should summarise a change with its risk and attempt, and its reason only when it has one', async () => {
    // Arrange
    const m = memoryApi();
    const change = await submitted(m);

    // Act
    const plain = summary(change);
    const withReason = summary({ ...change, reason: 'cancelled by alice' });

    // Assess
    expect(plain).toEqual({
      changeId: 'CR-2026-900', title: change.title, environment: change.environment, requester: change.requester,
      status: change.status, phase: change.phase, attempt: 1, maxAttempts: change.maxAttempts,
      riskLevel: change.risk.level, riskScore: change.risk.score, executionName: change.executionName,
      createdAt: change.createdAt, updatedAt: change.updatedAt,
    });
    expect(withReason).toEqual({ ...plain, reason: 'cancelled by alice' });
  });
});
