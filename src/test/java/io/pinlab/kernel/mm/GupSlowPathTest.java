package io.pinlab.kernel.mm;

import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.fs.FsType;
import org.junit.jupiter.api.Test;

import static io.pinlab.kernel.mm.GupCall.*;
import static io.pinlab.kernel.mm.GupFixture.*;
import static io.pinlab.kernel.mm.PhysMem.*;
import static org.junit.jupiter.api.Assertions.*;

/** The slow path: __get_user_pages_locked, __get_user_pages, check_vma_flags, follow_page_pte, faultin_page, try_grab_*. */
class GupSlowPathTest {

    // try_grab_page(): FOLL_PIN on a small folio adds GUP_PIN_COUNTING_BIAS (1024)
    @Test
    void pinOfUntouchedAnonFaultsInAndAddsBias() {
        GupFixture f = new GupFixture(Profile.V6_18);
        long a = f.mmapAnon(4, RW);
        GupResult r = f.gup(pin_user_pages, a, 4, WRITE);
        assertEquals(4, r.ret());
        assertNotNull(r.pin());
        assertEquals(Pin.Kind.FOLL_PIN, r.pin().kind());
        for (int i = 0; i < 4; i++) {
            long pfn = r.pin().pfns()[i];
            assertEquals(f.pfn(a + i * PAGE_SIZE), pfn);
            assertEquals(1 + 1024, f.ref(pfn), "one reference for the PTE + GUP_PIN_COUNTING_BIAS");
            assertEquals(1, f.k.phys.mapcount(pfn));
            assertTrue(f.k.phys.maybeDmaPinned(pfn));
        }
        // __get_user_pages_locked(): mm_set_has_pinned_flag()
        assertTrue(f.t.mm.hasPinned());
        assertEquals(4, f.k.pins.nrFollPinAcquired);
        assertEquals("__get_user_pages", f.lastFn(r));
    }

    // try_grab_page(): FOLL_GET adds 1; get_user_pages never sets MMF_HAS_PINNED
    @Test
    void getAddsOneReference() {
        GupFixture f = new GupFixture(Profile.V6_18);
        long a = f.mmapAnon(2, RW);
        GupResult r = f.gup(get_user_pages, a, 2, WRITE);
        assertEquals(2, r.ret());
        assertEquals(Pin.Kind.FOLL_GET, r.pin().kind());
        assertEquals(2, f.ref(r.pin().pfns()[0]));
        assertFalse(f.t.mm.hasPinned());
    }

    // __get_user_pages_locked(): FOLL_GET only when pages != NULL; without pages GUP just faults in
    @Test
    void getUserPagesWithoutPagesPopulates() {
        GupFixture f = new GupFixture(Profile.V6_18);
        long a = f.mmapAnon(3, RW);
        GupResult r = f.gup(new GupRequest(get_user_pages, a, 3, WRITE, false, false, null, null));
        assertEquals(3, r.ret());
        assertNull(r.pin());
        assertEquals(1, f.ref(f.pfn(a)), "only the mapping's reference");
    }

    // try_grab_folio(): a large folio gets +1 refcount and +1 _pincount per page
    @Test
    void pinOfThpCountsPincount() {
        GupFixture f = new GupFixture(Profile.V6_18);
        long a = f.mmapThp(1);
        GupResult r = f.gup(pin_user_pages, a, 512, WRITE);
        assertEquals(512, r.ret());
        long head = r.pin().pfns()[0];
        assertTrue(f.k.phys.isLarge(head));
        assertEquals(1 + 512, f.ref(head), "PMD mapping + one per pinned page");
        assertEquals(512, f.pincount(head));
        assertEquals(head + 511, r.pin().pfns()[511]);
        Gup.unpinUserPages(f.k, r.pin().pfns(), 512);
        assertEquals(1, f.ref(head));
        assertEquals(0, f.pincount(head));
    }

    // hugetlb (follow_hugetlb_page / hugetlb_follow_page_mask): the count jumps through the 2 MiB page
    @Test
    void hugetlbPin() {
        GupFixture f = new GupFixture(Profile.V6_18);
        f.k.nrHugepages = 2;
        int fd = f.openFile(f.t, "/mnt/huge/h", FsType.HUGETLBFS, false, HPAGE_SIZE, O_RDWR);
        long a = f.mmapFile(fd, 512, RW, SHARED);
        GupResult r = f.gup(pin_user_pages, a + 10 * PAGE_SIZE, 20, WRITE | LONGTERM);
        assertEquals(20, r.ret());
        long head = f.k.phys.head(r.pin().pfns()[0]);
        assertEquals(head + 10, r.pin().pfns()[0]);
        assertEquals(1 + 1 + 20, f.ref(head), "page cache + PMD mapping + 20 pins");
        assertEquals(20, f.pincount(head));
    }

    // __get_user_pages(): "i ? i : ret" - a hole after some pages gives the partial count
    @Test
    void holeGivesPartialCountOrEfault() {
        GupFixture f = new GupFixture(Profile.V6_18);
        long a = f.mmapAnon(2, RW);
        GupResult r = f.gup(pin_user_pages, a, 4, WRITE);
        assertEquals(2, r.ret());
        assertTrue(f.text(r).contains("i ? i : ret"));
        GupResult e = f.gup(pin_user_pages, a + 2 * PAGE_SIZE, 2, WRITE);
        assertEquals(-14, e.ret());
        assertEquals(Errno.EFAULT, e.errno());
        assertNull(e.pin());
    }

    // check_vma_flags() rule 1: VM_IO | VM_PFNMAP
    @Test
    void deviceMemoryIsRefused() {
        GupFixture f = new GupFixture(Profile.V6_18);
        int fd = f.openDevice("/dev/mmio0");
        long a = f.mmapFile(fd, 4, RW, SHARED);
        GupResult r = f.gup(get_user_pages, a, 1, 0);
        assertEquals(-14, r.ret());
        assertEquals("check_vma_flags", f.lastFn(r));
    }

    // check_vma_flags() rule 2: FOLL_ANON refuses non-anonymous VMAs (CVE-2018-1120)
    @Test
    void follAnon() {
        GupFixture f = new GupFixture(Profile.V6_18);
        int fd = f.openFile(f.t, "/mnt/ext4/a", FsType.EXT4, false, 8 * PAGE_SIZE, O_RDWR);
        long file = f.mmapFile(fd, 2, R, PRIVATE);
        long anon = f.mmapAnon(2, RW);
        assertEquals(-14, f.gup(get_user_pages, file, 1, ANONF).ret());
        assertEquals(1, f.gup(get_user_pages, anon, 1, ANONF).ret());
    }

    // check_vma_flags() rule 3: FOLL_LONGTERM on fsdax is -EOPNOTSUPP
    @Test
    void fsdaxLongterm() {
        GupFixture f = new GupFixture(Profile.V6_18);
        int fd = f.openFile(f.t, "/mnt/pmem/d", FsType.EXT4, true, 8 * PAGE_SIZE, O_RDWR);
        long a = f.mmapFile(fd, 2, RW, SHARED);
        GupResult r = f.gup(pin_user_pages, a, 1, LONGTERM);
        assertEquals(-95, r.ret());
        assertEquals(Errno.EOPNOTSUPP, r.errno());
        assertEquals(1, f.gup(pin_user_pages, a, 1, 0).ret(), "a short-term pin of fsdax is fine");
    }

    // check_vma_flags() rule 4: secretmem is never pinnable
    @Test
    void secretmem() {
        GupFixture f = new GupFixture(Profile.V6_18);
        int fd = f.openFile(f.t, "/secret", FsType.SECRETMEM, false, 4 * PAGE_SIZE, O_RDWR);
        long a = f.mmapFile(fd, 2, RW, SHARED);
        assertEquals(-14, f.gup(get_user_pages, a, 1, 0).ret());
    }

    // check_vma_flags() rule 5 (6.5+, writable_file_mapping_allowed): LONGTERM|WRITE pins of dirty-tracked shared file mappings
    @Test
    void longtermWriteBanOnSharedExt4() {
        for (Profile p : Profile.ALL) {
            GupFixture f = new GupFixture(p);
            int fd = f.openFile(f.t, "/mnt/ext4/f", FsType.EXT4, false, 8 * PAGE_SIZE, O_RDWR);
            long shared = f.mmapFile(fd, 2, RW, SHARED);
            long priv = f.mmapFile(fd, 2, RW, PRIVATE);
            int fd2 = f.openFile(f.t, "/dev/shm/s", FsType.TMPFS, false, 8 * PAGE_SIZE, O_RDWR);
            long shm = f.mmapFile(fd2, 2, RW, SHARED);
            long expect = p.fileBackedLongtermWriteBan() ? -14 : 2;
            assertEquals(expect, f.gup(pin_user_pages, shared, 2, WRITE | LONGTERM).ret(), p.name());
            assertEquals(2, f.gup(pin_user_pages, shared, 2, WRITE).ret(), "short-term: allowed " + p.name());
            assertEquals(2, f.gup(pin_user_pages, shared, 2, LONGTERM).ret(), "read: allowed " + p.name());
            assertEquals(2, f.gup(pin_user_pages, priv, 2, WRITE | LONGTERM).ret(), "private: COW into anon " + p.name());
            assertEquals(2, f.gup(pin_user_pages, shm, 2, WRITE | LONGTERM).ret(), "shmem has no writeback " + p.name());
        }
    }

    // check_vma_flags() rules 6 and 8 plus can_follow_write_pte(): FOLL_FORCE writes through a private COW copy
    @Test
    void forceWriteToReadOnlyPrivateMapping() {
        GupFixture f = new GupFixture(Profile.V6_18);
        long a = f.mmapAnon(1, R);
        assertEquals(-14, f.gup(get_user_pages, a, 1, WRITE).ret());
        GupResult r = f.gup(get_user_pages, a, 1, WRITE | FORCE);
        assertEquals(1, r.ret());
        long pfn = r.pin().pfns()[0];
        assertTrue(f.k.phys.testPageFlag(pfn, PG_ANON_EXCLUSIVE));
        assertFalse(Pte.write(f.pte(f.t, a)), "the PTE stays read-only: only GUP may write (ptrace-style)");
        int fd = f.openFile(f.t, "/mnt/ext4/ro", FsType.EXT4, false, 4 * PAGE_SIZE, O_RDWR);
        long shared = f.mmapFile(fd, 1, R, SHARED);
        assertEquals(-14, f.gup(get_user_pages, shared, 1, WRITE | FORCE).ret(), "rule 8: shared mappings are not COW");
    }

    // check_vma_flags() rules 9, 10: reading PROT_NONE needs FOLL_FORCE (VM_MAYREAD is set by mmap)
    @Test
    void readProtNone() {
        GupFixture f = new GupFixture(Profile.V6_18);
        long a = f.mmapAnon(1, 0);
        assertEquals(-14, f.gup(get_user_pages, a, 1, 0).ret());
        assertEquals(1, f.gup(get_user_pages, a, 1, FORCE).ret());
    }

    // check_vma_flags() rule 7 (up to 6.8): hugetlb FOLL_FORCE writes to read-only mappings; 3b (6.11+): SPLIT_PMD on hugetlb
    @Test
    void hugetlbForceWriteAndSplitPmd() {
        for (Profile p : Profile.ALL) {
            GupFixture f = new GupFixture(p);
            f.k.nrHugepages = 4;
            int fd = f.openFile(f.t, "/mnt/huge/r", FsType.HUGETLBFS, false, HPAGE_SIZE, O_RDWR);
            long a = f.mmapFile(fd, 512, R, PRIVATE);
            long r = f.gup(get_user_pages, a, 1, WRITE | FORCE).ret();
            assertEquals(p.hugetlbForceWriteRejected() ? -14 : 1, r, p.name());
            long s = f.gup(get_user_pages, a, 1, SPLIT_PMD).ret();
            assertEquals(p.hugetlbForceWriteRejected() ? 1 : -95, s, p.name());
        }
    }

    // seed patch 4/7: FOLL_SAME_FILE, -EFAULT on a vm_file change (partial count after the first VMA)
    @Test
    void seedSameFile() {
        GupFixture f = new GupFixture(Profile.SEED);
        int fd = f.openFile(f.t, "/mnt/ext4/s", FsType.EXT4, false, 8 * PAGE_SIZE, O_RDWR);
        long file = f.mmapFile(fd, 2, RW, PRIVATE);
        long anon = f.mmapAnon(2, RW); // placed right below the file mapping
        assertEquals(file, anon + 2 * PAGE_SIZE);
        GupResult r = f.gup(pin_user_pages, anon, 4, WRITE | LONGTERM | BIT12);
        assertEquals(2, r.ret(), "the anon pages, then the file VMA fails the same-file check");
        assertTrue(f.text(r).contains("FOLL_SAME_FILE"));
        assertEquals(4, f.gup(pin_user_pages, anon, 4, WRITE | LONGTERM).ret(), "without the flag both VMAs pin");
        assertEquals(2, f.gup(pin_user_pages, file, 2, WRITE | LONGTERM | BIT12).ret(), "one VMA: same file");
    }

    // __get_user_pages(): 6.3 find_extend_vma() expands the stack; 6.4.y+ gup_vma_lookup() refuses
    @Test
    void stackExpansion() {
        for (Profile p : Profile.ALL) {
            GupFixture f = new GupFixture(p);
            Vma stack = f.t.mm.findVma(Mm.STACK_TOP - 1);
            long below = stack.start - PAGE_SIZE;
            GupResult r = f.gup(get_user_pages, below, 1, WRITE);
            if (p.gupExpandsStack()) {
                assertEquals(1, r.ret(), p.name());
                assertEquals(below, f.t.mm.findVma(Mm.STACK_TOP - 1).start);
            } else {
                assertEquals(-14, r.ret(), p.name());
                assertTrue(f.k.log.text().contains("GUP no longer grows the stack"), p.name());
            }
        }
    }

    // faultin_page(): FOLL_NOFAULT never faults
    @Test
    void noFault() {
        GupFixture f = new GupFixture(Profile.V6_18);
        long a = f.mmapAnon(2, RW);
        GupResult r = f.gup(pin_user_pages, a, 2, WRITE | NOFAULT);
        assertEquals(-14, r.ret());
        assertEquals("faultin_page", f.lastFn(r));
        f.touch(a, 1, true);
        assertEquals(1, f.gup(pin_user_pages, a, 2, WRITE | NOFAULT).ret());
    }

    // faultin_page(): FOLL_NOWAIT -> FAULT_FLAG_RETRY_NOWAIT; a page-cache miss returns VM_FAULT_RETRY -> -EBUSY -> 0
    @Test
    void noWaitOnPageCacheMiss() {
        for (Profile p : new Profile[]{Profile.V6_3, Profile.V6_18}) {
            GupFixture f = new GupFixture(p);
            int fd = f.openFile(f.t, "/mnt/ext4/n", FsType.EXT4, false, 4 * PAGE_SIZE, O_RDWR);
            long a = f.mmapFile(fd, 2, R, PRIVATE);
            GupResult r = f.gup(get_user_pages, a, 2, NOWAIT);
            assertEquals(0, r.ret(), "with FOLL_NOWAIT even 6.7+ may return 0");
            assertTrue(r.warnings().isEmpty());
            assertEquals(1, f.gup(get_user_pages, a, 2, NOWAIT).ret(), "the first page is cached now; the second starts I/O");
            assertEquals(2, f.gup(get_user_pages, a, 2, NOWAIT).ret(), "both cached");
        }
    }

    // __get_user_pages_locked() with FOLL_UNLOCKABLE: a fault that waits for I/O drops mmap_lock
    // (VM_FAULT_RETRY, *locked = 0); GUP re-takes it and retries that page with FOLL_TRIED
    @Test
    void unlockableRetriesWithFollTried() {
        GupFixture f = new GupFixture(Profile.V6_18);
        int fd = f.openFile(f.t, "/mnt/ext4/io", FsType.EXT4, false, 8 * PAGE_SIZE, O_RDWR);
        long a = f.mmapFile(fd, 3, R, PRIVATE);
        GupResult r = f.gup(get_user_pages_unlocked, a, 3, 0);
        assertEquals(3, r.ret());
        assertTrue(f.text(r).contains("3 time(s) a fault dropped mmap_lock"), f.text(r));
        assertEquals(Pte.pfn(f.pte(f.t, a + 2 * PAGE_SIZE)), r.pin().pfns()[2]);
        long b = f.mmapFile(fd, 3, R, PRIVATE);
        GupResult p = f.gup(pin_user_pages, b + 0, 3, 0);
        assertEquals(3, p.ret());
        assertFalse(f.text(p).contains("dropped mmap_lock"), "pin_user_pages: caller holds the lock, it is never dropped");
        int fd2 = f.openFile(f.t, "/mnt/ext4/io2", FsType.EXT4, false, 8 * PAGE_SIZE, O_RDWR);
        long c = f.mmapFile(fd2, 2, R, PRIVATE);
        GupResult q = f.gup(new GupRequest(get_user_pages_remote, c, 2, 0, true, false, 1, null));
        assertEquals(2, q.ret());
        assertTrue(f.text(q).contains("FOLL_TRIED"));
    }

    // follow_page_pte() / no_page_table(): FOLL_DUMP refuses holes in anon VMAs and the zero page
    @Test
    void dump() {
        GupFixture f = new GupFixture(Profile.V6_18);
        long a = f.mmapAnon(3, RW);
        assertEquals(-14, f.gup(get_user_pages, a, 1, DUMP).ret(), "hole");
        f.touch(a + PAGE_SIZE, 1, false);
        assertEquals(ZERO_PFN, f.pfn(a + PAGE_SIZE));
        assertEquals(-14, f.gup(get_user_pages, a + PAGE_SIZE, 1, DUMP).ret(), "zero page");
        f.touch(a + 2 * PAGE_SIZE, 1, true);
        assertEquals(1, f.gup(get_user_pages, a + 2 * PAGE_SIZE, 1, DUMP).ret());
    }

    // follow_page_pte(): a special PTE without struct page is -EEXIST with pages, skipped without
    @Test
    void specialPteIsEexist() {
        GupFixture f = new GupFixture(Profile.V6_18);
        long a = f.mmapAnon(2, RW);
        f.vma(a).flags |= VmFlag.VM_MIXEDMAP_B;
        f.t.mm.ptes.set(a >>> PAGE_SHIFT, Pte.mk(0x1005, Pte.SPECIAL | Pte.WRITE));
        assertEquals(-17, f.gup(get_user_pages, a, 2, WRITE).ret());
        assertEquals(2, f.gup(new GupRequest(get_user_pages, a, 2, WRITE, false, false, null, null)).ret());
    }

    // try_grab_page(): the zero page - 6.3/6.4 count it, 6.5+ pins are no-ops
    @Test
    void zeroPagePin() {
        for (Profile p : Profile.ALL) {
            GupFixture f = new GupFixture(p);
            long a = f.mmapAnon(2, RW);
            int before = f.ref(ZERO_PFN);
            GupResult r = f.gup(pin_user_pages, a, 2, 0);
            assertEquals(2, r.ret());
            assertEquals(ZERO_PFN, r.pin().pfns()[0]);
            assertEquals(before + (p.zeroPagePinNoop() ? 0 : 2 * 1024), f.ref(ZERO_PFN), p.name());
            Pins.release(f.k, r.pin().id(), PinRelease.unpin_user_pages, false);
            assertEquals(before, f.ref(ZERO_PFN), p.name());
        }
    }

    // gup_must_unshare(): a LONGTERM read pin in a COW mapping may not pin the shared zero page: unshare
    @Test
    void longtermReadPinUnsharesZeroPage() {
        GupFixture f = new GupFixture(Profile.V6_18);
        long a = f.mmapAnon(1, RW);
        f.touch(a, 1, false);
        GupResult r = f.gup(pin_user_pages, a, 1, LONGTERM);
        long pfn = r.pin().pfns()[0];
        assertNotEquals(ZERO_PFN, pfn);
        assertTrue(f.k.phys.testPageFlag(pfn, PG_ANON_EXCLUSIVE));
        assertFalse(Pte.write(f.pte(f.t, a)), "unshare keeps the PTE read-only");
        assertEquals(1025, f.ref(pfn));
        assertTrue(f.text(r).contains("unshared"));
    }

    // gup_must_unshare(): a FOLL_LONGTERM read pin of page cache in a private (COW) mapping unshares
    // it into an exclusive anon copy; a short-term pin, or a shared mapping, pins the cache page itself
    @Test
    void longtermReadPinUnsharesPageCacheInPrivateMapping() {
        GupFixture f = new GupFixture(Profile.V6_18);
        int fd = f.openFile(f.t, "/mnt/ext4/pc", FsType.EXT4, false, 4 * PAGE_SIZE, O_RDWR);
        long priv = f.mmapFile(fd, 1, R, PRIVATE);
        f.touch(priv, 1, false);
        long cache = f.pfn(priv);
        assertEquals(cache, f.k.inodes.get("/mnt/ext4/pc").pageCache.get(0));
        assertEquals(cache, f.gup(pin_user_pages, priv, 1, 0).pin().pfns()[0], "short-term: the cache page");
        long pinned = f.gup(pin_user_pages, priv, 1, LONGTERM).pin().pfns()[0];
        assertNotEquals(cache, pinned);
        assertTrue(f.k.phys.testPageFlag(pinned, PG_ANON_EXCLUSIVE));
        assertEquals(pinned, f.pfn(priv));
        long shared = f.mmapFile(fd, 1, R, SHARED);
        f.touch(shared, 1, false);
        assertEquals(cache, f.gup(pin_user_pages, shared, 1, LONGTERM).pin().pfns()[0], "shared mapping: not a COW mapping");
    }

    // gup_must_unshare(): a pin of a non-exclusive anon page (e.g. shared with a fork child) unshares it; FOLL_GET does not
    @Test
    void pinUnsharesNonExclusiveAnon() {
        GupFixture f = new GupFixture(Profile.V6_18);
        long a = f.mmapAnon(1, RW);
        f.touch(a, 1, true);
        long old = f.pfn(a);
        // what fork does to an unpinned exclusive anon page: share it read-only with the child
        f.k.phys.setPageFlag(old, PG_ANON_EXCLUSIVE, false);
        f.t.mm.ptes.set(a >>> PAGE_SHIFT, Pte.wrprotect(f.t.mm.ptes.get(a >>> PAGE_SHIFT)));
        f.k.phys.refAdd(old, 1);
        f.k.phys.mapcountAdd(old, 1);
        GupResult g = f.gup(get_user_pages, a, 1, 0);
        assertEquals(old, g.pin().pfns()[0], "FOLL_GET never unshares");
        Pins.release(f.k, g.pin().id(), PinRelease.put_page, false);
        GupResult r = f.gup(pin_user_pages, a, 1, 0);
        long nw = r.pin().pfns()[0];
        assertNotEquals(old, nw);
        assertEquals(1, f.ref(old), "the child's mapping only");
        assertEquals(1025, f.ref(nw));
        assertEquals(0x1000, f.k.phys.value(nw), "contents copied");
    }

    // FOLL_WRITE on a read-only PTE in a writable private mapping: write fault breaks COW
    @Test
    void writePinBreaksCow() {
        GupFixture f = new GupFixture(Profile.V6_18);
        long a = f.mmapAnon(1, RW);
        f.touch(a, 1, false); // zero page mapped read-only
        GupResult r = f.gup(pin_user_pages, a, 1, WRITE);
        long pfn = r.pin().pfns()[0];
        assertNotEquals(ZERO_PFN, pfn);
        assertTrue(Pte.write(f.pte(f.t, a)));
    }

    // __get_user_pages_locked(): 6.7+ returns 0 at once for nr_pages == 0 (before MMF_HAS_PINNED)
    @Test
    void zeroPages() {
        for (Profile p : Profile.ALL) {
            GupFixture f = new GupFixture(p);
            long a = f.mmapAnon(1, RW);
            GupResult r = f.gup(pin_user_pages, a, 0, WRITE);
            assertEquals(0, r.ret());
            assertNull(r.pin());
            assertEquals(!p.zeroResultIsEfault(), f.t.mm.hasPinned(), p.name());
        }
    }

    // pin_user_pages_remote(): walks the target's mm with FOLL_REMOTE
    @Test
    void remote() {
        GupFixture f = new GupFixture(Profile.V6_18);
        Task other = f.k.createTask(1, "victim", 1000, false, 8 << 20);
        long a = Mmap.doMmap(f.k, other, 0, 2 * PAGE_SIZE, RW, PRIVATE | ANON, -1, 0).ret();
        GupResult r = f.gup(new GupRequest(pin_user_pages_remote, a, 2, WRITE, true, false, 1, other.pid));
        assertEquals(2, r.ret());
        assertEquals(other.pid, r.pin().pid());
        assertEquals(Pte.pfn(f.pte(other, a)), r.pin().pfns()[0]);
        assertTrue(other.mm.hasPinned());
        assertFalse(f.t.mm.hasPinned());
        assertEquals(2, f.gup(new GupRequest(get_user_pages_remote, a, 2, 0, true, false, null, other.pid)).ret());
    }

    // *_unlocked: GUP takes mmap_lock itself; FOLL_TOUCH (in to_set) marks the page accessed and dirty on write
    @Test
    void unlockedVariantsTouch() {
        GupFixture f = new GupFixture(Profile.V6_18);
        int fd = f.openFile(f.t, "/dev/shm/t", FsType.TMPFS, false, 4 * PAGE_SIZE, O_RDWR);
        long a = f.mmapFile(fd, 2, RW, SHARED);
        f.touch(a, 1, false);
        long pfn = f.pfn(a);
        assertFalse(f.k.phys.testPageFlag(pfn, PG_REFERENCED));
        assertEquals(1, f.gup(get_user_pages_unlocked, a, 1, WRITE).ret());
        assertTrue(f.k.phys.testPageFlag(pfn, PG_REFERENCED));
        assertTrue(f.k.phys.testPageFlag(pfn, PG_DIRTY));
        assertEquals(2, f.gup(pin_user_pages_unlocked, a, 2, WRITE | LONGTERM).ret());
    }

    // faultin_page(): VM_FAULT_SIGBUS (file page beyond EOF) -> -EFAULT
    @Test
    void sigbusBeyondEof() {
        GupFixture f = new GupFixture(Profile.V6_18);
        int fd = f.openFile(f.t, "/mnt/ext4/short", FsType.EXT4, false, PAGE_SIZE, O_RDWR);
        long a = f.mmapFile(fd, 3, R, PRIVATE);
        GupResult r = f.gup(get_user_pages, a, 3, 0);
        assertEquals(1, r.ret());
        assertEquals(-14, f.gup(get_user_pages, a + PAGE_SIZE, 1, 0).ret());
    }
}
