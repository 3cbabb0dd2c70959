package io.pinlab.kernel.iouring;

import io.pinlab.kernel.mm.Mm;

import java.util.ArrayList;
import java.util.List;

/**
 * struct io_ring_ctx (include/linux/io_uring_types.h), reduced to what fixed buffers need.
 * The buffer table belongs to the ctx, not to an mm: after fork the child submits against the
 * same table and its I/O lands in the parent's pinned pages.
 */
public final class IoRingCtx {
    public final int flags;
    public final int sqEntries;
    public final int cqEntries;
    /** The task that called io_uring_setup (for /fds). */
    public final int creatorPid;
    public final int creatorUid;
    /** ctx->user: the creator's uid, or null when the creator had CAP_IPC_LOCK (no RLIMIT_MEMLOCK). */
    public final Integer user;
    /** ctx->mm_account: the creator's mm (mmgrab at setup), charged with pinned_vm. */
    public final Mm mmAccount;
    /** ctx->submitter_task for IORING_SETUP_SINGLE_ISSUER, else -1. */
    public final int submitterPid;
    /** Pages of the SQ/CQ rings and SQE array charged to user->locked_vm (io_uring regions, 6.14+). */
    long ringAcctPages;

    /** ctx->user_bufs (6.3-6.6) / ctx->buf_table.nodes (6.13+); null = no table. A null slot is empty. */
    IoMappedUbuf[] bufTable;
    /** Tag of each slot (io_rsrc_data tags / node->tag). */
    long[] bufTags;
    /** The completion queue: CQEs posted and not yet reaped by io_uring_enter. */
    final List<Cqe> cq = new ArrayList<>();
    /** io_ring_ctx_free() ran. */
    boolean freed;

    IoRingCtx(int flags, int sqEntries, int cqEntries, int creatorPid, int creatorUid, Integer user, Mm mmAccount,
              int submitterPid) {
        this.flags = flags;
        this.sqEntries = sqEntries;
        this.cqEntries = cqEntries;
        this.creatorPid = creatorPid;
        this.creatorUid = creatorUid;
        this.user = user;
        this.mmAccount = mmAccount;
        this.submitterPid = submitterPid;
    }

    /** Slots of the buffer table that hold a registered buffer (empty, sparse slots do not count). */
    public int registeredBuffers() {
        int n = 0;
        if (bufTable != null) for (IoMappedUbuf b : bufTable) if (b != null) n++;
        return n;
    }

    /** ctx->nr_user_bufs / ctx->buf_table.nr. */
    public int nrUserBufs() { return bufTable == null ? 0 : bufTable.length; }

    public long ringAccountedPages() { return ringAcctPages; }

    public boolean freed() { return freed; }

    /** CQEs waiting in the completion queue. */
    public List<Cqe> pendingCqes() { return List.copyOf(cq); }

    /** Pages accounted by all registered buffers of this ring. */
    public long bufferAccountedPages() {
        long n = 0;
        if (bufTable != null) for (IoMappedUbuf imu : bufTable) if (imu != null) n += imu.acctPages;
        return n;
    }

    // ---------------------------------------------------------------- snapshot support (KernelSnapshot)

    /** IORING_MAX_REG_BUFFERS: the largest buffer table. */
    public static final int MAX_REG_BUFFERS = Rsrc.IORING_MAX_REG_BUFFERS;

    /** The buffer table as stored (null = none; a null slot is empty); the array is the live one. */
    public IoMappedUbuf[] bufTable() { return bufTable; }

    /** The tag of each slot, or null. */
    public long[] bufTags() { return bufTags; }

    /** A ring as it was: the constructor's fields plus the state calls change. */
    public static IoRingCtx restore(int flags, int sqEntries, int cqEntries, int creatorPid, int creatorUid, Integer user,
                                    Mm mmAccount, int submitterPid, long ringAcctPages, IoMappedUbuf[] bufTable,
                                    long[] bufTags, List<Cqe> cq, boolean freed) {
        IoRingCtx ctx = new IoRingCtx(flags, sqEntries, cqEntries, creatorPid, creatorUid, user, mmAccount, submitterPid);
        ctx.ringAcctPages = ringAcctPages;
        ctx.bufTable = bufTable;
        ctx.bufTags = bufTags;
        ctx.cq.addAll(cq);
        ctx.freed = freed;
        return ctx;
    }
}
