// The embedded engine's task tokens: SendTaskSuccess/Failure semantics, and nothing left pending.
import { TokenBroker } from '../../lambdas/embedded/token-broker';

describe('TokenBroker', () => {
  it('should resolve the waiting task with the JSON it was sent', async () => {
    // Prepare
    const broker = new TokenBroker();
    const { token, result } = broker.issue('exec-1');

    // Act
    const sent = await broker.sendTaskSuccess(token, { at: new Date(0), n: 1 });

    // Assess
    expect(sent).toBe(true);
    await expect(result).resolves.toEqual({ at: '1970-01-01T00:00:00.000Z', n: 1 });
  });

  it('should fail the waiting task with an error whose name the ASL routes on', async () => {
    const broker = new TokenBroker();
    const { token, result } = broker.issue('exec-1');

    await broker.sendTaskFailure(token, 'AlarmTriggered', 'p95 over 3150 ms');

    await expect(result).rejects.toMatchObject({ name: 'AlarmTriggered', message: 'p95 over 3150 ms' });
  });

  it('should answer false, not throw, for a token already used or unknown', async () => {
    const broker = new TokenBroker();
    const { token } = broker.issue('exec-1');
    await broker.sendTaskSuccess(token, {});

    expect(await broker.sendTaskSuccess(token, {})).toBe(false);
    expect(await broker.sendTaskFailure(token, 'X', 'y')).toBe(false);
    expect(await broker.sendTaskSuccess('no-such-token', {})).toBe(false);
  });

  it('should settle only the ended execution\'s tokens when it is cancelled', async () => {
    const broker = new TokenBroker();
    const a = broker.issue('exec-a');
    const b = broker.issue('exec-b');

    expect(broker.cancelExecution('exec-a')).toBe(1);

    await expect(a.result).rejects.toMatchObject({ name: 'States.Runtime' });
    expect(broker.outstanding('exec-b')).toBe(1);
    expect(await broker.sendTaskSuccess(b.token, { ok: true })).toBe(true);
    expect(broker.outstanding()).toBe(0);
  });
});
