package io.pinlab.kernel.fs;

import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Explain;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.base.SysResult;
import io.pinlab.kernel.mm.Globals;
import io.pinlab.kernel.mm.MemCg;
import io.pinlab.kernel.mm.Task;

import static io.pinlab.kernel.fs.OFlag.*;

/** memfd_secret(): mm/secretmem.c. Its size-once rule (secretmem_setattr()) is checked in {@link Open#doTruncate}. */
public final class Secretmem {
    static final String SECRETMEM_C = "mm/secretmem.c";

    private Secretmem() {}

    /** memfd_secret(): a secretmem file; its pages leave the direct map and can never be pinned. */
    public static SysResult memfdSecret(Globals k, Task t, Long size) {
        Explain ex = new Explain();
        long ret;
        if (t.fds.size() >= Open.NOFILE) {
            ret = Open.fail(ex, "get_unused_fd_flags", "fs/file.c", Errno.EMFILE, "RLIMIT_NOFILE reached");
        } else if (k.memcg.margin() < MemCg.FILE_BYTES) {
            ret = Open.fail(ex, "alloc_file_pseudo", "fs/file_table.c", Errno.ENOMEM, k.memcg.whyFull(MemCg.FILE_BYTES));
        } else {
            Inode in = k.newUnlinkedInode("/secretmem", FsType.SECRETMEM, t.uid, 0600, 0);
            ret = size == null ? 0 : Open.doTruncate(k, in, size, ex);
            if (ret == 0) {
                ret = Open.fdInstall(k, t, in, O_RDWR.value | O_LARGEFILE.value);
                // before 6.5 (b758fe6df50d) secretmem is off unless booted with secretmem.enable=1 (-ENOSYS);
                // the simulated machine boots with it so that every profile can show the GUP refusal
                boolean bootParam = k.profile == Profile.V6_3 || k.profile == Profile.SEED || k.profile == Profile.V6_4;
                ex.ok("memfd_secret", SECRETMEM_C, "fd " + ret + (bootParam ? " (this kernel needs secretmem.enable=1 on the command line, which the lab machine has)" : ""));
            }
        }
        return k.endCall(ex, ret);
    }
}
