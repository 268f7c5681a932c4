// The local web console of `runbook serve`: sign in with an operator token (kept in this tab's session storage and
// sent as a bearer header, never in a URL), the changes, one change's graph, timeline, approvals, monitoring window
// and report, and the operator's actions through the same API routes the CLI uses. Who is signed in comes from
// GET /whoami. Live updates come from GET /events read with fetch() and a stream reader (EventSource cannot send the
// Authorization header): one stream per browser, read by one signed-in tab and passed to the others, reconnecting
// when it ends, a refusal shown on the page.
// Every sign-in is a session: a request sent for an earlier session that answers late (after a sign-out, a sign-in as
// someone else) is dropped, and no request goes out without a token.
import { drawChart } from './chart.js';
import { dateTime, fill, h, time } from './dom.js';
import { drawGraph, layout } from './graph.js';

const TOKEN_KEY = 'runbook.operatorToken';
const $ = (id) => document.getElementById(id);

const state = {
  token: sessionStorage.getItem(TOKEN_KEY) ?? '',
  /** Bumped by every sign-in and sign-out: what an earlier session asked for is no longer this page's business. */
  session: 0,
  changes: [],
  selected: undefined,
  asl: undefined,
  geometry: undefined,
  /** This tab's place in the browser's feed (an AbortController: abort to leave), and whether it reads the stream. */
  feed: undefined,
  leading: false,
  stream: undefined,
  streamTimer: undefined,
  live: false,
  problem: undefined,
  refreshTimer: undefined,
  pending: undefined,
};

class ApiError extends Error {
  constructor(status, body) {
    const error = body?.error;
    super(error ? `${status} ${error.code}: ${error.message}` : `HTTP ${status}`);
    this.status = status;
    this.fields = error?.fields ?? [];
  }
}

/** A call made for a session that has ended (signed out, or signed in again): its answer is not shown. */
class SessionEnded extends Error {
  constructor() {
    super('signed out');
  }
}

/** One API call as the signed-in operator; JSON answers parsed, text kept as text. */
async function api(method, path, body, { signingIn = false } = {}) {
  const session = state.session;
  const token = state.token;
  if (!token) throw new SessionEnded();
  const res = await fetch(path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    cache: 'no-store',
  });
  const type = res.headers.get('content-type') ?? '';
  const payload = type.includes('json') ? await res.json().catch(() => undefined) : await res.text();
  // A 401 for the last operator's token must not sign out the one signed in since.
  if (session !== state.session) throw new SessionEnded();
  if (res.status === 401 && !signingIn) signOut('Your token was refused (401): sign in again.');
  if (!res.ok) throw new ApiError(res.status, typeof payload === 'object' ? payload : undefined);
  return payload;
}

function errorText(err) {
  if (!(err instanceof ApiError)) return String(err?.message ?? err);
  return [err.message, ...err.fields.map((f) => `  ${f.path || '(body)'}: ${f.message}`)].join('\n');
}

// ---- sign-in -------------------------------------------------------------------------------------------------------

/** Everything the last session had going: its stream, its pending refresh, who it showed. */
function endSession() {
  state.session += 1;
  leaveFeed();
  clearTimeout(state.refreshTimer);
  state.refreshTimer = undefined;
  state.pending = undefined;
  fill($('who'));
}

async function signIn(token) {
  endSession();
  state.token = token;
  let me;
  try {
    const [whoami, list] = await Promise.all([
      api('GET', '/whoami', undefined, { signingIn: true }),
      api('GET', '/changes?limit=100', undefined, { signingIn: true }),
    ]);
    me = whoami;
    state.changes = list.items;
  } catch (err) {
    // Signed out or in again meanwhile: that session decides what the page shows.
    if (err instanceof SessionEnded) return;
    endSession();
    state.token = '';
    sessionStorage.removeItem(TOKEN_KEY);
    fill($('signin-error'), err instanceof ApiError && err.status === 401 ? 'That token was refused (401): check it and try again.' : errorText(err));
    showSignIn();
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  fill($('who'), `signed in as ${me.caller}`);
  $('who').title = me.roles ? `may approve as ${me.roles.join(', ')}` : '';
  fill($('signin-error'));
  $('signin').hidden = true;
  $('app').hidden = false;
  $('signout').hidden = false;
  renderList();
  joinFeed();
  route();
}

function showSignIn() {
  $('signin').hidden = false;
  $('app').hidden = true;
  $('signout').hidden = true;
  $('token').focus();
}

function signOut(message) {
  endSession();
  state.token = '';
  sessionStorage.removeItem(TOKEN_KEY);
  fill($('signin-error'), message ?? '');
  showSignIn();
}

// ---- live updates --------------------------------------------------------------------------------------------------
// One stream per browser, not per tab: a browser opens at most 6 HTTP/1.1 connections to one host, so six tabs each
// holding a stream would leave a seventh unable even to load the page. The signed-in tab holding the Web Lock below
// reads GET /events and passes what it hears to the others on a BroadcastChannel (both are this origin's only); when
// it signs out or closes, the lock goes to the next signed-in tab, which opens the stream with its own token.
// Without Web Locks each tab reads its own stream.
const FEED = 'runbook.events';
const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(FEED) : undefined;

/** Shows whether the feed is live and what keeps it from being live; the leading tab tells the others the same. */
function showFeed(on, problem) {
  const was = state.live;
  state.live = on;
  state.problem = problem;
  $('live').className = `live ${on ? 'on' : 'off'}`;
  fill($('live'), on ? 'live' : 'offline');
  fill($('live-error'), problem ?? '');
  $('live-error').hidden = !problem;
  if (state.leading) channel?.postMessage({ type: 'feed', on, problem });
  // Writes made while this page was not hearing them (before the stream opened, while reconnecting): read again.
  if (on && !was && state.token) scheduleRefresh(state.selected);
}

/** This session's part in the browser's feed: hear it from the leading tab, and lead it when the lock comes. */
function joinFeed() {
  if (state.feed || !state.token) return;
  const membership = new AbortController();
  state.feed = membership;
  const lead = () => {
    state.leading = true;
    openStream();
  };
  if (!navigator.locks) {
    lead();
    return;
  }
  navigator.locks.request(FEED, { signal: membership.signal }, () => {
    if (membership.signal.aborted) return undefined;
    lead();
    // Held until this tab leaves the feed (sign-out, another sign-in, the page going away).
    return new Promise((release) => membership.signal.addEventListener('abort', release, { once: true }));
  }).catch(() => undefined); // left before its turn came
  // Whoever leads says how the feed is.
  channel?.postMessage({ type: 'feed?' });
}

/** Leaves the feed: a leading tab stops its stream (telling the others) and hands the lock on. */
function leaveFeed() {
  const membership = state.feed;
  state.feed = undefined;
  stopStream();
  state.leading = false;
  membership?.abort();
}

channel?.addEventListener('message', ({ data }) => {
  if (state.leading) {
    if (data?.type === 'feed?') channel.postMessage({ type: 'feed', on: state.live, problem: state.problem });
    return;
  }
  // A signed-out tab hears nothing.
  if (!state.feed) return;
  if (data?.type === 'change') scheduleRefresh(data.changeId);
  if (data?.type === 'feed') showFeed(data.on === true, typeof data.problem === 'string' ? data.problem : undefined);
});

/** The stream, stopped on purpose (sign-out, sign-in, the page going away): it does not reconnect. */
function stopStream() {
  const controller = state.stream;
  state.stream = undefined;
  controller?.abort();
  clearTimeout(state.streamTimer);
  state.streamTimer = undefined;
  showFeed(false);
}

const STREAM_RETRY_MS = 3000;

/** The browser's event stream, read by the leading tab for its session; reconnects after a pause while both last. */
function openStream() {
  if (state.stream || !state.token || !state.leading) return;
  const session = state.session;
  const controller = new AbortController();
  state.stream = controller;
  let retryMs = STREAM_RETRY_MS;
  (async () => {
    const res = await fetch('/events', { headers: { authorization: `Bearer ${state.token}`, accept: 'text/event-stream' }, signal: controller.signal, cache: 'no-store' });
    if (state.stream !== controller) return;
    if (res.status === 401) {
      signOut('Your token was refused (401): sign in again.');
      return;
    }
    if (!res.ok || !res.body) {
      const body = await res.json().catch(() => undefined);
      const after = Number(res.headers.get('retry-after'));
      if (after > 0) retryMs = after * 1000;
      if (state.stream === controller) {
        showFeed(false, `Live updates refused (${new ApiError(res.status, body).message}). Trying again in ${Math.round(retryMs / 1000)} s; until then this page does not update by itself.`);
      }
      return;
    }
    showFeed(true);
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done || state.stream !== controller) break;
      buffer += value;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        handleMessage(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
    }
  })().catch(() => undefined).finally(() => {
    // Stopped on purpose (stopStream): nothing to do.
    if (state.stream !== controller) return;
    state.stream = undefined;
    showFeed(false, state.problem);
    state.streamTimer = setTimeout(() => {
      state.streamTimer = undefined;
      if (state.session === session) openStream();
    }, retryMs);
  });
}

function handleMessage(block) {
  let event = 'message';
  const data = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue; // heartbeat
    if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
  }
  if (data.length === 0) return;
  let payload;
  try {
    payload = JSON.parse(data.join('\n'));
  } catch {
    return;
  }
  // `hello` only says the stream is open; who is signed in came from GET /whoami.
  if (event === 'change') {
    scheduleRefresh(payload.changeId);
    channel?.postMessage({ type: 'change', changeId: payload.changeId });
  }
}

/** Writes come in bursts (an event, the record, an approval): one refresh shortly after the last of them. */
function scheduleRefresh(changeId) {
  state.pending = state.pending ?? new Set();
  state.pending.add(changeId);
  clearTimeout(state.refreshTimer);
  state.refreshTimer = setTimeout(async () => {
    const ids = state.pending;
    state.pending = undefined;
    state.refreshTimer = undefined;
    const session = state.session;
    await refreshList();
    if (session === state.session && state.selected && ids.has(state.selected)) await renderChange(state.selected);
  }, 150);
}

// ---- changes list --------------------------------------------------------------------------------------------------

async function refreshList() {
  try {
    state.changes = (await api('GET', '/changes?limit=100')).items;
    fill($('list-error'));
  } catch (err) {
    if (err instanceof SessionEnded) return;
    fill($('list-error'), errorText(err));
  }
  renderList();
}

function statusBadge(status) {
  return h('span', { class: `status ${status}` }, status);
}

function renderList() {
  const select = $('status-filter');
  const statuses = [...new Set(state.changes.map((c) => c.status))].sort();
  const chosen = select.value;
  fill(select, h('option', { value: '' }, 'any status'), statuses.map((st) => h('option', { value: st, selected: st === chosen }, st)));
  const needle = $('filter').value.trim().toLowerCase();
  const rows = state.changes.filter((c) => (!chosen || c.status === chosen)
    && (!needle || [c.changeId, c.title, c.status, c.riskLevel, c.environment].some((v) => String(v ?? '').toLowerCase().includes(needle))));
  fill($('change-list').tBodies[0], rows.length === 0
    ? h('tr', {}, h('td', { colspan: 7, class: 'meta' }, state.changes.length === 0 ? 'No changes yet: submit one with npx runbook submit FILE.' : 'No change matches the filter.'))
    : rows.map((c) => {
      const tr = h('tr', { 'data-change': c.changeId, class: c.changeId === state.selected ? 'selected' : undefined },
        h('td', {}, c.changeId), h('td', {}, c.title), h('td', {}, statusBadge(c.status)),
        h('td', { class: `risk-${c.riskLevel}` }, `${c.riskLevel} (${c.riskScore})`), h('td', {}, c.environment),
        h('td', {}, `${c.attempt} / ${c.maxAttempts}`), h('td', { title: c.updatedAt }, dateTime(c.updatedAt)));
      tr.addEventListener('click', () => { location.hash = `#/changes/${c.changeId}`; });
      return tr;
    }));
}

// ---- one change ----------------------------------------------------------------------------------------------------

function route() {
  const match = /^#\/changes\/(CR-\d{4}-\d{3,})$/.exec(location.hash);
  if (match?.[1] !== state.selected) {
    // What was said about the last change's actions is not about this one.
    fill($('action-result'));
    $('comment').value = '';
    $('cancel-reason').value = '';
  }
  state.selected = match?.[1];
  $('change').hidden = !state.selected;
  renderList();
  if (state.selected) void renderChange(state.selected);
}

async function loadAsl() {
  if (!state.asl) {
    const res = await fetch('/console/runbook.asl.json', { cache: 'no-store' });
    state.asl = await res.json();
    state.geometry = layout(state.asl);
  }
  return state.asl;
}

/** Optional reads (no history or report yet) answer undefined instead of failing the view. */
const optional = (promise) => promise.catch((err) => (err instanceof ApiError && err.status === 404 ? undefined : Promise.reject(err)));

async function renderChange(id) {
  let change;
  let historyBody;
  let report;
  let qc;
  let retro;
  try {
    [change, historyBody, report, qc, retro] = await Promise.all([
      api('GET', `/changes/${id}`),
      optional(api('GET', `/changes/${id}/history`)),
      optional(api('GET', `/changes/${id}/report`)),
      optional(api('GET', `/changes/${id}/report?format=qc`)),
      optional(api('GET', `/changes/${id}/report?format=retro`)),
      loadAsl(),
    ]);
  } catch (err) {
    if (!(err instanceof SessionEnded) && state.selected === id) fill($('change-error'), errorText(err));
    return;
  }
  if (state.selected !== id) return;
  fill($('change-error'));
  fill($('change-title'), `${change.changeId} — ${change.title}`);
  const badge = $('change-status');
  badge.className = `status ${change.status}`;
  fill(badge, change.status);
  fill($('change-meta'), `${change.environment} · risk ${change.riskLevel} (${change.riskScore}) · attempt ${change.attempt} of ${change.maxAttempts} · phase ${change.phase ?? '—'} · requested by ${change.requester}`
    + ` · updated ${dateTime(change.updatedAt)}${change.reason ? ` · ${change.reason}` : ''}`);

  const runs = historyBody?.states ?? [];
  fill($('execution-name'), historyBody ? `${historyBody.executionName} · ${historyBody.status}` : '');
  fill($('graph'), drawGraph(state.asl, runs, state.geometry));

  renderApprovals(change);
  fill($('chart'), drawChart(change.monitoring));
  fill($('timeline'), change.timeline.map((e) => {
    const bad = /fail|reject|alarm\.triggered|manual/i.test(e.type);
    const rb = /rollback|rolled/i.test(e.type);
    return h('li', { class: bad ? 'bad' : rb ? 'rb' : undefined, title: e.at },
      h('span', { class: 'at' }, time(e.at)), h('span', { class: 'type' }, e.type), e.message,
      h('span', { class: 'meta' }, ` — ${e.actor}${e.status ? ` → ${e.status}` : ''}`));
  }));
  // The newest events are the ones being watched.
  $('timeline').scrollTop = $('timeline').scrollHeight;

  if (report) {
    const r = report.report ?? {};
    const summary = r.summary ?? {};
    fill($('report-summary'), h('p', {}, `Attempt ${report.attempt}: ${report.outcome ?? ''}`,
      Object.entries(summary).filter(([, v]) => typeof v !== 'object').map(([k, v]) => h('span', { class: 'meta' }, ` · ${k}: ${v}`))));
  } else {
    fill($('report-summary'), h('p', { class: 'meta' }, `No report yet: it is written when an attempt ends (now ${change.status}).`));
  }
  fill($('qc'), qc ?? '—');
  fill($('retro'), retro ?? '—');
}

function renderApprovals(change) {
  const block = change.nextAttempt ?? change.approvals;
  fill($('approval-state'), `attempt ${block.attempt}: ${block.state}${block.missing?.length ? `, missing ${block.missing.join(', ')}` : ''}`);
  const rows = block.items.map((a) => h('tr', {}, h('td', {}, a.role), h('td', { class: a.decision === 'approve' ? 'ok' : 'error' }, a.decision),
    h('td', {}, a.approver), h('td', { title: a.at }, time(a.at)), h('td', {}, a.comment ?? '')));
  fill($('approvals').tBodies[0], rows.length > 0 ? rows : h('tr', {}, h('td', { colspan: 5, class: 'meta' }, `required: ${change.requiredApprovals.join(', ')}; none given yet`)));
  const role = $('role');
  const chosen = role.value;
  fill(role, change.requiredApprovals.map((r) => h('option', { value: r, selected: r === (chosen || block.missing?.[0]) }, r)));
}

async function act(label, run) {
  const out = $('action-result');
  out.className = '';
  fill(out, `${label}…`);
  for (const b of document.querySelectorAll('#actions button')) b.disabled = true;
  try {
    const result = await run();
    out.className = 'ok';
    fill(out, `${label}: ${describeResult(result)}`);
    if (state.selected) await renderChange(state.selected);
  } catch (err) {
    out.className = 'error';
    // Answered after a sign-out or another sign-in: whether it was done is on the change's timeline.
    fill(out, err instanceof SessionEnded ? `${label}: answered after you signed out; see the timeline` : `${label} refused: ${errorText(err)}`);
  } finally {
    for (const b of document.querySelectorAll('#actions button')) b.disabled = false;
  }
}

function describeResult(r) {
  if (!r || typeof r !== 'object') return 'done';
  if (r.duplicate) return 'already recorded';
  const parts = [];
  if (r.status) parts.push(r.status);
  if (r.state) parts.push(`approvals ${r.state}`);
  if (r.missing?.length) parts.push(`missing ${r.missing.join(', ')}`);
  return parts.join(', ') || 'done';
}

function decide(decision) {
  const id = state.selected;
  const comment = $('comment').value.trim();
  const body = { role: $('role').value, decision, ...(comment ? { comment } : {}) };
  void act(decision === 'approve' ? `Approve as ${body.role}` : `Reject as ${body.role}`, async () => {
    const result = await api('POST', `/changes/${id}/approvals`, body);
    $('comment').value = '';
    return result;
  });
}

// ---- wiring --------------------------------------------------------------------------------------------------------

function start() {
  $('signin-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const token = $('token').value.trim();
    $('token').value = '';
    void signIn(token);
  });
  $('signout').addEventListener('click', () => signOut('Signed out.'));
  $('filter').addEventListener('input', renderList);
  $('status-filter').addEventListener('change', renderList);
  $('decide-form').addEventListener('submit', (e) => {
    e.preventDefault();
    decide('approve');
  });
  $('reject').addEventListener('click', () => decide('reject'));
  $('cancel-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const id = state.selected;
    const reason = $('cancel-reason').value.trim();
    void act(`Cancel ${id}`, () => api('POST', `/changes/${id}/cancel`, reason ? { reason } : {}));
  });
  window.addEventListener('hashchange', route);
  // A page going away (or into the back-forward cache) lets go of its stream; one coming back opens it again.
  window.addEventListener('pagehide', leaveFeed);
  window.addEventListener('pageshow', (e) => { if (e.persisted && state.token && !$('app').hidden) joinFeed(); });
  // Public: no token needed.
  fetch('/health', { cache: 'no-store' }).then((res) => res.json())
    .then((health) => fill($('environment'), `${health.environment} · ${health.engine} engine`)).catch(() => undefined);
  if (state.token) void signIn(state.token);
  else showSignIn();
}

start();
