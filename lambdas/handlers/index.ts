// The handler modules by function: the embedded engine calls these in-process, Lambda wraps the same ones.
import type { PhaseFunction } from '../core/workflow';
import type { Deps } from '../ports';
import { handle as act } from './act';
import { handle as alarm } from './alarm';
import { handle as commandStatus } from './command-status';
import { handle as plan } from './plan';
import { handle as preflight } from './preflight';
import { handle as report } from './report';
import { handle as rollback } from './rollback';
import { handle as test } from './test';

export type Handle = (event: unknown, deps: Deps) => Promise<unknown>;

export const PHASE_HANDLERS: Record<PhaseFunction, Handle> = {
  Preflight: preflight, Plan: plan, Act: act, Test: test, Report: report, Rollback: rollback,
};

export const EVENT_HANDLERS = {
  'EC2 Command Status-change Notification': commandStatus,
  'CloudWatch Alarm State Change': alarm,
} as const satisfies Record<string, Handle>;
