// The in-process EventBridge: routing by detail-type, asynchronous delivery, retries, drain.
import { LocalEventBus } from '../../lambdas/embedded/event-bus';
import { ssmCommandStatusEvent } from '../../lambdas/core/events';
import { silentLog } from '../support/fakes';

const event = () => ssmCommandStatusEvent({ 'command-id': 'c-1', 'document-name': 'runbook-HealthCheck', 'expire-after': '', parameters: {}, 'requested-date-time': '', status: 'Success' }, new Date(0));

describe('LocalEventBus', () => {
  it('should deliver an event to every target of its detail-type, after publish returns', async () => {
    // Prepare
    const bus = new LocalEventBus({ log: silentLog });
    const seen: string[] = [];
    bus.route('EC2 Command Status-change Notification', async (e) => { seen.push(`a:${e.id}`); });
    bus.route('EC2 Command Status-change Notification', async () => { seen.push('b'); });
    bus.route('CloudWatch Alarm State Change', async () => { seen.push('wrong'); });

    // Act
    const e = event();
    bus.publish(e);
    const before = [...seen];
    await bus.drain();

    // Assess
    expect(before).toEqual([]);
    expect(seen.sort()).toEqual([`a:${e.id}`, 'b']);
  });

  it('should retry a failing delivery with backoff and record it', async () => {
    const bus = new LocalEventBus({ log: silentLog, baseDelayMs: 1, maxAttempts: 4 });
    let calls = 0;
    bus.route('EC2 Command Status-change Notification', async () => { calls += 1; if (calls < 3) throw new Error('not recorded yet'); });

    bus.publish(event());
    await bus.drain();

    expect(calls).toBe(3);
    expect(bus.history()[0]).toMatchObject({ ok: true, attempts: 3 });
  });

  it('should drop an event after the last attempt and log it', async () => {
    const errors: string[] = [];
    const bus = new LocalEventBus({ log: { ...silentLog, error: (m) => errors.push(m) }, baseDelayMs: 1, maxAttempts: 2 });
    bus.route('EC2 Command Status-change Notification', async () => { throw new Error('always'); });

    bus.publish(event());
    await bus.close();

    expect(bus.history()[0]).toMatchObject({ ok: false, attempts: 2, error: 'always' });
    expect(errors[0]).toMatch(/dropped after 2 deliveries/);
    bus.publish(event());
    await bus.drain();
    expect(bus.history()).toHaveLength(1);
  });
});
