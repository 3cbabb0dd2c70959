package io.pinlab.kernel.fs;

import io.pinlab.kernel.base.UapiFlag;

/** fallocate() mode bits (include/uapi/linux/falloc.h); FALLOC_FL_ALLOCATE_RANGE is 0, no bit. */
public enum FallocFlag implements UapiFlag {
    FALLOC_FL_KEEP_SIZE(0x01), FALLOC_FL_PUNCH_HOLE(0x02), FALLOC_FL_NO_HIDE_STALE(0x04), FALLOC_FL_COLLAPSE_RANGE(0x08),
    FALLOC_FL_ZERO_RANGE(0x10), FALLOC_FL_INSERT_RANGE(0x20), FALLOC_FL_UNSHARE_RANGE(0x40),
    /** 6.17+ uapi; older kernels refuse the bit as unknown. */
    FALLOC_FL_WRITE_ZEROES(0x80);

    public final int value;

    FallocFlag(int value) { this.value = value; }

    @Override
    public int value() { return value; }
}
