package io.pinlab.kernel.mm;

import io.pinlab.kernel.base.VirtAddr;
import static io.pinlab.kernel.base.Explain.hex;
import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Explain;
import io.pinlab.kernel.base.SysResult;
import io.pinlab.kernel.fs.FsType;
import io.pinlab.kernel.fs.Inode;
import io.pinlab.kernel.fs.OpenFile;

import java.util.ArrayList;
import java.util.Map;
import java.util.function.ToLongFunction;

import static io.pinlab.kernel.mm.MapFlag.*;
import static io.pinlab.kernel.mm.PhysMem.*;
import static io.pinlab.kernel.mm.VmFlag.*;

/**
 * mm/mmap.c (with sys_mmap of arch/x86/kernel/sys_x86_64.c): the mmap and munmap system calls,
 * do_mmap() and mmap_region(), get_unmapped_area(), stack growth, mm_populate(), and the
 * address-space copy and teardown of fork and exit (dup_mmap(), exit_mmap()). The VMA tree
 * operations they share with mprotect and madvise are in {@link Vmas} (mm/vma.c); mmap_region(),
 * unmapped_area_topdown() and expand_downwards(), which the 6.19 tree also has in mm/vma.c, stay
 * here on the mmap path they serve. Checks run in the kernel's order (the v6.18 profile; source
 * read in the 6.19 tree); the explain trace names each function.
 */
public final class Mmap {
    static final String FILE = "mm/mmap.c";

    /** LEGACY_MAP_MASK (include/linux/mman.h): what MAP_SHARED_VALIDATE accepts from any file. */
    static final int LEGACY_MAP_MASK = MAP_SHARED.value | MAP_PRIVATE.value | MAP_FIXED.value | MAP_ANONYMOUS.value
            | MAP_DENYWRITE.value | MAP_EXECUTABLE.value | MAP_UNINITIALIZED.value | MAP_GROWSDOWN.value
            | MAP_LOCKED.value | MAP_NORESERVE.value | MAP_POPULATE.value | MAP_NONBLOCK.value | MAP_STACK.value
            | MAP_HUGETLB.value | MAP_32BIT.value | 0x80 /* MAP_ABOVE4G */ | MAP_HUGE_2MB.value | MAP_HUGE_1GB.value;
    static final int MAP_TYPE = 0x0f;
    static final int MAP_HUGE_SHIFT = 26, MAP_HUGE_MASK = 0x3f;
    /** VM_SPECIAL (include/linux/mm.h): such VMAs never merge. */
    static final long VM_SPECIAL = VM_IO_B | VM_DONTEXPAND_B | VM_PFNMAP_B | VM_MIXEDMAP_B;
    /** Where /dev/mmio0's BAR sits: pfn 0xfe000 (physical 0xfe000000), outside simulated RAM. */
    public static final long MMIO_BASE_PFN = 0xfe000;

    private Mmap() {}

    // ================================================================ mmap

    /**
     * sys_mmap (arch/x86/kernel/sys_x86_64.c) -> ksys_mmap_pgoff() -> vm_mmap_pgoff() (mm/util.c)
     * -> do_mmap() -> mmap_region() (mm/vma.c) -> mm_populate(). Returns the address or -errno.
     * Lengths and addresses are unsigned 64-bit values, as in the kernel.
     */
    public static SysResult doMmap(Globals k, Task t, VirtAddr addr, long len, int prot, int flags, int fd, long off) {
        return sysResult(k, ex -> mmapPgoff(k, t, addr.value(), len, prot, flags, fd, off, ex));
    }

    private static long mmapPgoff(Globals k, Task t, long addr, long len, int prot, int flags, int fd, long off, Explain ex) {
        // arch/x86/kernel/sys_x86_64.c SYSCALL_DEFINE6(mmap): checked before anything else, also for MAP_ANONYMOUS
        if ((off & (PAGE_SIZE - 1)) != 0)
            return fail(ex, "sys_mmap", "arch/x86/kernel/sys_x86_64.c", Errno.EINVAL, "offset " + hex(off) + " is not a multiple of the page size");
        long pgoff = off >>> PAGE_SHIFT;
        OpenFile file = null;
        if ((flags & MAP_ANONYMOUS.value) == 0) {
            file = t.fds.get(fd);
            if (file == null)
                return fail(ex, "ksys_mmap_pgoff", FILE, Errno.EBADF, "fd " + fd + " is not an open file descriptor");
            if (file.inode().isHugetlb()) {
                len = alignUp(len, file.inode().hstate.size()); // ALIGN(len, huge_page_size(hstate_file())): wraps to 0 like the kernel's
            } else if ((flags & MAP_HUGETLB.value) != 0) {
                return fail(ex, "ksys_mmap_pgoff", FILE, Errno.EINVAL, "MAP_HUGETLB needs a hugetlbfs file or MAP_ANONYMOUS, fd " + fd + " is on " + file.inode().fs().fsName);
            }
            ex.ok("ksys_mmap_pgoff", FILE, "fd " + fd + " refers to " + describe(file));
        } else if ((flags & MAP_HUGETLB.value) != 0) {
            int sizeLog = (flags >>> MAP_HUGE_SHIFT) & MAP_HUGE_MASK;
            Hstate hs = k.hstateSizelog(sizeLog);
            if (hs == null)
                return fail(ex, "ksys_mmap_pgoff", FILE, Errno.EINVAL, "hstate_sizelog(" + sizeLog + "): no hugetlb pool of size 2^" + sizeLog
                        + " (x86_64 has 2 MiB, MAP_HUGE_2MB = 21, and 1 GiB, MAP_HUGE_1GB = 30)");
            len = alignUp(len, hs.size());
            // hugetlb_file_setup(HUGETLB_ANON_FILE, len, VM_NORESERVE): reservation happens in mmap below
            Inode in = k.newUnlinkedInode("/anon_hugepage", FsType.HUGETLBFS, t.uid, 0600, len);
            in.hstate = hs;
            file = k.newFile(in, 2);
            ex.ok("hugetlb_file_setup", "fs/hugetlbfs/inode.c", "anonymous MAP_HUGETLB: an unlinked hugetlbfs file of " + len + " bytes");
        }
        return doMmapChecked(k, t, addr, len, prot, flags, file, pgoff, ex);
    }

    /** do_mmap() (mm/mmap.c) and mmap_region(). */
    private static long doMmapChecked(Globals k, Task t, long addr, long len, int prot, int flags, OpenFile file, long pgoff, Explain ex) {
        Mm mm = t.mm;
        if (len == 0) return fail(ex, "do_mmap", FILE, Errno.EINVAL, "length is 0");
        if ((flags & MAP_FIXED_NOREPLACE.value) != 0) flags |= MAP_FIXED.value;
        boolean fixed = (flags & MAP_FIXED.value) != 0;
        if (!fixed) addr = roundHintToMin(addr);
        len = alignUp(len, PAGE_SIZE);
        if (len == 0) return fail(ex, "do_mmap", FILE, Errno.ENOMEM, "length overflows when rounded up to a page");
        if (Long.compareUnsigned(pgoff + (len >>> PAGE_SHIFT), pgoff) < 0)
            return fail(ex, "do_mmap", FILE, Errno.EOVERFLOW, "offset + length overflows the file offset");
        if (mm.mapCount() > k.maxMapCount)
            return fail(ex, "do_mmap", FILE, Errno.ENOMEM, "the process has " + mm.mapCount() + " VMAs, more than vm.max_map_count " + k.maxMapCount);
        String nomem = Vmas.vmAreaAllocFails(k, 3); // the new VMA and the two halves a MAP_FIXED may split off
        if (nomem != null) return fail(ex, "vm_area_alloc", "kernel/fork.c", Errno.ENOMEM, nomem);
        long vmFlags = calcVmProtBits(prot) | calcVmFlagBits(k.profile, flags) | VM_MAYREAD_B | VM_MAYWRITE_B | VM_MAYEXEC_B;

        // __get_unmapped_area()
        long a = getUnmappedArea(k.profile, mm, file, addr, len, flags, ex);
        if (a < 0) return a;
        if (Long.compareUnsigned(a, Mm.TASK_SIZE - len) > 0)
            return fail(ex, "__get_unmapped_area", FILE, Errno.ENOMEM, hex(a) + " + " + len + " ends beyond TASK_SIZE " + hex(Mm.TASK_SIZE));
        if ((a & (PAGE_SIZE - 1)) != 0)
            return fail(ex, "__get_unmapped_area", FILE, Errno.EINVAL, "MAP_FIXED address " + hex(a) + " is not page aligned");
        // security_mmap_addr() -> cap_mmap_addr() (security/commoncap.c)
        if (Long.compareUnsigned(a, Mm.MMAP_MIN_ADDR) < 0 && t.uid != 0)
            return fail(ex, "cap_mmap_addr", "security/commoncap.c", Errno.EPERM, hex(a) + " is below vm.mmap_min_addr " + hex(Mm.MMAP_MIN_ADDR) + " and the process lacks CAP_SYS_RAWIO");
        addr = a;
        long end = addr + len;
        ex.ok("__get_unmapped_area", FILE, (fixed ? "MAP_FIXED at " : "chose ") + hex(addr) + "-" + hex(end));
        if ((flags & MAP_FIXED_NOREPLACE.value) != 0 && mm.findVmaIntersection(addr, end) != null)
            return fail(ex, "do_mmap", FILE, Errno.EEXIST, "MAP_FIXED_NOREPLACE and " + hex(addr) + "-" + hex(end) + " overlaps an existing mapping");
        if ((flags & MAP_LOCKED.value) != 0 && !canDoMlock(t))
            return fail(ex, "can_do_mlock", "mm/mlock.c", Errno.EPERM, "MAP_LOCKED with RLIMIT_MEMLOCK 0 and no CAP_IPC_LOCK");
        if (!mlockFutureOk(t, vmFlags, len))
            return fail(ex, "mlock_future_ok", FILE, Errno.EAGAIN, "MAP_LOCKED would lock more than RLIMIT_MEMLOCK " + t.rlimitMemlock + " bytes");

        if (file != null) {
            Inode inode = file.inode();
            int flagsMask = LEGACY_MAP_MASK;
            boolean mmapSync = inode.fs() == FsType.EXT4 || inode.fs() == FsType.XFS; // FOP_MMAP_SYNC
            if (mmapSync) flagsMask |= MAP_SYNC.value;
            switch (flags & MAP_TYPE) {
                case 0x01, 0x03 -> { // MAP_SHARED (unsupported flags silently dropped), MAP_SHARED_VALIDATE
                    if ((flags & MAP_TYPE) == MAP_SHARED.value) flags &= LEGACY_MAP_MASK;
                    if ((flags & ~flagsMask) != 0)
                        return fail(ex, "do_mmap", FILE, Errno.EOPNOTSUPP, "MAP_SHARED_VALIDATE with flags " + hex(flags & ~flagsMask) + " that " + inode.fs().fsName + " does not support");
                    if ((prot & Prot.PROT_WRITE.value) != 0 && !file.writable())
                        return fail(ex, "do_mmap", FILE, Errno.EACCES, "MAP_SHARED with PROT_WRITE needs a file opened for writing; fd is read-only");
                    vmFlags |= VM_SHARED_B | VM_MAYSHARE_B;
                    if (!file.writable()) vmFlags &= ~(VM_MAYWRITE_B | VM_SHARED_B);
                    long r = checkPrivate(file, vmFlags, ex);
                    if (r < 0) return r;
                }
                case 0x02 -> {
                    long r = checkPrivate(file, vmFlags, ex);
                    if (r < 0) return r;
                }
                default -> { return fail(ex, "do_mmap", FILE, Errno.EINVAL, "flags must contain exactly one of MAP_SHARED, MAP_PRIVATE, MAP_SHARED_VALIDATE"); }
            }
            ex.ok("do_mmap", FILE, "file checks passed (" + ((vmFlags & VM_MAYSHARE_B) != 0 ? "shared" : "private") + ")");
        } else {
            switch (flags & MAP_TYPE) {
                case 0x01 -> {
                    if ((vmFlags & VM_GROWSDOWN_B) != 0)
                        return fail(ex, "do_mmap", FILE, Errno.EINVAL, "MAP_GROWSDOWN is not allowed on shared anonymous memory");
                    pgoff = 0;
                    vmFlags |= VM_SHARED_B | VM_MAYSHARE_B;
                }
                case 0x02 -> pgoff = addr >>> PAGE_SHIFT;
                case 0x08 -> { // MAP_DROPPABLE (9651fcedf7b9, 6.11): private memory the kernel may zero under pressure
                    if (!k.profile.mapDroppable())
                        return fail(ex, "do_mmap", FILE, Errno.EINVAL, "MAP_DROPPABLE does not exist before 6.11");
                    if ((flags & (MAP_LOCKED.value | MAP_HUGETLB.value)) != 0)
                        return fail(ex, "do_mmap", FILE, Errno.EINVAL, "MAP_DROPPABLE cannot be locked or hugetlb");
                    if ((vmFlags & VM_GROWSDOWN_B) != 0)
                        return fail(ex, "do_mmap", FILE, Errno.EINVAL, "MAP_DROPPABLE cannot grow down");
                    vmFlags |= VM_DROPPABLE_B | VM_NORESERVE_B | VM_WIPEONFORK_B | VM_DONTDUMP_B;
                    pgoff = addr >>> PAGE_SHIFT;
                }
                default -> { return fail(ex, "do_mmap", FILE, Errno.EINVAL, "anonymous mappings need exactly MAP_SHARED or MAP_PRIVATE"
                        + (k.profile.mapDroppable() ? " (or MAP_DROPPABLE)" : "")); }
            }
        }
        if ((flags & MAP_NORESERVE.value) != 0) vmFlags |= VM_NORESERVE_B; // overcommit heuristic allows it
        return mmapRegion(k, t, file, addr, len, vmFlags, pgoff, flags, ex);
    }

    /** The MAP_PRIVATE leg of do_mmap()'s switch, which MAP_SHARED falls through to. */
    private static long checkPrivate(OpenFile file, long vmFlags, Explain ex) {
        if (!file.readable())
            return fail(ex, "do_mmap", FILE, Errno.EACCES, "the file was not opened for reading (O_WRONLY)");
        Inode in = file.inode();
        if (in.kind() == Inode.Kind.DIRECTORY || in.fs() == FsType.ANON_INODE) // can_mmap_file(): no f_op->mmap
            return fail(ex, "do_mmap", FILE, Errno.ENODEV, describe(file) + " has no mmap file operation");
        if ((vmFlags & VM_GROWSDOWN_B) != 0)
            return fail(ex, "do_mmap", FILE, Errno.EINVAL, "MAP_GROWSDOWN is not allowed on file mappings");
        return 0;
    }

    /**
     * mmap_region() (mm/mmap.c up to 6.11; __mmap_region() in mm/vma.c since 6.12): tear down or
     * gather the MAP_FIXED range, run the file's mmap hook, insert and merge the VMA, populate.
     * Since 6.12 a failing hook leaves the old mapping in place (vms_abort_munmap_vmas());
     * before, the old mapping was already gone.
     */
    private static long mmapRegion(Globals k, Task t, OpenFile file, long addr, long len, long vmFlags, long pgoff, int flags, Explain ex) {
        Mm mm = t.mm;
        long end = addr + len;
        // __mmap_setup() -> vms_gather_munmap_vmas(): the MAP_FIXED range may split one VMA in two
        Vma over = mm.findVmaIntersection(addr, end);
        if (over != null && over.start < addr && end < over.end && mm.mapCount() >= k.maxMapCount)
            return fail(ex, "vms_gather_munmap_vmas", Vmas.FILE, Errno.ENOMEM, "replacing the middle of a VMA would exceed vm.max_map_count");
        boolean reworked = k.profile.mmapRegionReworked();
        if (over != null) { // __split_vma() -> vm_ops->may_split(): hugetlb VMAs split only at 2 MiB boundaries
            Vma last = mm.vmaLookup(end - 1);
            long r = Hugetlb.hugetlbVmOpSplit(over, addr, ex);
            if (r == 0 && last != null) r = Hugetlb.hugetlbVmOpSplit(last, end, ex);
            if (r < 0 && !reworked)
                return fail(ex, "mmap_region", FILE, Errno.ENOMEM, "do_vmi_munmap() of the MAP_FIXED range failed, which this kernel reports as -ENOMEM");
            if (r < 0) return r;
            if (!reworked) { // up to 6.11 the old mappings go before ->mmap() runs: a failing hook leaves a hole
                Vmas.unmapRange(k, mm, addr, end);
                ex.ok("do_vmi_munmap", Vmas.FILE, "MAP_FIXED unmapped " + hex(addr) + "-" + hex(end) + " before the file's mmap hook");
                over = null;
            }
        }
        // accountable_mapping(): private writable memory is charged (overcommit heuristic: always fits)
        if ((vmFlags & (VM_NORESERVE_B | VM_SHARED_B | VM_HUGETLB_B)) == 0 && (vmFlags & VM_WRITE_B) != 0) vmFlags |= VM_ACCOUNT_B;

        VmOps ops = VmOps.ANON;
        OpenFile vmFile = file;
        long hugeResv = 0;
        if (file != null) {
            Inode in = file.inode();
            switch (in.fs()) {
                case EXT4, XFS -> { // ext4_file_mmap_prepare() / xfs_file_mmap_prepare()
                    if ((vmFlags & VM_SYNC_B) != 0 && !in.dax())
                        return fail(ex, in.fs() == FsType.EXT4 ? "ext4_file_mmap_prepare" : "xfs_file_mmap_prepare",
                                in.fs() == FsType.EXT4 ? "fs/ext4/file.c" : "fs/xfs/xfs_file.c", Errno.EOPNOTSUPP,
                                "MAP_SYNC needs a DAX file (daxdev_mapping_supported())");
                    if (in.dax()) { ops = VmOps.FSDAX; vmFlags |= VM_HUGEPAGE_B; } else ops = VmOps.FILE;
                }
                case BTRFS -> ops = VmOps.FILE; // btrfs_file_mmap_prepare() (fs/btrfs/file.c): no DAX, no MAP_SYNC
                case TMPFS -> ops = VmOps.SHMEM; // shmem_mmap_prepare()
                case HUGETLBFS -> { // hugetlbfs_file_mmap_prepare()
                    vmFlags |= VM_HUGETLB_B | VM_DONTEXPAND_B;
                    ops = VmOps.HUGETLB;
                    Hstate h = in.hstate;
                    if ((pgoff & (h.nrPages() - 1)) != 0)
                        return fail(ex, "hugetlbfs_file_mmap_prepare", "fs/hugetlbfs/inode.c", Errno.EINVAL, "offset must be a multiple of the huge page size, " + (h.size() >> 10) + " kB");
                    long r = Hugetlb.hugetlbReservePages(k, in, pgoff >>> h.order, (pgoff >>> h.order) + (len >>> h.shift()), vmFlags, ex);
                    if (r < 0) return r;
                    hugeResv = r;
                    long fileLen = len + (pgoff << PAGE_SHIFT);
                    if ((vmFlags & VM_WRITE_B) != 0 && in.size < fileLen) in.size = fileLen;
                }
                case SECRETMEM -> { // secretmem_mmap_prepare()
                    if ((vmFlags & (VM_SHARED_B | VM_MAYSHARE_B)) == 0)
                        return fail(ex, "secretmem_mmap_prepare", "mm/secretmem.c", Errno.EINVAL, "memfd_secret memory can only be mapped MAP_SHARED");
                    if (!mlockFutureOk(t, vmFlags | VM_LOCKED_B, len))
                        return fail(ex, "secretmem_mmap_prepare", "mm/secretmem.c", Errno.EAGAIN, "secretmem is mlocked and would exceed RLIMIT_MEMLOCK");
                    vmFlags |= VM_LOCKED_B | VM_DONTDUMP_B;
                    ops = VmOps.SECRETMEM;
                }
                default -> {
                    if (in.device() == Inode.Device.MMIO) { // a driver's mmap calling remap_pfn_range()
                        if (pgoff + (len >>> PAGE_SHIFT) > in.size >>> PAGE_SHIFT)
                            return fail(ex, "mmio_mmap", "drivers/misc (simulated)", Errno.EINVAL, "the device has only " + in.size + " bytes of registers");
                        vmFlags |= VM_IO_B | VM_PFNMAP_B | VM_DONTEXPAND_B | VM_DONTDUMP_B;
                        ops = VmOps.DEVICE;
                    } else if (in.device() == Inode.Device.ZERO) { // mmap_zero_prepare() (drivers/char/mem.c)
                        if ((vmFlags & VM_SHARED_B) != 0) {
                            vmFile = shmemZeroSetup(k, t, len);
                            ops = VmOps.SHMEM;
                            pgoff = 0;
                        } else {
                            ops = VmOps.ANON; // vma_set_anonymous(): vm_file stays /dev/zero
                        }
                    }
                }
            }
        } else if ((vmFlags & VM_SHARED_B) != 0) {
            vmFile = shmemZeroSetup(k, t, len);
            ops = VmOps.SHMEM;
        }
        if (ops != VmOps.ANON || file != null)
            ex.ok("call_mmap_prepare", Vmas.FILE, "vm_ops " + ops + (vmFile != file ? " (shmem_zero_setup: a shmem file backs shared anonymous memory)" : ""));

        // MAP_FIXED: finish unmapping what was there (vms_complete_munmap_vmas())
        if (over != null) {
            Vmas.unmapRange(k, mm, addr, end);
            ex.ok("vms_complete_munmap_vmas", Vmas.FILE, "MAP_FIXED replaced the mappings in " + hex(addr) + "-" + hex(end));
        }

        Vma vma = new Vma(addr, end, vmFlags, pgoff, vmFile, ops);
        vma.hugeResv = hugeResv;
        // hugetlb_reserve_pages(): a private mapping with reservations owns them (set_vma_resv_flags())
        if (vma.isHugetlb() && (vmFlags & (VM_MAYSHARE_B | VM_NORESERVE_B)) == 0) vma.hugeResvFlags = Hugetlb.HPAGE_RESV_OWNER;
        if (vmFile != null) vmFile.refs++; // get_file()
        // __mmap_complete(): VM_LOCKED is dropped on special, DAX and hugetlb VMAs
        if ((vmFlags & VM_LOCKED_B) != 0) {
            if ((vmFlags & VM_SPECIAL) != 0 || ops == VmOps.FSDAX || vma.isHugetlb()) vma.flags &= ~VM_LOCKED_B;
            else mm.lockedVm += len >>> PAGE_SHIFT;
        }
        mm.insert(vma);
        if (ops == VmOps.DEVICE) Memory.remapPfnRange(mm, vma);
        Vma merged = Vmas.vmaMerge(k, mm, vma);
        ex.ok("mmap_region", Vmas.FILE, merged == vma ? "new VMA " + range(vma) : "merged into VMA " + range(merged));

        boolean populate = (vma.flags & VM_LOCKED_B) != 0
                || (flags & (MAP_POPULATE.value | MAP_NONBLOCK.value)) == MAP_POPULATE.value;
        if (populate) {
            long n = mmPopulate(k, mm, addr, end, ex);
            ex.ok("__mm_populate", "mm/gup.c", n + " pages faulted in (errors are ignored, as mm_populate() does)");
        }
        return addr;
    }


    /** shmem_zero_setup() (mm/shmem.c): shared anonymous memory is an unlinked shmem file "/dev/zero". */
    private static OpenFile shmemZeroSetup(Globals k, Task t, long len) {
        Inode in = k.newUnlinkedInode("/dev/zero", FsType.TMPFS, t.uid, 0600, len);
        return k.newFile(in, 2);
    }

    /** calc_vm_prot_bits(). */
    static long calcVmProtBits(int prot) {
        long f = 0;
        if ((prot & Prot.PROT_READ.value) != 0) f |= VM_READ_B;
        if ((prot & Prot.PROT_WRITE.value) != 0) f |= VM_WRITE_B;
        if ((prot & Prot.PROT_EXEC.value) != 0) f |= VM_EXEC_B;
        return f;
    }

    /**
     * calc_vm_flag_bits() (include/linux/mman.h): MAP_SYNC becomes VM_SYNC even with plain
     * MAP_SHARED; MAP_STACK becomes VM_NOHUGEPAGE since c4608d1bf7c6 (6.7).
     */
    static long calcVmFlagBits(io.pinlab.kernel.base.Profile profile, int flags) {
        long f = 0;
        if ((flags & MAP_GROWSDOWN.value) != 0) f |= VM_GROWSDOWN_B;
        if ((flags & MAP_LOCKED.value) != 0) f |= VM_LOCKED_B;
        if ((flags & MAP_SYNC.value) != 0) f |= VM_SYNC_B;
        if ((flags & MAP_STACK.value) != 0 && profile.mapStackNoHugepage()) f |= VM_NOHUGEPAGE_B;
        return f;
    }

    /** round_hint_to_min(). */
    static long roundHintToMin(long hint) {
        hint &= ~(PAGE_SIZE - 1);
        if (hint != 0 && Long.compareUnsigned(hint, Mm.MMAP_MIN_ADDR) < 0) return Mm.MMAP_MIN_ADDR;
        return hint;
    }

    /** can_do_mlock() (mm/mlock.c). */
    static boolean canDoMlock(Task t) { return t.rlimitMemlock != 0 || t.capIpcLock; }

    /** mlock_future_ok() (mm/mmap.c). */
    static boolean mlockFutureOk(Task t, long vmFlags, long bytes) {
        if ((vmFlags & VM_LOCKED_B) == 0 || t.capIpcLock) return true;
        return t.mm.lockedVm + (bytes >>> PAGE_SHIFT) <= t.rlimitMemlock >>> PAGE_SHIFT;
    }

    /**
     * get_unmapped_area: hugetlb_get_unmapped_area() (fs/hugetlbfs/inode.c) for hugetlbfs files,
     * else arch_get_unmapped_area_topdown() (arch/x86/kernel/sys_x86_64.c). Returns an address
     * or -errno (recorded in ex).
     */
    static long getUnmappedArea(io.pinlab.kernel.base.Profile profile, Mm mm, OpenFile file, long addr, long len, int flags, Explain ex) {
        if (Long.compareUnsigned(len, Mm.TASK_SIZE) > 0)
            return fail(ex, "__get_unmapped_area", FILE, Errno.ENOMEM, "length " + Long.toUnsignedString(len) + " is larger than the address space");
        boolean huge = file != null && file.inode().isHugetlb();
        long align = PAGE_SIZE;
        if (huge) {
            long hsize = file.inode().hstate.size();
            String unit = (hsize >> 10) + " kB";
            if ((len & (hsize - 1)) != 0)
                return fail(ex, "hugetlb_get_unmapped_area", "fs/hugetlbfs/inode.c", Errno.EINVAL, "length is not a multiple of the huge page size, " + unit);
            if ((flags & MAP_FIXED.value) != 0 && (addr & (hsize - 1)) != 0)
                return fail(ex, "hugetlb_get_unmapped_area", "fs/hugetlbfs/inode.c", Errno.EINVAL, "MAP_FIXED address " + hex(addr) + " is not aligned to " + unit);
            if (addr != 0) addr = alignUp(addr, hsize);
            align = hsize;
        }
        if ((flags & MAP_FIXED.value) != 0) return addr;
        if (addr != 0) { // a hint: taken when it is free (mmap_address_hint_valid())
            addr &= ~(PAGE_SIZE - 1);
            if (Long.compareUnsigned(addr, Mm.TASK_SIZE - len) <= 0 && mm.findVmaIntersection(addr, addr + len) == null)
                return addr;
        }
        // thp_get_unmapped_area_vmflags(): private anonymous, no hint, length a PMD multiple
        if (file == null && (flags & MAP_SHARED.value) == 0 && addr == 0 && (len & (HPAGE_SIZE - 1)) == 0
                && profile.thpAlignedAnonMmap()) {
            long a = HugeMemory.thpGetUnmappedArea(mm, len);
            if (a > 0) return a;
        }
        long a = topDown(mm, len, align);
        if (a < 0) return fail(ex, "vm_unmapped_area", FILE, Errno.ENOMEM, "no free gap of " + len + " bytes below mmap_base");
        return a;
    }

    /** stack_guard_gap (mm/mmap.c): 256 pages kept free below a VM_GROWSDOWN VMA (vm_start_gap()). */
    static final long STACK_GUARD_GAP = 256 * PAGE_SIZE;

    /**
     * unmapped_area_topdown() (mm/vma.c): the highest gap below mmap_base that fits len at the
     * alignment, never below mmap_min_addr, keeping the guard gap below VM_GROWSDOWN VMAs.
     */
    static long topDown(Mm mm, long len, long align) {
        long high = mm.coveredFrom != 0 ? mm.coveredFrom : Mm.MMAP_BASE;
        Map.Entry<Long, Vma> above = mm.vmas.ceilingEntry(high);
        if (above != null && above.getValue().has(VM_GROWSDOWN_B)) high = Math.min(high, above.getValue().start - STACK_GUARD_GAP);
        long covered = high; // extends down while VMAs leave no gap, so the next search can start there
        boolean extending = true;
        for (Vma v : mm.vmas.headMap(high, false).descendingMap().values()) {
            if (v.end <= high && high - v.end >= len) { // gap [v.end, high)
                long cand = (high - len) & ~(align - 1);
                if (cand >= v.end) {
                    mm.coveredFrom = covered;
                    return cand;
                }
            }
            if (extending && v.end >= covered && !v.has(VM_GROWSDOWN_B)) covered = Math.min(covered, v.start);
            else extending = false;
            high = Math.min(high, v.has(VM_GROWSDOWN_B) ? v.start - STACK_GUARD_GAP : v.start);
        }
        mm.coveredFrom = covered;
        if (high - Mm.MMAP_MIN_ADDR < len) return -1;
        long cand = (high - len) & ~(align - 1);
        return cand >= Mm.MMAP_MIN_ADDR ? cand : -1;
    }

    // ================================================================ stack

    /** RLIMIT_STACK default (8 MiB): how far a VM_GROWSDOWN VMA may grow. */
    public static final long RLIMIT_STACK = 8L << 20;

    /**
     * expand_stack() -> expand_downwards() (mm/mmap.c; mm/vma.c in 6.19): an access below a
     * VM_GROWSDOWN VMA grows it, within RLIMIT_STACK and keeping stack_guard_gap above the
     * previous accessible VMA. Returns the grown VMA or null.
     */
    static Vma expandStack(Mm mm, long page) { return expandStack(mm, page, null, null); }

    /** As above; when {@code ex} is given, a refusal is recorded as a step of {@code fn}. */
    static Vma expandStack(Mm mm, long page, Explain ex, String fn) {
        Vma next = mm.findVma(page);
        if (next == null || !next.has(VM_GROWSDOWN_B) || page < Mm.MMAP_MIN_ADDR) return null;
        if (next.end - page > RLIMIT_STACK)
            return refuse(ex, fn, "expanding the stack to " + hex(page) + " would exceed RLIMIT_STACK (8 MiB)");
        Map.Entry<Long, Vma> pe = mm.vmas.lowerEntry(next.start);
        if (pe != null) {
            Vma prev = pe.getValue();
            if (prev.end > page) return refuse(ex, fn, hex(page) + " lies inside the VMA at " + hex(prev.start));
            if (!prev.has(VM_GROWSDOWN_B) && (prev.flags & (VM_READ_B | VM_WRITE_B | VM_EXEC_B)) != 0
                    && page - prev.end < STACK_GUARD_GAP)
                return refuse(ex, fn, "expanding the stack to " + hex(page)
                        + " would come within stack_guard_gap of the VMA at " + hex(prev.start));
        }
        mm.remove(next);
        next.pgoff -= (next.start - page) >>> PAGE_SHIFT;
        next.start = page;
        mm.insert(next);
        return next;
    }

    private static Vma refuse(Explain ex, String fn, String why) {
        if (ex != null) ex.step(fn, "mm/mmap.c", "no VMA", why);
        return null;
    }

    // ================================================================ populate

    /**
     * __mm_populate() -> populate_vma_page_range() (mm/gup.c): faults in every page of each
     * accessible VMA, skipping VM_IO|VM_PFNMAP, ignoring errors. Write faults for private writable
     * VMAs (so COW happens now), read faults otherwise. Returns the pages present afterwards.
     */
    static long mmPopulate(Globals k, Mm mm, long start, long end, Explain ex) {
        long n = 0;
        for (long a = start; a < end; ) {
            Vma v = mm.findVma(a);
            if (v == null || v.start >= end) break;
            a = Math.max(a, v.start);
            long vend = Math.min(end, v.end);
            if ((v.flags & (VM_IO_B | VM_PFNMAP_B)) == 0 && (v.flags & (VM_READ_B | VM_WRITE_B | VM_EXEC_B)) != 0) {
                boolean write = (v.flags & (VM_WRITE_B | VM_SHARED_B)) == VM_WRITE_B;
                for (long p = a; p < vend; p += PAGE_SIZE) {
                    if (!k.chargeWork(1)) { // -EINTR from __get_user_pages(): every later VMA would stop the same way
                        ex.step("__mm_populate", "mm/gup.c", "stopped", "at " + hex(p) + ": " + k.workLimitReason());
                        return n;
                    }
                    long pte = Memory.followPte(mm, p);
                    if (Pte.present(pte) && (!write || Pte.write(pte))) { n++; continue; }
                    int f = Memory.handleMmFault(k, mm, v, p, write ? Memory.FAULT_FLAG_WRITE : 0);
                    if (f != 0) { // populate_vma_page_range() < 0: the error is ignored and __mm_populate() goes on at the next VMA
                        String oom = (f & Memory.VM_FAULT_OOM) != 0 ? OomKill.failure(k) : null;
                        ex.step("populate_vma_page_range", "mm/gup.c", "error ignored", "fault at " + hex(p) + " failed"
                                + (oom != null ? ": " + oom : "") + "; the rest of VMA " + range(v) + " stays unpopulated");
                        break;
                    }
                    n++;
                }
            }
            a = vend;
        }
        return n;
    }

    // ================================================================ munmap

    /** munmap() -> __vm_munmap() -> do_vmi_munmap() -> do_vmi_align_munmap() (mm/vma.c). */
    public static SysResult doMunmap(Globals k, Task t, VirtAddr start, long len) {
        return sysResult(k, ex -> Vmas.doVmiMunmap(k, t.mm, start.value(), len, ex));
    }

    // ================================================================ fork and exit

    /**
     * dup_mmap() (kernel/fork.c before 6.13): VMAs are copied except VM_DONTCOPY ones; VM_LOCKED
     * is cleared in the child; VM_WIPEONFORK VMAs come empty with no anon_vma. Page tables are
     * copied only where vma_needs_copy() says so (an anon_vma, or PFNMAP/MIXEDMAP/hugetlb); other
     * file and shmem pages are faulted in again by the child. write_protect_seq is bumped around
     * the copy. Returns what it did, or the -errno that stopped it, as {@link ForkStats}.
     */
    static ForkStats dupMmap(Globals k, Mm parent, Mm child) {
        ForkStats stats = new ForkStats();
        parent.writeProtectSeq++; // raw_write_seqcount_begin(): gup-fast backs off while odd
        for (Vma v : parent.vmas.values()) {
            if (v.has(VM_DONTCOPY_B)) { stats.skippedVmas++; continue; }
            if (!Memory.copyFits(k, stats)) break;
            Vma c = v.copy();
            c.flags &= ~VM_LOCKED_B;
            c.hugeResv = 0; // private hugetlb reservations stay with the parent (reset_vma_resv_huge_pages())
            c.hugeResvFlags = 0; // ... and with them HPAGE_RESV_OWNER
            c.anonVma = 0;
            if (v.file != null) v.file.refs++; // get_file()
            child.insert(c);
            if (v.has(VM_WIPEONFORK_B)) continue;
            if (v.anonVma != 0) c.anonVma = ++child.anonVmaSeq; // anon_vma_fork()
            if (v.anonVma != 0 || (v.flags & (VM_PFNMAP_B | VM_MIXEDMAP_B | VM_HUGETLB_B)) != 0)
                Memory.copyPageRange(k, parent, child, v, c, stats);
            if (stats.err != 0) break;
        }
        parent.writeProtectSeq++;
        return stats;
    }


    /** exit_mmap(): unmap_vmas() + free every VMA (files, hugetlb reservations, mlock accounting). */
    static void exitMmap(Globals k, Mm mm) {
        for (Vma v : new ArrayList<>(mm.vmas.values())) Vmas.removeVma(k, mm, v);
    }

    // ================================================================ helpers

    /** Runs a system call with a fresh explain trace: its answer (ret and trace), and the call ends ({@link Globals#endCall}). */
    static SysResult sysResult(Globals k, ToLongFunction<Explain> call) {
        Explain ex = new Explain();
        SysResult r = ex.result(call.applyAsLong(ex));
        k.endCall();
        return r;
    }

    static long alignUp(long v, long a) { return (v + a - 1) & ~(a - 1); }

    static long fail(Explain ex, String fn, String file, Errno e, String detail) {
        ex.fail(fn, file, e, detail);
        return e.neg();
    }

    static String describe(OpenFile f) {
        Inode in = f.inode();
        return (in.path() == null ? "an unnamed inode" : in.path()) + " (" + in.fs().fsName + ", " + in.kind().name().toLowerCase() + ")";
    }

    static String range(Vma v) { return hex(v.start) + "-" + hex(v.end); }

}
