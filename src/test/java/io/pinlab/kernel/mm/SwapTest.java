package io.pinlab.kernel.mm;

import io.pinlab.kernel.KernelSnapshot;
import io.pinlab.kernel.Lab;
import io.pinlab.kernel.Syscall;
import io.pinlab.kernel.Views;
import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.base.SysResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import static io.pinlab.kernel.Lab.*;
import static io.pinlab.kernel.mm.GupCall.*;
import static io.pinlab.kernel.mm.PhysMem.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * swapon/swapoff (mm/swapfile.c), MADV_PAGEOUT (mm/madvise.c madvise_cold_or_pageout_pte_range()
 * -> reclaim_pages() -> mm/vmscan.c shrink_folio_list()), swap-in faults (mm/memory.c
 * do_swap_page()), fork (copy_nonpresent_pte()) and zap (zap_nonpresent_ptes()). For small
 * folios these rules are the same in 6.3, 6.5 and 6.18, so the main cases run on each.
 */
class SwapTest {
    static final long MIB16 = 16L << 20;

    private static Lab swapLab(Profile p) {
        Lab f = new Lab(p);
        assertOk(f.swapon(MIB16));
        return f;
    }

    private static Views.PageEntry page(Lab f, Task t, long addr) { return Views.pagemap(f.k, t, addr, 1).get(0); }

    private static long swapUsedKb(Lab f) { return Views.swaps(f.k).usedKb(); }

    /** A private anonymous page written with {@code value}, then MADV_PAGEOUT. */
    private static long swappedOut(Lab f, long value) {
        long a = f.anon(PAGE_SIZE);
        f.write(a, PAGE_SIZE, value);
        assertOk(f.madvise(a, PAGE_SIZE, MADV_PAGEOUT));
        return a;
    }

    // sys_swapon(): a 16 MiB swapfile is 4096 pages, the first is the header (/proc/swaps Size 16380 kB,
    // as the real 6.18 kernel shows it); swap_show() prints priority -2 for the first area without one
    @Test
    void swaponSizesTheAreaWithoutTheHeader() {
        Lab f = swapLab(Profile.V6_18);
        Views.Swaps s = Views.swaps(f.k);
        assertEquals(16380, s.sizeKb());
        assertEquals(0, s.usedKb());
        assertEquals(-2, s.priority());
        assertErr(Errno.EBUSY, "claim_swapfile", f.swapon(MIB16)); // IS_SWAPFILE(inode)
        assertOk(f.swapoff());
        assertNull(Views.swaps(f.k));
        assertErr(Errno.EINVAL, "sys_swapoff", f.swapoff()); // no such swap area
        assertErr(Errno.EINVAL, "setup_swap_map", f.swapon(PAGE_SIZE + 4095)); // one page: the header only, "Empty swap-file"
    }

    // shrink_folio_list(): folio_alloc_swap() finds no swap area -> activate_locked: the page stays
    @Test
    void withoutSwapAnonymousPagesStayResident() {
        Lab f = new Lab(Profile.V6_18);
        long a = f.anon(PAGE_SIZE);
        f.write(a, PAGE_SIZE, 7);
        long pfn = f.pfn(a);
        assertOk(f.madvise(a, PAGE_SIZE, MADV_PAGEOUT));
        assertTrue(page(f, f.t, a).present());
        assertEquals(pfn, f.pfn(a));
        assertEquals(1, f.t.mm.rssAnon);
    }

    // try_to_unmap_one(): the PTE becomes a swap entry, exclusive because the page was
    // PageAnonExclusive; MM_ANONPAGES--, MM_SWAPENTS++; pageout() writes it, __remove_mapping() frees it.
    // do_swap_page() on a read: the exclusive entry maps the folio writable (VM_WRITE) and
    // PageAnonExclusive; the read fault leaves it in the swap cache (should_try_to_free_swap() false),
    // so the slot stays in use and the folio has the PTE's and the cache's references
    static final java.util.List<Profile> PROFILES = java.util.List.of(Profile.V6_3, Profile.V6_5, Profile.V6_18);

    @ParameterizedTest
    @FieldSource("PROFILES")
    void pageoutThenReadFault(Profile p) {
        Lab f = swapLab(p);
        long a = f.anon(2 * PAGE_SIZE);
        f.write(a, 2 * PAGE_SIZE, 42);
        long frames = f.usedFrames();
        assertOk(f.madvise(a, 2 * PAGE_SIZE, MADV_PAGEOUT));
        Views.PageEntry e = page(f, f.t, a);
        assertFalse(e.present());
        assertNotNull(e.swapOffset());
        assertTrue(e.anonExclusive(), "pte_swp_exclusive()");
        assertEquals(42, e.value());
        assertEquals(0, f.t.mm.rssAnon);
        assertEquals(2, f.t.mm.rssSwap);
        assertEquals(frames - 2, f.usedFrames());
        assertEquals(8, swapUsedKb(f));

        assertEquals(42, f.valueAt(a));
        Views.PageEntry in = page(f, f.t, a);
        assertTrue(in.present());
        assertTrue(in.writable(), "exclusive swap entry: pte_mkwrite() even on a read fault");
        assertTrue(in.anonExclusive());
        assertEquals(2, in.folio().refcount(), "the PTE's and the swap cache's");
        assertEquals(8, swapUsedKb(f), "SWAP_HAS_CACHE keeps the slot");
        assertEquals(1, f.t.mm.rssAnon);
        assertEquals(1, f.t.mm.rssSwap);
    }

    // do_swap_page() on a write: should_try_to_free_swap() (FAULT_FLAG_WRITE, refcount == 1 + nr)
    // -> folio_free_swap() frees the slot; the page is exclusive, writable and dirty
    @Test
    void writeFaultFreesTheSwapSlot() {
        Lab f = swapLab(Profile.V6_18);
        long a = swappedOut(f, 5);
        f.write(a, PAGE_SIZE, 6);
        Views.PageEntry e = page(f, f.t, a);
        assertEquals(6, e.value());
        assertEquals(1, e.folio().refcount());
        assertTrue(e.anonExclusive());
        assertEquals(0, swapUsedKb(f));
    }

    // copy_nonpresent_pte(): swap_duplicate() and pte_swp_clear_exclusive() in parent and child.
    // The child's read fault reads the slot into the swap cache and maps it read-only and shared
    // (not exclusive, refcount 2 != 1); the parent's read finds the same folio in the swap cache.
    // A write in the parent then copies (wp_can_reuse_anon_folio(): refcount 3 > 1 + swapcache);
    // the child's write reuses once folio_free_swap() dropped the cache (slot no longer swapped)
    @Test
    void forkSharesTheSwapEntryAndTheSwapCache() {
        Lab f = swapLab(Profile.V6_18);
        long a = swappedOut(f, 9);
        Task child = f.fork();
        assertFalse(page(f, f.t, a).anonExclusive());
        assertFalse(page(f, child, a).anonExclusive());
        long slot = page(f, f.t, a).swapOffset();
        assertEquals(2, f.k.swap.swapCount(slot));
        assertEquals(1, child.mm.rssSwap);

        assertEquals(9, f.read(child, a, PAGE_SIZE).values().get(0));
        Views.PageEntry c = page(f, child, a);
        assertFalse(c.writable());
        assertFalse(c.anonExclusive());
        assertEquals(9, f.valueAt(a));
        assertEquals(c.pfn(), page(f, f.t, a).pfn(), "one folio from the swap cache");
        assertEquals(3, page(f, child, a).folio().refcount(), "two PTEs and the swap cache");
        assertEquals(0, f.k.swap.swapCount(slot));

        f.write(a, PAGE_SIZE, 10);
        assertNotEquals(c.pfn(), f.pfn(a), "the parent got a copy");
        f.write(child, a, PAGE_SIZE, 11);
        assertEquals(c.pfn(), f.pfn(child, a), "the child reuses");
        assertEquals(1, f.ref(c.pfn()));
        assertEquals(0, swapUsedKb(f));
    }

    // a full area: folio_alloc_swap() fails for the third page (activate_locked, it stays mapped).
    // Then more than half of the swap space is in use (vm_swap_full()), so a read fault's
    // should_try_to_free_swap() is true and the slot goes back at once (mem_cgroup_swap_full())
    @Test
    void aFullAreaKeepsPagesAndAReadFaultThenFreesItsSlot() {
        Lab f = new Lab(Profile.V6_18);
        assertOk(f.swapon(3 * PAGE_SIZE)); // header + 2 slots
        long a = f.anon(3 * PAGE_SIZE);
        f.write(a, 3 * PAGE_SIZE, 2);
        SysResult r = f.madvise(a, 3 * PAGE_SIZE, MADV_PAGEOUT);
        assertOk(r);
        assertTrue(text(r).contains("no free swap slot"));
        assertNotNull(page(f, f.t, a).swapOffset());
        assertNotNull(page(f, f.t, a + PAGE_SIZE).swapOffset());
        assertTrue(page(f, f.t, a + 2 * PAGE_SIZE).present());
        assertEquals(8, swapUsedKb(f));
        assertEquals(2, f.valueAt(a));
        assertEquals(4, swapUsedKb(f));
        assertEquals(1, page(f, f.t, a).folio().refcount(), "not in the swap cache");
    }

    // madvise_cold_or_pageout_pte_range(): folio_mapcount() != 1 -> left alone
    @Test
    void sharedPagesAreNotPagedOut() {
        Lab f = swapLab(Profile.V6_18);
        long a = f.anon(PAGE_SIZE);
        f.write(a, PAGE_SIZE, 1);
        f.fork();
        assertOk(f.madvise(a, PAGE_SIZE, MADV_PAGEOUT));
        assertTrue(page(f, f.t, a).present());
        assertEquals(0, swapUsedKb(f));
    }

    // shrink_folio_list(): folio_maybe_dma_pinned() -> keep_locked before any swap slot
    @Test
    void pinnedPagesAreNotPagedOut() {
        Lab f = swapLab(Profile.V6_18);
        long a = f.anon(PAGE_SIZE);
        f.write(a, PAGE_SIZE, 1);
        assertNotNull(f.gup(pin_user_pages, a, 1, FOLL_WRITE | FOLL_LONGTERM).pin());
        SysResult r = f.madvise(a, PAGE_SIZE, MADV_PAGEOUT);
        assertOk(r);
        assertTrue(text(r).contains("folio_maybe_dma_pinned"));
        assertTrue(page(f, f.t, a).present());
        assertEquals(0, swapUsedKb(f));
    }

    // a FOLL_GET reference is no pin: the page is unmapped and written, but __remove_mapping()'s
    // folio_ref_freeze() fails, so it stays in the swap cache; the swap-in maps that same folio
    @Test
    void aGetReferenceKeepsTheFolioInTheSwapCache() {
        Lab f = swapLab(Profile.V6_18);
        long a = f.anon(PAGE_SIZE);
        f.write(a, PAGE_SIZE, 3);
        long pfn = f.pfn(a);
        assertNotNull(f.gup(get_user_pages, a, 1, 0).pin());
        assertOk(f.madvise(a, PAGE_SIZE, MADV_PAGEOUT));
        assertFalse(page(f, f.t, a).present());
        assertEquals(2, f.ref(pfn), "the get's and the swap cache's");
        assertEquals(3, f.valueAt(a));
        assertEquals(pfn, f.pfn(a));
    }

    // zap_nonpresent_ptes() -> free_swap_and_cache(): munmap and exit give the slots back
    @Test
    void munmapAndExitFreeTheSlots() {
        Lab f = swapLab(Profile.V6_18);
        long a = f.anon(4 * PAGE_SIZE);
        f.write(a, 4 * PAGE_SIZE, 1);
        assertOk(f.madvise(a, 4 * PAGE_SIZE, MADV_PAGEOUT));
        Task child = f.fork();
        assertEquals(16, swapUsedKb(f));
        assertOk(f.munmap(a, 2 * PAGE_SIZE));
        assertEquals(16, swapUsedKb(f), "the child still names every slot");
        assertOk(f.exit(child));
        assertEquals(8, swapUsedKb(f));
        assertOk(f.munmap(a, 4 * PAGE_SIZE));
        assertEquals(0, swapUsedKb(f));
        assertEquals(0, f.t.mm.rssSwap);
    }

    // a page swapped in by a read stays in the swap cache (its slot count 0, SWAP_HAS_CACHE); munmap:
    // zap_pte_range() drops the mapping, free_swap_cache() -> folio_free_swap() takes it out of the
    // cache, whose reference was the last: the page and the slot are both free
    @Test
    void munmapOfASwappedInPageFreesPageAndSlot() {
        Lab f = swapLab(Profile.V6_18);
        long a = swappedOut(f, 3);
        assertEquals(3, f.valueAt(a));
        assertEquals(4, swapUsedKb(f));
        long frames = f.usedFrames();
        assertOk(f.munmap(a, PAGE_SIZE));
        assertEquals(0, swapUsedKb(f));
        assertEquals(frames - 1, f.usedFrames());
    }

    // GUP on a swapped-out page: follow_page_pte() finds no present PTE -> faultin_page() ->
    // do_swap_page() (a write fault, FOLL_WRITE); gup-fast never faults, so a fast-only call gets nothing
    @Test
    void gupFaultsASwappedPageIn() {
        Lab f = swapLab(Profile.V6_18);
        long a = swappedOut(f, 4);
        assertEquals(0, f.gup(get_user_pages_fast_only, a, 1, 0).ret());
        GupResult r = f.gup(pin_user_pages, a, 1, FOLL_WRITE);
        assertEquals(1, r.ret());
        assertEquals(4, f.k.phys.value(r.pin().pfns()[0]));
        assertEquals(0, swapUsedKb(f), "a write fault frees the slot");
    }

    // do_swap_page(): the slot is read into the swap cache (swapin_readahead()), then
    // folio_lock_or_retry() waits for the read: FOLL_NOWAIT gives up (VM_FAULT_RETRY -> 0 pages);
    // the next call finds the folio in the swap cache. An unlockable GUP drops mmap_lock for the
    // read (*locked = 0) and retries with FOLL_TRIED
    @Test
    void swapInIsReadIo() {
        Lab f = swapLab(Profile.V6_18);
        long a = swappedOut(f, 6);
        GupResult r = f.gup(get_user_pages, a, 1, FOLL_NOWAIT);
        assertEquals(0, r.ret());
        assertTrue(text(r).contains("do_swap_page"));
        assertFalse(page(f, f.t, a).present(), "still a swap entry");
        assertEquals(1, f.gup(get_user_pages, a, 1, FOLL_NOWAIT).ret(), "the swap cache has it now");
        assertEquals(6, f.valueAt(a));

        long b = swappedOut(f, 8);
        GupResult u = f.gup(get_user_pages_unlocked, b, 1, 0);
        assertEquals(1, u.ret());
        assertEquals(8, f.k.phys.value(u.pin().pfns()[0]));
    }

    // try_to_unuse() -> unuse_pte(): every page comes back, read-only (vm_page_prot of a private
    // mapping) and PageAnonExclusive where the entry was exclusive; the area goes away
    @Test
    void swapoffReadsEverythingBack() {
        Lab f = swapLab(Profile.V6_18);
        long a = f.anon(2 * PAGE_SIZE);
        f.write(a, 2 * PAGE_SIZE, 8);
        assertOk(f.madvise(a, 2 * PAGE_SIZE, MADV_PAGEOUT));
        assertOk(f.swapoff());
        Views.PageEntry e = page(f, f.t, a);
        assertTrue(e.present());
        assertFalse(e.writable());
        assertTrue(e.anonExclusive());
        assertEquals(8, e.value());
        assertEquals(1, e.folio().refcount());
        assertEquals(0, f.t.mm.rssSwap);
        assertEquals(2, f.t.mm.rssAnon);
        assertNull(f.k.swap);
    }

    // a file page is unmapped by try_to_unmap_one(); the next access maps it again with its contents.
    // madvise_pageout(): a shared mapping of a file the caller may not write is left alone
    // (can_do_file_pageout())
    @Test
    void filePagesAreUnmappedWhenTheCallerMayWriteTheFile() {
        Lab f = swapLab(Profile.V6_18);
        int fd = f.open("/mnt/ext4/data", O_RDWR | O_CREAT, PAGE_SIZE);
        long a = f.map(PAGE_SIZE, RW, MAP_SHARED, fd);
        f.write(a, PAGE_SIZE, 12);
        assertOk(f.madvise(a, PAGE_SIZE, MADV_PAGEOUT));
        assertFalse(page(f, f.t, a).present());
        assertNull(page(f, f.t, a).swapOffset());
        assertEquals(0, f.t.mm.rssFile);
        assertEquals(12, f.valueAt(a));

        Task other = f.k.task((int) assertOk(f.call(new Syscall.CreateProcess("other", 2000, false, Globals.DEFAULT_RLIMIT_MEMLOCK))));
        int ofd = f.open(other, "/mnt/ext4/data", O_RDONLY, null);
        long b = f.map(other, PAGE_SIZE, PROT_READ, MAP_SHARED, ofd);
        f.read(other, b, PAGE_SIZE);
        assertOk(f.call(new Syscall.Madvise(other.pid, b, PAGE_SIZE, MADV_PAGEOUT)));
        assertTrue(page(f, other, b).present());
    }

    // MADV_COLLAPSE over swapped-out pages: hpage_collapse_scan_pmd() counts swap PTEs (no
    // max_ptes_swap limit when not khugepaged), collapse_huge_page() swaps them in first
    // (__collapse_huge_page_swapin()); the old pages leave the swap cache as they are released
    @Test
    void collapseSwapsPagesInFirst() {
        Lab f = swapLab(Profile.V6_18);
        long raw = f.anon(2 * HUGE);
        long a = (raw + HUGE - 1) & ~(HUGE - 1);
        f.write(a, HUGE, 3);
        assertOk(f.madvise(a + 4 * PAGE_SIZE, 2 * PAGE_SIZE, MADV_PAGEOUT));
        assertEquals(8, swapUsedKb(f));
        assertOk(f.madvise(a, HUGE, Madv.MADV_COLLAPSE.value));
        assertTrue(Memory.pmdMapped(f.t.mm, a));
        assertEquals(3, f.valueAt(a + 5 * PAGE_SIZE));
        assertEquals(0, swapUsedKb(f));
        assertEquals(0, f.t.mm.rssSwap);
    }


    /** A written PMD-mapped THP. */
    private static long writtenThp(Lab f, long value) {
        long a = f.thp(1);
        f.write(a, HUGE, value);
        assertTrue(Memory.pmdMapped(f.t.mm, a));
        return a;
    }

    private static boolean large(Lab f, long addr) { return f.k.phys.isLarge(f.pfn(addr)); }

    private static int swappedPages(Lab f, long a, int pages) {
        int n = 0;
        for (Views.PageEntry e : Views.pagemap(f.k, f.t, a, pages * PAGE_SIZE)) if (e.swapOffset() != null) n++;
        return n;
    }

    // madvise_cold_or_pageout_pte_range(): the range covers the PMD and no one else maps the THP ->
    // reclaim_pages() -> shrink_folio_list(): folio_alloc_swap() of order 9 fails on a swapfile (large
    // swap entries need SWP_BLKDEV: 6.3-6.5 get_swap_pages(), 6.18 cluster_alloc_swap_entry()), so
    // split_folio_to_list() (THP_SWPOUT_FALLBACK) and every page is swapped out on its own
    @ParameterizedTest
    @FieldSource("io.pinlab.kernel.base.Profile#ALL")
    void aPmdMappedThpIsSplitAndSwappedOutPageByPage(Profile p) {
        Lab f = swapLab(p);
        long a = writtenThp(f, 5);
        long frames = f.usedFrames();
        assertOk(f.madvise(a, HUGE, MADV_PAGEOUT));
        assertFalse(Memory.pmdMapped(f.t.mm, a));
        assertEquals(HPAGE_NR, swappedPages(f, a, HPAGE_NR));
        assertEquals(2048, swapUsedKb(f));
        assertEquals(0, f.t.mm.rssAnon);
        assertEquals(HPAGE_NR, f.t.mm.rssSwap);
        assertEquals(frames - HPAGE_NR, f.usedFrames()); // __remove_mapping() freed every page
        assertEquals(5, f.valueAt(a + 77 * PAGE_SIZE)); // do_swap_page(): an order-0 folio from the swapfile
        assertFalse(large(f, a + 77 * PAGE_SIZE));
    }

    // shrink_folio_list(): with no swap area folio_alloc_swap() fails too, the folio is split
    // (split_folio_to_list()) and then every page fails to get a slot (activate_locked_split): the
    // pages stay where they are, now 512 order-0 folios mapped by PTEs
    @ParameterizedTest
    @FieldSource("io.pinlab.kernel.base.Profile#ALL")
    void withoutSwapAThpIsSplitButStays(Profile p) {
        Lab f = new Lab(p);
        long a = writtenThp(f, 6);
        long head = f.pfn(a);
        assertOk(f.madvise(a, HUGE, MADV_PAGEOUT));
        assertFalse(Memory.pmdMapped(f.t.mm, a));
        assertEquals(head + 300, f.pfn(a + 300 * PAGE_SIZE));
        assertFalse(large(f, a));
        assertEquals(1, f.ref(head + 300)); // its own folio: the PTE's reference
        assertEquals(HPAGE_NR, f.t.mm.rssAnon);
        assertEquals(6, f.valueAt(a + 300 * PAGE_SIZE));
    }

    // madvise_cold_or_pageout_pte_range(): a range covering part of the PMD splits the THP
    // (split_folio()) and pages out only the pages in the range
    @ParameterizedTest
    @FieldSource("io.pinlab.kernel.base.Profile#ALL")
    void aPartialRangeSplitsTheThpAndPagesOutItsPart(Profile p) {
        Lab f = swapLab(p);
        long a = writtenThp(f, 7);
        assertOk(f.madvise(a + 4 * PAGE_SIZE, 2 * PAGE_SIZE, MADV_PAGEOUT));
        assertEquals(8, swapUsedKb(f));
        assertEquals(2, swappedPages(f, a, HPAGE_NR));
        assertTrue(page(f, f.t, a + 6 * PAGE_SIZE).present());
        assertFalse(large(f, a));
        assertEquals(HPAGE_NR - 2, f.t.mm.rssAnon);
        assertEquals(7, f.valueAt(a + 5 * PAGE_SIZE));
    }

    // shrink_folio_list(): folio_maybe_dma_pinned() -> keep_locked, before any split; a partial
    // range's split_folio() fails (can_split_folio(): the pin's references), so the THP stays whole
    @ParameterizedTest
    @FieldSource("io.pinlab.kernel.base.Profile#ALL")
    void aPinnedThpStaysWhole(Profile p) {
        Lab f = swapLab(p);
        long a = writtenThp(f, 8);
        int ring = f.ring();
        assertOk(f.register(ring, iov(a, HUGE)));
        assertOk(f.madvise(a, HUGE, MADV_PAGEOUT));
        assertOk(f.madvise(a + PAGE_SIZE, PAGE_SIZE, MADV_PAGEOUT));
        assertTrue(Memory.pmdMapped(f.t.mm, a));
        assertTrue(large(f, a));
        assertEquals(0, swapUsedKb(f));
    }

    // a FOLL_GET reference is no pin, but can_split_folio() (6.3-6.5) / folio_expected_ref_count()
    // (6.18) sees a reference beyond the mappings: activate_locked, the THP stays whole
    @ParameterizedTest
    @FieldSource("io.pinlab.kernel.base.Profile#ALL")
    void aGupReferenceKeepsTheThpWhole(Profile p) {
        Lab f = swapLab(p);
        long a = writtenThp(f, 9);
        assertNotNull(f.gup(get_user_pages, a, 1, 0).pin());
        assertOk(f.madvise(a, HUGE, MADV_PAGEOUT));
        assertTrue(Memory.pmdMapped(f.t.mm, a));
        assertEquals(0, swapUsedKb(f));
    }

    // fork shares the THP (copy_huge_pmd()): "Do not interfere with other mappings of this folio"
    @ParameterizedTest
    @FieldSource("io.pinlab.kernel.base.Profile#ALL")
    void aThpSharedWithAChildIsLeftAlone(Profile p) {
        Lab f = swapLab(p);
        long a = writtenThp(f, 10);
        f.fork();
        assertOk(f.madvise(a, HUGE, MADV_PAGEOUT));
        assertTrue(Memory.pmdMapped(f.t.mm, a));
        assertEquals(0, swapUsedKb(f));
    }

    /** A THP mapped by its 512 PTEs in this mm only: mprotect() of one page splits the PMD (change_pmd_range()). */
    private static long pteMappedThp(Lab f, long value) {
        long a = writtenThp(f, value);
        assertOk(f.mprotect(a, PAGE_SIZE, PROT_READ));
        assertOk(f.mprotect(a, PAGE_SIZE, RW));
        assertFalse(Memory.pmdMapped(f.t.mm, a));
        assertTrue(large(f, a));
        assertEquals(HPAGE_NR, f.k.phys.mapcount(f.pfn(a)));
        return a;
    }

    /**
     * 6.3 and 6.4 (and the 2023 series, on 6.3) madvise_cold_or_pageout_pte_range(): folio_mapcount()
     * of a PTE-mapped THP is 512, not 1, so the walk stops at it; 6.5 asks folio_estimated_sharers().
     */
    private static boolean stopsAtPteMappedThp(Profile p) { return p == Profile.V6_3 || p == Profile.SEED || p == Profile.V6_4; }

    // a PTE-mapped THP, the whole of it in the range: 6.3/6.4 madvise_cold_or_pageout_pte_range()
    // sees folio_mapcount() == 512 != 1 and stops (break): nothing is paged out; 6.5 asks
    // folio_estimated_sharers() (the first page's mapcount, 1) and splits it, then pages out every
    // page; 6.18 madvise_folio_pte_batch() finds all 512 PTEs, reclaims it whole, and
    // shrink_folio_list() splits it on the swapfile's order-9 allocation failure
    @ParameterizedTest
    @FieldSource("io.pinlab.kernel.base.Profile#ALL")
    void aPteMappedThpPerProfile(Profile p) {
        Lab f = swapLab(p);
        long a = pteMappedThp(f, 11);
        assertOk(f.madvise(a, HUGE, MADV_PAGEOUT));
        boolean oldSharers = stopsAtPteMappedThp(p);
        assertEquals(oldSharers ? 0 : 2048, swapUsedKb(f), p.name());
        assertEquals(oldSharers, page(f, f.t, a + 9 * PAGE_SIZE).present());
        if (oldSharers) assertTrue(large(f, a + 9 * PAGE_SIZE));
        assertEquals(11, f.valueAt(a + 9 * PAGE_SIZE));
    }

    // part of a PTE-mapped THP: 6.3/6.4 stop at it (folio_mapcount() != 1); 6.5 and 6.18 split it
    // (6.18: madvise_folio_pte_batch() < folio_nr_pages(), not shared) and page out the range's pages
    @ParameterizedTest
    @FieldSource("io.pinlab.kernel.base.Profile#ALL")
    void partOfAPteMappedThpPerProfile(Profile p) {
        Lab f = swapLab(p);
        long a = pteMappedThp(f, 12);
        assertOk(f.madvise(a + 10 * PAGE_SIZE, 3 * PAGE_SIZE, MADV_PAGEOUT));
        boolean oldSharers = stopsAtPteMappedThp(p);
        assertEquals(oldSharers ? 0 : 12, swapUsedKb(f), p.name());
        assertEquals(oldSharers, large(f, a));
        assertTrue(page(f, f.t, a + 13 * PAGE_SIZE).present());
    }

    // KernelSnapshot: the swap area, its slots and the swap PTEs survive a round trip
    @Test
    void snapshotKeepsTheSwapState() {
        Lab f = swapLab(Profile.V6_18);
        long a = f.anon(2 * PAGE_SIZE);
        f.write(a, 2 * PAGE_SIZE, 77);
        assertOk(f.madvise(a, 2 * PAGE_SIZE, MADV_PAGEOUT));
        f.read(f.t, a, PAGE_SIZE); // one in the swap cache, one on swap only
        byte[] bytes = KernelSnapshot.write(f.k);
        Lab g = new Lab(KernelSnapshot.read(bytes));
        assertArrayEquals(bytes, KernelSnapshot.write(g.k));
        assertEquals(8, swapUsedKb(g));
        assertEquals(1, g.t.mm.rssSwap);
        assertEquals(77, g.valueAt(a + PAGE_SIZE));
        assertOk(g.swapoff());
        assertEquals(77, g.valueAt(a));
    }
}
