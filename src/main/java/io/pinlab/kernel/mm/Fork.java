package io.pinlab.kernel.mm;

import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Explain;
import io.pinlab.kernel.base.SysResult;
import io.pinlab.kernel.fs.OpenFile;

import java.util.Map;


/**
 * kernel/fork.c: copy_process() -> dup_mm() -> dup_mmap() ({@link Mmap#dupMmap}, which copies the
 * page tables through copy_page_range() in {@link Memory}), and dup_fd() for the open files.
 */
public final class Fork {
    static final String FILE = "kernel/fork.c";
    static final String MEMORY_C = "mm/memory.c";

    private Fork() {}

    /** fork(): the child gets a copy of the parent's mm (COW) and shares its open files. ret = child pid. */
    public static SysResult copyProcess(Globals k, Task parent) {
        Explain ex = new Explain();
        Mm child = new Mm(k.memcg);
        ForkStats stats = Mmap.dupMmap(k, parent.mm, child);
        if (stats.err != 0) { // dup_mmap() failed: mmput() of the child tears down what was copied
            Errno e = Errno.fromRet(stats.err);
            String why = "copying the address space stopped after " + child.mapCount() + " VMAs: "
                    + (e == Errno.EINTR ? k.workLimitReason() : k.memcg.whyFull(MemCg.FAULT_BYTES));
            Mmap.exitMmap(k, child);
            ex.fail("dup_mmap", "mm/mmap.c", e, why + "; the child's copy is torn down (mmput()), the parent keeps its write-protected PTEs");
            k.endCall();
            return ex.result(e.neg());
        }
        Task t = k.addTask(parent.pid, parent.comm, parent.uid, parent.capIpcLock, parent.rlimitMemlock, child);
        for (Map.Entry<Integer, OpenFile> e : parent.fds.entrySet()) { // dup_fd(): same struct file, one more reference
            e.getValue().refs++;
            t.fds.put(e.getKey(), e.getValue());
        }
        ex.ok("dup_fd", "fs/file.c", parent.fds.size() + " descriptors shared with the child");
        ex.ok("dup_mmap", "mm/mmap.c", child.mapCount() + " VMAs copied, " + stats.skippedVmas + " skipped (VM_DONTCOPY)");
        ex.ok("copy_present_pte", MEMORY_C, stats.cowPages + " anonymous pages now copy-on-write in both processes"
                + (stats.copiedPinned > 0 ? ", " + stats.copiedPinned + " maybe-DMA-pinned exclusive pages copied for the child at once (copy_present_page)" : ""));
        ex.ok("copy_process", FILE, "child pid " + t.pid);
        SysResult r = ex.result(t.pid);
        k.endCall();
        return r;
    }
}
