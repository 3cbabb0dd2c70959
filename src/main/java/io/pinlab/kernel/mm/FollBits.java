package io.pinlab.kernel.mm;

/**
 * FOLL_* bit values as int constants for the GUP hot path (the same values as {@link FollFlag};
 * include/linux/mm_types.h and mm/internal.h).
 */
final class FollBits {
    static final int FOLL_WRITE = 1 << 0;
    static final int FOLL_GET = 1 << 1;
    static final int FOLL_DUMP = 1 << 2;
    static final int FOLL_FORCE = 1 << 3;
    static final int FOLL_NOWAIT = 1 << 4;
    static final int FOLL_NOFAULT = 1 << 5;
    static final int FOLL_HWPOISON = 1 << 6;
    static final int FOLL_ANON = 1 << 7;
    static final int FOLL_LONGTERM = 1 << 8;
    static final int FOLL_SPLIT_PMD = 1 << 9;
    static final int FOLL_PCI_P2PDMA = 1 << 10;
    static final int FOLL_INTERRUPTIBLE = 1 << 11;
    /** 6.5+: FOLL_HONOR_NUMA_FAULT; seed: FOLL_SAME_FILE. */
    static final int FOLL_BIT12 = 1 << 12;
    static final int FOLL_TOUCH = 1 << 16;
    static final int FOLL_TRIED = 1 << 17;
    static final int FOLL_REMOTE = 1 << 18;
    static final int FOLL_PIN = 1 << 19;
    static final int FOLL_FAST_ONLY = 1 << 20;
    static final int FOLL_UNLOCKABLE = 1 << 21;
    static final int FOLL_MADV_POPULATE = 1 << 22;

    private FollBits() {}
}
