// The monitoring window as two small SVG charts, one over the other: p95 latency (ms) and error rate (%) per alarm
// period, each with its rollback threshold (the profile's limit × rollbackFactor) drawn as a dashed line.
import { h, s, time } from './dom.js';

const W = 420;
const H = 104;
const LEFT = 52;
const RIGHT = 10;
const TOP = 16;
const BOTTOM = 18;

function panel(title, points, limit, format, cls) {
  const values = points.map((p) => p.value).filter((v) => typeof v === 'number');
  const top = Math.max(limit * 1.25, ...values, 1e-9);
  const plotW = W - LEFT - RIGHT;
  const plotH = H - TOP - BOTTOM;
  const x = (i) => LEFT + (points.length <= 1 ? plotW / 2 : (i * plotW) / (points.length - 1));
  const y = (v) => TOP + plotH - (v / top) * plotH;
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: `chart ${cls}`, role: 'img', 'aria-label': title });
  svg.append(s('text', { x: LEFT, y: 11, class: 'label' }, title));
  for (const f of [0, 0.5, 1]) {
    svg.append(s('line', { x1: LEFT, x2: W - RIGHT, y1: y(top * f), y2: y(top * f), class: 'grid' }));
    svg.append(s('text', { x: LEFT - 4, y: y(top * f) + 3, 'text-anchor': 'end', class: 'label' }, format(top * f)));
  }
  svg.append(s('line', { x1: LEFT, x2: LEFT, y1: TOP, y2: TOP + plotH, class: 'axis' }));
  svg.append(s('line', { x1: LEFT, x2: W - RIGHT, y1: y(limit), y2: y(limit), class: `limit-${cls}`, 'data-limit': limit }));
  svg.append(s('text', { x: W - RIGHT, y: y(limit) - 3, 'text-anchor': 'end', class: 'label' }, `rollback > ${format(limit)}`));
  const defined = points.map((p, i) => ({ ...p, i })).filter((p) => typeof p.value === 'number');
  if (defined.length > 1) {
    svg.append(s('polyline', { points: defined.map((p) => `${x(p.i)},${y(p.value)}`).join(' '), class: cls }));
  }
  for (const p of defined) {
    svg.append(s('circle', { cx: x(p.i), cy: y(p.value), r: 3, class: `${cls}-dot` }, s('title', {}, `${time(p.at)}: ${format(p.value)}`)));
  }
  if (points.length > 0) {
    svg.append(s('text', { x: LEFT, y: H - 4, class: 'label' }, time(points[0].at)));
    if (points.length > 1) svg.append(s('text', { x: W - RIGHT, y: H - 4, 'text-anchor': 'end', class: 'label' }, time(points[points.length - 1].at)));
  }
  return svg;
}

/** `monitoring` is GET /changes/{id}'s `monitoring`: the limits and the periods the window's events recorded. */
export function drawChart(monitoring) {
  const periods = monitoring?.periods ?? [];
  if (!monitoring || periods.length === 0) {
    return h('p', { class: 'meta' }, monitoring
      ? `No monitoring data yet: the window (${monitoring.windowSeconds} s, ${monitoring.periodSeconds} s periods) records it when it ends or rolls back. Rollback at p95 > ${monitoring.rollbackP95Ms} ms or error rate > ${(monitoring.rollbackErrorRate * 100).toFixed(2)} %.`
      : 'No monitoring data.');
  }
  const ms = (v) => `${Math.round(v)} ms`;
  const pct = (v) => `${(v * 100).toFixed(v >= 0.1 ? 0 : 1)} %`;
  return h('div', { class: 'charts' },
    panel('p95 latency per period', periods.map((p) => ({ at: p.at, value: p.p95Ms })), monitoring.rollbackP95Ms, ms, 'p95'),
    panel('error rate per period', periods.map((p) => ({ at: p.at, value: p.errorRate })), monitoring.rollbackErrorRate, pct, 'err'),
    h('p', { class: 'meta' }, `${periods.length} period(s) of ${monitoring.periodSeconds} s; thresholds p95 ${monitoring.p95Ms} ms, error rate ${(monitoring.errorRate * 100).toFixed(2)} %, rollback at × ${monitoring.rollbackFactor}.`));
}
