package io.pinlab.kernel.mm;

/**
 * Page table entry encoding (arch/x86/include/asm/pgtable_types.h, simplified): pfn << 12 plus
 * software bits. Zero is pte_none(). The same encoding serves PMD leaves (THP, hugetlb), whose
 * pfn is the folio's head. A swap PTE (is_swap_pte(): not none, not present) holds the swap
 * offset where a present one holds the pfn (the session has one swap area, type 0), and
 * _PAGE_SWP_EXCLUSIVE (arch/x86/include/asm/pgtable.h pte_swp_exclusive()).
 */
public final class Pte {
    public static final long PRESENT = 1;
    public static final long WRITE = 1 << 1;
    public static final long DIRTY = 1 << 2;
    public static final long YOUNG = 1 << 3;
    /** pte_special(): no struct page refcounting (zero page, VM_PFNMAP device memory). */
    public static final long SPECIAL = 1 << 4;
    /** Marks a swap entry (never set together with PRESENT). */
    public static final long SWAP = 1 << 5;
    /** _PAGE_SWP_EXCLUSIVE: the page was PageAnonExclusive when it was unmapped (try_to_unmap_one(), mm/rmap.c). */
    public static final long SWP_EXCLUSIVE = 1 << 6;

    private Pte() {}

    public static long mk(long pfn, long bits) { return (pfn << 12) | bits | PRESENT; }

    public static long pfn(long pte) { return pte >>> 12; }

    public static boolean present(long pte) { return (pte & PRESENT) != 0; }

    public static boolean write(long pte) { return (pte & WRITE) != 0; }

    public static boolean special(long pte) { return (pte & SPECIAL) != 0; }

    public static long wrprotect(long pte) { return pte & ~WRITE; }

    /** swp_entry_to_pte(swp_entry(0, offset)), with pte_swp_mkexclusive() when exclusive. */
    public static long mkSwap(long offset, boolean exclusive) { return (offset << 12) | SWAP | (exclusive ? SWP_EXCLUSIVE : 0); }

    /** is_swap_pte(). */
    public static boolean isSwap(long pte) { return (pte & SWAP) != 0; }

    /** swp_offset(pte_to_swp_entry(pte)). */
    public static long swpOffset(long pte) { return pte >>> 12; }

    public static boolean swpExclusive(long pte) { return (pte & SWP_EXCLUSIVE) != 0; }
}
