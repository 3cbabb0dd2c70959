/**
 * io_uring fixed buffers (io_uring/io_uring.c, register.c, rsrc.c, memmap.c, rw.c).
 *
 * <h2>Entry points</h2>
 * <ul>
 * <li>{@link io.pinlab.kernel.iouring.IoUring#setup(io.pinlab.kernel.mm.Globals, io.pinlab.kernel.mm.Task, int, int)}
 *     -> SysResult, ret = ring fd (flags: IORING_SETUP_CLAMP, IORING_SETUP_SINGLE_ISSUER; others -EINVAL)</li>
 * <li>{@link io.pinlab.kernel.iouring.IoUring#register(io.pinlab.kernel.mm.Globals, io.pinlab.kernel.mm.Task, io.pinlab.kernel.iouring.RegisterArgs)}
 *     -> SysResult (0, the update count, or -errno)</li>
 * <li>{@link io.pinlab.kernel.iouring.IoUring#enter(io.pinlab.kernel.mm.Globals, io.pinlab.kernel.mm.Task, int, java.util.List)}
 *     -> EnterResult (ret = SQEs submitted, the CQEs reaped)</li>
 * <li>{@link io.pinlab.kernel.iouring.IoUring#buffers(io.pinlab.kernel.mm.Globals, io.pinlab.kernel.mm.Task, int)}
 *     -> one BufferView per slot (empty slots included, {@code empty = true}); NoSuchObjectException if fd is not a ring</li>
 * <li>{@link io.pinlab.kernel.iouring.IoUring#IO_URING_FOPS}: the ring file's {@code ->release}
 *     (io_uring_release() -> io_ring_ctx_free()), run by Files.fput() for the last reference</li>
 * </ul>
 *
 * <h2>Profiles</h2>
 * Each switch is read at its one check: {@code ioUringFileCheck} in Rsrc.ioPinPages (v6.3
 * multi-source -EINVAL, seed FOLL_SAME_FILE + first VMA, v6.4 per-VMA -EOPNOTSUPP, v6.5+ none),
 * {@code ioUringPinFast} (pin_user_pages_fast with the memmap.c overflow checks),
 * {@code ioUringMultiFolioCoalesce} (one bvec per folio), {@code ioUringNodeTable} (6.13+ node
 * table: headpage_already_acct() does not see the table being built, iovec_from_user() order and
 * its -EINVAL for a negative length, tags copied per entry, tag CQEs on unregister, the buffer
 * node looked up after the file at issue, validate_fixed_range()'s MAX_RW_COUNT). Two further
 * facts of the 6.13+ kernels are tied to the same switch because the v6.18 profile is the only
 * one that has them: the blind {@code fd == -1} register path (-EINVAL) and the ring regions
 * charged to user->locked_vm (io_create_region()).
 *
 * <h2>Simplifications</h2>
 * <ul>
 * <li>Requests complete synchronously: an update or unregister releases old buffers at once
 *     (no request can still hold the rsrc node), and their tag CQEs wait in the ring's CQ until the
 *     next io_uring_enter().</li>
 * <li>Data moves one value per 4 KiB page (PhysMem.value): a transfer starting mid-page updates
 *     that page's value. Reads take the file's page cache (ext4/xfs pages are created, shmem holes
 *     read as zero, /dev/zero gives zeros), writes create page-cache pages and extend i_size.</li>
 * <li>Only READ_FIXED and WRITE_FIXED are issued; any other opcode completes with -EINVAL. Files
 *     are normal (not fixed) descriptors of the submitting task; an offset of -1 reads at 0.</li>
 * <li>The ring memory itself has no frames; 6.18 only charges its pages to locked_vm.</li>
 * </ul>
 */
package io.pinlab.kernel.iouring;
