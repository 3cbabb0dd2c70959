package io.pinlab.kernel.fs;

import java.util.Set;

/** memfd_create() flags (include/uapi/linux/memfd.h). */
public enum MfdFlag {
    MFD_CLOEXEC(0x1), MFD_ALLOW_SEALING(0x2), MFD_HUGETLB(0x4), MFD_NOEXEC_SEAL(0x8), MFD_EXEC(0x10);

    /** MFD_ALL_FLAGS (mm/memfd.c). */
    public static final int MFD_ALL_FLAGS = 0x1f;
    /** MFD_HUGE_MASK << MFD_HUGE_SHIFT: the huge page size bits allowed with MFD_HUGETLB. */
    public static final int MFD_HUGE_BITS = 0x3f << 26;

    public final int value;

    MfdFlag(int value) { this.value = value; }

    public static int mask(Set<MfdFlag> s) {
        int m = 0;
        for (MfdFlag f : s) m |= f.value;
        return m;
    }
}
