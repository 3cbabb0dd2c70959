package io.pinlab.kernel.mm;

import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.Lab;
import io.pinlab.kernel.Views;
import io.pinlab.kernel.fs.Secretmem;
import org.junit.jupiter.api.Test;

import static io.pinlab.kernel.Lab.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * One test per mmap() rule of SEMANTICS.md. Each expected errno comes from the kernel function
 * named in the comment (v6.18/6.19 source), not from running this code.
 */
class MmapErrnoTest {
    final Lab lab = new Lab();

    int tmpfsFile(int oflags, long size) { return lab.open("/dev/shm/f", O_CREAT | oflags, size); }

    @Test void lengthZero() { // do_mmap(): if (!len) return -EINVAL
        assertErr(Errno.EINVAL, lab.mmap(0, 0, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    }

    @Test void anonymousWithNeitherSharedNorPrivate() { // do_mmap(): anonymous switch (flags & MAP_TYPE) default -> -EINVAL
        assertErr(Errno.EINVAL, lab.mmap(0, PAGE, RW, MAP_ANONYMOUS, -1, 0));
    }

    @Test void anonymousWithBothSharedAndPrivate() { // MAP_SHARED|MAP_PRIVATE == MAP_SHARED_VALIDATE: not a case of the anonymous switch
        assertErr(Errno.EINVAL, lab.mmap(0, PAGE, RW, MAP_SHARED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    }

    @Test void fileWithNeitherSharedNorPrivate() { // do_mmap(): file switch default -> -EINVAL
        int fd = tmpfsFile(O_RDWR, PAGE);
        assertErr(Errno.EINVAL, lab.mmap(0, PAGE, RW, 0, fd, 0));
    }

    @Test void fixedUnalignedAddress() { // __get_unmapped_area(): offset_in_page(addr) -> -EINVAL
        assertErr(Errno.EINVAL, lab.mmap(0x10000123L, PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
    }

    @Test void unalignedOffsetEvenForAnonymous() { // sys_mmap (arch/x86/kernel/sys_x86_64.c): off & ~PAGE_MASK -> -EINVAL first
        assertErr(Errno.EINVAL, lab.mmap(0, PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 100));
    }

    @Test void unalignedOffsetComesBeforeBadFd() { // sys_mmap checks off before ksys_mmap_pgoff() looks at fd
        assertErr(Errno.EINVAL, lab.mmap(0, PAGE, RW, MAP_PRIVATE, 42, 100));
    }

    @Test void badFd() { // ksys_mmap_pgoff(): fget(fd) == NULL -> -EBADF
        assertErr(Errno.EBADF, lab.mmap(0, PAGE, PROT_READ, MAP_PRIVATE, 42, 0));
    }

    @Test void sharedWritableOnReadOnlyFd() { // do_mmap() MAP_SHARED: PROT_WRITE && !(f_mode & FMODE_WRITE) -> -EACCES
        int fd = lab.open("/mnt/ext4/readonly", O_RDONLY, null);
        assertErr(Errno.EACCES, lab.mmap(0, PAGE, RW, MAP_SHARED, fd, 0));
    }

    @Test void privateWritableOnReadOnlyFdIsFine() { // MAP_PRIVATE leg only needs FMODE_READ
        int fd = lab.open("/mnt/ext4/readonly", O_RDONLY, null);
        assertTrue(lab.mmap(0, PAGE, RW, MAP_PRIVATE, fd, 0).ok());
    }

    @Test void anyMappingOfWriteOnlyFd() { // do_mmap() MAP_PRIVATE leg (also reached by MAP_SHARED): !FMODE_READ -> -EACCES
        int fd = tmpfsFile(O_WRONLY, PAGE);
        assertErr(Errno.EACCES, lab.mmap(0, PAGE, PROT_READ, MAP_SHARED, fd, 0));
        assertErr(Errno.EACCES, lab.mmap(0, PAGE, PROT_READ, MAP_PRIVATE, fd, 0));
    }

    @Test void directory() { // do_mmap(): !can_mmap_file(file) (directories have no ->mmap) -> -ENODEV
        int fd = lab.open("/mnt/ext4", O_RDONLY | O_DIRECTORY, null);
        assertErr(Errno.ENODEV, lab.mmap(0, PAGE, PROT_READ, MAP_PRIVATE, fd, 0));
    }

    @Test void hugetlbAnonymousWithEmptyPool() { // hugetlbfs_file_mmap_prepare() -> hugetlb_reserve_pages() fails -> -ENOMEM
        assertErr(Errno.ENOMEM, lab.mmap(0, HUGE, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0));
    }

    @Test void hugetlbNoreserveMapsThenSigbus() { // VM_NORESERVE skips the reservation; hugetlb_no_page() then has no page: SIGBUS
        long a = assertOk(lab.mmap(0, HUGE, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_NORESERVE, -1, 0));
        AccessResult r = lab.write(lab.t, a, 8, 1);
        assertEquals("SIGBUS", r.signal());
    }

    @Test void hugetlbReservationsAreCounted() { // hugetlb_acct_memory(): resv + chg must fit the free pool
        assertOk(lab.sysctl("vm.nr_hugepages", 2));
        long a = assertOk(lab.mmap(0, 2 * HUGE, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0));
        assertEquals(2, lab.k.defaultHstate.resvHugePages);
        assertErr(Errno.ENOMEM, lab.mmap(0, HUGE, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0));
        assertTrue(lab.write(lab.t, a, 2 * HUGE, 7).ok()); // reserved pages never fail
        assertEquals(0, lab.k.defaultHstate.resvHugePages);
        assertEquals(2, lab.k.defaultHstate.inUse);
        assertOk(lab.munmap(a, 2 * HUGE));
        assertEquals(0, lab.k.defaultHstate.inUse);
    }

    @Test void hugetlbFlagOnNonHugetlbfsFile() { // ksys_mmap_pgoff(): MAP_HUGETLB && !is_file_hugepages(file) -> -EINVAL
        int fd = tmpfsFile(O_RDWR, PAGE);
        assertErr(Errno.EINVAL, lab.mmap(0, PAGE, RW, MAP_SHARED | MAP_HUGETLB, fd, 0));
    }

    @Test void hugetlbfsFixedAddressMustBe2MiBAligned() { // hugetlb_get_unmapped_area(): MAP_FIXED && addr & ~huge_page_mask -> -EINVAL
        assertOk(lab.sysctl("vm.nr_hugepages", 1));
        int fd = lab.open("/mnt/huge/h", O_CREAT | O_RDWR, HUGE);
        assertErr(Errno.EINVAL, lab.mmap(0x40001000L, HUGE, RW, MAP_SHARED | MAP_FIXED, fd, 0));
    }

    @Test void hugetlbfsLengthIsRoundedTo2MiB() { // ksys_mmap_pgoff(): len = ALIGN(len, huge_page_size)
        assertOk(lab.sysctl("vm.nr_hugepages", 1));
        int fd = lab.open("/mnt/huge/h", O_CREAT | O_RDWR, HUGE);
        long a = assertOk(lab.mmap(0, PAGE, RW, MAP_SHARED, fd, 0));
        Vma v = lab.t.mm.vmaLookup(a);
        assertEquals(HUGE, v.length());
        assertEquals(0, a % HUGE, "hugetlb mappings are placed 2 MiB aligned");
    }

    @Test void hugetlbfsOffsetMustBe2MiBAligned() { // hugetlbfs_file_mmap_prepare(): pgoff & ~huge_page_mask -> -EINVAL
        assertOk(lab.sysctl("vm.nr_hugepages", 2));
        int fd = lab.open("/mnt/huge/h", O_CREAT | O_RDWR, 2 * HUGE);
        assertErr(Errno.EINVAL, lab.mmap(0, HUGE, RW, MAP_SHARED, fd, PAGE));
    }

    @Test void lengthBeyondAddressSpace() { // __get_unmapped_area(): len > TASK_SIZE -> -ENOMEM
        assertErr(Errno.ENOMEM, lab.mmap(0, 1L << 47, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    }

    @Test void lengthOverflowingWhenPageAligned() { // do_mmap(): PAGE_ALIGN(len) == 0 -> -ENOMEM
        assertErr(Errno.ENOMEM, lab.mmap(0, -100L, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    }

    @Test void fixedBeyondTaskSize() { // __get_unmapped_area(): addr > TASK_SIZE - len -> -ENOMEM
        assertErr(Errno.ENOMEM, lab.mmap(Mm.TASK_SIZE, PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
    }

    @Test void fixedNoreplaceOverAMapping() { // do_mmap(): MAP_FIXED_NOREPLACE && find_vma_intersection() -> -EEXIST
        long a = lab.anon(4 * PAGE, RW);
        assertErr(Errno.EEXIST, lab.mmap(a + PAGE, PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0));
    }

    @Test void fixedBelowMmapMinAddr() { // security_mmap_addr() -> cap_mmap_addr(): addr < mmap_min_addr without CAP_SYS_RAWIO -> -EPERM
        assertErr(Errno.EPERM, lab.mmap(0x1000, PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
    }

    @Test void hintBelowMmapMinAddrIsRaised() { // round_hint_to_min(): a non-fixed hint below the minimum becomes mmap_min_addr
        assertEquals(Mm.MMAP_MIN_ADDR, assertOk(lab.mmap(0x1000, PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)));
    }

    @Test void fixedReplacesWhatWasThere() { // mmap_region(): the MAP_FIXED range is unmapped (vms_complete_munmap_vmas())
        long a = lab.anon(4 * PAGE, RW);
        assertTrue(lab.write(lab.t, a, 4 * PAGE, 5).ok());
        long used = lab.k.phys.usedFrames(Zone.NORMAL);
        assertEquals(a + PAGE, assertOk(lab.mmap(a + PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0)));
        assertEquals(used - 1, lab.k.phys.usedFrames(Zone.NORMAL), "the replaced page was freed");
        assertEquals(3, lab.t.mm.mapCount() - 1, "split into three VMAs (plus the stack)");
        assertEquals(0L, lab.read(lab.t, a + PAGE, 8).values().get(0));
    }

    @Test void maxMapCount() { // do_mmap(): mm->map_count > sysctl_max_map_count -> -ENOMEM (note '>': one more may be created)
        assertOk(lab.sysctl("vm.max_map_count", 1));
        assertOk(lab.mmap(0, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)); // map_count 1 is not > 1
        assertErr(Errno.ENOMEM, lab.mmap(0, PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    }

    @Test void sharedValidateWithUnknownFlag() { // do_mmap() MAP_SHARED_VALIDATE: flags & ~flags_mask -> -EOPNOTSUPP
        int fd = tmpfsFile(O_RDWR, PAGE);
        // MAP_FIXED_NOREPLACE is not in LEGACY_MAP_MASK; the address is valid so the flag check decides
        assertErr(Errno.EOPNOTSUPP, lab.mmap(0x10000000L, PAGE, RW, MAP_SHARED_VALIDATE | MAP_FIXED_NOREPLACE, fd, 0));
    }

    @Test void mapSyncOnTmpfsWithValidate() { // shmem has no FOP_MMAP_SYNC: MAP_SYNC is outside flags_mask -> -EOPNOTSUPP
        int fd = tmpfsFile(O_RDWR, PAGE);
        assertErr(Errno.EOPNOTSUPP, lab.mmap(0, PAGE, RW, MAP_SHARED_VALIDATE | MAP_SYNC, fd, 0));
    }

    @Test void mapSyncOnNonDaxExt4() { // ext4_file_mmap_prepare(): !daxdev_mapping_supported() -> -EOPNOTSUPP
        int fd = lab.open("/mnt/ext4/f", O_CREAT | O_RDWR, PAGE);
        assertErr(Errno.EOPNOTSUPP, lab.mmap(0, PAGE, RW, MAP_SHARED_VALIDATE | MAP_SYNC, fd, 0));
    }

    @Test void mapSyncOnDax() { // fsdax: daxdev_mapping_supported() holds; VM_SYNC set
        int fd = lab.open("/mnt/pmem/f", O_CREAT | O_RDWR, PAGE);
        long a = assertOk(lab.mmap(0, PAGE, RW, MAP_SHARED_VALIDATE | MAP_SYNC, fd, 0));
        Vma v = lab.t.mm.vmaLookup(a);
        assertTrue(v.has(VmFlag.VM_SYNC_B));
        assertTrue(v.isFsdax());
    }

    @Test void plainSharedDropsUnknownFlags() { // do_mmap() MAP_SHARED: flags &= LEGACY_MAP_MASK, unsupported flags ignored
        int fd = tmpfsFile(O_RDWR, PAGE);
        assertTrue(lab.mmap(0, PAGE, RW, MAP_SHARED | MAP_SYNC, fd, 0).ok());
    }

    @Test void unknownProtBitsAreIgnored() { // calc_vm_prot_bits() only looks at READ/WRITE/EXEC
        long a = assertOk(lab.mmap(0, PAGE, PROT_READ | 0x10, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
        assertEquals("r--p", Views.maps(lab.k, lab.t).stream().filter(e -> e.start() == a).findFirst().orElseThrow().perms());
    }

    @Test void unalignedLengthIsRoundedUp() { // do_mmap(): len = PAGE_ALIGN(len)
        long a = assertOk(lab.mmap(0, 5000, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
        assertEquals(2 * PAGE, lab.t.mm.vmaLookup(a).length());
    }

    @Test void fileMappingMayExtendPastEof() { // mmap does not look at i_size; the fault does (filemap_fault(): SIGBUS)
        int fd = lab.open("/mnt/ext4/f", O_CREAT | O_RDWR, PAGE);
        long a = assertOk(lab.mmap(0, 3 * PAGE, RW, MAP_SHARED, fd, 0));
        assertTrue(lab.write(lab.t, a, PAGE, 1).ok());
        AccessResult r = lab.read(lab.t, a + PAGE, 8);
        assertEquals("SIGBUS", r.signal());
        assertEquals("BUS_ADRERR", r.siCode());
        assertEquals(a + PAGE, r.faultAddr());
    }

    @Test void growsdownOnFileIsInvalid() { // do_mmap() file leg: vm_flags & VM_GROWSDOWN -> -EINVAL
        int fd = tmpfsFile(O_RDWR, PAGE);
        assertErr(Errno.EINVAL, lab.mmap(0, PAGE, RW, MAP_PRIVATE | MAP_GROWSDOWN, fd, 0));
    }

    @Test void growsdownOnSharedAnonIsInvalid() { // do_mmap() anonymous MAP_SHARED: VM_GROWSDOWN -> -EINVAL
        assertErr(Errno.EINVAL, lab.mmap(0, PAGE, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0));
    }

    @Test void lockedBeyondRlimit() { // mlock_future_ok(): locked_vm + len > RLIMIT_MEMLOCK without CAP_IPC_LOCK -> -EAGAIN
        assertErr(Errno.EAGAIN, lab.mmap(0, 16L << 20, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0));
    }

    @Test void secretmemMustBeShared() { // secretmem_mmap_prepare(): !(VM_SHARED|VM_MAYSHARE) -> -EINVAL
        int fd = (int) assertOk(Secretmem.memfdSecret(lab.k, lab.t, PAGE));
        assertErr(Errno.EINVAL, lab.mmap(0, PAGE, RW, MAP_PRIVATE, fd, 0));
        long a = assertOk(lab.mmap(0, PAGE, RW, MAP_SHARED, fd, 0));
        assertTrue(lab.t.mm.vmaLookup(a).has(VmFlag.VM_LOCKED_B), "secretmem VMAs are VM_LOCKED");
        assertTrue(lab.write(lab.t, a, 8, 3).ok());
        long pfn = Pte.pfn(Memory.followPte(lab.t.mm, a));
        assertTrue(lab.k.phys.testPageFlag(pfn, PhysMem.PG_SECRETMEM));
    }

    @Test void mmioDeviceIsPfnmapPopulatedAtMmap() { // remap_pfn_range(): VM_IO|VM_PFNMAP, special PTEs outside RAM
        int fd = lab.open("/dev/mmio0", O_RDWR, null);
        long a = assertOk(lab.mmap(0, 4 * PAGE, RW, MAP_SHARED, fd, 0));
        Vma v = lab.t.mm.vmaLookup(a);
        assertTrue(v.has(VmFlag.VM_IO_B | VmFlag.VM_PFNMAP_B));
        long pte = Memory.followPte(lab.t.mm, a + PAGE);
        assertTrue(Pte.present(pte) && Pte.special(pte));
        assertFalse(lab.k.phys.isRam(Pte.pfn(pte)));
        assertEquals(0, lab.read(lab.t, a, 4 * PAGE).faults(), "nothing left to fault");
    }

    @Test void devZeroPrivateIsAnonymousWithFile() { // mmap_zero_prepare(): vma_set_anonymous(), vm_file stays /dev/zero
        int fd = lab.open("/dev/zero", O_RDWR, null);
        long a = assertOk(lab.mmap(0, PAGE, RW, MAP_PRIVATE, fd, 0));
        Vma v = lab.t.mm.vmaLookup(a);
        assertTrue(v.isAnonymous());
        assertNotNull(v.file);
        assertTrue(lab.write(lab.t, a, 8, 9).ok());
        assertTrue(lab.k.phys.testPageFlag(Pte.pfn(Memory.followPte(lab.t.mm, a)), PhysMem.PG_ANON));
    }

    @Test void devZeroSharedIsShmem() { // mmap_zero_prepare() -> shmem_zero_setup(): "/dev/zero (deleted)"
        int fd = lab.open("/dev/zero", O_RDWR, null);
        long a = assertOk(lab.mmap(0, PAGE, RW, MAP_SHARED, fd, 0));
        Vma v = lab.t.mm.vmaLookup(a);
        assertTrue(v.isShmem());
        assertTrue(Views.mapsText(lab.k, lab.t).contains("/dev/zero (deleted)"), Views.mapsText(lab.k, lab.t));
    }

    @Test void populateFaultsEveryPage() { // MAP_POPULATE -> __mm_populate(): write faults for private writable memory
        long a = assertOk(lab.mmap(0, 8 * PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0));
        assertEquals(8 * 4, Views.status(lab.k, lab.t).rssAnonKb());
        assertEquals(0, lab.write(lab.t, a, 8 * PAGE, 1).faults());
    }

    @Test void populateFailuresDoNotFailMmap() { // mm_populate() ignores errors: pages past EOF stay unmapped
        int fd = lab.open("/mnt/ext4/f", O_CREAT | O_RDWR, PAGE);
        long a = assertOk(lab.mmap(0, 4 * PAGE, RW, MAP_SHARED | MAP_POPULATE, fd, 0));
        assertTrue(Pte.present(Memory.followPte(lab.t.mm, a)));
        assertFalse(Pte.present(Memory.followPte(lab.t.mm, a + PAGE)));
    }

    @Test void lockedIsPopulatedAndCounted() { // VM_LOCKED: populated, mm->locked_vm (VmLck)
        assertOk(lab.mmap(0, 4 * PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0));
        assertEquals(16, Views.status(lab.k, lab.t).vmLckKb());
        assertEquals(16, Views.status(lab.k, lab.t).rssAnonKb());
    }

    @Test void noreserveSetsVmNoreserve() { // do_mmap(): MAP_NORESERVE -> VM_NORESERVE (overcommit heuristic)
        long a = assertOk(lab.mmap(0, PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0));
        assertTrue(lab.t.mm.vmaLookup(a).has(VmFlag.VM_NORESERVE_B));
        assertFalse(lab.t.mm.vmaLookup(a).has(VmFlag.VM_ACCOUNT_B));
    }

    @Test void adjacentAnonymousMappingsMerge() { // vma_merge_new_range(): same flags, no file, contiguous pgoff
        long a = lab.anon(PAGE, RW);
        long b = lab.anon(PAGE, RW);
        assertEquals(a - PAGE, b, "top-down placement");
        assertEquals(2, lab.t.mm.mapCount(), "one merged VMA plus the stack");
        assertEquals(2 * PAGE, lab.t.mm.vmaLookup(b).length());
    }

    @Test void pmdMultipleAnonymousIsThpAligned() { // __get_unmapped_area() -> __thp_get_unmapped_area() (6.7+ rule, v6.18 profile)
        // search top-down for 4 MiB: 0x7ffff7fff000 - 0x400000 = 0x7ffff7bff000, moved up to the 2 MiB boundary
        assertEquals(0x7ffff7c00000L, assertOk(lab.mmap(0, HUGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)));
        // not a PMD multiple: plain top-down, into the highest gap, which alignment left above it
        assertEquals(Mm.MMAP_BASE - PAGE, assertOk(lab.mmap(0, PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)));
    }

    @Test void olderKernelsDoNotThpAlign() { // before efa7df3e3bb5 (6.7): plain top-down placement
        Lab v65 = new Lab(io.pinlab.kernel.base.Profile.V6_5);
        assertEquals(Mm.MMAP_BASE - HUGE, assertOk(v65.mmap(0, HUGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)));
    }

    @Test void mapStackMeansNoHugepageSince6_7() { // calc_vm_flag_bits(): MAP_STACK -> VM_NOHUGEPAGE (c4608d1bf7c6, 6.7)
        long a = assertOk(lab.mmap(0, PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS | 0x20000, -1, 0));
        assertTrue(lab.t.mm.vmaLookup(a).has(VmFlag.VM_NOHUGEPAGE_B));
        Lab v65 = new Lab(io.pinlab.kernel.base.Profile.V6_5);
        long b = assertOk(v65.mmap(0, PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS | 0x20000, -1, 0));
        assertFalse(v65.vma(b).has(VmFlag.VM_NOHUGEPAGE_B));
    }

    @Test void fixedOverPartOfHugetlbVma() { // 6.12+ __mmap_setup(): the split error passes through (-EINVAL), nothing changes
        assertOk(lab.sysctl("vm.nr_hugepages", 1));
        long h = assertOk(lab.mmap(0, HUGE, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0));
        assertErr(Errno.EINVAL, lab.mmap(h, PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
        assertEquals(HUGE, lab.t.mm.vmaLookup(h).length());
    }

    @Test void fixedOverPartOfHugetlbVmaBefore6_12() { // 6.5 mmap_region(): do_vmi_munmap() failure -> -ENOMEM
        Lab v65 = new Lab(io.pinlab.kernel.base.Profile.V6_5);
        assertOk(v65.sysctl("vm.nr_hugepages", 1));
        long h = assertOk(v65.mmap(0, HUGE, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0));
        assertErr(Errno.ENOMEM, v65.mmap(h, PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
    }

    @Test void failedFixedMmapKeepsOldMappingOnlySince6_12() { // vms_abort_munmap_vmas() (6.12+) vs unmap-first (6.5)
        int fd = lab.open("/mnt/ext4/f", O_CREAT | O_RDWR, PAGE);
        long a = lab.anon(PAGE, RW);
        // MAP_SYNC on non-DAX ext4 fails in ext4_file_mmap_prepare(), after the MAP_FIXED range was gathered
        assertErr(Errno.EOPNOTSUPP, lab.mmap(a, PAGE, RW, MAP_SHARED_VALIDATE | MAP_SYNC | MAP_FIXED, fd, 0));
        assertNotNull(lab.t.mm.vmaLookup(a), "6.18 restores the old mapping");

        Lab v65 = new Lab(io.pinlab.kernel.base.Profile.V6_5);
        int fd5 = v65.open("/mnt/ext4/f", O_CREAT | O_RDWR, PAGE);
        long b = v65.anon(PAGE, RW);
        assertErr(Errno.EOPNOTSUPP, v65.mmap(b, PAGE, RW, MAP_SHARED_VALIDATE | MAP_SYNC | MAP_FIXED, fd5, 0));
        assertNull(v65.vma(b), "6.5 unmapped the old range before ext4_file_mmap() failed");
    }

    @Test void mapDroppable() { // do_mmap() MAP_DROPPABLE (6.11+): VM_DROPPABLE|VM_NORESERVE|VM_WIPEONFORK|VM_DONTDUMP
        long a = assertOk(lab.mmap(0, PAGE, RW, 0x08 | MAP_ANONYMOUS, -1, 0));
        Vma v = lab.t.mm.vmaLookup(a);
        assertTrue(v.has(VmFlag.VM_DROPPABLE_B | VmFlag.VM_NORESERVE_B | VmFlag.VM_WIPEONFORK_B | VmFlag.VM_DONTDUMP_B));
        assertErr(Errno.EINVAL, lab.mmap(0, PAGE, RW, 0x08 | MAP_ANONYMOUS | MAP_LOCKED, -1, 0));
        assertErr(Errno.EINVAL, lab.madvise(a, PAGE, 19)); // MADV_KEEPONFORK on VM_DROPPABLE
        int fd = lab.open("/dev/shm/f", O_CREAT | O_RDWR, PAGE);
        assertErr(Errno.EINVAL, lab.mmap(0, PAGE, RW, 0x08, fd, 0)); // the file switch has no MAP_DROPPABLE case
        assertErr(Errno.EINVAL, new Lab(io.pinlab.kernel.base.Profile.V6_5).mmap(0, PAGE, RW, 0x08 | MAP_ANONYMOUS, -1, 0)); // before 6.11
    }

    @Test void differentProtDoesNotMerge() { // is_mergeable_vma(): vm_flags differ
        lab.anon(PAGE, RW);
        lab.anon(PAGE, PROT_READ);
        assertEquals(3, lab.t.mm.mapCount());
    }
}
