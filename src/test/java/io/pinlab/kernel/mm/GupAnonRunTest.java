package io.pinlab.kernel.mm;

import io.pinlab.kernel.Kernel;
import io.pinlab.kernel.Lab;
import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.base.VirtAddr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;

import static io.pinlab.kernel.Lab.*;
import static io.pinlab.kernel.mm.PhysMem.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * GUP over untouched anonymous memory: __get_user_pages() (mm/gup.c) finds no PTE, faultin_page()
 * -> handle_mm_fault() -> do_anonymous_page() (mm/memory.c) maps a new exclusive page, and the
 * retried follow_page_pte() takes GUP's reference. The result must not depend on whether the pages
 * were faulted by GUP or, one by one, by the process's own stores before the call.
 */
class GupAnonRunTest {

    static LongStream seeds() { return LongStream.range(0, 150); }

    /** The calls that pin or get with FOLL_WRITE (the write faults a store would take). */
    static final GupCall[] CALLS = {GupCall.pin_user_pages, GupCall.pin_user_pages_fast, GupCall.pin_user_pages_unlocked,
            GupCall.pin_user_pages_remote, GupCall.get_user_pages, GupCall.get_user_pages_fast, GupCall.get_user_pages_unlocked};

    /** One side of the comparison: a kernel set up from the seed, the pinned range, and the pin's result. */
    record Side(Lab lab, long start, int pages, GupResult r) {}

    /**
     * Twin sessions from one seed: the same mappings (two VMAs of different protection side by side,
     * so the range crosses a VMA boundary and page tables), the same free frames (a freed mapping
     * leaves pfns on the allocator's free list, reused last-freed first), the same pages written or
     * read (the shared zero page) beforehand. In {@code storesFirst} the process then writes every
     * page that has no writable page yet, in address order, before the GUP call; in the other twin
     * GUP faults them. Everything the kernel holds must come out the same: the pfns handed out,
     * every frame's refcount, mapcount, flags and mapping, the page tables, RSS, the allocator and
     * the memcg usage.
     */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void faultingInGupEqualsStoresBeforeTheCall(long seed) {
        Side gup = side(seed, false), stores = side(seed, true);
        assertEquals(stores.r.ret(), gup.r.ret(), "pages done");
        assertEquals(stores.r.errno(), gup.r.errno());
        if (gup.r.pin() != null) assertArrayEquals(stores.r.pin().pfns(), gup.r.pin().pfns(), "pfns handed out");
        Kernel a = gup.lab.k, b = stores.lab.k;
        for (Zone z : Zone.values()) {
            assertEquals(b.phys.allocator(z).next(), a.phys.allocator(z).next(), z + " bump pointer");
            assertArrayEquals(b.phys.allocator(z).free0(), a.phys.allocator(z).free0(), z + " free list");
            List<PhysMem.FrameBlock> fa = a.phys.frameBlocks(z), fb = b.phys.frameBlocks(z);
            assertEquals(fb.size(), fa.size(), z + " pageblocks");
            for (int i = 0; i < fa.size(); i++) {
                PhysMem.FrameBlock x = fa.get(i), y = fb.get(i);
                String at = z + " pageblock 0x" + Long.toHexString(x.firstPfn());
                assertEquals(y.firstPfn(), x.firstPfn(), at);
                assertEquals(y.used(), x.used(), at + " used");
                assertArrayEquals(y.refcount(), x.refcount(), at + " refcount");
                assertArrayEquals(y.mapcount(), x.mapcount(), at + " mapcount");
                assertArrayEquals(y.flags(), x.flags(), at + " flags");
                assertArrayEquals(y.mapping(), x.mapping(), at + " mapping");
                assertArrayEquals(y.value(), x.value(), at + " contents");
            }
        }
        for (int i = 0; i < gup.pages; i++) {
            long addr = gup.start + (long) i * PAGE_SIZE;
            assertEquals(stores.lab.pte(stores.lab.t, addr), gup.lab.pte(gup.lab.t, addr), "PTE of page " + i);
        }
        assertEquals(b.task(1).mm.rssAnon, a.task(1).mm.rssAnon, "MM_ANONPAGES");
        assertEquals(b.task(1).mm.ptes.leaves(), a.task(1).mm.ptes.leaves(), "page tables");
        assertEquals(b.memcg.usage(), a.memcg.usage(), "memcg usage");
        assertEquals(b.pins.nrFollPinAcquired, a.pins.nrFollPinAcquired, "nr_foll_pin_acquired");
    }

    private static Side side(long seed, boolean storesFirst) {
        Random r = new Random(seed);
        Profile p = Profile.ALL.get(r.nextInt(Profile.ALL.size()));
        GupCall call = CALLS[r.nextInt(CALLS.length)];
        // FOLL_LONGTERM faults avoid ZONE_MOVABLE (memalloc_pin_save()) where stores would not
        boolean longterm = r.nextBoolean();
        Lab f = new Lab(p, !longterm && r.nextBoolean());
        // frames freed before: the allocator hands these out first, last freed first
        int freed = r.nextInt(600);
        if (freed > 0) {
            long y = f.anon(freed * PAGE_SIZE);
            f.touch(y, freed, true);
            for (int i = 0; i < freed; i++) if (r.nextInt(3) > 0) assertOk(f.munmap(y + (long) i * PAGE_SIZE, PAGE_SIZE));
        }
        int n1 = 1 + r.nextInt(1200), n2 = 1 + r.nextInt(700);
        long x = f.anon((long) (n1 + n2) * PAGE_SIZE, RW);
        assertOk(f.mprotect(x + (long) n1 * PAGE_SIZE, (long) n2 * PAGE_SIZE, RW | PROT_EXEC)); // a second VMA
        // pages written (a value each) or read (the zero page) before
        for (int i = 0, n = r.nextInt(40); i < n; i++) {
            int pg = r.nextInt(n1 + n2), len = 1 + r.nextInt(8);
            len = Math.min(len, n1 + n2 - pg);
            long addr = x + (long) pg * PAGE_SIZE;
            if (r.nextBoolean()) assertOk(f.write(addr, len * PAGE_SIZE, 1 + r.nextInt(100)));
            else assertOk(f.read(f.t, addr, len * PAGE_SIZE));
        }
        int first = r.nextInt(n1), pages = 1 + r.nextInt(n1 + n2 - first);
        long start = x + (long) first * PAGE_SIZE;
        int flags = FOLL_WRITE | (longterm && call != GupCall.get_user_pages && call != GupCall.get_user_pages_fast
                && call != GupCall.get_user_pages_unlocked ? FOLL_LONGTERM : 0) | (r.nextInt(4) == 0 ? FOLL_FORCE : 0);
        if (storesFirst) {
            for (int i = 0; i < pages; i++) {
                long addr = start + (long) i * PAGE_SIZE, pte = f.pte(f.t, addr);
                if (pte == 0 || !Pte.write(pte)) assertOk(f.write(addr, PAGE_SIZE, 0));
            }
        }
        // the *_remote calls on the caller's own mm, with *locked = 1
        GupResult res = f.gup(call == GupCall.pin_user_pages_remote
                ? new GupRequest(call, VirtAddr.of(start), pages, flags, true, false, 1, f.t.pid)
                : GupRequest.of(call, VirtAddr.of(start), pages, flags));
        return new Side(f, start, pages, res);
    }

    /**
     * pinlab's per-call work budget (Globals.chargeWork(), standing in for fatal_signal_pending()):
     * __get_user_pages() charges one page before each lookup, so a page it must fault costs two
     * (the lookup that finds no PTE, and the one after faultin_page()). With a budget of W pages a
     * pin of untouched memory therefore pins W / 2 pages; an odd budget also faults one more page
     * before the next charge fails. Nothing pinned: -EINTR ("i ? i : ret").
     */
    @ParameterizedTest(name = "budget {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 101, 102, 511, 512, 513, 1023, 1024, 1025, 1999, 2000, 2001, 4000})
    void aBudgetOfWPagesPinsHalfOfItInUntouchedMemory(long w) {
        Lab f = new Lab(new Kernel(Profile.V6_18, false, MemCg.unlimited(), w));
        int n = 1000;
        long a = f.anon(n * PAGE_SIZE);
        GupResult r = f.gup(GupCall.pin_user_pages, a, n, FOLL_WRITE | FOLL_LONGTERM);
        long pinned = Math.min(n, w / 2), faulted = Math.min(n, (w + 1) / 2);
        if (pinned == 0) assertEquals(Errno.EINTR, r.errno());
        else assertEquals(pinned, r.ret());
        assertEquals(faulted, f.t.mm.rssAnon, "pages faulted in");
        assertEquals(pinned, f.k.pins.nrFollPinAcquired);
        for (long i = 0; i < faulted; i++) {
            long pfn = f.pfn(a + i * PAGE_SIZE);
            assertEquals(i < pinned ? 1 + GUP_PIN_COUNTING_BIAS : 1, f.ref(pfn), "page " + i);
        }
    }

    /**
     * The memcg limit inside a run of faults: handle_mm_fault() runs the memcg OOM killer when a
     * fault's worst case (MemCg.FAULT_BYTES) no longer fits. The pinning process is the largest in
     * the session, so it is killed and the fault fails with VM_FAULT_OOM; __get_user_pages()
     * returns the pages done before it ("i ? i : ret"). The process's exit drops each page's
     * mapping reference and mapcount; the pins keep the frames (refcount GUP_PIN_COUNTING_BIAS).
     */
    @Test
    void theMemcgLimitStopsTheRunAtTheFaultThatNoLongerFits() {
        long max = 512 << 10;
        Lab f = new Lab(new Kernel(Profile.V6_18, false, new MemCg(max, null), Long.MAX_VALUE));
        Task t = f.k.createTask(0, "pinner", 1000, true, 8L << 20);
        int n = 16384;
        long a = f.map(t, n * PAGE_SIZE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1);
        GupResult r = f.gup(t, GupRequest.of(GupCall.pin_user_pages, VirtAddr.of(a), n, FOLL_WRITE));
        long done = r.ret();
        assertTrue(done > 0 && done < n, "a partial pin: " + done);
        var oom = r.explain().stream().filter(s -> s.fn().equals("faultin_page")).findFirst().orElseThrow();
        assertEquals("-ENOMEM", oom.outcome());
        assertTrue(oom.detail().startsWith("handle_mm_fault(0x" + Long.toHexString(a + done * PAGE_SIZE) + ") returned VM_FAULT_OOM"), oom.detail());
        assertTrue(oom.detail().contains(MemCg.FAULT_BYTES + " more needed") && oom.detail().contains("killed this process, pid " + t.pid), oom.detail());
        assertTrue(lastStep(r).contains((done + 1) + " needed faultin_page()"), "the failed fault counts too");
        assertFalse(f.k.tasks.containsKey(t.pid), "killed");
        assertTrue(f.k.memcg.usage() <= max);
        assertEquals(done, r.pin().count());
        for (long pfn : r.pin().pfns()) {
            assertEquals(GUP_PIN_COUNTING_BIAS, f.ref(pfn));
            assertEquals(0, f.k.phys.mapcount(pfn));
        }
    }

    private static String lastStep(GupResult r) { return r.explain().getLast().detail(); }
}
