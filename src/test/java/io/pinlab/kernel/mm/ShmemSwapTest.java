package io.pinlab.kernel.mm;

import io.pinlab.kernel.KernelSnapshot;
import io.pinlab.kernel.Lab;
import io.pinlab.kernel.Syscall;
import io.pinlab.kernel.Views;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.fs.Inode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import static io.pinlab.kernel.Lab.*;
import static io.pinlab.kernel.mm.PhysMem.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * MADV_PAGEOUT of shmem folios (memfd, tmpfs, shared anonymous memory): shrink_folio_list() (mm/vmscan.c)
 * unmaps the folio; a dirty one goes through pageout() to shmem_writeout() (6.18; shmem_writepage() in
 * 6.3-6.5, the same steps), which puts it in the swap cache (folio_alloc_swap()), leaves its swap entry
 * in the page cache (shmem_delete_from_page_cache()) and writes it; __remove_mapping() frees it. A clean
 * one is freed. The next access swaps it in (shmem_swapin_folio(), mm/shmem.c), freeing the slot. The
 * real 6.18 answers are oracle cases swap.shmem_*.
 */
class ShmemSwapTest {
    static final long MIB16 = 16L << 20;

    /** A 2-page memfd mapped shared: page 0 written with 7 (dirty), page 1 read (clean). */
    private record Shm(Lab f, int fd, Inode in, long addr) {
        static Shm of(Profile p, boolean swap) {
            Lab f = new Lab(p);
            if (swap) assertOk(f.swapon(MIB16));
            int fd = f.memfd("m", 0, 2 * PAGE);
            long a = f.map(2 * PAGE, RW, MAP_SHARED, fd);
            f.write(a, PAGE, 7);
            f.valueAt(a + PAGE);
            return new Shm(f, fd, (Inode) f.k.phys.mapping(f.pfn(a)), a);
        }

        long usedKb() { return Views.swaps(f.k).usedKb(); }

        boolean present(long page) { return Views.pagemap(f.k, f.t, addr + page * PAGE, 1).get(0).present(); }
    }

    @ParameterizedTest
    @FieldSource("io.pinlab.kernel.base.Profile#ALL")
    void aDirtyPageGoesToSwapAndAReadBringsItBack(Profile p) {
        Shm s = Shm.of(p, true);
        long frames = s.f().usedFrames();
        assertOk(s.f().madvise(s.addr(), 2 * PAGE, MADV_PAGEOUT));
        assertFalse(s.present(0));
        assertNull(Views.pagemap(s.f().k, s.f().t, s.addr(), 1).get(0).swapOffset(), "the PTE is none: the page cache holds the entry");
        assertTrue(s.in().pageCache.get(0) < 0, "a swap entry in the page cache");
        assertEquals(4, s.usedKb());
        assertEquals(0, s.in().pageCache.get(1), "clean: dropped, a hole again");
        assertEquals(frames - 2, s.f().usedFrames());
        assertEquals(0, s.f().t.mm.rssShmem);

        assertEquals(7, s.f().valueAt(s.addr()), "shmem_swapin_folio()");
        long pfn = s.in().pageCache.get(0);
        assertTrue(pfn > 0);
        assertTrue(s.f().k.phys.testPageFlag(pfn, PG_DIRTY), "folio_mark_dirty(): its only copy");
        assertFalse(s.f().k.phys.testPageFlag(pfn, PG_SWAPCACHE));
        assertEquals(0, s.usedKb(), "swap_free_nr(): the slot is free again");
        assertEquals(0, s.f().valueAt(s.addr() + PAGE));
    }

    // shmem_writeout(): !total_swap_pages -> redirty; the folio stays in the page cache, unmapped
    @ParameterizedTest
    @FieldSource("io.pinlab.kernel.base.Profile#ALL")
    void withoutSwapTheDirtyPageStays(Profile p) {
        Shm s = Shm.of(p, false);
        long pfn = s.f().pfn(s.addr());
        assertOk(s.f().madvise(s.addr(), PAGE, MADV_PAGEOUT));
        assertFalse(s.present(0));
        assertEquals(pfn, s.in().pageCache.get(0));
        assertEquals(7, s.f().valueAt(s.addr()));
        assertEquals(pfn, s.f().pfn(s.addr()));
    }

    // pageout(): folio_ref_count() != 1 + folio_nr_pages() -> PAGE_KEEP: a pinned shmem page is unmapped but kept
    @ParameterizedTest
    @FieldSource("io.pinlab.kernel.base.Profile#ALL")
    void aPinnedPageStays(Profile p) {
        Shm s = Shm.of(p, true);
        long pfn = s.f().pfn(s.addr());
        GupResult pin = s.f().gup(GupCall.pin_user_pages, s.addr(), 1, FOLL_LONGTERM | FOLL_WRITE);
        assertEquals(1, pin.ret());
        assertOk(s.f().madvise(s.addr(), PAGE, MADV_PAGEOUT));
        assertFalse(s.present(0));
        assertEquals(pfn, s.in().pageCache.get(0));
        assertEquals(0, s.usedKb());
        assertOk(s.f().release(pin.pin().id(), PinRelease.unpin_user_pages, false));
        s.f().valueAt(s.addr());
        assertOk(s.f().madvise(s.addr(), PAGE, MADV_PAGEOUT));
        assertEquals(4, s.usedKb(), "unpinned: written to swap");
    }

    // shmem_undo_range() frees the slots of swapped-out pages (ftruncate, and evict() when the last fd and
    // mapping go); shmem_fallocate() marks its folios dirty so that reclaim swaps rather than frees them
    @ParameterizedTest
    @FieldSource("io.pinlab.kernel.base.Profile#ALL")
    void truncationAndEvictionFreeTheSlots(Profile p) {
        Shm s = Shm.of(p, true);
        Lab f = s.f();
        assertOk(f.madvise(s.addr(), PAGE, MADV_PAGEOUT));
        assertEquals(4, s.usedKb());
        assertOk(f.ftruncate(s.fd(), 0));
        assertEquals(0, s.usedKb());
        assertOk(f.ftruncate(s.fd(), PAGE));
        assertOk(f.call(new Syscall.Fallocate(f.t.pid, s.fd(), 0, 0, PAGE)));
        f.valueAt(s.addr());
        assertOk(f.madvise(s.addr(), PAGE, MADV_PAGEOUT));
        assertEquals(4, s.usedKb(), "fallocated: dirty, so written to swap");
        assertOk(f.munmap(s.addr(), 2 * PAGE));
        assertOk(f.close(s.fd()));
        assertEquals(0, s.usedKb(), "evicted with its page cache");
    }

    // try_to_unuse() -> shmem_unuse(): swapoff reads shmem swap entries back into their page caches
    @ParameterizedTest
    @FieldSource("io.pinlab.kernel.base.Profile#ALL")
    void swapoffReadsShmemBack(Profile p) {
        Shm s = Shm.of(p, true);
        assertOk(s.f().madvise(s.addr(), PAGE, MADV_PAGEOUT));
        assertOk(s.f().swapoff());
        assertTrue(s.in().pageCache.get(0) > 0);
        assertEquals(7, s.f().valueAt(s.addr()));
    }

    // KernelSnapshot carries the page cache's swap entry with the swap area
    @ParameterizedTest
    @FieldSource("io.pinlab.kernel.base.Profile#ALL")
    void aSwapEntryInThePageCacheSurvivesASnapshot(Profile p) {
        Shm s = Shm.of(p, true);
        assertOk(s.f().madvise(s.addr(), PAGE, MADV_PAGEOUT));
        Lab copy = new Lab(KernelSnapshot.read(KernelSnapshot.write(s.f().k)));
        assertEquals(4, Views.swaps(copy.k).usedKb());
        assertEquals(7, copy.valueAt(s.addr()));
        assertEquals(0, Views.swaps(copy.k).usedKb());
    }
}
