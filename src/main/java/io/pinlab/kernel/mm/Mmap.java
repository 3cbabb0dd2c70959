package io.pinlab.kernel.mm;

import io.pinlab.kernel.Errno;
import io.pinlab.kernel.Explain;
import io.pinlab.kernel.Kernel;
import io.pinlab.kernel.SysResult;
import io.pinlab.kernel.Task;
import io.pinlab.kernel.fs.FsType;
import io.pinlab.kernel.fs.Inode;
import io.pinlab.kernel.fs.OpenFile;

import java.util.Map;

import static io.pinlab.kernel.mm.PhysMem.*;
import static io.pinlab.kernel.mm.VmFlag.*;

/** mm/mmap.c (and mm/util.c vm_mmap_pgoff): creating mappings. */
public final class Mmap {
    static final String FILE = "mm/mmap.c";

    private Mmap() {}

    /**
     * ksys_mmap_pgoff() -> vm_mmap_pgoff() -> do_mmap() -> mmap_region(). Returns the address
     * (ret) or -errno.
     * TODO(mm work): every errno rule of SEMANTICS.md, MAP_FIXED replacement, VMA merge, MAP_POPULATE,
     * hugetlb reservations, max_map_count.
     */
    public static SysResult doMmap(Kernel k, Task t, long addr, long len, int prot, int flags, int fd, long off) {
        Explain ex = new Explain();
        Mm mm = t.mm;
        int type = flags & 0x03;
        boolean anonymous = (flags & MapFlag.MAP_ANONYMOUS.value) != 0;
        if (len == 0) return done(k, t, ex.fail("do_mmap", FILE, Errno.EINVAL, "length is 0"), Errno.EINVAL.neg());
        len = (len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
        OpenFile file = null;
        if (!anonymous) {
            file = t.fds.get(fd);
            if (file == null) return done(k, t, ex.fail("ksys_mmap_pgoff", FILE, Errno.EBADF, "fd " + fd + " is not open"), Errno.EBADF.neg());
        }
        long vmFlags = calcVmProtBits(prot) | VM_MAYREAD_B | VM_MAYWRITE_B | VM_MAYEXEC_B;
        if (type == MapFlag.MAP_SHARED.value || type == MapFlag.MAP_SHARED_VALIDATE.value) vmFlags |= VM_SHARED_B | VM_MAYSHARE_B;
        long start = getUnmappedArea(mm, len);
        if (start < 0) return done(k, t, ex.fail("get_unmapped_area", FILE, Errno.ENOMEM, "no gap of " + len + " bytes"), Errno.ENOMEM.neg());
        VmOps ops = VmOps.ANON;
        long pgoff = start >>> PAGE_SHIFT;
        if (file != null) {
            Inode in = file.inode();
            pgoff = off >>> PAGE_SHIFT;
            ops = switch (in.fs()) {
                case EXT4, XFS -> in.dax() ? VmOps.FSDAX : VmOps.FILE;
                case TMPFS -> VmOps.SHMEM;
                case HUGETLBFS -> VmOps.HUGETLB;
                case SECRETMEM -> VmOps.SECRETMEM;
                default -> in.device() == Inode.Device.MMIO ? VmOps.DEVICE : VmOps.ANON;
            };
            if (ops == VmOps.HUGETLB) vmFlags |= VM_HUGETLB_B;
            if (ops == VmOps.DEVICE) vmFlags |= VM_IO_B | VM_PFNMAP_B | VM_DONTEXPAND_B | VM_DONTDUMP_B;
        } else if ((vmFlags & VM_SHARED_B) != 0) {
            // shmem_zero_setup(): shared anonymous memory is a shmem file
            Inode in = k.newInode(null, FsType.TMPFS, Inode.Kind.REGULAR, Inode.Device.NONE, false, t.uid, 0600, len);
            file = k.newFile(in, 2);
            ops = VmOps.SHMEM;
            pgoff = 0;
        }
        Vma vma = new Vma(start, start + len, vmFlags, pgoff, file, ops);
        if (file != null) file.refs++;
        mm.insert(vma);
        ex.ok("mmap_region", FILE, "new VMA " + hex(start) + "-" + hex(start + len));
        return done(k, t, ex, start);
    }

    /** calc_vm_prot_bits(). */
    static long calcVmProtBits(int prot) {
        long f = 0;
        if ((prot & Prot.PROT_READ.value) != 0) f |= VM_READ_B;
        if ((prot & Prot.PROT_WRITE.value) != 0) f |= VM_WRITE_B;
        if ((prot & Prot.PROT_EXEC.value) != 0) f |= VM_EXEC_B;
        return f;
    }

    /** arch_get_unmapped_area_topdown(): the highest gap below mmap_base that fits. */
    static long getUnmappedArea(Mm mm, long len) {
        long high = Mm.MMAP_BASE;
        for (Vma v : mm.vmas.descendingMap().values()) {
            if (v.start >= high) continue;
            if (v.end <= high - len) return high - len;
            high = Math.min(high, v.start);
        }
        return high - len >= Mm.MMAP_MIN_ADDR ? high - len : -1;
    }

    static SysResult done(Kernel k, Task t, Explain ex, long ret) {
        SysResult r = ex.result(ret);
        k.event(t.pid, "mmap", Map.of(), r);
        return r;
    }

    static String hex(long v) { return "0x" + Long.toHexString(v); }
}
