package io.pinlab.kernel.iouring;

import io.pinlab.kernel.base.Profile;

import java.util.Optional;

/**
 * The buffer opcodes of enum io_uring_register_op (include/uapi/linux/io_uring.h) with their
 * kernel values. Other opcodes below IORING_REGISTER_LAST are not simulated; numbers from
 * IORING_REGISTER_LAST on are -EINVAL in the kernel (see {@link #registerLast}).
 */
public enum RegisterOp {
    IORING_REGISTER_BUFFERS(0),
    IORING_UNREGISTER_BUFFERS(1),
    IORING_REGISTER_BUFFERS2(15),
    IORING_REGISTER_BUFFERS_UPDATE(16),
    /** 6.13+: share another ring's registered buffers (io_register_clone_buffers()). */
    IORING_REGISTER_CLONE_BUFFERS(30);

    /** IORING_REGISTER_USE_REGISTERED_RING: bit 31 of the opcode, masked off before any check. */
    public static final int IORING_REGISTER_USE_REGISTERED_RING = 1 << 31;

    private final int value;

    RegisterOp(int value) { this.value = value; }

    public int value() { return value; }

    /**
     * IORING_REGISTER_LAST of the profile's uapi header: 26 in the 6.3.8 and 6.5.0 trees (after
     * IORING_REGISTER_FILE_ALLOC_RANGE = 25), 36 in the 6.18 tree (after IORING_REGISTER_QUERY = 35).
     */
    public static int registerLast(Profile p) { return p.ioUringCloneBuffers() ? 36 : 26; }

    public static Optional<RegisterOp> byValue(int value) {
        for (RegisterOp o : values()) if (o.value == value) return Optional.of(o);
        return Optional.empty();
    }
}
