package io.pinlab.kernel.mm;

import io.pinlab.kernel.KernelSnapshot;
import io.pinlab.kernel.Lab;
import io.pinlab.kernel.Syscall;
import io.pinlab.kernel.Views;
import io.pinlab.kernel.base.Iovec;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.fs.Inode;
import io.pinlab.kernel.fs.Pipe;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import java.util.List;

import static io.pinlab.kernel.Lab.*;
import static io.pinlab.kernel.mm.PhysMem.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * MADV_PAGEOUT of ext4/xfs/btrfs page-cache folios: madvise_cold_or_pageout_pte_range() (mm/madvise.c)
 * isolates a folio mapped once, reclaim_pages() -> shrink_folio_list() (mm/vmscan.c) unmaps it
 * (try_to_unmap_one(), mm/rmap.c: a dirty PTE dirties the folio), then
 * - a dirty file-LRU folio is activated, not written: 6.3-6.5 write file folios only from kswapd,
 *   6.18 pageout() writes only shmem and swap-cache folios ("We no longer attempt to writeback
 *   filesystem folios here");
 * - a clean one is removed from the page cache by __remove_mapping() and freed, unless
 *   folio_ref_freeze() fails because someone else holds a reference (a pin, a GUP or pipe reference);
 * - the next fault reads it back from disk into a new folio (filemap_fault()).
 * The same in every profile. The real 6.18 answers are oracle cases pageout.{ext4,xfs,btrfs}_*.
 */
class FilePageoutTest {
    static final int O_DIRECT = 040000;

    /** A 4-page ext4 file open O_RDWR | O_DIRECT, and page 1 of it mapped MAP_SHARED alone (no neighbours to fault around). */
    private record FilePage(Lab f, int fd, Inode in, long addr) {
        /** An O_DIRECT write of {@code value} into page {@code index} (iomap_dio_rw(): the page cache page stays clean). */
        void directWrite(long index, long value) {
            long buf = f.anon(PAGE);
            f.write(buf, PAGE, value);
            assertEquals(PAGE, assertOk(f.call(new Syscall.DirectRw(f.t.pid, fd, buf, PAGE, index * PAGE, true))));
        }

        Views.PageEntry entry() { return Views.pagemap(f.k, f.t, addr, 1).get(0); }

        long pageout() { return assertOk(f.madvise(addr, PAGE, MADV_PAGEOUT)); }
    }

    /** The file with {@code value} written by O_DIRECT into page 1 (none for 0), and page 1 mapped and read. */
    private static FilePage mapped(Profile p, long value) {
        Lab f = new Lab(p);
        int fd = f.open("/mnt/ext4/cold", O_RDWR | O_CREAT | O_DIRECT, 4 * PAGE);
        FilePage m = new FilePage(f, fd, f.k.inodes.get("/mnt/ext4/cold"), assertOk(f.mmap(0, PAGE, RW, MAP_SHARED, fd, PAGE)));
        if (value != 0) m.directWrite(1, value);
        f.valueAt(m.addr());
        return m;
    }

    // shrink_folio_list(): clean, unreferenced -> __remove_mapping(): out of the page cache, freed;
    // filemap_fault() reads it back from disk into a new folio
    @ParameterizedTest
    @FieldSource("io.pinlab.kernel.base.Profile#ALL")
    void aCleanFolioIsDroppedAndReadBackFromDisk(Profile p) {
        FilePage m = mapped(p, 4);
        Lab f = m.f();
        assertFalse(f.k.phys.testPageFlag(m.entry().pfn(), PG_DIRTY), "an O_DIRECT write leaves the page cache clean");
        long frames = f.usedFrames();
        m.pageout();
        assertFalse(m.entry().present());
        assertNull(m.entry().swapOffset());
        assertEquals(0, m.in().pageCache.get(1), "no longer in the page cache (mincore() 0)");
        assertEquals(4, m.in().disk.get(1), "its contents are on disk");
        assertEquals(frames - 1, f.usedFrames(), "the folio was freed");
        assertEquals(0, f.t.mm.rssFile);

        assertEquals(4, f.valueAt(m.addr()), "read back from disk");
        assertTrue(m.entry().present());
        assertEquals(m.entry().pfn(), m.in().pageCache.get(1));
        assertEquals(0, m.in().disk.get(1), "pinlab's model: Inode.disk holds only pages that are not in the page cache");
        assertEquals(1, f.t.mm.rssFile);
    }

    // a hole read by a fault is a clean zero-filled folio: dropped too, and read back as zeroes
    @ParameterizedTest
    @FieldSource("io.pinlab.kernel.base.Profile#ALL")
    void aHoleIsDroppedAndReadsZero(Profile p) {
        FilePage m = mapped(p, 0);
        m.pageout();
        assertEquals(0, m.in().pageCache.get(1));
        assertTrue(m.in().disk.isEmpty(), "zeroes need no block");
        assertEquals(0, m.f().valueAt(m.addr()));
    }

    // try_to_unmap_one() moves the PTE's dirty bit to the folio; shrink_folio_list() activates a dirty
    // file-LRU folio (activate_locked): unmapped, but the same folio stays in the page cache
    @ParameterizedTest
    @FieldSource("io.pinlab.kernel.base.Profile#ALL")
    void aDirtyFolioIsUnmappedButStays(Profile p) {
        FilePage m = mapped(p, 4);
        Lab f = m.f();
        f.write(m.addr(), PAGE, 9);
        long pfn = m.entry().pfn();
        m.pageout();
        assertFalse(m.entry().present());
        assertEquals(pfn, m.in().pageCache.get(1));
        assertTrue(f.k.phys.testPageFlag(pfn, PG_DIRTY));
        assertTrue(m.in().disk.isEmpty());
        assertEquals(9, f.valueAt(m.addr()));
        assertEquals(pfn, m.entry().pfn(), "a minor fault maps the same folio");
    }

    // a pipe's reference (vmsplice(): FOLL_GET) or a pin: __remove_mapping()'s folio_ref_freeze() fails,
    // keep_locked; the folio is unmapped but stays cached. Once the reference is gone it is dropped.
    @ParameterizedTest
    @FieldSource("io.pinlab.kernel.base.Profile#ALL")
    void aReferencedFolioStaysUntilTheReferenceGoes(Profile p) {
        FilePage m = mapped(p, 4);
        Lab f = m.f();
        long pfn = m.entry().pfn();
        Pipe.PipeFds pipe = f.call(new Syscall.Pipe2(f.t.pid, 0));
        assertEquals(PAGE, assertOk(f.call(new Syscall.Vmsplice(f.t.pid, pipe.writeFd(), List.of(new Iovec(m.addr(), PAGE)), 0))));
        m.pageout();
        assertFalse(m.entry().present());
        assertEquals(pfn, m.in().pageCache.get(1));
        long out = f.anon(PAGE);
        assertEquals(PAGE, assertOk(f.call(new Syscall.Read(f.t.pid, pipe.readFd(), out, PAGE))));
        assertEquals(4, f.valueAt(out));

        assertEquals(4, f.valueAt(m.addr()));
        assertEquals(pfn, m.entry().pfn());
        GupResult pin = f.gup(GupCall.pin_user_pages, m.addr(), 1, FOLL_LONGTERM);
        assertEquals(1, pin.ret());
        m.pageout();
        assertEquals(pfn, m.in().pageCache.get(1), "pinned: kept");
        assertOk(f.release(pin.pin().id(), PinRelease.unpin_user_pages, false));
        f.valueAt(m.addr());
        m.pageout();
        assertEquals(0, m.in().pageCache.get(1), "no reference left: dropped");
        assertEquals(4, m.in().disk.get(1));
    }

    // truncate_inode_pages_range() with the file system freeing the blocks, punch hole likewise:
    // what reclaim left on disk is gone, the range reads as zeroes
    @ParameterizedTest
    @FieldSource("io.pinlab.kernel.base.Profile#ALL")
    void truncationFreesTheBlocksOnDisk(Profile p) {
        FilePage m = mapped(p, 4);
        Lab f = m.f();
        m.pageout();
        assertOk(f.call(new Syscall.Fallocate(f.t.pid, m.fd(), 0x02 | 0x01 /* PUNCH_HOLE | KEEP_SIZE */, PAGE, PAGE)));
        assertTrue(m.in().disk.isEmpty());
        assertEquals(0, f.valueAt(m.addr()));
        m.directWrite(1, 6);
        f.valueAt(m.addr());
        m.pageout();
        assertEquals(6, m.in().disk.get(1));
        assertOk(f.ftruncate(m.fd(), PAGE));
        assertOk(f.ftruncate(m.fd(), 4 * PAGE));
        assertTrue(m.in().disk.isEmpty());
        assertEquals(0, f.valueAt(m.addr()));
    }

    // shmem folios are swap-backed, not file-LRU: with no swap area shmem_writeout() redirties the
    // folio (!total_swap_pages), so it stays in the page cache; shmem has no disk (ShmemSwapTest: with swap)
    @ParameterizedTest
    @FieldSource("io.pinlab.kernel.base.Profile#ALL")
    void aShmemFolioHasNoDisk(Profile p) {
        Lab f = new Lab(p);
        int fd = f.memfd("m", 0, PAGE);
        long a = f.map(PAGE, RW, MAP_SHARED, fd);
        f.write(a, PAGE, 3);
        Inode in = (Inode) f.k.phys.mapping(f.pfn(a));
        assertOk(f.madvise(a, PAGE, MADV_PAGEOUT));
        assertTrue(in.disk.isEmpty());
        assertEquals(3, f.valueAt(a));
    }

    // an fsdax mapping (ext4 -o dax) maps the persistent memory itself: its pages are not on the LRU, and
    // madvise_cold_or_pageout_pte_range() skips them (!folio_test_lru()): mapped and resident as before
    @ParameterizedTest
    @FieldSource("io.pinlab.kernel.base.Profile#ALL")
    void anFsdaxPageIsLeftAlone(Profile p) {
        Lab f = new Lab(p);
        int fd = f.open("/mnt/pmem/p", O_RDWR | O_CREAT, PAGE);
        long a = f.map(PAGE, RW, MAP_SHARED, fd);
        f.write(a, PAGE, 12);
        long pfn = f.pfn(a);
        assertOk(f.madvise(a, PAGE, MADV_PAGEOUT));
        assertEquals(pfn, f.pfn(a));
        assertTrue(Views.pagemap(f.k, f.t, a, 1).get(0).present());
    }

    // KernelSnapshot carries the blocks on disk: a copy reads the dropped page back with its value
    @ParameterizedTest
    @FieldSource("io.pinlab.kernel.base.Profile#ALL")
    void blocksOnDiskSurviveASnapshot(Profile p) {
        FilePage m = mapped(p, 4);
        m.pageout();
        Lab copy = new Lab(KernelSnapshot.read(KernelSnapshot.write(m.f().k)));
        assertEquals(4, copy.k.inodes.get("/mnt/ext4/cold").disk.get(1));
        assertEquals(4, copy.valueAt(m.addr()));
        assertTrue(copy.k.inodes.get("/mnt/ext4/cold").disk.isEmpty(), "pinlab's model: read back, the page leaves Inode.disk");
    }
}
