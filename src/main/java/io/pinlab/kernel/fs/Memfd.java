package io.pinlab.kernel.fs;

import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Explain;
import io.pinlab.kernel.base.SysResult;
import io.pinlab.kernel.mm.Globals;
import io.pinlab.kernel.mm.Hstate;
import io.pinlab.kernel.mm.MemCg;
import io.pinlab.kernel.mm.Task;

import java.nio.charset.StandardCharsets;

import static io.pinlab.kernel.fs.OFlag.*;

/** memfd_create(): mm/memfd.c. */
public final class Memfd {
    static final String MEMFD_C = "mm/memfd.c";
    /** MFD_NAME_MAX_LEN: NAME_MAX minus strlen("memfd:"). */
    public static final int MFD_NAME_MAX_LEN = 255 - 6;

    private Memfd() {}

    /** memfd_create(): flag and name checks, then a shmem or hugetlbfs file "memfd:NAME". */
    public static SysResult memfdCreate(Globals k, Task t, String name, int mfdFlags, Long size) {
        Explain ex = new Explain();
        return k.endCall(ex, doMemfdCreate(k, t, name, mfdFlags, size, ex));
    }

    private static long doMemfdCreate(Globals k, Task t, String name, int flags, Long size, Explain ex) {
        boolean huge = (flags & MfdFlag.MFD_HUGETLB.value) != 0;
        int allowed = MfdFlag.MFD_ALL_FLAGS | (huge ? MfdFlag.MFD_HUGE_BITS : 0);
        if ((flags & ~allowed) != 0)
            return Open.fail(ex, "memfd_create", MEMFD_C, Errno.EINVAL, "unknown flags " + Integer.toHexString(flags & ~allowed));
        if ((flags & MfdFlag.MFD_EXEC.value) != 0 && (flags & MfdFlag.MFD_NOEXEC_SEAL.value) != 0)
            return Open.fail(ex, "memfd_create", MEMFD_C, Errno.EINVAL, "MFD_EXEC and MFD_NOEXEC_SEAL together");
        Hstate hs = null;
        if (huge) { // hugetlb_file_setup(): get_hstate_idx(page_size_log) < 0 -> -ENODEV
            int sizeLog = (flags >>> 26) & 0x3f;
            hs = k.hstateSizelog(sizeLog);
            if (hs == null)
                return Open.fail(ex, "hugetlb_file_setup", "fs/hugetlbfs/inode.c", Errno.ENODEV, "no hugetlb pool of size 2^" + sizeLog
                        + " (x86_64 has 2 MiB, MFD_HUGE_2MB = 21, and 1 GiB, MFD_HUGE_1GB = 30)");
        }
        byte[] bytes = name == null ? new byte[0] : name.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MFD_NAME_MAX_LEN)
            return Open.fail(ex, "memfd_create", MEMFD_C, Errno.EINVAL, "name is " + bytes.length + " bytes, the limit is " + MFD_NAME_MAX_LEN);
        if (t.fds.size() >= Open.NOFILE) return Open.fail(ex, "get_unused_fd_flags", "fs/file.c", Errno.EMFILE, "RLIMIT_NOFILE reached");
        if (k.memcg.margin() < MemCg.FILE_BYTES)
            return Open.fail(ex, "alloc_file_pseudo", "fs/file_table.c", Errno.ENOMEM, k.memcg.whyFull(MemCg.FILE_BYTES));
        Inode in = k.newUnlinkedInode("/memfd:" + name, huge ? FsType.HUGETLBFS : FsType.TMPFS, t.uid, 0777, 0);
        if (huge) in.hstate = hs;
        if (size != null) {
            long r = Open.doTruncate(k, in, size, ex);
            if (r < 0) return r;
        }
        int fd = Open.fdInstall(k, t, in, O_RDWR.value | O_LARGEFILE.value | ((flags & MfdFlag.MFD_CLOEXEC.value) != 0 ? O_CLOEXEC.value : 0));
        ex.ok("memfd_create", MEMFD_C, "fd " + fd + " -> memfd:" + name + " on " + in.fs().fsName);
        return fd;
    }
}
