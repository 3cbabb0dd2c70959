package io.pinlab.kernel.mm;

import java.util.Set;

/** MREMAP_* (include/uapi/linux/mman.h). */
public enum MremapFlag {
    MREMAP_MAYMOVE(1), MREMAP_FIXED(2), MREMAP_DONTUNMAP(4);

    public final int value;

    MremapFlag(int value) { this.value = value; }

    public static int mask(Set<MremapFlag> s) {
        int m = 0;
        for (MremapFlag f : s) m |= f.value;
        return m;
    }
}
