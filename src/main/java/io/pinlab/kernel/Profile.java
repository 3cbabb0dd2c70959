package io.pinlab.kernel;

import java.io.Serializable;
import java.util.List;
import java.util.Optional;

/**
 * One kernel version's behaviour as data: a record of switches, each read at the one check it
 * concerns (reference/gup.md section 5, reference/io_uring.md section 4). No subclass per version.
 */
public record Profile(
        String name,
        String kernel,
        String summary,
        List<String> differences,
        /* get_user_pages/_remote take a vmas array: 6.3, 6.4 (removed for 6.5 by the vmas series). */
        boolean vmasParam,
        /* pin_user_pages() lost vmas early in the seed series (patch 6/7). */
        boolean pinUserPagesVmasParam,
        /* seed: FOLL_SAME_FILE (1<<12) exists, checked in check_vma_flags(). Never merged. */
        boolean follSameFile,
        /* 6.5+: FOLL_HONOR_NUMA_FAULT (1<<12) exists. */
        boolean follHonorNumaFault,
        /* 6.5.0: is_valid_gup_args() ORs FOLL_HONOR_NUMA_FAULT into every call (removed in 6.6). */
        boolean honorNumaAutoSet,
        /* 6.7+: INTERNAL_GUP_FLAGS includes FOLL_TOUCH, so callers may not pass it. */
        boolean touchIsInternal,
        /* 6.9+: FOLL_MADV_POPULATE exists (internal). */
        boolean follMadvPopulate,
        /* 6.5+: check_vma_flags() refuses FOLL_LONGTERM|FOLL_WRITE pins of dirty-tracked shared
           file mappings (8ac268436e6d slow path, a6e79df92e4a gup-fast). */
        boolean fileBackedLongtermWriteBan,
        /* 6.5+: gup-fast returns -EOVERFLOW when start + len wraps; earlier kernels return 0. */
        boolean fastOverflowIsError,
        /* 6.4.6 stable (StackRot backports) and later: gup-fast checks end > TASK_SIZE_MAX. */
        boolean fastTaskSizeCheck,
        /* up to 6.18: gup-fast still calls access_ok() (removed by 6.19). */
        boolean fastAccessOk,
        /* 6.5+: pinning the shared zero page changes no counters. */
        boolean zeroPagePinNoop,
        /* 6.7+: nr_pages == 0 returns 0 early and a 0-page result without FOLL_NOWAIT is WARN + -EFAULT. */
        boolean zeroResultIsEfault,
        /* 6.3 (find_extend_vma): GUP just below a VM_GROWSDOWN stack expands it. */
        boolean gupExpandsStack,
        /* up to 6.8: check_vma_flags() rejects FOLL_FORCE writes to read-only hugetlb VMAs. */
        boolean hugetlbForceWriteRejected,
        /* io_uring io_pin_pages() file check. */
        IoUringFileCheck ioUringFileCheck,
        /* io_uring pins with pin_user_pages_fast and its own overflow checks (about 6.10+). */
        boolean ioUringPinFast,
        /* io_uring coalescing: single folio (6.3+, with the 776617db78c6 fix) or multi-folio (6.12+). */
        boolean ioUringMultiFolioCoalesce,
        /* io_uring node-based buffer table (6.13+): per-call dedup window differs (io_uring.md 2.3). */
        boolean ioUringNodeTable,
        /* This profile is the default for new sessions. */
        boolean isDefault) implements Serializable {

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

    public static final Profile V6_3 = new Profile("v6.3", "Linux 6.3",
            "Linux 6.3: vmas parameters, io_uring refuses multi-source buffers (-EINVAL)",
            List.of("get_user_pages*/pin_user_pages* still take a vmas array (is_valid_gup_args rule: vmas with locked)",
                    "io_uring: all pages of a buffer must share one vm_file, else -EINVAL (edd478269640)",
                    "io_uring: file-backed buffers other than shmem/hugetlbfs give -EOPNOTSUPP",
                    "GUP may expand a VM_GROWSDOWN stack (find_extend_vma)",
                    "pinning the zero page is counted like any page"),
            true, true, false, false, false, false, false, false, false, false, true, false, false, true, true,
            IoUringFileCheck.MULTI_SOURCE_EINVAL, false, false, false, false);

    public static final Profile SEED = new Profile("seed", "Linux 6.3 + FOLL_SAME_FILE series (Apr 2023, unmerged)",
            "The April-2023 FOLL_SAME_FILE proposal as posted on top of 6.3",
            List.of("FOLL_SAME_FILE (1<<12): check_vma_flags() gives -EFAULT when a VMA's file differs from the previous one",
                    "gup-fast rejects FOLL_SAME_FILE through its flag whitelist",
                    "pin_user_pages() has no vmas parameter",
                    "io_uring pins with FOLL_SAME_FILE; a short pin becomes -EFAULT; only the first VMA is checked for shmem/hugetlb (-EOPNOTSUPP)"),
            true, false, true, false, false, false, false, false, false, false, true, false, false, true, true,
            IoUringFileCheck.SEED_SAME_FILE, false, false, false, false);

    public static final Profile V6_4 = new Profile("v6.4", "Linux 6.4",
            "Linux 6.4: the io_uring multi-source -EINVAL is reverted",
            List.of("io_uring multi-source -EINVAL reverted (3c85cc43c8e7)",
                    "io_uring keeps its per-VMA -EOPNOTSUPP check for file-backed buffers",
                    "vmas parameters still exist",
                    "gup-fast checks end > TASK_SIZE_MAX (StackRot backports in 6.4.y)",
                    "GUP no longer expands the stack"),
            true, true, false, false, false, false, false, false, false, true, true, false, false, false, true,
            IoUringFileCheck.PER_VMA_EOPNOTSUPP, false, false, false, false);

    public static final Profile V6_5 = new Profile("v6.5", "Linux 6.5",
            "Linux 6.5: vmas removed, GUP refuses long-term write pins of dirty-tracked file mappings",
            List.of("vmas parameter removed from every GUP entry point",
                    "FOLL_LONGTERM|FOLL_WRITE pins of shared writable ext4/xfs mappings: -EFAULT (8ac268436e6d, a6e79df92e4a)",
                    "io_uring has no VMA check of its own; MAP_PRIVATE file buffers register",
                    "FOLL_HONOR_NUMA_FAULT is set on every call by is_valid_gup_args()",
                    "gup-fast overflow gives -EOVERFLOW",
                    "pinning the zero page is not counted"),
            false, false, false, true, true, false, false, true, true, true, true, true, false, false, true,
            IoUringFileCheck.GUP_DELEGATED, false, false, false, false);

    public static final Profile V6_18 = new Profile("v6.18", "Linux 6.18",
            "Linux 6.18 (default): as 6.5 plus the 6.7+ GUP hardening and newer io_uring",
            List.of("FOLL_TOUCH is an internal flag (INTERNAL_GUP_FLAGS, 6.7)",
                    "nr_pages == 0 returns 0; a 0-page result without FOLL_NOWAIT is WARN_ON_ONCE and -EFAULT",
                    "FOLL_HONOR_NUMA_FAULT is no longer set automatically",
                    "io_uring pins with pin_user_pages_fast and checks overflow itself (-EOVERFLOW)",
                    "io_uring coalesces multi-folio buffers, node-based buffer table",
                    "hugetlb FOLL_FORCE writes no longer rejected by check_vma_flags()"),
            false, false, false, true, false, true, true, true, true, true, true, true, true, false, false,
            IoUringFileCheck.GUP_DELEGATED, true, true, true, true);

    public static final List<Profile> ALL = List.of(V6_3, SEED, V6_4, V6_5, V6_18);

    public static Profile defaultProfile() { return V6_18; }

    public static Optional<Profile> byName(String name) {
        return ALL.stream().filter(p -> p.name.equals(name)).findFirst();
    }

    /** Deserialisation keeps the canonical instances, so profiles compare by identity too. */
    private Object readResolve() { return byName(name).orElse(this); }

    public static List<String> names() { return ALL.stream().map(Profile::name).toList(); }

    /** True when this kernel's entry point {@code call} takes a vmas array. */
    public boolean hasVmasParam(String call) {
        if (!vmasParam) return false;
        if (call.equals("pin_user_pages")) return pinUserPagesVmasParam;
        return call.equals("get_user_pages") || call.equals("get_user_pages_remote")
                || call.equals("pin_user_pages_remote");
    }
}
