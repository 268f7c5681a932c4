// The embedded engine's EventBridge: routes event JSON by detail-type to the same handlers the AWS
// rules target, asynchronously, retrying a failed delivery with backoff as an async Lambda invoke would.
import type { EventBridgeEvent, EventBus } from '../core/events';
import type { Logger } from '../ports';

export type EventTarget = (event: EventBridgeEvent) => Promise<unknown>;

export interface EventBusOptions {
  log: Logger;
  /** Deliveries per event before it is dropped (EventBridge → Lambda async: 1 + 2 retries). */
  maxAttempts?: number;
  baseDelayMs?: number;
}

export class LocalEventBus implements EventBus {
  private readonly routes = new Map<string, EventTarget[]>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly delivered: { event: EventBridgeEvent; ok: boolean; attempts: number; error?: string }[] = [];
  private closed = false;

  constructor(private readonly options: EventBusOptions) {}

  /** Like an EventBridge rule matching one detail-type. */
  route(detailType: string, target: EventTarget): void {
    this.routes.set(detailType, [...(this.routes.get(detailType) ?? []), target]);
  }

  publish(event: EventBridgeEvent): void {
    if (this.closed) return;
    for (const target of this.routes.get(event['detail-type']) ?? []) {
      const delivery = this.deliver(event, target).finally(() => this.inFlight.delete(delivery));
      this.inFlight.add(delivery);
    }
  }

  /** Waits until every delivery (with its retries) has finished. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Stops accepting events and waits for those in flight. */
  async close(): Promise<void> {
    this.closed = true;
    await this.drain();
  }

  history(): readonly { event: EventBridgeEvent; ok: boolean; attempts: number; error?: string }[] {
    return this.delivered;
  }

  private async deliver(event: EventBridgeEvent, target: EventTarget): Promise<void> {
    const maxAttempts = this.options.maxAttempts ?? 6;
    const base = this.options.baseDelayMs ?? 25;
    await Promise.resolve();
    for (let attempt = 1; ; attempt += 1) {
      try {
        await target(event);
        this.delivered.push({ event, ok: true, attempts: attempt });
        return;
      } catch (err) {
        if (attempt >= maxAttempts) {
          this.delivered.push({ event, ok: false, attempts: attempt, error: (err as Error).message });
          this.options.log.error(`event ${event['detail-type']} ${event.id} dropped after ${attempt} deliveries`, { error: (err as Error).message });
          return;
        }
        await new Promise((r) => setTimeout(r, base * 2 ** (attempt - 1)));
      }
    }
  }
}
