package io.pinlab.kernel.mm;

import static io.pinlab.kernel.base.Explain.hex;
import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Explain;
import io.pinlab.kernel.base.Pfn;
import io.pinlab.kernel.base.VirtAddr;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.fs.FsType;
import io.pinlab.kernel.fs.Inode;
import io.pinlab.kernel.fs.OpenFile;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static io.pinlab.kernel.mm.FollBits.*;
import static io.pinlab.kernel.mm.PhysMem.*;
import static io.pinlab.kernel.mm.VmFlag.*;

/**
 * mm/gup.c: get_user_pages() and friends, in the kernel's order and with its function names
 * (kernels read: 6.3.8, 6.5.0, 6.18). One implementation serves all profiles: each
 * {@link Profile} switch is read at the one check it concerns.
 *
 * <h2>Entry points</h2>
 * <ul>
 * <li>the nine exports, one method each: get_user_pages(), get_user_pages_fast(),
 *     get_user_pages_fast_only(), get_user_pages_remote(), get_user_pages_unlocked(),
 *     pin_user_pages(), pin_user_pages_fast(), pin_user_pages_remote(), pin_user_pages_unlocked().
 *     The simulated driver ({@link GupTest}) reaches all nine; kernel callers (io_uring,
 *     process_vm_rw, /proc/PID/mem) use the public {@code Globals} variants of the ones they call
 *     ({@link #pinUserPages(Globals, Task, VirtAddr, long, int, long[], Explain)},
 *     {@link #pinUserPagesFast(Globals, Task, VirtAddr, int, int, long[], Explain)},
 *     {@link #pinUserPagesRemote(Globals, Task, VirtAddr, long, int, long[], Explain)},
 *     {@link #getUserPagesRemote(Globals, Task, VirtAddr, long, int, long[], Explain)}).</li>
 * <li>{@link #isValidGupArgs(Profile, GupCall, boolean, boolean, Integer, int)}: the one
 *     is_valid_gup_args().</li>
 * <li>release: {@link #unpinUserPage(Globals, Pfn)}, {@link #unpinUserPages(Globals, long[], int)},
 *     {@link #unpinUserPagesDirtyLock(Globals, long[], int, boolean)}, {@link #putPages(Globals, long[], int)}.</li>
 * </ul>
 * Pages are returned as pfns of the exact subpages, like {@code struct page *} entries.
 */
public final class Gup {
    /** Largest pages array a request may ask for (4 GiB of 4 KiB pages). */
    public static final long MAX_PAGES_ARRAY = 1L << 20;

    static final String FILE = "mm/gup.c";
    static final String MEMORY = "mm/memory.c";

    // vm_fault_t bits Memory does not define (include/linux/mm_types.h)
    static final int VM_FAULT_HWPOISON = 0x000010;
    static final int VM_FAULT_RETRY = 0x000400;
    static final int VM_FAULT_ERROR = Memory.VM_FAULT_OOM | Memory.VM_FAULT_SIGBUS | Memory.VM_FAULT_SIGSEGV | VM_FAULT_HWPOISON;

    /** The x86_64 vsyscall page: the only gate area (arch/x86/entry/vsyscall). */
    static final long VSYSCALL_ADDR = 0xffffffffff600000L;

    private static final long EFAULT = Errno.EFAULT.neg(), ENOMEM = Errno.ENOMEM.neg(), EINVAL = Errno.EINVAL.neg(),
            EBUSY = Errno.EBUSY.neg(), EAGAIN = Errno.EAGAIN.neg(), EEXIST = Errno.EEXIST.neg(), EMLINK = Errno.EMLINK.neg(),
            EOVERFLOW = Errno.EOVERFLOW.neg();

    private Gup() {}

    /** Per-call state: struct follow_page_context plus what the explain summary needs. */
    static final class Ctx {
        final Globals k;
        final PhysMem phys;
        final Profile p;
        final Task task;
        final Mm mm;
        final Explain ex;
        /** *locked: 1 = mmap_lock held by the caller, 0 = GUP takes it. */
        int locked = 1;
        /** follow_page_context.page_mask of the last lookup. */
        int pageMask;
        long faults, unshares, hugeLeaves, noopZeroPins;
        /** Lock drops (VM_FAULT_RETRY) that __get_user_pages_locked() recovered from with FOLL_TRIED. */
        long lockRetries;
        /** The error a walk dropped because pages were done ("i ? i : ret"), 0 if none. */
        long droppedErr;

        Ctx(Globals k, Task task, Explain ex) {
            this.k = k;
            this.phys = k.phys;
            this.p = k.profile;
            this.task = task;
            this.mm = task.mm;
            this.ex = ex == null ? new Explain() : ex;
        }
    }

    // =====================================================================================
    // is_valid_gup_args()
    // =====================================================================================

    /**
     * is_valid_gup_args() (mm/gup.c, 6.3: pages, vmas, locked, gup_flags, to_set; 6.5+: without
     * vmas). Returns null when the arguments are valid, else the first rule broken, in the
     * kernel's order. {@code locked} is the caller's *locked value (null =
     * NULL pointer); only *_remote entry points pass it through, the others pass NULL.
     * {@code vmas} counts only where the profile's entry point has that parameter.
     */
    public static GupArgsViolation isValidGupArgs(Profile p, GupCall call, boolean pages, boolean vmas,
                                                  Integer locked, int callerFlags) {
        return checkArgs(p, call, pages, vmas, locked, callerFlags, null);
    }

    private static GupArgsViolation checkArgs(Profile p, GupCall call, boolean pages, boolean vmas,
                                              Integer locked, int gupFlags, int[] flagsOut) {
        // Rule 1: flags the caller may not pass. 6.3-6.5: PIN|TRIED|UNLOCKABLE|REMOTE|FAST_ONLY;
        // 6.7+ INTERNAL_GUP_FLAGS adds FOLL_TOUCH; 6.9+ (and 6.6.y) adds FOLL_MADV_POPULATE.
        int internal = FOLL_PIN | FOLL_TRIED | FOLL_UNLOCKABLE | FOLL_REMOTE | FOLL_FAST_ONLY;
        if (p.touchIsInternal()) internal |= FOLL_TOUCH;
        if (p.follMadvPopulate()) internal |= FOLL_MADV_POPULATE;
        if ((gupFlags & internal) != 0)
            return violation(p, call, "INTERNAL_FLAG_FROM_CALLER",
                    p.touchIsInternal() ? "gup_flags & INTERNAL_GUP_FLAGS" : "gup_flags & (FOLL_PIN | FOLL_TRIED | FOLL_UNLOCKABLE | FOLL_REMOTE | FOLL_FAST_ONLY)",
                    "the caller passed " + flagNames(p, gupFlags & internal) + ", which only GUP itself may set");
        gupFlags |= call.toSet();
        Integer lk = call.takesLocked() ? locked : null;
        if (lk != null) {
            // Rule 2: at the external interface *locked must be 1 (the caller holds mmap_lock).
            if (lk != 1)
                return violation(p, call, "LOCKED_NOT_HELD", "*locked != 1",
                        "a locked pointer was passed with *locked == " + lk + ": the caller must hold mmap_lock and say so with 1");
            gupFlags |= FOLL_UNLOCKABLE;
        }
        // 6.5.0 only: every call honours NUMA hinting faults (removed again in 6.6, KVM sets it itself).
        if (p.honorNumaAutoSet()) gupFlags |= FOLL_BIT12;
        // Rule 3: FOLL_GET and FOLL_PIN are mutually exclusive.
        if ((gupFlags & (FOLL_PIN | FOLL_GET)) == (FOLL_PIN | FOLL_GET))
            return violation(p, call, "FOLL_GET_WITH_FOLL_PIN", "(gup_flags & (FOLL_PIN | FOLL_GET)) == (FOLL_PIN | FOLL_GET)",
                    "FOLL_GET and FOLL_PIN are mutually exclusive: a pin_* call must not also take a plain reference");
        // Rule 4: LONGTERM can only be specified when pinning.
        if ((gupFlags & FOLL_PIN) == 0 && (gupFlags & FOLL_LONGTERM) != 0)
            return violation(p, call, "LONGTERM_WITHOUT_PIN", "!(gup_flags & FOLL_PIN) && (gup_flags & FOLL_LONGTERM)",
                    "FOLL_LONGTERM is only allowed with FOLL_PIN, i.e. through the pin_user_pages* calls");
        // Rule 5: pages must be given when using GET/PIN.
        if ((gupFlags & (FOLL_GET | FOLL_PIN)) != 0 && !pages)
            return violation(p, call, "GET_OR_PIN_WITHOUT_PAGES", "(gup_flags & (FOLL_GET | FOLL_PIN)) && !pages",
                    call + " takes references (" + ((gupFlags & FOLL_PIN) != 0 ? "FOLL_PIN" : "FOLL_GET")
                            + ") so it needs a pages array to return them in");
        // Rule 6: the pgmap must stay hot-unpluggable.
        if ((gupFlags & FOLL_LONGTERM) != 0 && (gupFlags & FOLL_PCI_P2PDMA) != 0)
            return violation(p, call, "LONGTERM_WITH_P2PDMA", "(gup_flags & FOLL_LONGTERM) && (gup_flags & FOLL_PCI_P2PDMA)",
                    "P2P DMA memory must stay hot-unpluggable, so it cannot be pinned long-term");
        // Rule 7 (6.3, 6.4): vmas with locked: the vmas array would go stale if GUP dropped the lock.
        boolean hasVmas = vmas && p.hasVmasParam(call.name());
        if (p.vmasParam() && hasVmas && (gupFlags & FOLL_UNLOCKABLE) != 0)
            return violation(p, call, "VMAS_WITH_UNLOCKABLE", "vmas && (gup_flags & FOLL_UNLOCKABLE)",
                    "a vmas array cannot be combined with a locked pointer: if GUP drops mmap_lock the VMAs may be freed");
        if (flagsOut != null) flagsOut[0] = gupFlags;
        return null;
    }

    private static GupArgsViolation violation(Profile p, GupCall call, String rule, String cond, String detail) {
        String splat = "CPU: 0 at mm/gup.c is_valid_gup_args: WARN_ON_ONCE(" + cond + ")";
        return new GupArgsViolation(rule, call.invalidArgsRet(), "WARNING: " + splat, call, detail);
    }

    /**
     * Prints the WARN_ON_ONCE splat of a violated is_valid_gup_args() rule into the session's
     * dmesg, once per rule per session (as the kernel's WARN_ON_ONCE does per call site).
     * Returns true when it printed.
     */
    public static boolean warnInvalidArgs(Globals k, GupArgsViolation v) {
        return warnInvalidArgs(k, v, null);
    }

    private static boolean warnInvalidArgs(Globals k, GupArgsViolation v, Explain ex) {
        return k.log.warnOnce("is_valid_gup_args:" + v.rule(), v.warning().substring("WARNING: ".length()), ex);
    }

    // =====================================================================================
    // The nine exported entry points
    // =====================================================================================

    /**
     * pin_user_pages() for kernel callers (io_uring's io_pin_pages()): the current task's mm,
     * caller holds mmap_lock, no vmas. Returns the number of pages pinned or -errno (0 on invalid
     * arguments, as the kernel does); {@code pagesOut[0..ret)} receives the pfns. Release with
     * {@link #unpinUserPages}. No driver-visible Pin, no event.
     */
    public static long pinUserPages(Globals k, Task task, VirtAddr start, long nrPages, int gupFlags, long[] pagesOut, Explain ex) {
        return pinUserPages(new Ctx(k, task, ex), start.value(), nrPages, gupFlags, pagesOut, false);
    }

    /**
     * pin_user_pages_fast() for kernel callers (io_uring 6.10+): returns pages pinned or -errno
     * (-EINVAL on invalid arguments); {@code pagesOut[0..ret)} receives the pfns.
     */
    public static long pinUserPagesFast(Globals k, Task task, VirtAddr start, int nrPages, int gupFlags, long[] pagesOut, Explain ex) {
        return pinUserPagesFast(new Ctx(k, task, ex), start.value(), nrPages, gupFlags, pagesOut);
    }

    /**
     * get_user_pages_fast() for kernel callers (vmsplice's iov_iter_get_pages2()): the current task's
     * mm, one FOLL_GET reference per page, release with {@link #putPages}. Returns pages or -errno.
     */
    public static long getUserPagesFast(Globals k, Task task, long start, int nrPages, int gupFlags, long[] pagesOut, Explain ex) {
        return getUserPagesFast(new Ctx(k, task, ex), start, nrPages, gupFlags, pagesOut);
    }

    /**
     * pin_user_pages_remote() for kernel callers (process_vm_rw_single_vec()): {@code target}'s mm,
     * locked by the caller. Returns pages pinned or -errno (0 on invalid arguments).
     */
    public static long pinUserPagesRemote(Globals k, Task target, VirtAddr start, long nrPages, int gupFlags, long[] pagesOut, Explain ex) {
        return pinUserPagesRemote(new Ctx(k, target, ex), start.value(), nrPages, gupFlags, pagesOut, false, 1);
    }

    /**
     * get_user_pages_remote() for kernel callers (__access_remote_vm(), /proc/PID/mem): one FOLL_GET
     * reference per page, release with {@link #putPages}. Returns pages or -errno.
     */
    public static long getUserPagesRemote(Globals k, Task target, VirtAddr start, long nrPages, int gupFlags, long[] pagesOut, Explain ex) {
        return getUserPagesRemote(new Ctx(k, target, ex), start.value(), nrPages, gupFlags, pagesOut, false, 1);
    }

    // The nine exported entry points of mm/gup.c: each validates with its own to_set (GupCall),
    // answers invalid arguments with its own value, and calls its internal driver (GupCall.Path).

    /** get_user_pages(): current->mm, FOLL_TOUCH; -EINVAL on invalid arguments; __get_user_pages_locked(). */
    static long getUserPages(Ctx c, long start, long nrPages, int gupFlags, long[] pages, boolean vmas) {
        return export(c, GupCall.get_user_pages, start, nrPages, gupFlags, pages, vmas, null);
    }

    /** get_user_pages_fast(): FOLL_GET; -EINVAL on invalid arguments; gup-fast with fallback. */
    static long getUserPagesFast(Ctx c, long start, long nrPages, int gupFlags, long[] pages) {
        return export(c, GupCall.get_user_pages_fast, start, nrPages, gupFlags, pages, false, null);
    }

    /** get_user_pages_fast_only(): FOLL_GET|FOLL_FAST_ONLY; -EINVAL on invalid arguments; gup-fast, no fallback. */
    static long getUserPagesFastOnly(Ctx c, long start, long nrPages, int gupFlags, long[] pages) {
        return export(c, GupCall.get_user_pages_fast_only, start, nrPages, gupFlags, pages, false, null);
    }

    /** get_user_pages_remote(): another mm, FOLL_TOUCH|FOLL_REMOTE, the caller's locked; -EINVAL on invalid arguments. */
    static long getUserPagesRemote(Ctx c, long start, long nrPages, int gupFlags, long[] pages, boolean vmas, Integer locked) {
        return export(c, GupCall.get_user_pages_remote, start, nrPages, gupFlags, pages, vmas, locked);
    }

    /** get_user_pages_unlocked(): FOLL_TOUCH|FOLL_UNLOCKABLE, takes mmap_lock itself; -EINVAL on invalid arguments. */
    static long getUserPagesUnlocked(Ctx c, long start, long nrPages, int gupFlags, long[] pages) {
        return export(c, GupCall.get_user_pages_unlocked, start, nrPages, gupFlags, pages, false, null);
    }

    /** pin_user_pages(): current->mm, FOLL_PIN; 0 on invalid arguments; __gup_longterm_locked(). */
    static long pinUserPages(Ctx c, long start, long nrPages, int gupFlags, long[] pages, boolean vmas) {
        return export(c, GupCall.pin_user_pages, start, nrPages, gupFlags, pages, vmas, null);
    }

    /** pin_user_pages_fast(): FOLL_PIN; -EINVAL on invalid arguments; gup-fast with fallback. */
    static long pinUserPagesFast(Ctx c, long start, long nrPages, int gupFlags, long[] pages) {
        return export(c, GupCall.pin_user_pages_fast, start, nrPages, gupFlags, pages, false, null);
    }

    /** pin_user_pages_remote(): another mm, FOLL_PIN|FOLL_TOUCH|FOLL_REMOTE, the caller's locked; 0 on invalid arguments. */
    static long pinUserPagesRemote(Ctx c, long start, long nrPages, int gupFlags, long[] pages, boolean vmas, Integer locked) {
        return export(c, GupCall.pin_user_pages_remote, start, nrPages, gupFlags, pages, vmas, locked);
    }

    /** pin_user_pages_unlocked(): FOLL_PIN|FOLL_TOUCH|FOLL_UNLOCKABLE; 0 on invalid arguments. */
    static long pinUserPagesUnlocked(Ctx c, long start, long nrPages, int gupFlags, long[] pages) {
        return export(c, GupCall.pin_user_pages_unlocked, start, nrPages, gupFlags, pages, false, null);
    }

    /**
     * The body every export shares: is_valid_gup_args() with the export's to_set (on failure the
     * export's own return value), the lock state it passes down ({@code *locked} of a *_remote
     * caller, else its own), and its driver.
     */
    private static long export(Ctx c, GupCall call, long start, long nrPages, int gupFlags, long[] pages, boolean vmas, Integer locked) {
        Integer flags = validGupArgs(c, call, pages, vmas, locked, gupFlags);
        if (flags == null) return call.invalidArgsRet();
        checkFilePmds(c, start, nrPages, flags);
        if (call.path() == GupCall.Path.FAST) return gupFastFallback(c, start, nrPages, flags, pages);
        c.locked = locked != null ? locked : call.internalLocked();
        return call.path() == GupCall.Path.LONGTERM
                ? gupLongtermLocked(c, start, nrPages, pages, 0, flags)
                : getUserPagesLocked(c, start, nrPages, pages, 0, flags);
    }

    /**
     * Throws, before anything changes, for the two walks over a PMD-mapped shmem THP (MADV_COLLAPSE
     * made it) that pinlab cannot answer: FOLL_SPLIT_PMD (follow_pmd_mask() splits the PMD, which
     * for a file VMA clears it, then pte_alloc() installs an empty page table, and the fault maps
     * PTEs; pinlab keeps no empty page tables and would map the PMD again), and a FOLL_LONGTERM read
     * pin in a COW mapping (gup_must_unshare(): the unshare fault splits the PMD, and the read fault
     * after it maps the folio again by do_set_pmd()).
     */
    private static void checkFilePmds(Ctx c, long start, long nrPages, int flags) {
        boolean split = (flags & FOLL_SPLIT_PMD) != 0;
        boolean unshare = (flags & (FOLL_PIN | FOLL_LONGTERM | FOLL_WRITE)) == (FOLL_PIN | FOLL_LONGTERM);
        if ((!split && !unshare) || c.mm.pmds.isEmpty() || nrPages <= 0) return;
        long end = start + Math.min(nrPages, 1L << 40) * PAGE_SIZE;
        if (Long.compareUnsigned(end, start) <= 0) return;
        long[] at = {-1};
        c.mm.pmds.forEach(start >>> 21, ((end - 1) >>> 21) + 1, (key, pmd) -> {
            if (at[0] >= 0 || !HugeMemory.isFilePmd(c.k, pmd)) return;
            Vma v = c.mm.vmaLookup(key << 21);
            if (split || (v != null && v.isCowMapping())) at[0] = key << 21;
        });
        if (at[0] >= 0) throw new io.pinlab.kernel.base.NotSimulatedException("gupFlags", (split ? "FOLL_SPLIT_PMD" : "a FOLL_LONGTERM read pin in a private mapping")
                + " over the PMD-mapped shmem THP at " + hex(at[0]) + ": the kernel splits the PMD and maps PTEs through an empty page table, which pinlab does not keep");
    }

    /**
     * is_valid_gup_args() as an entry point calls it: the final gup_flags, or null after the
     * WARN_ON_ONCE splat and the explain step of the rule broken.
     */
    private static Integer validGupArgs(Ctx c, GupCall call, long[] pages, boolean vmas, Integer locked, int callerFlags) {
        int[] fl = new int[1];
        GupArgsViolation v = checkArgs(c.p, call, pages != null, vmas, locked, callerFlags, fl);
        if (v != null) {
            warnInvalidArgs(c.k, v, c.ex);
            c.ex.step("is_valid_gup_args", FILE, v.kernelRet() == 0 ? "false (returns 0)" : "-EINVAL",
                    v.detail() + "; " + call + " returns " + v.kernelRet());
            return null;
        }
        if (c.ex.verbose()) c.ex.ok("is_valid_gup_args", FILE, "gup_flags = " + flagNames(c.p, fl[0]));
        return fl[0];
    }

    // =====================================================================================
    // check_vma_flags() and the VMA lookup
    // =====================================================================================

    /**
     * check_vma_flags() (mm/gup.c), rules in order. {@code sameFile} is
     * the seed series' extra argument (FOLL_SAME_FILE, never merged). Returns 0 or -errno and
     * records the decisive rule.
     */
    static int checkVmaFlags(Ctx c, Vma vma, int gupFlags, OpenFile sameFile) {
        Profile p = c.p;
        long vmFlags = vma.flags;
        boolean write = (gupFlags & FOLL_WRITE) != 0;
        boolean vmaAnon = vma.isAnonymous();
        // seed (Apr 2023, patch 4/7): FOLL_SAME_FILE asserts that every VMA shares the previous one's vm_file
        if (p.follSameFile() && (gupFlags & FOLL_BIT12) != 0 && vma.file != sameFile)
            return vmaFail(c, Errno.EFAULT, where(vma) + ": FOLL_SAME_FILE and its file differs from the previous VMA's");
        if ((vmFlags & (VM_IO_B | VM_PFNMAP_B)) != 0)
            return vmaFail(c, Errno.EFAULT, where(vma) + " is VM_IO|VM_PFNMAP: raw device memory has no struct pages to pin");
        if ((gupFlags & FOLL_ANON) != 0 && !vmaAnon)
            return vmaFail(c, Errno.EFAULT, where(vma) + " is not anonymous and FOLL_ANON was given (CVE-2018-1120 guard)");
        if ((gupFlags & FOLL_LONGTERM) != 0 && vma.isFsdax())
            return vmaFail(c, Errno.EOPNOTSUPP, where(vma) + " is fsdax: a long-term pin would block the filesystem from ever moving those blocks");
        // 6.11+ (hugetlb GUP through the generic walk): FOLL_SPLIT_PMD cannot split a hugetlb page.
        if ((gupFlags & FOLL_SPLIT_PMD) != 0 && vma.isHugetlb() && p.splitPmdHugetlbRejected())
            return vmaFail(c, Errno.EOPNOTSUPP, where(vma) + " is hugetlb: FOLL_SPLIT_PMD cannot split a hugetlb page");
        if (vma.isSecretmem())
            return vmaFail(c, Errno.EFAULT, where(vma) + " is memfd_secret memory, which is unmapped from the kernel and never pinnable");
        if (write) {
            // 6.5+ (8ac268436e6d): writable_file_mapping_allowed()
            if (p.fileBackedLongtermWriteBan() && !vmaAnon && !writableFileMappingAllowed(vma, gupFlags))
                return vmaFail(c, Errno.EFAULT, where(vma) + " needs dirty tracking (shared, writable, " + fsName(vma)
                        + "): a FOLL_LONGTERM|FOLL_WRITE pin would let a device write behind the filesystem's back");
            if ((vmFlags & VM_WRITE_B) == 0) {
                if ((gupFlags & FOLL_FORCE) == 0)
                    return vmaFail(c, Errno.EFAULT, where(vma) + " is not writable and FOLL_FORCE was not given");
                // up to 6.8: hugetlb does not support FOLL_FORCE|FOLL_WRITE
                if (p.hugetlbForceWriteRejected() && vma.isHugetlb())
                    return vmaFail(c, Errno.EFAULT, where(vma) + " is hugetlb: FOLL_FORCE writes to read-only hugetlb mappings are not supported");
                if (!vma.isCowMapping())
                    return vmaFail(c, Errno.EFAULT, where(vma) + " is not a private (COW) mapping: FOLL_FORCE may only write through a private copy");
            }
        } else if ((vmFlags & VM_READ_B) == 0) {
            if ((gupFlags & FOLL_FORCE) == 0)
                return vmaFail(c, Errno.EFAULT, where(vma) + " is not readable and FOLL_FORCE was not given");
            if ((vmFlags & VM_MAYREAD_B) == 0)
                return vmaFail(c, Errno.EFAULT, where(vma) + " can never be readable (no VM_MAYREAD), not even with FOLL_FORCE");
        }
        // arch_vma_access_permitted(): no protection keys in this simulator, always allowed
        if (c.ex.verbose()) c.ex.ok("check_vma_flags", FILE, where(vma) + " allows " + (write ? "write" : "read") + " access");
        return 0;
    }

    /** How check_vma_flags() names the VMA in its explain, built only when a rule decides. */
    private static String where(Vma vma) { return "VMA " + hex(vma.start) + "-" + hex(vma.end) + " (" + describe(vma) + ")"; }

    private static int vmaFail(Ctx c, Errno e, String detail) {
        c.ex.fail("check_vma_flags", FILE, e, detail);
        return -e.value();
    }

    /** writable_file_mapping_allowed() (6.5+): LONGTERM pins may not write to dirty-tracked mappings. */
    static boolean writableFileMappingAllowed(Vma vma, int gupFlags) {
        if ((gupFlags & (FOLL_PIN | FOLL_LONGTERM)) != (FOLL_PIN | FOLL_LONGTERM)) return true;
        return !vma.needsDirtyTracking();
    }

    /**
     * The VMA lookup of __get_user_pages(): 6.3 find_extend_vma() (expands a VM_GROWSDOWN stack
     * down to addr); 6.4.y/6.5+ gup_vma_lookup() (never expands; prints a note when the address is
     * within 64 KiB below a stack).
     */
    static Vma gupVmaLookup(Ctx c, long addr) {
        Vma vma = c.mm.vmaLookup(addr);
        if (vma != null) return vma;
        Vma next = c.mm.findVma(addr);
        if (next == null || (next.flags & VM_GROWSDOWN_B) == 0) return null;
        if (c.p.gupExpandsStack()) return findExtendVma(c, next, addr);
        if (next.start - addr > 65536) return null;
        if (!c.k.pins.stackWarningPrinted) {
            c.k.pins.stackWarningPrinted = true;
            c.k.log.printk(String.format("GUP no longer grows the stack in %s (%d): %x-%x (%x)",
                    c.task.comm, c.task.pid, next.start, next.end, addr));
        }
        c.ex.step("gup_vma_lookup", FILE, "no VMA", hex(addr) + " is just below the stack VMA " + hex(next.start)
                + "; since the StackRot fixes (6.4.y/6.5) GUP no longer expands stacks");
        return null;
    }

    /** 6.3 find_extend_vma() -> expand_stack() -> expand_downwards() (mm/mmap.c). */
    private static Vma findExtendVma(Ctx c, Vma vma, long addr) {
        long address = addr & ~(PAGE_SIZE - 1);
        long oldStart = vma.start;
        Vma grown = Mmap.expandStack(c.mm, address, c.ex, "find_extend_vma");
        if (grown != null)
            c.ex.ok("find_extend_vma", "mm/mmap.c", "6.3: " + hex(addr) + " is below the VM_GROWSDOWN stack, so GUP expanded the stack VMA down to "
                    + hex(address) + " (" + ((oldStart - address) >>> PAGE_SHIFT) + " pages); 6.4.y and later refuse this (StackRot, CVE-2023-3269)");
        return grown;
    }

    // =====================================================================================
    // __get_user_pages_locked(), __get_user_pages()
    // =====================================================================================

    /**
     * __get_user_pages_locked(): lock handling, MMF_HAS_PINNED, FOLL_GET when pages and not PIN,
     * then one __get_user_pages() (the simulated faults never drop mmap_lock, so the
     * VM_FAULT_RETRY re-lock loop does not run). 6.7+: nr_pages == 0 returns 0 early and a
     * 0-page result without FOLL_NOWAIT is a WARN and -EFAULT.
     */
    static long getUserPagesLocked(Ctx c, long start, long nrPages, long[] pages, int off, int flags) {
        if (nrPages == 0 && c.p.zeroResultIsEfault()) {
            c.ex.ok("__get_user_pages_locked", FILE, "nr_pages == 0: returns 0 at once");
            return 0;
        }
        boolean mustUnlock = false;
        if (c.locked == 0) {
            mustUnlock = true; // mmap_read_lock_killable(): no fatal signal in this simulator
            c.locked = 1;      // (6.8+ also writes *locked = 1 here; older kernels pass the lock state implicitly)
        }
        if ((flags & FOLL_PIN) != 0 && (c.mm.flags & Mm.MMF_HAS_PINNED) == 0) {
            c.mm.flags |= Mm.MMF_HAS_PINNED;
            if (c.ex.verbose()) c.ex.ok("mm_set_has_pinned_flag", FILE, "MMF_HAS_PINNED set on pid " + c.task.pid
                    + "'s mm (never cleared): fork now copies pinned anonymous pages instead of sharing them");
        }
        if (pages != null && (flags & FOLL_PIN) == 0) flags |= FOLL_GET;
        c.faults = c.unshares = c.hugeLeaves = c.noopZeroPins = c.lockRetries = c.droppedErr = 0;
        long first = start, pagesDone = 0, ret;
        for (;;) {
            ret = getUserPages(c, start, nrPages, flags, pages, off);
            if ((flags & FOLL_UNLOCKABLE) == 0) { // VM_FAULT_RETRY could not trigger
                pagesDone = ret;
                break;
            }
            if (ret > 0) {
                nrPages -= ret;
                pagesDone += ret;
                if (nrPages == 0) break;
            }
            if (c.locked != 0) { // no lock drop, or FOLL_NOWAIT
                if (pagesDone == 0) pagesDone = ret;
                break;
            }
            // VM_FAULT_RETRY dropped mmap_lock: seek to the faulting page and retry it with FOLL_TRIED
            if (pages != null) off += (int) ret;
            start += ret << PAGE_SHIFT;
            mustUnlock = true;
            c.locked = 1; // mmap_read_lock_killable()
            c.lockRetries++;
            ret = getUserPages(c, start, 1, flags | FOLL_TRIED, pages, off);
            if (ret != 1) {
                if (pagesDone == 0) pagesDone = ret;
                break;
            }
            nrPages--;
            pagesDone++;
            if (nrPages == 0) break;
            if (pages != null) off++;
            start += PAGE_SIZE;
        }
        if (mustUnlock && c.locked != 0) c.locked = 0; // mmap_read_unlock(); *locked = 0
        summarizeWalk(c, first, pagesDone, flags);
        if (c.p.zeroResultIsEfault() && pagesDone == 0 && (flags & FOLL_NOWAIT) == 0) {
            c.k.log.warnOnce("__get_user_pages_locked:zero", "CPU: 0 at mm/gup.c __get_user_pages_locked: WARN_ON_ONCE(pages_done == 0 && !(flags & FOLL_NOWAIT))", c.ex);
            c.ex.fail("__get_user_pages_locked", FILE, Errno.EFAULT, "no page was done and FOLL_NOWAIT was not set: 6.7+ turns that into -EFAULT");
            return EFAULT;
        }
        return pagesDone;
    }

    /**
     * __get_user_pages(): walks [start, start + nr_pages pages), looking up the VMA when it
     * crosses one, following each page and faulting it in when needed. Returns the number of
     * pages done, or the error if none was ("i ? i : ret").
     */
    static long getUserPages(Ctx c, long start, long nrPages, int flags, long[] pages, int off) {
        if (nrPages == 0) return 0;
        long i = 0, ret = 0;
        Vma vma = null;
        walk:
        do {
            if (vma == null || Long.compareUnsigned(start, vma.end) >= 0) {
                if ((flags & FOLL_MADV_POPULATE) != 0) {
                    // 6.9+ / 6.6.y: MADV_POPULATE_(READ|WRITE) error reporting
                    vma = c.mm.vmaLookup(start);
                    if (vma == null) {
                        c.ex.fail("__get_user_pages", FILE, Errno.ENOMEM, "FOLL_MADV_POPULATE: no VMA at " + hex(start));
                        ret = ENOMEM;
                        break;
                    }
                    if (checkVmaFlags(c, vma, flags, vma.file) != 0) {
                        ret = EINVAL;
                        break;
                    }
                } else {
                    OpenFile sameFile = vma == null ? null : vma.file;
                    vma = gupVmaLookup(c, start);
                    if (vma == null && Long.compareUnsigned(start, VSYSCALL_ADDR) >= 0
                            && Long.compareUnsigned(start, VSYSCALL_ADDR + PAGE_SIZE) < 0) {
                        // get_gate_page(): the vsyscall page has no struct page to hand out here
                        c.ex.fail("get_gate_page", FILE, Errno.EFAULT, hex(start) + " is the vsyscall gate page");
                        ret = EFAULT;
                        break;
                    }
                    if (vma == null) {
                        c.ex.fail("__get_user_pages", FILE, Errno.EFAULT, "no VMA contains " + hex(start));
                        ret = EFAULT;
                        break;
                    }
                    // seed: i == 0 compares the first VMA with itself, later VMAs with the previous one
                    int r = checkVmaFlags(c, vma, flags, i == 0 ? vma.file : sameFile);
                    if (r != 0) {
                        ret = r;
                        break;
                    }
                }
            }
            long page;
            int guard = 0;
            while (true) {
                if (!c.k.chargeWork(1)) { // fatal_signal_pending(): pinlab's per-call work limit plays the signal
                    c.ex.fail("__get_user_pages", FILE, Errno.EINTR, "at " + hex(start) + ", after " + i + " pages: " + c.k.workLimitReason());
                    ret = -Errno.EINTR.value();
                    break walk;
                }
                page = followPageMask(c, vma, start, flags);
                if (page == 0 && pages != null) {
                    int n = faultinAnonRun(c, vma, start, nrPages, flags, pages, off + (int) i);
                    if (n > 0) {
                        i += n;
                        start += (long) n << PAGE_SHIFT;
                        nrPages -= n;
                        continue walk;
                    }
                }
                if (page == 0 || page == EMLINK) {
                    int r = faultinPage(c, vma, start, flags, page == EMLINK);
                    if (r == 0) {
                        if (++guard > 8) throw new IllegalStateException("GUP fault loop at " + hex(start));
                        continue;
                    }
                    ret = (r == EBUSY || r == EAGAIN) ? 0 : r;
                    break walk;
                } else if (page == EEXIST) {
                    // a PTE without struct page: callers wanting pages cannot have it
                    if (pages != null) {
                        c.ex.fail("follow_page_mask", FILE, Errno.EEXIST, hex(start) + " is mapped by a special PTE with no struct page");
                        ret = EEXIST;
                        break walk;
                    }
                    c.pageMask = 0;
                } else if (page < 0) {
                    ret = page;
                    break walk;
                }
                break;
            }
            long increm = 1 + (~(start >>> PAGE_SHIFT) & c.pageMask);
            if (increm > nrPages) increm = nrPages;
            if (pages != null) {
                if (increm > 1) {
                    // as 6.18 does: the rest of the huge page with one try_grab_folio(folio, n - 1)
                    tryGrabFolio(c, page, (int) (increm - 1), flags, false);
                }
                int base = off + (int) i;
                for (int j = 0; j < increm; j++) pages[base + j] = page + j;
            }
            i += increm;
            start += increm << PAGE_SHIFT;
            nrPages -= increm;
        } while (nrPages != 0);
        if (i != 0 && ret < 0) c.droppedErr = ret;
        return i != 0 ? i : ret;
    }

    private static void summarizeWalk(Ctx c, long start, long done, int flags) {
        if (done < 0) return; // the failing check is already the last step
        boolean stoppedEarly = c.droppedErr < 0 && done > 0 || done == 0;
        if (!stoppedEarly && !c.ex.verbose()) return; // a quiet trace keeps only what explains a short result
        StringBuilder sb = new StringBuilder();
        sb.append(done).append(done == 1 ? " page" : " pages").append(" from ").append(hex(start));
        sb.append((flags & FOLL_PIN) != 0 ? " pinned (FOLL_PIN)" : (flags & FOLL_GET) != 0 ? " referenced (FOLL_GET)"
                : " faulted in / checked (no pages array: nothing held)");
        if (c.faults > 0) sb.append("; ").append(c.faults).append(" needed faultin_page()");
        if (c.unshares > 0) sb.append("; ").append(c.unshares).append(" unshared (FAULT_FLAG_UNSHARE)");
        if (c.hugeLeaves > 0) sb.append("; ").append(c.hugeLeaves).append(" huge-page lookups (the count jumps through each 2 MiB or 1 GiB page)");
        if (c.noopZeroPins > 0) sb.append("; ").append(c.noopZeroPins).append(" shared zero page pins not counted (6.5+)");
        if (c.lockRetries > 0) sb.append("; ").append(c.lockRetries).append(" time(s) a fault dropped mmap_lock to wait for I/O (VM_FAULT_RETRY): GUP re-took it and retried that page with FOLL_TRIED");
        if (c.droppedErr < 0 && done > 0) {
            sb.append("; stopped by -").append(Errno.fromRet(c.droppedErr).name())
                    .append(", but pages were done, so the count is returned (i ? i : ret): retry at ")
                    .append(hex(start + (done << PAGE_SHIFT))).append(" to see the error");
        } else if (done == 0) {
            sb.append("; the fault needs I/O and FOLL_NOWAIT does not wait: 0 returned");
        }
        c.ex.step("__get_user_pages", FILE, !stoppedEarly ? "ok" : done == 0 ? "0" : "partial", sb.toString());
    }

    // =====================================================================================
    // follow_page_mask(), follow_page_pte(), huge leaves
    // =====================================================================================

    /**
     * follow_page_mask(): the page mapped at addr with a reference taken per flags, or 0 (NULL:
     * needs a fault), -EMLINK (needs unshare), -EEXIST (no struct page), another -errno.
     * Sets {@code c.pageMask} (HPAGE_NR - 1 for PMD leaves, PUD_NR - 1 for PUD leaves).
     */
    static long followPageMask(Ctx c, Vma vma, long addr, int flags) {
        c.pageMask = 0;
        long pud = c.mm.puds.isEmpty() ? 0 : c.mm.puds.get(addr >>> 30);
        if (pud != 0) return followHugeLeaf(c, vma, addr, pud, PUD_NR, flags); // follow_pud_mask(): pud_leaf()
        long pmd = c.mm.pmds.isEmpty() ? 0 : c.mm.pmds.get(addr >>> 21);
        if (pmd != 0) {
            if ((flags & FOLL_SPLIT_PMD) != 0 && !vma.isHugetlb()) {
                HugeMemory.splitHugePmd(c.k, c.mm, addr); // follow_pmd_mask(): split, then follow the PTE
            } else {
                return followHugeLeaf(c, vma, addr, pmd, HPAGE_NR, flags);
            }
        } else if (vma.isHugetlb()) {
            return 0; // hugetlb_follow_page_mask(): not present, fault it in
        }
        return followPagePte(c, vma, addr, flags);
    }

    /**
     * follow_huge_pmd() / follow_trans_huge_pmd() for a 2 MiB leaf, follow_huge_pud() for a 1 GiB
     * hugetlb leaf (6.10+; hugetlb_follow_page_mask() in 6.5-6.9, follow_hugetlb_page() before):
     * a write needs a writable leaf or a FOLL_FORCE write to an exclusive anonymous page
     * (can_follow_write_pmd/pud()); a read pin of a shared anonymous page must unshare first.
     * {@code nr} is the leaf's page count: page_mask becomes nr - 1.
     */
    private static long followHugeLeaf(Ctx c, Vma vma, long addr, long leaf, int nr, int flags) {
        long head = Pte.pfn(leaf);
        long page = head + ((addr >>> PAGE_SHIFT) & (nr - 1));
        if ((flags & FOLL_WRITE) != 0 && !canFollowWritePte(c, leaf, head, vma, flags)) return 0;
        if ((flags & FOLL_DUMP) != 0 && HugeMemory.isHugeZeroPmd(c.k, leaf)) {
            c.ex.fail("follow_huge_pmd", FILE, Errno.EFAULT, "FOLL_DUMP: " + hex(addr) + " maps the huge zero folio, which a core dump leaves out");
            return EFAULT;
        }
        if (!Pte.write(leaf) && gupMustUnshare(c, vma, flags, head)) return EMLINK;
        long r = tryGrabPage(c, page, flags);
        if (r < 0) return r;
        if ((flags & FOLL_TOUCH) != 0) touch(c, page, leaf, flags);
        c.pageMask = nr - 1;
        c.hugeLeaves++;
        return page;
    }

    /** follow_page_pte(): the present-PTE case. */
    static long followPagePte(Ctx c, Vma vma, long addr, int flags) {
        if ((flags & (FOLL_PIN | FOLL_GET)) == (FOLL_PIN | FOLL_GET)) {
            c.k.log.warnOnce("follow_page_pte:get+pin", "CPU: 0 at mm/gup.c follow_page_pte: WARN_ON_ONCE((flags & (FOLL_PIN | FOLL_GET)) == (FOLL_PIN | FOLL_GET))", c.ex);
            return EINVAL;
        }
        long pte = c.mm.ptes.get(addr >>> PAGE_SHIFT);
        if (!Pte.present(pte)) return noPageTable(c, vma, addr, flags); // none or a swap entry: fault it in
        long pfn = Pte.pfn(pte);
        // vm_normal_page(): special PTEs (zero page, raw pfns) have no struct page to refcount
        long page = Pte.special(pte) ? 0 : pfn;
        if ((flags & FOLL_WRITE) != 0 && !canFollowWritePte(c, pte, page, vma, flags)) return 0;
        if (page == 0) {
            if ((flags & FOLL_DUMP) != 0) {
                c.ex.fail("follow_page_pte", FILE, Errno.EFAULT, "FOLL_DUMP: " + hex(addr) + " maps "
                        + (pfn == ZERO_PFN ? "the shared zero page" : "a raw pfn") + ", which a core dump leaves out");
                return EFAULT;
            }
            if (pfn == ZERO_PFN) page = pfn;
            else return EEXIST; // follow_pfn_pte()
        }
        if (!Pte.write(pte) && gupMustUnshare(c, vma, flags, page)) return EMLINK;
        long r = tryGrabPage(c, page, flags);
        if (r < 0) return r;
        if ((flags & FOLL_TOUCH) != 0) touch(c, page, pte, flags);
        return page;
    }

    /** no_page_table(): NULL (fault it in), or -EFAULT for FOLL_DUMP on anon / fault-less VMAs. */
    private static long noPageTable(Ctx c, Vma vma, long addr, int flags) {
        if ((flags & FOLL_DUMP) != 0 && (vma.isAnonymous() || vma.ops == VmOps.DEVICE)) {
            c.ex.fail("no_page_table", FILE, Errno.EFAULT, "FOLL_DUMP: nothing is mapped at " + hex(addr) + " in an anonymous VMA: the core dump leaves a hole");
            return EFAULT;
        }
        return 0;
    }

    /** FOLL_TOUCH: mark_page_accessed(), and set_page_dirty() for writes. */
    private static void touch(Ctx c, long page, long pte, int flags) {
        if (page == ZERO_PFN) return;
        int fl = c.phys.flags(page);
        int add = 0;
        if ((fl & PG_REFERENCED) == 0) add |= PG_REFERENCED;
        if ((flags & FOLL_WRITE) != 0 && (pte & Pte.DIRTY) == 0 && (fl & PG_DIRTY) == 0) add |= PG_DIRTY;
        if (add != 0) c.phys.setFolioFlags(page, add);
    }

    /**
     * can_follow_write_pte() / can_follow_write_pmd(): writable PTE, or a FOLL_FORCE write to a
     * private read-only mapping whose page is already an exclusive anonymous one.
     */
    static boolean canFollowWritePte(Ctx c, long pte, long page, Vma vma, int flags) {
        if (Pte.write(pte)) return true;
        if ((flags & FOLL_FORCE) == 0) return false;
        if ((vma.flags & (VM_MAYSHARE_B | VM_SHARED_B)) != 0) return false;
        if ((vma.flags & VM_MAYWRITE_B) == 0) return false;
        if ((vma.flags & VM_WRITE_B) != 0) return false;
        if (page == 0) return false;
        int fl = c.phys.flags(page);
        return (fl & PG_ANON) != 0 && (fl & PG_ANON_EXCLUSIVE) != 0;
    }

    /**
     * gup_must_unshare() (mm/internal.h): a FOLL_PIN read pin of a read-only PTE must first get
     * an exclusive page: anon pages that are not PageAnonExclusive, and (FOLL_LONGTERM only)
     * page cache in COW mappings. {@code vma == null} is gup-fast, which cannot tell, so it
     * always unshares (falls back) for page cache.
     */
    static boolean gupMustUnshare(Ctx c, Vma vma, int flags, long page) {
        if ((flags & (FOLL_WRITE | FOLL_PIN)) != FOLL_PIN) return false;
        int fl = c.phys.flags(page);
        if ((fl & PG_ANON) == 0) {
            if ((flags & FOLL_LONGTERM) == 0) return false;
            if (vma == null) return true;
            return vma.isCowMapping();
        }
        return (fl & PG_ANON_EXCLUSIVE) == 0;
    }

    // =====================================================================================
    // faultin_page()
    // =====================================================================================

    /**
     * faultin_page(): FOLL_* to FAULT_FLAG_*, handle_mm_fault(), VM_FAULT_* to errno. Returns 0
     * (retry the lookup), -EBUSY (VM_FAULT_RETRY), -EFAULT, -ENOMEM or -EHWPOISON.
     */
    static int faultinPage(Ctx c, Vma vma, long addr, int flags, boolean unshare) {
        if ((flags & FOLL_NOFAULT) != 0) {
            c.ex.fail("faultin_page", FILE, Errno.EFAULT, "FOLL_NOFAULT: " + hex(addr) + (unshare ? " would need an unshare fault" : " is not mapped as needed")
                    + " and GUP may not fault");
            return (int) EFAULT;
        }
        int faultFlags = 0;
        if ((flags & FOLL_WRITE) != 0) faultFlags |= Memory.FAULT_FLAG_WRITE;
        if ((flags & FOLL_REMOTE) != 0) faultFlags |= Memory.FAULT_FLAG_REMOTE;
        if ((flags & FOLL_UNLOCKABLE) != 0) {
            faultFlags |= Memory.FAULT_FLAG_ALLOW_RETRY | Memory.FAULT_FLAG_KILLABLE;
            if ((flags & FOLL_INTERRUPTIBLE) != 0) faultFlags |= Memory.FAULT_FLAG_INTERRUPTIBLE;
        }
        if ((flags & FOLL_NOWAIT) != 0) faultFlags |= Memory.FAULT_FLAG_ALLOW_RETRY | Memory.FAULT_FLAG_RETRY_NOWAIT;
        if ((flags & FOLL_TRIED) != 0) faultFlags |= Memory.FAULT_FLAG_TRIED;
        if (unshare) faultFlags |= Memory.FAULT_FLAG_UNSHARE;

        int ret;
        if ((faultFlags & (Memory.FAULT_FLAG_ALLOW_RETRY | Memory.FAULT_FLAG_RETRY_NOWAIT | Memory.FAULT_FLAG_TRIED)) == Memory.FAULT_FLAG_ALLOW_RETRY
                && needsReadIo(c, vma, addr)) {
            // filemap_fault() -> maybe_unlock_mmap_for_io() / do_swap_page() -> folio_lock_or_retry():
            // drop mmap_lock while the read runs, VM_FAULT_RETRY
            startReadIo(c, vma, addr);
            ret = VM_FAULT_RETRY;
        } else if ((faultFlags & Memory.FAULT_FLAG_RETRY_NOWAIT) != 0 && needsReadIo(c, vma, addr)) {
            // filemap_fault(): the page is not cached; readahead is started, and with
            // FAULT_FLAG_RETRY_NOWAIT the fault gives up instead of waiting (VM_FAULT_RETRY)
            boolean swap = startReadIo(c, vma, addr);
            c.ex.step(swap ? "do_swap_page" : "filemap_fault", swap ? "mm/memory.c" : "mm/filemap.c", "VM_FAULT_RETRY", hex(addr)
                    + (swap ? " is swapped out and not in the swap cache" : " is not in the page cache") + ": read I/O started, "
                    + "FOLL_NOWAIT does not wait for it (the page is cached for the next call)");
            ret = VM_FAULT_RETRY;
        } else {
            ret = Memory.handleMmFault(c.k, c.mm, vma, addr, faultFlags);
            if (unshare) c.unshares++;
            else c.faults++;
        }
        if ((ret & VM_FAULT_ERROR) != 0) {
            // vm_fault_to_errno()
            Errno e;
            String why;
            if ((ret & Memory.VM_FAULT_OOM) != 0) {
                e = Errno.ENOMEM;
                String oom = OomKill.failure(c.k);
                why = "VM_FAULT_OOM: " + (oom == null ? "no free page frame" : oom);
            } else if ((ret & VM_FAULT_HWPOISON) != 0 && (flags & FOLL_HWPOISON) != 0) {
                e = Errno.EHWPOISON;
                why = "VM_FAULT_HWPOISON";
            } else {
                e = Errno.EFAULT;
                why = (ret & Memory.VM_FAULT_SIGBUS) != 0 ? "VM_FAULT_SIGBUS (beyond end of file, or hugetlb pool empty)" : "VM_FAULT_SIGSEGV";
            }
            c.ex.fail("faultin_page", FILE, e, "handle_mm_fault(" + hex(addr) + ") returned " + why);
            return -e.value();
        }
        if ((ret & VM_FAULT_RETRY) != 0) {
            if ((faultFlags & Memory.FAULT_FLAG_RETRY_NOWAIT) == 0) c.locked = 0;
            return (int) EBUSY;
        }
        return 0;
    }

    /**
     * The untouched-anonymous case of the loop above, for a run of pages: follow_page_mask()
     * found no PTE at {@code addr}, so faultin_page() -> handle_mm_fault() -> do_anonymous_page()
     * maps a new exclusive page, and the retried follow_page_pte() takes GUP's reference
     * (try_grab_folio()) and FOLL_TOUCH's mark_page_accessed(). When that is what each following
     * none PTE of the same page table and VMA would go through as well (a write fault in a
     * writable anonymous VMA that is not THP-eligible, no FOLL_NOFAULT or FOLL_DUMP), the run is
     * faulted and grabbed in one pass with the same result page by page: pfns, refcounts,
     * mapcounts, flags, memcg charges, RSS, and the work budget (two units per faulted page, as
     * the loop charges before the lookup and again before the retried one). Returns the pages
     * done, 0 to leave this page to the loop.
     */
    private static int faultinAnonRun(Ctx c, Vma vma, long addr, long nrPages, int flags, long[] pages, int off) {
        int grab = flags & (FOLL_PIN | FOLL_GET);
        if ((flags & FOLL_WRITE) == 0 || (flags & (FOLL_NOFAULT | FOLL_DUMP)) != 0 || (grab != FOLL_PIN && grab != FOLL_GET)) return 0;
        if (vma.ops != VmOps.ANON || !vma.has(VM_WRITE_B)) return 0;
        Mm mm = c.mm;
        long vpn = addr >>> PAGE_SHIFT;
        if (mm.ptes.get(vpn) != 0 || mm.pmds.get(addr >>> 21) != 0 || HugeMemory.thpEligible(mm, vma, addr)) return 0;
        // the run: up to the end of this page table, of the VMA, of the request and of the none PTEs
        long pmdEnd = (vpn | (HPAGE_NR - 1)) + 1;
        long n = Math.min(Math.min(nrPages, pmdEnd - vpn), (vma.end - addr) >>> PAGE_SHIFT);
        // this page's first unit is charged; each page needs a second one after its fault, each later page two
        n = Math.min(n, (c.k.workLeft() + 1) / 2);
        if (n == 0) return 0;
        int run = 1;
        while (run < n && mm.ptes.get(vpn + run) == 0) run++;
        int refcount = 1 + (grab == FOLL_PIN ? GUP_PIN_COUNTING_BIAS : 1);
        int done = Memory.doAnonymousPages(c.k, mm, vma, addr, run, refcount, (flags & FOLL_TOUCH) != 0 ? PG_REFERENCED : 0, pages, off);
        if (done == 0) return 0;
        c.k.chargeWork(2L * done - 1);
        c.faults += done;
        if (grab == FOLL_PIN) c.k.pins.nrFollPinAcquired += done;
        return done;
    }

    /**
     * True when a fault at addr would have to read from disk: an ext4/xfs page-cache miss, or a
     * swap entry whose slot is not in the swap cache (do_swap_page() then waits for the read in
     * folio_lock_or_retry()).
     */
    private static boolean needsReadIo(Ctx c, Vma vma, long addr) {
        long pte = c.mm.ptes.get(addr >>> PAGE_SHIFT);
        if (Pte.isSwap(pte)) return c.k.swap.cacheFolio(Pte.swpOffset(pte)) == 0;
        if (vma.ops != VmOps.FILE || vma.file == null) return false;
        if (pte != 0) return false;
        Inode in = vma.file.inode();
        long index = vma.pageIndex(addr);
        if (index >= (in.size + PAGE_SIZE - 1) >>> PAGE_SHIFT) return false; // SIGBUS, no I/O
        return in.pageCache.get(index) == 0;
    }

    /**
     * The read a retried fault starts: the file page into the page cache (filemap_fault()
     * readahead), or the slot into the swap cache (swapin_readahead()); true for the swap case.
     */
    private static boolean startReadIo(Ctx c, Vma vma, long addr) {
        long pte = c.mm.ptes.get(addr >>> PAGE_SHIFT);
        if (!Pte.isSwap(pte)) {
            Memory.findOrCreateCachePage(c.k, vma.file.inode(), vma.pageIndex(addr));
            return false;
        }
        long pfn = Memory.swapinFolio(c.k, Pte.swpOffset(pte));
        if (pfn >= 0) c.k.phys.refAdd(pfn, -1); // only the swap cache holds it until the retry maps it
        return true;
    }

    // =====================================================================================
    // try_grab_page(), try_grab_folio(), gup_put_folio()
    // =====================================================================================

    /** try_grab_page(): the slow path's reference for one page. Returns 0 or -errno. */
    static long tryGrabPage(Ctx c, long page, int flags) {
        PhysMem ph = c.phys;
        if (ph.refcount(page) <= 0) {
            c.k.log.warnOnce("try_grab_page:ref", "CPU: 0 at mm/gup.c try_grab_page: WARN_ON_ONCE(folio_ref_count(folio) <= 0)", c.ex);
            return ENOMEM;
        }
        if ((flags & FOLL_GET) != 0) {
            ph.refAdd(page, 1);
        } else if ((flags & FOLL_PIN) != 0) {
            if (page == ZERO_PFN && c.p.zeroPagePinNoop()) { // 6.5+: the zero page is not going anywhere
                c.noopZeroPins++;
                return 0;
            }
            ph.pinFolioRefs(page, 1);
            c.k.pins.nrFollPinAcquired++;
        }
        return 0;
    }

    /**
     * try_grab_folio(): {@code refs} references on the folio of {@code page}. With {@code fast}
     * (gup-fast), a FOLL_LONGTERM pin of a folio that is not long-term pinnable is refused.
     * Returns false when refused (nothing changed).
     */
    static boolean tryGrabFolio(Ctx c, long page, int refs, int flags, boolean fast) {
        PhysMem ph = c.phys;
        if ((flags & FOLL_GET) != 0) {
            ph.refAdd(page, refs);
            return true;
        }
        if ((flags & FOLL_PIN) == 0) return false;
        if (page == ZERO_PFN && c.p.zeroPagePinNoop()) {
            c.noopZeroPins += refs;
            return true;
        }
        if (fast && (flags & FOLL_LONGTERM) != 0 && !folioIsLongtermPinnable(ph, page)) return false;
        ph.pinFolioRefs(page, refs);
        c.k.pins.nrFollPinAcquired += refs;
        return true;
    }

    /** gup_put_folio(): drops what try_grab_* took. */
    static void gupPutFolio(Globals k, long page, int refs, int flags) {
        PhysMem ph = k.phys;
        if ((flags & FOLL_PIN) != 0) {
            if (page == ZERO_PFN && k.profile.zeroPagePinNoop()) return;
            k.pins.nrFollPinReleased += refs;
            if (ph.isLarge(page)) ph.pincountAdd(page, -refs);
            else refs *= GUP_PIN_COUNTING_BIAS;
        }
        putRefs(k, page, refs);
    }

    /** folio_put_refs(), returning a freed hugetlb folio to its pool. */
    static void putRefs(Globals k, long page, int refs) {
        if (k.phys.testPageFlag(k.phys.head(page), PG_HUGETLB)) Hugetlb.putHugetlbRefs(k, page, refs);
        else k.phys.refAdd(page, -refs);
    }

    /** folio_is_longterm_pinnable(): not in ZONE_MOVABLE (no CMA, device-coherent or fsdax folios here). The zero page always is. */
    static boolean folioIsLongtermPinnable(PhysMem ph, long page) {
        if (page == ZERO_PFN) return true;
        return ph.zone(page) != Zone.MOVABLE;
    }

    /** unpin_user_page(): drops one FOLL_PIN (for io_uring and drivers). */
    public static void unpinUserPage(Globals k, Pfn pfn) {
        gupPutFolio(k, pfn.value(), 1, FOLL_PIN);
    }

    /** unpin_user_folio(): drops {@code npages} FOLL_PINs of the folio of {@code pfn} at once. */
    public static void unpinUserFolio(Globals k, Pfn pfn, int npages) {
        gupPutFolio(k, pfn.value(), npages, FOLL_PIN);
    }

    /**
     * unpin_user_pages(): drops one FOLL_PIN per entry of {@code pfns[0..n)}, a run of entries in
     * one folio with one gup_put_folio(folio, nr) as gup_folio_next() groups them.
     */
    public static void unpinUserPages(Globals k, long[] pfns, int n) {
        for (int i = 0, nr; i < n; i += nr) {
            nr = gupFolioNext(k.phys, pfns, n, i);
            gupPutFolio(k, pfns[i], nr, FOLL_PIN);
        }
    }

    /**
     * unpin_user_pages_dirty_lock(): with {@code makeDirty}, marks each folio dirty
     * (folio_mark_dirty() under the folio lock) if it is not yet, then unpins; runs of one folio
     * are handled at once (gup_folio_next()).
     */
    public static void unpinUserPagesDirtyLock(Globals k, long[] pfns, int n, boolean makeDirty) {
        for (int i = 0, nr; i < n; i += nr) {
            long pfn = pfns[i];
            nr = gupFolioNext(k.phys, pfns, n, i);
            if (makeDirty && pfn != ZERO_PFN && !k.phys.testPageFlag(pfn, PG_DIRTY)) k.phys.setFolioFlags(pfn, PG_DIRTY);
            gupPutFolio(k, pfn, nr, FOLL_PIN);
        }
    }

    /** gup_folio_next() (mm/gup.c): how many entries from {@code i} on belong to the folio of {@code pfns[i]}. */
    private static int gupFolioNext(PhysMem ph, long[] pfns, int n, int i) {
        long folio = ph.head(pfns[i]);
        boolean large = ph.isLarge(folio);
        int nr = i + 1;
        // a small folio is its one frame: only the same pfn is the same folio
        while (nr < n && (large ? ph.head(pfns[nr]) == folio : pfns[nr] == folio)) nr++;
        return nr - i;
    }

    /** put_page() for each FOLL_GET reference in {@code pfns[0..n)}. */
    public static void putPages(Globals k, long[] pfns, int n) {
        for (int i = 0; i < n; i++) putRefs(k, pfns[i], 1);
    }

    // =====================================================================================
    // FOLL_LONGTERM: __gup_longterm_locked(), check_and_migrate_movable_pages()
    // =====================================================================================

    /**
     * __gup_longterm_locked(): without FOLL_LONGTERM, straight to __get_user_pages_locked().
     * With it, under memalloc_pin_save() (faults avoid ZONE_MOVABLE), pin, then
     * check_and_migrate_movable_pages(); -EAGAIN means "migrated, pin again".
     */
    static long gupLongtermLocked(Ctx c, long start, long nrPages, long[] pages, int off, int flags) {
        if ((flags & FOLL_LONGTERM) == 0) return getUserPagesLocked(c, start, nrPages, pages, off, flags);
        boolean saved = c.k.memallocPin;
        c.k.memallocPin = true; // memalloc_pin_save()
        int savedLocked = c.locked;
        long rc, nrPinned;
        int rounds = 0;
        try {
            do {
                c.locked = savedLocked;
                nrPinned = getUserPagesLocked(c, start, nrPages, pages, off, flags);
                if (nrPinned <= 0) {
                    rc = nrPinned;
                    break;
                }
                rc = checkAndMigrateMovablePages(c, nrPinned, pages, off);
                if (++rounds > 16) throw new IllegalStateException("longterm migration loop");
            } while (rc == EAGAIN);
        } finally {
            c.k.memallocPin = saved; // memalloc_pin_restore()
        }
        return rc != 0 ? rc : nrPinned;
    }

    /**
     * check_and_migrate_movable_pages(): collect the folios that may not be pinned long-term
     * (here: ZONE_MOVABLE); if there are any, unpin all pages, migrate those folios to
     * ZONE_NORMAL and return -EAGAIN so the pin is retried. A folio that still has references
     * other than its mappings and the page cache (another pin, a get) cannot be migrated: -ENOMEM.
     */
    static long checkAndMigrateMovablePages(Ctx c, long nrPinned, long[] pages, int off) {
        // Without the movableZone session option no user page is ever allocated in ZONE_MOVABLE
        // (and there is no CMA), so collect_longterm_unpinnable_pages() would find nothing.
        if (!c.k.movableZone) return 0;
        PhysMem ph = c.phys;
        long[] heads = null;
        int nh = 0;
        long prev = -1;
        for (int i = 0; i < nrPinned; i++) {
            long pfn = pages[off + i];
            if (pfn == ZERO_PFN || ph.zone(pfn) != Zone.MOVABLE) continue;
            long h = ph.head(pfn);
            if (h == prev) continue;
            prev = h;
            if (heads == null) heads = new long[8];
            boolean seen = false;
            for (int j = 0; j < nh && !seen; j++) seen = heads[j] == h;
            if (seen) continue;
            if (nh == heads.length) heads = Arrays.copyOf(heads, nh * 2);
            heads[nh++] = h;
        }
        if (nh == 0) {
            if (c.k.movableZone && c.ex.verbose())
                c.ex.ok("check_and_migrate_movable_pages", FILE, "all " + nrPinned + " pinned pages are long-term pinnable (none in ZONE_MOVABLE)");
            return 0;
        }
        // unpin_user_pages(pages, nr_pages): every page, not only the unpinnable ones
        unpinUserPages(c.k, off == 0 ? pages : Arrays.copyOfRange(pages, off, off + (int) nrPinned), (int) nrPinned);
        heads = Arrays.copyOf(heads, nh);
        Arrays.sort(heads);
        Migrate.Result m = Migrate.migratePages(c.k, heads);
        StringBuilder moved = new StringBuilder();
        for (int j = 0; j < Math.min(nh, 4); j++)
            if (m.newHeads()[j] >= 0) moved.append(j == 0 ? "" : ", ").append(hex(heads[j])).append(" -> ").append(hex(m.newHeads()[j]));
        if (m.failed() > 0) {
            c.ex.fail("check_and_migrate_movable_pages", FILE, Errno.ENOMEM, nh + " folio(s) in ZONE_MOVABLE cannot be pinned long-term; all "
                    + nrPinned + " pages were unpinned and migration failed: " + m.failure());
            return ENOMEM;
        }
        c.ex.step("check_and_migrate_movable_pages", FILE, "-EAGAIN", nh + " folio(s) were in ZONE_MOVABLE, which must stay migratable "
                + "(memory hot-unplug, compaction), so a long-term pin may not hold them: unpinned all " + nrPinned
                + " pages, migrated to ZONE_NORMAL (pfn " + moved + (nh > 4 ? ", ..." : "")
                + "), page tables repointed; pinning again, which is why the pfns changed");
        return EAGAIN;
    }

    // =====================================================================================
    // gup-fast: internal_get_user_pages_fast() / gup_fast_fallback()
    // =====================================================================================

    /** The gup-fast driver as the profile's mm/gup.c names it (Profile.Feature.GUP_FAST_RENAMED, 6.10). */
    static String gupFastFallbackFn(Profile p) { return p.gupFastRenamed() ? "gup_fast_fallback" : "internal_get_user_pages_fast"; }

    /** The IRQs-off walk: lockless_pages_from_mm() before the 6.10 rename, gup_fast() after. */
    static String gupFastFn(Profile p) { return p.gupFastRenamed() ? "gup_fast" : "lockless_pages_from_mm"; }

    /** folio_fast_pin_allowed() (6.5-6.9) / gup_fast_folio_allowed() (6.10+). */
    static String gupFastFolioAllowedFn(Profile p) { return p.gupFastRenamed() ? "gup_fast_folio_allowed" : "folio_fast_pin_allowed"; }

    /**
     * internal_get_user_pages_fast() (6.3-6.9) / gup_fast_fallback() (6.10+): flag whitelist,
     * range checks, the lockless walk, then the slow fallback for the rest.
     */
    static long gupFastFallback(Ctx c, long start, long nrPages, int gupFlags, long[] pages) {
        Profile p = c.p;
        int allowed = FOLL_WRITE | FOLL_LONGTERM | FOLL_FORCE | FOLL_PIN | FOLL_GET | FOLL_FAST_ONLY | FOLL_NOFAULT | FOLL_PCI_P2PDMA;
        if (p.follHonorNumaFault()) allowed |= FOLL_BIT12; // 6.5+: FOLL_HONOR_NUMA_FAULT
        if ((gupFlags & ~allowed) != 0) {
            c.k.log.warnOnce("internal_get_user_pages_fast:flags", "CPU: 0 at mm/gup.c " + gupFastFallbackFn(p) + ": WARN_ON_ONCE(gup_flags & ~(FOLL_WRITE | FOLL_LONGTERM | FOLL_FORCE | FOLL_PIN | FOLL_GET | FOLL_FAST_ONLY | FOLL_NOFAULT | FOLL_PCI_P2PDMA"
                    + (p.follHonorNumaFault() ? " | FOLL_HONOR_NUMA_FAULT" : "") + "))", c.ex);
            c.ex.fail(gupFastFallbackFn(p), FILE, Errno.EINVAL, flagNames(p, gupFlags & ~allowed)
                    + " is not supported by gup-fast (its flag whitelist)");
            return EINVAL;
        }
        if ((gupFlags & FOLL_PIN) != 0 && (c.mm.flags & Mm.MMF_HAS_PINNED) == 0) {
            c.mm.flags |= Mm.MMF_HAS_PINNED;
            if (c.ex.verbose()) c.ex.ok("mm_set_has_pinned_flag", FILE, "MMF_HAS_PINNED set on pid " + c.task.pid
                    + "'s mm (never cleared): fork now copies pinned anonymous pages instead of sharing them");
        }
        start &= ~(PAGE_SIZE - 1); // untagged_addr(start) & PAGE_MASK: rounded down
        long len = nrPages << PAGE_SHIFT;
        long end = start + len;
        if ((nrPages >>> (64 - PAGE_SHIFT)) != 0 || Long.compareUnsigned(end, start) < 0) {
            if (p.fastOverflowIsError()) {
                c.ex.fail(gupFastFallbackFn(p), FILE, Errno.EOVERFLOW, "start + nr_pages * PAGE_SIZE wraps around");
                return EOVERFLOW;
            }
            c.ex.step(gupFastFallbackFn(p), FILE, "0", "start + nr_pages * PAGE_SIZE wraps around: returns 0 pages (6.5 made this -EOVERFLOW)");
            return 0;
        }
        if (p.fastTaskSizeCheck() && Long.compareUnsigned(end, Mm.TASK_SIZE) > 0) {
            c.ex.fail(gupFastFallbackFn(p), FILE, Errno.EFAULT, "end " + hex(end) + " > TASK_SIZE_MAX " + hex(Mm.TASK_SIZE));
            return EFAULT;
        }
        if (p.fastAccessOk() && !(Long.compareUnsigned(len, Mm.TASK_SIZE) <= 0 && Long.compareUnsigned(start, Mm.TASK_SIZE - len) <= 0)) {
            c.ex.fail("access_ok", "arch/x86/include/asm/uaccess_64.h", Errno.EFAULT, "[" + hex(start) + ", " + hex(end) + ") is not user memory");
            return EFAULT;
        }
        long nrPinned = locklessPagesFromMm(c, start, end, gupFlags, pages);
        if (nrPinned == nrPages || (gupFlags & FOLL_FAST_ONLY) != 0) {
            if ((gupFlags & FOLL_FAST_ONLY) != 0 && nrPinned < nrPages)
                c.ex.ok("get_user_pages_fast_only", FILE, "FOLL_FAST_ONLY: no fallback to the slow path, returns the " + nrPinned + " pages gup-fast got");
            return nrPinned;
        }
        // slow path for the rest, with mmap_lock taken by GUP (locked = 0)
        if (c.ex.verbose()) c.ex.ok(gupFastFallbackFn(c.p), FILE, "falling back to __gup_longterm_locked() for the remaining "
                + (nrPages - nrPinned) + " pages from " + hex(start + (nrPinned << PAGE_SHIFT)) + " with FOLL_TOUCH|FOLL_UNLOCKABLE");
        c.locked = 0;
        long ret = gupLongtermLocked(c, start + (nrPinned << PAGE_SHIFT), nrPages - nrPinned, pages, (int) nrPinned,
                gupFlags | FOLL_TOUCH | FOLL_UNLOCKABLE);
        if (ret < 0) {
            if (nrPinned > 0) {
                c.ex.ok(gupFastFallbackFn(c.p), FILE, "the slow path failed with -" + Errno.fromRet(ret).name()
                        + ", but gup-fast already took " + nrPinned + " pages, so that count is returned (the caller must release them)");
                return nrPinned;
            }
            return ret;
        }
        return ret + nrPinned;
    }

    /**
     * lockless_pages_from_mm(): the IRQs-off walk. With FOLL_PIN it samples
     * mm->write_protect_seq (odd while fork write-protects) and gives everything back if it
     * changed.
     */
    static long locklessPagesFromMm(Ctx c, long start, long end, int flags, long[] pages) {
        long seq = 0;
        if ((flags & FOLL_PIN) != 0) {
            seq = c.mm.writeProtectSeq;
            if ((seq & 1) != 0) {
                c.ex.ok(gupFastFn(c.p), FILE, "mm->write_protect_seq is odd (fork is write-protecting): no fast pin, slow path decides");
                return 0;
            }
        }
        long nr = 0;
        String stop = null;
        long addr = start;
        PhysMem ph = c.phys;
        boolean write = (flags & FOLL_WRITE) != 0;
        Vma cur = null;
        while (addr != end) {
            // pinlab's per-call work limit: the rest goes to the slow path, which stops at once (-EINTR)
            if (!c.k.chargeWork(1)) { stop = c.k.workLimitReason(); break; }
            // pte_protnone() / !pte_access_permitted(): x86 maps PROT_NONE without _PAGE_USER. Our
            // PTEs carry no such bit, so the VMA's protection stands in for it (looked up per VMA).
            if (cur == null || Long.compareUnsigned(addr, cur.end) >= 0) cur = c.mm.vmaLookup(addr);
            if (cur != null && (cur.flags & (VM_READ_B | VM_WRITE_B | VM_EXEC_B)) == 0) { stop = "the page is mapped PROT_NONE (pte_protnone)"; break; }
            long pud = c.mm.puds.isEmpty() ? 0 : c.mm.puds.get(addr >>> 30);
            long pmd = pud != 0 ? pud : c.mm.pmds.isEmpty() ? 0 : c.mm.pmds.get(addr >>> 21);
            if (pmd != 0) { // gup_huge_pud() / gup_fast_pud_leaf() for a PUD leaf, gup_huge_pmd() / gup_fast_pmd_leaf() for a PMD leaf
                long leafSize = pud != 0 ? PUD_SIZE : HPAGE_SIZE;
                if (write && !Pte.write(pmd)) { stop = "the huge " + (pud != 0 ? "PUD" : "PMD") + " is not writable"; break; }
                if (pud == 0 && Pte.special(pmd) && c.p.hugeZeroPmdSpecial()) { stop = "pmd_special: the huge zero folio is left to the slow path"; break; }
                long head = Pte.pfn(pmd);
                long page = head + ((addr & (leafSize - 1)) >>> PAGE_SHIFT);
                long pmdEnd = (addr | (leafSize - 1)) + 1;
                long stopAt = Long.compareUnsigned(pmdEnd, end) < 0 ? pmdEnd : end;
                int refs = (int) ((stopAt - addr) >>> PAGE_SHIFT);
                if (!tryGrabFolio(c, page, refs, flags, true)) { stop = "the folio is in ZONE_MOVABLE and FOLL_LONGTERM needs it migrated"; break; }
                if (!folioFastPinAllowed(c, head, flags)) { gupPutFolio(c.k, page, refs, flags); stop = gupFastFolioAllowedFn(c.p) + ": file-backed page cache may not be pinned FOLL_LONGTERM|FOLL_WRITE locklessly"; break; }
                if (!Pte.write(pmd) && gupMustUnshare(c, null, flags, head)) { gupPutFolio(c.k, page, refs, flags); stop = "gup_must_unshare: the read-only page needs unsharing first"; break; }
                for (int j = 0; j < refs; j++) pages[(int) nr + j] = page + j;
                nr += refs;
                addr = stopAt;
                continue;
            }
            long pte = c.mm.ptes.get(addr >>> PAGE_SHIFT);
            if (pte == 0) { stop = "nothing is mapped there yet (gup-fast never faults)"; break; }
            if (!Pte.present(pte)) { stop = "the page is swapped out (gup-fast never faults)"; break; }
            if (write && !Pte.write(pte)) { stop = "the PTE is not writable (needs a write fault or COW)"; break; }
            if (Pte.special(pte)) { stop = "a special PTE (the shared zero page or a raw pfn)"; break; }
            long page = Pte.pfn(pte);
            if (!tryGrabFolio(c, page, 1, flags, true)) { stop = "the folio is in ZONE_MOVABLE and FOLL_LONGTERM needs it migrated"; break; }
            if ((ph.flags(page) & PG_SECRETMEM) != 0) { gupPutFolio(c.k, page, 1, flags); stop = "a secretmem page"; break; }
            if (!folioFastPinAllowed(c, page, flags)) { gupPutFolio(c.k, page, 1, flags); stop = gupFastFolioAllowedFn(c.p) + ": file-backed page cache may not be pinned FOLL_LONGTERM|FOLL_WRITE locklessly"; break; }
            if (!Pte.write(pte) && gupMustUnshare(c, null, flags, page)) { gupPutFolio(c.k, page, 1, flags); stop = "gup_must_unshare: the read-only page needs unsharing first"; break; }
            if ((ph.flags(page) & PG_REFERENCED) == 0) ph.setFolioFlags(page, PG_REFERENCED); // folio_set_referenced()
            pages[(int) nr++] = page;
            addr += PAGE_SIZE;
        }
        if ((flags & FOLL_PIN) != 0 && c.mm.writeProtectSeq != seq) {
            for (int i = 0; i < nr; i++) gupPutFolio(c.k, pages[i], 1, flags);
            c.ex.ok(gupFastFn(c.p), FILE, "mm->write_protect_seq changed during the walk (fork): all fast pins dropped");
            return 0;
        }
        long total = (end - start) >>> PAGE_SHIFT;
        if (c.ex.verbose()) c.ex.ok(gupFastFn(c.p), FILE, "gup-fast took " + nr + " of " + total + " pages without mmap_lock"
                + (stop == null ? "" : "; stopped at " + hex(addr) + ": " + stop));
        return nr;
    }

    /**
     * folio_fast_pin_allowed() (6.5-6.9) / gup_fast_folio_allowed() (6.10+): for
     * FOLL_PIN|FOLL_LONGTERM|FOLL_WRITE only anon, shmem and hugetlb folios may be pinned
     * without the VMA at hand (a6e79df92e4a).
     */
    static boolean folioFastPinAllowed(Ctx c, long page, int flags) {
        if (!c.p.fileBackedLongtermWriteBan()) return true;
        if ((flags & (FOLL_PIN | FOLL_LONGTERM | FOLL_WRITE)) != (FOLL_PIN | FOLL_LONGTERM | FOLL_WRITE)) return true;
        int fl = c.phys.flags(page);
        if ((fl & PG_HUGETLB) != 0) return true;
        Object mapping = c.phys.mapping(page);
        if (mapping == null) return false;
        if ((fl & PG_ANON) != 0) return true;
        return mapping instanceof Inode in && in.isShmem();
    }

    // =====================================================================================
    // helpers
    // =====================================================================================

    /** FOLL_* names of a mask as the profile defines them ("FOLL_WRITE|FOLL_PIN"), "0" if none. */
    public static String flagNames(Profile p, int flags) {
        if (flags == 0) return "0";
        StringBuilder sb = new StringBuilder();
        int rest = flags;
        for (FollFlag f : FollFlag.values()) {
            if (!f.existsIn(p) || (flags & f.value()) == 0 || (rest & f.value()) == 0) continue;
            if (!sb.isEmpty()) sb.append('|');
            sb.append(f.name());
            rest &= ~f.value();
        }
        if (rest != 0) sb.append(sb.isEmpty() ? "" : "|").append("0x").append(Integer.toHexString(rest));
        return sb.toString();
    }

    private static String describe(Vma v) {
        String kind = switch (v.ops) {
            case ANON -> v.name != null ? v.name : "anonymous";
            case FILE, FSDAX -> fsName(v) + (v.ops == VmOps.FSDAX ? " fsdax" : "") + " file";
            case SHMEM -> "shmem";
            case HUGETLB -> "hugetlbfs";
            case SECRETMEM -> "secretmem";
            case DEVICE -> "device";
        };
        return kind + " " + ((v.flags & VM_READ_B) != 0 ? 'r' : '-') + ((v.flags & VM_WRITE_B) != 0 ? 'w' : '-')
                + ((v.flags & VM_EXEC_B) != 0 ? 'x' : '-') + ((v.flags & VM_SHARED_B) != 0 ? 's' : 'p');
    }

    private static String fsName(Vma v) {
        FsType fs = v.fsType();
        return fs == null ? "anonymous" : fs.fsName;
    }

}
