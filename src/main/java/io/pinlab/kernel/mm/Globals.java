package io.pinlab.kernel.mm;

import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Explain;
import io.pinlab.kernel.base.KernelLog;
import io.pinlab.kernel.base.NoSuchObjectException;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.base.SysResult;
import io.pinlab.kernel.fs.FsType;
import io.pinlab.kernel.fs.Inode;
import io.pinlab.kernel.fs.Mount;
import io.pinlab.kernel.fs.OpenFile;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The kernel's global state that mm, fs and io_uring share. In Linux these are file-scope globals
 * of their subsystems: the zones and mem_map (mm/page_alloc.c), the hugetlb pool (struct hstate,
 * mm/hugetlb.c), sysctl_max_map_count (mm/mmap.c), the pid table (kernel/pid.c), the mount list and
 * inodes (fs/), user_struct counters (kernel/user.c) and the log buffer (kernel/printk/). Here they
 * are one object per lab session, so that sessions are independent; the machine that boots it,
 * takes system calls and shows views is {@code io.pinlab.kernel.Kernel}.
 */
public class Globals {
    public static final long DEFAULT_RLIMIT_MEMLOCK = 8L << 20;
    public static final int DEFAULT_UID = 1000;
    /** Simulated RAM per zone: 4 GiB NORMAL and 4 GiB MOVABLE. */
    public static final long FRAMES_PER_ZONE = 1L << 20;

    public final Profile profile;
    public final boolean movableZone;
    /** The session's memory cgroup: everything below that costs heap is charged to it. */
    public final MemCg memcg;
    /** pinlab's per-call work limit, in pages a call may walk (see {@link #chargeWork}). */
    public final long maxCallPages;
    public final PhysMem phys;
    public final KernelLog log = new KernelLog();
    public final TreeMap<Integer, Task> tasks = new TreeMap<>();
    public final List<Mount> mounts = new ArrayList<>();
    /** Inodes by path (memfd and secretmem inodes have no path here). */
    public final Map<String, Inode> inodes = new LinkedHashMap<>();
    /** user_struct->locked_vm per uid, in pages (io_uring charges RLIMIT_MEMLOCK here). */
    public final Map<Integer, Long> userLockedVm = new HashMap<>();
    /** GUP: the simulated driver's pins and the FOLL_PIN vmstat counters (mm/gup.c). */
    public final PinTable pins;
    /**
     * PF_MEMALLOC_PIN (memalloc_pin_save(), include/linux/sched/mm.h): set while FOLL_LONGTERM
     * GUP runs, so pages it faults in avoid ZONE_MOVABLE.
     */
    public boolean memallocPin;

    // sysctls (/proc/sys/vm)
    public long maxMapCount = 65530;
    /** /sys/kernel/mm/transparent_hugepage/use_zero_page (mm/huge_memory.c, default 1). */
    public boolean thpUseZeroPage = true;
    /** The huge zero folio (mm/huge_memory.c huge_zero_folio), allocated on first use; -1 before. */
    public long hugeZeroPfn = -1;
    /** The swap area (swapon(2), {@link Swapfile}), null while none is active. */
    public SwapInfo swap;
    /** hstates[] (mm/hugetlb.c, {@link Hugetlb}): default_hstate (2 MiB, vm.nr_hugepages) and the 1 GiB pool. */
    public final Hstate defaultHstate = new Hstate(PhysMem.HPAGE_ORDER);
    public final Hstate gigantic = new Hstate(PhysMem.PUD_ORDER);
    public final List<Hstate> hstates = List.of(defaultHstate, gigantic);

    private int nextPid = 1;
    private long nextIno = 100;
    private long nextFileId = 1;

    /** pinlab limit name of {@link #maxCallPages}, named in explains. */
    public static final String CALL_LIMIT = "pinlab.sessions.limits.max-call-pages";

    private long workLeft;


    /**
     * @param memcg        the session's memory cgroup; a booting kernel charges {@link MemCg#KERNEL_BYTES}
     * @param maxCallPages pages one call may walk
     */
    protected Globals(Profile profile, boolean movableZone, MemCg memcg, long maxCallPages, boolean boot) {
        this.profile = profile;
        this.movableZone = movableZone;
        this.memcg = memcg;
        this.maxCallPages = maxCallPages;
        this.workLeft = maxCallPages;
        if (boot) memcg.charge(MemCg.KERNEL_BYTES);
        this.phys = new PhysMem(FRAMES_PER_ZONE, memcg);
        this.pins = new PinTable(memcg);
    }

    /** The mount a path lives on (longest prefix), or null. */
    public Mount mountOf(String path) {
        Mount best = null;
        for (Mount m : mounts) {
            if ((path.equals(m.path()) || path.startsWith(m.path() + "/"))
                    && (best == null || m.path().length() > best.path().length())) best = m;
        }
        return best;
    }

    public Inode newInode(String path, FsType fs, Inode.Kind kind, Inode.Device dev, boolean dax, int uid, int mode, long size) {
        Inode in = new Inode(nextIno++, path, fs, kind, dev, dax, uid, mode, size, memcg);
        if (fs == FsType.HUGETLBFS) in.hstate = path == null ? defaultHstate : hugetlbfsHstate(mountOf(path));
        if (path != null) {
            memcg.charge(inodeBytes(path)); // callers checked the margin (Open.doSysOpen())
            inodes.put(path, in);
        }
        return in;
    }

    /** An inode with no name in any directory (memfd, secretmem, shmem_zero_setup, anon hugetlb): shown as "/NAME (deleted)". */
    public Inode newUnlinkedInode(String name, FsType fs, int uid, int mode, long size) {
        return newUnlinkedInode(name, fs, Inode.Kind.REGULAR, uid, mode, size);
    }

    /** An unlinked inode of another kind (a pipe's FIFO inode on pipefs). */
    public Inode newUnlinkedInode(String name, FsType fs, Inode.Kind kind, int uid, int mode, long size) {
        Inode in = new Inode(nextIno++, name, fs, kind, Inode.Device.NONE, false, uid, mode, size, memcg);
        in.nlink = 0;
        if (fs == FsType.HUGETLBFS) in.hstate = defaultHstate; // hugetlb_file_setup() callers pick another
        return in;
    }

    /** alloc_empty_file(): charged until its last fput() (callers checked the margin). */
    public OpenFile newFile(Inode inode, int oflags) {
        memcg.charge(MemCg.FILE_BYTES);
        return new OpenFile(nextFileId++, inode, oflags);
    }

    /**
     * hugetlbfs_parse_param() Opt_pagesize (fs/hugetlbfs/inode.c): size_to_hstate() of the mount's
     * pagesize= option; a mount without one uses the default hstate.
     */
    public Hstate hugetlbfsHstate(Mount m) {
        return m.options().contains("pagesize=1G") ? gigantic : defaultHstate;
    }

    /** What a named inode costs: the inode and its path. */
    public static long inodeBytes(String path) { return MemCg.INODE_BYTES + 2L * path.length(); }

    /**
     * hstate_sizelog() (include/linux/hugetlb.h): 0 names the default hstate, else
     * size_to_hstate(1 << log); null when no pool has that size (callers answer -EINVAL).
     */
    public Hstate hstateSizelog(int pageSizeLog) {
        if (pageSizeLog == 0) return defaultHstate;
        for (Hstate h : hstates) if (h.shift() == pageSizeLog) return h;
        return null;
    }

    /** The zone new user pages come from. */
    public Zone userZone() { return movableZone && !memallocPin ? Zone.MOVABLE : Zone.NORMAL; }

    // ---------------------------------------------------------------- tasks

    public Task addTask(int ppid, String comm, int uid, boolean capIpcLock, long rlimitMemlock, Mm mm) {
        Task t = new Task(nextPid++, ppid, comm, uid, capIpcLock, rlimitMemlock, mm);
        tasks.put(t.pid, t);
        return t;
    }

    /** find_task_by_vpid(): the live task, or NoSuchObjectException (HTTP 404). */
    public Task task(int pid) {
        Task t = tasks.get(pid);
        if (t == null) throw new NoSuchObjectException("no process with pid " + pid);
        return t;
    }

    // ---------------------------------------------------------------- page arrays

    /** A Java array has at most 2^31 - 1 slots. */
    private static final long MAX_PAGE_ARRAY = Integer.MAX_VALUE - 8;
    private long heldPageEntries;

    /**
     * kvmalloc_array() of a page array (mm/util.c): charges {@code n} entries to the memory cgroup,
     * or records why it fails (-ENOMEM, as the kernel answers when that allocation fails) and
     * returns false.
     */
    public boolean reservePageArray(long n, Explain ex) {
        long bytes = n * MemCg.PAGE_ENTRY_BYTES;
        // the margin also covers the driver's pin record (PinTable.add())
        if (n > MAX_PAGE_ARRAY || memcg.margin() < bytes + MemCg.PIN_BYTES || !memcg.tryCharge(bytes)) {
            ex.fail("kvmalloc_array", "mm/util.c", Errno.ENOMEM, "a page array of " + n + " entries does not fit: "
                    + memcg.whyFull(bytes + MemCg.PIN_BYTES) + "; release pins or unregister buffers");
            return false;
        }
        heldPageEntries += n;
        return true;
    }

    /** kvfree() of a page array reserved with {@link #reservePageArray}. */
    public void releasePageArray(long n) {
        heldPageEntries -= n;
        if (heldPageEntries < 0) throw new IllegalStateException("page-array underflow");
        memcg.uncharge(n * MemCg.PAGE_ENTRY_BYTES);
    }

    /** Page-array entries held by driver pins and registered buffers. */
    public long heldPageEntries() { return heldPageEntries; }

    // ---------------------------------------------------------------- work

    /**
     * pinlab's per-call work limit, not a kernel rule: a walker (populate, faults in access and
     * GUP, fork's page-table copy, io_uring) charges the pages it visits; false once the call has
     * visited {@link #maxCallPages}. Walkers then stop as they do when fatal_signal_pending()
     * (include/linux/sched/signal.h) becomes true: -EINTR, or the pages done so far. The budget
     * refills when a call returns ({@link #endCall}) and when the next one begins ({@link #beginCall}).
     */
    public boolean chargeWork(long pages) {
        if (workLeft < pages) {
            workLeft = 0;
            return false;
        }
        workLeft -= pages;
        return true;
    }

    /** Pages the current call may still walk before {@link #chargeWork} refuses. */
    public long workLeft() { return workLeft; }

    /**
     * A new call enters the kernel: its work budget is full again. {@link io.pinlab.kernel.Syscall#apply}
     * calls this, so a call replayed from a session's log walks exactly as it did live.
     */
    public void beginCall() {
        workLeft = maxCallPages;
    }

    /** A system call returns (each entry point ends with this): the next one gets a fresh work budget. */
    public void endCall() {
        workLeft = maxCallPages;
    }

    /** The end of a system call: its result ({@code ret} and the trace), then {@link #endCall()}. */
    public SysResult endCall(Explain ex, long ret) {
        SysResult r = ex.result(ret);
        endCall();
        return r;
    }

    /** The explain detail for a call stopped by {@link #chargeWork}. */
    public String workLimitReason() {
        return "the call walked " + maxCallPages + " pages, pinlab's per-call work limit (" + CALL_LIMIT
                + "); it stops as on a fatal signal (fatal_signal_pending())";
    }

    // ---------------------------------------------------------------- per-user counters

    public long userLockedVm(int uid) { return userLockedVm.getOrDefault(uid, 0L); }

    public void addUserLockedVm(int uid, long pages) {
        long v = userLockedVm(uid) + pages;
        if (v < 0) throw new IllegalStateException("user locked_vm underflow for uid " + uid);
        userLockedVm.put(uid, v);
    }


    /** The identity counters: next pid, inode number and file id, and the page-array entries held. */
    public record Counters(int nextPid, long nextIno, long nextFileId, long heldPageEntries) {}

    public Counters counters() { return new Counters(nextPid, nextIno, nextFileId, heldPageEntries); }

    public void restore(Counters c) {
        nextPid = c.nextPid();
        nextIno = c.nextIno();
        nextFileId = c.nextFileId();
        heldPageEntries = c.heldPageEntries();
    }
}
