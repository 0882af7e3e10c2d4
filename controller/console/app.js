// SPDX-License-Identifier: ISC
// Cordon's NOC console (docs/console.md): a page of plain JavaScript over
// cordond's HTTP API. Everything shown is put in as text (textContent,
// createElement), never as HTML: host records, reasons and detections come
// from the network and may hold markup.
'use strict';

const STATES = ['observed', 'suspected', 'quarantining', 'quarantined', 'releasing',
  'probation', 'clear', 'failed'];
// Ports worms spread on, for the exposure map.
const WORM_PORTS = [
  [135, 'Blaster, Welchia (MS03-026 DCOM RPC)'], [139, 'NetBIOS session'],
  [445, 'Sasser, WannaCry (MS04-011, MS17-010)'], [1433, 'SQL Server'],
  [1434, 'Slammer (udp)'], [3389, 'RDP (BlueKeep)'], [23, 'Mirai (telnet)'], [2323, 'Mirai (telnet)'],
];
const PAGE_SIZE = 100;
// A sensor not heard from for this long is shown as quiet.
const QUIET_S = 300;

const me = { user: null, role: null, csrf: null, token: false };
let stream = null;
let refreshTimer = null;

// ---- DOM helpers ---------------------------------------------------------------

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
function $(id) { return document.getElementById(id); }
function when(t) { return t ? new Date(t * 1000).toLocaleString() : '—'; }
function stateBadge(s) { return el('span', { class: 'state state-' + s }, s); }

// ---- the API -----------------------------------------------------------------

class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function api(path, opts) {
  const o = Object.assign({ credentials: 'same-origin', headers: {} }, opts || {});
  if (o.method === 'POST') {
    o.headers['Content-Type'] = 'application/json';
    if (me.csrf) o.headers['X-CSRF-Token'] = me.csrf;
  }
  const r = await fetch(path, o);
  let body = null;
  try { body = await r.json(); } catch (e) { body = null; }
  if (r.status === 401 && !path.endsWith('/login')) {
    showLogin();
    throw new ApiError(401, 'not logged in');
  }
  if (!r.ok && !(body && body.ok === false)) {
    throw new ApiError(r.status, (body && (body.error || body.message)) || r.statusText);
  }
  return body;
}

const post = (path, body) => api(path, { method: 'POST', body: JSON.stringify(body || {}) });

// ---- session -------------------------------------------------------------------

function showLogin() {
  me.user = me.role = me.csrf = null;
  stopStream();
  $('login').hidden = false;
  $('view').hidden = true;
  $('nav').hidden = true;
  $('logout').hidden = true;
  $('feed').hidden = true;
  $('who').textContent = '';
}

function showApp() {
  $('login').hidden = true;
  $('view').hidden = false;
  $('nav').hidden = false;
  $('feed').hidden = false;
  $('logout').hidden = !me.user;
  $('who').textContent = me.user ? me.user + ' (' + me.role + ')' : 'read-only (no accounts)';
  document.body.dataset.role = me.role || '';
  startStream();
  route();
}

async function loadSession() {
  try {
    const s = await api('/api/v1/session');
    me.user = s.user || s.token || null;
    me.role = s.role;
    me.csrf = s.csrf_token || null;
    showApp();
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 401)) $('view').textContent = String(e.message);
  }
}

async function login(ev) {
  ev.preventDefault();
  $('login-error').textContent = '';
  try {
    const s = await api('/api/v1/login', { method: 'POST', headers: { 'Content-Type': 'application/json' },
      credentials: 'same-origin',
      body: JSON.stringify({ user: $('login-user').value, password: $('login-password').value }) });
    if (!s || !s.user) throw new ApiError(401, 'wrong user name or password');
    $('login-password').value = '';
    me.user = s.user; me.role = s.role; me.csrf = s.csrf_token;
    showApp();
  } catch (e) {
    $('login-error').textContent = e.message;
  }
}

async function logout() {
  try { await post('/api/v1/logout'); } catch (e) { /* the session is gone either way */ }
  showLogin();
}

const isOperator = () => me.role === 'operator';

// ---- live ------------------------------------------------------------------------

function startStream() {
  if (stream) return;
  stream = new EventSource('/api/v1/stream');
  stream.onopen = () => { $('live').className = 'live on'; $('live').textContent = 'live'; };
  stream.onerror = () => { $('live').className = 'live off'; $('live').textContent = 'reconnecting'; };
  stream.addEventListener('audit', (m) => feed('audit', JSON.parse(m.data)));
  stream.addEventListener('detection', (m) => feed('detection', JSON.parse(m.data)));
}

function stopStream() {
  if (stream) stream.close();
  stream = null;
  $('live').className = 'live off';
  $('live').textContent = 'offline';
}

function feed(kind, ev) {
  const list = $('feed-list');
  const text = kind === 'audit'
    ? [ev.actor, ev.action, ev.host, ev.result].filter(Boolean).join(' · ')
    : [ev.host, ev.engine, 'detection'].join(' · ');
  list.prepend(el('li', { 'data-kind': kind, 'data-host': ev.host },
    el('time', {}, new Date(ev.time * 1000).toLocaleTimeString()), ' ', text));
  while (list.children.length > 200) list.lastChild.remove();
  // What is on screen follows, without a reload (once for a burst).
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => route(true), 250);
}

// ---- pages -----------------------------------------------------------------------

function view(...children) {
  const v = $('view');
  clear(v);
  v.append(...children);
}

function routeParts() {
  const h = decodeURIComponent(location.hash.replace(/^#\/?/, '').replace(/\?.*$/, ''));
  const [page, ...rest] = h.split('/');
  return { page: page || 'overview', arg: rest.join('/') };
}

async function route(live) {
  if (!me.role) return;
  let page, arg;
  try {
    ({ page, arg } = routeParts());
  } catch (e) {   // a malformed %-escape in the address bar
    view(el('p', { class: 'error' }, 'That address is not a page of the console.'));
    return;
  }
  for (const a of document.querySelectorAll('#nav a'))
    a.classList.toggle('current', a.dataset.page === page || (page === 'host' && a.dataset.page === 'hosts'));
  try {
    if (page === 'overview') await overview();
    else if (page === 'hosts') await hosts(live);
    else if (page === 'host') await host(arg);
    else if (page === 'approvals') await approvals();
    else if (page === 'exposure') await exposure(live);
    else view(el('p', {}, 'No such page.'));
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 401)) view(el('p', { class: 'error' }, e.message));
  }
}

function chart(h) {
  const W = 720, H = 140, n = h.detections.length;
  const max = Math.max(1, ...h.detections, ...h.isolations);
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('class', 'chart');
  svg.setAttribute('id', 'history-chart');
  const bw = W / n;
  h.detections.forEach((d, i) => {
    for (const [v, cls, off] of [[d, 'det', 0], [h.isolations[i], 'iso', bw / 2]]) {
      const r = document.createElementNS(ns, 'rect');
      const bh = (v / max) * (H - 10);
      r.setAttribute('x', i * bw + off); r.setAttribute('y', H - bh);
      r.setAttribute('width', Math.max(1, bw / 2 - 1)); r.setAttribute('height', bh);
      r.setAttribute('class', cls);
      const t = document.createElementNS(ns, 'title');
      t.textContent = `${new Date((h.since + i * h.bucket_s) * 1000).toLocaleTimeString()}: ${v} ${cls === 'det' ? 'detections' : 'isolations'}`;
      r.append(t);
      svg.append(r);
    }
  });
  return svg;
}

async function overview() {
  const o = await api('/api/v1/overview');
  const st = o.status;
  const cards = el('div', { class: 'cards', id: 'state-counts' },
    STATES.map((s) => el('div', { class: 'card', 'data-state': s },
      el('div', { class: 'n' }, st.hosts[s] || 0), el('div', { class: 'label' },
        el('a', { href: '#/hosts?state=' + s }, s)))));
  const br = st.breaker;
  view(
    el('h1', {}, 'Overview'),
    cards,
    el('h2', {}, 'Detections and isolations, last hour'),
    el('div', { class: 'legend' }, el('span', { class: 'det' }, '■ detections'),
      el('span', { class: 'iso' }, '■ isolations started')),
    chart(o.history),
    el('h2', {}, 'Circuit breaker'),
    el('p', { id: 'breaker', class: br.tripped ? 'error' : 'ok' },
      br.tripped ? `tripped since ${when(br.since)}: ${br.reason} (${br.held} hosts held)` :
        `closed (${br.trips} trips so far)`),
    el('h2', {}, 'Enforcement points'),
    el('table', { id: 'points' },
      el('tr', {}, ['name', 'kind', 'prefixes', 'ok', 'failed', 'last error', 'latency'].map((t) => el('th', {}, t))),
      o.points.map((p) => el('tr', {}, el('td', {}, p.name), el('td', {}, p.kind),
        el('td', {}, p.prefixes.join(' ')), el('td', {}, p.ok), el('td', {}, p.failed),
        el('td', { class: p.last_error ? 'error' : '' }, p.last_error || '—'),
        el('td', {}, p.last_latency_ms.toFixed(0) + ' ms')))),
    el('h2', {}, 'Sensors'),
    o.sensors.length ? el('table', { id: 'sensors' },
      el('tr', {}, ['sensor', 'last heard', 'detections', 'asset reports', 'since'].map((t) => el('th', {}, t))),
      o.sensors.map((x) => {
        // Sensors report the hosts they see every minute or so: quiet for
        // five minutes means it stopped, or lost its way to cordond.
        const quiet = Date.now() / 1000 - x.last_heard > QUIET_S;
        return el('tr', { 'data-sensor': x.name },
          el('td', {}, x.name || '(unnamed)'),
          el('td', { class: quiet ? 'error' : 'ok' }, (quiet ? 'quiet since ' : '') + when(x.last_heard)),
          el('td', {}, x.detections), el('td', {}, x.reports), el('td', {}, when(x.first_heard)));
      })) : el('p', { id: 'sensors' }, 'No sensor heard from since cordond started.'),
    o.sensors_unlisted ? el('p', {}, `${o.sensors_unlisted} lines from further sensors (not listed)`) : null,
    el('p', {}, `${st.detections} detections received, ${st.bad_lines} refused lines; ` +
      `${st.isolations_ok} isolations, ${st.releases_ok} releases, ${st.isolations_failed + st.releases_failed} failures; ` +
      `up ${Math.round(st.uptime)} s${st.dry_run ? ' (dry run)' : ''}`));
}

function hostRow(h, extra) {
  return el('tr', { 'data-ip': h.ip },
    el('td', {}, el('a', { href: '#/host/' + encodeURIComponent(h.ip) }, h.ip)),
    el('td', {}, h.mac || '—'), el('td', {}, stateBadge(h.state)), el('td', {}, h.hold || ''),
    el('td', {}, h.location ? [h.point, h.location.detail || ''].filter(Boolean).join(': ') : (h.point || '—')),
    el('td', { class: 'reason' }, h.reason || ''), el('td', {}, when(h.last_seen)),
    extra ? el('td', {}, extra) : null);
}

function hostTable(id, rows, extraHead) {
  return el('table', { id },
    el('tr', {}, ['address', 'MAC', 'state', 'hold', 'where', 'reason', 'last seen', extraHead]
      .filter(Boolean).map((t) => el('th', {}, t))),
    rows);
}

function hashQuery() {
  const i = location.hash.indexOf('?');
  return new URLSearchParams(i < 0 ? '' : location.hash.slice(i + 1));
}

const hostsState = { pages: [null], index: 0 };

async function hosts(live) {
  const q = hashQuery();
  const state = q.get('state') || '';
  const search = (q.get('q') || '').trim();
  if (!live) hostsState.index = 0, hostsState.pages = [null];
  const sel = el('select', { id: 'state', onchange: () => { q.set('state', sel.value); location.hash = '#/hosts?' + q; } },
    el('option', { value: '' }, 'any state'), STATES.map((s) => el('option', { value: s, selected: s === state }, s)));
  const box = el('input', { id: 'search', type: 'search', placeholder: 'IP, MAC or port', value: search });
  const form = el('form', { onsubmit: (e) => { e.preventDefault(); q.set('q', box.value.trim()); location.hash = '#/hosts?' + q; } },
    box, el('button', { type: 'submit' }, 'Search'));
  let rows = [], note = '', next = null;
  if (/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(search)) {
    const r = await api('/api/v1/hosts?mac=' + encodeURIComponent(search.toLowerCase()));
    rows = r.hosts; note = `hosts with MAC ${search}`;
  } else if (/^\d{1,5}$/.test(search)) {
    const r = await api(`/api/v1/assets?exposed=${search}&limit=${PAGE_SIZE}` + (state ? '&state=' + encodeURIComponent(state) : '') +
      (hostsState.pages[hostsState.index] ? '&after=' + encodeURIComponent(hostsState.pages[hostsState.index]) : ''));
    rows = r.hosts; next = r.next; note = `hosts answering on port ${search}`;
  } else if (search) {
    try {
      const r = await api('/api/v1/hosts/' + encodeURIComponent(search));
      rows = [r.host];
    } catch (e) {
      if (e.status !== 404 && e.status !== 400) throw e;
      note = e.status === 404 ? `${search} is not on record` : `'${search}' is not an address, a MAC or a port`;
    }
  } else {
    const after = hostsState.pages[hostsState.index];
    const r = await api(`/api/v1/hosts?limit=${PAGE_SIZE}` + (state ? '&state=' + encodeURIComponent(state) : '') +
      (after ? '&after=' + encodeURIComponent(after) : ''));
    rows = r.hosts; next = r.next;
  }
  const pager = el('span', { class: 'pager' },
    el('button', { id: 'prev', type: 'button', disabled: hostsState.index === 0,
      onclick: () => { hostsState.index--; hosts(true); } }, '‹ previous'),
    ` page ${hostsState.index + 1} `,
    el('button', { id: 'next', type: 'button', disabled: !next,
      onclick: () => { hostsState.pages[hostsState.index + 1] = next; hostsState.index++; hosts(true); } }, 'next ›'));
  view(el('h1', {}, 'Hosts'), el('div', { class: 'toolbar' }, sel, form, pager),
    note ? el('p', { id: 'hosts-note' }, note) : null,
    hostTable('hosts-table', rows.map((h) => hostRow(h))));
}

// The last action's answer, shown again when its host's page is drawn anew.
let lastResult = null;

async function act(ip, what, body, out) {
  out.textContent = '…';
  try {
    const r = await post(`/api/v1/hosts/${encodeURIComponent(ip)}/${what}`, body);
    lastResult = { ip, ok: r.ok, text: r.message || (r.ok ? 'done' : 'failed') };
  } catch (e) {
    lastResult = { ip, ok: false, text: e.message };
  }
  out.className = lastResult.ok ? 'ok' : 'error';
  out.textContent = lastResult.text;
  await route(true);
}

function actions(h) {
  if (!isOperator()) return null;
  const out = el('span', { id: 'act-result' });
  if (lastResult && lastResult.ip === h.ip) {
    out.className = lastResult.ok ? 'ok' : 'error';
    out.textContent = lastResult.text;
  }
  const reason = el('input', { id: 'act-reason', placeholder: 'reason', size: 40 });
  const b = [];
  if (h.state === 'suspected' && h.hold === 'approval')
    b.push(el('button', { id: 'act-approve', type: 'button', class: 'danger',
      onclick: () => act(h.ip, 'approve', null, out) }, 'Approve isolation'));
  if (h.state === 'quarantined')
    b.push(el('button', { id: 'act-patched', type: 'button',
      onclick: () => act(h.ip, 'patched', reason.value ? { reason: reason.value } : null, out) }, 'Release (patched)'));
  if (!['quarantined', 'quarantining', 'releasing'].includes(h.state))
    b.push(el('button', { id: 'act-quarantine', type: 'button', class: 'danger',
      onclick: () => {
        if (!reason.value.trim()) { out.className = 'error'; out.textContent = 'a quarantine needs a reason'; return; }
        act(h.ip, 'quarantine', { reason: reason.value.trim() }, out);
      } }, 'Quarantine'));
  return el('div', { class: 'toolbar', id: 'actions' }, reason, b, out);
}

async function host(ip) {
  const r = await api('/api/v1/hosts/' + encodeURIComponent(ip));
  const h = r.host;
  const loc = h.location;
  view(
    el('h1', {}, 'Host ', el('span', { id: 'host-ip' }, h.ip), ' ', stateBadge(h.state)),
    actions(h),
    el('table', { id: 'host-facts' },
      [['MAC', h.mac || '—'], ['hold', h.hold || '—'], ['reason', h.reason || '—'], ['by', h.actor || '—'],
        ['enforcement point', h.point || '—'],
        ['port', loc && loc.port ? `${loc.port} (ifIndex ${loc.ifindex})` : '—'],
        ['VLANs', loc && loc.quarantine_vlan > 0 ? `${loc.orig_vlan}${loc.orig_tagged ? ' (tagged ' + loc.orig_tagged + ')' : ''}` +
          ` → quarantine ${loc.quarantine_vlan}` : '—'],
        ['location', loc ? loc.detail || '—' : '—'],
        ['also behind the port', loc && loc.affected && loc.affected.length ? loc.affected.join(' ') : '—'],
        ['first seen', when(h.first_seen)], ['last seen', when(h.last_seen)],
        ['probation until', when(h.probation_until)], ['last error', h.last_error || '—']]
        .map(([k, v]) => el('tr', {}, el('th', {}, k), el('td', { 'data-field': k }, v)))),
    el('h2', {}, 'Exposed services'),
    r.services.length ? el('ul', { id: 'services' }, r.services.map((s) =>
      el('li', {}, `${s.proto}/${s.port}`, ' ', el('small', {}, `${when(s.first_seen)} – ${when(s.last_seen)}`))))
      : el('p', { id: 'services' }, 'none seen'),
    el('h2', {}, 'Detections'),
    el('table', { id: 'detections' },
      el('tr', {}, ['time', 'engine', 'sensor', 'evidence'].map((t) => el('th', {}, t))),
      r.detections.slice().reverse().map((d) => el('tr', {},
        el('td', {}, when(d.time)), el('td', {}, d.engine),
        el('td', {}, (d.detection && d.detection.sensor) || '—'),
        el('td', {}, el('pre', {}, JSON.stringify((d.detection && d.detection.evidence) || d.detection, null, 1)))))),
    el('h2', {}, 'Audit'),
    el('table', { id: 'audit' },
      el('tr', {}, ['time', 'who', 'action', 'reason', 'result'].map((t) => el('th', {}, t))),
      r.history.slice().reverse().map((a) => el('tr', {},
        el('td', {}, when(a.time)), el('td', {}, a.actor), el('td', {}, a.action),
        el('td', {}, a.reason || ''), el('td', {}, a.result || '')))));
}

async function approvals() {
  const r = await api('/api/v1/hosts?state=suspected&limit=10000');
  const waiting = r.hosts.filter((h) => h.hold);
  view(el('h1', {}, 'Waiting for an operator'),
    waiting.length ? hostTable('approvals-table', waiting.map((h) => hostRow(h,
      isOperator() && h.hold === 'approval'
        ? el('button', { type: 'button', class: 'danger approve', onclick: (e) => {
          const out = el('span', {}); e.target.after(out); act(h.ip, 'approve', null, out);
        } }, 'Approve') : null)), isOperator() ? 'act' : null)
      : el('p', { id: 'approvals-none' }, 'Nothing waits.'));
}

async function exposure(live) {
  const q = hashQuery();
  const port = Number(q.get('port') || 445);
  const sel = el('select', { id: 'exposure-port', onchange: () => { location.hash = '#/exposure?port=' + sel.value; } },
    WORM_PORTS.map(([p, what]) => el('option', { value: p, selected: p === port }, `${p} — ${what}`)));
  const r = await api(`/api/v1/assets?exposed=${port}&limit=10000`);
  const kind = (h) => h.state === 'quarantined' || h.state === 'quarantining' ? 'quarantined'
    : h.state === 'probation' || h.state === 'clear' ? 'patched' : 'unknown';
  const counts = { quarantined: 0, patched: 0, unknown: 0 };
  for (const h of r.hosts) counts[kind(h)]++;
  view(el('h1', {}, 'Exposure map'),
    el('div', { class: 'toolbar' }, sel),
    el('p', { id: 'exposure-counts' }, `${r.hosts.length} hosts answer on ${port}: ` +
      `${counts.unknown} not known to be patched, ${counts.quarantined} quarantined, ${counts.patched} released as patched`),
    el('table', { id: 'exposure-table' },
      el('tr', {}, ['address', 'state', 'status', 'services', 'last seen'].map((t) => el('th', {}, t))),
      r.hosts.map((h) => el('tr', { 'data-ip': h.ip },
        el('td', {}, el('a', { href: '#/host/' + encodeURIComponent(h.ip) }, h.ip)),
        el('td', {}, stateBadge(h.state)), el('td', { class: 'status' }, kind(h)),
        el('td', {}, h.services.map((s) => `${s.proto}/${s.port}`).join(' ')),
        el('td', {}, when(h.last_seen))))));
}

// ---- start -------------------------------------------------------------------------

document.addEventListener('DOMContentLoaded', () => {
  $('login-form').addEventListener('submit', login);
  $('logout').addEventListener('click', logout);
  window.addEventListener('hashchange', () => route(false));
  loadSession();
});
