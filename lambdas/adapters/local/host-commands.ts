// The embedded engine's HostCommands: runs the project's SSM documents on this machine the way the SSM agent
// would (parameters checked by the document, passed only as SSM_<Name> variables, execution timeout, output
// tail) and announces completion as the same "EC2 Command Status-change Notification" event on the bus.
import type { AgentInventory } from '../../core/agent-version';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { NotFoundError, ValidationError } from '../../core/errors';
import { environmentFor, executionTimeoutSeconds, scriptOf, stepParameters, type CommandDocument } from '../../core/documents';
import { loadDocument } from '../documents-dir';
import { ssmCommandStatusEvent, type EventBus, type SsmCommandStatusDetail } from '../../core/events';
import type { CommandStep } from '../../core/schemas';
import type { Clock, CommandOutcome, HostCommands, SendCommandRequest } from '../../ports';

/** SSM keeps the last 24,000 characters of a command's output in the console and API. */
export const OUTPUT_LIMIT = 24_000;
/** How long to wait for output pipes after the shell exits, in case a stray background process holds them. */
const PIPE_DRAIN_MS = 500;
/** Finished commands kept for outcome(); a long-lived `runbook serve` must not grow without bound. */
const KEEP_FINISHED = 1000;

export interface LocalHostCommandsOptions {
  documentsDir: string;
  /** The demo host's root, exposed to scripts as RUNBOOK_HOST_ROOT and used as their working directory. */
  hostRoot: string;
  bus: EventBus;
  clock: Clock;
  /** Extra variables for every script (SSM_* names are reserved for parameters and ignored here). */
  env?: Record<string, string>;
}

interface CommandRun {
  id: string;
  documentName: string;
  parameters: Record<string, string[]>;
  requestedAt: Date;
  expireAfter: Date;
  status: CommandOutcome['status'];
  exitCode?: number;
  stdout: string;
  stderr: string;
  /** Characters dropped from the front of each stream to keep memory bounded. */
  dropped: { stdout: number; stderr: number };
  child?: ChildProcess;
  timer?: NodeJS.Timeout;
  drainTimer?: NodeJS.Timeout;
  timedOut: boolean;
  /** Set by cancel(): the end is Cancelled, not Failed. */
  cancelled?: boolean;
  finished: boolean;
  done: Promise<void>;
  resolveDone: () => void;
}

export { documentNames } from '../documents-dir';

export class LocalHostCommands implements HostCommands {
  private readonly documentsDir: string;
  private readonly hostRoot: string;
  private readonly bus: EventBus;
  private readonly clock: Clock;
  private readonly extraEnv: Record<string, string>;
  private readonly documents = new Map<string, CommandDocument>();
  private readonly runs = new Map<string, CommandRun>();
  private closed = false;

  constructor(options: LocalHostCommandsOptions) {
    this.documentsDir = resolve(options.documentsDir);
    this.hostRoot = resolve(options.hostRoot);
    this.bus = options.bus;
    this.clock = options.clock;
    this.extraEnv = Object.fromEntries(Object.entries(options.env ?? {}).filter(([k]) => !k.startsWith('SSM_')));
  }

  async send(request: SendCommandRequest): Promise<{ commandId: string }> {
    if (this.closed) throw new Error('LocalHostCommands is closed');
    // The local runner can only reach this machine; a tag or instance target run here would hit the wrong host.
    if (request.targets.kind !== 'local') {
      throw new ValidationError(`targets: the local runner only runs on this machine (kind local), not ${request.targets.kind}`,
        [{ path: 'targets', message: `kind ${request.targets.kind} needs the SSM adapter` }]);
    }
    const name = request.step.document;
    const doc = this.load(name);
    const params = stepParameters(name, doc, request.step);
    // What the agent would be told: the document's executionTimeout (filled from the step's timeoutSeconds).
    const timeoutSeconds = executionTimeoutSeconds(params, request.step.timeoutSeconds);
    const requestedAt = this.clock.now();
    const run = this.newRun(name, params, requestedAt, timeoutSeconds);
    this.start(run, scriptOf(doc), environmentFor(doc, params), timeoutSeconds);
    return { commandId: run.id };
  }

  async validate(step: CommandStep): Promise<Record<string, string>> {
    return stepParameters(step.document, this.load(step.document), step);
  }

  async outcome(commandId: string): Promise<CommandOutcome> {
    const run = this.runs.get(commandId);
    if (!run) throw new NotFoundError(`no command ${commandId}`);
    const stdout = tail(run.stdout);
    const stderr = tail(run.stderr);
    const outcome: CommandOutcome = { status: run.status, stdout: stdout.text, stderr: stderr.text };
    if (run.exitCode !== undefined) outcome.exitCode = run.exitCode;
    const dropped = { stdout: run.dropped.stdout + stdout.dropped, stderr: run.dropped.stderr + stderr.dropped };
    const streams = (['stdout', 'stderr'] as const).filter((s) => dropped[s] > 0);
    if (streams.length > 0) {
      outcome.truncated = {
        streams,
        note: `output truncated: ${streams.map((s) => `the first ${dropped[s]} characters of ${s}`).join(' and ')} were dropped (the local runner keeps the last ${OUTPUT_LIMIT} of each)`,
      };
    }
    return outcome;
  }

  /** No SSM Agent runs the documents here: this engine sets SSM_<Name> itself (core/documents.ts documentEnv). */
  async agents(): Promise<AgentInventory> {
    return { applicable: false, reason: 'not applicable: the embedded engine runs the documents on this machine and sets their SSM_<Name> variables itself (no SSM Agent)' };
  }

  /** Kills the command's whole process group; its end is published as Cancelled. */
  async cancel(commandId: string): Promise<{ cancelled: boolean }> {
    const run = this.runs.get(commandId);
    if (!run || run.finished) return { cancelled: false };
    run.cancelled = true;
    killGroup(run.child, 'SIGKILL');
    await run.done;
    return { cancelled: true };
  }

  /** Kills every command still running (its whole process group) and waits for them to end; no events follow. */
  async close(): Promise<void> {
    this.closed = true;
    const running = [...this.runs.values()].filter((r) => !r.finished);
    for (const run of running) killGroup(run.child, 'SIGKILL');
    await Promise.all(running.map((r) => r.done));
  }

  private load(name: string): CommandDocument {
    const cached = this.documents.get(name);
    if (cached) return cached;
    const doc = loadDocument(this.documentsDir, name);
    this.documents.set(name, doc);
    return doc;
  }

  private newRun(documentName: string, params: Record<string, string>, requestedAt: Date, timeoutSeconds: number): CommandRun {
    let resolveDone: () => void = () => undefined;
    const done = new Promise<void>((r) => { resolveDone = r; });
    const run: CommandRun = {
      id: randomUUID(), documentName,
      parameters: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, [v]])),
      requestedAt, expireAfter: new Date(requestedAt.getTime() + timeoutSeconds * 1000),
      status: 'InProgress', stdout: '', stderr: '', dropped: { stdout: 0, stderr: 0 }, timedOut: false, finished: false, done, resolveDone,
    };
    this.runs.set(run.id, run);
    return run;
  }

  private start(run: CommandRun, script: string, ssmEnv: Record<string, string>, timeoutSeconds: number): void {
    // Only what the agent would provide: no secrets or settings leak from this process into host scripts.
    const env: Record<string, string> = {
      PATH: `${dirname(process.execPath)}:${process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin'}`,
      HOME: process.env.HOME ?? this.hostRoot,
      ...this.extraEnv,
      RUNBOOK_HOST_ROOT: this.hostRoot,
      ...ssmEnv,
    };
    let child: ChildProcess;
    try {
      // detached: the script leads its own process group, so a timeout can kill everything it started.
      child = spawn('bash', ['-c', script], { cwd: this.hostRoot, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      run.stderr = `failed to start: ${(err as Error).message}`;
      setImmediate(() => this.finish(run, undefined));
      return;
    }
    run.child = child;
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => { append(run, 'stdout', chunk); });
    child.stderr?.on('data', (chunk: string) => { append(run, 'stderr', chunk); });
    run.timer = setTimeout(() => {
      run.timedOut = true;
      killGroup(child, 'SIGKILL');
    }, timeoutSeconds * 1000);

    let exitCode: number | undefined;
    child.on('error', (err) => {
      append(run, 'stderr', `failed to run: ${err.message}\n`);
      this.finish(run, undefined);
    });
    child.on('exit', (code) => {
      exitCode = code ?? undefined;
      // 'close' waits for the pipes; a background process that kept them open must not hold the command forever.
      run.drainTimer = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        this.finish(run, exitCode);
      }, PIPE_DRAIN_MS);
    });
    child.on('close', () => this.finish(run, exitCode));
  }

  private finish(run: CommandRun, exitCode: number | undefined): void {
    if (run.finished) return;
    run.finished = true;
    clearTimeout(run.timer);
    clearTimeout(run.drainTimer);
    run.child = undefined;
    if (run.timedOut) {
      run.status = 'TimedOut';
      append(run, 'stderr', `\nExecution timed out: killed after ${Math.round((run.expireAfter.getTime() - run.requestedAt.getTime()) / 1000)} s\n`);
    } else if (this.closed || run.cancelled) {
      run.status = 'Cancelled';
    } else {
      run.status = exitCode === 0 ? 'Success' : 'Failed';
    }
    if (exitCode !== undefined) run.exitCode = exitCode;
    run.resolveDone();
    this.evictOldFinished();
    if (this.closed) return;
    const detail: SsmCommandStatusDetail = {
      'command-id': run.id,
      'document-name': run.documentName,
      'expire-after': run.expireAfter.toISOString(),
      parameters: run.parameters,
      'requested-date-time': run.requestedAt.toISOString(),
      status: run.status as SsmCommandStatusDetail['status'],
    };
    // Always after send() has returned and outside the child's event handlers, as EventBridge delivery would be.
    setImmediate(() => {
      try {
        this.bus.publish(ssmCommandStatusEvent(detail, this.clock.now()));
      } catch (err) {
        console.error(`publishing the status of command ${run.id} failed: ${(err as Error).message}`);
      }
    });
  }

  private evictOldFinished(): void {
    let excess = [...this.runs.values()].filter((r) => r.finished).length - KEEP_FINISHED;
    // Map iteration is insertion order, so the oldest commands go first.
    for (const [id, run] of this.runs) {
      if (excess <= 0) break;
      if (run.finished) { this.runs.delete(id); excess -= 1; }
    }
  }
}

function killGroup(child: ChildProcess | undefined, signal: NodeJS.Signals): void {
  if (!child?.pid) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

// Bounded memory for chatty scripts: trim in large steps, counting what was dropped so the outcome can say so.
function append(run: CommandRun, stream: 'stdout' | 'stderr', chunk: string): void {
  const text = run[stream] + chunk;
  if (text.length > 2 * OUTPUT_LIMIT) {
    run.dropped[stream] += text.length - OUTPUT_LIMIT;
    run[stream] = text.slice(-OUTPUT_LIMIT);
  } else {
    run[stream] = text;
  }
}

/** Exactly the last OUTPUT_LIMIT characters, and how many more were cut here. */
function tail(text: string): { text: string; dropped: number } {
  return text.length > OUTPUT_LIMIT ? { text: text.slice(-OUTPUT_LIMIT), dropped: text.length - OUTPUT_LIMIT } : { text, dropped: 0 };
}
