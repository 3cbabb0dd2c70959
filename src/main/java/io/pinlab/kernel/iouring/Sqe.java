package io.pinlab.kernel.iouring;

/**
 * The fields of struct io_uring_sqe that fixed-buffer I/O uses.
 *
 * @param opcode   IORING_OP_* (4 READ_FIXED, 5 WRITE_FIXED; anything else completes with -EINVAL)
 * @param fd       the file to read or write
 * @param addr     user address inside a registered buffer
 * @param len      bytes (__u32: only the low 32 bits count)
 * @param off      file offset; -1 means "current position", which the simulator takes as 0
 * @param bufIndex index of the registered buffer (__u16: only the low 16 bits count)
 * @param userData copied into the CQE
 */
public record Sqe(int opcode, int fd, long addr, long len, long off, int bufIndex, long userData) {
    public static final int IORING_OP_READ_FIXED = 4;
    public static final int IORING_OP_WRITE_FIXED = 5;
    /** SQE opcode names the REST layer accepts, with their kernel values (enum io_uring_op). */
    public static final java.util.Map<String, Integer> OPCODES = java.util.Map.of(
            "IORING_OP_READ_FIXED", IORING_OP_READ_FIXED, "IORING_OP_WRITE_FIXED", IORING_OP_WRITE_FIXED);

    public static Sqe readFixed(int fd, long addr, long len, long off, int bufIndex, long userData) {
        return new Sqe(IORING_OP_READ_FIXED, fd, addr, len, off, bufIndex, userData);
    }

    public static Sqe writeFixed(int fd, long addr, long len, long off, int bufIndex, long userData) {
        return new Sqe(IORING_OP_WRITE_FIXED, fd, addr, len, off, bufIndex, userData);
    }
}
