package io.pinlab.kernel;

import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.fs.FsType;
import io.pinlab.kernel.fs.Inode;
import io.pinlab.kernel.fs.Mount;
import io.pinlab.kernel.mm.Globals;
import io.pinlab.kernel.mm.MemCg;
import io.pinlab.kernel.mm.Mm;
import io.pinlab.kernel.mm.PhysMem;
import io.pinlab.kernel.mm.Task;
import io.pinlab.kernel.mm.Vma;
import io.pinlab.kernel.mm.VmOps;

import static io.pinlab.kernel.mm.VmFlag.*;

/**
 * One lab session's simulated machine: it boots the shared state ({@link Globals}: physical memory,
 * tasks, mounts and files, per-user counters, sysctls and the kernel log) and is what system calls
 * ({@link Syscall}), sysctls ({@link Sysctl}), views ({@link Views}) and snapshots
 * ({@link KernelSnapshot}) act on. Deterministic: no clock, no randomness, no hash order in any
 * answer, so replaying a session's log of {@link Syscall}s rebuilds it exactly. The session layer
 * serialises access (its lock plays mmap_lock), so nothing here is thread-safe.
 *
 * The subsystems (packages mm, fs, iouring) see only {@link Globals}; their entry points live in
 * the classes that mirror the kernel files (Mmap, Memory, Gup, Fork, Open, Memfd, Rsrc...).
 */
public final class Kernel extends Globals {
    /** A machine with no memory or work limit (kernel tests). */
    public Kernel(Profile profile, boolean movableZone) {
        this(profile, movableZone, MemCg.unlimited(), Long.MAX_VALUE);
    }

    /**
     * @param memcg        the session's memory cgroup, charged {@link MemCg#KERNEL_BYTES} at once
     * @param maxCallPages pages one call may walk
     */
    public Kernel(Profile profile, boolean movableZone, MemCg memcg, long maxCallPages) {
        this(profile, movableZone, memcg, maxCallPages, true);
    }

    private Kernel(Profile profile, boolean movableZone, MemCg memcg, long maxCallPages, boolean boot) {
        super(profile, movableZone, memcg, maxCallPages, boot);
        if (!boot) return;
        bootMounts();
        createTask(0, "lab", DEFAULT_UID, false, DEFAULT_RLIMIT_MEMLOCK);
        log.printk("Linux version " + profile.kernel().replace("Linux ", "") + " (pinlab) profile " + profile.name());
        log.printk("Zone ranges: Normal 4096 MiB" + (movableZone ? ", Movable 4096 MiB (user pages)" : ""));
    }

    private void bootMounts() {
        mounts.add(new Mount("/mnt/ext4", FsType.EXT4, "/dev/vdb", "rw,relatime", false));
        mounts.add(new Mount("/mnt/xfs", FsType.XFS, "/dev/vdc", "rw,relatime", false));
        mounts.add(new Mount("/dev/shm", FsType.TMPFS, "tmpfs", "rw,nosuid,nodev", false));
        mounts.add(new Mount("/mnt/huge", FsType.HUGETLBFS, "hugetlbfs", "rw,relatime,pagesize=2M", false));
        mounts.add(new Mount("/mnt/huge1G", FsType.HUGETLBFS, "hugetlbfs", "rw,relatime,pagesize=1G", false));
        mounts.add(new Mount("/mnt/btrfs", FsType.BTRFS, "/dev/vdd", "rw,relatime,space_cache=v2,subvolid=5,subvol=/", false));
        mounts.add(new Mount("/mnt/pmem", FsType.EXT4, "/dev/pmem0", "rw,relatime,dax=always", true));
        mounts.add(new Mount("/dev", FsType.DEVTMPFS, "devtmpfs", "rw,nosuid", false));
        for (Mount m : mounts) newInode(m.path(), m.fs(), Inode.Kind.DIRECTORY, Inode.Device.NONE, m.dax(), 0, 01777, 0);
        newInode("/dev/zero", FsType.DEVTMPFS, Inode.Kind.CHARDEV, Inode.Device.ZERO, false, 0, 0666, 0);
        newInode("/dev/mmio0", FsType.DEVTMPFS, Inode.Kind.CHARDEV, Inode.Device.MMIO, false, 0, 0666, 1L << 20);
        // a root-owned file that uid 1000 may read but not write (EACCES labs)
        newInode("/mnt/ext4/readonly", FsType.EXT4, Inode.Kind.REGULAR, Inode.Device.NONE, false, 0, 0644, 1L << 16);
    }

    /** copy_process() for a brand-new process (not a fork): empty mm with a [stack] VMA. */
    public Task createTask(int ppid, String comm, int uid, boolean capIpcLock, long rlimitMemlock) {
        Mm mm = new Mm(memcg);
        Vma stack = new Vma(Mm.STACK_TOP - Mm.STACK_SIZE, Mm.STACK_TOP,
                VM_READ_B | VM_WRITE_B | VM_MAYREAD_B | VM_MAYWRITE_B | VM_MAYEXEC_B | VM_GROWSDOWN_B | VM_ACCOUNT_B,
                (Mm.STACK_TOP - Mm.STACK_SIZE) >>> PhysMem.PAGE_SHIFT, null, VmOps.ANON);
        stack.name = "[stack]";
        mm.insert(stack);
        return addTask(ppid, comm, uid, capIpcLock, rlimitMemlock, mm);
    }

    // ---------------------------------------------------------------- snapshot support (KernelSnapshot)

    /**
     * A kernel that did not boot: no mounts, inodes, tasks or log lines, and nothing charged to
     * {@code memcg} beyond PhysMem's zero-page block; KernelSnapshot fills in every field and the charge.
     */
    public static Kernel unbooted(Profile profile, boolean movableZone, MemCg memcg, long maxCallPages) {
        return new Kernel(profile, movableZone, memcg, maxCallPages, false);
    }

}
