package io.pinlab.kernel.mm;

import io.pinlab.kernel.base.Pfn;
import io.pinlab.kernel.base.VirtAddr;
import io.pinlab.kernel.Lab;
import io.pinlab.kernel.base.Explain;
import io.pinlab.kernel.base.NoSuchObjectException;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.base.StateConflictException;
import io.pinlab.kernel.base.SysResult;
import org.junit.jupiter.api.Test;

import static io.pinlab.kernel.mm.GupCall.*;
import static io.pinlab.kernel.Lab.*;
import static io.pinlab.kernel.mm.PhysMem.*;
import static org.junit.jupiter.api.Assertions.*;

/** Pins as the simulated driver's page arrays: unpin_user_pages[_dirty_lock], put_page, and their lifetime. */
class GupPinsTest {

    // unpin_user_pages() / gup_put_folio(): subtract GUP_PIN_COUNTING_BIAS per page
    @Test
    void unpinRestoresCounts() {
        Lab f = new Lab(Profile.V6_18);
        long a = f.anon(2 * PAGE_SIZE, RW);
        Pin pin = f.gup(pin_user_pages, a, 2, FOLL_WRITE).pin();
        long pfn = pin.pfns()[0];
        assertEquals(1025, f.ref(pfn));
        SysResult r = f.release(pin.id(), PinRelease.unpin_user_pages, false);
        assertEquals(0, r.ret());
        assertEquals(1, f.ref(pfn));
        assertTrue(pin.released());
        assertEquals(2, f.k.pins.nrFollPinReleased);
        assertEquals(1, Pins.list(f.k).size());
    }

    // releasing twice, or with the wrong function, is refused (the kernel would corrupt the counts)
    @Test
    void mismatchedOrDoubleReleaseIsAConflict() {
        Lab f = new Lab(Profile.V6_18);
        long a = f.anon(PAGE_SIZE, RW);
        Pin pin = f.gup(pin_user_pages, a, 1, FOLL_WRITE).pin();
        Pin get = f.gup(get_user_pages, a, 1, FOLL_WRITE).pin();
        StateConflictException e1 = assertThrows(StateConflictException.class, () -> f.release(pin.id(), PinRelease.put_page, false));
        assertTrue(e1.getMessage().contains("1024"));
        assertThrows(StateConflictException.class, () -> f.release(get.id(), PinRelease.unpin_user_pages, false));
        assertThrows(StateConflictException.class, () -> Pins.release(f.k, get.id(), "unpin_user_pages_dirty_lock", true));
        assertEquals(1 + 1024 + 1, f.ref(pin.pfns()[0]), "nothing changed");
        f.release(get.id(), PinRelease.put_page, false);
        f.release(pin.id(), PinRelease.unpin_user_pages, false);
        assertThrows(StateConflictException.class, () -> f.release(pin.id(), PinRelease.unpin_user_pages, false));
        assertEquals(1, f.ref(pin.pfns()[0]));
        assertThrows(NoSuchObjectException.class, () -> f.release(99, PinRelease.put_page, false));
        assertThrows(IllegalArgumentException.class, () -> Pins.release(f.k, pin.id(), "unpin_user_page_x", false));
    }

    // unpin_user_pages_dirty_lock(make_dirty): folio_mark_dirty() then unpin
    @Test
    void dirtyLock() {
        Lab f = new Lab(Profile.V6_18);
        long a = f.anon(PAGE_SIZE, RW);
        f.touch(a, 1, false);
        Pin pin = f.gup(pin_user_pages, a, 1, FOLL_LONGTERM).pin(); // unshared read-only exclusive page, not dirty
        long pfn = pin.pfns()[0];
        assertFalse(f.k.phys.testPageFlag(pfn, PG_DIRTY));
        f.release(pin.id(), PinRelease.unpin_user_pages_dirty_lock, true);
        assertTrue(f.k.phys.testPageFlag(pfn, PG_DIRTY));
        assertEquals(1, f.ref(pfn));
    }

    // a pin outlives munmap: the frame stays allocated until the driver releases it, then it is freed
    @Test
    void pinOutlivesMunmapAndExit() {
        Lab f = new Lab(Profile.V6_18);
        long a = f.anon(2 * PAGE_SIZE, RW);
        f.touch(a, 2, true);
        Pin pin = f.gup(pin_user_pages, a, 2, FOLL_WRITE).pin();
        long pfn = pin.pfns()[0];
        assertEquals(0, f.munmap(f.t, a, 2 * PAGE_SIZE).ret());
        assertTrue(f.k.phys.isAllocated(pfn));
        assertEquals(1024, f.ref(pfn), "only the pin holds it");
        assertEquals(0x1000, f.k.phys.value(pfn), "a device could still write here");
        f.release(pin.id(), PinRelease.unpin_user_pages, false);
        assertFalse(f.k.phys.isAllocated(pfn));

        Task child = f.k.createTask(1, "worker", 1000, false, 8 << 20);
        long b = f.map(child, PAGE_SIZE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1);
        Pin gp = f.gup(child, GupRequest.of(get_user_pages, VirtAddr.of(b), 1, FOLL_WRITE)).pin();
        f.exit(child);
        assertTrue(f.k.phys.isAllocated(gp.pfns()[0]));
        assertEquals(1, f.ref(gp.pfns()[0]));
        f.release(gp.id(), PinRelease.put_page, false);
        assertFalse(f.k.phys.isAllocated(gp.pfns()[0]));
    }

    // hugetlb folios freed by the last unpin go back to the pool
    @Test
    void hugetlbPoolAccounting() {
        Lab f = new Lab(Profile.V6_18);
        f.hugepages(1);
        long a = f.map(HPAGE_SIZE, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1);
        assertTrue(a > 0);
        Pin pin = f.gup(pin_user_pages, a, 512, FOLL_WRITE | FOLL_LONGTERM).pin();
        assertEquals(1, f.k.defaultHstate.inUse);
        f.munmap(f.t, a, HPAGE_SIZE);
        assertEquals(1, f.k.defaultHstate.inUse, "still pinned");
        f.release(pin.id(), PinRelease.unpin_user_pages, false);
        assertEquals(0, f.k.defaultHstate.inUse);
    }

    // the io_uring API: pins without a driver-visible Pin
    @Test
    void kernelCallerApi() {
        Lab f = new Lab(Profile.V6_18);
        long a = f.anon(4 * PAGE_SIZE, RW);
        long[] pages = new long[4];
        Explain ex = new Explain();
        assertEquals(4, Gup.pinUserPages(f.k, f.t, VirtAddr.of(a), 4, FOLL_WRITE | FOLL_LONGTERM, pages, ex));
        assertTrue(Pins.list(f.k).isEmpty());
        assertEquals(1025, f.ref(pages[0]));
        Gup.unpinUserPage(f.k, Pfn.of(pages[0]));
        Gup.unpinUserPages(f.k, new long[]{pages[1], pages[2], pages[3]}, 3);
        assertEquals(1, f.ref(pages[0]));
        assertEquals(1, f.ref(pages[3]));
        long[] fast = new long[2];
        assertEquals(2, Gup.pinUserPagesFast(f.k, f.t, VirtAddr.of(a), 2, FOLL_WRITE | FOLL_LONGTERM, fast, new Explain()));
        Gup.unpinUserPagesDirtyLock(f.k, fast, 2, true);
        assertEquals(1, f.ref(fast[1]));
        // invalid args: pin_user_pages returns 0, pin_user_pages_fast -EINVAL
        assertEquals(0, Gup.pinUserPages(f.k, f.t, VirtAddr.of(a), 1, FOLL_GET, pages, new Explain()));
        assertEquals(-22, Gup.pinUserPagesFast(f.k, f.t, VirtAddr.of(a), 1, FOLL_GET, pages, new Explain()));
    }

    // fork (copy_present_pte): a pinned exclusive anon page stays with the parent, the child gets a copy
    @Test
    void forkKeepsPinnedPageInParent() {
        Lab f = new Lab(Profile.V6_18);
        long a = f.anon(PAGE_SIZE, RW);
        f.touch(a, 1, true);
        Pin pin = f.gup(pin_user_pages, a, 1, FOLL_WRITE).pin();
        long childPid = f.fork().pid;
        Task child = f.k.task((int) childPid);
        assertEquals(pin.pfns()[0], f.pfn(a));
        assertNotEquals(pin.pfns()[0], Pte.pfn(f.pte(child, a)));
    }
}
