package io.pinlab.kernel.mm;

/**
 * Page table entry encoding (arch/x86/include/asm/pgtable_types.h, simplified): pfn << 12 plus
 * software bits. Zero is pte_none(). The same encoding serves PMD leaves (THP, hugetlb), whose
 * pfn is the folio's head.
 */
public final class Pte {
    public static final long PRESENT = 1;
    public static final long WRITE = 1 << 1;
    public static final long DIRTY = 1 << 2;
    public static final long YOUNG = 1 << 3;
    /** pte_special(): no struct page refcounting (zero page, VM_PFNMAP device memory). */
    public static final long SPECIAL = 1 << 4;

    private Pte() {}

    public static long mk(long pfn, long bits) { return (pfn << 12) | bits | PRESENT; }

    public static long pfn(long pte) { return pte >>> 12; }

    public static boolean present(long pte) { return (pte & PRESENT) != 0; }

    public static boolean write(long pte) { return (pte & WRITE) != 0; }

    public static boolean special(long pte) { return (pte & SPECIAL) != 0; }

    public static long wrprotect(long pte) { return pte & ~WRITE; }
}
