package io.pinlab.kernel.mm;

import io.pinlab.kernel.Lab;
import io.pinlab.kernel.Views;
import io.pinlab.kernel.fs.Memfd;
import org.junit.jupiter.api.Test;

import static io.pinlab.kernel.Lab.*;
import static org.junit.jupiter.api.Assertions.*;

/** User access (arch/x86/mm/fault.c), faults and COW (mm/memory.c), fork (kernel/fork.c) and exit. */
class AccessForkTest {
    final Lab lab = new Lab();
    final PhysMem phys = lab.k.phys;

    long pfnAt(Task t, long addr) { return Pte.pfn(Memory.followPte(t.mm, addr)); }

    Task fork() { return lab.k.task((int) assertOk(Fork.copyProcess(lab.k, lab.t))); }

    // ---------------------------------------------------------------- access

    @Test void readMapsZeroPageThenWriteAllocates() { // do_anonymous_page(): read -> zero page; write -> do_wp_page() copy
        long a = lab.anon(PAGE, RW);
        AccessResult r = lab.read(lab.t, a, 8);
        assertEquals(1, r.faults());
        assertEquals(PhysMem.ZERO_PFN, pfnAt(lab.t, a));
        AccessResult w = lab.write(lab.t, a, 8, 77);
        assertEquals(1, w.faults());
        assertNotEquals(PhysMem.ZERO_PFN, pfnAt(lab.t, a));
        assertEquals(77L, lab.read(lab.t, a, 8).values().get(0));
    }

    @Test void unmappedIsMaperr() { // do_user_addr_fault(): no VMA -> SIGSEGV SEGV_MAPERR at the address
        AccessResult r = lab.read(lab.t, 0x10000010L, 4);
        assertEquals("SIGSEGV", r.signal());
        assertEquals("SEGV_MAPERR", r.siCode());
        assertEquals(0x10000010L, r.faultAddr());
        assertEquals(0, r.ret());
    }

    @Test void writeToReadOnlyIsAccerr() { // access_error(): write without VM_WRITE
        long a = lab.anon(2 * PAGE, PROT_READ);
        AccessResult r = lab.write(lab.t, a, 8, 1);
        assertEquals("SEGV_ACCERR", r.siCode());
    }

    @Test void writeOnlyImpliesRead() { // x86 access_error(): reads only need VM_READ|VM_WRITE|VM_EXEC
        long a = lab.anon(PAGE, PROT_WRITE);
        assertTrue(lab.read(lab.t, a, 8).ok());
    }

    @Test void accessStopsAtFirstSignal() { // the second page is unmapped: ret counts the bytes before it
        long a = lab.anon(2 * PAGE, RW);
        assertOk(lab.munmap(a + PAGE, PAGE));
        AccessResult r = lab.write(lab.t, a, 2 * PAGE, 3);
        assertEquals(PAGE, r.ret());
        assertEquals(a + PAGE, r.faultAddr());
    }

    @Test void thpAfterMadvHugepage() { // do_huge_pmd_anonymous_page(): VM_HUGEPAGE and a PMD-aligned range inside the VMA
        long a = assertOk(lab.mmap(0, 4 * HUGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
        assertOk(lab.madvise(a, 4 * HUGE, 14));
        long h = (a + HUGE - 1) & ~(HUGE - 1);
        AccessResult r = lab.write(lab.t, h, HUGE, 5);
        assertEquals(1, r.faults(), "one fault maps the whole 2 MiB folio");
        assertTrue(Memory.pmdMapped(lab.t.mm, h));
        assertEquals(PhysMem.HPAGE_ORDER, phys.order(pfnAt(lab.t, h + PAGE)));
    }

    @Test void growsdownExtendsOnAccess() { // expand_stack(): an access just below a VM_GROWSDOWN VMA grows it
        long a = assertOk(lab.mmap(0, PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0));
        assertTrue(lab.write(lab.t, a - PAGE, 8, 1).ok());
        assertEquals(a - PAGE, lab.t.mm.vmaLookup(a).start);
    }

    @Test void forcedWriteFaultOnReadOnlyVmaStaysReadOnly() { // maybe_mkwrite(): no write bit without VM_WRITE (FOLL_FORCE path)
        long a = lab.anon(PAGE, PROT_READ);
        assertEquals(0, Memory.handleMmFault(lab.k, lab.t.mm, lab.t.mm.vmaLookup(a), a, Memory.FAULT_FLAG_WRITE));
        long pte = Memory.followPte(lab.t.mm, a);
        assertTrue(Pte.present(pte));
        assertFalse(Pte.write(pte));
        assertTrue(phys.testPageFlag(Pte.pfn(pte), PhysMem.PG_ANON_EXCLUSIVE), "a private anonymous copy (COW done)");
    }

    @Test void unshareOfExclusiveThpKeepsThePmd() { // do_huge_pmd_wp_page(): PageAnonExclusive -> reuse, unshare returns 0
        long a = assertOk(lab.mmap(0, 2 * HUGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
        assertOk(lab.madvise(a, 2 * HUGE, 14));
        long h = (a + HUGE - 1) & ~(HUGE - 1);
        assertTrue(lab.write(lab.t, h, 8, 1).ok());
        assertOk(lab.mprotect(h, HUGE, PROT_READ));
        assertEquals(0, Memory.handleMmFault(lab.k, lab.t.mm, lab.t.mm.vmaLookup(h), h, Memory.FAULT_FLAG_UNSHARE));
        assertTrue(Memory.pmdMapped(lab.t.mm, h));
    }

    // ---------------------------------------------------------------- fork

    @Test void forkSharesAnonPagesCopyOnWrite() { // copy_present_pte(): both PTEs read-only, PageAnonExclusive cleared, +1 ref/map
        long a = lab.anon(PAGE, RW);
        assertTrue(lab.write(lab.t, a, 8, 11).ok());
        long seq = lab.t.mm.writeProtectSeq;
        Task c = fork();
        long pfn = pfnAt(lab.t, a);
        assertEquals(pfn, pfnAt(c, a));
        assertEquals(2, phys.refcount(pfn));
        assertEquals(2, phys.mapcount(pfn));
        assertFalse(phys.testPageFlag(pfn, PhysMem.PG_ANON_EXCLUSIVE));
        assertFalse(Pte.write(Memory.followPte(lab.t.mm, a)));
        assertFalse(Pte.write(Memory.followPte(c.mm, a)));
        assertEquals(seq + 2, lab.t.mm.writeProtectSeq);
        assertEquals(lab.t.pid, c.ppid);
    }

    @Test void writeBreaksCow() { // do_wp_page() -> wp_page_copy() in the child; the parent then reuses its page
        long a = lab.anon(PAGE, RW);
        assertTrue(lab.write(lab.t, a, 8, 11).ok());
        Task c = fork();
        long pfn = pfnAt(lab.t, a);
        assertTrue(lab.write(c, a, 8, 22).ok());
        assertNotEquals(pfn, pfnAt(c, a));
        assertEquals(11L, lab.read(lab.t, a, 8).values().get(0));
        assertEquals(22L, lab.read(c, a, 8).values().get(0));
        assertEquals(1, phys.refcount(pfn));
        AccessResult w = lab.write(lab.t, a, 8, 33);
        assertEquals(1, w.faults());
        assertEquals(pfn, pfnAt(lab.t, a), "wp_can_reuse_anon_folio(): refcount 1, reused");
    }

    @Test void pinnedExclusivePageIsCopiedAtFork() { // folio_needs_cow_for_dma() -> copy_present_page()
        long a = lab.anon(PAGE, RW);
        assertTrue(lab.write(lab.t, a, 8, 11).ok());
        long pfn = pfnAt(lab.t, a);
        phys.refAdd(pfn, PhysMem.GUP_PIN_COUNTING_BIAS); // what pin_user_pages() adds
        lab.t.mm.flags |= Mm.MMF_HAS_PINNED;
        Task c = fork();
        long cp = pfnAt(c, a);
        assertNotEquals(pfn, cp, "the child got its own copy");
        assertEquals(11L, phys.value(cp));
        assertTrue(Pte.write(Memory.followPte(lab.t.mm, a)), "the parent keeps its page writable");
        assertTrue(phys.testPageFlag(pfn, PhysMem.PG_ANON_EXCLUSIVE));
        assertTrue(Pte.write(Memory.followPte(c.mm, a)));
        assertEquals(0, lab.write(lab.t, a, 8, 12).faults(), "no COW fault in the parent: the pinned page stays");
        assertEquals(1 + PhysMem.GUP_PIN_COUNTING_BIAS, phys.refcount(pfn));
    }

    @Test void pinnedWithoutHasPinnedIsCow() { // folio_needs_cow_for_dma(): MMF_HAS_PINNED unset -> plain COW
        long a = lab.anon(PAGE, RW);
        assertTrue(lab.write(lab.t, a, 8, 11).ok());
        long pfn = pfnAt(lab.t, a);
        phys.refAdd(pfn, PhysMem.GUP_PIN_COUNTING_BIAS);
        Task c = fork();
        assertEquals(pfn, pfnAt(c, a));
    }

    @Test void pinnedThpIsSplitAndCopied() { // copy_huge_pmd(): maybe-pinned anon THP split, then copy_present_page() per page
        long a = assertOk(lab.mmap(0, 2 * HUGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
        assertOk(lab.madvise(a, 2 * HUGE, 14));
        long h = (a + HUGE - 1) & ~(HUGE - 1);
        assertTrue(lab.write(lab.t, h, HUGE, 5).ok());
        long head = pfnAt(lab.t, h);
        phys.pincountAdd(head, 1);
        phys.refAdd(head, 1);
        lab.t.mm.flags |= Mm.MMF_HAS_PINNED;
        Task c = fork();
        assertFalse(Memory.pmdMapped(lab.t.mm, h), "the parent's PMD was split");
        assertNotEquals(head + 3, pfnAt(c, h + 3 * PAGE));
        assertEquals(5L, phys.value(pfnAt(c, h + 3 * PAGE)));
    }

    @Test void dontforkIsNotCopied() { // dup_mmap(): VM_DONTCOPY VMAs are skipped
        long a = lab.anon(PAGE, RW);
        assertOk(lab.madvise(a, PAGE, 10));
        Task c = fork();
        assertNull(c.mm.vmaLookup(a));
    }

    @Test void wipeonforkIsEmptyInChild() { // dup_mmap(): VM_WIPEONFORK copied without its pages
        long a = lab.anon(PAGE, RW);
        assertTrue(lab.write(lab.t, a, 8, 11).ok());
        assertOk(lab.madvise(a, PAGE, 18));
        Task c = fork();
        assertNotNull(c.mm.vmaLookup(a));
        assertEquals(0L, lab.read(c, a, 8).values().get(0));
        assertEquals(11L, lab.read(lab.t, a, 8).values().get(0));
    }

    @Test void sharedMappingSharesPages() { // MAP_SHARED: the child faults the same page-cache page
        long a = assertOk(lab.mmap(0, PAGE, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
        assertTrue(lab.write(lab.t, a, 8, 11).ok());
        Task c = fork();
        assertTrue(lab.write(c, a, 8, 22).ok());
        assertEquals(22L, lab.read(lab.t, a, 8).values().get(0));
        assertEquals(pfnAt(lab.t, a), pfnAt(c, a));
    }

    @Test void forkSharesFiles() { // dup_fd(): same struct file, one more reference
        int fd = lab.open("/dev/shm/f", O_CREAT | O_RDWR, PAGE);
        Task c = fork();
        assertSame(lab.t.fds.get(fd), c.fds.get(fd));
        assertEquals(2, lab.t.fds.get(fd).refs);
    }

    @Test void hugetlbPrivatePinnedIsCopied() { // copy_hugetlb_page_range(): hugetlb_try_dup_anon_rmap() fails -> copy
        assertOk(lab.sysctl("vm.nr_hugepages", 4));
        long a = assertOk(lab.mmap(0, HUGE, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0));
        assertTrue(lab.write(lab.t, a, HUGE, 9).ok());
        long head = pfnAt(lab.t, a);
        phys.pincountAdd(head, 1);
        phys.refAdd(head, 1);
        lab.t.mm.flags |= Mm.MMF_HAS_PINNED;
        Task c = fork();
        assertNotEquals(head, pfnAt(c, a));
        assertEquals(9L, phys.value(pfnAt(c, a + PAGE)));
        assertTrue(Pte.write(Memory.followPte(lab.t.mm, a)));
    }

    @Test void hugetlbPrivateReadIsAnonymousNotPageCache() { // hugetlb_no_page(): !VM_MAYSHARE -> hugetlb_add_new_anon_rmap(), no page cache
        assertOk(lab.sysctl("vm.nr_hugepages", 1));
        int fd = lab.open("/mnt/huge/h", O_CREAT | O_RDWR, HUGE);
        long a = assertOk(lab.mmap(0, HUGE, PROT_READ, MAP_PRIVATE, fd, 0));
        assertTrue(lab.read(lab.t, a, 8).ok());
        assertTrue(phys.testPageFlag(pfnAt(lab.t, a), PhysMem.PG_ANON));
        assertEquals(0, lab.t.fds.get(fd).inode().pageCache.count());
        assertFalse(Pte.write(Memory.followPte(lab.t.mm, a)));
    }

    // ---------------------------------------------------------------- exit

    @Test void exitReturnsEveryFrame() { // exit_mmap() + exit_files(): nothing stays allocated but pinned frames
        long before = phys.usedFrames(Zone.NORMAL);
        long a = lab.anon(8 * PAGE, RW);
        assertTrue(lab.write(lab.t, a, 8 * PAGE, 1).ok());
        int fd = (int) assertOk(Memfd.memfdCreate(lab.k, lab.t, "buf", 0, 4 * PAGE));
        long m = assertOk(lab.mmap(0, 4 * PAGE, RW, MAP_SHARED, fd, 0));
        assertTrue(lab.write(lab.t, m, 4 * PAGE, 2).ok());
        Task c = fork();
        assertTrue(lab.write(c, a, 8 * PAGE, 3).ok());
        lab.exit(c);
        lab.exit(lab.t);
        assertEquals(before, phys.usedFrames(Zone.NORMAL));
        assertTrue(lab.k.tasks.isEmpty());
    }

    @Test void pinnedFrameOutlivesExit() { // the pin's reference keeps the folio after the last mapping goes
        long before = phys.usedFrames(Zone.NORMAL);
        long a = lab.anon(PAGE, RW);
        assertTrue(lab.write(lab.t, a, 8, 1).ok());
        long pfn = pfnAt(lab.t, a);
        phys.refAdd(pfn, PhysMem.GUP_PIN_COUNTING_BIAS);
        lab.exit(lab.t);
        assertEquals(before + 1, phys.usedFrames(Zone.NORMAL));
        assertEquals(PhysMem.GUP_PIN_COUNTING_BIAS, phys.refcount(pfn));
        phys.refAdd(pfn, -PhysMem.GUP_PIN_COUNTING_BIAS);
        assertEquals(before, phys.usedFrames(Zone.NORMAL));
    }

    @Test void statusCounters() { // /proc/PID/status VmSize, VmRSS
        long a = lab.anon(4 * PAGE, RW);
        assertTrue(lab.write(lab.t, a, 2 * PAGE, 1).ok());
        Views.Status s = Views.status(lab.k, lab.t);
        assertEquals(8, s.vmRssKb());
        assertEquals(132 + 16, s.vmSizeKb());
    }
}
