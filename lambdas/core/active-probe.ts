// The active probe of one attempt on AWS: what a probe invocation samples (the payload the schedule and PLAN's first
// invocation send, validated by the probe function), the schedule's name, and how long at most it may run.
import * as z from 'zod';
import type { ProbeRun } from '../ports';
import { CHANGE_ID, type EnvironmentProfile } from './schemas';

/** How long one probe invocation samples: the schedule invokes it once a minute (Scheduler's shortest rate). */
export const PROBE_INVOCATION_SECONDS = 60;
/** Margin after the last expected use (smoke tests, report) before the schedule ends by itself. */
const END_MARGIN_SECONDS = 900;

export const ProbeEventSchema = z.object({
  changeId: z.string().regex(CHANGE_ID),
  attempt: z.number().int().min(1),
  environment: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/),
  baseUrl: z.string().url(),
  paths: z.array(z.string().startsWith('/')).min(1),
  concurrency: z.number().int().min(1).max(50),
  intervalMs: z.number().int().min(50),
  endAt: z.iso.datetime(),
}).strict();

/** Schedule names allow [0-9a-zA-Z-_.], at most 64 characters: `<change id>-<attempt>` fits. */
export function probeScheduleName(changeId: string, attempt: number): string {
  return `${changeId}-${attempt}`;
}

/**
 * The latest an attempt can still need its probe, from PLAN's alarm check: every ACT step at its timeout, the
 * monitoring window, the load test, and a margin for the smoke tests and the report.
 */
export function probeEndAt(profile: EnvironmentProfile, now: Date): string {
  const act = profile.act.steps.reduce((sum, step) => sum + step.timeoutSeconds, 0);
  const seconds = act + profile.monitoring.windowSeconds + profile.tests.performance.durationSeconds + END_MARGIN_SECONDS;
  return new Date(now.getTime() + seconds * 1000).toISOString();
}

export function probeRunFor(changeId: string, attempt: number, profile: EnvironmentProfile, now: Date): ProbeRun {
  const m = profile.monitoring;
  return {
    changeId, attempt, environment: profile.name, baseUrl: profile.tests.baseUrl,
    paths: m.probePaths, concurrency: m.probeConcurrency, intervalMs: m.probeIntervalMs,
    endAt: probeEndAt(profile, now),
  };
}
