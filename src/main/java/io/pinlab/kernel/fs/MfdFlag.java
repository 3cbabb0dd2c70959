package io.pinlab.kernel.fs;

import io.pinlab.kernel.base.UapiFlag;

/** memfd_create() flags (include/uapi/linux/memfd.h). */
public enum MfdFlag implements UapiFlag {
    MFD_CLOEXEC(0x1), MFD_ALLOW_SEALING(0x2), MFD_HUGETLB(0x4), MFD_NOEXEC_SEAL(0x8), MFD_EXEC(0x10),
    /** MFD_HUGE_2MB = HUGETLB_FLAG_ENCODE_2MB (21 << MFD_HUGE_SHIFT, include/uapi/asm-generic/hugetlb_encode.h). */
    MFD_HUGE_2MB(21 << 26),
    /** MFD_HUGE_1GB = 30 << MFD_HUGE_SHIFT. */
    MFD_HUGE_1GB(30 << 26);

    /** MFD_ALL_FLAGS (mm/memfd.c). */
    public static final int MFD_ALL_FLAGS = 0x1f;
    /** MFD_HUGE_MASK << MFD_HUGE_SHIFT: the huge page size bits allowed with MFD_HUGETLB. */
    public static final int MFD_HUGE_BITS = 0x3f << 26;

    public final int value;

    MfdFlag(int value) { this.value = value; }

    @Override
    public int value() { return value; }
}
