package io.pinlab.api.memory;

import io.pinlab.kernel.Kernel;
import io.pinlab.kernel.mm.Task;
import io.pinlab.kernel.Views;
import io.pinlab.kernel.mm.Mm;
import io.pinlab.kernel.mm.PhysMem;
import io.pinlab.kernel.mm.Pte;
import io.pinlab.kernel.mm.Zone;

import java.util.ArrayList;
import java.util.List;

import static io.pinlab.kernel.mm.PhysMem.HPAGE_NR;
import static io.pinlab.kernel.mm.PhysMem.PUD_NR;
import static io.pinlab.kernel.mm.PhysMem.PUD_ORDER;
import static io.pinlab.kernel.mm.PhysMem.PAGE_SHIFT;

/**
 * Read views for the teaching page, built from the kernel's page tables and frame array: page
 * state of a range as runs of equal pages, frames by zone as runs, and the reverse map of one
 * frame. They walk only what is present (the page tables' leaves, the zones' allocated prefix),
 * so a never-touched terabyte costs nothing and a 1 GiB mapping is one run.
 */
final class PageRuns {
    private PageRuns() {
    }

    /** Page states the page shows; the first that applies wins, in this order. */
    enum State {
        /** no PTE: never touched, or unmapped/zapped. */
        absent,
        /** a swap entry: MADV_PAGEOUT wrote the page to swap; the next access faults it in (do_swap_page()). */
        swapped,
        /** the shared zero page or the huge zero folio (a read fault of anonymous memory). */
        zero,
        /** folio_maybe_dma_pinned(): refcount >= GUP_PIN_COUNTING_BIAS, or _pincount > 0 on a large folio. */
        pinned,
        /** mapped read-only by more than one process: the next write copies (do_wp_page()). */
        cow_shared,
        /** a large folio (THP or hugetlb). */
        huge,
        /** a present page no other rule applies to. */
        present;

        String wire() { return this == cow_shared ? "cow-shared" : name(); }
    }

    /** One run of {@code pages} consecutive pages with the same state and pincount. */
    record Run(long addr, long pages, State state, int pincount, Long pfn) {
    }

    /** At most this many runs per answer; the rest is fetched from {@code next}. */
    static final int MAX_RUNS = 1 << 16;
    /** Marks a PUD leaf's key among the huge leaves of {@link #pageRuns}. */
    private static final long PUD_LEAF = 1L << 62;

    record Runs(List<Run> runs, long end) {
    }

    /**
     * The pages of [from, to) (page-aligned) as runs. Present entries come from the PMD and PTE
     * leaves in the range (Memory.followPte() order: a PMD leaf hides the PTEs below it); the
     * gaps between them are absent. Stops after {@link #MAX_RUNS} runs: {@code end} says where.
     */
    static Runs pageRuns(Kernel k, Task t, long from, long to) {
        Mm mm = t.mm;
        long vFrom = from >>> PAGE_SHIFT, vTo = to >>> PAGE_SHIFT;
        // huge leaves by first vpn; a PUD leaf (1 GiB hugetlb) is marked by PUD_LEAF in its key
        java.util.TreeMap<Long, Long> huge = new java.util.TreeMap<>();
        mm.puds.forEach(vFrom >>> PUD_ORDER, ((vTo - 1) >>> PUD_ORDER) + 1, (i, pud) -> huge.put((i << PUD_ORDER) | PUD_LEAF, pud));
        mm.pmds.forEach(vFrom >>> 9, ((vTo - 1) >>> 9) + 1, (i, pmd) -> huge.put(i << 9, pmd));
        LongPairs leaves = new LongPairs();
        for (var e : huge.entrySet()) leaves.add(e.getKey() | Long.MIN_VALUE, e.getValue());
        LongPairs ptes = new LongPairs();
        mm.ptes.forEach(vFrom, vTo, (vpn, pte) -> {
            if (mm.pmds.get(vpn >>> 9) == 0 && mm.puds.get(vpn >>> PUD_ORDER) == 0) ptes.add(vpn, pte);
        });
        Builder b = new Builder();
        long cursor = vFrom;
        int i = 0, j = 0;
        while ((i < leaves.n || j < ptes.n) && b.runs.size() < MAX_RUNS) {
            boolean takePmd = j >= ptes.n || (i < leaves.n && (leaves.a[i] & ~(Long.MIN_VALUE | PUD_LEAF)) < ptes.a[j]);
            long vpn, entry;
            if (takePmd) {
                long nr = (leaves.a[i] & PUD_LEAF) != 0 ? PUD_NR : HPAGE_NR;
                vpn = leaves.a[i] & ~(Long.MIN_VALUE | PUD_LEAF);
                entry = leaves.b[i++];
                long lo = Math.max(vpn, vFrom), hi = Math.min(vpn + nr, vTo);
                if (lo > cursor) b.add(cursor, lo - cursor, State.absent, 0, null);
                for (long v = lo; v < hi && b.runs.size() < MAX_RUNS; v++)
                    page(k, b, v, Pte.pfn(entry) + (v - vpn), Pte.write(entry));
                cursor = hi;
            } else {
                vpn = ptes.a[j];
                entry = ptes.b[j++];
                if (vpn > cursor) b.add(cursor, vpn - cursor, State.absent, 0, null);
                if (Pte.isSwap(entry)) b.add(vpn, 1, State.swapped, 0, null);
                else page(k, b, vpn, Pte.pfn(entry), Pte.write(entry));
                cursor = vpn + 1;
            }
        }
        if (cursor < vTo && b.runs.size() < MAX_RUNS) {
            b.add(cursor, vTo - cursor, State.absent, 0, null);
            cursor = vTo;
        }
        return new Runs(b.runs, cursor << PAGE_SHIFT);
    }

    private static void page(Kernel k, Builder b, long vpn, long pfn, boolean writable) {
        PhysMem phys = k.phys;
        if (!phys.isRam(pfn) || !phys.isAllocated(pfn)) { // device memory (VM_PFNMAP): no struct page
            b.add(vpn, 1, State.present, 0, pfn);
            return;
        }
        Views.Folio f = Views.folio(k, pfn);
        b.add(vpn, 1, state(k, pfn, f, writable), f.pincount(), pfn);
    }

    /** The shared zero page, or a page of the huge zero folio (mm/huge_memory.c). */
    static boolean isZero(Kernel k, long pfn) {
        return k.phys.testPageFlag(pfn, PhysMem.PG_ZERO) || (k.hugeZeroPfn >= 0 && pfn >= k.hugeZeroPfn && pfn < k.hugeZeroPfn + HPAGE_NR);
    }

    static State state(Kernel k, long pfn, Views.Folio f, boolean writable) {
        PhysMem phys = k.phys;
        if (isZero(k, pfn)) return State.zero;
        if (phys.maybeDmaPinned(pfn)) return State.pinned;
        if (f.mapcount() > 1 && !writable) return State.cow_shared;
        if (f.order() > 0) return State.huge;
        return State.present;
    }

    /** Appends pages, merging with the last run when state and pincount agree and pfns continue. */
    private static final class Builder {
        final List<Run> runs = new ArrayList<>();

        void add(long vpn, long pages, State s, int pincount, Long pfn) {
            if (!runs.isEmpty()) {
                Run last = runs.get(runs.size() - 1);
                boolean adjacent = (last.addr() >>> PAGE_SHIFT) + last.pages() == vpn;
                boolean samePfnRun = pfn == null ? last.pfn() == null
                        : last.pfn() != null && last.pfn() + last.pages() == pfn;
                if (adjacent && last.state() == s && last.pincount() == pincount && samePfnRun) {
                    runs.set(runs.size() - 1, new Run(last.addr(), last.pages() + pages, s, pincount, last.pfn()));
                    return;
                }
            }
            runs.add(new Run(vpn << PAGE_SHIFT, pages, s, pincount, pfn));
        }
    }

    /** Growable pairs of longs, so a 262,144-page walk does not box every entry. */
    private static final class LongPairs {
        long[] a = new long[64], b = new long[64];
        int n;

        void add(long x, long y) {
            if (n == a.length) {
                a = java.util.Arrays.copyOf(a, n * 2);
                b = java.util.Arrays.copyOf(b, n * 2);
            }
            a[n] = x;
            b[n++] = y;
        }
    }

    // ---------------------------------------------------------------- frames by zone

    /** Frame states of the physical memory view. */
    enum FrameState { used, zero, pinned }

    /**
     * A run of allocated frames. {@code migrated}: a user page in ZONE_NORMAL of a session whose
     * user pages go to ZONE_MOVABLE, i.e. one that check_and_migrate_movable_pages() moved out for
     * a FOLL_LONGTERM pin (mm/gup.c).
     */
    record FrameRun(long pfn, long frames, FrameState state, boolean migrated) {
    }

    record ZoneView(Zone zone, long startPfn, long frames, long used, List<FrameRun> runs, boolean truncated) {
    }

    static List<ZoneView> zones(Kernel k) {
        List<ZoneView> out = new ArrayList<>();
        PhysMem phys = k.phys;
        for (Zone z : Zone.values()) {
            long frames = phys.zoneFrames(z);
            long start = switch (z) {
                case DMA32 -> PhysMem.DMA32_BASE;
                case NORMAL -> PhysMem.NORMAL_BASE;
                case MOVABLE -> PhysMem.NORMAL_BASE + phys.zoneFrames(Zone.NORMAL);
            };
            List<FrameRun> runs = new ArrayList<>();
            boolean truncated = false;
            long end = start + (z == Zone.DMA32 ? frames : phys.allocatedEnd(z)); // DMA32 is small and holds the zero page
            for (long pfn = start; pfn < end; pfn++) {
                if (!phys.isAllocated(pfn)) continue;
                FrameState s = isZero(k, pfn) ? FrameState.zero
                        : phys.maybeDmaPinned(pfn) ? FrameState.pinned : FrameState.used;
                boolean migrated = k.movableZone && z == Zone.NORMAL && phys.mapcount(pfn) > 0
                        && phys.mapping(pfn) != null;
                FrameRun last = runs.isEmpty() ? null : runs.get(runs.size() - 1);
                if (last != null && last.pfn() + last.frames() == pfn && last.state() == s && last.migrated() == migrated) {
                    runs.set(runs.size() - 1, new FrameRun(last.pfn(), last.frames() + 1, s, migrated));
                } else if (runs.size() < MAX_RUNS) {
                    runs.add(new FrameRun(pfn, 1, s, migrated));
                } else {
                    truncated = true;
                    break;
                }
            }
            out.add(new ZoneView(z, start, frames, phys.usedFrames(z), runs, truncated));
        }
        return out;
    }

    // ---------------------------------------------------------------- reverse map

    /** One PTE or PMD that maps a frame: the process and the virtual address. */
    record Mapper(int pid, long addr, boolean writable, boolean pmd) {
    }

    /**
     * Every process mapping pfn, as rmap_walk() would find them (mm/rmap.c), by scanning each
     * process's present page-table leaves: cost grows with what is mapped, not with the address
     * space. Huge leaves count when pfn lies inside them.
     */
    static List<Mapper> mappers(Kernel k, long pfn) {
        List<Mapper> out = new ArrayList<>();
        for (Task t : k.tasks.values()) {
            if (t.mm == null) continue;
            t.mm.puds.forEach(0, Long.MAX_VALUE, (i, pud) -> {
                long head = Pte.pfn(pud);
                if (pfn >= head && pfn < head + PUD_NR)
                    out.add(new Mapper(t.pid, (i << 30) + ((pfn - head) << PAGE_SHIFT), Pte.write(pud), true));
            });
            t.mm.pmds.forEach(0, Long.MAX_VALUE, (i, pmd) -> {
                long head = Pte.pfn(pmd);
                if (pfn >= head && pfn < head + HPAGE_NR)
                    out.add(new Mapper(t.pid, (i << 21) + ((pfn - head) << PAGE_SHIFT), Pte.write(pmd), true));
            });
            t.mm.ptes.forEach(0, Long.MAX_VALUE, (vpn, pte) -> {
                if (Pte.present(pte) && Pte.pfn(pte) == pfn && !Pte.special(pte))
                    out.add(new Mapper(t.pid, vpn << PAGE_SHIFT, Pte.write(pte), false));
            });
        }
        return out;
    }
}
