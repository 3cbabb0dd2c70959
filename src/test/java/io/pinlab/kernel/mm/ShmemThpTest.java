package io.pinlab.kernel.mm;

import io.pinlab.kernel.Lab;
import io.pinlab.kernel.Syscall;
import io.pinlab.kernel.Views;
import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.NotSimulatedException;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.base.SysResult;
import io.pinlab.kernel.fs.FallocFlag;
import io.pinlab.kernel.fs.Inode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import java.util.List;

import static io.pinlab.kernel.Lab.*;
import static io.pinlab.kernel.mm.PhysMem.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * A shmem THP that MADV_COLLAPSE made (mm/khugepaged.c collapse_file(), collapse_pte_mapped_thp(),
 * retract_page_tables()) and every path that meets it afterwards: faults (mm/memory.c
 * finish_fault(), do_set_pmd()), the PMD's zap and split (mm/huge_memory.c zap_huge_pmd(),
 * __split_huge_pmd_locked() for a file VMA), fork (copy_huge_pmd() skips file PMDs), GUP pins,
 * truncation (mm/truncate.c truncate_inode_partial_folio(), mm/shmem.c shmem_undo_range()),
 * io_uring registration, snapshots. Read in the 6.3.8, 6.5.0 and 6.19 trees; the 6.18 answers
 * are checked against this machine by OracleTest (collapse.shmem_success*).
 */
class ShmemThpTest {
    static final List<Profile> ALL = Profile.ALL;
    static final int COLLAPSE = Madv.MADV_COLLAPSE.value, MADV_NOHUGEPAGE = Madv.MADV_NOHUGEPAGE.value;
    static final int FALLOC_FL_KEEP_SIZE = FallocFlag.FALLOC_FL_KEEP_SIZE.value, FALLOC_FL_PUNCH_HOLE = FallocFlag.FALLOC_FL_PUNCH_HOLE.value;

    /** A 2 MiB memfd mapped MAP_SHARED at a 2 MiB-aligned address, every page written (0x1000 + i). */
    record M(Lab f, int fd, long a, Inode in) {
        static M of(Profile p) {
            Lab f = new Lab(p);
            int fd = f.memfd("thp", 0, HUGE);
            long a = mapAligned(f, fd, RW, MAP_SHARED, 0);
            f.touch(a, HPAGE_NR, true);
            return new M(f, fd, a, f.t.fds.get(fd).inode());
        }

        /** The folio at page index 0. */
        long head() { return f.k.phys.head(in.pageCache.get(0)); }

        SysResult collapse() { return f.madvise(a, HUGE, COLLAPSE); }

        boolean pmd() { return Memory.pmdMapped(f.t.mm, a); }
    }

    /** mmap of fd at a 2 MiB-aligned address (a PROT_NONE reservation first, then MAP_FIXED). */
    static long mapAligned(Lab f, int fd, int prot, int flags, long off) {
        long raw = f.anon(2 * HUGE, PROT_NONE);
        long a = (raw + HUGE - 1) & ~(HUGE - 1);
        assertEquals(a, assertOk(f.mmap(a, HUGE, prot, flags | MAP_FIXED, fd, off)));
        return a;
    }

    static M collapsed(Profile p) {
        M m = M.of(p);
        assertOk(m.collapse());
        return m;
    }

    /** folio_expected_ref_count() of the collapsed folio: the page cache's 512 plus one per mapping. */
    static void refs(M m, int mappings) {
        assertEquals(HPAGE_NR + mappings, m.f.ref(m.head()));
        assertEquals(mappings, m.f.k.phys.mapcount(m.head()));
    }

    @ParameterizedTest @FieldSource("ALL")
    void collapseFillsThePageCacheWithOneOrder9FolioMappedByPmd(Profile p) {
        M m = M.of(p);
        long old = m.f.pfn(m.a + 5 * PAGE);
        long frames = m.f.usedFrames();
        assertOk(m.collapse());
        long head = m.head();
        assertTrue(m.pmd(), "6.18 collapse_pte_mapped_thp(), 6.3-6.5 retract_page_tables() -> set_huge_pmd()");
        assertEquals(HPAGE_ORDER, m.f.k.phys.order(head));
        assertEquals(0, head & (HPAGE_NR - 1), "an order-9 folio is 512-aligned");
        for (int i = 0; i < HPAGE_NR; i += 73) {
            assertEquals(head + i, m.in.pageCache.get(i), "xas_store() of the multi-index entry: each index names its page");
            assertEquals(head + i, m.f.pfn(m.a + i * PAGE));
            assertEquals(0x1000 + i, m.f.valueAt(m.a + i * PAGE), "copy_mc_highpage()");
        }
        assertFalse(m.f.k.phys.isAllocated(old), "the old page was freed");
        assertEquals(frames, m.f.usedFrames(), "512 small pages out, one order-9 folio in");
        refs(m, 1);
        int fl = m.f.k.phys.flags(head);
        assertEquals(PG_DIRTY | PG_SWAPBACKED | PG_LRU, fl & (PG_DIRTY | PG_SWAPBACKED | PG_LRU | PG_ANON));
        assertEquals(HPAGE_NR, m.f.t.mm.rssShmem);
        assertTrue(explains(m.collapse(), "hpage_collapse_scan_file"));
        assertOk(m.collapse()); // SCAN_PTE_MAPPED_HUGEPAGE -> collapse_pte_mapped_thp(): SCAN_PMD_MAPPED
        assertEquals(head, m.head());
        // vm_page_prot of a shared writable shmem mapping is writable: the PMD takes the write as it is
        assertOk(m.f.write(m.a + 9 * PAGE, 8, 77));
        assertTrue(m.pmd());
        assertEquals(77, m.f.valueAt(m.a + 9 * PAGE));
    }

    @ParameterizedTest @FieldSource("ALL")
    void holesAreZeroAndSwapEntriesAreSwappedIn(Profile p) { // collapse_file(): shmem_get_folio(SGP_NOALLOC), clear_highpage()
        Lab f = new Lab(p);
        assertOk(f.swapon(16L << 20));
        int fd = f.memfd("thp", 0, HUGE);
        long a = mapAligned(f, fd, RW, MAP_SHARED, 0);
        f.touch(a, 256, true);
        assertOk(f.madvise(a, 10 * PAGE, MADV_PAGEOUT));
        Inode in = f.t.fds.get(fd).inode();
        assertTrue(in.pageCache.get(3) < 0, "swapped out: a swap entry in the page cache");
        assertOk(f.madvise(a, HUGE, COLLAPSE));
        assertEquals(0, Views.swaps(f.k).usedKb(), "every slot freed as its page came back");
        assertEquals(0x1003, f.valueAt(a + 3 * PAGE));
        assertEquals(0x1000 + 255, f.valueAt(a + 255 * PAGE));
        assertEquals(0, f.valueAt(a + 256 * PAGE), "a hole reads as zeroes");
        long head = f.k.phys.head(f.pfn(a));
        assertEquals(head + 400, in.pageCache.get(400), "the holes are pages of the folio now");
    }

    @ParameterizedTest @FieldSource("ALL")
    void anotherProcessesPtesAreUnmapped(Profile p) { // try_to_unmap() of each old page; 6.18 retract_page_tables() frees the empty table
        M m = M.of(p);
        Task child = m.f.fork();
        assertEquals(0x1004, m.f.read(child, m.a + 4 * PAGE, 8).values().get(0));
        long old = m.f.pfn(child, m.a + 4 * PAGE);
        if (!p.collapsePteMappedAfterRetract()) { // 6.3-6.5 keep the child's emptied page table: not simulated
            NotSimulatedException e = assertThrows(NotSimulatedException.class, m::collapse);
            assertEquals("advice", e.field());
            assertEquals(old, m.f.pfn(child, m.a + 4 * PAGE), "nothing changed");
            assertFalse(m.f.k.phys.isLarge(old));
            return;
        }
        assertOk(m.collapse());
        assertEquals(0, m.f.pte(child, m.a + 4 * PAGE), "unmapped");
        assertEquals(0x1004, m.f.read(child, m.a + 4 * PAGE, 8).values().get(0));
        assertTrue(Memory.pmdMapped(child.mm, m.a), "the child's next fault maps the PMD (do_set_pmd())");
        refs(m, 2);
    }

    @ParameterizedTest @FieldSource("ALL")
    void forkLeavesTheFilePmdToTheChildsFaults(Profile p) { // copy_huge_pmd(): "Skip if can be re-fill on fault"
        M m = collapsed(p);
        Task child = m.f.fork();
        assertFalse(Memory.pmdMapped(child.mm, m.a));
        refs(m, 1);
        assertEquals(0x1007, m.f.read(child, m.a + 7 * PAGE, 8).values().get(0));
        assertTrue(Memory.pmdMapped(child.mm, m.a));
        assertEquals(2 * HPAGE_NR, m.f.t.mm.rssShmem + child.mm.rssShmem);
        refs(m, 2);
        assertOk(m.f.exit(child));
        refs(m, 1);
    }

    @ParameterizedTest @FieldSource("ALL")
    void munmapZapsThePmdAndTheNextMappingFaultsItBack(Profile p) { // zap_huge_pmd() of a file PMD: no deposit on x86-64
        M m = collapsed(p);
        long head = m.head();
        long charged = m.f.k.memcg.usage();
        assertOk(m.f.munmap(m.a, HUGE));
        refs(m, 0);
        assertEquals(0, m.f.t.mm.rssShmem);
        assertEquals(head, m.in.pageCache.get(0), "the page cache keeps the folio");
        assertTrue(m.f.k.memcg.usage() <= charged);
        long b = mapAligned(m.f, m.fd, PROT_READ, MAP_SHARED, 0);
        assertEquals(0x1100, m.f.valueAt(b + 0x100 * PAGE));
        assertTrue(Memory.pmdMapped(m.f.t.mm, b), "finish_fault() -> do_set_pmd()");
        assertFalse(Pte.write(m.f.t.mm.pmds.get(b >>> 21)), "a PROT_READ mapping");
        assertEquals(head + 0x100, m.f.pfn(b + 0x100 * PAGE));
        refs(m, 1);
    }

    @ParameterizedTest @FieldSource("ALL")
    void anUnalignedFileOffsetGetsOnePte(Profile p) { // thp_vma_suitable_order() fails; finish_fault(): pte_off != idx, one page
        M m = collapsed(p);
        long b = mapAligned(m.f, m.fd, PROT_READ, MAP_SHARED, 0);
        assertOk(m.f.munmap(b, HUGE));
        assertEquals(b, assertOk(m.f.mmap(b, HUGE - PAGE, RW, MAP_SHARED | MAP_FIXED, m.fd, PAGE)));
        // a write fault: do_shared_fault() -> finish_fault(), no fault-around (a read fault would map its 64 KiB window)
        assertOk(m.f.write(b + 10 * PAGE, 8, 0x1000 + 11));
        assertEquals(0x1000 + 11, m.f.valueAt(b + 10 * PAGE));
        assertFalse(Memory.pmdMapped(m.f.t.mm, b));
        assertEquals(m.head() + 11, m.f.pfn(b + 10 * PAGE));
        assertEquals(0, m.f.pte(m.f.t, b + 11 * PAGE), "the faulting page only");
        refs(m, 2);
    }

    @ParameterizedTest @FieldSource("ALL")
    void aNoHugepageVma(Profile p) { // 6.18 do_set_pmd(): vma_thp_disabled(); finish_fault() maps the whole folio by PTEs
        M m = collapsed(p);
        long b = mapAligned(m.f, m.fd, RW, MAP_SHARED, 0);
        assertOk(m.f.madvise(b, HUGE, MADV_NOHUGEPAGE));
        assertOk(m.f.write(b + 3 * PAGE, 8, 33)); // a write fault: do_shared_fault() -> finish_fault(), no fault-around
        if (p.doSetPmdThpDisabled()) {
            assertFalse(Memory.pmdMapped(m.f.t.mm, b));
            assertEquals(m.head() + 500, m.f.pfn(b + 500 * PAGE), "set_pte_range() over all 512 pages");
            refs(m, 1 + HPAGE_NR);
        } else {
            assertTrue(Memory.pmdMapped(m.f.t.mm, b), "6.3-6.5 do_set_pmd() checks only transhuge_vma_suitable()");
            refs(m, 2);
        }
    }

    @ParameterizedTest @FieldSource("ALL")
    void aPrivateWriteSplitsThePmdAndCopiesFourKiB(Profile p) { // wp_huge_pmd(): split (zap) for a COW mapping, then do_cow_fault()
        M m = collapsed(p);
        long b = mapAligned(m.f, m.fd, RW, MAP_PRIVATE, 0);
        assertEquals(0x1005, m.f.valueAt(b + 5 * PAGE));
        assertTrue(Memory.pmdMapped(m.f.t.mm, b));
        assertFalse(Pte.write(m.f.t.mm.pmds.get(b >>> 21)), "private: read-only");
        assertOk(m.f.write(b + 5 * PAGE, 8, 99));
        assertFalse(Memory.pmdMapped(m.f.t.mm, b));
        long copy = m.f.pfn(b + 5 * PAGE);
        assertTrue(m.f.k.phys.testPageFlag(copy, PG_ANON));
        assertEquals(99, m.f.valueAt(b + 5 * PAGE));
        assertEquals(0x1005, m.f.valueAt(m.a + 5 * PAGE), "the file keeps its page");
        assertEquals(0, m.f.pte(m.f.t, b + 6 * PAGE), "the rest of the PMD was zapped, not remapped");
        assertEquals(0x1006, m.f.valueAt(b + 6 * PAGE));
        assertEquals(m.head() + 6, m.f.pfn(b + 6 * PAGE), "a page table holds the copy: PTEs, no PMD");
        assertFalse(Memory.pmdMapped(m.f.t.mm, b));
    }

    @ParameterizedTest @FieldSource("ALL")
    void pinsCountOnTheFolio(Profile p) { // try_grab_folio(): a large folio gets one reference and one _pincount per page
        M m = collapsed(p);
        GupResult g = m.f.gup(GupCall.pin_user_pages_fast, m.a, HPAGE_NR, FOLL_WRITE | FOLL_LONGTERM);
        assertEquals(HPAGE_NR, g.ret(), g.toString());
        assertEquals(HPAGE_NR, m.f.pincount(m.head()));
        assertEquals(HPAGE_NR + 1 + HPAGE_NR, m.f.ref(m.head()));
        for (int i = 0; i < HPAGE_NR; i += 97) assertEquals(m.head() + i, Views.pagemap(m.f.k, m.f.t, m.a + i * PAGE, 1).get(0).pfn());
        assertEquals(HPAGE_ORDER, Views.pagemap(m.f.k, m.f.t, m.a + 300 * PAGE, 1).get(0).folio().order());
    }

    @ParameterizedTest @FieldSource("ALL")
    void walksThatNeedAnEmptyPageTableAreNotSimulated(Profile p) { // follow_pmd_mask() FOLL_SPLIT_PMD; gup_must_unshare() of a file PMD
        M m = collapsed(p);
        long b = mapAligned(m.f, m.fd, RW, MAP_PRIVATE, 0);
        assertEquals(0x1002, m.f.valueAt(b + 2 * PAGE));
        for (long[] call : new long[][] {{m.a, FOLL_WRITE | FollFlag.FOLL_SPLIT_PMD.value()}, {b, FOLL_LONGTERM}}) {
            NotSimulatedException e = assertThrows(NotSimulatedException.class, () -> m.f.gup(GupCall.pin_user_pages, call[0], 4, (int) call[1]));
            assertEquals("gupFlags", e.field());
        }
        assertTrue(m.pmd());
        assertTrue(Memory.pmdMapped(m.f.t.mm, b));
        refs(m, 2);
    }

    @ParameterizedTest @FieldSource("ALL")
    void aPinnedFolioIsZeroedNotSplitByAPunchedHole(Profile p) { // truncate_inode_partial_folio(): split fails, shmem folio is dirty -> false
        M m = collapsed(p);
        long head = m.head();
        assertEquals(1, m.f.gup(GupCall.pin_user_pages, m.a + 3 * PAGE, 1, FOLL_WRITE | FOLL_LONGTERM).ret());
        assertOk(m.f.call(new Syscall.Fallocate(m.f.t.pid, m.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 100 * PAGE, 100 * PAGE)));
        assertFalse(m.pmd(), "unmap_mapping_range(): the partly covered PMD is zapped");
        assertEquals(HPAGE_ORDER, m.f.k.phys.order(head), "still one order-9 folio");
        assertEquals(head + 150, m.in.pageCache.get(150), "still in the page cache");
        assertEquals(0, m.f.valueAt(m.a + 150 * PAGE), "folio_zero_range()");
        assertEquals(0x1000 + 99, m.f.valueAt(m.a + 99 * PAGE));
        assertEquals(0x1000 + 200, m.f.valueAt(m.a + 200 * PAGE));
        assertEquals(1, m.f.pincount(head));
    }

    @ParameterizedTest @FieldSource("ALL")
    void truncatingPartOfTheFolio(Profile p) { // 6.3-6.5 split_folio() to order 0; 6.18 folio_split() is not simulated
        M m = collapsed(p);
        long head = m.head();
        if (p.truncateNonUniformSplit()) {
            NotSimulatedException e = assertThrows(NotSimulatedException.class, () -> m.f.ftruncate(m.fd, HUGE / 2));
            assertEquals("length", e.field());
            assertTrue(m.pmd(), "nothing changed");
            assertEquals(HUGE, m.in.size);
            assertEquals(HPAGE_ORDER, m.f.k.phys.order(head));
            return;
        }
        long frames = m.f.usedFrames();
        assertOk(m.f.ftruncate(m.fd, HUGE / 2));
        assertFalse(m.pmd());
        assertEquals(0, m.f.k.phys.order(head), "split to order 0");
        int kept = HPAGE_NR / 2; // i_size HUGE / 2 keeps page indices 0 .. kept - 1
        assertEquals(head + kept - 1, m.in.pageCache.get(kept - 1));
        assertEquals(0, m.in.pageCache.get(kept));
        assertEquals(frames - (HPAGE_NR - kept), m.f.usedFrames(), "the pages past i_size were freed");
        assertEquals(1, m.f.ref(head + 17), "the page cache's reference: unmap_folio() left no mapping");
        assertEquals(0x1000 + 17, m.f.valueAt(m.a + 17 * PAGE));
    }

    @ParameterizedTest @FieldSource("ALL")
    void truncatingAllOfItFreesTheFolio(Profile p) { // truncate_inode_folio() of the whole folio: the page cache's 512 references go
        M m = collapsed(p);
        long head = m.head();
        long frames = m.f.usedFrames();
        assertOk(m.f.ftruncate(m.fd, 0));
        assertFalse(m.pmd());
        assertFalse(m.f.k.phys.isAllocated(head));
        assertEquals(frames - HPAGE_NR, m.f.usedFrames());
        assertEquals(0, m.f.t.mm.rssShmem);
    }

    @ParameterizedTest @FieldSource("ALL")
    void ioUringRegistersTheRange(Profile p) { // io_sqe_buffer_register(): pin_user_pages(FOLL_WRITE|FOLL_LONGTERM) of the folio's pages
        M m = collapsed(p);
        int ring = m.f.ring();
        assertOk(m.f.register(ring, iov(m.a, HUGE)));
        // 512 pins, then the coalescing of a buffer inside one folio keeps one (6.3 io_sqe_buffer_register()
        // unpin_user_pages(&pages[1], nr_pages - 1); 6.18 io_coalesce_buffer() unpin_user_folio(folio, nr - 1))
        assertEquals(1, m.f.pincount(m.head()));
        assertEquals(HPAGE_NR + 1 + 1, m.f.ref(m.head()));
        assertOk(m.f.unregister(ring));
        assertEquals(0, m.f.pincount(m.head()));
        refs(m, 1);
    }

    @ParameterizedTest @FieldSource("ALL")
    void pageoutWritesTheSplitFolioToSwap(Profile p) {
        // 6.18 shrink_folio_list(): try_to_unmap(TTU_SPLIT_HUGE_PMD), then shmem_writeout(): folio_alloc_swap() finds
        // no large entry on a swapfile, split_folio_to_list(); 6.3-6.5 shrink_folio_list() splits the swap-backed
        // large folio first ("Split shmem folio"). Either way every page makes its own pass and is written.
        M m = collapsed(p);
        assertOk(m.f.swapon(16L << 20));
        assertOk(m.f.madvise(m.a, HUGE, MADV_PAGEOUT));
        assertFalse(m.pmd());
        assertEquals(0, m.f.t.mm.rssShmem);
        assertEquals(HPAGE_NR * PAGE / 1024, Views.swaps(m.f.k).usedKb(), "every page of the folio on swap");
        assertTrue(m.in.pageCache.get(0) < 0, "a swap entry in the page cache");
        assertTrue(m.in.pageCache.get(300) < 0, "a swap entry in the page cache");
        assertEquals(0x1000 + 300, m.f.valueAt(m.a + 300 * PAGE), "shmem_swapin_folio()");
    }

    @ParameterizedTest @FieldSource("ALL")
    void pageoutWithoutSwap(Profile p) {
        // 6.18: try_to_unmap() first, then shmem_writeout(): !total_swap_pages redirties the whole folio;
        // 6.3-6.5: split_folio_to_list() (which unmaps it) before anything, then shmem_writepage() redirties each page
        M m = collapsed(p);
        long head = m.head();
        assertOk(m.f.madvise(m.a, HUGE, MADV_PAGEOUT));
        assertFalse(m.pmd(), "unmapped by try_to_unmap() (6.18) or by the split (6.3-6.5)");
        assertEquals(p.shmemWriteoutLarge() ? HPAGE_ORDER : 0, m.f.k.phys.order(head));
        assertEquals(head + 7, m.in.pageCache.get(7), "resident: no swap entry in the page cache");
        assertEquals(0x1007, m.f.valueAt(m.a + 7 * PAGE));
    }

    @ParameterizedTest @FieldSource("ALL")
    void aPinnedFolioIsKeptWhole(Profile p) {
        // 6.18: try_to_unmap() first, then folio_maybe_dma_pinned(): activate_locked, whole and unmapped;
        // 6.3-6.5: can_split_folio() fails on the pin before try_to_unmap(): keep_locked, whole and still mapped
        M m = collapsed(p);
        assertOk(m.f.swapon(16L << 20));
        assertEquals(1, m.f.gup(GupCall.pin_user_pages, m.a + 3 * PAGE, 1, FOLL_WRITE | FOLL_LONGTERM).ret());
        assertOk(m.f.madvise(m.a, HUGE, MADV_PAGEOUT));
        assertEquals(!p.shmemWriteoutLarge(), m.pmd());
        assertEquals(HPAGE_ORDER, m.f.k.phys.order(m.head()));
        assertEquals(0, Views.swaps(m.f.k).usedKb());
    }

    @ParameterizedTest @FieldSource("ALL")
    void pageoutOfPartOfThePmdSplitsAndUnmapsOnly(Profile p) { // madvise_cold_or_pageout_pte_range(): split_folio(), then no PTE to page out
        M m = collapsed(p);
        assertOk(m.f.swapon(16L << 20));
        long head = m.head();
        assertOk(m.f.madvise(m.a, 16 * PAGE, MADV_PAGEOUT));
        assertFalse(m.pmd());
        assertEquals(0, m.f.k.phys.order(head));
        assertEquals(0, Views.swaps(m.f.k).usedKb());
        assertEquals(1, m.f.ref(head + 200), "only the page cache's reference: unmapped");
    }

    @ParameterizedTest @FieldSource("ALL")
    void pageoutOfAPteMappedFolioIsNotSimulated(Profile p) { // the PTE branch for a large page-cache folio
        M m = collapsed(p);
        long b = mapAligned(m.f, m.fd, PROT_READ, MAP_SHARED, 0);
        assertOk(m.f.munmap(b, HUGE));
        assertEquals(b, assertOk(m.f.mmap(b, HUGE - PAGE, PROT_READ, MAP_SHARED | MAP_FIXED, m.fd, PAGE)));
        m.f.valueAt(b);
        NotSimulatedException e = assertThrows(NotSimulatedException.class, () -> m.f.madvise(b, PAGE, MADV_PAGEOUT));
        assertEquals("advice", e.field());
        assertNotEquals(0, m.f.pte(m.f.t, b), "nothing changed");
        assertTrue(m.pmd());
    }

    @ParameterizedTest @FieldSource("ALL")
    void preallocatedPagesCollapseButOnlyNewKernelsMapThem(Profile p) { // 6.3-6.5 retract_page_tables(): no page table -> SCAN_PMD_NULL/NONE
        Lab f = new Lab(p);
        int fd = f.memfd("thp", 0, HUGE);
        assertOk(f.call(new Syscall.Fallocate(f.t.pid, fd, 0, 0, HUGE)));
        long a = mapAligned(f, fd, RW, MAP_SHARED, 0);
        SysResult r = f.madvise(a, HUGE, COLLAPSE);
        Inode in = f.t.fds.get(fd).inode();
        assertTrue(f.k.phys.isLarge(in.pageCache.get(0)), "collapse_file() collapsed the page cache either way");
        if (p.collapsePteMappedAfterRetract()) {
            assertOk(r);
            assertTrue(Memory.pmdMapped(f.t.mm, a), "set_huge_pmd() allocates the PMD table itself");
        } else {
            assertErr(Errno.EINVAL, r);
        }
    }
}
