// POST /changes in-process: an empty body, `?dryRun` (true plans without writing or starting, false submits,
// anything else is a 400), the 202 of a new change and the 200 of its duplicate, the warnings and the links.
import { submit } from '../../lambdas/api/changes';
import type { ApiContext } from '../../lambdas/api/context';
import { testChange } from '../support/fixtures';
import { memoryApi } from '../support/memory-api';

/** The fixture change as a JSON document, with an unknown key the response should name back. */
function document(id = 'CR-2026-900'): Record<string, unknown> {
  const request = testChange(id) as unknown as Record<string, Record<string, unknown>>;
  return { ...request, change_request: { ...request.change_request, colour: 'blue' } };
}

describe('submitting a change', () => {
  it('should accept a new change with 202, its location, risk, approvals to collect, warnings and watch links', async () => {
    // Arrange
    const m = memoryApi();

    // Act
    const { res, body } = await m.call('POST', '/changes', { body: document(), identity: { id: 'olivia' } });

    // Assess
    const stored = await m.store.getChange('CR-2026-900');
    expect(res.statusCode).toBe(202);
    expect(res.headers.location).toBe('http://127.0.0.1:1/changes/CR-2026-900');
    expect(body).toMatchObject({
      changeId: 'CR-2026-900', status: stored?.status, riskLevel: stored?.risk.level, riskScore: stored?.risk.score,
      requiredApprovals: stored?.requiredApprovals, executionName: stored?.executionName, duplicate: false,
      watch: { status: 'http://127.0.0.1:1/changes/CR-2026-900', cli: 'runbook status CR-2026-900 --watch' },
    });
    expect(body.warnings).toEqual([expect.objectContaining({ path: 'change_request.colour' })]);
    expect(stored?.submittedBy).toBe('olivia');
    expect(m.started).toEqual([stored?.executionName]);
  });

  it('should answer the same submission again with 200 as a duplicate of the stored change', async () => {
    // Arrange
    const m = memoryApi();
    await m.call('POST', '/changes', { body: document() });

    // Act
    const { res, body } = await m.call('POST', '/changes', { body: document(), query: { dryRun: 'false' } });

    // Assess
    expect(res.statusCode).toBe(200);
    expect(body).toMatchObject({ changeId: 'CR-2026-900', duplicate: true });
    expect(body.executionName).toBe((await m.store.getChange('CR-2026-900'))?.executionName);
  });

  it('should refuse a request without a body, saying a change request is expected', async () => {
    // Arrange
    const m = memoryApi();

    // Act
    const { res, body } = await m.call('POST', '/changes');

    // Assess
    expect(res.statusCode).toBe(400);
    expect(body.error.message).toBe('the request body is empty: send a change request document (YAML or JSON)');
    expect(body.error.fields).toEqual([{ path: '', message: 'the request body is empty' }]);
  });
});

describe('a change request that cannot be read', () => {
  it('should name the change request in the error of broken JSON and of an invalid document', async () => {
    // Arrange
    const m = memoryApi();

    // Act
    const broken = await m.call('POST', '/changes', { body: { x: 1 } });
    const brokenJson = submit({} as ApiContext, { method: 'POST', path: '/changes', query: {}, headers: { 'content-type': 'application/json' }, body: '{"a":', baseUrl: 'x' });

    // Assess
    expect(broken.res.statusCode).toBe(400);
    expect(broken.body.error.message).toMatch(/^change request is invalid/);
    await expect(brokenJson).rejects.toThrow(/^change request: not valid JSON: /);
  });
});

describe('?dryRun', () => {
  it('should plan the change with dryRun=true, naming the warnings, writing and starting nothing', async () => {
    // Arrange
    const m = memoryApi();

    // Act
    const { res, body } = await m.call('POST', '/changes', { body: document(), query: { dryRun: 'true' } });

    // Assess
    expect(res.statusCode).toBe(200);
    expect(body).toMatchObject({ dryRun: true, wrote: 'nothing', changeId: 'CR-2026-900' });
    expect(body.warnings).toEqual([expect.objectContaining({ path: 'change_request.colour' })]);
    expect(await m.store.getChange('CR-2026-900')).toBeUndefined();
    expect(m.started).toEqual([]);
  });

  it.each(['yes', 'TRUE', '1', ''])('should refuse dryRun=%s, naming the values it takes', async (dryRun) => {
    // Arrange
    const m = memoryApi();

    // Act
    const { res, body } = await m.call('POST', '/changes', { body: document(), query: { dryRun } });

    // Assess
    expect(res.statusCode).toBe(400);
    expect(body.error.fields).toEqual([{ path: 'dryRun', message: 'must be true or false' }]);
    expect(await m.store.getChange('CR-2026-900')).toBeUndefined();
  });
});
