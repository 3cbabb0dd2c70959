package io.pinlab.kernel.iouring;

import io.pinlab.kernel.base.Iovec;
import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.Kernel;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.base.SysResult;
import io.pinlab.kernel.mm.Task;
import io.pinlab.kernel.fs.Files;
import io.pinlab.kernel.fs.MfdFlag;
import io.pinlab.kernel.fs.OFlag;
import io.pinlab.kernel.mm.MapFlag;
import io.pinlab.kernel.mm.UserAccess;
import io.pinlab.kernel.mm.Memory;
import io.pinlab.kernel.mm.Mmap;
import io.pinlab.kernel.mm.Prot;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A small lab session for io_uring tests: one kernel, pid 1, helpers named after syscalls. */
final class Lab {
    static final long PAGE = 4096;
    static final long HUGE = 2L << 20;
    static final int RW = Prot.PROT_READ.value | Prot.PROT_WRITE.value;
    static final int RO = Prot.PROT_READ.value;
    static final int PRIVATE_ANON = MapFlag.MAP_PRIVATE.value | MapFlag.MAP_ANONYMOUS.value;
    static final int SHARED = MapFlag.MAP_SHARED.value;
    static final int PRIVATE = MapFlag.MAP_PRIVATE.value;

    final Kernel k;
    final Task t;

    Lab(Profile p) { this(p, false); }

    Lab(Profile p, boolean movableZone) {
        k = new Kernel(p, movableZone);
        t = k.task(1);
    }

    Lab hugepages(long n) {
        k.nrHugepages = n;
        return this;
    }

    long mmap(long len, int prot, int flags, int fd) {
        SysResult r = Mmap.doMmap(k, t, 0, len, prot, flags, fd, 0);
        assertTrue(r.ok(), () -> "mmap failed: " + r);
        return r.ret();
    }

    long anon(long len) { return mmap(len, RW, PRIVATE_ANON, -1); }

    int open(String path, int oflags, long size) {
        SysResult r = Files.open(k, t, path, oflags | OFlag.O_CREAT.value, size);
        assertTrue(r.ok(), () -> "open failed: " + r);
        return (int) r.ret();
    }

    int openRw(String path, long size) { return open(path, OFlag.O_RDWR.value, size); }

    int memfd(String name, long size) {
        SysResult r = Files.memfdCreate(k, t, name, 0, size);
        assertTrue(r.ok(), () -> "memfd_create failed: " + r);
        return (int) r.ret();
    }

    int hugeMemfd(String name, long size) {
        SysResult r = Files.memfdCreate(k, t, name, MfdFlag.MFD_HUGETLB.value, size);
        assertTrue(r.ok(), () -> "memfd_create failed: " + r);
        return (int) r.ret();
    }

    /** io_uring_setup(8, 0) by pid 1. */
    int ring() { return ring(t); }

    int ring(Task task) {
        SysResult r = IoUring.setup(k, task, 8, 0);
        assertTrue(r.ok(), () -> "io_uring_setup failed: " + r);
        return (int) r.ret();
    }

    SysResult register(int ring, Iovec... iovs) { return register(t, ring, iovs); }

    SysResult register(Task task, int ring, Iovec... iovs) {
        return IoUring.register(k, task, RegisterArgs.buffers(ring, Arrays.asList(iovs)));
    }

    SysResult unregister(int ring) { return IoUring.register(k, t, RegisterArgs.unregister(ring)); }

    static Iovec iov(long base, long len) { return new Iovec(base, len); }

    /** The process writes {@code value} into every page of [addr, addr+len). */
    void write(long addr, long len, long value) {
        assertTrue(UserAccess.access(k, t, addr, len, true, value).ok());
    }

    /** The value the process reads at addr. */
    long read(long addr) {
        List<Long> v = UserAccess.access(k, t, addr, 1, false, null).values();
        return v.get(0);
    }

    long pfnAt(long addr) { return io.pinlab.kernel.mm.Pte.pfn(Memory.followPte(t.mm, addr)); }

    long lockedVm() { return k.userLockedVm(t.uid); }

    List<BufferView> buffers(int ring) { return IoUring.buffers(k, t, ring); }

    EnterResult enter(int ring, Sqe... sqes) { return IoUring.enter(k, t, ring, List.of(sqes)); }

    static void assertErr(Errno e, SysResult r) {
        assertEquals(e, r.errno(), () -> "expected -" + e + " got " + r.ret() + "\n" + explain(r));
        assertEquals(e.neg(), r.ret());
    }

    static void assertOk(SysResult r) {
        assertEquals(null, r.errno(), () -> "expected success, got " + r.ret() + "\n" + explain(r));
    }

    static String explain(SysResult r) {
        StringBuilder sb = new StringBuilder();
        r.explain().forEach(s -> sb.append("  ").append(s.fn()).append(" [").append(s.outcome()).append("] ").append(s.detail()).append('\n'));
        return sb.toString();
    }
}
