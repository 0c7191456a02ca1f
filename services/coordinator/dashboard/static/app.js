// The fedlink dashboard page: reads /api/ once per (re)connection, then follows
// /api/events. Everything a client or operator sent (ids, reasons, names) is
// written with textContent, never parsed as HTML.
/* global uPlot */

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

/** What the page knows; the server's events keep it current. */
const state = {
  runs: new Map(),
  /** runId → Map("round/attempt" → round record), only for runs that were opened. */
  rounds: new Map(),
  clients: [],
  /** { round, attempt } picked in the rounds table, or undefined for the latest. */
  picked: undefined,
  route: { view: 'runs' },
};

let chart;
let chartRun;

// ---------- small helpers ----------

function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'text') node.textContent = v;
    else if (k === 'class') node.className = v;
    else if (k === 'data') Object.assign(node.dataset, v);
    else node[k] = v;
  }
  for (const c of children) node.append(c);
  return node;
}

function cell(text, className) {
  return el('td', { text: text ?? '', ...(className ? { class: className } : {}) });
}

function fmtMs(ms) {
  if (ms === undefined || ms === null || !Number.isFinite(ms)) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

function fmtAgo(atMs) {
  if (!atMs) return '';
  return `${fmtMs(Math.max(0, Date.now() - atMs))} ago`;
}

function fmtNum(x, digits = 3) {
  return typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : '';
}

function fmtMbps(x) {
  return typeof x === 'number' ? `${x.toFixed(1)} Mbit/s` : '';
}

async function getJson(path) {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.error ?? `${path}: HTTP ${res.status}`);
  return body;
}

function showError(err) {
  const p = document.getElementById('error');
  p.hidden = !err;
  p.textContent = err ? String(err.message ?? err) : '';
}

/** The latest attempt of each round of a run, by round number. */
function latestAttempts(runId) {
  const byRound = new Map();
  for (const r of state.rounds.get(runId)?.values() ?? []) {
    const seen = byRound.get(r.round);
    if (!seen || r.attempt > seen.attempt) byRound.set(r.round, r);
  }
  return [...byRound.values()].sort((a, b) => a.round - b.round);
}

function keepRound(r) {
  let rounds = state.rounds.get(r.runId);
  if (!rounds) return;
  rounds.set(`${r.round}/${r.attempt}`, r);
}

/** Mean training accuracy of the clients that finished, weighted by their examples. */
function trainAccuracy(round) {
  let n = 0;
  let sum = 0;
  for (const c of round.clients) {
    if (c.state !== 'finished' || typeof c.trainAccuracy !== 'number') continue;
    n += c.numExamples;
    sum += c.trainAccuracy * c.numExamples;
  }
  return n > 0 ? sum / n : null;
}

// ---------- routing ----------

function parseRoute() {
  const hash = location.hash.replace(/^#/, '') || '/';
  if (hash === '/clients') return { view: 'clients' };
  const m = /^\/runs\/(.+)$/.exec(hash);
  if (m) return { view: 'run', runId: decodeURIComponent(m[1]) };
  return { view: 'runs' };
}

async function onRoute() {
  state.route = parseRoute();
  state.picked = undefined;
  for (const v of ['runs', 'run', 'clients']) document.getElementById(`view-${v}`).hidden = state.route.view !== v;
  document.getElementById('nav-runs').classList.toggle('active', state.route.view !== 'clients');
  document.getElementById('nav-clients').classList.toggle('active', state.route.view === 'clients');
  await load();
}

/** Reads what the current view needs (on navigation and after every reconnection). */
async function load() {
  try {
    const runs = await getJson('/api/runs');
    state.runs = new Map(runs.map((r) => [r.runId, r]));
    if (state.route.view === 'run') {
      const runId = state.route.runId;
      const rounds = await getJson(`/api/runs/${encodeURIComponent(runId)}/rounds`);
      state.rounds.set(runId, new Map(rounds.map((r) => [`${r.round}/${r.attempt}`, r])));
    }
    if (state.route.view === 'clients') state.clients = await getJson('/api/clients');
    showError(undefined);
  } catch (err) {
    showError(err);
  }
  render();
}

// ---------- rendering ----------

let renderQueued = false;

/** Renders on the next frame: a burst of events costs one render. */
function render() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    if (state.route.view === 'runs') renderRuns();
    else if (state.route.view === 'run') renderRun();
    else renderClients();
  });
}

function renderRuns() {
  const runs = [...state.runs.values()].sort((a, b) => b.createdAtMs - a.createdAtMs);
  const body = document.querySelector('#runs tbody');
  body.replaceChildren(
    ...runs.map((r) => {
      const tr = el('tr', { class: 'link', data: { runId: r.runId } }, [
        el('td', {}, [el('a', { href: `#/runs/${encodeURIComponent(r.runId)}`, text: r.runId })]),
        cell(r.state, `state-${r.state}`),
        cell(`${r.committedRounds}/${r.config.rounds}`),
        cell(r.model.name),
        cell(r.config.strategy),
        cell(fmtNum(r.latestEval?.accuracy)),
        cell(fmtAgo(r.updatedAtMs)),
      ]);
      tr.addEventListener('click', () => (location.hash = `#/runs/${encodeURIComponent(r.runId)}`));
      return tr;
    }),
  );
  document.getElementById('runs-empty').hidden = runs.length > 0;
}

function renderRun() {
  const runId = state.route.runId;
  const run = state.runs.get(runId);
  document.getElementById('run-title').textContent = runId;
  const summary = document.getElementById('run-summary');
  if (!run) {
    summary.textContent = 'No such run on this coordinator.';
    return;
  }
  const parts = [`${run.state}`, `round ${run.committedRounds}/${run.config.rounds} committed`, `${run.model.name}`, `${run.config.strategy}`, `${run.config.clientsPerRound} clients per round`];
  if (run.reason) parts.push(run.reason);
  summary.textContent = parts.join(' · ');
  const rounds = latestAttempts(runId);
  renderChart(runId, rounds);
  renderRoundsTable(runId);
  renderRoundDetail(runId, rounds);
}

function chartData(rounds) {
  const done = rounds.filter((r) => r.state === 'committed');
  return [
    done.map((r) => r.round),
    done.map((r) => r.eval?.accuracy ?? null),
    done.map((r) => trainAccuracy(r)),
    done.map((r) => r.eval?.loss ?? null),
    done.map((r) => r.meanTrainLoss ?? null),
  ];
}

function renderChart(runId, rounds) {
  const box = document.getElementById('chart');
  const data = chartData(rounds);
  if (!chart || chartRun !== runId) {
    chart?.destroy();
    chartRun = runId;
    chart = new uPlot(
      {
        width: Math.max(320, box.clientWidth - 2),
        height: 280,
        scales: { x: { time: false }, acc: { range: [0, 1] }, loss: {} },
        axes: [
          { label: 'round', incrs: [1, 2, 5, 10, 20, 50, 100] },
          { scale: 'acc', label: 'accuracy' },
          { scale: 'loss', label: 'loss', side: 1, grid: { show: false } },
        ],
        series: [
          { label: 'round' },
          { label: 'test accuracy', scale: 'acc', stroke: '#2f6fdb', width: 2, points: { show: true } },
          { label: 'train accuracy', scale: 'acc', stroke: '#93b4ee', width: 1, dash: [4, 4], points: { show: true } },
          { label: 'test loss', scale: 'loss', stroke: '#c0392b', width: 2, points: { show: true } },
          { label: 'train loss', scale: 'loss', stroke: '#e8a298', width: 1, dash: [4, 4], points: { show: true } },
        ],
      },
      data,
      box,
    );
  } else {
    chart.setData(data);
  }
  // What the chart plots, for people and tests alike: rounds drawn.
  box.dataset.points = String(data[0].length);
}

function renderRoundsTable(runId) {
  const all = [...(state.rounds.get(runId)?.values() ?? [])].sort((a, b) => a.round - b.round || a.attempt - b.attempt);
  const picked = pickedRound(runId);
  document.querySelector('#rounds tbody').replaceChildren(
    ...all.map((r) => {
      const reported = r.clients.filter((c) => c.state === 'finished').length;
      const took = r.endedAtMs ? r.endedAtMs - r.startedAtMs : undefined;
      const isPicked = picked && picked.round === r.round && picked.attempt === r.attempt;
      const tr = el('tr', { class: `link${isPicked ? ' selected' : ''}`, data: { round: String(r.round), attempt: String(r.attempt) } }, [
        cell(r.attempt > 1 ? `${r.round} (attempt ${r.attempt})` : String(r.round)),
        cell(r.state, `state-${r.state}`),
        cell(`${reported}/${r.clients.length}`),
        cell(fmtNum(r.eval?.accuracy)),
        cell(fmtNum(r.eval?.loss)),
        cell(fmtNum(r.meanTrainLoss)),
        cell(fmtMs(took)),
        cell(r.reason ?? '', 'reason'),
      ]);
      tr.addEventListener('click', () => {
        state.picked = { round: r.round, attempt: r.attempt };
        render();
      });
      return tr;
    }),
  );
}

function pickedRound(runId) {
  const rounds = state.rounds.get(runId);
  if (!rounds) return undefined;
  if (state.picked) return rounds.get(`${state.picked.round}/${state.picked.attempt}`);
  return latestAttempts(runId).at(-1);
}

/** Where a client's download, training and upload fell in its round, ms since the round started. */
function phases(c, t0) {
  const out = [];
  const dlStart = (c.dispatchedAtMs ?? c.selectedAtMs) - t0;
  const dlEnd = c.downloadMs !== undefined ? dlStart + c.downloadMs : undefined;
  const upEndAt = c.acceptedAtMs ?? (c.state === 'finished' ? c.finishedAtMs : undefined);
  const upEnd = upEndAt !== undefined ? upEndAt - t0 : undefined;
  const upStart = upEnd !== undefined && c.uploadMs !== undefined ? upEnd - c.uploadMs : undefined;
  // A client still at work has an open bar up to now (the page re-renders every few seconds).
  const working = c.state === 'dispatched' || c.state === 'uploading';
  if (dlEnd !== undefined) out.push({ kind: 'download', from: dlStart, to: dlEnd });
  else if (working) out.push({ kind: 'download', from: dlStart, to: Date.now() - t0 });
  const trainFrom = dlEnd ?? dlStart;
  const trainTo = upStart ?? (c.durationMs !== undefined ? trainFrom + c.durationMs : working && dlEnd !== undefined ? Date.now() - t0 : undefined);
  if (trainTo !== undefined && trainTo > trainFrom) out.push({ kind: 'train', from: trainFrom, to: trainTo });
  if (upStart !== undefined) out.push({ kind: 'upload', from: upStart, to: upEnd });
  return out;
}

function renderRoundDetail(runId, rounds) {
  const detail = document.getElementById('round-detail');
  const r = pickedRound(runId);
  detail.hidden = !r;
  if (!r) return;
  document.getElementById('round-title').textContent = `Round ${r.round}${r.attempt > 1 ? ` (attempt ${r.attempt})` : ''}: ${r.state}`;
  const t0 = r.startedAtMs;
  const lanes = r.clients.map((c) => ({ c, segs: phases(c, t0) }));
  const end = Math.max(1, (r.endedAtMs ?? Date.now()) - t0, ...lanes.flatMap((l) => l.segs.map((s) => s.to)));
  const timeline = document.getElementById('timeline');
  timeline.dataset.round = String(r.round);
  timeline.replaceChildren(
    ...lanes.map(({ c, segs }) => {
      const track = el(
        'div',
        { class: 'track' },
        segs.map((s) => {
          const bar = el('div', { class: `bar ${s.kind}`, title: `${s.kind} ${fmtMs(s.to - s.from)}` });
          bar.style.left = `${(100 * Math.max(0, s.from)) / end}%`;
          bar.style.width = `${(100 * Math.max(0, s.to - s.from)) / end}%`;
          return bar;
        }),
      );
      const what = [c.state];
      if (c.state === 'finished' && c.actualMs !== undefined) what.push(fmtMs(c.actualMs));
      if (c.reason) what.push(c.reason);
      return el('div', { class: 'lane', data: { clientId: c.clientId, state: c.state } }, [
        el('span', { class: 'who', text: c.clientId, title: c.clientId }),
        track,
        el('span', { class: `what state-${c.state}`, text: what.join(': '), title: what.join(': ') }),
      ]);
    }),
  );
  const skipped = r.skipped ?? [];
  document.getElementById('skipped').replaceChildren(
    ...(skipped.length ? [el('h3', { text: 'Passed over' }), el('ul', {}, skipped.map((k) => el('li', { text: `${k.clientId}: ${k.reason}` })))] : []),
  );
}

function renderClients() {
  const rows = [...state.clients].sort((a, b) => a.client.clientId.localeCompare(b.client.clientId));
  document.querySelector('#clients tbody').replaceChildren(
    ...rows.map(({ client: c, link: l }) => {
      const activity = c.activity ? (c.progress !== undefined ? `${c.activity} ${Math.round(c.progress * 100)}%` : c.activity) : 'idle';
      return el('tr', { data: { clientId: c.clientId } }, [
        cell(c.clientId),
        cell(c.status, `state-${c.status}`),
        cell(activity),
        cell(l ? `${l.radio}${l.slice ? ` (${l.slice})` : ''}` : ''),
        cell(l?.rttMs !== undefined ? fmtMs(l.rttMs) : ''),
        cell(fmtMbps(l?.upMbps)),
        cell(fmtMbps(l?.downMbps)),
        cell(String(c.datasetSize)),
        cell(fmtAgo(c.lastSeenMs)),
      ]);
    }),
  );
  document.getElementById('clients-empty').hidden = rows.length > 0;
}

// ---------- live updates ----------

function connect() {
  const live = document.getElementById('live');
  const events = new EventSource('/api/events');
  events.addEventListener('open', () => {
    live.className = 'live on';
    live.textContent = 'live';
    // Whatever happened while the stream was down is read again.
    void load();
  });
  events.addEventListener('error', () => {
    live.className = 'live off';
    live.textContent = 'reconnecting…';
  });
  events.addEventListener('run', (e) => {
    const { run, round } = JSON.parse(e.data);
    state.runs.set(run.runId, run);
    if (round) keepRound(round);
    if (state.route.view === 'runs' || (state.route.view === 'run' && state.route.runId === run.runId)) render();
  });
  events.addEventListener('clients', (e) => {
    state.clients = JSON.parse(e.data);
    if (state.route.view === 'clients') render();
  });
}

window.addEventListener('hashchange', () => void onRoute());
window.addEventListener('resize', () => {
  if (chart) chart.setSize({ width: Math.max(320, document.getElementById('chart').clientWidth - 2), height: 280 });
});
// "last seen … ago" and open rounds' bars move with time, without asking the server.
setInterval(() => {
  if (state.route.view === 'clients' || (state.route.view === 'run' && !TERMINAL.has(state.runs.get(state.route.runId)?.state))) render();
}, 5000);

state.route = parseRoute();
for (const v of ['runs', 'run', 'clients']) document.getElementById(`view-${v}`).hidden = state.route.view !== v;
void onRoute();
connect();
