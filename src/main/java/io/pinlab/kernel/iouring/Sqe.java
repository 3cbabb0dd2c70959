package io.pinlab.kernel.iouring;

import io.pinlab.kernel.base.Iovec;

/**
 * The fields of struct io_uring_sqe that fixed-buffer I/O uses.
 *
 * @param opcode   IORING_OP_* ({@link SqeOp}; any other number completes with -EINVAL)
 * @param fd       the file to read or write
 * @param addr     user address inside a registered buffer
 * @param len      bytes (__u32: only the low 32 bits count)
 * @param off      file offset; -1 means "current position", which the simulator takes as 0
 * @param bufIndex index of the registered buffer (__u16: only the low 16 bits count)
 * @param userData copied into the CQE
 * @param nopFlags sqe->nop_flags of IORING_OP_NOP (IORING_NOP_*)
 * @param iovecs   the user iovec array at {@code addr} for READV_FIXED / WRITEV_FIXED ({@code len} is
 *                 its length); null for the other opcodes
 */
public record Sqe(int opcode, int fd, long addr, long len, long off, int bufIndex, long userData,
                  int nopFlags, java.util.List<Iovec> iovecs) {
    /** IORING_NOP_* (include/uapi/linux/io_uring.h, 6.18). */
    public static final int IORING_NOP_INJECT_RESULT = 1, IORING_NOP_FILE = 1 << 1, IORING_NOP_FIXED_FILE = 1 << 2,
            IORING_NOP_FIXED_BUFFER = 1 << 3, IORING_NOP_TW = 1 << 4, IORING_NOP_CQE32 = 1 << 5;

    /** The fields of a READ_FIXED / WRITE_FIXED SQE. */
    public Sqe(int opcode, int fd, long addr, long len, long off, int bufIndex, long userData) {
        this(opcode, fd, addr, len, off, bufIndex, userData, 0, null);
    }

    /** IORING_OP_NOP with nop_flags (buf_index for IORING_NOP_FIXED_BUFFER, len for INJECT_RESULT). */
    public static Sqe nop(int nopFlags, int fd, long len, int bufIndex, long userData) {
        return new Sqe(SqeOp.IORING_OP_NOP.value, fd, 0, len, 0, bufIndex, userData, nopFlags, null);
    }

    /** IORING_OP_READV_FIXED / WRITEV_FIXED: the iovecs lie inside registered buffer bufIndex. */
    public static Sqe rwvFixed(boolean read, int fd, java.util.List<Iovec> iovecs, long off, int bufIndex, long userData) {
        return new Sqe(read ? SqeOp.IORING_OP_READV_FIXED.value : SqeOp.IORING_OP_WRITEV_FIXED.value, fd, 0, iovecs.size(), off, bufIndex, userData, 0, iovecs);
    }

    public static Sqe readFixed(int fd, long addr, long len, long off, int bufIndex, long userData) {
        return new Sqe(SqeOp.IORING_OP_READ_FIXED.value, fd, addr, len, off, bufIndex, userData);
    }

    public static Sqe writeFixed(int fd, long addr, long len, long off, int bufIndex, long userData) {
        return new Sqe(SqeOp.IORING_OP_WRITE_FIXED.value, fd, addr, len, off, bufIndex, userData);
    }
}
