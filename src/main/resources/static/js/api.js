// HTTP and the token. The token lives in this tab's sessionStorage only; it is sent in the
// Authorization header, never in a URL, and never logged.
const KEY = 'pinlab.credentials';

export const credentials = {
  get() {
    try { return JSON.parse(sessionStorage.getItem(KEY)); } catch { return null; }
  },
  /** { kind: 'session', sid, token } or { kind: 'course', cid, token } */
  set(c) { sessionStorage.setItem(KEY, JSON.stringify(c)); },
  clear() { sessionStorage.removeItem(KEY); },
};

/**
 * fetch() wrapper: JSON in, { status, ok, json, text, problem, total } out (total: X-Total-Count of a paged list). `at` adds ?at=N (the state
 * after step N, replayed by the service). Network failures become status 0.
 */
export async function call(method, path, { body, token, at, accept = 'application/json' } = {}) {
  let url = path;
  if (at != null) url += (url.includes('?') ? '&' : '?') + 'at=' + encodeURIComponent(at);
  const headers = { Accept: accept };
  if (token) headers.Authorization = 'Bearer ' + token;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
  } catch (e) {
    return { status: 0, ok: false, json: null, text: '', problem: { title: 'network error', detail: String(e.message || e) } };
  }
  const text = await res.text();
  const ct = res.headers.get('Content-Type') || '';
  let json = null;
  if (ct.includes('json') && text) { try { json = JSON.parse(text); } catch { json = null; } }
  const total = res.headers.get('X-Total-Count');
  return { status: res.status, ok: res.ok, json, text, problem: ct.includes('problem+json') ? json : null,
    total: total == null ? null : Number(total) };
}

/**
 * Reads the session's server-sent events with fetch() (EventSource cannot send the
 * Authorization header). Calls onChunk(text) per chunk; resolves when the stream ends.
 */
export async function stream(path, token, signal, onChunk) {
  const res = await fetch(path, { headers: { Accept: 'text/event-stream', Authorization: 'Bearer ' + token }, signal, cache: 'no-store' });
  if (!res.ok || !res.body) return res.status;
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return res.status;
    onChunk(value);
  }
}
