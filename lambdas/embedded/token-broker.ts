// The embedded engine's .waitForTaskToken: tokens issued per waiting Task, settled by the same two
// calls Step Functions offers (SendTaskSuccess / SendTaskFailure). Implements the Callbacks port.
import { randomBytes } from 'node:crypto';
import type { Callbacks } from '../ports';

/** The error a waiting Task fails with: its name is what the ASL's ErrorEquals sees. */
export class TaskFailure extends Error {
  constructor(name: string, cause: string) {
    super(cause);
    this.name = name;
  }
}

interface Pending {
  executionId: string;
  resolve: (output: unknown) => void;
  reject: (err: Error) => void;
}

export class TokenBroker implements Callbacks {
  private readonly pending = new Map<string, Pending>();

  /** A fresh token and the promise the Task awaits. */
  issue(executionId: string): { token: string; result: Promise<unknown> } {
    const token = `local-token-${randomBytes(24).toString('base64url')}`;
    const result = new Promise<unknown>((resolve, reject) => {
      this.pending.set(token, { executionId, resolve, reject });
    });
    // A Task that was aborted no longer awaits its token: settling it then must not be an unhandled rejection.
    result.catch(() => undefined);
    return { token, result };
  }

  async sendTaskSuccess(token: string, output: unknown): Promise<boolean> {
    const p = this.take(token);
    if (!p) return false;
    // Step Functions hands the task the JSON it was sent, not a live object.
    p.resolve(JSON.parse(JSON.stringify(output ?? {})));
    return true;
  }

  async sendTaskFailure(token: string, error: string, cause: string): Promise<boolean> {
    const p = this.take(token);
    if (!p) return false;
    p.reject(new TaskFailure(error, cause));
    return true;
  }

  /** Settles every token an execution still holds (its run ended or was aborted), so no timer outlives it. */
  cancelExecution(executionId: string, reason = 'execution ended'): number {
    let n = 0;
    for (const [token, p] of this.pending) {
      if (p.executionId !== executionId) continue;
      this.pending.delete(token);
      p.reject(new TaskFailure('States.Runtime', reason));
      n += 1;
    }
    return n;
  }

  outstanding(executionId?: string): number {
    return [...this.pending.values()].filter((p) => executionId === undefined || p.executionId === executionId).length;
  }

  private take(token: string): Pending | undefined {
    const p = this.pending.get(token);
    if (p) this.pending.delete(token);
    return p;
  }
}
