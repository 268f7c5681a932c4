// Test harness for host commands: a recording event bus, request builders, and "send and wait for the
// status event" so tests read like the workflow uses the port (send, then react to the event).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { EventBridgeEvent, EventBus, SsmCommandStatusEvent } from '../../../lambdas/core/events';
import type { CommandOutcome, HostCommands, SendCommandRequest } from '../../../lambdas/ports';

export class RecordingBus implements EventBus {
  readonly events: SsmCommandStatusEvent[] = [];
  private readonly waiters = new Map<string, (e: SsmCommandStatusEvent) => void>();

  publish(event: EventBridgeEvent): void {
    const e = event as SsmCommandStatusEvent;
    this.events.push(e);
    this.waiters.get(e.detail['command-id'])?.(e);
  }

  waitFor(commandId: string, timeoutMs = 60_000): Promise<SsmCommandStatusEvent> {
    const seen = this.events.find((e) => e.detail['command-id'] === commandId);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no status event for ${commandId} within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.set(commandId, (e) => { clearTimeout(timer); resolve(e); });
    });
  }
}

export function commandRequest(document: string, parameters: Record<string, string>, timeoutSeconds = 60): SendCommandRequest {
  return {
    changeId: 'CR-2025-001', attempt: 1, comment: `test ${document}`, targets: { kind: 'local' },
    step: { name: 'test-step', document, parameters, timeoutSeconds },
  };
}

export interface Finished {
  commandId: string;
  event: SsmCommandStatusEvent;
  outcome: CommandOutcome;
  /** The script's last stdout line parsed as JSON (the documents' result contract). */
  result: Record<string, unknown>;
}

export async function runToEnd(hosts: HostCommands, bus: RecordingBus, document: string, parameters: Record<string, string>, timeoutSeconds = 60): Promise<Finished> {
  const { commandId } = await hosts.send(commandRequest(document, parameters, timeoutSeconds));
  const event = await bus.waitFor(commandId, (timeoutSeconds + 10) * 1000);
  const outcome = await hosts.outcome(commandId);
  const last = outcome.stdout.trimEnd().split('\n').pop() ?? '';
  let result: Record<string, unknown> = {};
  try {
    result = JSON.parse(last) as Record<string, unknown>;
  } catch {
    // Not every failure gets as far as its JSON line; tests that need it assert on it.
  }
  return { commandId, event, outcome, result };
}

/** Alive as the kernel sees it: zombies (never reaped when PID 1 does not reap) do not count. */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = /\) (\S)/.exec(stat.slice(stat.lastIndexOf(')')))?.[1];
    return state !== undefined && state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Command lines of every running process that mention `text` (for "nothing left behind" checks). */
export function processesMentioning(text: string): string[] {
  const out = execFileSync('ps', ['-eo', 'stat=,args='], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes(text) && !l.trimStart().startsWith('Z') && !l.includes('ps -eo'));
}
