package io.pinlab.kernel.iouring;

/**
 * The buffer opcodes of enum io_uring_register_op (include/uapi/linux/io_uring.h) with their
 * kernel values. Other opcodes are not simulated.
 */
public enum RegisterOp {
    IORING_REGISTER_BUFFERS(0),
    IORING_UNREGISTER_BUFFERS(1),
    IORING_REGISTER_BUFFERS2(15),
    IORING_REGISTER_BUFFERS_UPDATE(16);

    private final int value;

    RegisterOp(int value) { this.value = value; }

    public int value() { return value; }
}
