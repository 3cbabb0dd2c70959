package io.pinlab.kernel;

import io.pinlab.kernel.base.VirtAddr;
import io.pinlab.kernel.base.NoSuchObjectException;
import io.pinlab.kernel.base.StateConflictException;

import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.Kernel;
import io.pinlab.kernel.base.NotSimulatedException;
import io.pinlab.kernel.base.SysResult;
import io.pinlab.kernel.mm.Task;
import io.pinlab.kernel.fs.DirectIo;
import io.pinlab.kernel.fs.Memfd;
import io.pinlab.kernel.fs.Secretmem;
import io.pinlab.kernel.iouring.EnterResult;
import io.pinlab.kernel.iouring.IoUring;
import io.pinlab.kernel.iouring.Register;
import io.pinlab.kernel.base.Iovec;
import io.pinlab.kernel.iouring.RegisterArgs;
import io.pinlab.kernel.iouring.Sqe;
import io.pinlab.kernel.mm.AccessResult;
import io.pinlab.kernel.mm.GupRequest;
import io.pinlab.kernel.mm.GupResult;
import io.pinlab.kernel.mm.UserAccess;
import io.pinlab.kernel.mm.GupTest;
import io.pinlab.kernel.mm.PinRelease;
import io.pinlab.kernel.mm.ProcessVm;
import io.pinlab.kernel.mm.Pins;

import java.util.List;

/**
 * One kernel call of the API as a value: what a session's log replays. {@link #apply} runs it on a
 * kernel and returns the kernel's answer; every kernel rule (is_valid_gup_args() included) runs
 * inside it. Flag arguments are kernel bit masks; addresses unsigned 64-bit. Deterministic: the
 * same calls on a kernel of the same profile give the same answers and state.
 *
 * <p>Exceptions are those of the kernel core: {@link io.pinlab.kernel.base.NoSuchObjectException} (no
 * such pid or pin), {@link io.pinlab.kernel.base.StateConflictException} (releasing a pin twice) and
 * {@link NotSimulatedException}, all thrown before any state changes; such a call is not a step
 * of the history.
 *
 * @param <R> the kernel's answer
 */
public sealed interface Syscall<R> {

    /** Makes the call: a new call begins (its work budget full, {@link Kernel#beginCall}), then the kernel function runs. */
    default R apply(Kernel k) {
        k.beginCall();
        return invoke(k);
    }

    /** The kernel function itself; callers use {@link #apply}. */
    R invoke(Kernel k);

    /** The calling process, or 0 for calls that no process makes (sysctl writes, the driver's pin release, process creation). */
    int pid();

    /** mmap(2): ksys_mmap_pgoff() (mm/mmap.c); ret is the address. */
    record Mmap(int pid, long addr, long length, int prot, int flags, int fd, long offset) implements Syscall<SysResult> {
        public SysResult invoke(Kernel k) {
            return io.pinlab.kernel.mm.Mmap.doMmap(k, k.task(pid), VirtAddr.of(addr), length, prot, flags, fd, offset);
        }
    }

    /** munmap(2): __vm_munmap() (mm/mmap.c). */
    record Munmap(int pid, long addr, long length) implements Syscall<SysResult> {
        public SysResult invoke(Kernel k) {
            return io.pinlab.kernel.mm.Mmap.doMunmap(k, k.task(pid), VirtAddr.of(addr), length);
        }
    }

    /** mremap(2) (mm/mremap.c); ret is the (new) address. Flags are MREMAP_* bits. */
    record Mremap(int pid, long addr, long oldLength, long newLength, int flags, long newAddr) implements Syscall<SysResult> {
        public SysResult invoke(Kernel k) {
            return io.pinlab.kernel.mm.Mremap.doMremap(k, k.task(pid), VirtAddr.of(addr), oldLength, newLength, flags, VirtAddr.of(newAddr));
        }
    }

    /** mprotect(2): do_mprotect_pkey() (mm/mprotect.c). */
    record Mprotect(int pid, long addr, long length, int prot) implements Syscall<SysResult> {
        public SysResult invoke(Kernel k) {
            return io.pinlab.kernel.mm.Mprotect.doMprotect(k, k.task(pid), VirtAddr.of(addr), length, prot);
        }
    }

    /** madvise(2): do_madvise() (mm/madvise.c). */
    record Madvise(int pid, long addr, long length, int advice) implements Syscall<SysResult> {
        public SysResult invoke(Kernel k) {
            return io.pinlab.kernel.mm.Madvise.doMadvise(k, k.task(pid), VirtAddr.of(addr), length, advice);
        }
    }

    /** The process reads or writes its own memory (handle_mm_fault() per page, mm/memory.c). */
    record Access(int pid, long addr, long length, boolean write, Long value) implements Syscall<AccessResult> {
        public AccessResult invoke(Kernel k) {
            return UserAccess.access(k, k.task(pid), VirtAddr.of(addr), length, write, value);
        }
    }

    /**
     * A GUP entry point called by the simulated driver (mm/gup_test.c, {@link GupTest}). Arguments that break
     * is_valid_gup_args() are a kernel answer: the WARN_ON_ONCE reaches dmesg, the entry point
     * returns 0 or -EINVAL, and {@link GupResult#invalidArgs()} names the broken rule.
     * The REST layer has checked the request's shape (api.gup.GupRequestShape: a malformed request, not a call).
     */
    record Gup(int pid, GupRequest request) implements Syscall<GupResult> {
        public GupResult invoke(Kernel k) {
            return GupTest.call(k, k.task(pid), request);
        }
    }

    /** The driver releases a pin: unpin_user_pages(), unpin_user_pages_dirty_lock() or put_page(). */
    record Release(long pinId, PinRelease how, boolean makeDirty) implements Syscall<SysResult> {
        public int pid() { return 0; }

        public SysResult invoke(Kernel k) {
            return Pins.release(k, pinId, how, makeDirty);
        }
    }

    /** fork(2): copy_process() (kernel/fork.c); ret is the child's pid. */
    record Fork(int pid) implements Syscall<SysResult> {
        public SysResult invoke(Kernel k) {
            return io.pinlab.kernel.mm.Fork.copyProcess(k, k.task(pid));
        }
    }

    /** exit(2): do_exit() (kernel/exit.c). */
    record Exit(int pid) implements Syscall<SysResult> {
        public SysResult invoke(Kernel k) {
            return io.pinlab.kernel.mm.Exit.doExit(k, k.task(pid));
        }
    }

    /** A new process (not a fork) with an empty address space; ret is its pid. */
    record CreateProcess(String comm, int uid, boolean capIpcLock, long rlimitMemlock) implements Syscall<SysResult> {
        public int pid() { return 0; }

        public SysResult invoke(Kernel k) {
            Task t = k.createTask(0, comm, uid, capIpcLock, rlimitMemlock);
            return new SysResult(t.pid, null, List.of(), List.of());
        }
    }

    /** open(2): do_sys_openat2() (fs/open.c); ret is the fd. */
    record Open(int pid, String path, int flags, Long size) implements Syscall<SysResult> {
        public SysResult invoke(Kernel k) {
            return io.pinlab.kernel.fs.Open.doSysOpen(k, k.task(pid), path, flags, size);
        }
    }

    /** memfd_create(2) (mm/memfd.c); ret is the fd. */
    record MemfdCreate(int pid, String name, int flags, Long size) implements Syscall<SysResult> {
        public SysResult invoke(Kernel k) {
            return Memfd.memfdCreate(k, k.task(pid), name, flags, size);
        }
    }

    /** memfd_secret(2) (mm/secretmem.c); ret is the fd. */
    record MemfdSecret(int pid, Long size) implements Syscall<SysResult> {
        public SysResult invoke(Kernel k) {
            return Secretmem.memfdSecret(k, k.task(pid), size);
        }
    }

    /** ftruncate(2): do_sys_ftruncate() (fs/open.c). */
    record Ftruncate(int pid, int fd, long length) implements Syscall<SysResult> {
        public SysResult invoke(Kernel k) {
            return io.pinlab.kernel.fs.Open.doSysFtruncate(k, k.task(pid), fd, length);
        }
    }

    /** close(2): close_fd() (fs/file.c). */
    record Close(int pid, int fd) implements Syscall<SysResult> {
        public SysResult invoke(Kernel k) {
            return io.pinlab.kernel.fs.Open.closeFd(k, k.task(pid), fd);
        }
    }

    /** A write to /proc/sys/vm/NAME (kernel/sysctl.c handlers). */
    record Sysctl(String name, long value) implements Syscall<SysResult> {
        public int pid() { return 0; }

        public SysResult invoke(Kernel k) {
            return io.pinlab.kernel.Sysctl.set(k, name, value);
        }
    }

    /** swapon(2) of the session's swapfile, made with mkswap semantics: sys_swapon() (mm/swapfile.c). */
    record Swapon(long size) implements Syscall<SysResult> {
        public int pid() { return 0; }

        public SysResult invoke(Kernel k) {
            return io.pinlab.kernel.mm.Swapfile.sysSwapon(k, size);
        }
    }

    /** swapoff(2) of the session's swapfile: sys_swapoff() (mm/swapfile.c). */
    record Swapoff() implements Syscall<SysResult> {
        public int pid() { return 0; }

        public SysResult invoke(Kernel k) {
            return io.pinlab.kernel.mm.Swapfile.sysSwapoff(k);
        }
    }

    /** io_uring_setup(2) (io_uring/io_uring.c); ret is the ring fd. */
    record IoUringSetup(int pid, int entries, int flags) implements Syscall<SysResult> {
        public SysResult invoke(Kernel k) {
            return IoUring.setup(k, k.task(pid), entries, flags);
        }
    }

    /** io_uring_register(2) with the buffer opcodes (io_uring/register.c, io_uring/rsrc.c). */
    record IoUringRegister(int pid, RegisterArgs args) implements Syscall<SysResult> {
        public SysResult invoke(Kernel k) {
            return Register.ioUringRegister(k, k.task(pid), args);
        }
    }

    /** io_uring_enter(2): submit fixed-buffer SQEs, wait for min_complete and reap CQEs (io_uring/io_uring.c, io_uring/rw.c). */
    record IoUringEnter(int pid, int fd, List<Sqe> sqes, int minComplete) implements Syscall<EnterResult> {
        public IoUringEnter {
            sqes = List.copyOf(sqes);
        }

        public IoUringEnter(int pid, int fd, List<Sqe> sqes) {
            this(pid, fd, sqes, 0);
        }

        public EnterResult invoke(Kernel k) {
            return IoUring.enter(k, k.task(pid), fd, sqes, minComplete);
        }
    }

    /** pread64(2) / pwrite64(2) on an O_DIRECT ext4, xfs or btrfs file: the buffer is pinned for the I/O (fs/read_write.c, iomap_dio_rw()). */
    record DirectRw(int pid, int fd, long buf, long count, long offset, boolean write) implements Syscall<SysResult> {
        public SysResult invoke(Kernel k) {
            Task t = k.task(pid);
            if (t.fds.containsKey(fd) && !DirectIo.isDirectFile(t, fd))
                throw new NotSimulatedException("fd", "only O_DIRECT regular files on ext4, xfs or btrfs are simulated (buffered I/O is not)");
            return DirectIo.rw(k, t, fd, buf, count, offset, write);
        }
    }

    /** process_vm_readv(2) / process_vm_writev(2): remote pages pinned with pin_user_pages_remote() (mm/process_vm_access.c). */
    record ProcessVmRw(int pid, int remotePid, List<Iovec> local, List<Iovec> remote, long flags, boolean write)
            implements Syscall<SysResult> {
        public ProcessVmRw {
            local = List.copyOf(local);
            remote = List.copyOf(remote);
        }

        public SysResult invoke(Kernel k) {
            return ProcessVm.processVmRw(k, k.task(pid), remotePid, local, remote, flags, write);
        }
    }

    /** A read or write of /proc/TARGET/mem: get_user_pages_remote() with FOLL_FORCE (fs/proc/base.c mem_rw()). */
    record ProcPidMem(int pid, int targetPid, long addr, long length, boolean write, Long value)
            implements Syscall<ProcessVm.MemResult> {
        public ProcessVm.MemResult invoke(Kernel k) {
            return ProcessVm.memRw(k, k.task(pid), targetPid, VirtAddr.of(addr), length, write, value);
        }
    }

    /** fallocate(2): ksys_fallocate() -> vfs_fallocate() (fs/open.c) and the file system's ->fallocate. */
    record Fallocate(int pid, int fd, int mode, long offset, long len) implements Syscall<SysResult> {
        public SysResult invoke(Kernel k) {
            return io.pinlab.kernel.fs.Falloc.fallocate(k, k.task(pid), fd, mode, offset, len);
        }
    }

    /** pipe2(2): __do_pipe_flags() (fs/pipe.c); the answer names both fds. */
    record Pipe2(int pid, int flags) implements Syscall<io.pinlab.kernel.fs.Pipe.PipeFds> {
        public io.pinlab.kernel.fs.Pipe.PipeFds invoke(Kernel k) {
            return io.pinlab.kernel.fs.Pipe.pipe2(k, k.task(pid), flags);
        }
    }

    /** vmsplice(2) (fs/splice.c): user pages into a pipe (FOLL_GET references) or the pipe's data out to user memory. */
    record Vmsplice(int pid, int fd, List<Iovec> iov, int flags) implements Syscall<SysResult> {
        public Vmsplice {
            iov = List.copyOf(iov);
        }

        public SysResult invoke(Kernel k) {
            return io.pinlab.kernel.fs.Pipe.vmsplice(k, k.task(pid), fd, iov, flags);
        }
    }

    /** read(2) of a pipe: pipe_read() (fs/pipe.c). */
    record Read(int pid, int fd, long buf, long count) implements Syscall<SysResult> {
        public SysResult invoke(Kernel k) {
            return io.pinlab.kernel.fs.Pipe.read(k, k.task(pid), fd, buf, count);
        }
    }

    /** The return value and errno of any answer (for the log and the event feed). */
    static long ret(Object answer) {
        return switch (answer) {
            case SysResult r -> r.ret();
            case GupResult r -> r.ret();
            case AccessResult r -> r.ret();
            case EnterResult r -> r.ret();
            case ProcessVm.MemResult r -> r.result().ret();
            case io.pinlab.kernel.fs.Pipe.PipeFds r -> r.result().ret();
            default -> throw new IllegalArgumentException("not a kernel answer: " + answer);
        };
    }

    /** The symbolic errno of any answer, null on success (an access stopped by a signal has none: see its signal). */
    static Errno errno(Object answer) {
        return switch (answer) {
            case SysResult r -> r.errno();
            case GupResult r -> r.errno();
            case AccessResult r -> null;
            case EnterResult r -> r.errno();
            case ProcessVm.MemResult r -> r.result().errno();
            case io.pinlab.kernel.fs.Pipe.PipeFds r -> r.result().errno();
            default -> throw new IllegalArgumentException("not a kernel answer: " + answer);
        };
    }
}
