package io.pinlab.kernel.mm;

import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.Lab;
import io.pinlab.kernel.Sysctl;
import io.pinlab.kernel.Views;
import io.pinlab.kernel.fs.Files;
import org.junit.jupiter.api.Test;

import static io.pinlab.kernel.Lab.*;
import static org.junit.jupiter.api.Assertions.*;

/** munmap, mprotect and madvise rules (mm/vma.c, mm/mprotect.c, mm/madvise.c). */
class VmaOpsTest {
    final Lab lab = new Lab();
    static final int MADV_DONTNEED = 4, MADV_DONTFORK = 10, MADV_WIPEONFORK = 18, MADV_HUGEPAGE = 14,
            MADV_NOHUGEPAGE = 15, MADV_POPULATE_READ = 22, MADV_POPULATE_WRITE = 23, MADV_NORMAL = 0, MADV_FREE = 8;

    // ---------------------------------------------------------------- munmap

    @Test void munmapLengthZero() { // do_vmi_munmap(): end == start -> -EINVAL
        long a = lab.anon(PAGE, RW);
        assertErr(Errno.EINVAL, lab.munmap(a, 0));
    }

    @Test void munmapUnalignedAddress() { // do_vmi_munmap(): offset_in_page(start) -> -EINVAL
        long a = lab.anon(PAGE, RW);
        assertErr(Errno.EINVAL, lab.munmap(a + 1, PAGE));
    }

    @Test void munmapOfUnmappedRangeIsZero() { // do_vmi_munmap(): no VMA in range -> 0
        assertEquals(0, lab.munmap(0x10000000L, PAGE).ret());
    }

    @Test void munmapSplitsAndFreesPages() { // vms_gather_munmap_vmas() splits; zap frees the pages
        long a = lab.anon(4 * PAGE, RW);
        long before = lab.k.phys.usedFrames(Zone.NORMAL);
        assertTrue(lab.write(lab.t, a, 4 * PAGE, 1).ok());
        ok(lab.munmap(a + PAGE, PAGE));
        assertEquals(3, lab.t.mm.mapCount(), "two pieces plus the stack");
        assertEquals(before + 3, lab.k.phys.usedFrames(Zone.NORMAL));
        assertEquals("SEGV_MAPERR", lab.read(lab.t, a + PAGE, 1).siCode());
    }

    @Test void munmapMiddleAtMaxMapCount() { // vms_gather_munmap_vmas(): splitting both ends at map_count >= max -> -ENOMEM
        long a = lab.anon(4 * PAGE, RW);
        ok(Sysctl.set(lab.k, "vm.max_map_count", 2));
        assertErr(Errno.ENOMEM, lab.munmap(a + PAGE, PAGE));
    }

    @Test void munmapHugetlbInsideAHugePage() { // hugetlb_vm_op_split(): split address not 2 MiB aligned -> -EINVAL
        ok(Sysctl.set(lab.k, "vm.nr_hugepages", 2));
        long a = ok(lab.mmap(0, 2 * HUGE, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0));
        assertErr(Errno.EINVAL, lab.munmap(a, PAGE));
        ok(lab.munmap(a, HUGE));
    }

    @Test void munmapDropsTheFileReference() { // remove_vma() -> fput()
        int fd = lab.open("/dev/shm/f", O_CREAT | O_RDWR, PAGE);
        var file = lab.t.fds.get(fd);
        long a = ok(lab.mmap(0, PAGE, RW, MAP_SHARED, fd, 0));
        assertEquals(2, file.refs);
        ok(lab.munmap(a, PAGE));
        assertEquals(1, file.refs);
    }

    // ---------------------------------------------------------------- mprotect

    @Test void mprotectUnaligned() { // do_mprotect_pkey(): start & ~PAGE_MASK -> -EINVAL
        long a = lab.anon(PAGE, RW);
        assertErr(Errno.EINVAL, lab.mprotect(a + 8, PAGE, PROT_READ));
    }

    @Test void mprotectUnknownProtBit() { // arch_validate_prot(): bits beyond READ|WRITE|EXEC|SEM -> -EINVAL
        long a = lab.anon(PAGE, RW);
        assertErr(Errno.EINVAL, lab.mprotect(a, PAGE, 0x10));
    }

    @Test void mprotectLengthZero() { // do_mprotect_pkey(): !len -> 0 (before the prot check)
        long a = lab.anon(PAGE, RW);
        assertEquals(0, lab.mprotect(a, 0, 0x10).ret());
    }

    @Test void mprotectGrowsupOnX86() { // do_mprotect_pkey(): PROT_GROWSUP needs VM_GROWSUP, which x86 does not have -> -EINVAL
        long a = lab.anon(PAGE, RW);
        assertErr(Errno.EINVAL, lab.mprotect(a, PAGE, PROT_READ | 0x02000000));
    }

    @Test void mprotectGrowsdownExtendsToTheVmaStart() { // PROT_GROWSDOWN: start = vma->vm_start, needs VM_GROWSDOWN
        long a = ok(lab.mmap(0, 4 * PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0));
        ok(lab.mprotect(a + 2 * PAGE, PAGE, PROT_READ | 0x01000000));
        assertFalse(lab.t.mm.vmaLookup(a).has(VmFlag.VM_WRITE_B), "from the VMA start up to the end of the range");
        assertTrue(lab.t.mm.vmaLookup(a + 3 * PAGE).has(VmFlag.VM_WRITE_B));
        long b = lab.anon(PAGE, RW);
        assertErr(Errno.EINVAL, lab.mprotect(b, PAGE, PROT_READ | 0x01000000));
    }

    @Test void mprotectHole() { // do_mprotect_pkey(): vma->vm_start != tmp -> -ENOMEM, earlier VMAs already changed
        long a = lab.anon(3 * PAGE, RW);
        ok(lab.munmap(a + PAGE, PAGE));
        assertErr(Errno.ENOMEM, lab.mprotect(a, 3 * PAGE, PROT_READ));
        assertFalse(lab.t.mm.vmaLookup(a).has(VmFlag.VM_WRITE_B), "the first VMA was changed before the hole was found");
    }

    @Test void mprotectUnmappedStart() { // do_mprotect_pkey(): vma->vm_start > start -> -ENOMEM
        long a = lab.anon(PAGE, RW);
        assertErr(Errno.ENOMEM, lab.mprotect(a - PAGE, 2 * PAGE, PROT_READ));
    }

    @Test void mprotectWriteOnSharedReadOnlyFile() { // do_mmap() cleared VM_MAYWRITE; (newflags & ~(newflags >> 4)) -> -EACCES
        int fd = lab.open("/mnt/ext4/readonly", O_RDONLY, null);
        long a = ok(lab.mmap(0, PAGE, PROT_READ, MAP_SHARED, fd, 0));
        assertErr(Errno.EACCES, lab.mprotect(a, PAGE, RW));
    }

    @Test void mprotectWriteOnPrivateReadOnlyFileIsFine() { // MAP_PRIVATE keeps VM_MAYWRITE
        int fd = lab.open("/mnt/ext4/readonly", O_RDONLY, null);
        long a = ok(lab.mmap(0, PAGE, PROT_READ, MAP_PRIVATE, fd, 0));
        assertEquals(0, lab.mprotect(a, PAGE, RW).ret());
    }

    @Test void mprotectSplitsThenMergesBack() { // vma_modify_flags(): split, then vma_merge_existing_range() merges back
        long a = lab.anon(3 * PAGE, RW);
        assertTrue(lab.write(lab.t, a, 3 * PAGE, 1).ok());
        ok(lab.mprotect(a + PAGE, PAGE, PROT_READ));
        assertEquals(4, lab.t.mm.mapCount());
        assertEquals("SEGV_ACCERR", lab.write(lab.t, a + PAGE, 1, 2).siCode());
        assertFalse(Pte.write(Memory.followPte(lab.t.mm, a + PAGE)), "change_protection() write-protected the PTE");
        ok(lab.mprotect(a + PAGE, PAGE, RW));
        assertEquals(2, lab.t.mm.mapCount(), "merged back into one VMA");
        AccessResult w = lab.write(lab.t, a + PAGE, 1, 2);
        assertTrue(w.ok());
        assertEquals(0, w.faults(), "an exclusive anonymous page becomes writable again without a fault");
    }

    @Test void protNoneGivesAccerr() { // access_error(): !vma_is_accessible() -> SEGV_ACCERR
        long a = lab.anon(PAGE, PROT_NONE);
        assertEquals("SEGV_ACCERR", lab.read(lab.t, a, 1).siCode());
    }

    // ---------------------------------------------------------------- madvise

    @Test void madviseUnaligned() { // is_valid_madvise(): !PAGE_ALIGNED(start) -> -EINVAL
        long a = lab.anon(PAGE, RW);
        assertErr(Errno.EINVAL, lab.madvise(a + 1, PAGE, MADV_DONTNEED));
    }

    @Test void madviseUnknownAdvice() { // madvise_behavior_valid() -> -EINVAL
        long a = lab.anon(PAGE, RW);
        assertErr(Errno.EINVAL, lab.madvise(a, PAGE, 77));
    }

    @Test void madviseUnmapped() { // madvise_walk_vmas(): no VMA -> -ENOMEM
        assertErr(Errno.ENOMEM, lab.madvise(0x10000000L, PAGE, MADV_NORMAL));
    }

    @Test void madviseHoleStillAdvisesTheRest() { // madvise_walk_vmas(): a gap -> -ENOMEM at the end, VMAs still advised
        long a = lab.anon(3 * PAGE, RW);
        ok(lab.munmap(a + PAGE, PAGE));
        assertErr(Errno.ENOMEM, lab.madvise(a, 3 * PAGE, MADV_DONTFORK));
        assertTrue(lab.t.mm.vmaLookup(a + 2 * PAGE).has(VmFlag.VM_DONTCOPY_B));
    }

    @Test void dontneedZapsAnonymous() { // madvise_dontneed_single_vma(): zap; next read sees zeroes
        long a = lab.anon(2 * PAGE, RW);
        assertTrue(lab.write(lab.t, a, 2 * PAGE, 42).ok());
        ok(lab.madvise(a, 2 * PAGE, MADV_DONTNEED));
        assertEquals(0, Views.status(lab.k, lab.t).rssAnonKb());
        assertEquals(0L, lab.read(lab.t, a, 1).values().get(0));
    }

    @Test void dontneedOnLockedIsInvalid() { // madvise_dontneed_free_valid_vma(): VM_LOCKED -> -EINVAL
        long a = ok(lab.mmap(0, PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0));
        assertErr(Errno.EINVAL, lab.madvise(a, PAGE, MADV_DONTNEED));
    }

    @Test void freeOnFileIsInvalid() { // madvise_free_single_vma(): !vma_is_anonymous() -> -EINVAL
        int fd = lab.open("/dev/shm/f", O_CREAT | O_RDWR, PAGE);
        long a = ok(lab.mmap(0, PAGE, RW, MAP_SHARED, fd, 0));
        assertErr(Errno.EINVAL, lab.madvise(a, PAGE, MADV_FREE));
    }

    @Test void wipeonforkOnSharedIsInvalid() { // madvise_vma_behavior(): vm_file || VM_SHARED -> -EINVAL
        long a = ok(lab.mmap(0, PAGE, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
        assertErr(Errno.EINVAL, lab.madvise(a, PAGE, MADV_WIPEONFORK));
    }

    @Test void madviseSplitsAndMerges() { // madvise_update_vma(): split for the flag, merge back when equal again
        long a = lab.anon(4 * PAGE, RW);
        ok(lab.madvise(a + PAGE, PAGE, MADV_HUGEPAGE));
        assertEquals(4, lab.t.mm.mapCount());
        assertTrue(lab.t.mm.vmaLookup(a + PAGE).has(VmFlag.VM_HUGEPAGE_B));
        ok(lab.madvise(a, 4 * PAGE, MADV_HUGEPAGE));
        assertEquals(2, lab.t.mm.mapCount());
    }

    @Test void madviseSplitBeyondMaxMapCountIsEagain() { // madvise_vma_behavior(): -ENOMEM from the split becomes -EAGAIN
        long a = lab.anon(4 * PAGE, RW);
        ok(Sysctl.set(lab.k, "vm.max_map_count", 2));
        assertErr(Errno.EAGAIN, lab.madvise(a + PAGE, PAGE, MADV_DONTFORK));
    }

    @Test void populateWriteFaultsIn() { // madvise_populate() -> faultin_page_range()
        long a = lab.anon(4 * PAGE, RW);
        ok(lab.madvise(a, 4 * PAGE, MADV_POPULATE_WRITE));
        assertEquals(16, Views.status(lab.k, lab.t).rssAnonKb());
    }

    @Test void populateReadMapsTheZeroPage() { // read faults on anonymous memory map the shared zero page
        long a = lab.anon(2 * PAGE, RW);
        ok(lab.madvise(a, 2 * PAGE, MADV_POPULATE_READ));
        assertEquals(PhysMem.ZERO_PFN, Pte.pfn(Memory.followPte(lab.t.mm, a)));
        assertEquals(0, Views.status(lab.k, lab.t).vmRssKb(), "the zero page is not RSS");
    }

    @Test void populateWriteOnReadOnlyIsInvalid() { // __get_user_pages(): check_vma_flags() fails -> -EINVAL under FOLL_MADV_POPULATE
        long a = lab.anon(PAGE, PROT_READ);
        assertErr(Errno.EINVAL, lab.madvise(a, PAGE, MADV_POPULATE_WRITE));
    }

    @Test void populateUnmappedIsEnomem() { // __get_user_pages(): !vma_lookup() -> -ENOMEM under FOLL_MADV_POPULATE
        long a = lab.anon(PAGE, RW);
        assertErr(Errno.ENOMEM, lab.madvise(a, 2 * PAGE, MADV_POPULATE_WRITE));
        assertTrue(Pte.present(Memory.followPte(lab.t.mm, a)), "the mapped page was populated first");
    }

    @Test void populatePastEofIsEfault() { // faultin_page(): VM_FAULT_SIGBUS -> -EFAULT
        int fd = lab.open("/dev/shm/f", O_CREAT | O_RDWR, PAGE);
        long a = ok(lab.mmap(0, 2 * PAGE, RW, MAP_SHARED, fd, 0));
        assertErr(Errno.EFAULT, lab.madvise(a, 2 * PAGE, MADV_POPULATE_READ));
    }

    @Test void populatePfnmapIsInvalid() { // check_vma_flags(): VM_IO|VM_PFNMAP -> -EINVAL under FOLL_MADV_POPULATE
        int fd = lab.open("/dev/mmio0", O_RDWR, null);
        long a = ok(lab.mmap(0, PAGE, RW, MAP_SHARED, fd, 0));
        assertErr(Errno.EINVAL, lab.madvise(a, PAGE, MADV_POPULATE_READ));
    }

    @Test void ftruncateShrinkUnmapsEverywhere() { // truncate_pagecache(): unmap_mapping_range() then drop the cache
        int fd = lab.open("/dev/shm/f", O_CREAT | O_RDWR, 2 * PAGE);
        long a = ok(lab.mmap(0, 2 * PAGE, RW, MAP_SHARED, fd, 0));
        assertTrue(lab.write(lab.t, a, 2 * PAGE, 5).ok());
        ok(Files.ftruncate(lab.k, lab.t, fd, PAGE));
        assertFalse(Pte.present(Memory.followPte(lab.t.mm, a + PAGE)));
        assertEquals("SIGBUS", lab.read(lab.t, a + PAGE, 1).signal());
        assertEquals(5L, lab.read(lab.t, a, 1).values().get(0));
    }
}
