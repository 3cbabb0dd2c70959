package io.pinlab.kernel.fs;

import io.pinlab.kernel.base.UapiFlag;

/** splice()/vmsplice() flags (include/linux/splice.h); SPLICE_F_ALL is their union. */
public enum SpliceFlag implements UapiFlag {
    SPLICE_F_MOVE(0x01), SPLICE_F_NONBLOCK(0x02), SPLICE_F_MORE(0x04), SPLICE_F_GIFT(0x08);

    public static final int SPLICE_F_ALL = 0x0f;

    public final int value;

    SpliceFlag(int value) { this.value = value; }

    @Override
    public int value() { return value; }
}
