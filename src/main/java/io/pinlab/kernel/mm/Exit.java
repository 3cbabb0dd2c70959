package io.pinlab.kernel.mm;

import io.pinlab.kernel.base.Explain;
import io.pinlab.kernel.base.SysResult;
import io.pinlab.kernel.fs.FileTable;
import io.pinlab.kernel.fs.OpenFile;

import java.util.ArrayList;

/**
 * kernel/exit.c do_exit(): exit_mm() -> mmput() -> exit_mmap() ({@link Mmap#exitMmap}) tears the
 * address space down, then exit_files() closes every descriptor through fput() (an io_uring ring
 * goes with its last reference). Frames that a pin still holds stay allocated until the pin is released.
 * Children keep their ppid (the simulator has no reaper; pid 1 is an ordinary process here).
 */
public final class Exit {
    private Exit() {}

    public static SysResult doExit(Globals k, Task t) {
        Explain ex = new Explain();
        Mmap.exitMmap(k, t.mm);
        ex.ok("exit_mmap", "mm/mmap.c", "all VMAs unmapped, page tables freed");
        int n = t.fds.size();
        for (OpenFile f : new ArrayList<>(t.fds.values())) FileTable.fput(k, f);
        t.fds.clear();
        ex.ok("exit_files", "kernel/exit.c", n + " descriptors closed");
        k.tasks.remove(t.pid);
        return k.endCall(ex, 0);
    }
}
