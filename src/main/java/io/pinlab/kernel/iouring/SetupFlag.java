package io.pinlab.kernel.iouring;

/**
 * IORING_SETUP_* (include/uapi/linux/io_uring.h), the io_uring_setup() flags. The simulator
 * implements CLAMP and SINGLE_ISSUER ({@link #SUPPORTED}); io_uring_setup() answers any other
 * bit with -EINVAL.
 */
public enum SetupFlag {
    IORING_SETUP_IOPOLL(1), IORING_SETUP_SQPOLL(1 << 1), IORING_SETUP_SQ_AFF(1 << 2), IORING_SETUP_CQSIZE(1 << 3),
    IORING_SETUP_CLAMP(1 << 4), IORING_SETUP_ATTACH_WQ(1 << 5), IORING_SETUP_R_DISABLED(1 << 6),
    IORING_SETUP_SUBMIT_ALL(1 << 7), IORING_SETUP_COOP_TASKRUN(1 << 8), IORING_SETUP_TASKRUN_FLAG(1 << 9),
    IORING_SETUP_SQE128(1 << 10), IORING_SETUP_CQE32(1 << 11), IORING_SETUP_SINGLE_ISSUER(1 << 12),
    IORING_SETUP_DEFER_TASKRUN(1 << 13);

    /** The setup flags the simulator implements. */
    public static final int SUPPORTED = IORING_SETUP_CLAMP.value | IORING_SETUP_SINGLE_ISSUER.value;

    public final int value;

    SetupFlag(int value) { this.value = value; }
}
