package io.pinlab.kernel.iouring;

import io.pinlab.kernel.base.Iovec;
import java.util.List;

/**
 * The arguments of io_uring_register(fd, opcode, arg, nr_args) for the buffer opcodes, with the
 * fields of struct io_uring_rsrc_register / io_uring_rsrc_update2 flattened in.
 *
 * @param fd      the ring descriptor
 * @param opcode  the register opcode
 * @param iovecs  the user iovec array ({@code arg} for REGISTER_BUFFERS, {@code data} for
 *                BUFFERS2/UPDATE); null means a NULL pointer ({@code data == 0}). Entries read
 *                beyond its end are unmapped user memory (-EFAULT at that entry).
 * @param nrArgs  {@code nr_args}; null = what liburing passes: the iovec count for
 *                REGISTER_BUFFERS, 32 (the struct size) for BUFFERS2/UPDATE, 0 for UNREGISTER
 * @param nr      {@code rr.nr} / {@code up.nr}; null = the iovec count
 * @param flags   {@code rr.flags} (IORING_RSRC_REGISTER_SPARSE = 1)
 * @param offset  {@code up.offset} (unsigned 32-bit)
 * @param tags    the u64 tag array, or null for {@code tags == 0}; entries read beyond its end
 *                fault (-EFAULT)
 * @param hasArg  whether {@code arg} is non-NULL; null = true, except for UNREGISTER_BUFFERS
 * @param opcodeNumber the opcode as a number when it names no simulated opcode (then {@code opcode}
 *                is null): from IORING_REGISTER_LAST on the kernel answers -EINVAL
 * @param srcFd   CLONE_BUFFERS {@code src_fd} ({@code offset} is dst_off, {@code nr} nr, {@code flags} flags)
 * @param srcOff  CLONE_BUFFERS {@code src_off}
 */
public record RegisterArgs(int fd, RegisterOp opcode, List<Iovec> iovecs, Integer nrArgs, Integer nr,
                           int flags, int offset, List<Long> tags, Boolean hasArg,
                           Integer opcodeNumber, int srcFd, int srcOff) {

    /** The buffer opcodes' arguments (no opcode number, no clone fields). */
    public RegisterArgs(int fd, RegisterOp opcode, List<Iovec> iovecs, Integer nrArgs, Integer nr,
                        int flags, int offset, List<Long> tags, Boolean hasArg) {
        this(fd, opcode, iovecs, nrArgs, nr, flags, offset, tags, hasArg, null, 0, 0);
    }

    /** io_uring_register(fd, opcode, NULL, 0) with a number that names no simulated opcode. */
    public static RegisterArgs number(int fd, int opcode) {
        return new RegisterArgs(fd, null, null, 0, null, 0, 0, null, false, opcode, 0, 0);
    }

    /** IORING_REGISTER_CLONE_BUFFERS with struct io_uring_clone_buffers (liburing passes nr_args 1). */
    public static RegisterArgs cloneBuffers(int fd, int srcFd, int flags, int srcOff, int dstOff, int nr) {
        return new RegisterArgs(fd, RegisterOp.IORING_REGISTER_CLONE_BUFFERS, null, null, nr, flags, dstOff, null, null, null, srcFd, srcOff);
    }

    /** The opcode number the syscall receives. */
    public int opcodeValue() { return opcode != null ? opcode.value() : opcodeNumber; }

    /** sizeof(struct io_uring_rsrc_register) == sizeof(struct io_uring_rsrc_update2). */
    public static final int RSRC_STRUCT_SIZE = 32;

    public static RegisterArgs buffers(int fd, List<Iovec> iovecs) {
        return new RegisterArgs(fd, RegisterOp.IORING_REGISTER_BUFFERS, iovecs, null, null, 0, 0, null, null);
    }

    public static RegisterArgs buffers2(int fd, List<Iovec> iovecs, List<Long> tags) {
        return new RegisterArgs(fd, RegisterOp.IORING_REGISTER_BUFFERS2, iovecs, null, null, 0, 0, tags, null);
    }

    public static RegisterArgs sparse(int fd, int nr) {
        return new RegisterArgs(fd, RegisterOp.IORING_REGISTER_BUFFERS2, null, null, nr, RsrcFlag.IORING_RSRC_REGISTER_SPARSE.value, 0, null, null);
    }

    public static RegisterArgs update(int fd, int offset, List<Iovec> iovecs, List<Long> tags) {
        return new RegisterArgs(fd, RegisterOp.IORING_REGISTER_BUFFERS_UPDATE, iovecs, null, null, 0, offset, tags, null);
    }

    public static RegisterArgs unregister(int fd) {
        return new RegisterArgs(fd, RegisterOp.IORING_UNREGISTER_BUFFERS, null, null, null, 0, 0, null, null);
    }

    /** {@code arg != NULL}. */
    public boolean argPresent() {
        return hasArg != null ? hasArg : opcode != RegisterOp.IORING_UNREGISTER_BUFFERS;
    }

    /** {@code nr_args} as the syscall sees it (unsigned). */
    public long nrArgsValue() {
        if (nrArgs != null) return Integer.toUnsignedLong(nrArgs);
        if (opcode == null) return 0;
        return switch (opcode) {
            case IORING_REGISTER_BUFFERS -> iovecs == null ? 0 : iovecs.size();
            case IORING_UNREGISTER_BUFFERS -> 0;
            case IORING_REGISTER_BUFFERS2, IORING_REGISTER_BUFFERS_UPDATE -> RSRC_STRUCT_SIZE;
            case IORING_REGISTER_CLONE_BUFFERS -> 1;
        };
    }

    /** {@code rr.nr} / {@code up.nr} (unsigned). */
    public long nrValue() {
        if (nr != null) return Integer.toUnsignedLong(nr);
        return iovecs == null ? 0 : iovecs.size();
    }
}
