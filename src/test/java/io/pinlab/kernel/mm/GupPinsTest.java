package io.pinlab.kernel.mm;

import io.pinlab.kernel.base.Explain;
import io.pinlab.kernel.base.NoSuchObjectException;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.base.StateConflictException;
import io.pinlab.kernel.base.SysResult;
import org.junit.jupiter.api.Test;

import static io.pinlab.kernel.mm.GupCall.*;
import static io.pinlab.kernel.mm.GupFixture.*;
import static io.pinlab.kernel.mm.PhysMem.*;
import static org.junit.jupiter.api.Assertions.*;

/** Pins as the simulated driver's page arrays: unpin_user_pages[_dirty_lock], put_page, and their lifetime. */
class GupPinsTest {

    // unpin_user_pages() / gup_put_folio(): subtract GUP_PIN_COUNTING_BIAS per page
    @Test
    void unpinRestoresCounts() {
        GupFixture f = new GupFixture(Profile.V6_18);
        long a = f.mmapAnon(2, RW);
        Pin pin = f.gup(pin_user_pages, a, 2, WRITE).pin();
        long pfn = pin.pfns()[0];
        assertEquals(1025, f.ref(pfn));
        SysResult r = Pins.release(f.k, pin.id(), PinRelease.unpin_user_pages, false);
        assertEquals(0, r.ret());
        assertEquals(1, f.ref(pfn));
        assertTrue(pin.released());
        assertEquals(2, f.k.pins.nrFollPinReleased);
        assertEquals(1, Pins.list(f.k).size());
    }

    // releasing twice, or with the wrong function, is refused (the kernel would corrupt the counts)
    @Test
    void mismatchedOrDoubleReleaseIsAConflict() {
        GupFixture f = new GupFixture(Profile.V6_18);
        long a = f.mmapAnon(1, RW);
        Pin pin = f.gup(pin_user_pages, a, 1, WRITE).pin();
        Pin get = f.gup(get_user_pages, a, 1, WRITE).pin();
        StateConflictException e1 = assertThrows(StateConflictException.class, () -> Pins.release(f.k, pin.id(), PinRelease.put_page, false));
        assertTrue(e1.getMessage().contains("1024"));
        assertThrows(StateConflictException.class, () -> Pins.release(f.k, get.id(), PinRelease.unpin_user_pages, false));
        assertThrows(StateConflictException.class, () -> Pins.release(f.k, get.id(), "unpin_user_pages_dirty_lock", true));
        assertEquals(1 + 1024 + 1, f.ref(pin.pfns()[0]), "nothing changed");
        Pins.release(f.k, get.id(), PinRelease.put_page, false);
        Pins.release(f.k, pin.id(), PinRelease.unpin_user_pages, false);
        assertThrows(StateConflictException.class, () -> Pins.release(f.k, pin.id(), PinRelease.unpin_user_pages, false));
        assertEquals(1, f.ref(pin.pfns()[0]));
        assertThrows(NoSuchObjectException.class, () -> Pins.release(f.k, 99, PinRelease.put_page, false));
        assertThrows(IllegalArgumentException.class, () -> Pins.release(f.k, pin.id(), "unpin_user_page_x", false));
    }

    // unpin_user_pages_dirty_lock(make_dirty): folio_mark_dirty() then unpin
    @Test
    void dirtyLock() {
        GupFixture f = new GupFixture(Profile.V6_18);
        long a = f.mmapAnon(1, RW);
        f.touch(a, 1, false);
        Pin pin = f.gup(pin_user_pages, a, 1, LONGTERM).pin(); // unshared read-only exclusive page, not dirty
        long pfn = pin.pfns()[0];
        assertFalse(f.k.phys.testPageFlag(pfn, PG_DIRTY));
        Pins.release(f.k, pin.id(), PinRelease.unpin_user_pages_dirty_lock, true);
        assertTrue(f.k.phys.testPageFlag(pfn, PG_DIRTY));
        assertEquals(1, f.ref(pfn));
    }

    // a pin outlives munmap: the frame stays allocated until the driver releases it, then it is freed
    @Test
    void pinOutlivesMunmapAndExit() {
        GupFixture f = new GupFixture(Profile.V6_18);
        long a = f.mmapAnon(2, RW);
        f.touch(a, 2, true);
        Pin pin = f.gup(pin_user_pages, a, 2, WRITE).pin();
        long pfn = pin.pfns()[0];
        assertEquals(0, Mmap.doMunmap(f.k, f.t, a, 2 * PAGE_SIZE).ret());
        assertTrue(f.k.phys.isAllocated(pfn));
        assertEquals(1024, f.ref(pfn), "only the pin holds it");
        assertEquals(0x1000, f.k.phys.value(pfn), "a device could still write here");
        Pins.release(f.k, pin.id(), PinRelease.unpin_user_pages, false);
        assertFalse(f.k.phys.isAllocated(pfn));

        Task child = f.k.createTask(1, "worker", 1000, false, 8 << 20);
        long b = Mmap.doMmap(f.k, child, 0, PAGE_SIZE, RW, PRIVATE | ANON, -1, 0).ret();
        Pin gp = GupTest.call(f.k, child, GupRequest.of(get_user_pages, b, 1, WRITE)).pin();
        Exit.doExit(f.k, child);
        assertTrue(f.k.phys.isAllocated(gp.pfns()[0]));
        assertEquals(1, f.ref(gp.pfns()[0]));
        Pins.release(f.k, gp.id(), PinRelease.put_page, false);
        assertFalse(f.k.phys.isAllocated(gp.pfns()[0]));
    }

    // hugetlb folios freed by the last unpin go back to the pool
    @Test
    void hugetlbPoolAccounting() {
        GupFixture f = new GupFixture(Profile.V6_18);
        f.k.nrHugepages = 1;
        long a = Mmap.doMmap(f.k, f.t, 0, HPAGE_SIZE, RW, PRIVATE | ANON | MapFlag.MAP_HUGETLB.value, -1, 0).ret();
        assertTrue(a > 0);
        Pin pin = f.gup(pin_user_pages, a, 512, WRITE | LONGTERM).pin();
        assertEquals(1, f.k.hugePagesInUse);
        Mmap.doMunmap(f.k, f.t, a, HPAGE_SIZE);
        assertEquals(1, f.k.hugePagesInUse, "still pinned");
        Pins.release(f.k, pin.id(), PinRelease.unpin_user_pages, false);
        assertEquals(0, f.k.hugePagesInUse);
    }

    // the io_uring API: pins without a driver-visible Pin
    @Test
    void kernelCallerApi() {
        GupFixture f = new GupFixture(Profile.V6_18);
        long a = f.mmapAnon(4, RW);
        long[] pages = new long[4];
        Explain ex = new Explain();
        assertEquals(4, Gup.pinUserPages(f.k, f.t, a, 4, WRITE | LONGTERM, pages, ex));
        assertTrue(Pins.list(f.k).isEmpty());
        assertEquals(1025, f.ref(pages[0]));
        Gup.unpinUserPage(f.k, pages[0]);
        Gup.unpinUserPages(f.k, new long[]{pages[1], pages[2], pages[3]}, 3);
        assertEquals(1, f.ref(pages[0]));
        assertEquals(1, f.ref(pages[3]));
        long[] fast = new long[2];
        assertEquals(2, Gup.pinUserPagesFast(f.k, f.t, a, 2, WRITE | LONGTERM, fast, new Explain()));
        Gup.unpinUserPagesDirtyLock(f.k, fast, 2, true);
        assertEquals(1, f.ref(fast[1]));
        // invalid args: pin_user_pages returns 0, pin_user_pages_fast -EINVAL
        assertEquals(0, Gup.pinUserPages(f.k, f.t, a, 1, GET, pages, new Explain()));
        assertEquals(-22, Gup.pinUserPagesFast(f.k, f.t, a, 1, GET, pages, new Explain()));
    }

    // fork (copy_present_pte): a pinned exclusive anon page stays with the parent, the child gets a copy
    @Test
    void forkKeepsPinnedPageInParent() {
        GupFixture f = new GupFixture(Profile.V6_18);
        long a = f.mmapAnon(1, RW);
        f.touch(a, 1, true);
        Pin pin = f.gup(pin_user_pages, a, 1, WRITE).pin();
        long childPid = Fork.copyProcess(f.k, f.t).ret();
        Task child = f.k.task((int) childPid);
        assertEquals(pin.pfns()[0], f.pfn(a));
        assertNotEquals(pin.pfns()[0], Pte.pfn(f.pte(child, a)));
    }
}
