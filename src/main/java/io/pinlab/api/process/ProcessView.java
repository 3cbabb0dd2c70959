package io.pinlab.api.process;

import io.pinlab.kernel.Kernel;
import io.pinlab.kernel.mm.Task;
import io.pinlab.kernel.Views;
import io.swagger.v3.oas.annotations.media.Schema;

/** A process as {@code /proc/PID/status} and the per-user memlock counter show it. */
@Schema(description = "a simulated process")
public record ProcessView(@Schema(example = "1") int pid,
                   @Schema(example = "0") int ppid,
                   @Schema(example = "lab") String comm,
                   @Schema(example = "1000") int uid,
                   boolean capIpcLock,
                   @Schema(description = "RLIMIT_MEMLOCK soft limit in bytes", example = "8388608") long rlimitMemlock,
                   Status status,
                   @Schema(description = "user_struct->locked_vm in pages: what RLIMIT_MEMLOCK is checked against")
                   long userLockedVmPages) {

    /** /proc/PID/status: VmSize, VmRSS, VmPin (mm->pinned_vm), VmLck (mm->locked_vm), RssAnon/File/Shmem, VmSwap, in kB. */
    public record Status(long vmSizeKb, long vmRssKb, long vmPinKb, long vmLckKb, long rssAnonKb, long rssFileKb,
                  long rssShmemKb, long vmSwapKb) {
    }

    public static ProcessView of(Kernel k, Task t) {
        Views.Status s = Views.status(k, t);
        return new ProcessView(t.pid, t.ppid, t.comm, t.uid, t.capIpcLock, t.rlimitMemlock,
                new Status(s.vmSizeKb(), s.vmRssKb(), s.vmPinKb(), s.vmLckKb(), s.rssAnonKb(), s.rssFileKb(),
                        s.rssShmemKb(), s.vmSwapKb()),
                k.userLockedVm(t.uid));
    }
}
