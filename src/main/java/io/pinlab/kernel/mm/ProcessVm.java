package io.pinlab.kernel.mm;

import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Explain;
import io.pinlab.kernel.base.SysResult;
import io.pinlab.kernel.base.VirtAddr;
import io.pinlab.kernel.base.Iovec;

import java.util.ArrayList;
import java.util.List;

import static io.pinlab.kernel.base.Explain.hex;
import static io.pinlab.kernel.mm.PhysMem.PAGE_SHIFT;
import static io.pinlab.kernel.mm.PhysMem.PAGE_SIZE;

/**
 * GUP users that reach another process's memory: process_vm_readv/writev
 * (mm/process_vm_access.c, pin_user_pages_remote()) and /proc/PID/mem (fs/proc/base.c mem_rw(),
 * access_remote_vm() -> get_user_pages_remote() with FOLL_FORCE).
 *
 * Simplification as for fixed I/O: a page holds one value, and a copy moves the value of the
 * page under each destination page's first byte.
 */
public final class ProcessVm {
    static final String PVM = "mm/process_vm_access.c", BASE = "fs/proc/base.c", MEMORY = "mm/memory.c";
    /** UIO_MAXIOV (include/uapi/linux/uio.h). */
    public static final int UIO_MAXIOV = 1024;

    private ProcessVm() {}

    /** mm_access(task, PTRACE_MODE_ATTACH_REALCREDS): the same uid, or a root caller (CAP_SYS_PTRACE). */
    private static boolean mayAttach(Task caller, Task target) {
        return caller == target || caller.uid == 0 || caller.uid == target.uid;
    }

    /**
     * process_vm_rw() (mm/process_vm_access.c): flags must be 0 (-EINVAL), at most UIO_MAXIOV
     * iovecs each side (-EINVAL), the target must exist (-ESRCH) and be attachable (-EPERM). Then
     * per remote iovec, process_vm_rw_single_vec() pins the remote pages with
     * pin_user_pages_remote() (FOLL_WRITE for writev; none pinned: -EFAULT) and copies to or from
     * the local iovecs (a faulting local page: -EFAULT), unpinning with
     * unpin_user_pages_dirty_lock(). Returns the bytes copied, or the error when none were.
     */
    public static SysResult processVmRw(Globals k, Task t, int pid, List<Iovec> local, List<Iovec> remote, long flags, boolean write) {
        Explain ex = new Explain();
        String fn = write ? "process_vm_writev" : "process_vm_readv";
        return k.endCall(ex, doProcessVmRw(k, t, pid, local, remote, flags, write, ex, fn));
    }

    private static long doProcessVmRw(Globals k, Task t, int pid, List<Iovec> local, List<Iovec> remote, long flags,
                                      boolean write, Explain ex, String fn) {
        if (flags != 0) return fail(ex, "process_vm_rw", PVM, Errno.EINVAL, "flags must be 0");
        if (local.size() > UIO_MAXIOV || remote.size() > UIO_MAXIOV)
            return fail(ex, "import_iovec", "lib/iov_iter.c", Errno.EINVAL, "more than UIO_MAXIOV (1024) iovecs");
        Task target = k.tasks.get(pid);
        if (target == null || target.mm == null) return fail(ex, "find_get_task_by_vpid", PVM, Errno.ESRCH, "no process " + pid);
        if (!mayAttach(t, target))
            return fail(ex, "mm_access", "kernel/fork.c", Errno.EPERM, "pid " + t.pid + " (uid " + t.uid + ") may not ptrace-attach to pid " + pid + " (uid " + target.uid + ")");
        int gupFlags = write ? FollFlag.FOLL_WRITE.value() : 0;
        long copied = 0;
        int li = 0;
        long loff = 0; // offset inside local[li]
        for (Iovec rv : remote) {
            if (rv.len() == 0) continue;
            long first = rv.base() >>> PAGE_SHIFT, last = (rv.base() + rv.len() - 1) >>> PAGE_SHIFT;
            long nr = last - first + 1;
            long[] pages = new long[(int) Math.min(nr, Gup.MAX_PAGES_ARRAY)];
            long pinned = Gup.pinUserPagesRemote(k, target, VirtAddr.of(rv.base() & ~(PAGE_SIZE - 1)), pages.length, gupFlags, pages, ex);
            if (pinned <= 0) {
                ex.fail("process_vm_rw_single_vec", PVM, Errno.EFAULT, "pin_user_pages_remote() pinned nothing at " + hex(rv.base()) + " in pid " + pid);
                return copied > 0 ? copied : Errno.EFAULT.neg();
            }
            long avail = Math.min(rv.len(), pinned * PAGE_SIZE - (rv.base() & (PAGE_SIZE - 1)));
            long done = 0;
            boolean fault = false, interrupted = false;
            while (done < avail && li < local.size()) {
                Iovec lv = local.get(li);
                long n = Math.min(avail - done, lv.len() - loff);
                if (n <= 0) { li++; loff = 0; continue; }
                if (!k.chargeWork(1)) { interrupted = true; break; } // pinlab's per-call work limit, as a fatal signal
                long la = lv.base() + loff, ra = rv.base() + done;
                long lpfn = UserAccess.userPage(k, t, la, !write);
                if (lpfn < 0) { fault = true; break; }
                long rpfn = pages[(int) ((ra >>> PAGE_SHIFT) - first)];
                long step = Math.min(n, Math.min(PAGE_SIZE - (la & (PAGE_SIZE - 1)), PAGE_SIZE - (ra & (PAGE_SIZE - 1))));
                if (write) { if (k.phys.isRam(rpfn) && rpfn != PhysMem.ZERO_PFN) k.phys.setValue(rpfn, k.phys.value(lpfn)); }
                else if (lpfn != PhysMem.ZERO_PFN) k.phys.setValue(lpfn, k.phys.isRam(rpfn) ? k.phys.value(rpfn) : 0);
                done += step;
                loff += step;
                if (loff == lv.len()) { li++; loff = 0; }
            }
            Gup.unpinUserPagesDirtyLock(k, pages, (int) pinned, write);
            copied += done;
            if (interrupted) {
                ex.fail(fn, PVM, Errno.EINTR, k.workLimitReason());
                return copied > 0 ? copied : Errno.EINTR.neg();
            }
            if (fault) {
                ex.fail("copy_page_to_iter", "lib/iov_iter.c", Errno.EFAULT, "the local buffer faults");
                return copied > 0 ? copied : Errno.EFAULT.neg();
            }
            if (done < rv.len() || li >= local.size()) break;
        }
        ex.ok(fn, PVM, copied + " byte(s) " + (write ? "written to" : "read from") + " pid " + pid
                + " through pin_user_pages_remote() (a short FOLL_PIN" + (write ? "|FOLL_WRITE" : "") + ", unpinned after the copy)");
        return copied;
    }

    /** The answer of a /proc/PID/mem read or write: bytes (or -errno) and the values read. */
    public record MemResult(SysResult result, List<Long> values) {}

    /**
     * mem_rw() (fs/proc/base.c): the file's mm must be attachable (-EPERM at open, proc_mem_open());
     * then page by page access_remote_vm() with FOLL_FORCE (proc_mem_foll_force(): always in the
     * default configuration), FOLL_WRITE for writes: get_user_pages_remote() of one page. A FOLL_FORCE
     * write to a read-only private mapping breaks COW (the writer gets its own page); a page GUP
     * cannot get ends the transfer, -EIO when nothing was copied. A write stores {@code value}.
     */
    public static MemResult memRw(Globals k, Task t, int pid, VirtAddr addr, long len, boolean write, Long value) {
        Explain ex = new Explain();
        List<Long> values = new ArrayList<>();
        long ret = doMemRw(k, t, pid, addr.value(), len, write, value, values, ex);
        SysResult r = ex.result(ret);
        k.endCall();
        return new MemResult(r, values);
    }

    private static long doMemRw(Globals k, Task t, int pid, long addr, long len, boolean write, Long value, List<Long> values, Explain ex) {
        Task target = k.tasks.get(pid);
        if (target == null || target.mm == null) return fail(ex, "proc_pid_lookup", BASE, Errno.ENOENT, "no /proc/" + pid);
        if (!mayAttach(t, target)) return fail(ex, "proc_mem_open", BASE, Errno.EPERM, "mm_access(PTRACE_MODE_ATTACH) refuses pid " + t.pid);
        int gupFlags = FollFlag.FOLL_FORCE.value() | (write ? FollFlag.FOLL_WRITE.value() : 0);
        long copied = 0;
        for (long p = addr; Long.compareUnsigned(p, addr + len) < 0; ) {
            long next = Math.min((p | (PAGE_SIZE - 1)) + 1, addr + len);
            long[] page = new long[1];
            // the first page explains itself; the rest run quietly, or one call's explain would grow by
            // GUP's steps for every page (about 100 bytes of heap each, 400 MB for 4 GiB)
            long got = Gup.getUserPagesRemote(k, target, VirtAddr.of(p & ~(PAGE_SIZE - 1)), 1, gupFlags, page, p == addr ? ex : Explain.quiet());
            if (got <= 0) {
                ex.step("__access_remote_vm", MEMORY, "stops", "get_user_pages_remote() got no page at " + hex(p) + " in pid " + pid);
                break;
            }
            if (write) {
                if (value != null) k.phys.setValue(page[0], value);
                k.phys.setFolioFlags(page[0], PhysMem.PG_DIRTY); // set_page_dirty_lock()
            } else if (values.size() < UserAccess.MAX_VALUES) {
                values.add(k.phys.value(page[0]));
            }
            Gup.putPages(k, page, 1);
            copied += next - p;
            p = next;
        }
        if (copied == 0) return fail(ex, "mem_rw", BASE, Errno.EIO, "access_remote_vm() copied nothing");
        ex.ok("mem_rw", BASE, copied + " byte(s) " + (write ? "written to" : "read from") + " pid " + pid
                + " with FOLL_FORCE" + (write ? "|FOLL_WRITE" : "") + " (get_user_pages_remote(), one page at a time)");
        return copied;
    }

    private static long fail(Explain ex, String fn, String file, Errno e, String why) {
        ex.fail(fn, file, e, why);
        return e.neg();
    }
}
