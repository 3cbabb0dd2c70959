package io.pinlab.kernel.iouring;

import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Explain;
import io.pinlab.kernel.mm.Globals;
import io.pinlab.kernel.mm.MemCg;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.base.SysResult;
import io.pinlab.kernel.mm.Task;
import io.pinlab.kernel.fs.FileOperations;
import io.pinlab.kernel.fs.FsType;
import io.pinlab.kernel.fs.Inode;
import io.pinlab.kernel.fs.OpenFile;

import java.util.ArrayList;
import java.util.List;

import static io.pinlab.kernel.mm.PhysMem.PAGE_SHIFT;
import static io.pinlab.kernel.mm.PhysMem.PAGE_SIZE;

/**
 * io_uring/io_uring.c entry points: io_uring_setup, io_uring_enter (fixed reads and writes), the
 * buffer table view, and io_ring_ctx_free when the ring's file goes. io_uring_register is in
 * {@link Register} (io_uring/register.c).
 */
public final class IoUring {
    static final String IO_URING_C = "io_uring/io_uring.c";
    /** IORING_MAX_ENTRIES (io_uring/io_uring.c). */
    public static final int IORING_MAX_ENTRIES = 32768;
    /** O_RDWR | O_CLOEXEC: the flags anon_inode_getfile() gives the ring file. */
    static final int RING_FILE_FLAGS = 2 | 02000000;
    static final String RING_INODE = "[io_uring]";

    /** io_uring_fops (io_uring/io_uring.c): the ring file's ->release is io_uring_release(). */
    public static final FileOperations IO_URING_FOPS = IoUring::ioUringRelease;

    private IoUring() {}

    /** io_is_uring_fops(file) ? file->private_data : null. */
    public static IoRingCtx ringOf(OpenFile file) {
        return file != null && file.fOp == IO_URING_FOPS ? (IoRingCtx) file.privateData : null;
    }

    // ------------------------------------------------------------------ setup

    /**
     * io_uring_setup(entries, params) -> io_uring_create(): unsupported flags -EINVAL, entries 0
     * -EINVAL, above IORING_MAX_ENTRIES -EINVAL unless IORING_SETUP_CLAMP; SQ entries rounded up
     * to a power of two, CQ twice that. ctx->user only when the creator lacks CAP_IPC_LOCK;
     * ctx->mm_account is the creator's mm. Returns the ring fd.
     */
    public static SysResult setup(Globals k, Task t, int entries, int flags) {
        Explain ex = new Explain();
        Profile p = k.profile;
        SysResult r = doSetup(k, t, entries, flags, ex, p);
        k.endCall();
        return r;
    }

    private static SysResult doSetup(Globals k, Task t, int entries, int flags, Explain ex, Profile p) {
        if ((flags & ~SetupFlag.SUPPORTED) != 0) {
            ex.fail(p.ioUringNodeTable() ? "io_uring_sanitise_params" : "io_uring_setup", IO_URING_C, Errno.EINVAL,
                    "flags 0x" + Integer.toHexString(flags) + ": only IORING_SETUP_CLAMP and IORING_SETUP_SINGLE_ISSUER are simulated");
            return ex.error(Errno.EINVAL);
        }
        String fill = p.ioUringNodeTable() ? "io_uring_fill_params" : "io_uring_create";
        long n = Integer.toUnsignedLong(entries);
        if (n == 0) {
            ex.fail(fill, IO_URING_C, Errno.EINVAL, "entries is 0");
            return ex.error(Errno.EINVAL);
        }
        if (n > IORING_MAX_ENTRIES) {
            if ((flags & SetupFlag.IORING_SETUP_CLAMP.value) == 0) {
                ex.fail(fill, IO_URING_C, Errno.EINVAL, "entries " + n + " > IORING_MAX_ENTRIES (32768) without IORING_SETUP_CLAMP");
                return ex.error(Errno.EINVAL);
            }
            n = IORING_MAX_ENTRIES;
        }
        int sq = Integer.highestOneBit((int) n);
        if (sq < n) sq <<= 1;
        int cq = 2 * sq;
        ex.ok(fill, IO_URING_C, "sq_entries " + sq + ", cq_entries " + cq);
        // if (!capable(CAP_IPC_LOCK)) ctx->user = get_uid(current_user());
        Integer user = t.capIpcLock ? null : t.uid;
        int submitter = (flags & SetupFlag.IORING_SETUP_SINGLE_ISSUER.value) != 0 ? t.pid : -1;
        long need = MemCg.RING_BYTES + MemCg.FILE_BYTES + Globals.inodeBytes(RING_INODE); // the ctx and its anon_inode file
        if (k.memcg.margin() < need || !k.memcg.tryCharge(MemCg.RING_BYTES)) { // io_ring_ctx_alloc(): kzalloc() fails
            ex.fail("io_ring_ctx_alloc", IO_URING_C, Errno.ENOMEM, k.memcg.whyFull(need));
            return ex.error(Errno.ENOMEM);
        }
        IoRingCtx ctx = new IoRingCtx(flags, sq, cq, t.pid, t.uid, user, t.mm, submitter);
        ex.ok("io_uring_create", IO_URING_C, user == null ? "creator has CAP_IPC_LOCK: ctx->user NULL, no RLIMIT_MEMLOCK checks"
                : "ctx->user = uid " + user + "; ctx->mm_account = mm of pid " + t.pid);
        if (p.ioUringRingRegionsAccounted()) { // io_create_region() (io_uring/memmap.c, 6.14+)
            // io_allocate_scq_urings() -> io_create_region(): __io_account_mem(ctx->user, nr_pages)
            // for the rings region and then for the SQE region (io_uring/memmap.c, 6.18)
            long ringPages = pageAlign(ringsSize(sq, cq)) >>> PAGE_SHIFT;
            long sqePages = pageAlign(64L * sq) >>> PAGE_SHIFT;
            if (user != null) {
                Errno e = Rsrc.ioAccountUser(k, t, user, ringPages);
                if (e == null) {
                    e = Rsrc.ioAccountUser(k, t, user, sqePages);
                    if (e != null) k.addUserLockedVm(user, -ringPages); // io_rings_free()
                }
                if (e != null) {
                    k.memcg.uncharge(MemCg.RING_BYTES);
                    ex.fail("io_create_region", "io_uring/memmap.c", e, "uid " + user + " locked_vm " + k.userLockedVm(user)
                            + " + ring pages > RLIMIT_MEMLOCK " + (t.rlimitMemlock >>> PAGE_SHIFT) + " pages");
                    return ex.error(e);
                }
                ctx.ringAcctPages = ringPages + sqePages;
            }
            ex.ok("io_create_region", "io_uring/memmap.c", (ringPages + sqePages) + " ring page(s) (rings " + ringPages + ", SQEs "
                    + sqePages + ")" + (user != null ? " charged to uid " + user + " locked_vm" : ", not charged (no ctx->user)"));
        } else {
            ex.ok("io_allocate_scq_urings", IO_URING_C, "rings from io_mem_alloc(): not charged to locked_vm in this kernel");
        }
        if (t.fds.size() >= io.pinlab.kernel.fs.Open.NOFILE) {
            // io_uring_install_fd() -> get_unused_fd_flags() fails; fput() frees the new ctx
            if (ctx.ringAcctPages != 0) k.addUserLockedVm(user, -ctx.ringAcctPages);
            k.memcg.uncharge(MemCg.RING_BYTES);
            ex.fail("io_uring_install_fd", IO_URING_C, Errno.EMFILE, "RLIMIT_NOFILE reached; the new ring is freed");
            return ex.error(Errno.EMFILE);
        }
        Inode inode = k.inodes.get(RING_INODE);
        if (inode == null) inode = k.newInode(RING_INODE, FsType.ANON_INODE, Inode.Kind.ANON, Inode.Device.NONE, false, 0, 0600, 0);
        OpenFile file = k.newFile(inode, RING_FILE_FLAGS);
        file.fOp = IO_URING_FOPS;
        file.privateData = ctx;
        file.refs = 1;
        int fd = t.lowestFreeFd();
        t.fds.put(fd, file);
        ex.ok("io_uring_install_fd", IO_URING_C, "anon_inode:[io_uring] installed as fd " + fd);
        return ex.result(fd);
    }


    /** rings_size(): struct io_rings (64 bytes with cacheline-aligned cqes) + 16-byte CQEs, cacheline aligned, + u32 SQ array. */
    static long ringsSize(int sq, int cq) {
        long off = 64 + 16L * cq;
        off = (off + 63) & ~63L;
        return off + 4L * sq;
    }

    private static long pageAlign(long v) { return (v + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1); }

    // ------------------------------------------------------------------ enter

    /**
     * io_uring_enter(fd, to_submit, ...): submits the SQEs (at most sq_entries), completes them
     * synchronously, and reaps every CQE in the completion queue (tag CQEs first). A bad fd is
     * -EBADF, a non-ring -EOPNOTSUPP, submitting to a SINGLE_ISSUER ring from another task -EEXIST.
     */
    public static EnterResult enter(Globals k, Task t, int fd, List<Sqe> sqes) {
        return enter(k, t, fd, sqes, 0);
    }

    /**
     * io_uring_enter(fd, to_submit, min_complete, IORING_ENTER_GETEVENTS): as above; SQEs marked
     * in flight complete only while a call waits: oldest first, until min_complete CQEs are
     * there. When none is left to wait for, the real call would sleep until a signal; the
     * simulator returns as a signal would (the submitted count, or -EINTR when none).
     */
    public static EnterResult enter(Globals k, Task t, int fd, List<Sqe> sqes, int minComplete) {
        if (!k.profile.ioUringNodeTable() && sqes.stream().anyMatch(Sqe::inFlight))
            throw new io.pinlab.kernel.base.NotSimulatedException("sqes[].inFlight", "in-flight requests are simulated for the 6.13+ rsrc nodes (v6.18) only; "
                    + k.profile.kernel() + " tracks them with per-ctx io_rsrc_node switches");
        Explain ex = new Explain();
        long ret;
        List<Cqe> reaped = List.of();
        OpenFile file = t.fds.get(fd);
        if (file == null) {
            ex.fail("io_uring_enter", IO_URING_C, Errno.EBADF, "fd " + fd + " is not open");
            ret = Errno.EBADF.neg();
        } else if (ringOf(file) == null) {
            ex.fail("io_uring_enter", IO_URING_C, Errno.EOPNOTSUPP, "fd " + fd + " is not an io_uring");
            ret = Errno.EOPNOTSUPP.neg();
        } else if (!sqes.isEmpty() && ringOf(file).submitterPid >= 0 && ringOf(file).submitterPid != t.pid) {
            // only a task that submits registers with the ring (io_uring_add_tctx_node()); reaping is allowed
            ex.fail("__io_uring_add_tctx_node_from_submit", "io_uring/tctx.c", Errno.EEXIST, "IORING_SETUP_SINGLE_ISSUER ring of pid "
                    + ringOf(file).submitterPid + ", submitter is pid " + t.pid);
            ret = Errno.EEXIST.neg();
        } else {
            IoRingCtx ctx = ringOf(file);
            int n = Math.min(sqes.size(), ctx.sqEntries);
            for (int i = 0; i < n; i++) {
                Sqe s = sqes.get(i);
                int res = RwFixed.issue(k, t, ctx, s, ex);
                Cqe cqe = new Cqe(s.userData(), res, 0);
                if (s.inFlight() && res >= 0) { // a failed request completes at once
                    IoRingCtx.InFlight req = new IoRingCtx.InFlight(cqe, (s.fixedFile() && s.opcode() != SqeOp.IORING_OP_NOP.value) || usesFixedFile(s) ? FileTable.holdNode(ctx, s.fd()) : null,
                            usesBuffer(s) ? Rsrc.holdBufNode(ctx, s.bufIndex() & 0xffff) : null);
                    ctx.inFlight.add(req);
                    ex.ok("io_issue_sqe", IO_URING_C, "SQE " + s.userData() + " is in flight" + (req.fileNode() != null || req.bufNode() != null
                            ? ", holding its " + (req.fileNode() != null ? "file" + (req.bufNode() != null ? " and buffer" : "") : "buffer") + " node" : ""));
                } else {
                    ctx.cq.add(cqe);
                }
            }
            ex.ok("io_submit_sqes", IO_URING_C, n + " SQE(s) submitted" + (n < sqes.size() ? " (the SQ ring holds " + ctx.sqEntries + ")" : ""));
            ret = n;
            if (minComplete > 0) {
                int completed = 0;
                while (ctx.cq.size() < minComplete && !ctx.inFlight.isEmpty()) {
                    completeOldest(k, ctx);
                    completed++;
                }
                if (completed > 0) ex.ok("io_cqring_wait", IO_URING_C, completed + " in-flight request(s) completed while waiting for "
                        + minComplete + " CQE(s); each put the nodes it held (io_req_put_rsrc_nodes())");
                if (ctx.cq.size() < minComplete) {
                    ex.warning("io_cqring_wait: " + ctx.cq.size() + " CQE(s) of min_complete " + minComplete
                            + " and nothing in flight; the real call would sleep until a signal");
                    if (n == 0) {
                        ex.fail("io_cqring_wait", IO_URING_C, Errno.EINTR, "nothing in flight completes; the wait ends as a signal would end it");
                        ret = Errno.EINTR.neg();
                    }
                }
            }
            reaped = new ArrayList<>(ctx.cq);
            ctx.cq.clear();
        }
        SysResult r = ex.result(ret);
        k.endCall();
        return new EnterResult(ret, r.errno(), List.copyOf(reaped), r.explain());
    }

    /** An SQE that reads a registered buffer slot (the fixed opcodes, NOP with IORING_NOP_FIXED_BUFFER). */
    private static boolean usesBuffer(Sqe s) {
        return s.opcode() == SqeOp.IORING_OP_NOP.value ? (s.nopFlags() & Sqe.IORING_NOP_FIXED_BUFFER) != 0
                : s.opcode() != SqeOp.IORING_OP_NOP.value;
    }

    /** NOP with IORING_NOP_FILE | IORING_NOP_FIXED_FILE looks a registered file up. */
    private static boolean usesFixedFile(Sqe s) {
        int both = Sqe.IORING_NOP_FILE | Sqe.IORING_NOP_FIXED_FILE;
        return s.opcode() == SqeOp.IORING_OP_NOP.value && (s.nopFlags() & both) == both;
    }

    /** The device finishes the oldest in-flight request: its CQE, then io_req_put_rsrc_nodes(). */
    private static void completeOldest(Globals k, IoRingCtx ctx) {
        IoRingCtx.InFlight req = ctx.inFlight.removeFirst();
        ctx.cq.add(req.cqe());
        if (req.fileNode() != null) Rsrc.ioPutRsrcNode(k, ctx, req.fileNode());
        if (req.bufNode() != null) Rsrc.ioPutRsrcNode(k, ctx, req.bufNode());
    }

    // ------------------------------------------------------------------ view

    /** The buffer table of the ring behind {@code fd} (empty list without a table). */
    public static List<BufferView> buffers(Globals k, Task t, int fd) {
        return buffers(k, t, fd, 0, Integer.MAX_VALUE);
    }

    /** Slots offset .. offset+limit-1 of the buffer table (empty past its end or without a table). */
    public static List<BufferView> buffers(Globals k, Task t, int fd, int offset, int limit) {
        IoRingCtx ctx = ctx(t, fd);
        List<BufferView> out = new ArrayList<>();
        if (ctx.bufTable == null) return out;
        int end = (int) Math.min(ctx.bufTable.length, (long) offset + limit);
        for (int i = offset; i < end; i++) {
            IoMappedUbuf imu = ctx.bufTable[i];
            if (imu == null) {
                out.add(new BufferView(i, 0, 0, 0, 0, List.of(), List.of(), 0, true));
                continue;
            }
            List<Long> pfns = new ArrayList<>(imu.pagePfns.length);
            for (long pfn : imu.pagePfns) pfns.add(pfn);
            List<BufferView.Bvec> bv = new ArrayList<>(imu.nrBvecs());
            for (int j = 0; j < imu.nrBvecs(); j++) bv.add(new BufferView.Bvec(imu.bvecPages[j], imu.bvecOffset(j), imu.bvecLen(j)));
            out.add(new BufferView(i, imu.ubuf, imu.len, imu.nrBvecs(), imu.acctPages, List.copyOf(pfns), List.copyOf(bv),
                    ctx.bufTags[i], false));
        }
        return out;
    }

    /** The IoRingCtx behind a task's fd; NoSuchObjectException (404) when it is not an io_uring fd. */
    public static IoRingCtx ctx(Task t, int fd) {
        IoRingCtx ctx = ringOf(t.fds.get(fd));
        if (ctx == null) throw new io.pinlab.kernel.base.NoSuchObjectException("fd " + fd + " of pid " + t.pid + " is not an io_uring");
        return ctx;
    }

    // ------------------------------------------------------------------ release

    /**
     * io_uring_release() -> io_ring_ctx_free(): the ring file's ->release, run by __fput() when
     * the last reference to it goes (close of the last fd, exit). Buffers are unregistered first, under
     * uring_lock, and only then the ring regions, mm_account and ctx->user are dropped, so the
     * pinned_vm/locked_vm decrements land on the right counters (fixed in 5.8).
     */
    static void ioUringRelease(Globals k, OpenFile ringFile) {
        IoRingCtx ctx = ringOf(ringFile);
        if (ctx == null || ctx.freed) return;
        // io_ring_exit_work() waits for every request before io_ring_ctx_free()
        while (!ctx.inFlight.isEmpty()) completeOldest(k, ctx);
        Rsrc.freeTable(k, ctx, k.profile.ioUringNodeTable());
        FileTable.freeTable(k, ctx, false); // io_sqe_files_unregister(): the CQ goes with the ring
        if (ctx.ringAcctPages != 0) {
            k.addUserLockedVm(ctx.user, -ctx.ringAcctPages); // io_rings_free() -> io_free_region()
            ctx.ringAcctPages = 0;
        }
        ctx.cq.clear();
        ctx.freed = true;
        k.memcg.uncharge(MemCg.RING_BYTES);
        k.endCall();
    }
}
