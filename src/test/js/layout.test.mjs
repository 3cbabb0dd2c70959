// Unit tests of the page's layout math (run by NodeLayoutTest in ./mvnw verify: node --test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  addr, hex8, size, foldedAxis, expandRuns, countStates, runBar, changedPages, changedVmas,
  explainRefcount, dmesgLines, kernelTag, parseSse,
} from '../../main/resources/static/js/layout.js';

const MiB = 1 << 20, GiB = 1 << 30;

test('addresses parse from hex and decimal and print like /proc/PID/maps', () => {
  assert.equal(addr('0x7ffff7ff0000'), 0x7ffff7ff0000);
  assert.equal(addr('4096'), 4096);
  assert.equal(hex8(0x1000), '00001000');
  assert.equal(hex8(0x7ffff7ff0000), '7ffff7ff0000');
  assert.equal(size(GiB), '1 GiB');
  assert.equal(size(1536 * 1024), '1.5 MiB');
});

test('folded axis: gaps become fixed breaks whatever their size', () => {
  // two 1 MiB VMAs, 1 TiB apart, and a third adjacent to the second
  const items = [
    { start: 0x10000000, end: 0x10000000 + MiB },
    { start: 0x10000000 + 2 ** 40, end: 0x10000000 + 2 ** 40 + MiB },
    { start: 0x10000000 + 2 ** 40 + MiB, end: 0x10000000 + 2 ** 40 + 3 * MiB },
  ];
  const lay = foldedAxis(items, { width: 414, gap: 14, minWidth: 3 });
  assert.equal(lay.breaks.length, 1, 'one gap: the adjacent VMAs touch');
  assert.equal(lay.breaks[0].bytes, 2 ** 40 - MiB);
  // 400 px for 4 MiB of VMAs: 100 px per MiB, the 1 TiB gap costs 14 px
  assert.equal(lay.items[0].x, 0);
  assert.equal(lay.items[0].w, 100);
  assert.equal(lay.items[1].x, 114);
  assert.equal(lay.items[2].x, 214);
  assert.equal(lay.items[2].w, 200);
  assert.equal(lay.rows, 1);
});

test('folded axis: small VMAs keep minWidth and the rest share what is left, to scale', () => {
  const items = [
    { start: 0, end: GiB },                      // huge
    { start: GiB, end: GiB + 4096 },              // one page, adjacent
    { start: 2 * GiB, end: 2 * GiB + 4096 },      // one page, after a gap
  ];
  const lay = foldedAxis(items, { width: 1000, gap: 10, minWidth: 5 });
  assert.equal(lay.items[1].w, 5);
  assert.equal(lay.items[2].w, 5);
  // the rest: 1000 - 10 (gap) - 2 * 5 = 980 px for the 1 GiB VMA
  assert.ok(Math.abs(lay.items[0].w - 980) < 1e-6, String(lay.items[0].w));
  const total = lay.items.reduce((a, p) => a + p.w, 0) + lay.breaks.length * 10;
  assert.ok(Math.abs(total - 1000) < 1e-6);
});

test('folded axis: 65,530 VMAs wrap into rows and never straddle one', () => {
  const items = [];
  for (let i = 0; i < 65530; i++) items.push({ start: 0x10000 + i * 8192, end: 0x10000 + i * 8192 + 4096 });
  const lay = foldedAxis(items, { width: 1000, gap: 4, minWidth: 2, rowHeight: 10 });
  assert.equal(lay.items.length, 65530);
  assert.equal(lay.breaks.length, 65529);
  // each VMA plus its break is 6 px; 1000 px rows hold floor(1000 / 6) = 166 or 167 of them
  assert.ok(lay.rows > 380 && lay.rows < 400, String(lay.rows));
  for (const p of lay.items) {
    assert.ok(p.x >= 0 && p.x + p.w <= 1000 + 1e-6);
    assert.equal(p.y, p.row * 10);
  }
});

test('folded axis: an empty address space has no rows', () => {
  assert.deepEqual(foldedAxis([], {}).rows, 0);
});

const runs = [
  { addr: '0x100000', pages: 2, state: 'present', pincount: 0, pfn: 500 },
  { addr: '0x102000', pages: 1, state: 'pinned', pincount: 1, pfn: 900 },
  { addr: '0x103000', pages: 262141, state: 'absent', pincount: 0, pfn: null },
];

test('runs expand to pages with consecutive pfns inside a run', () => {
  const pages = expandRuns(runs, 0x100000, 1, 3);
  assert.deepEqual(pages.map(p => [p.index, p.state, p.pfn, p.pincount]), [
    [1, 'present', 501, 0], [2, 'pinned', 900, 1], [3, 'absent', null, 0]]);
  assert.equal(pages[0].addr, 0x101000);
});

test('a window far into a 1 GiB range expands only that window', () => {
  const pages = expandRuns(runs, 0x100000, 262144 - 1024, 1024);
  assert.equal(pages.length, 1024);
  assert.ok(pages.every(p => p.state === 'absent'));
  assert.equal(pages[1023].index, 262143);
});

test('state counts and the run bar cover the whole range', () => {
  assert.deepEqual(countStates(runs), { present: 2, pinned: 1, absent: 262141 });
  const bar = runBar(runs, 0x100000, 262144, 512);
  assert.equal(bar[0].x, 0);
  assert.equal(bar[1].w, 1, 'a single pinned page among 262,144 is still one pixel wide');
  assert.ok(Math.abs(bar[2].x - 3 * 512 / 262144) < 1e-9);
});

test('changed pages and VMAs are found by index and by range', () => {
  const before = [{ index: 0, state: 'present', pincount: 0 }, { index: 1, state: 'present', pincount: 0 }];
  const after = [{ index: 0, state: 'pinned', pincount: 1 }, { index: 1, state: 'present', pincount: 0 }];
  assert.deepEqual([...changedPages(before, after)], [0]);
  const v = (s, e, perms, rss = 0, pinned = 0) => ({ start: s, end: e, perms, rss, pinned });
  assert.deepEqual([...changedVmas([v('0x1', '0x2', 'rw-p')], [v('0x1', '0x2', 'rw-p'), v('0x3', '0x4', 'r--p')])], ['0x3-0x4']);
  assert.deepEqual([...changedVmas([v('0x1', '0x2', 'rw-p')], [v('0x1', '0x2', 'rw-p', 4096, 1)])], ['0x1-0x2']);
});

test('refcount: 1024 per FOLL_PIN on a small folio (GUP_PIN_COUNTING_BIAS, include/linux/mm.h)', () => {
  assert.match(explainRefcount({ order: 0, refcount: 1025, pincount: 1 }), /1025 = 1 × 1024 .* \+ 1 other/);
  assert.match(explainRefcount({ order: 0, refcount: 1, pincount: 0 }), /no FOLL_PIN/);
  assert.match(explainRefcount({ order: 9, refcount: 513, pincount: 1 }), /_pincount/);
});

test('dmesg: a WARN splat from "cut here" to "end trace" is marked', () => {
  const lines = dmesgLines('[ 0.1] boot\n[ 1.0] ------------[ cut here ]------------\n[ 1.0] WARNING: CPU: 0 at mm/gup.c\n[ 1.0] ---[ end trace 0 ]---\n[ 2.0] after\n');
  assert.deepEqual(lines.map(l => l.warn), [false, true, true, true, false]);
});

test('kernel tags for source links', () => {
  assert.equal(kernelTag('Linux 6.18'), 'v6.18');
  assert.equal(kernelTag('Linux 6.3 + FOLL_SAME_FILE series (Apr 2023, unmerged)'), 'v6.3');
});

test('server-sent events parse across chunk boundaries, comments skipped', () => {
  let r = parseSse('id:1\nevent:kernel-event\ndata:{"seq":1}\n\n:keep-alive\n\nid:2\nda');
  assert.deepEqual(r.events, [{ event: 'kernel-event', id: '1', data: '{"seq":1}' }]);
  r = parseSse(r.rest + 'ta:{"seq":2}\n\n');
  assert.deepEqual(r.events.map(e => e.id), ['2']);
  assert.equal(r.rest, '');
});
