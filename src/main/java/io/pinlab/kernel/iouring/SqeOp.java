package io.pinlab.kernel.iouring;

/**
 * The simulated values of enum io_uring_op (include/uapi/linux/io_uring.h). READV_FIXED and
 * WRITEV_FIXED exist from 6.15; the 6.3.8 and 6.5.0 trees end at IORING_OP_LAST = 49, so there
 * io_init_req() answers them with -EINVAL. Any other number an SQE carries completes with -EINVAL
 * in the simulator.
 */
public enum SqeOp {
    IORING_OP_NOP(0), IORING_OP_READ_FIXED(4), IORING_OP_WRITE_FIXED(5),
    IORING_OP_READV_FIXED(60), IORING_OP_WRITEV_FIXED(61);

    public final int value;

    SqeOp(int value) { this.value = value; }
}
