// What the control plane stores about a change: the record, its append-only events, approvals,
// callback tokens, host-command records and reports. Pure types and small pure helpers.
import type { ChangeRequest, EnvironmentProfile } from './schemas';
import type { RiskAssessment } from './risk';

export const STATUSES = [
  'SUBMITTED', 'PREFLIGHT', 'PREFLIGHT_FAILED', 'AWAITING_APPROVAL', 'REJECTED', 'SCHEDULED', 'BLOCKED',
  'ACTING', 'MONITORING', 'TESTING', 'REPORTING', 'COMPLETED',
  'ROLLING_BACK', 'ROLLED_BACK', 'MANUAL_INTERVENTION', 'CANCELLED', 'FAILED', 'INTERRUPTED',
] as const;
export type ChangeStatus = (typeof STATUSES)[number];

/**
 * Statuses after which nothing runs for the change and it never moves again. All release the environment lock
 * except MANUAL_INTERVENTION, which keeps it: the environment is in an unknown state until an operator has looked.
 */
export const FINAL_STATUSES: readonly ChangeStatus[] = ['PREFLIGHT_FAILED', 'REJECTED', 'BLOCKED', 'COMPLETED', 'MANUAL_INTERVENTION', 'CANCELLED', 'FAILED'];

/**
 * From ACT on the environment may be half-changed: a change interrupted in one of these statuses is rolled back
 * (or held, locked) by the next embedded start, never freed as it is.
 */
export const AFTER_ACT_BEGAN: readonly ChangeStatus[] = ['ACTING', 'MONITORING', 'TESTING', 'REPORTING', 'ROLLING_BACK'];

export type Phase = 'SUBMIT' | 'PREFLIGHT' | 'PLAN' | 'ACT' | 'TEST' | 'REPORT' | 'ROLLBACK';

export const ROLES = ['technical', 'business', 'security', 'executive'] as const;
export type ApprovalRole = (typeof ROLES)[number];

export interface ChangeRecord {
  id: string;
  environment: string;
  title: string;
  requester: string;
  /** The authenticated caller who submitted the change (operator name or IAM principal ARN): never an approver of it. */
  submittedBy?: string;
  status: ChangeStatus;
  phase: Phase;
  /** 1 for the first execution; a rollback returns the change to PLAN and the next attempt is attempt + 1. */
  attempt: number;
  maxAttempts: number;
  /** Optimistic-concurrency version: every update is conditional on it. */
  version: number;
  request: ChangeRequest;
  /** The profile as it was when the change was submitted. */
  profile: EnvironmentProfile;
  risk: RiskAssessment;
  requiredApprovals: ApprovalRole[];
  /** SHA-256 of the canonical submitted body: the same id with the same body is the same change. */
  bodyHash: string;
  executionName: string;
  createdAt: string;
  updatedAt: string;
  /** Why the change is in its current status (failure cause, reject comment…). */
  reason?: string;
  /** Set once an operator asked to cancel: every phase honours it at its next step (see lambdas/phases/cancel.ts). */
  cancelRequest?: CancelRequest;
  /**
   * INTERRUPTED (the embedded process running it stopped or died; not final, the environment stays locked): the
   * status it was in, which says how the next start resumes it (see lambdas/phases/resume.ts).
   */
  interruptedFrom?: ChangeStatus;
  /**
   * How many executions resumed this attempt after an interruption (`<id>-<attempt>-r<n>`). Host-command slots are
   * per resume: a command sent by a process that died never completes, so the resumed run sends its own.
   */
  resumes?: number;
  /**
   * Set when a rollback alarm went into ALARM between Act Begin and the end of TEST: the attempt it happened in
   * rolls back at its next step (the next ACT step is refused, TEST stops), as a cancel would.
   */
  alarmRollback?: AlarmRollbackRequest;
}

export interface AlarmRollbackRequest {
  attempt: number;
  alarmName: string;
  reason: string;
  at: string;
}

export interface CancelRequest {
  by: string;
  at: string;
  reason: string | null;
}

/** The cause recorded when a change is cancelled. */
export function cancelCause(request: CancelRequest): string {
  return `cancelled by ${request.by}${request.reason ? `: ${request.reason}` : ''}`;
}

export interface ChangeEvent {
  changeId: string;
  attempt: number;
  /** ISO time; events sort by it, then by id. */
  at: string;
  id: string;
  actor: string;
  type: string;
  phase?: Phase;
  status?: ChangeStatus;
  message: string;
  data?: Record<string, unknown>;
  /** The hash chain (core/audit.ts), set by the store on append: 1, 2, 3… per change; absent only on events recorded before chaining. */
  seq?: number;
  /** The previous event's hash; for seq 1, the change's bodyHash. */
  prevHash?: string;
  /** SHA-256 of this event's canonical content (every field but this one). */
  hash?: string;
}

export interface Approval {
  changeId: string;
  attempt: number;
  role: ApprovalRole;
  decision: 'approve' | 'reject';
  /** From the authenticated caller, never from a request body. */
  approver: string;
  comment?: string;
  at: string;
}

export type CallbackKind = 'approval' | 'monitor' | 'command';

/** A Step Functions task token parked until something completes it. */
export interface CallbackRecord {
  key: string;
  kind: CallbackKind;
  changeId: string;
  attempt: number;
  token: string;
  createdAt: string;
  /** Set when the window timer closed before the watch was armed. */
  closed?: boolean;
  data?: Record<string, unknown>;
}

export type CommandStatus = 'Pending' | 'InProgress' | 'Success' | 'Failed' | 'TimedOut' | 'Cancelled';

export interface CommandRecord {
  commandId: string;
  changeId: string;
  attempt: number;
  phase: Phase;
  stepName: string;
  document: string;
  parameters: Record<string, string>;
  status: CommandStatus;
  /** The task token of the waiting state (kept here because SendCommand's comment is too short for one). */
  taskToken?: string;
  requestedAt: string;
  finishedAt?: string;
  exitCode?: number;
  /** The tail of the command's output. */
  output?: string;
  /** The JSON object the document printed on its last line, if any. */
  result?: Record<string, unknown>;
}

export interface StoredReport {
  changeId: string;
  attempt: number;
  outcome: string;
  createdAt: string;
  report: unknown;
  qcSummary: string;
  /** The change's hash-chained record as it stood when the report was written: its head to keep elsewhere. */
  record?: { verified: true; events: number; headSeq: number; headHash: string } | { verified: false; events: number; failure: string };
}

/** One scheduled pre-flight check of an environment (kept as history; TTL on AWS). */
export interface CheckResult {
  environment: string;
  id: string;
  at: string;
  passed: boolean;
  durationMs: number;
  checks: { name: string; status: 'PASS' | 'FAIL'; details: string; result?: Record<string, unknown> }[];
  /** The profile's change freezes that start or run within the next UPCOMING_FREEZE_DAYS days, earliest first. */
  upcomingFreezes?: { name: string; reason: string; start: string; end: string }[];
}

/** A scheduled check that did not run: a change was working on the environment's hosts (ACT to REPORT). */
export interface CheckSkipped {
  environment: string;
  at: string;
  skipped: true;
  changeId: string;
  changeStatus: ChangeStatus;
  reason: string;
}

/** The change id a scheduled check's commands are recorded under (never a CR-YYYY-NNN change id). */
export const checkChangeId = (environment: string): string => `CHECK-${environment}`;
export const isCheckChangeId = (changeId: string): boolean => changeId.startsWith('CHECK-');

export function callbackKey(kind: CallbackKind, changeId: string, attempt: number, suffix = ''): string {
  return `${kind}#${changeId}#${attempt}${suffix ? `#${suffix}` : ''}`;
}

/** Execution name of an attempt: the change id for the first one, `<id>-<attempt>` after that. */
export function executionNameFor(changeId: string, attempt: number): string {
  return attempt <= 1 ? changeId : `${changeId}-${attempt}`;
}

/** Execution name of the n-th resume of an attempt (a rollback-only run or a wait resumed): `<id>-<attempt>-r<n>`. */
export function resumeExecutionName(changeId: string, attempt: number, resume: number): string {
  return `${changeId}-${attempt}-r${resume}`;
}
