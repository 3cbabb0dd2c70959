package io.pinlab.api.process;

import io.pinlab.kernel.Kernel;
import io.pinlab.kernel.Task;
import io.pinlab.kernel.mm.Mm;
import io.swagger.v3.oas.annotations.media.Schema;

/** A process as {@code /proc/PID/status} and the per-user memlock counter show it. */
@Schema(description = "a simulated process")
record ProcessView(@Schema(example = "1") int pid,
                   @Schema(example = "0") int ppid,
                   @Schema(example = "lab") String comm,
                   @Schema(example = "1000") int uid,
                   boolean capIpcLock,
                   @Schema(description = "RLIMIT_MEMLOCK soft limit in bytes", example = "8388608") long rlimitMemlock,
                   Status status,
                   @Schema(description = "user_struct->locked_vm in pages: what RLIMIT_MEMLOCK is checked against")
                   long userLockedVmPages) {

    /** VmSize, VmRSS, VmPin (mm->pinned_vm), VmLck (mm->locked_vm) in kB. */
    record Status(long vmSizeKb, long vmRssKb, long vmPinKb, long vmLckKb) {
    }

    static ProcessView of(Kernel k, Task t) {
        Mm mm = t.mm;
        Status status = mm == null ? new Status(0, 0, 0, 0)
                : new Status(kb(mm.totalVm()), kb(mm.rssAnon + mm.rssFile + mm.rssShmem), kb(mm.pinnedVm),
                kb(mm.lockedVm));
        return new ProcessView(t.pid, t.ppid, t.comm, t.uid, t.capIpcLock, t.rlimitMemlock, status,
                k.userLockedVm(t.uid));
    }

    private static long kb(long pages) {
        return pages * 4;
    }
}
