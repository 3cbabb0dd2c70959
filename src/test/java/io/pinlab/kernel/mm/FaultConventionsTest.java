package io.pinlab.kernel.mm;

import io.pinlab.kernel.Kernel;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.fs.FsType;
import io.pinlab.kernel.fs.Inode;
import org.junit.jupiter.api.Test;

import static io.pinlab.kernel.mm.Memory.*;
import static io.pinlab.kernel.mm.PhysMem.*;
import static org.assertj.core.api.Assertions.assertThat;

/** The page-state conventions of mm/memory.c that GUP, fork and io_uring rely on. */
class FaultConventionsTest {
    private final Kernel k = new Kernel(Profile.V6_18, false);
    private final Task t = k.task(1);
    private static final int RW = Prot.PROT_READ.value | Prot.PROT_WRITE.value;

    private long mmapAnon(long len) {
        return Mmap.doMmap(k, t, 0, len, RW, MapFlag.MAP_PRIVATE.value | MapFlag.MAP_ANONYMOUS.value, -1, 0).ret();
    }

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
        Inode in = k.newInode("/dev/shm/f", FsType.TMPFS, Inode.Kind.REGULAR, Inode.Device.NONE, false, 1000, 0644, PAGE_SIZE);
        t.fds.put(3, k.newFile(in, 2));
        long a = Mmap.doMmap(k, t, 0, PAGE_SIZE, RW, MapFlag.MAP_PRIVATE.value, 3, 0).ret();
        Vma vma = t.mm.vmaLookup(a);
        handleMmFault(k, t.mm, vma, a, 0);
        long cached = in.pageCache.get(0);
        assertThat(Pte.pfn(followPte(t.mm, a))).isEqualTo(cached);
        assertThat(k.phys.refcount(cached)).isEqualTo(2); // page cache + mapping
        k.phys.setValue(cached, 7);
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
        Inode in = k.newInode("/dev/shm/g", FsType.TMPFS, Inode.Kind.REGULAR, Inode.Device.NONE, false, 1000, 0644, PAGE_SIZE);
        t.fds.put(3, k.newFile(in, 2));
        long a = Mmap.doMmap(k, t, 0, 2 * PAGE_SIZE, RW, MapFlag.MAP_SHARED.value, 3, 0).ret();
        assertThat(handleMmFault(k, t.mm, t.mm.vmaLookup(a), a + PAGE_SIZE, 0)).isEqualTo(VM_FAULT_SIGBUS);
    }

    @Test
    void thpInMadvHugepageRangeIsOneLargeFolioAndSplitsOnPartialZap() {
        long a = mmapAnon(2 * HPAGE_SIZE);
        Vma vma = t.mm.vmaLookup(a);
        vma.flags |= VmFlag.VM_HUGEPAGE_B;
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
        Inode in = k.newInode("/mnt/huge/h", FsType.HUGETLBFS, Inode.Kind.REGULAR, Inode.Device.NONE, false, 1000, 0644, HPAGE_SIZE);
        // a 2 MiB-aligned shared hugetlb VMA (hugetlb_get_unmapped_area() aligns; built directly here)
        long a = 0x7f0000000000L;
        Vma vma = new Vma(a, a + HPAGE_SIZE, VmFlag.VM_READ_B | VmFlag.VM_WRITE_B | VmFlag.VM_SHARED_B
                | VmFlag.VM_MAYSHARE_B | VmFlag.VM_HUGETLB_B, 0, k.newFile(in, 2), VmOps.HUGETLB);
        t.mm.insert(vma);
        // hugetlb_no_page(): no page in the pool
        assertThat(handleMmFault(k, t.mm, vma, vma.start, FAULT_FLAG_WRITE)).isEqualTo(VM_FAULT_SIGBUS);
        k.nrHugepages = 1;
        assertThat(handleMmFault(k, t.mm, vma, vma.start, FAULT_FLAG_WRITE)).isEqualTo(VM_FAULT_OK);
        assertThat(k.hugePagesInUse).isEqualTo(1);
        long head = in.pageCache.get(0);
        assertThat(k.phys.refcount(head)).isEqualTo(2); // page cache + PMD mapping
        zapRange(k, t.mm, vma, vma.start, vma.end);
        assertThat(k.phys.refcount(head)).isEqualTo(1);
    }
}
