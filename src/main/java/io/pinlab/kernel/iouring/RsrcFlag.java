package io.pinlab.kernel.iouring;

/**
 * The flags word of the resource registration structs (include/uapi/linux/io_uring.h):
 * IORING_RSRC_REGISTER_SPARSE of struct io_uring_rsrc_register, and the struct
 * io_uring_clone_buffers flags of IORING_REGISTER_CLONE_BUFFERS.
 */
public enum RsrcFlag {
    IORING_RSRC_REGISTER_SPARSE(1),
    IORING_REGISTER_SRC_REGISTERED(1),
    IORING_REGISTER_DST_REPLACE(1 << 1);

    public final int value;

    RsrcFlag(int value) { this.value = value; }
}
