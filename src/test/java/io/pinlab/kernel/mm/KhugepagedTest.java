package io.pinlab.kernel.mm;

import io.pinlab.kernel.base.VirtAddr;
import io.pinlab.kernel.Kernel;
import io.pinlab.kernel.Sysctl;
import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.base.SysResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import java.util.List;

import static io.pinlab.kernel.mm.PhysMem.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * MADV_COLLAPSE (mm/khugepaged.c madvise_collapse(), hpage_collapse_scan_pmd(),
 * collapse_huge_page(), madvise_collapse_errno(); mm/huge_memory.c __thp_vma_allowable_orders()),
 * read in the 6.3.8, 6.5.0 and 6.19 trees and checked against this machine's 6.18 (OracleTest).
 */
class KhugepagedTest {
    static final List<Profile> ALL = Profile.ALL;
    static final long PAGE = PAGE_SIZE, HUGE = HPAGE_SIZE;
    static final int COLLAPSE = Madv.MADV_COLLAPSE.value;

    /** A kernel, its pid 1, and a 2 MiB-aligned range of 512 written small anonymous pages. */
    static final class K {
        final Kernel k;
        final Task t;

        K(Profile p) {
            k = new Kernel(p, false);
            t = k.task(1);
        }

        /** n aligned huge ranges, of which the first {@code written} get 512 small pages each (value = page index + 1). */
        long small(int n, int written) {
            long raw = Mmap.doMmap(k, t, VirtAddr.of(0), (n + 1) * HUGE, 3, 0x22, -1, 0).ret();
            long a = (raw + HUGE - 1) & ~(HUGE - 1);
            for (long i = 0; i < written * (long) HPAGE_NR; i++)
                assertTrue(UserAccess.access(k, t, VirtAddr.of(a + i * PAGE), 1, true, i + 1).ok());
            assertFalse(Memory.pmdMapped(t.mm, a), "no VM_HUGEPAGE: small pages");
            return a;
        }

        SysResult collapse(long addr, long len) { return Madvise.doMadvise(k, t, VirtAddr.of(addr), len, COLLAPSE); }

        long pfn(long addr) { return Pte.pfn(Memory.followPte(t.mm, addr)); }

        long value(long addr) { return UserAccess.access(k, t, VirtAddr.of(addr), 1, false, null).values().get(0); }

        GupResult pin(GupCall call, long addr, int flags) {
            GupResult g = GupTest.call(k, t, GupRequest.of(call, VirtAddr.of(addr), 1, flags));
            assertEquals(1, g.ret(), g.toString());
            return g;
        }
    }

    static void err(Errno e, SysResult r) {
        assertEquals(e, r.errno(), r.explain().toString());
        assertEquals(e.neg(), r.ret());
    }

    @ParameterizedTest @FieldSource("ALL")
    void smallPagesBecomeOneNewThp(Profile p) { // collapse_huge_page(): new folio, __collapse_huge_page_copy(), old pages released
        K x = new K(p);
        long a = x.small(1, 1);
        long old = x.pfn(a + PAGE);
        assertEquals(0, x.collapse(a, HUGE).ret());
        assertTrue(Memory.pmdMapped(x.t.mm, a));
        long head = x.pfn(a);
        assertNotEquals(old, x.pfn(a + PAGE), "a new folio");
        assertEquals(HPAGE_ORDER, x.k.phys.order(head));
        assertEquals(2, x.value(a + PAGE), "contents copied");
        assertEquals(512, x.value(a + 511 * PAGE));
        assertFalse(x.k.phys.isAllocated(old), "the small page was freed");
        assertEquals(HPAGE_NR, x.t.mm.rssAnon);
        assertEquals(1, x.k.phys.refcount(head));
        assertTrue(x.k.phys.testPageFlag(head, PG_ANON_EXCLUSIVE), "folio_add_new_anon_rmap(): exclusive");
        assertTrue(Pte.write(x.t.mm.pmds.get(a >>> 21)), "maybe_pmd_mkwrite() on a writable VMA");
        assertEquals(0, x.collapse(a, HUGE).ret(), "SCAN_PMD_MAPPED counts as done");
        assertEquals(head, x.pfn(a));
    }

    @ParameterizedTest @FieldSource("ALL")
    void aPinnedPageRefusesWithEagain(Profile p) { // hpage_collapse_scan_pmd(): ref != expected -> SCAN_PAGE_COUNT -> -EAGAIN
        K x = new K(p);
        long a = x.small(1, 1);
        long pinned = x.pfn(a + 3 * PAGE);
        GupResult g = x.pin(GupCall.pin_user_pages, a + 3 * PAGE, FollFlag.FOLL_WRITE.value() | FollFlag.FOLL_LONGTERM.value());
        err(Errno.EAGAIN, x.collapse(a, HUGE));
        assertFalse(Memory.pmdMapped(x.t.mm, a));
        assertEquals(pinned, x.pfn(a + 3 * PAGE), "nothing moved");
        assertTrue(x.k.phys.maybeDmaPinned(pinned));
        Pins.release(x.k, g.pin().id(), PinRelease.unpin_user_pages, false);
        assertEquals(0, x.collapse(a, HUGE).ret(), "unpinned: collapses");
    }

    @ParameterizedTest @FieldSource("ALL")
    void aFollGetReferenceRefusesToo(Profile p) { // the same refcount test: any reference beyond the mappings
        K x = new K(p);
        long a = x.small(1, 1);
        x.pin(GupCall.get_user_pages, a, 0);
        err(Errno.EAGAIN, x.collapse(a, HUGE));
    }

    @ParameterizedTest @FieldSource("ALL")
    void pagesSharedWithAChild(Profile p) {
        // 6.3-6.5 hpage_collapse_scan_pmd(): fork write-protected every PTE -> SCAN_PAGE_RO -> -EINVAL;
        // 6.18: no writable check; mapcount == refcount == 2, so the parent gets a new THP and the child keeps the old pages
        K x = new K(p);
        long a = x.small(1, 1);
        long old = x.pfn(a);
        Task child = x.k.task((int) Fork.copyProcess(x.k, x.t).ret());
        SysResult r = x.collapse(a, HUGE);
        if (p.collapseReadonlyPtes()) {
            assertEquals(0, r.ret(), r.explain().toString());
            assertTrue(Memory.pmdMapped(x.t.mm, a));
            assertEquals(old, Pte.pfn(Memory.followPte(child.mm, a)));
            assertEquals(1, x.k.phys.mapcount(old), "only the child maps it now");
            assertEquals(1, x.value(a));
        } else {
            err(Errno.EINVAL, r);
            assertEquals(old, x.pfn(a));
        }
    }

    @ParameterizedTest @FieldSource("ALL")
    void vmaRules(Profile p) { // __thp_vma_allowable_orders() / hugepage_vma_check(): -EINVAL
        K x = new K(p);
        long raw = Mmap.doMmap(x.k, x.t, VirtAddr.of(0), 2 * HUGE, 3, 0x22, -1, 0).ret();
        long untouched = (raw + HUGE - 1) & ~(HUGE - 1);
        err(Errno.EINVAL, x.collapse(untouched, HUGE)); // no anon_vma
        long a = x.small(1, 1);
        assertEquals(0, Madvise.doMadvise(x.k, x.t, VirtAddr.of(a), HUGE, Madv.MADV_NOHUGEPAGE.value).ret());
        err(Errno.EINVAL, x.collapse(a, HUGE)); // VM_NOHUGEPAGE
        long tiny = Mmap.doMmap(x.k, x.t, VirtAddr.of(0), 16 * PAGE, 3, 0x22, -1, 0).ret();
        assertTrue(UserAccess.access(x.k, x.t, VirtAddr.of(tiny), 16 * PAGE, true, 1L).ok());
        err(Errno.EINVAL, x.collapse(tiny, 16 * PAGE)); // thp_vma_suitable_order(): no aligned 2 MiB in the VMA
        assertNull(Sysctl.set(x.k, "vm.nr_hugepages", 2).errno());
        long hp = Mmap.doMmap(x.k, x.t, VirtAddr.of(0), HUGE, 3, 0x22 | 0x40000, -1, 0).ret();
        assertTrue(UserAccess.access(x.k, x.t, VirtAddr.of(hp), 1, true, 1L).ok());
        err(Errno.EINVAL, x.collapse(hp, HUGE)); // VM_NO_KHUGEPAGED
    }

    @ParameterizedTest @FieldSource("ALL")
    void rangesWithoutAWholeAlignedPmd(Profile p) { // hstart/hend and the unsigned count in madvise_collapse()
        K x = new K(p);
        long a = x.small(2, 1);
        err(Errno.EINVAL, x.collapse(a + PAGE, PAGE)); // hend < hstart: (hend - hstart) >> 21 is huge
        assertEquals(0, x.collapse(a + PAGE, HUGE).ret(), "hstart == hend: nothing to do, 0 == 0");
        assertFalse(Memory.pmdMapped(x.t.mm, a));
    }

    @ParameterizedTest @FieldSource("ALL")
    void halfPopulatedIsFilledWithZeroes(Profile p) { // none PTEs are fine for madvise (no max_ptes_none)
        K x = new K(p);
        long raw = Mmap.doMmap(x.k, x.t, VirtAddr.of(0), 2 * HUGE, 3, 0x22, -1, 0).ret();
        long a = (raw + HUGE - 1) & ~(HUGE - 1);
        assertTrue(UserAccess.access(x.k, x.t, VirtAddr.of(a), HUGE / 2, true, 5L).ok());
        assertEquals(0, x.collapse(a, HUGE).ret());
        assertTrue(Memory.pmdMapped(x.t.mm, a));
        assertEquals(5, x.value(a));
        assertEquals(0, x.value(a + HUGE - PAGE));
    }

    @ParameterizedTest @FieldSource("ALL")
    void aPageCountFailureStillTriesTheNextPmd(Profile p) { // SCAN_PAGE_COUNT is whitelisted: the loop goes on, the result is -EAGAIN
        K x = new K(p);
        long a = x.small(2, 2);
        x.pin(GupCall.pin_user_pages, a, FollFlag.FOLL_LONGTERM.value());
        err(Errno.EAGAIN, x.collapse(a, 2 * HUGE));
        assertFalse(Memory.pmdMapped(x.t.mm, a));
        assertTrue(Memory.pmdMapped(x.t.mm, a + HUGE));
    }

    @ParameterizedTest @FieldSource("ALL")
    void noPageTableIsEinvalAfterTheOthersCollapsed(Profile p) { // SCAN_PMD_NULL / SCAN_NO_PTE_TABLE: whitelisted, errno -EINVAL
        K x = new K(p);
        long a = x.small(2, 1);
        err(Errno.EINVAL, x.collapse(a, 2 * HUGE));
        assertTrue(Memory.pmdMapped(x.t.mm, a));
        assertFalse(Memory.pmdMapped(x.t.mm, a + HUGE));
    }

    // Shmem (mm/khugepaged.c hpage_collapse_scan_file(), collapse_file(); mm/shmem.c
    // shmem_allowable_huge_orders() with shmem_huge_force, shmem_is_huge(force) in 6.3-6.5)

    /** n aligned 2 MiB of MAP_SHARED|MAP_ANONYMOUS (shmem), of which the first {@code written} get 512 written pages each. */
    static long shmem(K x, int n, int written) {
        long raw = Mmap.doMmap(x.k, x.t, VirtAddr.of(0), (n + 1) * HUGE, 0, 0x22, -1, 0).ret();
        long a = (raw + HUGE - 1) & ~(HUGE - 1);
        assertEquals(a, Mmap.doMmap(x.k, x.t, VirtAddr.of(a), n * HUGE, 3, 0x31, -1, 0).ret()); // MAP_SHARED|MAP_ANONYMOUS|MAP_FIXED
        for (long i = 0; i < written * (long) HPAGE_NR; i++)
            assertTrue(UserAccess.access(x.k, x.t, VirtAddr.of(a + i * PAGE), 1, true, i + 1).ok());
        return a;
    }

    @ParameterizedTest @FieldSource("ALL")
    void writtenShmemCollapsesLikeAnonymousMemory(Profile p) { // collapse_file() beside collapse_huge_page()
        K x = new K(p);
        long a = x.small(1, 1), s = shmem(x, 1, 1);
        assertEquals(0, x.collapse(a, HUGE).ret());
        assertEquals(0, x.collapse(s, HUGE).ret());
        assertTrue(Memory.pmdMapped(x.t.mm, a));
        assertTrue(Memory.pmdMapped(x.t.mm, s), "the shmem range too (ShmemThpTest has the details)");
        assertEquals(HPAGE_ORDER, x.k.phys.order(x.pfn(s + 7 * PAGE)));
        assertEquals(8, x.value(s + 7 * PAGE));
    }

    @ParameterizedTest @FieldSource("ALL")
    void emptyShmemRangeIsTruncated(Profile p) { // collapse_file(): no entry in the range -> SCAN_TRUNCATED -> -EINVAL
        K x = new K(p);
        err(Errno.EINVAL, x.collapse(shmem(x, 1, 0), HUGE));
    }

    @ParameterizedTest @FieldSource("ALL")
    void emptyShmemRangeWithNoFree2MiBIsEnomem(Profile p) { // collapse_file(): alloc_charge_folio() comes before the empty-range exit
        K x = new K(p);
        long s = shmem(x, 1, 0);
        while (x.k.phys.allocFolio(x.k.userZone(), HPAGE_ORDER) >= 0) { } // take every free 2 MiB block
        assertNull(x.k.phys.allocFailure(), "the zone ran out, not the memory cgroup");
        err(Errno.ENOMEM, x.collapse(s, HUGE)); // madvise_collapse_errno(SCAN_ALLOC_HUGE_PAGE_FAIL)
    }

    @ParameterizedTest @FieldSource("ALL")
    void pinnedShmemPageIsEagain(Profile p) { // hpage_collapse_scan_file(): folio_ref_count() != folio_expected_ref_count() + 1
        K x = new K(p);
        long s = shmem(x, 1, 1);
        long before = x.pfn(s + 3 * PAGE);
        x.pin(GupCall.pin_user_pages, s + 3 * PAGE, FollFlag.FOLL_LONGTERM.value());
        err(Errno.EAGAIN, x.collapse(s, HUGE));
        assertEquals(before, x.pfn(s + 3 * PAGE));
    }

    @ParameterizedTest @FieldSource("ALL")
    void pageCountGoesOnAndAnEmptyRangeEndsWithEinval(Profile p) { // SCAN_PAGE_COUNT is whitelisted, SCAN_TRUNCATED is not
        K x = new K(p);
        long s = shmem(x, 2, 1);
        x.pin(GupCall.pin_user_pages, s, FollFlag.FOLL_LONGTERM.value());
        err(Errno.EINVAL, x.collapse(s, 2 * HUGE)); // madvise_collapse_errno(SCAN_TRUNCATED), the last failure
    }

    @ParameterizedTest @FieldSource("ALL")
    void shmemMappedAtAnUnalignedOffsetIsEinval(Profile p) { // thp_vma_suitable_order(): (vm_start >> PAGE_SHIFT) - vm_pgoff must be 512-aligned
        K x = new K(p);
        long s = shmem(x, 2, 2);
        long raw = Mmap.doMmap(x.k, x.t, VirtAddr.of(0), 2 * HUGE, 0, 0x22, -1, 0).ret();
        long a = (raw + HUGE - 1) & ~(HUGE - 1);
        assertEquals(a, Mremap.doMremap(x.k, x.t, VirtAddr.of(s + PAGE), HUGE, HUGE, 3, VirtAddr.of(a)).ret()); // MREMAP_MAYMOVE|MREMAP_FIXED
        err(Errno.EINVAL, x.collapse(a, HUGE));
    }
}
