// Branch coverage of statemachines/runbook.asl.json on the local engine: every Catch target and every Choice branch
// (Default included) must be taken by at least one run in this file. The edges are read from the definition, so a
// new Catch or Choice fails the last test until a run here takes it; a rerouted Catch (say Act Begin's Catch sent to
// the rollback) fails the run that expects its target.
// Shapes: Catch (ErrorEquals, Next) https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html ;
// Choice (Choices[].Next, Default) https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html ;
// the engine's event logs (StateEntered, StateCaught) https://github.com/nibble-4bits/aws-local-stepfunctions#eventlogs
import { readFileSync } from 'node:fs';
import { createHarness, statePath, testProfile, TEST_ENV, type Harness } from '../support/harness';
import { eventually } from '../support/fakes';
import { recordApproval } from '../../lambdas/phases/approvals';
import { requestCancel } from '../../lambdas/phases/cancel';
import { recoverInterrupted } from '../../lambdas/phases/resume';
import { DEFINITION_PATH, type ExecutionOutcome } from '../../lambdas/embedded/engine';

interface StateDef {
  Type: string;
  Next?: string;
  Default?: string;
  Choices?: { Next: string }[];
  Catch?: { ErrorEquals: string[]; Next: string }[];
  Branches?: { States: Record<string, StateDef> }[];
  ItemProcessor?: { States: Record<string, StateDef> };
  Iterator?: { States: Record<string, StateDef> };
}

interface Edge { kind: 'Catch' | 'Choice' | 'Default'; from: string; to: string }
const key = (e: { from: string; to: string }): string => `${e.from} → ${e.to}`;

/** Every Catch and Choice edge of the definition, and each state's scope (which States map it lives in). */
function edgesOf(states: Record<string, StateDef>, scope: string, edges: Edge[], scopes: Map<string, string>): void {
  for (const [name, s] of Object.entries(states)) {
    scopes.set(name, scope);
    for (const c of s.Catch ?? []) edges.push({ kind: 'Catch', from: name, to: c.Next });
    for (const c of s.Choices ?? []) edges.push({ kind: 'Choice', from: name, to: c.Next });
    if (s.Type === 'Choice' && s.Default) edges.push({ kind: 'Default', from: name, to: s.Default });
    s.Branches?.forEach((b, i) => edgesOf(b.States, `${name}#${i}`, edges, scopes));
    const iterator = s.ItemProcessor ?? s.Iterator;
    if (iterator) edgesOf(iterator.States, `${name}#items`, edges, scopes);
  }
}

const definition = JSON.parse(readFileSync(DEFINITION_PATH, 'utf8')) as { States: Record<string, StateDef> };
const EDGES: Edge[] = [];
const SCOPES = new Map<string, string>();
edgesOf(definition.States, '', EDGES, SCOPES);

/**
 * The transitions a run took, as `from → to`. A transition out of a caught state is recorded only when the engine
 * logged StateCaught for it, so a Catch edge counts only when the Catch (not a Next) took it. States are followed per
 * scope (top level, each Parallel branch, each Map iteration), so interleaved branches do not fake an edge.
 */
function transitions(outcome: ExecutionOutcome): Set<string> {
  const taken = new Set<string>();
  const last = new Map<string, { state: string; caught: boolean }>();
  for (const e of outcome.history) {
    if (!e.stateName) continue;
    const scope = `${SCOPES.get(e.stateName) ?? '?'}@${e.index ?? ''}`;
    const scopeOnly = SCOPES.get(e.stateName) ?? '?';
    if (e.type === 'StateCaught') {
      const prev = last.get(scope) ?? last.get(`${scopeOnly}@`);
      if (prev?.state === e.stateName) prev.caught = true;
      continue;
    }
    if (e.type !== 'StateEntered') continue;
    const prev = last.get(scope) ?? last.get(`${scopeOnly}@`);
    if (prev) {
      const from = definitionState(prev.state);
      const caughtEdge = from?.Catch?.some((c) => c.Next === e.stateName) ?? false;
      // A state that is both a Catch target and a Next of the same state would be ambiguous; none is today.
      if (!caughtEdge || prev.caught) taken.add(key({ from: prev.state, to: e.stateName }));
    }
    last.set(scope, { state: e.stateName, caught: false });
    last.set(`${scopeOnly}@`, last.get(scope) as { state: string; caught: boolean });
  }
  return taken;
}

function definitionState(name: string, states: Record<string, StateDef> = definition.States): StateDef | undefined {
  for (const [n, s] of Object.entries(states)) {
    if (n === name) return s;
    for (const b of s.Branches ?? []) {
      const found = definitionState(name, b.States);
      if (found) return found;
    }
    const iterator = s.ItemProcessor ?? s.Iterator;
    if (iterator) {
      const found = definitionState(name, iterator.States);
      if (found) return found;
    }
  }
  return undefined;
}

/** Makes the Task `stateName` fail with `InjectedFault` on this engine, as a handler error or a Lambda failure would. */
function failState(h: Harness, stateName: string): void {
  // The engine builds its Task overrides per run and keeps its StateMachine private; wrapping run() swaps in the
  // failing override without a test-only option in production code.
  const machine = (h.engine as unknown as { machine: { run: (input: unknown, options: { overrides: { taskResourceLocalHandlers: Record<string, unknown> } }) => unknown } }).machine;
  const run = machine.run.bind(machine);
  machine.run = (input, options) => {
    options.overrides.taskResourceLocalHandlers[stateName] = async () => {
      const err = new Error(`injected fault at ${stateName}`);
      err.name = 'InjectedFault';
      throw err;
    };
    return run(input, options);
  };
}

/** Approves every required role once the change waits for approvals; gives up quietly when the run ends first. */
async function approveWhenAsked(h: Harness, done: Promise<ExecutionOutcome>): Promise<void> {
  let ended = false;
  void done.then(() => { ended = true; });
  const status = await eventually(async () => (ended ? 'ENDED' : (await h.store.getChange('CR-2026-900'))?.status), (s) => s === 'AWAITING_APPROVAL' || s === 'ENDED', 30_000);
  if (status === 'AWAITING_APPROVAL') await h.approveAll('CR-2026-900');
}

const TAKEN = new Set<string>();
let h: Harness | undefined;
afterEach(async () => { await h?.close(); h = undefined; });

async function runWith(arrange: (hh: Harness) => void, drive: (hh: Harness, name: string, done: Promise<ExecutionOutcome>) => Promise<void>, harness: HarnessOptions = {}, profile: Parameters<typeof testProfile>[0] = {}): Promise<ExecutionOutcome> {
  h = createHarness(harness);
  arrange(h);
  const name = await h.submit(undefined, testProfile({ maxAttempts: 1, ...profile }));
  const done = h.finish(name);
  await drive(h, name, done);
  const outcome = await done;
  for (const t of transitions(outcome)) TAKEN.add(t);
  return outcome;
}

type HarnessOptions = Parameters<typeof createHarness>[0];
const failing = (...steps: string[]): HarnessOptions => ({
  behaviour: (req) => (steps.includes(req.step.name) || steps.includes(req.step.document) ? { status: 'Failed', stderr: 'lead-in failure' } : { status: 'Success' }),
});

/**
 * How a run reaches a state the happy path never enters. A new Catch on such a state needs an entry here; until
 * then its test fails saying the state was never entered.
 */
const LEAD_IN: Record<string, { options?: HarnessOptions; arrange?: (hh: Harness) => void; profile?: Parameters<typeof testProfile>[0] }> = {
  // preflightRecheckAfterMinutes 0: system health is always checked again before ACT.
  'Plan Recheck System Health': { profile: { preflightRecheckAfterMinutes: 0 } },
  'Report PreFlight Failure': { options: failing('runbook-SystemHealth') },
  'Report Plan Ended': { arrange: (hh) => { hh.alarms.state.set(`runbook-${TEST_ENV}-error-rate`, 'ALARM'); } },
  'Rollback Begin': { options: failing('deploy') },
  'Rollback Run Steps': { options: failing('deploy') },
  'Rollback Run Step': { options: failing('deploy') },
  'Report Rollback': { options: failing('deploy') },
  'Report Manual Intervention': { options: failing('deploy', 'rollback-release') },
};

/** Where to inject the fault for a Catch on `from`: the state itself when it is a Task, else its first inner Task. */
function faultTarget(from: string): string {
  const s = definitionState(from);
  if (!s || s.Type === 'Task') return from;
  const inner = s.Branches?.[0] ?? s.ItemProcessor ?? s.Iterator;
  const start = (inner as { StartAt?: string } | undefined)?.StartAt;
  if (!start) throw new Error(`no Task to fail inside ${from}`);
  return faultTarget(start);
}

/**
 * What a fault at each state must lead to, written out (not read from the definition, so a rerouted Catch fails):
 * the Catch target, the state the run ends in, and whether host commands beyond PRE-FLIGHT ran (ACT steps) and
 * whether the rollback steps ran. A Catch missing here fails its test until its intended outcome is written down.
 */
const PREFLIGHT_FAILED = { end: 'PreFlight Failed', act: false, rollback: false };
const PLAN_ENDED = { end: 'Plan Failed', act: false, rollback: false };
const ROLLED_BACK = { end: 'Attempts Exhausted', act: true, rollback: true };
const EXPECTED: Record<string, { to: string; end: string; act: boolean; rollback: boolean }> = {
  'Start Attempt': { to: 'Report PreFlight Failure', ...PREFLIGHT_FAILED },
  'PreFlight System Health': { to: 'Report PreFlight Failure', ...PREFLIGHT_FAILED },
  'PreFlight Dependencies': { to: 'Report PreFlight Failure', ...PREFLIGHT_FAILED },
  'PreFlight Backup': { to: 'Report PreFlight Failure', ...PREFLIGHT_FAILED },
  'PreFlight Passed': { to: 'Report PreFlight Failure', ...PREFLIGHT_FAILED },
  'Plan Assess Risk': { to: 'Report Plan Ended', ...PLAN_ENDED },
  'Plan Await Approvals': { to: 'Report Plan Ended', ...PLAN_ENDED },
  'Plan Schedule': { to: 'Report Plan Ended', ...PLAN_ENDED },
  'Plan Check Alarms': { to: 'Report Plan Ended', ...PLAN_ENDED },
  // The system-health re-check before ACT failing is a failed pre-flight: nothing was touched.
  'Plan Recheck System Health': { to: 'Report PreFlight Failure', ...PREFLIGHT_FAILED },
  // Act Begin failing means nothing was touched yet: the plan ends, it does not roll back.
  'Act Begin': { to: 'Report Plan Ended', ...PLAN_ENDED },
  // The fault is at the first ACT step, before it is sent: no ACT command ran, and the rollback still runs.
  'Act Run Steps': { to: 'Rollback Begin', ...ROLLED_BACK, act: false },
  'Act Run Step': { to: 'Act Step Failed', ...ROLLED_BACK, act: false },
  'Monitor Window': { to: 'Rollback Begin', ...ROLLED_BACK },
  'Monitor Watch Alarms': { to: 'Monitor Alarm Fired', ...ROLLED_BACK },
  'Monitor Close Window': { to: 'Monitor Close Failed', ...ROLLED_BACK },
  'Test Smoke': { to: 'Rollback Begin', ...ROLLED_BACK },
  'Test Performance': { to: 'Rollback Begin', ...ROLLED_BACK },
  'Report Success': { to: 'Reporting Failed', end: 'Reporting Failed', act: true, rollback: false },
  'Rollback Begin': { to: 'Report Manual Intervention', end: 'Manual Intervention Required', act: true, rollback: false },
  'Rollback Run Steps': { to: 'Report Manual Intervention', end: 'Manual Intervention Required', act: true, rollback: false },
  'Rollback Run Step': { to: 'Rollback Step Failed', end: 'Manual Intervention Required', act: true, rollback: false },
  'Report Rollback': { to: 'Reporting Failed', end: 'Reporting Failed', act: true, rollback: true },
  'Report Manual Intervention': { to: 'Manual Intervention Required', end: 'Manual Intervention Required', act: true, rollback: true },
  'Report PreFlight Failure': { to: 'Reporting Failed', end: 'Reporting Failed', act: false, rollback: false },
  'Report Plan Ended': { to: 'Reporting Failed', end: 'Reporting Failed', act: false, rollback: false },
};

const RESUMED_ONLY = new Set(['Resume Attempt']);

describe('every Catch of runbook.asl.json, by a fault at its state', () => {
  // States only a resumed run enters (after the embedded process stopped or died) are faulted in the resumed-runs block.
  const catches = EDGES.filter((e) => e.kind === 'Catch' && !RESUMED_ONLY.has(e.from));

  it.each(catches.map((e) => [e.from] as const))('%s should go where its failure belongs when it fails', async (from) => {
    // Prepare: a lead-in when the happy path does not enter `from`; the fault at `from` (or its first inner Task).
    const expected = EXPECTED[from];
    expect({ from, expected: expected !== undefined }).toEqual({ from, expected: true });
    const lead = LEAD_IN[from] ?? {};
    const target = faultTarget(from);

    // Act: approvals given when asked; the monitoring window held open long enough for a fault in it.
    const outcome = await runWith((hh) => { lead.arrange?.(hh); failState(hh, target); }, (hh, _name, done) => approveWhenAsked(hh, done),
      { monitorWindowMs: 200, ...lead.options }, lead.profile);

    // Assess
    const entered = outcome.history.filter((e) => e.type === 'StateEntered').map((e) => e.stateName);
    expect({ from, entered: entered.includes(from) }).toEqual({ from, entered: true });
    expect([...transitions(outcome)]).toContain(key({ from, to: expected?.to ?? '?' }));
    const steps = (h as Harness).hosts.stepNames();
    expect({
      end: statePath(outcome).at(-1),
      // The REPORT's read-only health check (report-health) is not an ACT step.
      act: steps.some((st) => !st.startsWith('preflight-') && !st.startsWith('rollback-') && st !== 'report-health'),
      rollback: steps.includes('rollback-release'),
    }).toEqual({ end: expected?.end, act: expected?.act, rollback: expected?.rollback });
  }, 60_000);
});

describe('every Choice branch of runbook.asl.json, by the run that should take it', () => {
  const approveAll = (hh: Harness, _name: string, done: Promise<ExecutionOutcome>) => approveWhenAsked(hh, done);
  const paths: [string, (hh: Harness) => void, (hh: Harness, name: string, done: Promise<ExecutionOutcome>) => Promise<void>, string][] = [
    ['an approver rejects', () => undefined, async (hh) => {
      await eventually(() => hh.store.getChange('CR-2026-900'), (c) => c?.status === 'AWAITING_APPROVAL');
      await recordApproval(hh.engine.deps, { changeId: 'CR-2026-900', role: 'security', decision: 'reject', approver: 'sec-officer', approvers: testProfile().approvers });
    }, 'How Plan Ended → Change Rejected'],
    // A cancel recorded while PRE-FLIGHT runs, whose StopExecution the run outpaced: PLAN honours the recorded request.
    ['a cancel request is on the change when PLAN starts', (hh) => { hh.hosts.hold('preflight-backup'); }, async (hh) => {
      await eventually(async () => hh.hosts.stepNames(), (steps) => steps.includes('preflight-backup'));
      const change = await hh.store.getChange('CR-2026-900');
      const at = new Date().toISOString();
      await hh.store.updateChange('CR-2026-900', change?.version ?? 0, { cancelRequest: { by: 'ops-lead', at, reason: 'not now' }, updatedAt: at });
      hh.hosts.open('preflight-backup');
    }, 'How Plan Ended → Change Cancelled'],
    ['a rollback alarm is already in ALARM', (hh) => { hh.alarms.state.set(`runbook-${TEST_ENV}-error-rate`, 'ALARM'); }, approveAll,
      'How Plan Ended → Blocked By Rollback Alarms'],
    ['an operator cancels during ACT', (hh) => { hh.hosts.hold('deploy'); }, async (hh, name, done) => {
      await approveAll(hh, name, done);
      await eventually(async () => hh.hosts.stepNames(), (steps) => steps.includes('deploy'));
      await requestCancel(hh.engine.deps, hh.engine, { changeId: 'CR-2026-900', by: 'ops-lead', reason: 'bad build' });
      hh.hosts.open('deploy');
    }, 'Attempts Left? → Change Cancelled'],
  ];

  it.each(paths)('should take the branch when %s', async (_what, arrange, drive, edge) => {
    // Act
    const outcome = await runWith(arrange, drive);

    // Assess
    expect([...transitions(outcome)]).toContain(edge);
  }, 60_000);

  it('should take Attempts Exhausted on the last attempt and Rolled Back To Plan before it', async () => {
    // Prepare: every deploy fails and two attempts are allowed.
    h = createHarness({ behaviour: (req) => (req.step.name === 'deploy' ? { status: 'Failed' } : { status: 'Success' }) });
    const first = await h.submit(undefined, testProfile({ maxAttempts: 2 }));
    await h.approveAll('CR-2026-900');
    const one = await h.finish(first);
    await h.approveAll('CR-2026-900');

    // Act
    const two = await h.finish('CR-2026-900-2');

    // Assess
    for (const t of [...transitions(one), ...transitions(two)]) TAKEN.add(t);
    expect([...transitions(one)]).toContain('Attempts Left? → Rolled Back To Plan');
    expect([...transitions(two)]).toContain('Attempts Left? → Attempts Exhausted');
  }, 60_000);
});

describe('the entries of a resumed run (the embedded process stopped or died), by the interruption that leads to each', () => {
  const ID = 'CR-2026-900';
  const extra: Harness[] = [];
  afterEach(async () => { for (const x of extra.splice(0)) await x.close(); });

  /** A first process that leaves the change at `status` and dies (its execution aborted, no INTERRUPTED mark). */
  async function dieAt(status: string, options: HarnessOptions): Promise<Harness> {
    const first = createHarness(options);
    extra.push(first);
    const name = await first.submit(undefined, testProfile({ maxAttempts: 1 }));
    if (status !== 'AWAITING_APPROVAL') await approveWhenAsked(first, first.finish(name));
    await eventually(() => first.store.getChange(ID), (c) => c?.status === status, 30_000);
    first.engine.abort(name);
    await first.finish(name);
    return first;
  }

  /** A second process over the same records: recovers the change and drives the resumed run to its end. */
  async function resume(first: Harness, arrange: (hh: Harness) => void = () => undefined, approve = true): Promise<ExecutionOutcome> {
    const restarted = createHarness({ store: first.store, monitorWindowMs: 20 });
    extra.push(restarted);
    arrange(restarted);
    const [recovered] = await recoverInterrupted(restarted.engine.deps, TEST_ENV, { actor: 'ops', say: () => undefined });
    const done = restarted.finish(recovered?.executionName ?? '?');
    if (approve) await approveWhenAsked(restarted, done);
    const outcome = await done;
    for (const t of transitions(outcome)) TAKEN.add(t);
    return outcome;
  }

  it('should re-enter at the approvals when the process died waiting for them', async () => {
    const outcome = await resume(await dieAt('AWAITING_APPROVAL', {}));
    expect([...transitions(outcome)]).toEqual(expect.arrayContaining(['How To Start → Resume Attempt', 'Resume Where? → Plan Await Approvals']));
  }, 60_000);

  it('should re-enter at the change window, and check system health again, when the process died waiting for it', async () => {
    const outcome = await resume(await dieAt('SCHEDULED', { changeWindowMs: 600_000 }));
    expect([...transitions(outcome)]).toEqual(expect.arrayContaining(['How To Start → Resume Attempt', 'Resume Where? → Plan Wait For Change Window', 'Plan Recheck Health? → Plan Recheck System Health']));
  }, 60_000);

  it('should enter at Rollback Begin when the process died in the monitoring window', async () => {
    const outcome = await resume(await dieAt('MONITORING', { monitorWindowMs: 600_000 }));
    expect([...transitions(outcome)]).toContain('How To Start → Rollback Begin');
    expect(statePath(outcome).at(-1)).toBe('Attempts Exhausted');
  }, 60_000);

  it('should end the plan when Resume Attempt fails, touching nothing', async () => {
    const outcome = await resume(await dieAt('AWAITING_APPROVAL', {}), (hh) => failState(hh, 'Resume Attempt'), false);
    expect([...transitions(outcome)]).toContain('Resume Attempt → Report Plan Ended');
    expect(statePath(outcome).at(-1)).toBe('Plan Failed');
  }, 60_000);
});

describe('branch coverage', () => {
  // Runs last (jest runs a file's tests in order): the edges the runs above took, against the definition.
  it('should have taken every Catch target and every Choice branch, Default included', () => {
    // Assess
    expect(EDGES.length).toBeGreaterThan(20);
    expect(EDGES.filter((e) => !TAKEN.has(key(e))).map((e) => `${e.kind}: ${key(e)}`)).toEqual([]);
  });
});
