package io.pinlab.kernel.base;

import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static io.pinlab.kernel.base.Profile.Feature.*;

/**
 * One kernel version's behaviour as data: the set of version-dependent {@link Feature}s it has,
 * each read at the one check it concerns; each Feature names the commit or kernel function that
 * introduced it. No subclass per version, and no "if profile == X" outside this file.
 */
public record Profile(String name, String kernel, String summary, List<String> differences,
                      Set<Feature> features, IoUringFileCheck ioUringFileCheck, boolean isDefault) {

    /** A behaviour that some kernel versions have; the comment names the version or commit. */
    public enum Feature {
        /** get_user_pages/_remote and pin_user_pages_remote take a vmas array (removed for 6.5 by the vmas series). */
        VMAS_PARAM,
        /** pin_user_pages() takes vmas too (the seed series patch 6/7 removed it first). */
        PIN_USER_PAGES_VMAS_PARAM,
        /** seed: FOLL_SAME_FILE (1<<12), checked in check_vma_flags(). Never merged. */
        FOLL_SAME_FILE,
        /** 6.5+: FOLL_HONOR_NUMA_FAULT (1<<12) exists. */
        FOLL_HONOR_NUMA_FAULT,
        /** 6.5.0 only: is_valid_gup_args() ORs FOLL_HONOR_NUMA_FAULT into every call (6.6 leaves it to KVM). */
        HONOR_NUMA_AUTO_SET,
        /** 6.7+: INTERNAL_GUP_FLAGS includes FOLL_TOUCH, so callers may not pass it. */
        TOUCH_IS_INTERNAL,
        /** 6.9+: FOLL_MADV_POPULATE exists (internal). */
        FOLL_MADV_POPULATE,
        /** 6.5+: check_vma_flags() refuses FOLL_LONGTERM|FOLL_WRITE pins of dirty-tracked shared file
         *  mappings (8ac268436e6d slow path, a6e79df92e4a gup-fast). */
        FILE_BACKED_LONGTERM_WRITE_BAN,
        /** 6.5+: gup-fast returns -EOVERFLOW when start + len wraps; earlier kernels return 0. */
        FAST_OVERFLOW_IS_ERROR,
        /** 6.4.y (StackRot backports) and later: gup-fast checks end > TASK_SIZE_MAX. */
        FAST_TASK_SIZE_CHECK,
        /** gup-fast still calls access_ok() (gone in the 6.18 tree). */
        FAST_ACCESS_OK,
        /** 6.5+: pinning the shared zero page changes no counters. */
        ZERO_PAGE_PIN_NOOP,
        /** 6.7+: nr_pages == 0 returns 0 early; a 0-page result without FOLL_NOWAIT is WARN_ON_ONCE and -EFAULT. */
        ZERO_RESULT_IS_EFAULT,
        /** 6.3 (find_extend_vma): GUP just below a VM_GROWSDOWN stack expands it. */
        GUP_EXPANDS_STACK,
        /** up to 6.8: check_vma_flags() rejects FOLL_FORCE writes to read-only hugetlb VMAs. */
        HUGETLB_FORCE_WRITE_REJECTED,
        /** 6.11+ (hugetlb GUP through the generic walk): check_vma_flags() gives -EOPNOTSUPP for
         *  FOLL_SPLIT_PMD on hugetlb (present in the 6.18 tree). */
        SPLIT_PMD_HUGETLB_REJECTED,
        /** 6.7+: MAP_STACK sets VM_NOHUGEPAGE (c4608d1bf7c6). */
        MAP_STACK_NOHUGEPAGE,
        /** 6.11+: MAP_DROPPABLE (9651fcedf7b9). */
        MAP_DROPPABLE,
        /** 6.12+: __mmap_region() gathers the MAP_FIXED unmap and completes it only after the file's
         *  mmap hook succeeded; earlier kernels unmap first and report unmap failures as -ENOMEM. */
        MMAP_REGION_REWORKED,
        /** 6.7+ (efa7df3e3bb5, limited to PMD-multiple lengths by d4148aeab412): a hint-less anonymous
         *  mapping whose length is a multiple of 2 MiB is placed 2 MiB-aligned (thp_get_unmapped_area). */
        THP_ALIGNED_ANON_MMAP,
        /** about 6.10+: io_uring pins with pin_user_pages_fast and checks overflow itself. */
        IO_URING_PIN_FAST,
        /** 6.12+ (a8edbb424b13): multi-folio coalescing of registered buffers. */
        IO_URING_MULTI_FOLIO_COALESCE,
        /** 6.13+ rsrc rework: node-based buffer table (the per-call dedup window differs, io_uring.md
         *  2.3), iovec_from_user(), io_validate_user_buf_range(), validate_fixed_range() with its
         *  MAX_RW_COUNT limit, tag CQEs on unregister. */
        IO_URING_NODE_TABLE,
        /** 6.13+: io_uring_register(-1, ...) is a "blind" call; buffer opcodes there are -EINVAL, not -EBADF. */
        IO_URING_BLIND_REGISTER,
        /** 6.14+: SQ/CQ rings and the SQE array are io_uring regions charged to user->locked_vm
         *  (io_create_region(), io_uring/memmap.c); earlier io_mem_alloc() charged only memcg. */
        IO_URING_RING_REGIONS_ACCOUNTED,
        /** 6.5+: madvise_cold_or_pageout_pte_range() asks folio_estimated_sharers() (the first page's
         *  mapcount) whether a large folio is shared; 6.3/6.4 ask folio_mapcount() != 1, so a THP mapped
         *  by several PTEs counts as shared and stops the walk. */
        PAGEOUT_ESTIMATED_SHARERS,
        /** 6.10+ (madvise_folio_pte_batch() in the 6.18 tree): MADV_PAGEOUT splits a PTE-mapped large
         *  folio only when the range maps part of it; a fully mapped one goes to reclaim whole, and
         *  sharing is folio_maybe_mapped_shared() (another mm maps it). */
        PAGEOUT_WHOLE_LARGE_FOLIO,
        /** 6.15+ (c3edd36ad29b "mm: Copy-on-Write (COW) reuse support for PTE-mapped THP", on top of
         *  the MM-owner tracking of large folios, FOLIO_MM_IDS_SHARED_BIT; present in the 6.18
         *  tree): do_wp_page() reuses a PTE-mapped large anon folio through
         *  __wp_can_reuse_large_anon_folio() (mapcount > 1, not shared between mms, mapcount ==
         *  refcount). 6.3-6.5 apply the generic folio_ref_count() == 1 test to large folios. */
        LARGE_ANON_FOLIO_REUSE,
        /** do_huge_zero_wp_pmd() (mm/huge_memory.c; present in the 6.18 tree, absent from 6.5; merged
         *  about 6.14, "allocate THP on huge zero page wp-fault"): a write or unshare fault on the huge zero PMD maps a new THP. 6.3-6.5
         *  do_huge_pmd_wp_page() split the PMD into 512 zero-page PTEs and COW one 4 KiB page. */
        HUGE_ZERO_WP_ALLOCATES_THP,
        /** set_huge_zero_folio() applies pmd_mkspecial() (present in the 6.18 tree, absent from 6.5;
         *  the exact release is not checked here): gup-fast's
         *  gup_fast_pmd_leaf() gives up on the special huge zero PMD and the slow path pins it;
         *  6.3-6.5 gup_huge_pmd() pins it locklessly. */
        HUGE_ZERO_PMD_SPECIAL,
        /** 6.10+ ("mm/gup: consistently name GUP-fast functions"): internal_get_user_pages_fast()
         *  became gup_fast_fallback(), lockless_pages_from_mm() gup_fast(), folio_fast_pin_allowed()
         *  gup_fast_folio_allowed(), gup_huge_pmd() gup_fast_pmd_leaf(), gup_pte_range()
         *  gup_fast_pte_range() (the old names read in the 6.3.8 and 6.5.0 trees, the new in 6.18). */
        GUP_FAST_RENAMED,
        /** 6.17+ mm/mremap.c rework (struct vma_remap_struct): check_mremap_params() checks new_addr
         *  before any VMA is looked up, and a move-only MREMAP_FIXED (old_len == new_len) moves every
         *  VMA in the range (remap_move()); 6.3-6.5 SYSCALL_DEFINE5(mremap) look the VMA up first
         *  and refuse a range that crosses its end (vma_to_resize(): -EFAULT). */
        MREMAP_MULTI_VMA,
        /** MADV_COLLAPSE without the writable-PTE requirement: the 6.3.8 and 6.5.0
         *  hpage_collapse_scan_pmd() end with SCAN_PAGE_RO when no PTE of the 2 MiB is writable; the
         *  6.19 tree has no SCAN_PAGE_RO, and this machine's 6.18 collapses fork-shared read-only
         *  PTEs (oracle case collapse.shared_with_child). The exact release is not checked here. */
        COLLAPSE_READONLY_PTES,
        /** 6.13+: IORING_REGISTER_CLONE_BUFFERS (30) exists; the 6.18 uapi header ends at
         *  IORING_REGISTER_LAST = 36, the 6.3.8 and 6.5.0 ones at 26. */
        IO_URING_CLONE_BUFFERS,
        /** io_nop_prep() reads sqe->nop_flags (INJECT_RESULT, FILE, FIXED_FILE, FIXED_BUFFER, TW,
         *  CQE32; present in the 6.18 tree); the 6.3.8 and 6.5.0 io_nop() ignore the SQE and post 0. */
        IO_URING_NOP_FLAGS,
        /** 6.15+: IORING_OP_READV_FIXED (60) / WRITEV_FIXED (61), io_import_reg_vec(); 6.5's enum
         *  io_uring_op ends at IORING_OP_LAST = 49, so io_init_req() answers -EINVAL. */
        IO_URING_RWV_FIXED,
        /** btrfs_direct_write() (fs/btrfs/direct-io.c in the 6.19 tree) falls back to a buffered write when the inode has
         *  data checksums (no BTRFS_INODE_NODATASUM, the default), so an O_DIRECT write on btrfs pins nothing; the
         *  oracle sees it on 6.18 (an O_DIRECT pwrite from memfd_secret memory succeeds on btrfs, -EFAULT on ext4).
         *  Absent from the 6.3.8 tree (only misaligned I/O falls back there); the 6.5 mirror has no fs/btrfs, so 6.4
         *  and 6.5 are treated as 6.3. */
        BTRFS_DIO_WRITE_DATASUM_FALLBACK,
        /** vfs_fallocate() (fs/open.c) takes one mode out of FALLOC_FL_MODE_MASK (a switch; present in the 6.19 tree,
         *  and the oracle sees it on 6.18: COLLAPSE_RANGE|KEEP_SIZE is -EOPNOTSUPP); the 6.3.8 and 6.5.0 trees check
         *  the bits one by one against FALLOC_FL_SUPPORTED_MASK, where the same call is -EINVAL. */
        FALLOCATE_MODES_EXCLUSIVE,
        /** __xfs_file_fallocate() (fs/xfs/xfs_file.c, 6.19 tree) dispatches per mode, and COLLAPSE_RANGE flushes and
         *  unmaps only after its alignment and i_size checks; the 6.3.8 tree's xfs_file_fallocate() runs
         *  xfs_flush_unmap_range(ip, offset, len) first, so even a COLLAPSE_RANGE that fails -EINVAL has written back
         *  and dropped the range's page cache. The 6.5 mirror has no fs/xfs, so 6.4 and 6.5 are treated as 6.3. */
        XFS_FALLOC_PER_MODE,
        /** 6.6+ (1d65b771bc08 "mm/khugepaged: retract_page_tables() without mmap or vma lock"; the 6.19
         *  tree): collapse_file() ends with SCAN_PTE_MAPPED_HUGEPAGE for MADV_COLLAPSE and
         *  madvise_collapse() maps the new folio through collapse_pte_mapped_thp(), which installs the
         *  PMD whether or not the caller had a page table there. The 6.3.8 and 6.5.0
         *  retract_page_tables() answer for the caller's VMA themselves: SCAN_PAGE_ANON when it has an
         *  anon_vma, SCAN_PMD_NULL / SCAN_PMD_NONE when it had no page table, else set_huge_pmd(). */
        COLLAPSE_PTE_MAPPED_AFTER_RETRACT,
        /** do_set_pmd() refuses a PMD mapping where vma_thp_disabled() says so (VM_NOHUGEPAGE; its prctl leg is not simulated)
         *  (present in the 6.19 tree, absent from 6.5.0, which checks only transhuge_vma_suitable()). */
        DO_SET_PMD_THP_DISABLED,
        /** finish_fault() maps every page of a large page-cache folio at once when the folio lies inside
         *  the VMA and one page table and their PTEs are none (set_pte_range() with nr_pages; present
         *  in the 6.19 tree; the 6.3.8 and 6.5.0 finish_fault() map the faulting page only). */
        FINISH_FAULT_WHOLE_FOLIO,
        /** truncate_inode_partial_folio() splits a large folio with try_folio_split_to_order()
         *  (folio_split(), a non-uniform split into folios of orders 0-8 around the cut; present in
         *  the 6.19 tree); the 6.3.8 and 6.5.0 trees split_folio() to order 0. */
        TRUNCATE_NON_UNIFORM_SPLIT,
        /** shmem_writeout() (6.19 tree) keeps a large folio whole up to folio_alloc_swap() and, when no large
         *  swap entry is found (a swapfile has none), splits it onto the reclaim list, so every page goes to
         *  swap in the same pass; the 6.3.8 and 6.5.0 shrink_folio_list() split a swap-backed large folio
         *  before try_to_unmap() ("Split shmem folio", split_folio_to_list(): a pinned one is kept whole and
         *  mapped), so shmem_writepage() meets 512 small folios, each written or, with no swap, redirtied. */
        SHMEM_WRITEOUT_LARGE
    }

    /** How io_uring decides about file-backed buffers (io_uring.md section 0). */
    public enum IoUringFileCheck {
        /** v6.3: edd478269640, every page's VMA must share vmas[0]->vm_file (-EINVAL), and
         *  file-backed other than shmem/hugetlbfs is -EOPNOTSUPP. */
        MULTI_SOURCE_EINVAL,
        /** seed: FOLL_SAME_FILE in GUP plus a first-VMA-only shmem/hugetlb check. */
        SEED_SAME_FILE,
        /** v6.4: 3c85cc43c8e7 reverted the multi-source rule; per-VMA -EOPNOTSUPP stays. */
        PER_VMA_EOPNOTSUPP,
        /** v6.5+: no io_uring check, GUP's check_vma_flags decides. */
        GUP_DELEGATED
    }

    public Profile {
        features = features.isEmpty() ? EnumSet.noneOf(Feature.class) : EnumSet.copyOf(features);
        differences = List.copyOf(differences);
    }

    public boolean has(Feature f) { return features.contains(f); }

    public static final Profile V6_3 = new Profile("v6.3", "Linux 6.3",
            "Linux 6.3: vmas parameters, io_uring refuses multi-source buffers (-EINVAL)", """
            get_user_pages*/pin_user_pages* still take a vmas array (is_valid_gup_args rule: vmas with locked)
            io_uring: all pages of a buffer must share one vm_file, else -EINVAL (edd478269640)
            io_uring: file-backed buffers other than shmem/hugetlbfs give -EOPNOTSUPP
            GUP may expand a VM_GROWSDOWN stack (find_extend_vma)
            pinning the zero page is counted like any page
            """.lines().toList(),
            EnumSet.of(VMAS_PARAM, PIN_USER_PAGES_VMAS_PARAM, FAST_ACCESS_OK, GUP_EXPANDS_STACK, HUGETLB_FORCE_WRITE_REJECTED),
            IoUringFileCheck.MULTI_SOURCE_EINVAL, false);

    public static final Profile SEED = new Profile("seed", "Linux 6.3 + FOLL_SAME_FILE series (Apr 2023, unmerged)",
            "The April-2023 FOLL_SAME_FILE proposal as posted on top of 6.3", """
            FOLL_SAME_FILE (1<<12): check_vma_flags() gives -EFAULT when a VMA's file differs from the previous one
            gup-fast rejects FOLL_SAME_FILE through its flag whitelist
            pin_user_pages() has no vmas parameter
            io_uring pins with FOLL_SAME_FILE; a short pin becomes -EFAULT; only the first VMA is checked for shmem/hugetlb (-EOPNOTSUPP)
            """.lines().toList(),
            EnumSet.of(VMAS_PARAM, FOLL_SAME_FILE, FAST_ACCESS_OK, GUP_EXPANDS_STACK, HUGETLB_FORCE_WRITE_REJECTED),
            IoUringFileCheck.SEED_SAME_FILE, false);

    public static final Profile V6_4 = new Profile("v6.4", "Linux 6.4",
            "Linux 6.4: the io_uring multi-source -EINVAL is reverted", """
            io_uring multi-source -EINVAL reverted (3c85cc43c8e7)
            io_uring keeps its per-VMA -EOPNOTSUPP check for file-backed buffers
            vmas parameters still exist
            gup-fast checks end > TASK_SIZE_MAX (StackRot backports in 6.4.y)
            GUP no longer expands the stack
            """.lines().toList(),
            EnumSet.of(VMAS_PARAM, PIN_USER_PAGES_VMAS_PARAM, FAST_TASK_SIZE_CHECK, FAST_ACCESS_OK, HUGETLB_FORCE_WRITE_REJECTED),
            IoUringFileCheck.PER_VMA_EOPNOTSUPP, false);

    public static final Profile V6_5 = new Profile("v6.5", "Linux 6.5",
            "Linux 6.5: vmas removed, GUP refuses long-term write pins of dirty-tracked file mappings", """
            vmas parameter removed from every GUP entry point
            FOLL_LONGTERM|FOLL_WRITE pins of shared writable ext4/xfs mappings: -EFAULT (8ac268436e6d, a6e79df92e4a)
            io_uring has no VMA check of its own; MAP_PRIVATE file buffers register
            FOLL_HONOR_NUMA_FAULT is set on every call by is_valid_gup_args()
            gup-fast overflow gives -EOVERFLOW
            pinning the zero page is not counted
            """.lines().toList(),
            EnumSet.of(FOLL_HONOR_NUMA_FAULT, HONOR_NUMA_AUTO_SET, FILE_BACKED_LONGTERM_WRITE_BAN, FAST_OVERFLOW_IS_ERROR,
                    FAST_TASK_SIZE_CHECK, FAST_ACCESS_OK, ZERO_PAGE_PIN_NOOP, HUGETLB_FORCE_WRITE_REJECTED,
                    PAGEOUT_ESTIMATED_SHARERS),
            IoUringFileCheck.GUP_DELEGATED, false);

    public static final Profile V6_18 = new Profile("v6.18", "Linux 6.18",
            "Linux 6.18 (default): as 6.5 plus the 6.7+ GUP hardening and newer io_uring", """
            FOLL_TOUCH is an internal flag (INTERNAL_GUP_FLAGS, 6.7)
            nr_pages == 0 returns 0; a 0-page result without FOLL_NOWAIT is WARN_ON_ONCE and -EFAULT
            FOLL_HONOR_NUMA_FAULT is no longer set automatically
            io_uring pins with pin_user_pages_fast and checks overflow itself (-EOVERFLOW)
            io_uring coalesces multi-folio buffers, node-based buffer table
            hugetlb FOLL_FORCE writes no longer rejected by check_vma_flags()
            do_wp_page() reuses a PTE-mapped large anon folio no other mm maps (__wp_can_reuse_large_anon_folio); a THP's last PTE is copied
            a write or unshare fault on the huge zero PMD maps a new THP (do_huge_zero_wp_pmd); gup-fast leaves the special huge zero PMD to the slow path
            MADV_COLLAPSE of shmem maps the new folio through collapse_pte_mapped_thp(); do_set_pmd() honours VM_NOHUGEPAGE; finish_fault() maps a whole large shmem folio by PTEs
            truncating part of a shmem THP splits it non-uniformly (folio_split(): not simulated)
            """.lines().toList(),
            EnumSet.of(FOLL_HONOR_NUMA_FAULT, TOUCH_IS_INTERNAL, FOLL_MADV_POPULATE, FILE_BACKED_LONGTERM_WRITE_BAN,
                    FAST_OVERFLOW_IS_ERROR, FAST_TASK_SIZE_CHECK, ZERO_PAGE_PIN_NOOP, ZERO_RESULT_IS_EFAULT,
                    SPLIT_PMD_HUGETLB_REJECTED, MAP_STACK_NOHUGEPAGE, MAP_DROPPABLE, MMAP_REGION_REWORKED,
                    THP_ALIGNED_ANON_MMAP, IO_URING_PIN_FAST, IO_URING_MULTI_FOLIO_COALESCE, IO_URING_NODE_TABLE,
                    IO_URING_BLIND_REGISTER, IO_URING_RING_REGIONS_ACCOUNTED, LARGE_ANON_FOLIO_REUSE, PAGEOUT_WHOLE_LARGE_FOLIO,
                    HUGE_ZERO_WP_ALLOCATES_THP, HUGE_ZERO_PMD_SPECIAL, GUP_FAST_RENAMED,
                    IO_URING_CLONE_BUFFERS, IO_URING_NOP_FLAGS, IO_URING_RWV_FIXED, MREMAP_MULTI_VMA,
                    COLLAPSE_READONLY_PTES, BTRFS_DIO_WRITE_DATASUM_FALLBACK, FALLOCATE_MODES_EXCLUSIVE, XFS_FALLOC_PER_MODE,
                    COLLAPSE_PTE_MAPPED_AFTER_RETRACT, DO_SET_PMD_THP_DISABLED, FINISH_FAULT_WHOLE_FOLIO, TRUNCATE_NON_UNIFORM_SPLIT,
                    SHMEM_WRITEOUT_LARGE),
            IoUringFileCheck.GUP_DELEGATED, true);

    public static final List<Profile> ALL = List.of(V6_3, SEED, V6_4, V6_5, V6_18);

    public static Profile defaultProfile() { return V6_18; }

    public static Optional<Profile> byName(String name) {
        return ALL.stream().filter(p -> p.name.equals(name)).findFirst();
    }

    public static List<String> names() { return ALL.stream().map(Profile::name).toList(); }

    /** True when this kernel's entry point {@code call} takes a vmas array. */
    public boolean hasVmasParam(String call) {
        if (!vmasParam()) return false;
        if (call.equals("pin_user_pages")) return pinUserPagesVmasParam();
        return call.equals("get_user_pages") || call.equals("get_user_pages_remote")
                || call.equals("pin_user_pages_remote");
    }

    // Named accessors, read at the one check each concerns (see Feature for versions and commits).
    public boolean vmasParam() { return has(VMAS_PARAM); }
    public boolean pinUserPagesVmasParam() { return has(PIN_USER_PAGES_VMAS_PARAM); }
    public boolean follSameFile() { return has(FOLL_SAME_FILE); }
    public boolean follHonorNumaFault() { return has(FOLL_HONOR_NUMA_FAULT); }
    public boolean honorNumaAutoSet() { return has(HONOR_NUMA_AUTO_SET); }
    public boolean touchIsInternal() { return has(TOUCH_IS_INTERNAL); }
    public boolean follMadvPopulate() { return has(FOLL_MADV_POPULATE); }
    public boolean fileBackedLongtermWriteBan() { return has(FILE_BACKED_LONGTERM_WRITE_BAN); }
    public boolean fastOverflowIsError() { return has(FAST_OVERFLOW_IS_ERROR); }
    public boolean fastTaskSizeCheck() { return has(FAST_TASK_SIZE_CHECK); }
    public boolean fastAccessOk() { return has(FAST_ACCESS_OK); }
    public boolean zeroPagePinNoop() { return has(ZERO_PAGE_PIN_NOOP); }
    public boolean zeroResultIsEfault() { return has(ZERO_RESULT_IS_EFAULT); }
    public boolean gupExpandsStack() { return has(GUP_EXPANDS_STACK); }
    public boolean hugetlbForceWriteRejected() { return has(HUGETLB_FORCE_WRITE_REJECTED); }
    public boolean splitPmdHugetlbRejected() { return has(SPLIT_PMD_HUGETLB_REJECTED); }
    public boolean mapStackNoHugepage() { return has(MAP_STACK_NOHUGEPAGE); }
    public boolean mapDroppable() { return has(MAP_DROPPABLE); }
    public boolean mmapRegionReworked() { return has(MMAP_REGION_REWORKED); }
    public boolean mremapMultiVma() { return has(MREMAP_MULTI_VMA); }
    public boolean collapseReadonlyPtes() { return has(COLLAPSE_READONLY_PTES); }
    public boolean thpAlignedAnonMmap() { return has(THP_ALIGNED_ANON_MMAP); }
    public boolean ioUringPinFast() { return has(IO_URING_PIN_FAST); }
    public boolean ioUringMultiFolioCoalesce() { return has(IO_URING_MULTI_FOLIO_COALESCE); }
    public boolean ioUringNodeTable() { return has(IO_URING_NODE_TABLE); }
    public boolean ioUringBlindRegister() { return has(IO_URING_BLIND_REGISTER); }
    public boolean ioUringRingRegionsAccounted() { return has(IO_URING_RING_REGIONS_ACCOUNTED); }
    public boolean largeAnonFolioReuse() { return has(LARGE_ANON_FOLIO_REUSE); }
    public boolean pageoutEstimatedSharers() { return has(PAGEOUT_ESTIMATED_SHARERS); }
    public boolean pageoutWholeLargeFolio() { return has(PAGEOUT_WHOLE_LARGE_FOLIO); }
    public boolean hugeZeroWpAllocatesThp() { return has(HUGE_ZERO_WP_ALLOCATES_THP); }
    public boolean hugeZeroPmdSpecial() { return has(HUGE_ZERO_PMD_SPECIAL); }
    public boolean gupFastRenamed() { return has(GUP_FAST_RENAMED); }
    public boolean ioUringCloneBuffers() { return has(IO_URING_CLONE_BUFFERS); }
    public boolean ioUringNopFlags() { return has(IO_URING_NOP_FLAGS); }
    public boolean ioUringRwvFixed() { return has(IO_URING_RWV_FIXED); }
    public boolean btrfsDioWriteDatasumFallback() { return has(BTRFS_DIO_WRITE_DATASUM_FALLBACK); }
    public boolean fallocateModesExclusive() { return has(FALLOCATE_MODES_EXCLUSIVE); }
    public boolean xfsFallocPerMode() { return has(XFS_FALLOC_PER_MODE); }
    public boolean collapsePteMappedAfterRetract() { return has(COLLAPSE_PTE_MAPPED_AFTER_RETRACT); }
    public boolean doSetPmdThpDisabled() { return has(DO_SET_PMD_THP_DISABLED); }
    public boolean finishFaultWholeFolio() { return has(FINISH_FAULT_WHOLE_FOLIO); }
    public boolean truncateNonUniformSplit() { return has(TRUNCATE_NON_UNIFORM_SPLIT); }
    public boolean shmemWriteoutLarge() { return has(SHMEM_WRITEOUT_LARGE); }
}
