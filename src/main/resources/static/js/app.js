// pinlab teaching page. Plain ES modules, no build step, no CDN: a classroom may be offline.
// Every number on the page comes from the service; nothing is simulated in the browser.
import { call, credentials, stream } from './api.js';
import { h, fill, esc } from './dom.js';
import { FOLL_HELP } from './flags.js';
import {
  addr, hex, hex8, size, foldedAxis, expandRuns, countStates, runBar, changedPages, changedVmas,
  explainRefcount, dmesgLines, kernelTag, parseSse, PAGE,
} from './layout.js';

const API = '/api/v1';
const WINDOW = 1024;              // pages shown as cells at a time
const STATES = [
  ['absent', '·', 'absent: no page table entry'],
  ['swapped', 'S', 'swapped: a swap entry, the page is on swap (MADV_PAGEOUT); an access swaps it in'],
  ['zero', '0', 'zero: the shared zero page'],
  ['present', 'p', 'present'],
  ['cow-shared', 'C', 'cow-shared: read-only in several processes, a write copies'],
  ['pinned', 'P', 'pinned: folio_maybe_dma_pinned(); the badge is the pincount'],
  ['huge', 'H', 'huge: part of a large folio (THP or hugetlb)'],
];
const GLYPH = Object.fromEntries(STATES.map(([s, g]) => [s, g]));

const S = {
  sid: null, token: null, readOnly: false, session: null, profiles: [], flags: [], docs: null,
  processes: [], pid: null, maps: [], vmaIndex: null, zoom: null, pageSel: null,
  history: null, historyAvailable: false, at: null, lastSeq: 0,
  prev: { maps: null, pages: null, procs: null, key: null },
  streamAbort: null, refreshTimer: null, refreshing: null, refreshAgain: false,
};

/** Whether the service describes this path in its OpenAPI document (features land one by one). */
const has = path => !!(S.docs && S.docs.paths && S.docs.paths[path]);
const base = () => `${API}/sessions/${encodeURIComponent(S.sid)}`;
const get = (path, opts = {}) => call('GET', base() + path, { token: S.token, at: S.at, ...opts });

function notice(msg) { fill('notice', msg || ''); }

// ------------------------------------------------------------------ start

async function boot() {
  const hash = new URLSearchParams(location.hash.slice(1));
  if (hash.get('session') && hash.get('token')) {
    credentials.set({ kind: 'session', sid: hash.get('session'), token: hash.get('token') });
    // drop the token from the address bar (and from history); keep the session id for reloads
    history.replaceState(null, '', location.pathname + '#session=' + encodeURIComponent(hash.get('session')));
  }
  // the OpenAPI document builds the console and tells which features this server has; the
  // first request after a start can take seconds, so nothing else waits for it
  S.docsReady = S.docsReady || call('GET', '/v3/api-docs').then(d => { S.docs = d.ok ? d.json : null; });
  const pr = await call('GET', `${API}/profiles`);
  S.profiles = pr.ok ? pr.json : [];
  const c = credentials.get();
  if (c && c.kind === 'session' && (!hash.get('session') || hash.get('session') === c.sid)) {
    await openSession(c.sid, c.token, !!c.readOnly);
  } else if (c && c.kind === 'course') {
    await openCourse(c.cid, c.token);
  } else {
    showStart();
  }
}

function showStart() {
  document.getElementById('start').hidden = false;
  document.getElementById('lab').hidden = true;
  document.getElementById('course').hidden = true;
  document.getElementById('session-bar').hidden = true;
  fill('profile-list', S.profiles.map(p => h('label', { class: 'profile' },
    h('input', { type: 'radio', name: 'profile', value: p.name, checked: p.default }),
    ' ', h('strong', {}, p.name), ' (', p.kernel, ')', p.default ? ' — default' : '',
    h('div', { class: 'hint' }, p.summary),
    h('ul', {}, (p.differences || []).map(d => h('li', {}, d))))));
}

function wireStartForms() {
  document.getElementById('create-form').addEventListener('submit', async e => {
    e.preventDefault();
    const f = new FormData(e.target);
    const body = { profile: f.get('profile') || undefined, movableZone: f.get('movableZone') === 'on' };
    if (f.get('label')) body.label = f.get('label');
    const r = await call('POST', `${API}/sessions`, { body });
    if (r.status !== 201) return notice(problemText(r));
    credentials.set({ kind: 'session', sid: r.json.id, token: r.json.token });
    history.replaceState(null, '', location.pathname + '#session=' + encodeURIComponent(r.json.id));
    await openSession(r.json.id, r.json.token, false);
  });
  // The two forms that take an id and a token: remember them, clear the form, open.
  function idTokenForm(formId, kind, idField, open) {
    document.getElementById(formId).addEventListener('submit', async e => {
      e.preventDefault();
      const f = new FormData(e.target);
      const id = f.get(idField).trim(), token = f.get('token').trim();
      credentials.set({ kind, [idField]: id, token });
      e.target.reset();
      await open(id, token);
    });
  }
  idTokenForm('open-form', 'session', 'sid', (sid, token) => openSession(sid, token, false));
  document.getElementById('join-form').addEventListener('submit', async e => {
    e.preventDefault();
    const f = new FormData(e.target);
    await S.docsReady;
    const create = S.docs && S.docs.components.schemas.CreateSessionRequest;
    if (!create || !create.properties.joinCode) return notice('This server does not run courses yet.');
    const r = await call('POST', `${API}/sessions`, { body: { joinCode: f.get('joinCode').trim(), label: f.get('label') } });
    if (r.status !== 201) {
      return notice(r.status === 400 && /joinCode/.test(r.text) ? 'This server does not run courses yet.' : problemText(r));
    }
    credentials.set({ kind: 'session', sid: r.json.id, token: r.json.token });
    await openSession(r.json.id, r.json.token, false);
  });
  idTokenForm('course-form', 'course', 'cid', openCourse);
}

function problemText(r) {
  const p = r.problem || r.json || {};
  const errs = (p.errors || []).map(x => `${x.field}: ${x.message}`).join('; ');
  return `HTTP ${r.status}: ${p.title || ''}${p.detail ? ' — ' + p.detail : ''}${errs ? ' (' + errs + ')' : ''}`;
}

function sessionBar(extra) {
  const bar = fill('session-bar',
    h('span', {}, 'session ', h('code', {}, S.sid || ''), S.session ? ` · ${S.session.profile}` : '',
      S.session && S.session.label ? ` · ${S.session.label}` : '', S.readOnly ? ' · read-only' : ''),
    extra,
    h('button', { type: 'button', onclick: leave }, 'Leave (forget token)'));
  bar.hidden = false;
}

function leave() {
  if (S.streamAbort) S.streamAbort.abort();
  credentials.clear();
  Object.assign(S, { sid: null, token: null, session: null, at: null, history: null, pid: null, vmaIndex: null, zoom: null });
  history.replaceState(null, '', location.pathname);
  notice('');
  showStart();
}

// ------------------------------------------------------------------ course (instructor)

async function openCourse(cid, token) {
  await S.docsReady;
  if (!has('/api/v1/courses/{cid}')) {
    credentials.clear();
    showStart();
    return notice('This server does not run courses yet.');
  }
  const r = await call('GET', `${API}/courses/${encodeURIComponent(cid)}`, { token });
  if (!r.ok) {
    credentials.clear();
    showStart();
    return notice(r.status === 404 || r.status === 405 ? 'Unknown course, wrong token, or this server does not run courses yet.' : problemText(r));
  }
  document.getElementById('start').hidden = true;
  document.getElementById('lab').hidden = true;
  document.getElementById('course').hidden = false;
  S.sid = null;
  const c = r.json;
  fill('session-bar', h('span', {}, 'course ', h('strong', {}, c.title || cid)),
    h('button', { type: 'button', onclick: leave }, 'Leave (forget token)')).hidden = false;
  fill('course-body', h('table', { class: 'data' },
    h('thead', {}, h('tr', {}, ['Student', 'Profile', 'Steps', 'Exercises solved/attempted', 'Last active', ''].map(t => h('th', {}, t)))),
    h('tbody', {}, (c.sessions || []).map(s => h('tr', {},
      h('td', {}, s.label || ''), h('td', {}, s.profile || ''), h('td', {}, s.steps ?? ''),
      h('td', {}, s.exercises ? `${s.exercises.solved}/${s.exercises.attempted}` : ''),
      h('td', {}, s.lastActiveAt || ''),
      h('td', {}, h('button', { type: 'button', onclick: () => {
        credentials.set({ kind: 'session', sid: s.id, token, readOnly: true, cid });
        openSession(s.id, token, true);
      } }, 'View read-only')))))));
}

// ------------------------------------------------------------------ session

async function openSession(sid, token, readOnly) {
  S.sid = sid; S.token = token; S.readOnly = readOnly;
  const r = await call('GET', `${API}/sessions/${encodeURIComponent(sid)}`, { token });
  if (!r.ok) {
    credentials.clear();
    S.sid = null; S.token = null;
    showStart();
    return notice(r.status === 404 || r.status === 401 ? 'No such session, or the token does not match.' : problemText(r));
  }
  S.session = r.json;
  S.lastSeq = (r.json.counts && r.json.counts.events) || 0; // the stream sends only what comes next
  notice('');
  document.getElementById('start').hidden = true;
  document.getElementById('course').hidden = true;
  document.getElementById('lab').hidden = false;
  const c = credentials.get();
  sessionBar(c && c.cid ? h('button', { type: 'button', onclick: () => {
    credentials.set({ kind: 'course', cid: c.cid, token }); openCourse(c.cid, token);
  } }, 'Back to course') : null);
  const flags = await call('GET', `${API}/profiles/${encodeURIComponent(S.session.profile)}/flags`);
  S.flags = flags.ok ? flags.json : [];
  S.history = null;
  S.pid = S.session.initPid || 1;
  renderLegend();
  renderCompareForm();
  fill('op-fields', h('p', { class: 'hint' }, 'Reading the OpenAPI document …'));
  const docs = S.docsReady.then(() => {
    S.historyAvailable = has('/api/v1/sessions/{sid}/history');
    buildConsole();
    loadExercises();
    if (S.historyAvailable) scheduleRefresh();
  });
  await refresh();
  startStream();
  await docs;
}

// ------------------------------------------------------------------ refresh (all read views)

function scheduleRefresh() {
  clearTimeout(S.refreshTimer);
  S.refreshTimer = setTimeout(() => refresh(), 120);
}

async function refresh() {
  if (!S.sid) return;
  if (S.refreshing) { S.refreshAgain = true; return S.refreshing; }
  S.refreshing = (async () => {
    try {
      const [procs, pins, dmesg, hist, sess] = await Promise.all([
        get('/processes'), get('/pins'), get('/dmesg', { accept: 'text/plain' }),
        // without history, the timeline lists the last 200 calls of the event feed
        S.historyAvailable ? call('GET', base() + '/history', { token: S.token })
          : get(`/events?after=${Math.max(0, ((S.session && S.session.counts && S.session.counts.events) || 0) - 200)}`),
        call('GET', base(), { token: S.token }),
      ]);
      if (sess.ok) { S.session = sess.json; S.vmaCount = sess.json.counts.vmas; }
      if (procs.status === 404 || procs.status === 401) {
        notice('The session has ended or expired.');
        return;
      }
      S.processes = procs.ok ? procs.json : [];
      if (!S.processes.some(p => p.pid === S.pid)) S.pid = S.processes.length ? S.processes[0].pid : null;
      renderProcesses();
      renderPins(pins.ok ? pins.json : [], pins.total);
      renderDmesg(dmesg.ok ? dmesg.text : '');
      if (S.historyAvailable && hist.ok) S.history = hist.json;
      renderTimeline(hist.ok ? hist.json : null);
      await Promise.all([renderMap(), renderUring(), renderPhys()]);
      refreshConsolePids();
    } finally {
      S.refreshing = null;
      if (S.refreshAgain) { S.refreshAgain = false; scheduleRefresh(); }
    }
  })();
  return S.refreshing;
}

// ------------------------------------------------------------------ live updates

function startStream() {
  if (S.streamAbort) S.streamAbort.abort();
  const ctl = new AbortController();
  S.streamAbort = ctl;
  const sid = S.sid, token = S.token;
  (async () => {
    let buf = '';
    while (!ctl.signal.aborted && S.sid === sid) {
      try {
        const status = await stream(`${API}/sessions/${encodeURIComponent(sid)}/events/stream?after=${S.lastSeq}`, token, ctl.signal, chunk => {
          const parsed = parseSse(buf + chunk);
          buf = parsed.rest;
          for (const ev of parsed.events) {
            if (ev.id) S.lastSeq = Math.max(S.lastSeq, Number(ev.id));
            if (S.at == null) scheduleRefresh();
          }
        });
        if (status === 404 || status === 401) return;
      } catch (e) {
        if (ctl.signal.aborted) return;
      }
      await new Promise(r => setTimeout(r, 2000));
    }
  })();
}

// ------------------------------------------------------------------ processes

function renderProcesses() {
  const prevStatus = S.prev.procs || new Map();
  const byParent = new Map();
  for (const p of S.processes) {
    const key = S.processes.some(q => q.pid === p.ppid) ? p.ppid : 0;
    if (!byParent.has(key)) byParent.set(key, []);
    byParent.get(key).push(p);
  }
  const node = p => {
    const was = prevStatus.get(p.pid);
    const pinChanged = was != null && was !== p.status.vmPinKb;
    return h('li', {},
      h('button', { type: 'button', 'aria-pressed': String(p.pid === S.pid), 'data-pid': p.pid, onclick: () => selectProcess(p.pid) },
        `${p.pid} ${p.comm}`),
      ' ', h('span', { class: 'hint' }, `VmRSS ${p.status.vmRssKb} kB · VmPin ${p.status.vmPinKb} kB`),
      pinChanged ? h('span', { class: 'changed-mark' }, ` * VmPin was ${was} kB`) : null,
      byParent.has(p.pid) ? h('ul', {}, byParent.get(p.pid).map(node)) : null);
  };
  fill('proc-tree', h('ul', { class: 'tree', 'aria-label': 'process tree (fork parent and children)' }, (byParent.get(0) || []).map(node)));
  S.prev.procs = new Map(S.processes.map(p => [p.pid, p.status.vmPinKb]));
}

function selectProcess(pid) {
  S.pid = pid; S.vmaIndex = null; S.vmaStart = null; S.zoom = null; S.pageSel = null; S.prev.maps = null;
  renderProcesses();
  renderMap();
  refreshConsolePids();
}

// ------------------------------------------------------------------ address-space map

/** Above this many VMAs the map reads /proc/PID/maps as text (a quarter of the JSON) and leaves out Rss and pins. */
const BIG_MAP = 4096;
/** Rects parsed per task: the first chunk paints at once, the rest streams in without blocking input. */
const CHUNK = 4000;

async function renderMap() {
  if (S.pid == null) { fill('map-wrap'); return; }
  const t0 = performance.now();
  const big = S.vmaCount > BIG_MAP;
  const r = big ? await get(`/processes/${S.pid}/maps`, { accept: 'text/plain' }) : await get(`/processes/${S.pid}/maps`);
  if (!r.ok) { fill('map-wrap', problemText(r)); return; }
  const tFetched = performance.now();
  const key = `${S.pid}`;
  const drawnKey = `${S.pid}@${S.at}`;
  if (r.text === S.prev.mapsRaw && S.prev.drawnKey === drawnKey && S.focusAddr == null && document.querySelector('#map-wrap svg')) {
    await renderPages(); // the same maps as drawn: keep the map (65,530 VMAs cost seconds to draw again)
    return;
  }
  S.prev.mapsRaw = r.text; S.prev.drawnKey = drawnKey;
  const prevMaps = S.prev.key === key ? S.prev.maps : null;
  S.maps = big ? parseMapsText(r.text) : r.json;
  S.mapsHaveCounts = !big;
  const changed = prevMaps ? changedVmas(prevMaps, S.maps) : new Set();
  S.prev.maps = S.maps; S.prev.key = key;
  const wrap = document.getElementById('map-wrap');
  const width = Math.max(400, wrap.clientWidth - 20); // room for the vertical scrollbar
  const items = S.maps.map(v => ({ start: addr(v.start), end: addr(v.end) }));
  const ROW = 26, HGT = 22, minWidth = S.maps.length > 2000 ? 2 : 6;
  const lay = foldedAxis(items, { width, gap: 14, minWidth, rowHeight: ROW });
  S.vmaIndex = S.maps.length ? pickVma() : null;
  // Markup strings, not the DOM builder: 65,530 rects one by one would cost seconds. Attributes
  // hold numbers, hex addresses from the service (escaped all the same); names only reach the
  // page as escaped text.
  const rect = i => {
    const v = S.maps[i], p = lay.items[i];
    const kind = v.path == null ? 'anon' : v.path.startsWith('[') ? 'special' : 'file';
    const cls = `vma ${kind}${v.pinned > 0 ? ' pinned' : ''}${i === S.vmaIndex ? ' sel' : ''}${changed.has(v.start + '-' + v.end) ? ' changed' : ''}`;
    return `<rect class="${cls}" data-i="${i}" data-start="${esc(v.start)}" data-end="${esc(v.end)}" x="${Math.round(p.x * 10) / 10}" y="${p.y + 1}" width="${Math.round(Math.max(1, p.w - 1) * 10) / 10}" height="${HGT}"/>`;
  };
  const parts = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${lay.rows * ROW + 2}" role="group" tabindex="0" aria-describedby="vma-label" aria-label="${S.maps.length} VMAs of process ${S.pid} on a folded axis, gaps shrunk to breaks. Arrow keys, Home and End move the selection, Enter zooms into it.">`);
  parts.push('<defs><pattern id="pat-pinned" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#e0453a"/><line x1="0" y1="0" x2="0" y2="6" stroke="#000" stroke-width="2"/></pattern></defs>');
  if (!big) {
    for (const b of lay.breaks) {
      const y = b.row * ROW;
      parts.push(`<path class="brk" d="M${b.x + 3} ${y + 2} l4 6 l-4 6 l4 6 M${b.x + 8} ${y + 2} l4 6 l-4 6 l4 6"><title>gap of ${esc(size(b.bytes))}</title></path>`);
    }
  }
  parts.push('<g data-testid="vma-map">');
  const first = Math.min(S.maps.length, CHUNK);
  for (let i = 0; i < first; i++) parts.push(rect(i));
  parts.push('</g>');
  if (S.maps.length <= 2000) {
    S.maps.forEach((v, i) => {
      const p = lay.items[i];
      if (p.w < 70) return;
      const label = `${v.perms} ${v.path == null ? '[anon]' : v.path}`.slice(0, Math.floor((p.w - 6) / 7.2));
      parts.push(`<text class="vma-text" x="${Math.round(p.x + 3)}" y="${p.y + 16}">${esc(label)}</text>`);
    });
  }
  const tBuilt = performance.now();
  wrap.innerHTML = parts.join('') + '</svg>';
  const tParsed = performance.now();
  const el = wrap.firstElementChild;
  const group = el.querySelector('g');
  const token = S.mapToken = (S.mapToken || 0) + 1;
  const rest = () => new Promise(resolve => {
    let i = first;
    const step = () => {
      if (token !== S.mapToken) return resolve(false);
      if (i >= S.maps.length) return resolve(true);
      const to = Math.min(S.maps.length, i + CHUNK), chunk = [];
      for (; i < to; i++) chunk.push(rect(i));
      group.insertAdjacentHTML('beforeend', chunk.join(''));
      setTimeout(step, 0);
    };
    setTimeout(step, 0);
  });
  el.addEventListener('click', e => {
    const hit = e.target.closest('rect.vma');
    if (hit) selectVma(Number(hit.dataset.i), true);
  });
  el.addEventListener('keydown', e => {
    const n = S.maps.length;
    if (!n) return;
    let i = S.vmaIndex ?? 0;
    if (e.key === 'ArrowRight' || e.key === 'ArrowDown') i = Math.min(n - 1, i + 1);
    else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') i = Math.max(0, i - 1);
    else if (e.key === 'Home') i = 0;
    else if (e.key === 'End') i = n - 1;
    else if (e.key === 'Enter' || e.key === ' ') { selectVma(i, true); e.preventDefault(); return; }
    else return;
    e.preventDefault();
    selectVma(i, false);
  });
  fill('map-head', h('p', { class: 'hint' },
    `${S.maps.length} VMA(s) of pid ${S.pid}; width to scale (at least ${minWidth} px), gaps shrunk to // breaks. `,
    big ? `More than ${BIG_MAP} VMAs: read from /proc/PID/maps text, without Rss and pin counts per VMA.`
      : 'Pinned VMAs are cross-hatched; a dashed outline marks what the last step changed.'));
  fill('maps-text', mapsText(S.maps, S.vmaIndex));
  if (S.vmaIndex != null) S.vmaStart = addr(S.maps[S.vmaIndex].start);
  showVmaLabel();
  requestAnimationFrame(() => {
    performance.mark('pinlab-map-painted');
    window.pinlabTimings = Object.assign(window.pinlabTimings || {}, { mapMs: performance.now() - t0, mapFetchMs: tFetched - t0,
      mapBuildMs: tBuilt - tFetched, mapParseMs: tParsed - tBuilt, vmas: S.maps.length });
  });
  const pages = renderPages();
  if (await rest()) {
    performance.mark('pinlab-map-complete');
    window.pinlabTimings = Object.assign(window.pinlabTimings || {}, { mapCompleteMs: performance.now() - t0 });
  }
  await pages;
}

/** /proc/PID/maps text -> the JSON shape of GET .../maps, without Rss, pins and VmFlags. */
function parseMapsText(text) {
  const out = [];
  const re = /^([0-9a-f]+)-([0-9a-f]+) (\S+) ([0-9a-f]+) (\S+) (\d+) ?\s*(.*)$/;
  for (const line of text.split('\n')) {
    const m = re.exec(line);
    if (!m) continue;
    out.push({ start: '0x' + m[1].replace(/^0+(?=.)/, ''), end: '0x' + m[2].replace(/^0+(?=.)/, ''), perms: m[3],
      offset: parseInt(m[4], 16), dev: m[5], inode: Number(m[6]), path: m[7] === '' ? null : m[7], rss: null, pinned: null, vmFlags: [] });
  }
  return out;
}

/**
 * The VMA to show after a refresh: the one holding the address the last call named (so the view
 * follows what the student just did), else the one shown before, else the first non-special one.
 */
function pickVma() {
  const holding = a => S.maps.findIndex(v => addr(v.start) <= a && addr(v.end) > a);
  if (S.focusAddr != null) {
    const i = holding(S.focusAddr);
    if (i >= 0) {
      const a = S.focusAddr;
      S.focusAddr = null;
      if (!S.zoom || S.zoom.start !== addr(S.maps[i].start)) S.pageSel = null;
      S.focusPage = a;
      return i;
    }
  }
  if (S.vmaStart != null) {
    const i = holding(S.vmaStart);
    if (i >= 0) return i;
  }
  const i = S.maps.findIndex(v => !(v.path || '').startsWith('['));
  return i >= 0 ? i : 0;
}

function mapLine(v) {
  const head = `${hex8(addr(v.start))}-${hex8(addr(v.end))} ${v.perms} ${hex8(v.offset)} ${v.dev} ${v.inode}`;
  return v.path == null ? head : head.padEnd(73) + ' ' + v.path;
}

function mapsText(maps, sel) {
  // around the selection only: 65,530 lines of text would not help anyone
  const from = Math.max(0, (sel ?? 0) - 200), to = Math.min(maps.length, from + 400);
  const lines = maps.slice(from, to).map(v => mapLine(v) + (v.rss == null ? '' : `   # Rss ${size(v.rss)}, pinned ${v.pinned}`));
  if (from > 0) lines.unshift(`... ${from} line(s) above`);
  if (to < maps.length) lines.push(`... ${maps.length - to} line(s) below`);
  return lines.join('\n');
}

function showVmaLabel() {
  const v = S.maps[S.vmaIndex];
  fill('vma-label', v ? `${mapLine(v)}\n${size(addr(v.end) - addr(v.start))}` + (v.rss == null ? ''
    : ` · Rss ${size(v.rss)} · ${v.pinned} page(s) maybe DMA-pinned · ${(v.vmFlags || []).join(' ')}`) : '');
}

function selectVma(i, zoom) {
  const svg = document.querySelector('#map-wrap svg');
  const old = svg && svg.querySelector('rect.sel');
  if (old) old.classList.remove('sel');
  S.vmaIndex = i;
  S.vmaStart = addr(S.maps[i].start);
  const el = svg && svg.querySelector(`rect[data-i="${i}"]`);
  if (el) {
    el.classList.add('sel');
    const wrap = document.getElementById('map-wrap');
    const y = Number(el.getAttribute('y'));
    if (y < wrap.scrollTop || y > wrap.scrollTop + wrap.clientHeight - 30) wrap.scrollTop = y - 20;
  }
  showVmaLabel();
  fill('maps-text', mapsText(S.maps, S.vmaIndex));
  if (zoom) { S.zoom = null; S.prev.pages = null; renderPages(); }
}

// ------------------------------------------------------------------ pages of one VMA

function renderLegend() {
  fill('legend', STATES.map(([s, g, label]) => h('span', {}, h('i', { class: 'st-' + s, 'aria-hidden': 'true' }, g), label)));
}

async function renderPages() {
  const v = S.maps[S.vmaIndex];
  if (!v) { fill('pages', h('p', { class: 'hint' }, 'Select a VMA in the map.')); return; }
  const t0 = performance.now();
  const start = addr(v.start), end = addr(v.end), pages = (end - start) / PAGE;
  const r = await get(`/processes/${S.pid}/pagemap/runs?addr=${hex(start)}&length=${end - start}`);
  if (!r.ok) { fill('pages', problemText(r)); return; }
  const keep = S.zoom && S.zoom.start === start && S.zoom.end === end;
  let first = keep ? Math.min(S.zoom.first, Math.max(0, pages - 1)) : 0;
  if (S.focusPage != null && S.focusPage >= start && S.focusPage < end) {
    first = Math.floor((S.focusPage - start) / PAGE / WINDOW) * WINDOW;
  }
  S.focusPage = null;
  S.zoom = { start, end, pages, runs: r.json.runs, truncated: r.json.truncated, first };
  drawPages();
  if (S.pageSel != null && S.pageSel >= start && S.pageSel < end) selectPage(S.pageSel, null);
  requestAnimationFrame(() => {
    performance.mark('pinlab-pages-painted');
    window.pinlabTimings = Object.assign(window.pinlabTimings || {}, { pagesMs: performance.now() - t0, pages, runs: r.json.runs.length });
  });
}

function drawPages() {
  const z = S.zoom;
  const count = Math.min(WINDOW, z.pages - z.first);
  const cells = expandRuns(z.runs, z.start, z.first, count);
  const key = `${S.pid}:${z.start}-${z.end}:${z.first}`;
  const changed = S.prev.pagesKey === key && S.prev.pages ? changedPages(S.prev.pages, cells) : new Set();
  S.prev.pages = cells; S.prev.pagesKey = key;
  const counts = countStates(z.runs);
  const barW = 640;
  const bar = runBar(z.runs, z.start, z.pages, barW);
  const svg = h('svg:svg', { class: 'runbar', width: barW, height: 20, role: 'img',
    'aria-label': `whole VMA as runs: ${Object.entries(counts).map(([s, n]) => `${n} ${s}`).join(', ')}; click to move the window` },
  bar.map(b => h('svg:rect', { class: b.run.state, x: b.x.toFixed(2), y: 0, width: b.w.toFixed(2), height: 20 })),
  h('svg:rect', { class: 'window', x: (z.first / z.pages * barW).toFixed(1), y: 1, width: Math.max(2, count / z.pages * barW).toFixed(1), height: 18 }));
  svg.addEventListener('click', e => {
    const x = e.clientX - svg.getBoundingClientRect().left;
    movePages(Math.floor(x / barW * z.pages / WINDOW) * WINDOW);
  });
  const grid = h('div', { class: 'page-grid', role: 'grid', 'aria-label': `pages ${z.first} to ${z.first + count - 1}; arrow keys move, Enter shows the folio` });
  const frag = document.createDocumentFragment();
  for (const c of cells) {
    const sel = S.pageSel === c.addr;
    const b = h('button', {
      type: 'button', class: `pg st-${c.state}${sel ? ' sel' : ''}${changed.has(c.index) ? ' changed' : ''}`,
      'data-testid': 'page', 'data-state': c.state, 'data-addr': hex(c.addr), 'data-index': c.index,
      tabindex: sel || (S.pageSel == null && c.index === z.first) ? '0' : '-1',
      'aria-label': `${hex(c.addr)} ${c.state}${c.pincount ? ', pincount ' + c.pincount : ''}${changed.has(c.index) ? ', changed' : ''}`,
      title: `${hex(c.addr)} ${c.state}${c.pfn != null ? ' pfn ' + c.pfn : ''}`,
    }, GLYPH[c.state] || '?', c.pincount > 0 ? h('span', { class: 'badge', 'data-testid': 'pincount' }, String(c.pincount)) : null);
    frag.append(b);
  }
  grid.append(frag);
  grid.addEventListener('click', e => {
    const b = e.target.closest('button.pg');
    if (b) selectPage(addr(b.dataset.addr), b);
  });
  grid.addEventListener('keydown', e => {
    const b = e.target.closest('button.pg');
    if (!b) return;
    const i = Number(b.dataset.index) - z.first;
    const step = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: 32, ArrowUp: -32 }[e.key];
    if (step) {
      const next = grid.children[i + step];
      if (next) { b.tabIndex = -1; next.tabIndex = 0; next.focus(); }
      e.preventDefault();
    }
  });
  fill('pages',
    h('p', { class: 'hint' }, `${mapLine(S.maps[S.vmaIndex])} — ${z.pages} page(s): `,
      Object.entries(counts).map(([s, n]) => `${n} ${s}`).join(', '), z.truncated ? ' (more than 65,536 runs: the rest is not shown)' : ''),
    svg,
    h('div', { class: 'pager' },
      h('button', { type: 'button', disabled: z.first === 0, onclick: () => movePages(z.first - WINDOW) }, '◀ previous'),
      h('span', {}, `pages ${z.first}–${z.first + count - 1} of ${z.pages}`),
      h('button', { type: 'button', disabled: z.first + WINDOW >= z.pages, onclick: () => movePages(z.first + WINDOW) }, 'next ▶')),
    grid);
}

function movePages(first) {
  const z = S.zoom;
  z.first = Math.max(0, Math.min(first, Math.floor((z.pages - 1) / WINDOW) * WINDOW));
  drawPages();
}

async function selectPage(a, button) {
  S.pageSel = a;
  fill('folio', h('p', { class: 'hint' }, `reading the folio of ${hex(a)} …`));
  document.querySelectorAll('#pages .pg.sel').forEach(b => b.classList.remove('sel'));
  if (button) button.classList.add('sel');
  const r = await get(`/processes/${S.pid}/pagemap?addr=${hex(a)}&length=${PAGE}`);
  if (!r.ok) return fill('folio', problemText(r));
  const p = r.json[0];
  if (!p.present) return fill('folio', h('p', {}, `${hex(a)}: no page table entry (absent). A read fault would map the zero page, a write a new page.`));
  if (!p.folio) return fill('folio', h('p', {}, `${hex(a)}: pfn ${p.pfn}, device memory without a struct page (VM_PFNMAP): GUP refuses it.`));
  const f = p.folio;
  const fr = await get(`/physmem/${p.pfn}`);
  const mappers = fr.ok ? fr.json.mappers : [];
  fill('folio', h('h3', {}, `Folio of ${hex(a)}`), h('table', { 'data-testid': 'folio' }, h('tbody', {},
    row('pfn', `${p.pfn} (${hex(p.pfn)})${f.pfn !== p.pfn ? `, head ${f.pfn}` : ''}`),
    row('order', `${f.order} (${size(PAGE << f.order)})`),
    row('refcount', h('span', {}, h('strong', { 'data-testid': 'refcount' }, String(f.refcount)), ' — ', explainRefcount(f))),
    row('pincount', h('span', { 'data-testid': 'pincount-value' }, String(f.pincount))),
    row('mapcount', String(f.mapcount)),
    row('zone', f.zone),
    row('pte', `${p.writable ? 'writable' : 'read-only'}${p.anonExclusive ? ', PageAnonExclusive' : ''}, value ${p.value}`),
    row('mapped by', mappers.length ? h('ul', {}, mappers.map(m => h('li', {},
      `pid ${m.pid} at ${m.addr} (${m.writable ? 'rw' : 'ro'}${m.pmd ? ', PMD' : ''})`))) : 'no process'))));
}

const row = (k, v) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, v));

// ------------------------------------------------------------------ pins, io_uring, physical memory, dmesg

function renderPins(pins, total) {
  if (!pins.length) return fill('pins', h('p', { class: 'hint' }, 'The driver holds no pins. Use the console: gup with a pin_user_pages* call.'));
  fill('pins', total > pins.length ? h('p', { class: 'hint' }, `the first ${pins.length} of ${total} pins`) : null, h('table', { class: 'data' },
    h('thead', {}, h('tr', {}, ['pin', 'call and flags', 'pages', 'state'].map(t => h('th', {}, t)))),
    h('tbody', {}, pins.map(p => h('tr', { class: p.released ? 'released' : '' },
      h('td', {}, `#${p.id}`), h('td', {}, `${p.call} (pid ${p.pid})`, h('br'), h('span', { class: 'hint' }, (p.gupFlags && p.gupFlags.names || []).join(' '))),
      h('td', {}, `${p.nrPages} at `, h('span', { class: 'mono' }, p.start)),
      h('td', {}, p.released ? `released (${p.releasedHow})` : `held (${p.kind}) `, p.released || S.readOnly || S.at != null ? '' : h('button', {
        type: 'button', 'data-testid': 'release-pin', 'data-pin': p.id,
        'aria-label': `release pin ${p.id} with ${p.kind === 'FOLL_GET' ? 'put_page' : 'unpin_user_pages'}`,
        onclick: () => releasePin(p),
      }, p.kind === 'FOLL_GET' ? 'put_page' : 'unpin_user_pages')))))));
}

async function releasePin(p) {
  const how = p.kind === 'FOLL_GET' ? 'put_page' : 'unpin_user_pages';
  const r = await call('POST', `${base()}/pins/${p.id}/release`, { token: S.token, body: { how } });
  showAnswer(`release pin ${p.id} (${how})`, r);
  S.calls = (S.calls || 0) + 1;
  await refresh();
  document.body.dataset.calls = S.calls;
}

async function renderUring() {
  const out = [];
  for (const p of S.processes) {
    const fds = await get(`/processes/${p.pid}/fds`);
    if (!fds.ok) continue;
    const rings = fds.json.filter(f => f.ring);
    const lockedBytes = p.userLockedVmPages * PAGE;
    const headroom = p.capIpcLock ? 'unlimited (CAP_IPC_LOCK)' : size(Math.max(0, p.rlimitMemlock - lockedBytes));
    for (const ring of rings) {
      const b = await get(`/processes/${p.pid}/io_uring/${ring.fd}/buffers`);
      const bufs = b.ok ? b.json : [];
      out.push(h('div', {}, h('h3', {}, `pid ${p.pid}, ring fd ${ring.fd}`),
        h('p', { class: 'hint' }, `user locked_vm ${p.userLockedVmPages} page(s) of RLIMIT_MEMLOCK ${size(p.rlimitMemlock)}: headroom ${headroom}`),
        b.total > bufs.length ? h('p', { class: 'hint' }, `the first ${bufs.length} of ${b.total} buffers`) : null,
        bufs.length ? h('table', { class: 'data' },
          h('thead', {}, h('tr', {}, ['index', 'base', 'len', 'bvecs (coalesced)', 'accounted pages', 'pfns'].map(t => h('th', {}, t)))),
          h('tbody', {}, bufs.map(x => h('tr', {}, h('td', {}, String(x.index)), h('td', { class: 'mono' }, x.base),
            h('td', {}, size(x.len)), h('td', {}, String(x.nrBvecs)), h('td', {}, String(x.accountedPages)),
            h('td', { class: 'mono' }, (x.pfns || []).slice(0, 8).join(' ') + ((x.pfns || []).length > 8 ? ' …' : ''))))))
          : h('p', { class: 'hint' }, 'no registered buffers')));
    }
  }
  fill('uring', out.length ? out : h('p', { class: 'hint' }, 'No rings. Use the console: io_uring_setup, then io_uring_register with IORING_REGISTER_BUFFERS.'));
}

async function renderPhys() {
  const r = await get('/physmem');
  if (!r.ok) return fill('phys', problemText(r));
  fill('phys', r.json.map(z => {
    const items = z.runs.map(x => ({ start: x.pfn, end: x.pfn + x.frames }));
    // allocated runs with free ranges folded away; a handful of frames stays a short bar
    const allocated = z.runs.reduce((a, x) => a + x.frames, 0);
    const barWidth = Math.round(Math.max(60, Math.min(600, allocated / 8)));
    const lay = foldedAxis(items, { width: barWidth, gap: 10, minWidth: 4, rowHeight: 20 });
    const pinned = z.runs.filter(x => x.state === 'pinned').reduce((a, x) => a + x.frames, 0);
    const migrated = z.runs.filter(x => x.migrated).reduce((a, x) => a + x.frames, 0);
    return h('div', {},
      h('h3', {}, `ZONE_${z.zone}: ${z.used} of ${z.frames} frames used`,
        pinned ? ` · ${pinned} pinned (P)` : '', migrated ? ` · ${migrated} migrated out of ZONE_MOVABLE (M)` : ''),
      items.length ? h('svg:svg', { class: 'runbar', width: barWidth + 2, height: Math.max(1, lay.rows) * 20, role: 'img',
        'aria-label': `allocated frames of ZONE_${z.zone} on a folded axis (free ranges shrunk)` },
      z.runs.map((x, i) => h('svg:rect', { class: x.state === 'used' ? 'present' : x.state, x: lay.items[i].x.toFixed(1), y: lay.items[i].y + 1,
        width: Math.max(1, lay.items[i].w - 1).toFixed(1), height: 17 }, h('svg:title', {}, `pfn ${x.pfn}..${x.pfn + x.frames - 1}: ${x.state}${x.migrated ? ', migrated' : ''}`))),
      z.runs.map((x, i) => (x.state === 'pinned' || x.migrated) && lay.items[i].w >= 8
        ? h('svg:text', { class: 'vma-text', x: (lay.items[i].x + 1).toFixed(1), y: lay.items[i].y + 14 }, (x.state === 'pinned' ? 'P' : '') + (x.migrated ? 'M' : '')) : null))
        : h('p', { class: 'hint' }, 'no frames allocated'));
  }));
}

function renderDmesg(text) {
  const pre = document.getElementById('dmesg');
  const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
  fill(pre, dmesgLines(text).map(l => h('span', { class: l.warn ? 'warn' : '' }, l.line + '\n')));
  if (atBottom) pre.scrollTop = pre.scrollHeight;
}

// ------------------------------------------------------------------ timeline

function renderTimeline(data) {
  const el = document.getElementById('timeline');
  if (!S.historyAvailable) {
    const events = Array.isArray(data) ? data : [];
    fill(el, h('p', { class: 'hint' }, 'Calls so far (this server keeps no replayable history yet, so stepping back is not offered).'),
      h('ol', { class: 'timeline' }, events.map(e => h('li', {}, h('span', { class: e.errno ? 'err' : '' },
        `#${e.seq} pid ${e.pid} ${e.call} → ${e.errno ? '-' + e.errno : (e.addr || e.ret)}`)))));
    return;
  }
  const steps = (S.history && S.history.steps) || [];
  const n = steps.length;
  const cur = S.at == null ? n : S.at;
  fill(el,
    h('div', { class: 'stepper' },
      h('button', { type: 'button', 'data-testid': 'step-back', disabled: cur <= 0, onclick: () => goTo(cur - 1) }, '◀ step back'),
      h('button', { type: 'button', 'data-testid': 'step-forward', disabled: cur >= n, onclick: () => goTo(cur + 1 >= n ? null : cur + 1) }, 'step forward ▶'),
      h('button', { type: 'button', 'data-testid': 'step-live', disabled: S.at == null, onclick: () => goTo(null) }, 'live'),
      h('span', { 'data-testid': 'timeline-position' }, S.at == null ? `live: after step ${n}` : `viewing the state after step ${S.at} of ${n}`)),
    h('ol', { class: 'timeline' },
      h('li', {}, h('button', { type: 'button', 'aria-current': cur === 0 ? 'step' : null, onclick: () => goTo(0) }, '#0 new session')),
      steps.map(s => h('li', {}, h('button', {
        type: 'button', 'data-seq': s.seq, 'aria-current': cur === s.seq ? 'step' : null, onclick: () => goTo(s.seq === n ? null : s.seq),
      }, `#${s.seq} ${s.op}${s.pid != null ? ' pid ' + s.pid : ''} → `,
      h('span', { class: s.result && s.result.errno ? 'err' : '' }, resultText(s.result)))))));
  const current = el.querySelector('[aria-current="step"]');
  if (current) current.scrollIntoView({ block: 'nearest' });
}

function resultText(r) {
  if (!r) return '';
  if (r.errno) return `${r.ret} ${r.errno}`;
  if (r.addr) return r.addr;
  if (r.pid != null && r.ret == null) return `pid ${r.pid}`;
  return String(r.ret ?? r.status ?? 'ok');
}

async function goTo(at) {
  S.at = at;
  document.getElementById('console-run').disabled = at != null || S.readOnly;
  fill('op-summary', at != null ? `Viewing the past (after step ${at}): go live to run calls.` : currentOpSummary());
  await refresh();
}

// ------------------------------------------------------------------ console

function resolve(schema) {
  if (schema && schema.$ref) return S.docs.components.schemas[schema.$ref.split('/').pop()];
  return schema || {};
}

const ORDER = ['mmap', 'access', 'gup', 'releasePin', 'fork', 'munmap', 'mprotect', 'madvise', 'open', 'memfdCreate',
  'memfdSecret', 'ftruncate', 'close', 'ioUringSetup', 'ioUringRegister', 'ioUringEnter', 'createProcess', 'exitProcess', 'setSysctl'];

function consoleOps() {
  if (!S.docs) return [];
  const ops = [];
  for (const [path, methods] of Object.entries(S.docs.paths)) {
    if (!path.startsWith('/api/v1/sessions/{sid}/')) continue;
    for (const [method, op] of Object.entries(methods)) {
      if (!['post', 'put', 'delete'].includes(method)) continue;
      if (/compare|exercises|import/.test(path)) continue; // those have their own panels
      const body = op.requestBody && op.requestBody.content && op.requestBody.content['application/json'];
      ops.push({ id: op.operationId, method: method.toUpperCase(), path, summary: op.summary || '', description: op.description || '',
        schema: body ? resolve(body.schema) : null, params: (op.parameters || []).filter(p => p.in === 'path' && p.name !== 'sid') });
    }
  }
  const rank = id => { const i = ORDER.indexOf(id); return i < 0 ? 99 : i; };
  return ops.sort((a, b) => rank(a.id) - rank(b.id) || a.id.localeCompare(b.id));
}

function buildConsole() {
  S.ops = consoleOps();
  const sel = document.getElementById('op-select');
  fill(sel, S.ops.map(o => h('option', { value: o.id }, `${o.id} — ${o.summary}`)));
  sel.onchange = () => buildFields();
  document.getElementById('console-form').onsubmit = e => { e.preventDefault(); runConsole(); };
  document.getElementById('console-run').disabled = S.readOnly;
  if (!S.docs) fill('op-fields', h('p', {}, 'The OpenAPI document could not be loaded.'));
  else buildFields();
}

function currentOp() { return S.ops.find(o => o.id === document.getElementById('op-select').value); }
function currentOpSummary() { const o = currentOp(); return o ? `${o.method} ${o.path.replace('/api/v1/sessions/{sid}', '…')} ${o.description}` : ''; }

function selectedAddr() {
  const v = S.maps[S.vmaIndex];
  return S.pageSel != null ? hex(S.pageSel) : v ? v.start : '';
}

function typeOf(p) { return Array.isArray(p.type) ? p.type.find(t => t !== 'null') : p.type; }

function buildFields() {
  const op = currentOp();
  if (!op) return;
  fill('op-summary', S.readOnly ? 'Read-only view: calls are disabled.' : currentOpSummary());
  const fields = [];
  for (const p of op.params) {
    if (p.name === 'pid') {
      fields.push(h('label', {}, 'pid ', h('select', { name: 'path:pid', 'data-kind': 'path' },
        S.processes.map(q => h('option', { value: q.pid, selected: q.pid === S.pid }, `${q.pid} ${q.comm}`)))));
    } else {
      fields.push(h('label', {}, `${p.name} `, h('input', { name: 'path:' + p.name, 'data-kind': 'path', required: true,
        placeholder: p.example ?? (p.schema && p.schema.example) ?? '', autocomplete: 'off' })));
    }
  }
  const schema = op.schema;
  const optional = [];
  if (schema && schema.properties) {
    const req = new Set(schema.required || []);
    const props = Object.entries(schema.properties);
    props.sort((a, b) => Number(req.has(b[0])) - Number(req.has(a[0]))); // required fields first (stable)
    for (const [name, raw] of props) {
      const into = req.has(name) ? fields : optional;
      const p = resolve(raw);
      const label = `${name}${req.has(name) ? ' *' : ''}`;
      const help = p.description ? h('span', { class: 'hint' }, ` ${p.description}`) : null;
      const t = typeOf(p);
      if (t === 'array' && resolve(p.items).enum) {
        const values = name === 'gupFlags' ? S.flags.map(f => f.name) : resolve(p.items).enum;
        const info = Object.fromEntries(S.flags.map(f => [f.name, f]));
        into.push(h('fieldset', { class: name === 'gupFlags' ? 'enum-set' : 'enum-set columns', 'data-field': name, 'data-kind': 'enum-array' }, h('legend', {}, label, help),
          values.map(v => h('label', { class: 'check' }, h('input', { type: 'checkbox', name, value: v, checked: defaultChecked(op.id, name, v) }),
            h('span', {}, h('code', {}, v), name === 'gupFlags' && info[v]
              ? h('span', { class: 'hint' }, ` ${info[v].hex} ${info[v].kind}: ${FOLL_HELP[v] || ''}`) : null)))));
      } else if (t === 'array' || t === 'object') {
        into.push(h('label', {}, label, help, h('textarea', { name, 'data-kind': 'json', rows: 3, cols: 40,
          placeholder: JSON.stringify(p.example ?? (p.items && resolve(p.items).properties ? [Object.fromEntries(Object.keys(resolve(p.items).properties).map(k => [k, '…']))] : [])) })));
      } else if (p.enum) {
        into.push(h('label', {}, label, ' ', h('select', { name, 'data-kind': 'string' },
          req.has(name) ? null : h('option', { value: '' }, '(default)'),
          p.enum.map(v => h('option', { value: v, selected: p.example === v }, v))), help));
      } else if (t === 'boolean') {
        into.push(h('label', {}, label, ' ', h('select', { name, 'data-kind': 'bool' },
          h('option', { value: '' }, `(default${p.default != null ? ': ' + p.default : ''})`), h('option', { value: 'true' }, 'true'),
          h('option', { value: 'false' }, 'false')), help));
      } else {
        const isInt = t === 'integer';
        const isAddr = !!p.pattern && !isInt;
        into.push(h('label', {}, label, ' ', h('input', {
          name, 'data-kind': isInt ? 'int' : 'string', inputmode: isInt ? 'numeric' : null, autocomplete: 'off', required: req.has(name),
          value: defaultValue(op.id, name, p, isAddr), placeholder: p.example != null ? String(p.example) : '',
        }), help));
      }
    }
  }
  if (optional.length) {
    fields.push(h('details', { class: 'optional' }, h('summary', {}, `optional arguments (${optional.length}): `,
      optional.map(f => (f.querySelector('input,select,textarea,legend') || {}).name || (f.dataset && f.dataset.field) || '').filter(Boolean).join(', ')),
    optional));
  }
  fill('op-fields', fields.length ? fields : h('p', { class: 'hint' }, 'No arguments.'));
}

function defaultChecked(op, name, v) {
  if (op === 'mmap' && name === 'prot') return v === 'PROT_READ' || v === 'PROT_WRITE';
  if (op === 'mmap' && name === 'flags') return v === 'MAP_PRIVATE' || v === 'MAP_ANONYMOUS';
  if (op === 'mprotect' && name === 'prot') return v === 'PROT_READ';
  if (op === 'gup' && name === 'gupFlags') return v === 'FOLL_WRITE';
  return false;
}

function defaultValue(op, name, p, isAddr) {
  if (isAddr && (name === 'addr' || name === 'start') && op !== 'mmap') return selectedAddr();
  if (p.example != null && typeof p.example !== 'object' && !isAddr) return String(p.example);
  return '';
}

function refreshConsolePids() {
  const sel = document.querySelector('#op-fields select[name="path:pid"]');
  if (!sel) return;
  const keep = sel.value;
  fill(sel, S.processes.map(q => h('option', { value: q.pid, selected: String(q.pid) === keep || (!keep && q.pid === S.pid) }, `${q.pid} ${q.comm}`)));
}

async function runConsole() {
  const op = currentOp();
  if (!op || S.readOnly || S.at != null) return;
  const form = document.getElementById('op-fields');
  let path = op.path.replace('{sid}', encodeURIComponent(S.sid));
  const body = {};
  try {
    for (const el of form.querySelectorAll('[data-kind="path"]')) {
      if (!el.value) throw new Error(`${el.name.slice(5)} is required`);
      path = path.replace(`{${el.name.slice(5)}}`, encodeURIComponent(el.value.trim()));
    }
    for (const fs of form.querySelectorAll('fieldset[data-kind="enum-array"]')) {
      const name = fs.dataset.field;
      const vals = [...fs.querySelectorAll('input:checked')].map(i => i.value);
      if (vals.length || (op.schema.required || []).includes(name)) body[name] = vals;
    }
    for (const el of form.querySelectorAll('[data-kind="int"],[data-kind="string"],[data-kind="bool"],[data-kind="json"]')) {
      const v = el.value.trim();
      if (v === '') continue;
      if (el.dataset.kind === 'int') {
        if (!/^-?\d+$/.test(v)) throw new Error(`${el.name}: a whole number`);
        body[el.name] = Number(v);
      } else if (el.dataset.kind === 'bool') body[el.name] = v === 'true';
      else if (el.dataset.kind === 'json') body[el.name] = JSON.parse(v);
      else body[el.name] = v;
    }
  } catch (e) {
    return fill('answer', h('p', { class: 'problem' }, String(e.message || e)));
  }
  const r = await call(op.method, path, { token: S.token, body: op.schema ? body : undefined });
  showAnswer(op.id, r);
  S.calls = (S.calls || 0) + 1;
  const named = (r.json && r.json.addr) || body.addr || body.start;
  if (named && r.ok) S.focusAddr = addr(named);
  await refresh();
  document.body.dataset.calls = S.calls;
}

function showAnswer(title, r) {
  const a = document.getElementById('answer');
  if (r.problem || !r.ok) {
    const p = r.problem || {};
    const parts = [h('h3', {}, `${title}: HTTP ${r.status}`)];
    if (r.status === 422) {
      parts.push(h('div', { class: 'problem', 'data-testid': 'problem-422' },
        h('p', {}, h('strong', {}, 'rule '), h('code', {}, p.rule || '?'), ` — ${p.title || ''}`),
        h('p', {}, p.detail || ''),
        h('p', {}, `the entry point returns ${p.kernelRet} in this kernel`),
        p.warning ? h('pre', { class: 'warnlines' }, 'WARN: ' + p.warning) : null));
    } else {
      parts.push(h('div', { class: 'problem' }, h('p', {}, `${p.title || ''}${p.detail ? ': ' + p.detail : ''}`),
        p.errors ? h('ul', {}, p.errors.map(e => h('li', {}, h('code', {}, e.field), ` ${e.message}`))) : null));
    }
    fill(a, parts);
    return;
  }
  const j = r.json || {};
  const failed = j.errno != null || (j.signal != null);
  const summary = [];
  if (j.addr) summary.push(`addr ${j.addr}`);
  if (j.ret != null) summary.push(`ret ${j.ret}`);
  if (j.errno) summary.push(j.errno);
  if (j.signal) summary.push(`${j.signal}${j.siCode ? ' ' + j.siCode : ''}${j.faultAddr ? ' at ' + j.faultAddr : ''}`);
  if (j.pin) summary.push(`pin id ${j.pin.id}`);
  if (j.pid != null && j.ret == null) summary.push(`pid ${j.pid}`);
  if (j.faults != null) summary.push(`${j.faults} fault(s)`);
  if (!summary.length) summary.push(r.status === 204 ? 'done' : 'ok');
  fill(a, h('h3', {}, title),
    h('p', { class: `ret ${failed ? 'fail' : 'ok'}`, 'data-testid': 'ret' }, summary.join(' · ')),
    j.explain ? explainTree(j.explain) : null,
    j.warnings && j.warnings.length ? h('pre', { class: 'warnlines' }, j.warnings.map(w => 'WARN: ' + w).join('\n')) : null,
    h('details', {}, h('summary', {}, 'JSON'), h('pre', { class: 'mono' }, JSON.stringify(j, null, 2))));
}

function sourceLink(step) {
  if (step.ref) return step.ref;
  const fn = /^[A-Za-z_][A-Za-z0-9_]*/.exec(step.fn || '');
  const profile = S.profiles.find(p => p.name === (S.session && S.session.profile));
  const tag = kernelTag(profile && profile.kernel);
  return fn ? `https://elixir.bootlin.com/linux/${tag}/A/ident/${fn[0]}` : null;
}

function explainTree(steps) {
  return h('ol', { class: 'explain', 'data-testid': 'explain', 'aria-label': 'kernel checks in the order they ran; the decisive one last' },
    steps.map((s, i) => {
      const last = i === steps.length - 1;
      const link = sourceLink(s);
      return h('li', { class: last ? 'decisive' : '', 'data-decisive': last ? 'true' : null },
        link ? h('a', { href: link, target: '_blank', rel: 'noopener noreferrer' }, h('code', {}, s.fn)) : h('code', {}, s.fn),
        ' ', h('span', { class: 'hint' }, s.file), ' ', h('span', { class: 'outcome' }, s.outcome),
        last ? h('strong', {}, ' (decisive)') : null, s.detail ? ` — ${s.detail}` : '');
    }));
}

// ------------------------------------------------------------------ compare

function renderCompareForm() {
  const el = document.getElementById('compare');
  if (S.readOnly) return fill(el, h('p', { class: 'hint' }, 'Read-only view: compare runs in the student\'s own session.'));
  fill(el, h('form', { onsubmit: e => { e.preventDefault(); runCompare(new FormData(e.target).getAll('profiles')); } },
    h('fieldset', {}, h('legend', {}, 'Replay this session\'s history under'),
      S.profiles.map(p => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'profiles', value: p.name,
        checked: true }), `${p.name} (${p.kernel})`))),
    h('button', { type: 'submit', 'data-testid': 'run-compare' }, 'Compare')),
  h('div', { id: 'compare-result' }));
}

async function runCompare(profiles) {
  if (!has('/api/v1/sessions/{sid}/compare')) {
    return fill('compare-result', h('p', { class: 'hint' }, 'Compare is not available on this server yet.'));
  }
  const r = await call('POST', `${base()}/compare`, { token: S.token, body: { profiles } });
  if (!r.ok) {
    return fill('compare-result', h('p', { class: 'hint' }, r.status === 404 || r.status === 405
      ? `Compare is not available on this server yet (HTTP ${r.status}).` : problemText(r)));
  }
  const c = r.json;
  fill('compare-result', h('p', {}, c.differing && c.differing.length ? `${c.differing.length} step(s) differ (marked ≠).` : 'No step differs.'),
    h('table', { class: 'data cmp' },
      h('thead', {}, h('tr', {}, h('th', {}, 'step'), (c.profiles || profiles).map(p => h('th', {}, p)))),
      h('tbody', {}, (c.steps || []).map(s => h('tr', { class: s.differs ? 'differs' : '' },
        h('td', {}, `#${s.index} ${s.op}`),
        (c.profiles || profiles).map(p => {
          const x = (s.results || {})[p];
          return h('td', {}, x ? `${x.ret ?? x.addr ?? ''}${x.errno ? ' ' + x.errno : ''}` : '—',
            x && x.decisive ? h('div', { class: 'hint' }, `${x.decisive.fn} (${x.decisive.file})`) : null);
        }))))));
}

// ------------------------------------------------------------------ exercises

async function loadExercises() {
  if (!has('/api/v1/exercises')) return fill('exercises', h('p', { class: 'hint' }, 'Exercises are not available on this server yet.'));
  const r = await call('GET', `${API}/exercises`);
  if (!r.ok || !Array.isArray(r.json)) {
    return fill('exercises', h('p', { class: 'hint' }, 'Exercises are not available on this server yet.'));
  }
  fill('exercises', h('ul', {}, r.json.map(x => h('li', {},
    h('strong', {}, x.title), ` (${x.topic}, ${x.difficulty}) `, h('span', { class: 'hint' }, x.summary), ' ',
    S.readOnly ? null : h('button', { type: 'button', 'data-testid': 'start-exercise', 'data-exercise': x.id, onclick: () => startExercise(x) }, 'Start')))),
  h('div', { id: 'exercise' }));
}

async function startExercise(x) {
  const r = await call('POST', `${base()}/exercises/${encodeURIComponent(x.id)}`, { token: S.token, body: {} });
  if (!r.ok) return fill('exercise', problemText(r));
  const q = r.json.question || {};
  fill('exercise', h('h3', {}, x.title),
    h('details', {}, h('summary', {}, `setup: ${(r.json.setup || []).length} step(s)`),
      h('ol', {}, (r.json.setup || []).map(s => h('li', {}, `${s.op} ${JSON.stringify(s.args || {})} → ${resultText(s.result)}`)))),
    h('p', {}, q.text || ''),
    h('form', { 'data-testid': 'exercise-form', onsubmit: e => { e.preventDefault(); answerExercise(x, q, e.target); } },
      (q.ask || []).map(a => h('label', {}, `${a.name} `, a.kind === 'choice' || a.kind === 'bool'
        ? h('select', { name: a.name }, (a.kind === 'bool' ? ['true', 'false'] : a.choices || []).map(c => h('option', { value: c }, c)))
        : h('input', { name: a.name, autocomplete: 'off', required: true }))),
      h('button', { type: 'submit' }, 'Check')),
    h('div', { id: 'exercise-result', 'aria-live': 'polite' }));
  await refresh();
}

async function answerExercise(x, q, form) {
  const answers = {};
  for (const a of q.ask || []) {
    const v = form.elements[a.name].value.trim();
    answers[a.name] = a.kind === 'int' ? Number(v) : a.kind === 'bool' ? v === 'true' : v;
  }
  const r = await call('POST', `${base()}/exercises/${encodeURIComponent(x.id)}/answer`, { token: S.token, body: { answers } });
  if (!r.ok) return fill('exercise-result', problemText(r));
  const j = r.json;
  fill('exercise-result', h('p', { class: `ret ${j.correct ? 'ok' : 'fail'}`, 'data-testid': 'exercise-verdict' }, j.correct ? 'correct' : `not yet (try ${j.tries})`),
    h('ul', {}, (j.items || []).map(i => h('li', {}, `${i.name}: ${i.correct ? 'correct' : 'wrong'}${i.expected !== undefined ? ` (expected ${i.expected})` : ''}`))),
    j.explanation ? h('p', {}, j.explanation) : null);
}

// ------------------------------------------------------------------

wireStartForms();
window.addEventListener('hashchange', () => {
  // another session pasted into the address bar: store it and start afresh
  const hash = new URLSearchParams(location.hash.slice(1));
  if (hash.get('session') && hash.get('token')) {
    credentials.set({ kind: 'session', sid: hash.get('session'), token: hash.get('token') });
    history.replaceState(null, '', location.pathname + '#session=' + encodeURIComponent(hash.get('session')));
    location.reload();
  }
});
boot();
