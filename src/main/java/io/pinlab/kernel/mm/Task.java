package io.pinlab.kernel.mm;

import io.pinlab.kernel.fs.OpenFile;
import io.pinlab.kernel.mm.Mm;

import java.util.TreeMap;

/** struct task_struct, reduced to what the labs observe: identity, credentials, mm, fd table. */
public final class Task {
    public final int pid;
    public final int ppid;
    public String comm;
    public final int uid;
    /** CAP_IPC_LOCK in the task's effective set. */
    public final boolean capIpcLock;
    /** RLIMIT_MEMLOCK soft limit in bytes. */
    public long rlimitMemlock;
    public Mm mm;
    public final TreeMap<Integer, OpenFile> fds = new TreeMap<>();

    public Task(int pid, int ppid, String comm, int uid, boolean capIpcLock, long rlimitMemlock, Mm mm) {
        this.pid = pid;
        this.ppid = ppid;
        this.comm = comm;
        this.uid = uid;
        this.capIpcLock = capIpcLock;
        this.rlimitMemlock = rlimitMemlock;
        this.mm = mm;
    }

    /** get_unused_fd_flags(): the lowest free descriptor. */
    public int lowestFreeFd() {
        int fd = 0;
        for (int used : fds.keySet()) {
            if (used != fd) break;
            fd++;
        }
        return fd;
    }
}
