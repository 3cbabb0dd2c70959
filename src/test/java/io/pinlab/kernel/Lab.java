package io.pinlab.kernel;

import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.base.SysResult;
import io.pinlab.kernel.mm.Task;

import io.pinlab.kernel.fs.Files;
import io.pinlab.kernel.mm.AccessResult;
import io.pinlab.kernel.mm.Madvise;
import io.pinlab.kernel.mm.UserAccess;
import io.pinlab.kernel.mm.Mmap;
import io.pinlab.kernel.mm.Mprotect;

/** Test fixture: a fresh kernel and its pid 1, with short helpers named after the syscalls. */
public class Lab {
    public static final int PROT_NONE = 0, PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4, RW = 3;
    public static final int MAP_SHARED = 0x01, MAP_PRIVATE = 0x02, MAP_SHARED_VALIDATE = 0x03, MAP_FIXED = 0x10,
            MAP_ANONYMOUS = 0x20, MAP_GROWSDOWN = 0x100, MAP_LOCKED = 0x2000, MAP_NORESERVE = 0x4000,
            MAP_POPULATE = 0x8000, MAP_HUGETLB = 0x40000, MAP_SYNC = 0x80000, MAP_FIXED_NOREPLACE = 0x100000;
    public static final int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0100, O_EXCL = 0200, O_TRUNC = 01000,
            O_DIRECTORY = 0200000;
    public static final long PAGE = 4096, HUGE = 2L << 20;

    public final Kernel k = new Kernel(Profile.V6_18, false);
    public final Task t = k.task(1);

    public SysResult mmap(long addr, long len, int prot, int flags, int fd, long off) {
        return Mmap.doMmap(k, t, addr, len, prot, flags, fd, off);
    }

    public long anon(long len, int prot) { return ok(mmap(0, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)); }

    public SysResult munmap(long addr, long len) { return Mmap.doMunmap(k, t, addr, len); }

    public SysResult mprotect(long addr, long len, int prot) { return Mprotect.doMprotect(k, t, addr, len, prot); }

    public SysResult madvise(long addr, long len, int advice) { return Madvise.doMadvise(k, t, addr, len, advice); }

    public AccessResult write(Task task, long addr, long len, long value) { return UserAccess.access(k, task, addr, len, true, value); }

    public AccessResult read(Task task, long addr, long len) { return UserAccess.access(k, task, addr, len, false, null); }

    public int open(String path, int flags, Long size) { return (int) ok(Files.open(k, t, path, flags, size)); }

    /** The call failed with e, and the decisive (last) explain step says so. */
    public static void assertErr(Errno e, SysResult r) {
        if (r.errno() != e || r.ret() != e.neg())
            throw new AssertionError("expected " + e + " but got " + r.errno() + " (ret " + r.ret() + "), explain: " + r.explain());
        String last = r.explain().get(r.explain().size() - 1).outcome();
        if (!last.equals("-" + e.name())) throw new AssertionError("decisive step is not last: " + r.explain());
    }

    public static long ok(SysResult r) {
        if (!r.ok()) throw new AssertionError("expected success, got " + r.errno() + " " + r.explain());
        return r.ret();
    }
}
