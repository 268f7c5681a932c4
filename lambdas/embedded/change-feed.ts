// The embedded store's writes as a feed: the DynamoDB store tells it each change record, event, approval or report
// it wrote (DynamoChangeStoreOptions.onWritten), and `GET /events` streams what it hears to the console pages — a
// push from where the records are written, no polling.
import type { ChangeWrite } from '../adapters/dynamodb/change-store';

export type ChangeWriteListener = (write: ChangeWrite) => void;

export class ChangeFeed {
  private readonly listeners = new Set<ChangeWriteListener>();

  /** Returns the call that stops listening. */
  subscribe(listener: ChangeWriteListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  get size(): number {
    return this.listeners.size;
  }

  publish(write: ChangeWrite): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(write);
      } catch {
        // One broken stream must not keep the others from hearing it.
      }
    }
  }
}
