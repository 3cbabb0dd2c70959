package io.pinlab.kernel.mm;

import io.pinlab.kernel.Kernel;
import io.pinlab.kernel.Lab;
import io.pinlab.kernel.fs.Inode;
import org.junit.jupiter.api.Test;

import static io.pinlab.kernel.Lab.*;
import static io.pinlab.kernel.mm.Memory.*;
import static io.pinlab.kernel.mm.PhysMem.*;
import static org.assertj.core.api.Assertions.assertThat;

/** The page-state conventions of mm/memory.c that GUP, fork and io_uring rely on. */
class FaultConventionsTest {
    private final Lab lab = new Lab();
    private final Kernel k = lab.k;
    private final Task t = lab.t;

    private long mmapAnon(long len) { return lab.anon(len); }

    @Test
    void readFaultOnAnonymousMemoryMapsTheSharedZeroPage() {
        // do_anonymous_page(): a read fault without FAULT_FLAG_WRITE maps ZERO_PAGE read-only
        long a = mmapAnon(PAGE_SIZE);
        assertThat(handleMmFault(k, t.mm, t.mm.vmaLookup(a), a, 0)).isEqualTo(VM_FAULT_OK);
        long pte = followPte(t.mm, a);
        assertThat(Pte.pfn(pte)).isEqualTo(ZERO_PFN);
        assertThat(Pte.write(pte)).isFalse();
        assertThat(Pte.special(pte)).isTrue();
        assertThat(k.phys.usedFrames(Zone.NORMAL)).isZero();
    }

    @Test
    void writeFaultAllocatesAnExclusiveAnonPageWithOneRefAndOneMap() {
        long a = mmapAnon(PAGE_SIZE);
        handleMmFault(k, t.mm, t.mm.vmaLookup(a), a, 0);
        // write after read: do_wp_page() on the zero page copies into a fresh anon page
        assertThat(handleMmFault(k, t.mm, t.mm.vmaLookup(a), a, FAULT_FLAG_WRITE)).isEqualTo(VM_FAULT_OK);
        long pfn = Pte.pfn(followPte(t.mm, a));
        assertThat(pfn).isNotEqualTo(ZERO_PFN);
        assertThat(k.phys.refcount(pfn)).isEqualTo(1);
        assertThat(k.phys.mapcount(pfn)).isEqualTo(1);
        assertThat(k.phys.testPageFlag(pfn, PG_ANON_EXCLUSIVE)).isTrue();
        assertThat(t.mm.rssAnon).isEqualTo(1);
    }

    @Test
    void privateFileWriteBreaksCowIntoAnonymousMemory() {
        // do_cow_fault(): a write fault on a MAP_PRIVATE file page copies it into an anon page;
        // the page cache keeps the original
        int fd = lab.open("/dev/shm/f", O_CREAT | O_RDWR, PAGE_SIZE);
        Inode in = t.fds.get(fd).inode();
        long a = lab.map(PAGE_SIZE, RW, MAP_PRIVATE, fd);
        Vma vma = t.mm.vmaLookup(a);
        handleMmFault(k, t.mm, vma, a, 0);
        long cached = in.pageCache.get(0);
        assertThat(Pte.pfn(followPte(t.mm, a))).isEqualTo(cached);
        assertThat(k.phys.refcount(cached)).isEqualTo(2); // page cache + mapping
        lab.storeInFile(fd, 0, 7);
        handleMmFault(k, t.mm, vma, a, FAULT_FLAG_WRITE);
        long anon = Pte.pfn(followPte(t.mm, a));
        assertThat(anon).isNotEqualTo(cached);
        assertThat(k.phys.value(anon)).isEqualTo(7);
        assertThat(k.phys.refcount(cached)).isEqualTo(1); // only the page cache now
        assertThat(k.phys.mapping(anon)).isEqualTo(ANON_MAPPING);
    }

    @Test
    void pastEndOfFileIsSigbus() {
        // filemap_fault(): an index at or beyond i_size is VM_FAULT_SIGBUS
        int fd = lab.open("/dev/shm/g", O_CREAT | O_RDWR, PAGE_SIZE);
        long a = lab.map(2 * PAGE_SIZE, RW, MAP_SHARED, fd);
        assertThat(handleMmFault(k, t.mm, t.mm.vmaLookup(a), a + PAGE_SIZE, 0)).isEqualTo(VM_FAULT_SIGBUS);
    }

    @Test
    void thpInMadvHugepageRangeIsOneLargeFolioAndSplitsOnPartialZap() {
        long a = mmapAnon(2 * HPAGE_SIZE);
        assertOk(lab.madvise(a, 2 * HPAGE_SIZE, MADV_HUGEPAGE));
        Vma vma = t.mm.vmaLookup(a);
        long h = (a + HPAGE_SIZE - 1) & ~(HPAGE_SIZE - 1);
        handleMmFault(k, t.mm, vma, h + 5 * PAGE_SIZE, FAULT_FLAG_WRITE);
        long head = Pte.pfn(t.mm.pmds.get(h >>> 21));
        assertThat(k.phys.order(head)).isEqualTo(HPAGE_ORDER);
        assertThat(Pte.pfn(followPte(t.mm, h + 5 * PAGE_SIZE))).isEqualTo(head + 5);
        assertThat(k.phys.refcount(head)).isEqualTo(1);
        // zap one page: the PMD is split into 512 PTEs, 511 remain mapped
        zapRange(k, t.mm, vma, h, h + PAGE_SIZE);
        assertThat(pmdMapped(t.mm, h)).isFalse();
        assertThat(k.phys.refcount(head)).isEqualTo(HPAGE_NR - 1);
        assertThat(k.phys.mapcount(head)).isEqualTo(HPAGE_NR - 1);
        zapRange(k, t.mm, vma, vma.start, vma.end);
        assertThat(k.phys.usedFrames(Zone.NORMAL)).isZero();
    }

    @Test
    void hugetlbFaultTakesFromThePoolAndSigbusWhenEmpty() {
        int fd = lab.open("/mnt/huge/h", O_CREAT | O_RDWR, HPAGE_SIZE);
        Inode in = t.fds.get(fd).inode();
        // a shared hugetlb mapping of an empty pool: MAP_NORESERVE, or hugetlb_reserve_pages() fails the mmap
        Vma vma = t.mm.vmaLookup(lab.map(HPAGE_SIZE, RW, MAP_SHARED | MAP_NORESERVE, fd));
        // hugetlb_no_page(): no page in the pool
        assertThat(handleMmFault(k, t.mm, vma, vma.start, FAULT_FLAG_WRITE)).isEqualTo(VM_FAULT_SIGBUS);
        lab.hugepages(1);
        assertThat(handleMmFault(k, t.mm, vma, vma.start, FAULT_FLAG_WRITE)).isEqualTo(VM_FAULT_OK);
        assertThat(k.defaultHstate.inUse).isEqualTo(1);
        long head = in.pageCache.get(0);
        assertThat(k.phys.refcount(head)).isEqualTo(2); // page cache + PMD mapping
        zapRange(k, t.mm, vma, vma.start, vma.end);
        assertThat(k.phys.refcount(head)).isEqualTo(1);
    }
}
