/**
 * io_uring fixed buffers and registered files (io_uring/io_uring.c, register.c, rsrc.c,
 * filetable.c, memmap.c, rw.c, nop.c).
 *
 * <h2>Entry points</h2>
 * <ul>
 * <li>{@link io.pinlab.kernel.iouring.IoUring#setup(io.pinlab.kernel.mm.Globals, io.pinlab.kernel.mm.Task, int, int)}
 *     -> SysResult, ret = ring fd (flags: IORING_SETUP_CLAMP, IORING_SETUP_SINGLE_ISSUER; others -EINVAL)</li>
 * <li>{@link io.pinlab.kernel.iouring.Register#ioUringRegister(io.pinlab.kernel.mm.Globals, io.pinlab.kernel.mm.Task, io.pinlab.kernel.iouring.RegisterArgs)}
 *     -> SysResult (0, the update count, or -errno) for the buffer and file opcodes (Rsrc, FileTable)</li>
 * <li>{@link io.pinlab.kernel.iouring.IoUring#enter(io.pinlab.kernel.mm.Globals, io.pinlab.kernel.mm.Task, int, java.util.List)}
 *     -> EnterResult (ret = SQEs submitted, the CQEs reaped); with min_complete, in-flight requests
 *     complete while the call waits</li>
 * <li>{@link io.pinlab.kernel.iouring.IoUring#buffers(io.pinlab.kernel.mm.Globals, io.pinlab.kernel.mm.Task, int)}
 *     -> one BufferView per slot (empty slots included, {@code empty = true}); NoSuchObjectException if fd is not a ring</li>
 * <li>{@link io.pinlab.kernel.iouring.IoUring#IO_URING_FOPS}: the ring file's {@code ->release}
 *     (io_uring_release() -> io_ring_ctx_free()), run by FileTable.fput() for the last reference</li>
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
 * <li>Requests complete at submission unless the SQE is marked in flight (the stand-in for a slow
 *     device, v6.18 only): such a request moves its data at issue but completes, posting its CQE and
 *     putting the rsrc nodes it holds (RsrcNode), only when an io_uring_enter() waits with
 *     min_complete. A replaced or unregistered slot's tag CQE, fput() and unpin come with the
 *     node's last put. On 6.3-6.6 the per-ctx node switches are not simulated, so in-flight
 *     requests are refused there (400). Tag CQEs wait in the ring's CQ until the next
 *     io_uring_enter().</li>
 * <li>Data moves one value per 4 KiB page (PhysMem.value): a transfer starting mid-page updates
 *     that page's value. Reads take the file's page cache (ext4/xfs pages are created, shmem holes
 *     read as zero, /dev/zero gives zeros), writes create page-cache pages and extend i_size.</li>
 * <li>NOP, READ_FIXED, WRITE_FIXED (and READV/WRITEV_FIXED on 6.15+) are issued; any other opcode
 *     completes with -EINVAL. sqe->fd is a descriptor of the submitting task, or with
 *     IOSQE_FIXED_FILE a registered-file index; an offset of -1 reads at 0.</li>
 * <li>Registered files live in a sparse map (a 2^20-slot sparse table costs nothing); the fixed
 *     file allocation range (IORING_REGISTER_FILE_ALLOC_RANGE) and IORING_OP_FILES_UPDATE are not
 *     simulated.</li>
 * <li>The ring memory itself has no frames; 6.18 only charges its pages to locked_vm.</li>
 * </ul>
 */
package io.pinlab.kernel.iouring;
