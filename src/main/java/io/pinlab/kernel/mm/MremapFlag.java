package io.pinlab.kernel.mm;

import io.pinlab.kernel.base.UapiFlag;

/** MREMAP_* (include/uapi/linux/mman.h). */
public enum MremapFlag implements UapiFlag {
    MREMAP_MAYMOVE(1), MREMAP_FIXED(2), MREMAP_DONTUNMAP(4);

    public final int value;

    MremapFlag(int value) { this.value = value; }

    @Override
    public int value() { return value; }
}
