// The ASL as data: valid, JSONPath only, nothing the local engine would silently skip, every Task
// bounded, retried and caught, every placeholder substituted, every routed error a real one.
import { readFileSync } from 'node:fs';
import * as errors from '../../lambdas/core/errors';
import { definitionSubstitutions, localFunctionArn, placeholders, renderDefinition, substitutionKey, PHASE_FUNCTIONS } from '../../lambdas/core/workflow';
import { DEFINITION_PATH, nestedStates, taskStates } from '../../lambdas/embedded/engine';
import { EnvironmentProfileSchema, MAX_LEAD_DAYS } from '../../lambdas/core/schemas';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const validator = require('asl-validator') as (d: unknown) => { isValid: boolean; errors: unknown[] };

type State = Record<string, unknown> & { Type: string };
const text = readFileSync(DEFINITION_PATH, 'utf8');
const definition = JSON.parse(text) as { States: Record<string, State> };

function allStates(states: Record<string, State>): [string, State][] {
  const out: [string, State][] = [];
  for (const [name, s] of Object.entries(states)) {
    out.push([name, s]);
    for (const b of (s.Branches as { States: Record<string, State> }[] | undefined) ?? []) out.push(...allStates(b.States));
    const it = (s.ItemProcessor ?? s.Iterator) as { States: Record<string, State> } | undefined;
    if (it) out.push(...allStates(it.States));
  }
  return out;
}
const states = allStates(definition.States);

describe('statemachines/runbook.asl.json', () => {
  it('should be valid ASL (asl-validator, placeholders allowed)', () => {
    const result = validator(structuredClone(definition));
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });

  it('should use JSONPath only and nothing the local engine ignores', () => {
    expect(text).not.toMatch(/"QueryLanguage"|"Assign"|"Arguments"|"Output"|"HeartbeatSeconds"|"DISTRIBUTED"|TimeoutSecondsPath|HeartbeatSecondsPath/);
    expect(text).not.toMatch(/\{%/);
  });

  it('should give every state a unique name, since local overrides are keyed by name', () => {
    const names = states.map(([n]) => n);
    expect(new Set(names).size).toBe(names.length);
    expect(nestedStates(definition.States as never).get('Act Run Step')).toBe('Act Run Steps');
  });

  it('should give every Task a fixed TimeoutSeconds, a Retry for transient errors and a Catch', () => {
    const tasks = states.filter(([, s]) => s.Type === 'Task');
    expect(tasks.length).toBeGreaterThan(15);
    for (const [name, s] of tasks) {
      expect({ name, timeout: typeof s.TimeoutSeconds }).toEqual({ name, timeout: 'number' });
      const retry = (s.Retry as { ErrorEquals: string[]; BackoffRate: number }[]).find((r) => r.ErrorEquals.includes('TransientError'));
      expect({ name, retry: retry?.ErrorEquals.includes('Lambda.TooManyRequestsException') && retry.BackoffRate > 1 }).toEqual({ name, retry: true });
      expect({ name, catch: Array.isArray(s.Catch) && (s.Catch as unknown[]).length > 0 }).toEqual({ name, catch: true });
    }
  });

  it('should never start an error name with "States." except the built-ins, and only route errors that exist', () => {
    const known = new Set([
      ...Object.values(errors).map((E) => (typeof E === 'function' ? new (E as new (m: string, i: never[]) => Error)('', []).name : '')),
      ...states.filter(([, s]) => s.Type === 'Fail' && typeof s.Error === 'string').map(([, s]) => s.Error as string),
    ]);
    const routed = states.flatMap(([, s]) => [...((s.Retry as { ErrorEquals: string[] }[]) ?? []), ...((s.Catch as { ErrorEquals: string[] }[]) ?? [])].flatMap((r) => r.ErrorEquals));
    for (const e of routed) {
      if (e.startsWith('States.') || e.startsWith('Lambda.')) continue;
      expect({ e, known: known.has(e) }).toEqual({ e, known: true });
    }
  });

  it('should keep the callback safety-net timeouts above the longest wait the profile schema allows', () => {
    const profileShape = EnvironmentProfileSchema.shape;
    const maxCommand = 7200;
    const maxWindow = 86400;
    const maxLoad = 840;
    expect(profileShape).toBeDefined();
    const timeout = (n: string) => definition.States[n]?.TimeoutSeconds ?? states.find(([name]) => name === n)?.[1].TimeoutSeconds;
    expect(timeout('Act Run Step')).toBeGreaterThan(maxCommand);
    expect(timeout('Rollback Run Step')).toBeGreaterThan(maxCommand);
    expect(timeout('Monitor Watch Alarms')).toBeGreaterThan(maxWindow);
    expect(timeout('Test Performance')).toBeGreaterThan(maxLoad);
    // The local engine arms a setTimeout per Task: above 2^31-1 ms it would fire at once.
    for (const [, s] of states) if (typeof s.TimeoutSeconds === 'number') expect(s.TimeoutSeconds * 1000).toBeLessThan(2 ** 31);
    expect((JSON.parse(text) as { TimeoutSeconds: number }).TimeoutSeconds * 1000).toBeLessThan(2 ** 31);
  });

  it('should outlast the longest change-window wait a profile allows (maxLeadDays), with time left for the change itself', () => {
    const execution = (JSON.parse(text) as { TimeoutSeconds: number }).TimeoutSeconds;
    const day = 86400;
    const maxLeadSeconds = MAX_LEAD_DAYS * day;
    // The Wait is on an absolute time at most maxLeadDays after the execution starts (checked at submission); the
    // approvals (before it) are bounded by their own timeout. After it: ACT, a window of up to a day, TEST, a rollback.
    expect(EnvironmentProfileSchema.shape.maxLeadDays.safeParse(MAX_LEAD_DAYS + 1).success).toBe(false);
    expect(definition.States['Plan Await Approvals']?.TimeoutSeconds).toBeLessThanOrEqual(maxLeadSeconds);
    expect(execution - maxLeadSeconds).toBeGreaterThanOrEqual(2 * day + 3 * 900);
  });

  it('should name only phase functions in its placeholders, all of them substituted', () => {
    expect(placeholders(text).sort()).toEqual(PHASE_FUNCTIONS.map(substitutionKey).sort());
    const rendered = renderDefinition(text, definitionSubstitutions(localFunctionArn));
    expect(rendered).not.toContain('${');
    expect(() => renderDefinition(text, {})).toThrow(/no substitution for \$\{PreflightFunctionArn\}/);
  });

  it('should make every callback Task pass its token to the function', () => {
    const callbacks = taskStates(definition.States as never).filter(([, s]) => s.Resource === 'arn:aws:states:::lambda:invoke.waitForTaskToken');
    expect(callbacks.map(([n]) => n).sort()).toEqual(['Act Run Step', 'Monitor Watch Alarms', 'Plan Await Approvals', 'Plan Recheck System Health', 'PreFlight Backup', 'PreFlight Dependencies', 'PreFlight System Health', 'Rollback Run Step']);
    for (const [name] of callbacks) {
      const s = states.find(([n]) => n === name)?.[1] as unknown as { Parameters: { Payload: Record<string, string> } };
      expect(s.Parameters.Payload['taskToken.$']).toBe('$$.Task.Token');
    }
  });
});
