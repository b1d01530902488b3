// The healthcrawl dashboard (docs/api.md, "The page"): plain JavaScript against /api/v1, no library,
// nothing fetched from anywhere but this server. Everything that came from a crawled page or the
// database is put into the document as text (textContent, SVG attributes), never as HTML.
'use strict';

const TOKEN_KEY = 'healthcrawl-token';
const REFRESH_MS = 2000;
const state = { run: null, site: null, page: null, lastFetched: {} };

function $(selector, root) { return (root || document).querySelector(selector); }

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') node.className = v;
    else if (k.startsWith('data-')) node.setAttribute(k, v);
    else node[k] = v;
  }
  for (const c of children) node.append(c instanceof Node ? c : String(c ?? ''));
  return node;
}

function setStatus(text, bad) {
  const s = $('#status');
  s.textContent = text;
  s.className = bad ? 'outcome-bad' : '';
}

// The token for requests that change something: asked once, kept for this tab (sessionStorage).
function token(askAgain) {
  let t = sessionStorage.getItem(TOKEN_KEY);
  if (!t || askAgain) {
    t = window.prompt('Token for changes (printed by `healthcrawl serve`, or its --token-file):') || '';
    if (t) sessionStorage.setItem(TOKEN_KEY, t.trim());
  }
  return sessionStorage.getItem(TOKEN_KEY) || '';
}

async function api(path, options) {
  const opts = Object.assign({ headers: {} }, options || {});
  const response = await fetch(path, opts);
  let body = null;
  try { body = await response.json(); } catch (e) { body = null; }
  if (!response.ok) {
    const message = body && body.error ? body.error.message : response.status + ' ' + response.statusText;
    const error = new Error(message);
    error.status = response.status;
    throw error;
  }
  return body;
}

// A POST or DELETE with the token; a 401 asks for the token again once.
async function change(method, path, body) {
  for (let attempt = 0; attempt < 2; attempt++) {
    const t = token(attempt > 0);
    if (!t) throw new Error('no token given');
    const headers = { Authorization: 'Bearer ' + t };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    try {
      return await api(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (e) {
      if (e.status !== 401 || attempt > 0) throw e;
      sessionStorage.removeItem(TOKEN_KEY);
    }
  }
  return null;
}

function outcomeClass(outcome) {
  if (outcome === null || outcome === undefined) return 'outcome-running';
  return outcome === 'ok' ? 'outcome-ok' : 'outcome-bad';
}

// Loaders run both from the 2-s refresh and from clicks, so two calls of one loader can overlap and their
// responses arrive in either order. Each call takes a ticket; only the latest call of a loader draws, so a
// slow answer about the previous selection never overwrites the current one.
const tickets = {};
function ticket(name) {
  const mine = (tickets[name] = (tickets[name] || 0) + 1);
  return () => tickets[name] === mine;
}

function fmtTime(t) { return t ? String(t).replace('T', ' ').replace('Z', '') : '—'; }
function fmtRate(x) { return x === null || x === undefined ? '—' : (Math.round(x * 10) / 10).toFixed(1); }

// --- jobs --------------------------------------------------------------------------------------------

async function loadJobs() {
  const latest = ticket('jobs');
  const data = await api('/api/v1/jobs');
  if (!latest()) return;
  const body = $('#jobs-table tbody');
  body.replaceChildren();
  $('#jobs-empty').hidden = data.jobs.length > 0;
  for (const job of data.jobs) {
    const last = job.last_run;
    const lastCell = last
      ? el('span', { class: outcomeClass(last.outcome) }, (last.outcome || 'running') + ' · run ' + last.id + ' · ' + fmtTime(last.started_at))
      : el('span', { class: 'muted' }, 'never run');
    const actions = el('td', {});
    const run = el('button', { class: 'primary run-now', type: 'button', 'data-job': job.name }, 'Run now');
    run.disabled = job.state === 'running';
    run.addEventListener('click', () => runNow(job.name, run));
    const pause = el('button', { type: 'button', class: 'pause' }, job.paused ? 'Resume' : 'Pause');
    pause.addEventListener('click', () => jobAction(job.name, job.paused ? 'resume' : 'pause'));
    const remove = el('button', { type: 'button', class: 'remove' }, 'Remove');
    remove.addEventListener('click', () => {
      if (window.confirm('Remove job ' + job.name + '? Its runs stay in the history.')) jobAction(job.name, 'remove');
    });
    actions.append(run, pause, remove);
    const tz = job.time_zone ? ' (' + job.time_zone + ')' : '';
    body.append(el('tr', { 'data-job': job.name },
      el('td', {}, el('strong', {}, job.name)), el('td', {}, job.site), el('td', {}, el('code', {}, job.schedule), tz),
      el('td', { class: 'next-run' }, fmtTime(job.next_run)), el('td', { class: 'last-result' }, lastCell),
      el('td', { class: 'job-state' }, job.state), actions));
  }
}

async function runNow(name, button) {
  button.disabled = true;
  try {
    const r = await change('POST', '/api/v1/jobs/' + encodeURIComponent(name) + '/run');
    setStatus('job ' + name + ': run ' + r.run_id + ' started');
    state.run = r.run_id;
    await refresh();
  } catch (e) {
    setStatus('run now: ' + e.message, true);
    button.disabled = false;
  }
}

async function jobAction(name, action) {
  try {
    const path = '/api/v1/jobs/' + encodeURIComponent(name) + (action === 'remove' ? '' : '/' + action);
    await change(action === 'remove' ? 'DELETE' : 'POST', path);
    setStatus('job ' + name + ': ' + action + ' done');
    await loadJobs();
  } catch (e) {
    setStatus(action + ': ' + e.message, true);
  }
}

// --- runs --------------------------------------------------------------------------------------------

async function loadRuns() {
  const latest = ticket('runs');
  const data = await api('/api/v1/runs?limit=20');
  if (!latest()) return;
  const body = $('#runs-table tbody');
  body.replaceChildren();
  for (const run of data.runs) {
    const running = run.finished_at === null;
    const progress = el('td', { class: 'run-progress' });
    if (running) progress.append(el('span', { class: 'outcome-running' }, 'running'));
    const row = el('tr', { class: 'clickable' + (state.run === run.id ? ' selected' : ''), 'data-run-id': String(run.id),
      'data-state': running ? 'running' : 'finished', 'data-outcome': run.outcome || '' },
      el('td', {}, String(run.id)), el('td', {}, run.job || run.sites),
      el('td', {}, fmtTime(run.started_at)),
      el('td', { class: outcomeClass(run.outcome) }, run.outcome || 'running'),
      el('td', { class: 'num' }, String(run.pages_fetched)), el('td', { class: 'num' }, String(run.pages_failed)), progress);
    row.addEventListener('click', () => { state.run = run.id; loadRun(); loadRuns(); });
    body.append(row);
  }
  if (state.run === null && data.runs.length > 0) state.run = data.runs[0].id;
}

function countsList(run) {
  const dl = $('#run-counts');
  dl.replaceChildren();
  const fields = ['pages_fetched', 'pages_stored', 'pages_failed', 'pages_new', 'pages_changed', 'pages_unchanged',
                  'pages_gone', 'bytes_fetched'];
  for (const f of fields) dl.append(el('div', {}, el('dt', {}, f.replace('pages_', '').replace('_', ' ')), el('dd', {}, String(run[f]))));
}

async function loadRun() {
  if (state.run === null) return;
  const latest = ticket('run');
  const { run } = await api('/api/v1/runs/' + state.run);
  if (!latest() || run.id !== state.run) return;
  const box = $('#run-detail');
  box.hidden = false;
  box.setAttribute('data-run-id', String(run.id));
  box.setAttribute('data-state', run.finished_at === null ? 'running' : 'finished');
  $('#run-title').textContent = 'Run ' + run.id + ' · ' + (run.job || run.sites) + ' · ' + run.command + ' · ' +
    (run.outcome || 'running') + ' · ' + fmtTime(run.started_at) + ' → ' + fmtTime(run.finished_at);
  countsList(run);
  const p = $('#run-progress');
  p.hidden = !run.progress;
  if (run.progress) {
    const g = run.progress;
    const queue = g.queued === null ? '—' : String(g.queued) + (g.in_flight ? ' (+' + g.in_flight + ' in flight)' : '');
    const done = g.pages_fetched + (g.queued || 0);
    const bar = el('div', { class: 'bar' }, el('span', {}));
    bar.firstChild.style.width = (done > 0 ? Math.round(100 * g.pages_fetched / done) : 0) + '%';
    p.replaceChildren(
      el('span', { class: 'pages-per-second' }, fmtRate(g.pages_per_second) + ' pages/s'), ' · ',
      el('span', { class: 'queued' }, 'queue ' + queue), ' · ',
      el('span', { class: 'failures' }, g.pages_failed + ' failed'), ' · ',
      el('span', { class: 'fetched' }, g.pages_fetched + ' fetched'), ' · updated ',
      g.updated_at ? new Date(g.updated_at).toISOString().slice(11, 19) + ' UTC' : '—', bar);
  }
  const body = $('#run-failures tbody');
  body.replaceChildren();
  for (const f of run.failures) {
    const list = el('ul', { class: 'examples' });
    for (const url of f.examples) list.append(el('li', {}, el('code', {}, url)));
    body.append(el('tr', {}, el('td', {}, f.reason), el('td', { class: 'num' }, String(f.pages)), el('td', {}, list)));
  }
  if (run.failures.length === 0) {
    const byCategory = Object.entries(run.failures_by_category || {});
    body.append(el('tr', {}, el('td', { colSpan: 3, class: 'muted' },
      byCategory.length ? byCategory.map(([k, v]) => k + ': ' + v).join(', ') : 'no failed pages')));
  }
  const drift = $('#run-drift');
  drift.replaceChildren();
  if (run.drift) drift.append(el('h4', {}, 'Drift alarm'), el('pre', {}, JSON.stringify(run.drift, null, 2)));
}

// --- fill rates --------------------------------------------------------------------------------------

async function loadSites() {
  const latest = ticket('sites');
  const data = await api('/api/v1/sites');
  if (!latest()) return;
  const select = $('#site-select');
  const current = select.value;
  select.replaceChildren();
  for (const s of data.sites) select.append(el('option', { value: s.site }, s.site + ' (' + s.pages + ' pages)'));
  if (current) select.value = current;
  if (!select.value && data.sites.length) select.value = data.sites[0].site;
}

const COLORS = ['#2271b1', '#d63638', '#00a32a', '#dba617', '#8c5fbf', '#1d9bb0', '#e26f56', '#50575e', '#9ec2e6', '#3c8f3b'];

// A line chart of every field's fill rate over the site's runs (x: run, y: 0-100 %), drawn in SVG.
function drawChart(history) {
  const box = $('#fill-chart');
  const legend = $('#fill-legend');
  box.replaceChildren();
  legend.replaceChildren();
  const runs = history.runs || [];
  if (runs.length === 0) {
    box.append(el('p', { class: 'muted' }, 'No runs with fill rates for this site yet.'));
    return;
  }
  const fields = [...new Set(runs.flatMap((r) => Object.keys(r.fields)))].sort();
  const W = 640, H = 260, L = 40, R = 12, T = 10, B = 28;
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', 'fill rate per field over runs');
  const add = (tag, attrs, text) => {
    const n = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v));
    if (text !== undefined) n.textContent = text;
    svg.append(n);
    return n;
  };
  const x = (i) => L + (runs.length === 1 ? (W - L - R) / 2 : i * (W - L - R) / (runs.length - 1));
  const y = (rate) => T + (1 - rate) * (H - T - B);
  for (const g of [0, 0.25, 0.5, 0.75, 1]) {
    add('line', { class: 'grid', x1: L, x2: W - R, y1: y(g), y2: y(g) });
    add('text', { x: 4, y: y(g) + 4 }, Math.round(g * 100) + '%');
  }
  add('line', { class: 'axis', x1: L, x2: L, y1: T, y2: H - B });
  add('line', { class: 'axis', x1: L, x2: W - R, y1: H - B, y2: H - B });
  const step = Math.max(1, Math.ceil(runs.length / 8));
  runs.forEach((r, i) => { if (i % step === 0 || i === runs.length - 1) add('text', { x: x(i) - 8, y: H - 8 }, '#' + r.run_id); });
  fields.forEach((field, k) => {
    const color = COLORS[k % COLORS.length];
    const pts = [];
    runs.forEach((r, i) => { if (r.fields[field] !== undefined) pts.push([i, r.fields[field], r.run_id]); });
    add('polyline', { points: pts.map(([i, v]) => x(i) + ',' + y(v)).join(' '), stroke: color, 'data-field': field });
    for (const [i, v, id] of pts) {
      const c = add('circle', { class: 'point', cx: x(i), cy: y(v), r: 3.5, fill: color, 'data-field': field, 'data-run': id, 'data-rate': v });
      const title = document.createElementNS(ns, 'title');
      title.textContent = field + ' · run ' + id + ' · ' + (v * 100).toFixed(1) + '%';
      c.append(title);
    }
    const swatch = el('span', {}, field);
    swatch.style.setProperty('--swatch', color);
    legend.append(swatch);
  });
  box.append(svg);
}

async function loadSite() {
  const site = $('#site-select').value;
  if (!site) return;
  const latest = ticket('site');
  const { site: s } = await api('/api/v1/sites/' + encodeURIComponent(site));
  if (!latest() || $('#site-select').value !== site) return;
  drawChart(s.fill_history);
  const body = $('#fill-now tbody');
  body.replaceChildren();
  for (const f of s.fill_rates) {
    body.append(el('tr', {}, el('td', {}, f.table), el('td', {}, f.field), el('td', { class: 'num' }, f.filled + ' / ' + f.total),
      el('td', { class: 'num' }, (f.rate * 100).toFixed(1) + '%')));
  }
}

// --- pages -------------------------------------------------------------------------------------------

async function findPages(event) {
  if (event) event.preventDefault();
  const form = $('#page-search');
  const q = new URLSearchParams();
  if (form.url.value.trim()) q.set('url', form.url.value.trim());
  if (form.status.value) q.set('status', form.status.value);
  q.set('limit', '50');
  try {
    const latest = ticket('pages');
    const data = await api('/api/v1/pages?' + q.toString());
    if (!latest()) return;
    const body = $('#pages-table tbody');
    body.replaceChildren();
    for (const p of data.pages) {
      const row = el('tr', { class: 'clickable', 'data-page-id': String(p.id) }, el('td', {}, String(p.id)), el('td', {}, p.site),
        el('td', {}, p.page_type || '—'), el('td', {}, p.http_status === null ? '—' : String(p.http_status)),
        el('td', {}, el('code', {}, p.fetched_url || p.url)), el('td', { class: 'outcome-bad' }, p.failure_reason || ''));
      row.addEventListener('click', () => loadPage(p.id));
      body.append(row);
    }
    if (data.pages.length === 0) body.append(el('tr', {}, el('td', { colSpan: 6, class: 'muted' }, 'no page matches')));
  } catch (e) {
    setStatus('pages: ' + e.message, true);
  }
}

async function loadPage(id) {
  const latest = ticket('page');
  const { page } = await api('/api/v1/pages/' + id);
  if (!latest()) return;
  state.page = page;
  $('#page-detail').hidden = false;
  $('#page-title').textContent = 'Page ' + page.id + ' · ' + page.site + ' · ' + (page.page_type || 'no type') + ' · ' + page.url;
  $('#page-records').textContent = JSON.stringify(page.records, null, 2);
  const select = $('#raw-select');
  select.replaceChildren();
  for (const r of page.raw_responses) select.append(el('option', { value: String(r.id) }, fmtTime(r.fetched_at) + ' · ' + r.http_status + ' · ' + r.body_size + ' B'));
  await loadRaw();
}

async function loadRaw() {
  const pre = $('#page-raw');
  const id = $('#raw-select').value;
  if (!state.page || !id) {
    pre.textContent = 'No archived response for this page (archiving off, or failed before a response).';
    return;
  }
  const latest = ticket('raw');
  const { response } = await api('/api/v1/pages/' + state.page.id + '/raw/' + id);
  if (!latest()) return;
  // Shown as text: the page's own HTML is never rendered here.
  pre.textContent = response.body + (response.truncated ? '\n… (cut at 4 MiB of ' + response.bytes + ' bytes)' : '');
}

// --- dataset -----------------------------------------------------------------------------------------

async function loadDataset() {
  const latest = ticket('dataset');
  const data = await api('/api/v1/dataset');
  if (!latest()) return;
  const body = $('#dataset-table tbody');
  body.replaceChildren();
  for (const t of data.tables) body.append(el('tr', {}, el('td', {}, t.site), el('td', {}, t.table), el('td', { class: 'num' }, String(t.rows))));
}

// --- refresh -----------------------------------------------------------------------------------------

let refreshing = false;
async function refresh() {
  if (refreshing) return;
  refreshing = true;
  try {
    await loadJobs();
    await loadRuns();
    await loadRun();
    setStatus('updated ' + new Date().toISOString().slice(11, 19) + ' UTC');
  } catch (e) {
    setStatus(e.message, true);
  } finally {
    refreshing = false;
  }
}

async function start() {
  $('#page-search').addEventListener('submit', findPages);
  $('#site-select').addEventListener('change', () => loadSite().catch((e) => setStatus(e.message, true)));
  $('#raw-select').addEventListener('change', () => loadRaw().catch((e) => setStatus(e.message, true)));
  await refresh();
  try {
    await loadSites();
    await loadSite();
    await loadDataset();
    await findPages();
  } catch (e) {
    setStatus(e.message, true);
  }
  let ticks = 0;
  setInterval(() => {
    refresh();
    // The chart and counts change only when runs end: every 5th refresh is enough.
    if (++ticks % 5 === 0) loadSite().then(loadDataset).catch(() => {});
  }, REFRESH_MS);
}

start();
