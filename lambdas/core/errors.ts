// Named errors. The state machine routes on `name` (ASL ErrorEquals lists these); none starts with "States.".

export class RunbookError extends Error {
  override name = 'RunbookError';
}

export interface FieldIssue { path: string; message: string }

/** Bad input: the message and `issues` name every offending field path. */
export class ValidationError extends RunbookError {
  override name = 'ValidationError';
  constructor(message: string, readonly issues: FieldIssue[]) { super(message); }
}

export class NotFoundError extends RunbookError { override name = 'NotFoundError'; }
/** A write lost a race or hit an existing record that differs. */
export class ConflictError extends RunbookError { override name = 'ConflictError'; }
/** Worth retrying: the ASL Retry lists it. */
export class TransientError extends RunbookError { override name = 'TransientError'; }

/** Pre-flight: a check failed before anything was touched. */
export class PreflightCheckFailed extends RunbookError { override name = 'PreflightCheckFailed'; }
/** PLAN: an approver rejected the change. */
export class ChangeRejected extends RunbookError { override name = 'ChangeRejected'; }
/** PLAN: a rollback alarm is already in ALARM, so the change must not start. */
export class AlarmActive extends RunbookError { override name = 'AlarmActive'; }
/** PLAN: a rollback alarm does not exist, so nothing would watch the change: it must not start. */
export class AlarmMissing extends RunbookError { override name = 'AlarmMissing'; }
/** PLAN: a rollback alarm's metric has no recent datapoint: the alarm is blind, nothing would be watching the change. */
export class AlarmNoData extends RunbookError { override name = 'AlarmNoData'; }
/** Monitoring window: the rollback alarms' states could not be read, even after bounded retries: roll back. */
export class AlarmReadFailed extends RunbookError { override name = 'AlarmReadFailed'; }
/** ACT/ROLLBACK: a host command ended in failure, timed out or was cancelled. */
export class HostCommandFailed extends RunbookError { override name = 'HostCommandFailed'; }
/** Monitoring window: a rollback alarm fired. */
export class AlarmTriggered extends RunbookError { override name = 'AlarmTriggered'; }
/** Monitoring window: the closing timer ran before the watch was armed (retried by the ASL). */
export class MonitorNotArmed extends RunbookError { override name = 'MonitorNotArmed'; }
/** TEST: a smoke test failed. */
export class SmokeTestsFailed extends RunbookError { override name = 'SmokeTestsFailed'; }
/** TEST: the load test breached the p95 or error-rate threshold. */
export class PerformanceRegression extends RunbookError { override name = 'PerformanceRegression'; }
/** An operator cancelled the change. */
export class ChangeCancelled extends RunbookError { override name = 'ChangeCancelled'; }
/** The caller may not do this (self-approval, a role it does not hold). */
export class ForbiddenError extends RunbookError { override name = 'ForbiddenError'; }
/** A host-command step that must not run now (its phase is over, or an earlier step failed). */
export class StepRefused extends RunbookError { override name = 'StepRefused'; }
