package io.pinlab.kernel.mm;

/** madvise() advice values (include/uapi/asm-generic/mman-common.h). */
public enum Madv {
    MADV_NORMAL(0), MADV_RANDOM(1), MADV_SEQUENTIAL(2), MADV_WILLNEED(3), MADV_DONTNEED(4),
    MADV_FREE(8), MADV_REMOVE(9), MADV_DONTFORK(10), MADV_DOFORK(11), MADV_MERGEABLE(12),
    MADV_UNMERGEABLE(13), MADV_HUGEPAGE(14), MADV_NOHUGEPAGE(15), MADV_DONTDUMP(16),
    MADV_DODUMP(17), MADV_WIPEONFORK(18), MADV_KEEPONFORK(19), MADV_COLD(20), MADV_PAGEOUT(21),
    MADV_POPULATE_READ(22), MADV_POPULATE_WRITE(23), MADV_DONTNEED_LOCKED(24),
    /** 6.1+: synchronous THP collapse (mm/khugepaged.c madvise_collapse()). */
    MADV_COLLAPSE(25);

    public final int value;

    Madv(int value) { this.value = value; }
}
