// Ports: everything the phase logic needs from the outside world. Each engine supplies adapters
// (AWS: DynamoDB, SSM, CloudWatch, SFN, SNS; embedded: dynalite, local documents, probe, token broker).
import type { Approval, CallbackRecord, ChangeEvent, ChangeRecord, ChangeStatus, CheckResult, CommandRecord, StoredReport } from './core/records';
import type { AgentInventory } from './core/agent-version';
import type { CommandStep, EnvironmentProfile, HttpCheck, LoadCheck } from './core/schemas';

export interface ChangeStore {
  /** Conditional put: `created: false` with the existing record when the id is taken. */
  createChange(change: ChangeRecord): Promise<{ created: true } | { created: false; existing: ChangeRecord }>;
  getChange(id: string): Promise<ChangeRecord | undefined>;
  /** Conditional on `expectedVersion`; bumps the version. Throws ConflictError when it moved, NotFoundError when absent. */
  updateChange(id: string, expectedVersion: number, patch: Partial<Omit<ChangeRecord, 'id' | 'version'>>): Promise<ChangeRecord>;
  listChanges(filter?: { status?: ChangeStatus; environment?: string }): Promise<ChangeRecord[]>;
  /**
   * One page of changes, newest first (created time, then id, descending), strictly after `after`. Bounded: at most
   * `limit` changes returned and at most CHANGE_PAGE_EXAMINED changes read, however many match; `next` (where the
   * next page starts) is set whenever more may follow.
   */
  listChangesPage(filter: { status?: ChangeStatus; environment?: string }, page: { limit: number; after?: ChangeCursor }): Promise<{ changes: ChangeRecord[]; next?: ChangeCursor }>;

  /**
   * Appends the next link of the change's hash chain (core/audit.ts): the next sequence number, the previous event's
   * hash (the change's bodyHash for the first) and the event's own hash. Concurrent appends never fork the chain: a
   * sequence number is taken by one conditional write, and the loser re-reads the head and tries again.
   * NotFoundError when the change does not exist (there is no body hash to chain to).
   */
  appendEvent(event: Omit<ChangeEvent, 'id' | 'seq' | 'prevHash' | 'hash'>): Promise<ChangeEvent>;
  /** In time order (ties: sequence, then id). */
  listEvents(changeId: string): Promise<ChangeEvent[]>;

  /** One approval per (change, attempt, person — core/identity personOf); a repeat, in whatever role, returns the existing one. */
  putApproval(approval: Approval): Promise<{ created: boolean; existing?: Approval }>;
  listApprovals(changeId: string, attempt: number): Promise<Approval[]>;

  /** One active change per environment. */
  acquireLock(environment: string, changeId: string): Promise<{ acquired: true } | { acquired: false; holder: string }>;
  /** The change holding the environment's lock (one strongly consistent read of the lock item), if any. */
  lockHolder(environment: string): Promise<string | undefined>;
  /** Only the holder releases; releasing a lock not held is a no-op. */
  releaseLock(environment: string, changeId: string): Promise<void>;

  putCallback(record: CallbackRecord): Promise<void>;
  getCallback(key: string): Promise<CallbackRecord | undefined>;
  /** Conditional create: false when a record with that key already exists. */
  createCallback(record: CallbackRecord): Promise<boolean>;
  deleteCallback(key: string): Promise<void>;

  putCommand(command: CommandRecord): Promise<void>;
  getCommand(commandId: string): Promise<CommandRecord | undefined>;
  listCommands(changeId: string, attempt?: number): Promise<CommandRecord[]>;

  putReport(report: StoredReport): Promise<void>;
  /** The latest attempt's report when `attempt` is omitted. */
  getReport(changeId: string, attempt?: number): Promise<StoredReport | undefined>;

  putCheckResult(result: CheckResult): Promise<void>;
  /** Newest first. */
  listCheckResults(environment: string, limit: number): Promise<CheckResult[]>;
}

/** A position in the newest-first listing of changes: the last change of a page. */
export interface ChangeCursor { createdAt: string; id: string }

/** How many changes one listing page may read at most when a filter skips most of them (DynamoDB and memory alike). */
export const CHANGE_PAGE_EXAMINED = 500;

/** Custom metrics (CloudWatch EMF on AWS, a JSON-lines file locally). */
export interface MetricsPublisher {
  publish(name: string, value: number, unit: 'Count' | 'Milliseconds', dimensions: Record<string, string>): Promise<void>;
}

export interface SendCommandRequest {
  changeId: string;
  attempt: number;
  step: CommandStep;
  targets: EnvironmentProfile['targets'];
  comment: string;
}

export interface CommandOutcome {
  status: 'InProgress' | 'Success' | 'Failed' | 'TimedOut' | 'Cancelled';
  /** How many hosts it ran on, where the engine can tell; 0 means it reached none (targets matched nothing). */
  instances?: number;
  exitCode?: number;
  /** The document's result: its documents print only one JSON line here (progress goes to stderr). */
  stdout: string;
  /** The document's progress lines and errors. */
  stderr: string;
  /**
   * Set when the engine kept only part of a stream (SSM's GetCommandInvocation returns the first 24,000 characters of
   * stdout and the first 8,000 of stderr; the local runner keeps the last 24,000 of each): which streams, and a
   * sentence for operators saying what was cut and where the full output is.
   */
  truncated?: { streams: ('stdout' | 'stderr')[]; note: string };
  /**
   * A command that did not succeed everywhere: how many hosts did not (from the command's own counts on AWS) and the
   * ids of those the engine listed, at most a bounded few per status (SSM: 50 a page), so the figure stays small on a
   * large fleet. The count is a lower bound only for a cancelled command with more cancelled hosts than listed (SSM
   * counts failures and time-outs, not cancellations).
   */
  notSucceeded?: { count: number; instanceIds: string[] };
}

export interface HostCommands {
  /**
   * Sends one of the project's documents. Parameters are validated against the document's allowedPattern
   * (ValidationError naming the parameter otherwise). Completion is announced as an SSM
   * "EC2 Command Status-change Notification" event, not returned here.
   */
  send(request: SendCommandRequest): Promise<{ commandId: string }>;
  outcome(commandId: string): Promise<CommandOutcome>;
  /**
   * What send would refuse, without sending: the document exists and the parameters fit it (ValidationError).
   * Returns the parameters as send would pass them (the document's defaults filled, executionTimeout from the step).
   */
  validate(step: CommandStep): Promise<Record<string, string>>;
  /**
   * Stops a command still running on its hosts (SSM CancelCommand; the local runner kills it). Its end is announced
   * as usual, with status Cancelled. `cancelled: false` when it had already ended.
   */
  cancel(commandId: string): Promise<{ cancelled: boolean }>;
  /**
   * The SSM Agents of these targets (DescribeInstanceInformation on AWS), for PRE-FLIGHT's version check
   * (core/agent-version.ts); `applicable: false` where no agent runs the documents (the embedded engine).
   */
  agents(targets: SendCommandRequest['targets']): Promise<AgentInventory>;
}

export type AlarmStateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export interface Alarms {
  /** `missing: true` for a name with no such alarm: nothing would watch the change. */
  states(alarmNames: string[]): Promise<{ name: string; state: AlarmStateValue; reason: string; missing?: boolean }[]>;
  /**
   * The newest datapoint each alarm's metric received within the last `lookbackSeconds` (CloudWatch: GetMetricData
   * over the alarm's metric; locally: the probe's samples). `newestAt` undefined: no recent data, the alarm is blind.
   */
  newestDatapoints(alarmNames: string[], lookbackSeconds: number): Promise<AlarmDataRecency[]>;
}

export interface AlarmDataRecency {
  name: string;
  /** ISO time of the newest datapoint in the lookback; undefined when there was none. */
  newestAt?: string;
  /** No such alarm. */
  missing?: boolean;
}

export interface MetricsSnapshot {
  at: string;
  /** Over the last `windowSeconds`. Undefined when there were no samples. */
  p95Ms?: number;
  errorRate?: number;
  requests: number;
  windowSeconds: number;
  cpuPercent?: number;
  memoryPercent?: number;
}

/** One alarm period's figures (the console's monitoring chart). */
export interface MetricsPeriod {
  /** The period's start. */
  at: string;
  requests: number;
  /** Undefined when the period had no samples. */
  p95Ms?: number;
  errorRate?: number;
}

export interface Metrics {
  snapshot(windowSeconds: number): Promise<MetricsSnapshot>;
  /**
   * The last `windowSeconds` per alarm period, oldest first (bounded: the newest few hundred periods). Optional: an
   * adapter that cannot tell leaves it out and the window's event holds the snapshot only.
   */
  series?(windowSeconds: number): Promise<MetricsPeriod[]>;
}

export interface Callbacks {
  /** False (not an error) when the token was already used or expired. */
  sendTaskSuccess(token: string, output: unknown): Promise<boolean>;
  sendTaskFailure(token: string, error: string, cause: string): Promise<boolean>;
}

export type NotificationKind = 'submitted' | 'approval-needed' | 'rejected' | 'preflight-failed' | 'rollback' | 'rolled-back' | 'completed' | 'manual-intervention' | 'ended';

export interface Notification {
  kind: NotificationKind;
  severity: 'info' | 'warning' | 'critical';
  changeId: string;
  title: string;
  /** Usually the 12-line QC summary. */
  text: string;
  status?: ChangeStatus;
  durationMs?: number;
  operator?: string;
}

export interface Notifier {
  notify(notification: Notification): Promise<void>;
}

export interface Clock {
  now(): Date;
}

export interface ParameterSource {
  /** Which of these names have no value. */
  missing(names: string[]): Promise<string[]>;
  /**
   * The values of these names (decrypted), for the few callers that must send them (TEST's login). A name without
   * a value is absent from the result; callers never store or log what they get.
   */
  values(names: string[]): Promise<Record<string, string>>;
}

export interface SmokeResult {
  name: string;
  suite: HttpCheck['suite'];
  status: 'PASS' | 'FAIL';
  durationMs: number;
  httpStatus?: number;
  details?: string;
  error?: string;
}

/** tests.auth with its credentials resolved: the JSON body the login POST sends. Never stored or logged. */
export interface LoginSpec {
  path: string;
  body: Record<string, string>;
  tokenField: string;
}

export interface LoadSpec {
  virtualUsers: number;
  durationSeconds: number;
  paths: string[];
  /** Each virtual user's pause after a round of its paths (k6's sleep); 0 or absent: no pause. */
  thinkTimeSeconds?: number;
  /** Each virtual user logs in first and sends its token as a Bearer header. */
  login?: LoginSpec;
  /** k6-style checks per path: a request failing its check counts as failed. */
  checks?: LoadCheck[];
}

export interface LoadResult {
  /** Every request sent, the virtual users' logins included (k6's http_reqs). */
  requests: number;
  /** Status >= 400, a failed check, or no answer (k6's http_req_failed, checks included). 3xx is not an error. */
  errors: number;
  errorRate: number;
  /** Latency over every answered request, failed ones included (k6's http_req_duration). */
  avgMs: number;
  p95Ms: number;
  p99Ms: number;
  durationSeconds: number;
  /** Answers that failed a declared check. */
  checksFailed?: number;
  /** Virtual users whose login got no token (they went on without one, as a k6 script would). */
  loginsFailed?: number;
  thinkTimeSeconds?: number;
  /** Stopped before its duration by the caller's AbortSignal. */
  aborted?: boolean;
}

export interface LoadTester {
  /** `login` is what a `login: true` check sends. */
  smoke(baseUrl: string, checks: HttpCheck[], login?: LoginSpec): Promise<SmokeResult[]>;
  /**
   * Runs the load test for its duration, or until `signal` aborts (a rollback alarm during TEST): it then stops sending
   * at once and resolves with what it measured so far (`aborted: true`).
   */
  load(baseUrl: string, spec: LoadSpec, signal?: AbortSignal): Promise<LoadResult>;
}

export interface Logger {
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

/**
 * An execution's input. A new attempt is `{ changeId, attempt }`; a run resumed after an interruption adds `entry`
 * (the ASL's first Choice routes on it) and, for a rollback-only run, the `failure` the rollback reports.
 */
export interface ExecutionInput {
  changeId: string;
  attempt: number;
  entry?: 'rollback' | 'approvals' | 'change-window';
  failure?: { Error: string; Cause?: string };
}

/** Starts an attempt's execution (Step Functions StartExecution; the embedded engine's run). The name makes it idempotent. */
export interface Executions {
  start(name: string, input: ExecutionInput): Promise<{ executionId: string; alreadyStarted: boolean }>;
}

/** One entry of an execution's history, as the console's execution event history shows it (the engine's event types). */
export interface ExecutionHistoryEvent {
  /** ExecutionStarted, StateEntered, StateExited, StateFailed, StateRetried, StateCaught, MapIterationStarted, … */
  type: string;
  /** Epoch milliseconds. */
  timestamp: number;
  stateName?: string;
  /** Task, Map, Parallel, Wait, Choice, Pass, Fail, Succeed. */
  stateType?: string;
  error?: string;
  cause?: string;
  /** For events inside a Map iteration or Parallel branch. */
  parentState?: string;
  /** The host-command step a Map iteration runs. */
  step?: string;
  index?: number;
}

export type ExecutionRunStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';

export interface ExecutionHistory {
  name: string;
  status: ExecutionRunStatus;
  startedAt: string;
  stoppedAt?: string;
  error?: string;
  cause?: string;
  events: ExecutionHistoryEvent[];
}

/**
 * What operators do to a running execution besides starting it (Step Functions StopExecution and
 * GetExecutionHistory; the embedded engine's abort and event log). Kept apart from {@link Executions}: the
 * phase functions never stop or read executions, only the API does.
 */
export interface ExecutionControl {
  /** False when there was nothing running under that name (already ended, or never started). */
  stop(name: string, cause: string): Promise<{ stopped: boolean }>;
  /** Undefined when no execution has that name. */
  history(name: string): Promise<ExecutionHistory | undefined>;
}

/**
 * The active probe of a change on AWS: while a change needs watching (from PLAN's alarm check to its report), a probe
 * function samples the endpoints and publishes the rollback alarms' metrics. The embedded engine has no such port: its
 * probe runs in-process for as long as the engine does.
 */
export interface ActiveProbe {
  /** Starts probing for the attempt (idempotent) and has a first round publish at once. */
  start(run: ProbeRun): Promise<{ scheduleName: string }>;
  /** Stops it; `stopped: false` when nothing was probing for it (already stopped, or never started). */
  stop(changeId: string, attempt: number): Promise<{ stopped: boolean }>;
  /** How long PLAN may wait for the first datapoints after start, and how often it reads them meanwhile. */
  readonly warmup: { seconds: number; pollMs: number };
}

/** What the probe samples for one attempt, and until when at the latest (a lost stop must not probe forever). */
export interface ProbeRun {
  changeId: string;
  attempt: number;
  environment: string;
  baseUrl: string;
  paths: string[];
  concurrency: number;
  intervalMs: number;
  /** ISO time after which nothing probes for this attempt any more. */
  endAt: string;
}

/** One probe request: when it ended, how long it took, whether it failed (status >= 500 or no answer). */
export interface ProbeSample {
  at: number;
  latencyMs: number;
  error: boolean;
}

/** Where the AWS probe function puts its samples: the rollback alarms' metrics (CloudWatch PutMetricData). */
export interface ProbeMetricsSink {
  publish(environment: string, samples: ProbeSample[]): Promise<void>;
}

/** Everything a handler needs; each engine builds one. */
export interface Deps {
  store: ChangeStore;
  hosts: HostCommands;
  alarms: Alarms;
  metrics: Metrics;
  callbacks: Callbacks;
  notifier: Notifier;
  clock: Clock;
  parameters: ParameterSource;
  tester: LoadTester;
  executions: Executions;
  log: Logger;
  /** AWS only (the functions that start or end a watched attempt); the embedded engine's probe runs by itself. */
  activeProbe?: ActiveProbe;
}
