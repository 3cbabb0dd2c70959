package io.pinlab.kernel.mm;

import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.fs.FsType;
import org.junit.jupiter.api.Test;

import static io.pinlab.kernel.mm.GupCall.*;
import static io.pinlab.kernel.mm.GupFixture.*;
import static io.pinlab.kernel.mm.PhysMem.*;
import static org.junit.jupiter.api.Assertions.*;

/** FOLL_LONGTERM: __gup_longterm_locked() and check_and_migrate_movable_pages() with user pages in ZONE_MOVABLE. */
class GupLongtermTest {

    // __gup_longterm_locked() runs under memalloc_pin_save(): pages it faults in avoid ZONE_MOVABLE, no migration needed
    @Test
    void untouchedPagesAreAllocatedOutsideMovable() {
        GupFixture f = new GupFixture(Profile.V6_18, true);
        long a = f.mmapAnon(4, RW);
        GupResult r = f.gup(pin_user_pages, a, 4, WRITE | LONGTERM);
        assertEquals(4, r.ret());
        for (long pfn : r.pin().pfns()) assertEquals(Zone.NORMAL, f.k.phys.zone(pfn));
        assertFalse(f.text(r).contains("-EAGAIN"));
        assertFalse(f.k.memallocPin, "memalloc_pin_restore()");
        // without FOLL_LONGTERM the process's pages come from ZONE_MOVABLE as usual
        long b = f.mmapAnon(1, RW);
        assertEquals(Zone.MOVABLE, f.k.phys.zone(f.gup(pin_user_pages, b, 1, WRITE).pin().pfns()[0]));
    }

    // check_and_migrate_movable_pages(): touched pages in ZONE_MOVABLE are unpinned, migrated, and pinned again
    @Test
    void movablePagesAreMigratedThenPinned() {
        GupFixture f = new GupFixture(Profile.V6_18, true);
        long a = f.mmapAnon(3, RW);
        f.touch(a, 3, true);
        long[] old = {f.pfn(a), f.pfn(a + PAGE_SIZE), f.pfn(a + 2 * PAGE_SIZE)};
        for (long o : old) assertEquals(Zone.MOVABLE, f.k.phys.zone(o));
        long usedBefore = f.usedFrames();
        GupResult r = f.gup(pin_user_pages, a, 3, WRITE | LONGTERM);
        assertEquals(3, r.ret());
        assertTrue(f.explains(r, "check_and_migrate_movable_pages"));
        assertTrue(f.text(r).contains("-EAGAIN"));
        for (int i = 0; i < 3; i++) {
            long nw = r.pin().pfns()[i];
            assertNotEquals(old[i], nw);
            assertEquals(Zone.NORMAL, f.k.phys.zone(nw));
            assertEquals(nw, f.pfn(a + i * PAGE_SIZE), "the PTE was repointed to the new frame");
            assertEquals(0x1000 + i, f.k.phys.value(nw), "contents copied");
            assertTrue(f.k.phys.testPageFlag(nw, PG_ANON_EXCLUSIVE));
            assertEquals(1 + 1024, f.ref(nw));
            assertFalse(f.k.phys.isAllocated(old[i]), "the old frame was freed");
        }
        assertEquals(usedBefore, f.usedFrames());
    }

    // gup-fast refuses LONGTERM pins of unpinnable folios (try_grab_folio), the slow fallback migrates
    @Test
    void fastPathFallsBackForMigration() {
        GupFixture f = new GupFixture(Profile.V6_18, true);
        long a = f.mmapAnon(2, RW);
        f.touch(a, 2, true);
        long old = f.pfn(a);
        GupResult r = f.gup(pin_user_pages_fast, a, 2, WRITE | LONGTERM);
        assertEquals(2, r.ret());
        assertNotEquals(old, r.pin().pfns()[0]);
        assertEquals(Zone.NORMAL, f.k.phys.zone(r.pin().pfns()[0]));
        assertTrue(f.text(r).contains("ZONE_MOVABLE"));
    }

    // migrate_pages() fails on a folio that holds extra references: -ENOMEM, and every pin was dropped
    @Test
    void migrationFailsWhileAnotherReferenceIsHeld() {
        GupFixture f = new GupFixture(Profile.V6_18, true);
        long a = f.mmapAnon(2, RW);
        f.touch(a, 2, true);
        long p0 = f.pfn(a), p1 = f.pfn(a + PAGE_SIZE);
        GupResult get = f.gup(get_user_pages, a, 1, 0);
        assertEquals(2, f.ref(p0));
        GupResult r = f.gup(pin_user_pages, a, 2, WRITE | LONGTERM);
        assertEquals(-12, r.ret());
        assertEquals(Errno.ENOMEM, r.errno());
        assertNull(r.pin());
        assertEquals(2, f.ref(p0), "the FOLL_GET reference and the mapping");
        assertEquals(p0, f.pfn(a));
        assertEquals(1, f.ref(f.pfn(a + PAGE_SIZE)), "unpinned (it may have moved)");
        assertNotEquals(p1, f.pfn(a + PAGE_SIZE), "the movable page without extra references did move");
        Pins.release(f.k, get.pin().id(), PinRelease.put_page, false);
    }

    // page-cache folios: the cache entry and every process's mapping are repointed
    @Test
    void sharedShmemPageMigratesForAllMappings() {
        GupFixture f = new GupFixture(Profile.V6_18, true);
        Task other = f.k.createTask(1, "peer", 1000, false, 8 << 20);
        int fd1 = f.openFile(f.t, "/dev/shm/buf", FsType.TMPFS, false, 4 * PAGE_SIZE, O_RDWR);
        int fd2 = f.openFile(other, "/dev/shm/buf", FsType.TMPFS, false, 4 * PAGE_SIZE, O_RDWR);
        long a = f.mmapFile(f.t, fd1, 1, RW, SHARED);
        long b = f.mmapFile(other, fd2, 1, RW, SHARED);
        f.touch(f.t, a, 1, true);
        f.touch(other, b, 1, false);
        long old = f.pfn(a);
        assertEquals(old, Pte.pfn(f.pte(other, b)));
        assertEquals(3, f.ref(old), "page cache + two mappings");
        GupResult r = f.gup(pin_user_pages, a, 1, WRITE | LONGTERM);
        long nw = r.pin().pfns()[0];
        assertNotEquals(old, nw);
        assertEquals(nw, Pte.pfn(f.pte(other, b)));
        assertEquals(nw, f.k.inodes.get("/dev/shm/buf").pageCache.get(0));
        assertEquals(3 + 1024, f.ref(nw));
        assertEquals(2, f.k.phys.mapcount(nw));
    }

    // a large (THP) folio migrates as a whole and the PMD is repointed
    @Test
    void thpMigrates() {
        GupFixture f = new GupFixture(Profile.V6_18, true);
        long a = f.mmapThp(1);
        f.touch(a, 1, true);
        long head = f.pfn(a);
        assertTrue(f.k.phys.isLarge(head));
        assertEquals(Zone.MOVABLE, f.k.phys.zone(head));
        GupResult r = f.gup(pin_user_pages, a, 512, WRITE | LONGTERM);
        assertEquals(512, r.ret());
        long nh = r.pin().pfns()[0];
        assertEquals(Zone.NORMAL, f.k.phys.zone(nh));
        assertTrue(f.k.phys.isLarge(nh));
        assertEquals(nh, Pte.pfn(f.t.mm.pmds.get(a >>> 21)));
        assertEquals(512, f.pincount(nh));
        assertFalse(f.k.phys.isAllocated(head));
    }

    // the zero page is always long-term pinnable; a read LONGTERM pin unshares it in a private mapping anyway
    @Test
    void zeroPageNeverMigrated() {
        GupFixture f = new GupFixture(Profile.V6_3, true);
        int fd = f.openFile(f.t, "/dev/shm/z", FsType.TMPFS, false, 4 * PAGE_SIZE, O_RDWR);
        long a = f.mmapFile(fd, 1, RW, SHARED);
        GupResult r = f.gup(pin_user_pages, a, 1, LONGTERM);
        assertEquals(1, r.ret());
        assertEquals(Zone.NORMAL, f.k.phys.zone(r.pin().pfns()[0]), "faulted in under memalloc_pin");
        assertTrue(Gup.folioIsLongtermPinnable(f.k.phys, ZERO_PFN));
    }
}
