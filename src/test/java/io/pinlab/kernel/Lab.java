package io.pinlab.kernel;

import io.pinlab.kernel.base.VirtAddr;
import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.base.Step;
import io.pinlab.kernel.base.SysResult;
import io.pinlab.kernel.iouring.BufferView;
import io.pinlab.kernel.iouring.EnterResult;
import io.pinlab.kernel.iouring.IoUring;
import io.pinlab.kernel.base.Iovec;
import io.pinlab.kernel.iouring.RegisterArgs;
import io.pinlab.kernel.iouring.Sqe;
import io.pinlab.kernel.mm.AccessResult;
import io.pinlab.kernel.mm.FollFlag;
import io.pinlab.kernel.mm.GupCall;
import io.pinlab.kernel.mm.GupRequest;
import io.pinlab.kernel.mm.GupResult;
import io.pinlab.kernel.mm.Memory;
import io.pinlab.kernel.mm.PinRelease;
import io.pinlab.kernel.mm.Pte;
import io.pinlab.kernel.mm.Task;
import io.pinlab.kernel.mm.Vma;
import io.pinlab.kernel.mm.Zone;

import java.util.Arrays;
import java.util.List;

/**
 * The kernel tests' one fixture: a fresh kernel and its pid 1, driven through the calls a user
 * makes. Every state change is a {@link Syscall} record applied to the kernel (what the HTTP API
 * and a session's step log do) or a {@link Sysctl} write; the probes only read. One assertion
 * style: {@link #assertOk} and {@link #assertErr}, for any kernel answer.
 */
public final class Lab {
    public static final long PAGE = 4096, HUGE = 2L << 20;
    public static final int PROT_NONE = 0, PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4, RW = 3;
    public static final int MAP_SHARED = 0x01, MAP_PRIVATE = 0x02, MAP_SHARED_VALIDATE = 0x03, MAP_FIXED = 0x10,
            MAP_ANONYMOUS = 0x20, MAP_GROWSDOWN = 0x100, MAP_LOCKED = 0x2000, MAP_NORESERVE = 0x4000,
            MAP_POPULATE = 0x8000, MAP_HUGETLB = 0x40000, MAP_SYNC = 0x80000, MAP_FIXED_NOREPLACE = 0x100000;
    public static final int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0100, O_EXCL = 0200, O_TRUNC = 01000,
            O_DIRECTORY = 0200000;
    public static final int MFD_HUGETLB = 0x4, MADV_HUGEPAGE = 14, MADV_NOHUGEPAGE = 15, MADV_COLD = 20, MADV_PAGEOUT = 21;
    public static final int FOLL_WRITE = FollFlag.FOLL_WRITE.value(), FOLL_GET = FollFlag.FOLL_GET.value(),
            FOLL_DUMP = FollFlag.FOLL_DUMP.value(), FOLL_FORCE = FollFlag.FOLL_FORCE.value(),
            FOLL_NOWAIT = FollFlag.FOLL_NOWAIT.value(), FOLL_NOFAULT = FollFlag.FOLL_NOFAULT.value(),
            FOLL_ANON = FollFlag.FOLL_ANON.value(), FOLL_LONGTERM = FollFlag.FOLL_LONGTERM.value(),
            FOLL_SPLIT_PMD = FollFlag.FOLL_SPLIT_PMD.value(), FOLL_PCI_P2PDMA = FollFlag.FOLL_PCI_P2PDMA.value(),
            FOLL_TOUCH = FollFlag.FOLL_TOUCH.value(), FOLL_PIN = FollFlag.FOLL_PIN.value(),
            FOLL_MADV_POPULATE = FollFlag.FOLL_MADV_POPULATE.value();
    /** gup_flags bit 12: FOLL_SAME_FILE in the seed proposal, FOLL_HONOR_NUMA_FAULT from 6.5. */
    public static final int BIT12 = 1 << 12;

    public final Kernel k;
    /** pid 1, the process every helper without a Task argument acts as. */
    public final Task t;

    public Lab() { this(Profile.V6_18); }

    public Lab(Profile p) { this(p, false); }

    public Lab(Profile p, boolean movableZone) { this(new Kernel(p, movableZone)); }

    /** A fixture around a kernel built otherwise (a memory cgroup limit, a work budget). */
    public Lab(Kernel k) {
        this.k = k;
        t = k.task(1);
    }

    /** Makes one kernel call, exactly as the API and the step log do. */
    public <R> R call(Syscall<R> c) { return c.apply(k); }

    // ---------------------------------------------------------------- mm

    public SysResult mmap(long addr, long len, int prot, int flags, int fd, long off) { return mmap(t, addr, len, prot, flags, fd, off); }

    public SysResult mmap(Task task, long addr, long len, int prot, int flags, int fd, long off) {
        return call(new Syscall.Mmap(task.pid, addr, len, prot, flags, fd, off));
    }

    /** mmap(NULL, len, prot, flags, fd, 0) that must succeed; its address. */
    public long map(Task task, long len, int prot, int flags, int fd) { return assertOk(mmap(task, 0, len, prot, flags, fd, 0)); }

    public long map(long len, int prot, int flags, int fd) { return map(t, len, prot, flags, fd); }

    /** A private anonymous mapping that must succeed. */
    public long anon(long len, int prot) { return map(len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1); }

    public long anon(long len) { return anon(len, RW); }

    /**
     * {@code hugePages} 2 MiB-aligned THP-eligible huge pages: an anonymous mapping one huge page
     * longer, madvise(MADV_HUGEPAGE) on all of it; the aligned address inside.
     */
    public long thp(int hugePages) {
        long len = (hugePages + 1) * HUGE;
        long raw = anon(len);
        assertOk(madvise(raw, len, MADV_HUGEPAGE));
        return (raw + HUGE - 1) & ~(HUGE - 1);
    }

    public SysResult munmap(long addr, long len) { return munmap(t, addr, len); }

    public SysResult munmap(Task task, long addr, long len) { return call(new Syscall.Munmap(task.pid, addr, len)); }

    public SysResult mprotect(long addr, long len, int prot) { return call(new Syscall.Mprotect(t.pid, addr, len, prot)); }

    public SysResult madvise(long addr, long len, int advice) { return call(new Syscall.Madvise(t.pid, addr, len, advice)); }

    /** The process writes value into every page of [addr, addr+len). */
    public AccessResult write(Task task, long addr, long len, long value) { return call(new Syscall.Access(task.pid, addr, len, true, value)); }

    public AccessResult write(long addr, long len, long value) { return write(t, addr, len, value); }

    public AccessResult read(Task task, long addr, long len) { return call(new Syscall.Access(task.pid, addr, len, false, null)); }

    /** The value the process reads at addr (the read must succeed). */
    public long valueAt(long addr) {
        AccessResult r = read(t, addr, 1);
        assertOk(r);
        return r.values().get(0);
    }

    /**
     * The process touches {@code pages} pages from addr, one access per page; a write stores
     * 0x1000 + i in page i, so each page's contents can be told apart afterwards.
     */
    public void touch(Task task, long addr, long pages, boolean write) {
        for (long i = 0; i < pages; i++)
            assertOk(write ? write(task, addr + i * PAGE, PAGE, 0x1000 + i) : read(task, addr + i * PAGE, PAGE));
    }

    public void touch(long addr, long pages, boolean write) { touch(t, addr, pages, write); }

    public Task fork(Task parent) { return k.task((int) assertOk(call(new Syscall.Fork(parent.pid)))); }

    public Task fork() { return fork(t); }

    public SysResult exit(Task task) { return call(new Syscall.Exit(task.pid)); }

    // ---------------------------------------------------------------- GUP (the simulated driver)

    public GupResult gup(Task task, GupRequest r) { return call(new Syscall.Gup(task.pid, r)); }

    public GupResult gup(GupRequest r) { return gup(t, r); }

    public GupResult gup(GupCall call, long start, long nrPages, int gupFlags) { return gup(GupRequest.of(call, VirtAddr.of(start), nrPages, gupFlags)); }

    public SysResult release(long pinId, PinRelease how, boolean makeDirty) { return call(new Syscall.Release(pinId, how, makeDirty)); }

    // ---------------------------------------------------------------- files and sysctl

    /** open(2) that must succeed; the fd. */
    public int open(Task task, String path, int flags, Long size) { return (int) assertOk(call(new Syscall.Open(task.pid, path, flags, size))); }

    public int open(String path, int flags, Long size) { return open(t, path, flags, size); }

    /** memfd_secret(2) that must succeed; the fd. */
    public int memfdSecret(long size) { return (int) assertOk(call(new Syscall.MemfdSecret(t.pid, size))); }

    public SysResult ftruncate(int fd, long length) { return call(new Syscall.Ftruncate(t.pid, fd, length)); }

    public SysResult close(Task task, int fd) { return call(new Syscall.Close(task.pid, fd)); }

    public SysResult close(int fd) { return close(t, fd); }

    /** memfd_create(2) that must succeed; the fd. */
    public int memfd(String name, int flags, long size) { return (int) assertOk(call(new Syscall.MemfdCreate(t.pid, name, flags, size))); }

    /** Stores value in page index of the file open as fd (O_RDWR) as a user can: mmap MAP_SHARED, write, munmap. */
    public void storeInFile(int fd, long index, long value) {
        long a = assertOk(mmap(0, PAGE, RW, MAP_SHARED, fd, index * PAGE));
        assertOk(write(a, PAGE, value));
        assertOk(munmap(a, PAGE));
    }

    public SysResult sysctl(String name, long value) { return call(new Syscall.Sysctl(name, value)); }

    public SysResult swapon(long size) { return call(new Syscall.Swapon(size)); }

    public SysResult swapoff() { return call(new Syscall.Swapoff()); }

    /** vm.nr_hugepages = n, which must leave a pool of exactly n. */
    public Lab hugepages(long n) {
        assertOk(sysctl("vm.nr_hugepages", n));
        if (k.defaultHstate.nrHugePages != n) throw new AssertionError("vm.nr_hugepages = " + n + " left a pool of " + k.defaultHstate.nrHugePages);
        return this;
    }

    // ---------------------------------------------------------------- io_uring

    public SysResult ioUringSetup(Task task, int entries, int flags) { return call(new Syscall.IoUringSetup(task.pid, entries, flags)); }

    public SysResult ioUringSetup(int entries, int flags) { return ioUringSetup(t, entries, flags); }

    /** io_uring_setup(entries, flags) by task, which must succeed; the ring fd. */
    public int ring(Task task, int entries, int flags) { return (int) assertOk(ioUringSetup(task, entries, flags)); }

    /** io_uring_setup(8, 0) by pid 1. */
    public int ring() { return ring(t, 8, 0); }

    public SysResult register(Task task, RegisterArgs args) { return call(new Syscall.IoUringRegister(task.pid, args)); }

    public SysResult register(RegisterArgs args) { return register(t, args); }

    /** IORING_REGISTER_BUFFERS of iovs. */
    public SysResult register(Task task, int ring, Iovec... iovs) { return register(task, RegisterArgs.buffers(ring, Arrays.asList(iovs))); }

    public SysResult register(int ring, Iovec... iovs) { return register(t, ring, iovs); }

    public SysResult unregister(int ring) { return register(RegisterArgs.unregister(ring)); }

    public EnterResult enter(Task task, int ring, Sqe... sqes) { return call(new Syscall.IoUringEnter(task.pid, ring, List.of(sqes))); }

    public EnterResult enter(int ring, Sqe... sqes) { return enter(t, ring, sqes); }

    public static Iovec iov(long base, long len) { return new Iovec(base, len); }

    // ---------------------------------------------------------------- probes (read-only)

    public List<BufferView> buffers(int ring) { return IoUring.buffers(k, t, ring); }

    public Vma vma(long addr) { return t.mm.vmaLookup(addr); }

    public long pte(Task task, long addr) { return Memory.followPte(task.mm, addr); }

    public long pfn(Task task, long addr) { return Pte.pfn(pte(task, addr)); }

    public long pfn(long addr) { return pfn(t, addr); }

    public int ref(long pfn) { return k.phys.refcount(pfn); }

    public int pincount(long pfn) { return k.phys.pincount(pfn); }

    public long lockedVm() { return k.userLockedVm(t.uid); }

    public long usedFrames() { return k.phys.usedFrames(Zone.NORMAL) + k.phys.usedFrames(Zone.MOVABLE); }

    // ---------------------------------------------------------------- assertions

    /** The checks a kernel answer ran, the decisive one last. */
    public static List<Step> explain(Object answer) {
        return switch (answer) {
            case SysResult r -> r.explain();
            case GupResult r -> r.explain();
            case AccessResult r -> r.explain();
            case EnterResult r -> r.explain();
            default -> throw new IllegalArgumentException("not a kernel answer: " + answer);
        };
    }

    /** The function of the decisive (last) step. */
    public static String lastFn(Object answer) {
        List<Step> ex = explain(answer);
        return ex.isEmpty() ? null : ex.get(ex.size() - 1).fn();
    }

    /** Every step explained, as text (to look for a detail). */
    public static String text(Object answer) { return explain(answer).toString(); }

    public static boolean explains(Object answer, String fn) { return explain(answer).stream().anyMatch(s -> s.fn().equals(fn)); }

    /** The answer succeeded (an access: no signal); its return value. */
    public static long assertOk(Object answer) {
        boolean ok = answer instanceof AccessResult a ? a.ok() : Syscall.errno(answer) == null;
        if (!ok) throw new AssertionError("expected success, got " + answer);
        return Syscall.ret(answer);
    }

    /** The call failed with e (ret -e), and the decisive step, the last one explained, says so. */
    public static void assertErr(Errno e, Object answer) {
        if (Syscall.errno(answer) != e || Syscall.ret(answer) != e.neg())
            throw new AssertionError("expected " + e + " but got " + Syscall.errno(answer) + " (ret " + Syscall.ret(answer) + "): " + answer);
        List<Step> ex = explain(answer);
        if (ex.isEmpty() || !ex.get(ex.size() - 1).outcome().equals("-" + e.name()))
            throw new AssertionError("decisive step is not last: " + ex);
    }

    /** As {@link #assertErr(Errno, Object)}, and the decisive step is kernel function fn. */
    public static void assertErr(Errno e, String fn, Object answer) {
        assertErr(e, answer);
        if (!fn.equals(lastFn(answer))) throw new AssertionError("decisive step is " + lastFn(answer) + ", not " + fn + ": " + explain(answer));
    }
}
