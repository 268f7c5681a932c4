// The state machine as an SVG graph, laid out from statemachines/runbook.asl.json itself (served at
// /console/runbook.asl.json): top-level states in layers by their longest path from StartAt, Next/Choice edges solid,
// Catch edges dashed. An execution's state runs (GET /changes/{id}/history) colour it: the states taken, the one
// running now, the ones that failed (a Catch took over, or a Fail state ended the run) and the rollback path.
import { s } from './dom.js';

const W = 156;
const H = 24;
const GAP_X = 14;
const GAP_Y = 18;
const PAD = 8;

function edgesOf(state) {
  const out = [];
  if (state.Next) out.push({ to: state.Next, kind: 'next' });
  if (state.Default) out.push({ to: state.Default, kind: 'next' });
  for (const c of state.Choices ?? []) out.push({ to: c.Next, kind: 'next' });
  for (const c of state.Catch ?? []) out.push({ to: c.Next, kind: 'catch' });
  return out;
}

/** Node positions: a layer per longest-path depth (back edges ignored), nodes in a layer in discovery order. */
export function layout(asl) {
  const names = Object.keys(asl.States);
  const order = [];
  const seen = new Set();
  const onPath = new Set();
  const back = new Set();
  const visit = (name) => {
    if (seen.has(name) || !asl.States[name]) return;
    seen.add(name);
    onPath.add(name);
    for (const e of edgesOf(asl.States[name])) {
      if (onPath.has(e.to)) back.add(`${name}->${e.to}`);
      else visit(e.to);
    }
    onPath.delete(name);
    order.push(name);
  };
  visit(asl.StartAt);
  for (const name of names) visit(name);
  const topo = order.reverse();
  const depth = new Map(topo.map((n) => [n, 0]));
  for (const name of topo) {
    for (const e of edgesOf(asl.States[name])) {
      if (back.has(`${name}->${e.to}`) || !depth.has(e.to)) continue;
      depth.set(e.to, Math.max(depth.get(e.to), depth.get(name) + 1));
    }
  }
  const layers = [];
  for (const name of topo) (layers[depth.get(name)] ??= []).push(name);
  const widest = Math.max(...layers.map((l) => l.length));
  const width = PAD * 2 + widest * W + (widest - 1) * GAP_X;
  const pos = new Map();
  layers.forEach((layer, y) => {
    const row = layer.length * W + (layer.length - 1) * GAP_X;
    const x0 = (width - row) / 2;
    layer.forEach((name, i) => pos.set(name, { x: x0 + i * (W + GAP_X), y: PAD + y * (H + GAP_Y) }));
  });
  return { pos, width, height: PAD * 2 + layers.length * H + (layers.length - 1) * GAP_Y };
}

/** States reachable from `from` by Next/Choice edges: the rollback path when `from` is the rollback's first state. */
function reachable(asl, from) {
  const out = new Set();
  const stack = [from];
  while (stack.length > 0) {
    const name = stack.pop();
    if (out.has(name) || !asl.States[name]) continue;
    out.add(name);
    for (const e of edgesOf(asl.States[name])) if (e.kind === 'next') stack.push(e.to);
  }
  return out;
}

/** Each top-level state's class from its runs (a nested state's run counts for the Map or Parallel it ran in). */
export function stateClasses(asl, runs, rollbackStart = 'Rollback Begin') {
  const rollback = reachable(asl, rollbackStart);
  const byState = new Map();
  for (const run of runs) {
    const name = run.parent ?? run.name;
    if (!asl.States[name]) continue;
    const list = byState.get(name) ?? [];
    list.push(run);
    byState.set(name, list);
  }
  const classes = new Map();
  for (const [name, list] of byState) {
    const state = asl.States[name];
    const top = list.filter((r) => !r.parent);
    const running = list.some((r) => r.status === 'running');
    const failed = top.some((r) => r.status === 'failed' || r.status === 'caught') || (state.Type === 'Fail' && top.length > 0);
    let cls = 'taken';
    if (failed) cls = 'failed';
    if (rollback.has(name)) cls = 'rollback';
    if (running) cls = 'current';
    classes.set(name, cls);
  }
  return classes;
}

function describe(name, state, list) {
  const lines = [`${name} (${state.Type})`];
  for (const r of list ?? []) {
    lines.push(`${r.status}${r.durationMs !== undefined ? ` in ${r.durationMs} ms` : ''}${r.step ? ` — ${r.step}` : ''}${r.error ? ` — ${r.error}` : ''}`);
  }
  return lines.join('\n');
}

/** The graph as an <svg>; `runs` may be empty (nothing ran yet). */
export function drawGraph(asl, runs, geometry = layout(asl)) {
  const { pos, width, height } = geometry;
  const classes = stateClasses(asl, runs);
  const taken = new Set(runs.map((r) => r.parent ?? r.name));
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'state machine graph' });
  const edges = s('g', { class: 'edges' });
  const nodes = s('g', { class: 'nodes' });
  for (const [name, state] of Object.entries(asl.States)) {
    const from = pos.get(name);
    if (!from) continue;
    for (const e of edgesOf(state)) {
      const to = pos.get(e.to);
      if (!to) continue;
      const x1 = from.x + W / 2;
      const y1 = from.y + H;
      const x2 = to.x + W / 2;
      const y2 = to.y;
      const bend = Math.max(12, Math.abs(y2 - y1) / 3);
      const d = y2 > y1
        ? `M${x1},${y1} C${x1},${y1 + bend} ${x2},${y2 - bend} ${x2},${y2}`
        : `M${x1},${y1} C${x1 + 60},${y1 + 40} ${x2 + 60},${y2 - 40} ${x2},${y2}`;
      const used = taken.has(name) && taken.has(e.to);
      edges.append(s('path', { d, class: `edge ${e.kind}${used ? ' taken' : ''}` }));
    }
    const cls = classes.get(name);
    const label = name.length > 24 ? `${name.slice(0, 23)}…` : name;
    const runsHere = runs.filter((r) => (r.parent ?? r.name) === name);
    nodes.append(s('g', { class: `node${cls ? ` ${cls}` : ''}`, 'data-state': name, transform: `translate(${from.x},${from.y})` },
      s('title', {}, describe(name, state, runsHere)),
      s('rect', { width: W, height: H, rx: state.Type === 'Choice' ? 12 : 4 }),
      s('text', { x: W / 2, y: H / 2 + 4, 'text-anchor': 'middle' }, label)));
  }
  svg.append(edges, nodes);
  return svg;
}
