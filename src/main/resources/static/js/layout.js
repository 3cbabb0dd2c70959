// Layout math of the teaching page: pure functions, no DOM, unit-tested with node --test
// (src/test/js/layout.test.mjs). Addresses are below 2^47, so plain Numbers hold them exactly.

export const PAGE = 4096;

/** "0x7ffff7ff0000" (or a decimal string, or a number) -> Number. */
export function addr(v) {
  if (typeof v === 'number') return v;
  const s = String(v).trim();
  return /^0x/i.test(s) ? parseInt(s.slice(2), 16) : parseInt(s, 10);
}

/** Number -> lowercase hex without 0x, padded to at least 8 digits, as /proc/PID/maps prints it. */
export function hex8(n) {
  return n.toString(16).padStart(8, '0');
}

/** Number -> "0x..." */
export function hex(n) {
  return '0x' + n.toString(16);
}

/** Bytes -> "4 KiB", "1 GiB", "1.5 MiB". */
export function size(bytes) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let u = 0, v = bytes;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return (Number.isInteger(v) ? v : v.toFixed(1)) + ' ' + units[u];
}

/**
 * A folded axis: items [{start, end}] sorted by start, drawn to scale but with every gap between
 * them shrunk to a fixed break of `gap` pixels and every item at least `minWidth` wide. The scale
 * s (pixels per byte) is chosen so that the whole fits in `width`: sum(max(minWidth, size*s)) +
 * breaks*gap = width. When even minWidth does not fit, every item gets minWidth and the axis is
 * longer than width. The strip is then wrapped into rows of `width` (an item never straddles two
 * rows; one wider than a row is clipped to the row).
 * Returns { items: [{x, y, w, row}], breaks: [{x, row, bytes}], rows, scale }.
 */
export function foldedAxis(items, { width = 1000, gap = 14, minWidth = 3, rowHeight = 1 } = {}) {
  const n = items.length;
  let nBreaks = 0;
  for (let i = 1; i < n; i++) if (items[i].start > items[i - 1].end) nBreaks++;
  const avail = width - nBreaks * gap;
  let scale = 0;
  if (n > 0 && n * minWidth < avail) {
    // fixed point: items narrower than minWidth at this scale are pinned to minWidth
    const sizes = items.map(v => v.end - v.start);
    let fixed = new Array(n).fill(false);
    for (let iter = 0; iter < 64; iter++) {
      let nFixed = 0, free = 0;
      for (let i = 0; i < n; i++) if (fixed[i]) nFixed++; else free += sizes[i];
      scale = free > 0 ? (avail - nFixed * minWidth) / free : 0;
      let changed = false;
      for (let i = 0; i < n; i++) {
        const f = sizes[i] * scale < minWidth;
        if (f !== fixed[i]) { fixed[i] = f; changed = true; }
      }
      if (!changed) break;
    }
  }
  const out = [], breaks = [];
  let x = 0, row = 0;
  for (let i = 0; i < n; i++) {
    if (i > 0 && items[i].start > items[i - 1].end) {
      if (x + gap > width) { row++; x = 0; }
      breaks.push({ x, row, bytes: items[i].start - items[i - 1].end });
      x += gap;
    }
    let w = Math.max(minWidth, (items[i].end - items[i].start) * scale);
    if (w > width) w = width;
    if (x + w > width + 1e-6) { row++; x = 0; }
    out.push({ x, y: row * rowHeight, w, row });
    x += w;
  }
  return { items: out, breaks, rows: n === 0 ? 0 : row + 1, scale };
}

/**
 * Expands runs [{addr, pages, state, pincount, pfn}] (contiguous, as GET .../pagemap/runs answers)
 * into one entry per page for pages [first, first + count) of the range that starts at `base`.
 * Within a run, pfns are consecutive (the server only merges pages with consecutive pfns).
 */
export function expandRuns(runs, base, first, count) {
  const out = [];
  const lo = first, hi = first + count;
  for (const r of runs) {
    const rFirst = (addr(r.addr) - base) / PAGE, rEnd = rFirst + r.pages;
    if (rEnd <= lo) continue;
    if (rFirst >= hi) break;
    for (let p = Math.max(lo, rFirst); p < Math.min(hi, rEnd); p++) {
      out.push({
        index: p, addr: base + p * PAGE, state: r.state, pincount: r.pincount,
        pfn: r.pfn == null ? null : r.pfn + (p - rFirst),
      });
    }
  }
  return out;
}

/** Pages per state over a set of runs: { absent: n, present: n, ... }. */
export function countStates(runs) {
  const c = {};
  for (const r of runs) c[r.state] = (c[r.state] || 0) + r.pages;
  return c;
}

/**
 * Runs laid out on a linear bar of `width` pixels for [base, base + pages*PAGE): each run gets
 * x and w (at least 1 pixel, so a single pinned page among a million stays visible).
 */
export function runBar(runs, base, pages, width) {
  const px = pages > 0 ? width / pages : 0;
  return runs.map(r => {
    const first = (addr(r.addr) - base) / PAGE;
    return { run: r, x: first * px, w: Math.max(1, r.pages * px) };
  });
}

/**
 * Which pages changed state between two page lists keyed by index (for highlighting after a step).
 * Returns a Set of page indexes.
 */
export function changedPages(before, after) {
  const prev = new Map(before.map(p => [p.index, p.state + '/' + p.pincount]));
  const out = new Set();
  for (const p of after) {
    const was = prev.get(p.index);
    if (was !== undefined && was !== p.state + '/' + p.pincount) out.add(p.index);
  }
  return out;
}

/** VMAs of `after` that are new or differ (range, perms, rss, pinned) from `before`: Set of "start-end". */
export function changedVmas(before, after) {
  const prev = new Map(before.map(v => [v.start + '-' + v.end, v.perms + '/' + v.rss + '/' + v.pinned]));
  const out = new Set();
  for (const v of after) {
    const k = v.start + '-' + v.end;
    if (prev.get(k) !== v.perms + '/' + v.rss + '/' + v.pinned) out.add(k);
  }
  return out;
}

/** The folio refcount explained: small folios carry GUP_PIN_COUNTING_BIAS (1024) per FOLL_PIN. */
export function explainRefcount(folio) {
  const BIAS = 1024;
  if (folio.order > 0) {
    return `large folio: each FOLL_PIN adds 1 to refcount and 1 to _pincount (${folio.pincount} pin(s))`;
  }
  const pins = Math.floor(folio.refcount / BIAS), rest = folio.refcount % BIAS;
  if (pins === 0) return `${folio.refcount} = references (mappings, page cache, FOLL_GET), no FOLL_PIN`;
  return `${folio.refcount} = ${pins} × 1024 (GUP_PIN_COUNTING_BIAS per FOLL_PIN) + ${rest} other reference(s)`;
}

/** Splits dmesg text into lines, marking WARN splats ("cut here" .. "end trace") and WARNING lines. */
export function dmesgLines(text) {
  const lines = text.split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  let inSplat = false;
  return lines.map(line => {
    const start = /cut here/.test(line) || /WARNING:/.test(line);
    if (/cut here/.test(line)) inSplat = true;
    const warn = inSplat || start;
    if (/end trace/.test(line)) inSplat = false;
    return { line, warn };
  });
}

/** First kernel version named in a profile's "kernel" text: "Linux 6.18" -> "v6.18". */
export function kernelTag(kernel) {
  const m = /(\d+)\.(\d+)/.exec(kernel || '');
  return m ? `v${m[1]}.${m[2]}` : 'latest';
}

/** Parses server-sent events from text chunks: returns { events: [{event, id, data}], rest }. */
export function parseSse(buffer) {
  const events = [];
  let rest = buffer.replace(/\r\n/g, '\n');
  let idx;
  while ((idx = rest.indexOf('\n\n')) >= 0) {
    const block = rest.slice(0, idx);
    rest = rest.slice(idx + 2);
    const ev = { event: 'message', id: null, data: '' };
    const data = [];
    for (const l of block.split('\n')) {
      if (l.startsWith(':')) continue;
      const c = l.indexOf(':');
      const field = c < 0 ? l : l.slice(0, c);
      const value = c < 0 ? '' : l.slice(c + 1).replace(/^ /, '');
      if (field === 'event') ev.event = value;
      else if (field === 'id') ev.id = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length) { ev.data = data.join('\n'); events.push(ev); }
  }
  return { events, rest };
}
