package io.pinlab.kernel.mm;

import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.Sysctl;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import java.util.List;

import static io.pinlab.kernel.mm.GupFixture.*;
import static io.pinlab.kernel.mm.PhysMem.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Fault-time reuse of anonymous folios that were once shared (issue 9, "Wrong today" 1-4).
 * Each expected value is the kernel rule named in the test, read in the 6.3.8, 6.5.0 and
 * 6.18 trees; "reuse" means the faulting mm keeps the very same page frame.
 */
class FaultReuseTest {
    static final List<Profile> ALL = Profile.ALL;
    static final int MADV_DONTNEED = 4;

    static Task fork(GupFixture f) { return f.k.task((int) Fork.copyProcess(f.k, f.t).ret()); }

    static void exit(GupFixture f, Task c) { assertEquals(0, io.pinlab.kernel.mm.Exit.doExit(f.k, c).ret()); }

    /** A written, PMD-mapped THP whose child has forked and exited: refcount 1, mapcount 1, not PageAnonExclusive. */
    static long onceSharedThp(GupFixture f) {
        long a = f.mmapThp(1);
        f.touch(a, 1, true);
        assertTrue(Memory.pmdMapped(f.t.mm, a));
        Task c = fork(f);
        exit(f, c);
        long head = f.pfn(a);
        assertEquals(1, f.ref(head));
        assertEquals(1, f.k.phys.mapcount(head));
        assertFalse(f.k.phys.testPageFlag(head, PG_ANON_EXCLUSIVE));
        assertFalse(Pte.write(f.pte(f.t, a)), "fork write-protected the PMD");
        return a;
    }

    // ------------------------------------------------------------ 1. do_huge_pmd_wp_page()

    @ParameterizedTest @FieldSource("ALL")
    void writeFaultReusesOnceSharedThpInPlace(Profile p) { // do_huge_pmd_wp_page(): folio_ref_count() == 1 -> reuse the PMD
        GupFixture f = new GupFixture(p);
        long a = onceSharedThp(f);
        long head = f.pfn(a);
        f.touch(a + 5 * PAGE_SIZE, 1, true);
        assertTrue(Memory.pmdMapped(f.t.mm, a), "not split");
        assertEquals(head, f.pfn(a));
        assertTrue(Pte.write(f.pte(f.t, a)));
        assertTrue(f.k.phys.testPageFlag(head, PG_ANON_EXCLUSIVE));
    }

    @ParameterizedTest @FieldSource("ALL")
    void readOnlyPinUnsharesOnceSharedThpInPlace(Profile p) { // follow_huge_pmd(): gup_must_unshare(head) -> unshare fault -> do_huge_pmd_wp_page() reuse
        GupFixture f = new GupFixture(p);
        long a = onceSharedThp(f);
        long head = f.pfn(a);
        GupResult r = f.gup(GupCall.pin_user_pages, a, 2, 0);
        assertEquals(2, r.ret(), r.toString());
        assertEquals(head, r.pin().pfns()[0], "the pin lands on the original order-9 folio");
        assertEquals(HPAGE_ORDER, f.k.phys.order(r.pin().pfns()[0]));
        assertEquals(2, f.pincount(head));
        assertTrue(Memory.pmdMapped(f.t.mm, a));
        assertFalse(Pte.write(f.pte(f.t, a)), "unshare reuses without making the PMD writable");
    }

    @ParameterizedTest @FieldSource("ALL")
    void writeFaultOnThpStillSharedWithChildFallsBack(Profile p) { // do_huge_pmd_wp_page(): refcount 2 -> VM_FAULT_FALLBACK, split, do_wp_page() copies one page
        GupFixture f = new GupFixture(p);
        long a = f.mmapThp(1);
        f.touch(a, 1, true);
        long head = f.pfn(a);
        Task c = fork(f);
        f.touch(a, 1, true);
        assertFalse(Memory.pmdMapped(f.t.mm, a));
        assertNotEquals(head, f.pfn(a));
        assertEquals(head + 1, f.pfn(a + PAGE_SIZE), "the other 511 PTEs still map the THP");
        assertTrue(Memory.pmdMapped(c.mm, a), "the child's PMD is untouched");
    }

    // ------------------------------------------------------------ 2./3. do_wp_page() on a PTE-mapped THP

    /** Profiles whose do_wp_page() has __wp_can_reuse_large_anon_folio() (read in the 6.18 tree). */
    static boolean largeRule(Profile p) { return p == Profile.V6_18; }

    @ParameterizedTest @FieldSource("ALL")
    void lastRemainingPteOfThp(Profile p) {
        // 6.3-6.5 do_wp_page(): folio_ref_count() == 1 -> reuse;
        // 6.18 __wp_can_reuse_large_anon_folio(): folio_large_mapcount() <= 1 -> copy
        GupFixture f = new GupFixture(p);
        long a = onceSharedThp(f);
        long head = f.pfn(a);
        assertEquals(0, Madvise.doMadvise(f.k, f.t, a + PAGE_SIZE, HPAGE_SIZE - PAGE_SIZE, MADV_DONTNEED).ret());
        assertEquals(1, f.ref(head));
        assertEquals(1, f.k.phys.mapcount(head));
        f.touch(a, 1, true);
        if (largeRule(p)) assertNotEquals(head, f.pfn(a), p.name() + ": copied");
        else assertEquals(head, f.pfn(a), p.name() + ": reused");
        assertTrue(f.k.phys.testPageFlag(f.pfn(a), PG_ANON_EXCLUSIVE));
    }

    /** A PTE-mapped THP, 511 PTEs in the parent, once shared with a child that has exited. */
    static long ptePartlyMappedAfterChildExit(GupFixture f) {
        long a = f.mmapThp(1);
        f.touch(a, 1, true);
        Task c = fork(f);
        assertEquals(0, Madvise.doMadvise(f.k, f.t, a + HPAGE_SIZE - PAGE_SIZE, PAGE_SIZE, MADV_DONTNEED).ret()); // splits the parent's PMD
        exit(f, c);
        long head = f.pfn(a);
        assertEquals(511, f.k.phys.mapcount(head));
        assertEquals(511, f.ref(head));
        return a;
    }

    @ParameterizedTest @FieldSource("ALL")
    void pteMappedThpNoLongerSharedIsReusedOn618(Profile p) {
        // 6.18 __wp_can_reuse_large_anon_folio(): mapcount 511 > 1, FOLIO_MM_IDS_SHARED_BIT clear
        // after the child unmapped, mapcount == refcount -> reuse; 6.3-6.5: refcount 511 != 1 -> copy
        GupFixture f = new GupFixture(p);
        long a = ptePartlyMappedAfterChildExit(f);
        long page = f.pfn(a + 7 * PAGE_SIZE);
        f.touch(a + 7 * PAGE_SIZE, 1, true);
        assertEquals(largeRule(p), page == f.pfn(a + 7 * PAGE_SIZE), p.name());
    }

    @ParameterizedTest @FieldSource("ALL")
    void pteMappedThpWithGupReferenceIsCopied(Profile p) { // __wp_can_reuse_large_anon_folio(): refcount 512 != mapcount 511 -> copy (older: != 1 -> copy)
        GupFixture f = new GupFixture(p);
        long a = ptePartlyMappedAfterChildExit(f);
        assertEquals(1, f.gup(GupCall.get_user_pages, a + 20 * PAGE_SIZE, 1, 0).ret());
        long page = f.pfn(a + 7 * PAGE_SIZE);
        f.touch(a + 7 * PAGE_SIZE, 1, true);
        assertNotEquals(page, f.pfn(a + 7 * PAGE_SIZE));
    }

    @ParameterizedTest @FieldSource("ALL")
    void pteMappedThpStillMappedByChildIsCopied(Profile p) { // FOLIO_MM_IDS_SHARED_BIT set while the child's PMD maps the folio
        GupFixture f = new GupFixture(p);
        long a = f.mmapThp(1);
        f.touch(a, 1, true);
        fork(f);
        assertEquals(0, Madvise.doMadvise(f.k, f.t, a + HPAGE_SIZE - PAGE_SIZE, PAGE_SIZE, MADV_DONTNEED).ret());
        long page = f.pfn(a + 7 * PAGE_SIZE);
        assertEquals(f.ref(page), f.k.phys.mapcount(page), "all references are mappings, only the mm-ids bit refuses");
        f.touch(a + 7 * PAGE_SIZE, 1, true);
        assertNotEquals(page, f.pfn(a + 7 * PAGE_SIZE));
    }

    // ------------------------------------------------------------ 4. hugetlb_wp()

    @ParameterizedTest @FieldSource("ALL")
    void hugetlbReuseIgnoresGupReference(Profile p) {
        // hugetlb_wp(): folio_mapcount() == 1 && folio_test_anon() -> reuse, no refcount test, so
        // the FOLL_GET reference taken before fork still sees the parent's later writes
        GupFixture f = new GupFixture(p);
        assertEquals(0, Sysctl.set(f.k, "vm.nr_hugepages", 4).ret());
        long a = Mmap.doMmap(f.k, f.t, 0, HPAGE_SIZE, RW, PRIVATE | ANON | MapFlag.MAP_HUGETLB.value, -1, 0).ret();
        f.touch(a, 1, true);
        long head = f.pfn(a);
        assertEquals(1, f.gup(GupCall.get_user_pages, a, 1, 0).ret());
        Task c = fork(f);
        assertEquals(head, f.pfn(a), "FOLL_GET does not set MMF_HAS_PINNED: fork shares the folio");
        assertEquals(head, Pte.pfn(f.pte(c, a)));
        exit(f, c);
        assertEquals(2, f.ref(head), "the PMD mapping plus the GUP reference");
        f.touch(a, 1, true);
        assertEquals(head, f.pfn(a));
        assertTrue(Pte.write(f.pte(f.t, a)));
    }

    @ParameterizedTest @FieldSource("ALL")
    void hugetlbMappedTwiceIsCopied(Profile p) { // hugetlb_wp(): mapcount 2 -> copy the huge page
        GupFixture f = new GupFixture(p);
        assertEquals(0, Sysctl.set(f.k, "vm.nr_hugepages", 4).ret());
        long a = Mmap.doMmap(f.k, f.t, 0, HPAGE_SIZE, RW, PRIVATE | ANON | MapFlag.MAP_HUGETLB.value, -1, 0).ret();
        f.touch(a, 1, true);
        long head = f.pfn(a);
        fork(f);
        f.touch(a, 1, true);
        assertNotEquals(head, f.pfn(a));
    }

    // ------------------------------------------------------------ 5. the huge zero folio

    static boolean zeroWpAllocatesThp(Profile p) { return p == Profile.V6_18; } // do_huge_zero_wp_pmd() is in the 6.18 tree only

    @ParameterizedTest @FieldSource("ALL")
    void readFaultMapsHugeZeroFolio(Profile p) { // do_huge_pmd_anonymous_page(): read fault + use_zero_page -> set_huge_zero_folio()
        GupFixture f = new GupFixture(p);
        long a = f.mmapThp(1);
        f.touch(a + 3 * PAGE_SIZE, 1, false);
        assertTrue(Memory.pmdMapped(f.t.mm, a));
        long z = f.k.hugeZeroPfn;
        assertTrue(z >= 0);
        assertEquals(z + 3, f.pfn(a + 3 * PAGE_SIZE));
        assertFalse(Pte.write(f.pte(f.t, a)));
        assertEquals(0, f.t.mm.rssAnon, "the huge zero folio counts in no RSS");
        assertEquals(1, f.ref(z), "mappings take no reference");
        Task c = fork(f); // copy_huge_pmd(): the child maps it as well
        assertEquals(z, f.pfn(a) , "parent unchanged");
        assertEquals(z, Pte.pfn(f.pte(c, a)));
        exit(f, c);
        assertEquals(1, f.ref(z));
    }

    @ParameterizedTest @FieldSource("ALL")
    void useZeroPageOffAllocatesThpOnRead(Profile p) { // transparent_hugepage/use_zero_page = 0 -> __do_huge_pmd_anonymous_page()
        GupFixture f = new GupFixture(p);
        assertEquals(0, Sysctl.set(f.k, Sysctl.THP_USE_ZERO_PAGE, 0).ret());
        long a = f.mmapThp(1);
        f.touch(a, 1, false);
        assertTrue(Memory.pmdMapped(f.t.mm, a));
        assertEquals(-1, f.k.hugeZeroPfn);
        assertEquals(HPAGE_ORDER, f.k.phys.order(f.pfn(a)));
        assertEquals(HPAGE_NR, f.t.mm.rssAnon);
    }

    @ParameterizedTest @FieldSource("ALL")
    void writeAfterReadOnHugeZero(Profile p) {
        // 6.18 do_huge_zero_wp_pmd(): a new writable THP; 6.3-6.5 do_huge_pmd_wp_page(): is_huge_zero_pmd
        // -> fallback: __split_huge_zero_page_pmd() and do_wp_page() copies one 4 KiB page
        GupFixture f = new GupFixture(p);
        long a = f.mmapThp(1);
        f.touch(a, 1, false);
        f.touch(a + 9 * PAGE_SIZE, 1, true);
        if (zeroWpAllocatesThp(p)) {
            assertTrue(Memory.pmdMapped(f.t.mm, a));
            assertEquals(HPAGE_ORDER, f.k.phys.order(f.pfn(a)));
            assertTrue(Pte.write(f.pte(f.t, a)));
            assertEquals(HPAGE_NR, f.t.mm.rssAnon);
        } else {
            assertFalse(Memory.pmdMapped(f.t.mm, a));
            assertEquals(0, f.k.phys.order(f.pfn(a + 9 * PAGE_SIZE)));
            assertEquals(ZERO_PFN, f.pfn(a), "the rest maps the 4 KiB zero page");
            assertEquals(ZERO_PFN, f.pfn(a + 10 * PAGE_SIZE));
            assertEquals(1, f.t.mm.rssAnon);
        }
    }

    @ParameterizedTest @FieldSource("ALL")
    void longtermReadPinOfHugeZeroUnshares(Profile p) {
        // gup_must_unshare(): not anon + FOLL_LONGTERM + COW mapping -> unshare fault; 6.18 maps a new THP,
        // 6.3-6.5 split and copy one 4 KiB page
        GupFixture f = new GupFixture(p);
        long a = f.mmapThp(1);
        f.touch(a, 1, false);
        GupResult r = f.gup(GupCall.pin_user_pages, a + PAGE_SIZE, 1, LONGTERM);
        assertEquals(1, r.ret(), r.toString());
        long pinned = r.pin().pfns()[0];
        assertNotEquals(f.k.hugeZeroPfn, f.k.phys.head(pinned));
        assertEquals(zeroWpAllocatesThp(p) ? HPAGE_ORDER : 0, f.k.phys.order(pinned));
        assertEquals(pinned, f.pfn(a + PAGE_SIZE), "the process maps the pinned page");
    }

    @ParameterizedTest @FieldSource("ALL")
    void shortTermReadPinTakesHugeZeroFolio(Profile p) {
        // gup_must_unshare(): a short-term R/O pin of a non-anon page needs no unshare; try_grab_folio()
        // pins the huge zero folio (only the 4 KiB zero page is exempt, is_zero_folio())
        GupFixture f = new GupFixture(p);
        long a = f.mmapThp(1);
        f.touch(a, 1, false);
        long z = f.k.hugeZeroPfn;
        GupResult r = f.gup(GupCall.pin_user_pages_fast, a + 2 * PAGE_SIZE, 2, 0);
        assertEquals(2, r.ret(), r.toString());
        assertEquals(z + 2, r.pin().pfns()[0]);
        assertEquals(2, f.pincount(z));
        assertEquals(3, f.ref(z));
    }

    @ParameterizedTest @FieldSource("ALL")
    void dumpSkipsHugeZeroFolio(Profile p) { // follow_huge_pmd(): FOLL_DUMP && is_huge_zero_pmd() -> -EFAULT
        GupFixture f = new GupFixture(p);
        long a = f.mmapThp(1);
        f.touch(a, 1, false);
        GupResult r = f.gup(GupCall.get_user_pages, a, 1, DUMP);
        assertEquals(-14, r.ret(), r.toString());
    }

    @org.junit.jupiter.api.Test
    void useZeroPageTakesOnlyZeroOrOne() { // single_hugepage_flag_store(): value > 1 -> -EINVAL
        GupFixture f = new GupFixture(Profile.V6_18);
        assertEquals(1, Sysctl.get(f.k, Sysctl.THP_USE_ZERO_PAGE));
        assertEquals(io.pinlab.kernel.base.Errno.EINVAL, Sysctl.set(f.k, Sysctl.THP_USE_ZERO_PAGE, 2).errno());
        assertEquals(1, Sysctl.get(f.k, Sysctl.THP_USE_ZERO_PAGE));
    }
}
