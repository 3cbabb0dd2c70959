package io.pinlab.kernel.mm;

import static io.pinlab.kernel.mm.PhysMem.*;

/**
 * struct hstate (include/linux/hugetlb.h, mm/hugetlb.c): one hugetlb pool per huge page size,
 * x86_64's two: 2 MiB pages mapped by PMD leaves and 1 GiB (gigantic) pages mapped by PUD leaves.
 * The counters are nr_huge_pages, resv_huge_pages and the pages in use (nr - free_huge_pages);
 * surplus_huge_pages stays 0 because nr_overcommit_hugepages is not modelled. As for the 2 MiB
 * pool before, a pool page is taken from its zone when a fault or fallocate first needs it.
 */
public final class Hstate {
    /** huge_page_order(). */
    public final int order;
    /** nr_huge_pages: the pool's size (/sys/kernel/mm/hugepages/hugepages-NkB/nr_hugepages). */
    public long nrHugePages;
    /** Pool pages allocated to a file or mapping (nr_huge_pages - free_huge_pages). */
    public long inUse;
    /** resv_huge_pages: pages promised to mappings but not faulted in yet. */
    public long resvHugePages;

    Hstate(int order) { this.order = order; }

    /** huge_page_size(). */
    public long size() { return PAGE_SIZE << order; }

    /** pages_per_huge_page(). */
    public int nrPages() { return 1 << order; }

    /** huge_page_shift(). */
    public int shift() { return PAGE_SHIFT + order; }

    /** free_huge_pages. */
    public long freeHugePages() { return nrHugePages - inUse; }

    /** hstate->name: the sysfs directory, "hugepages-2048kB" or "hugepages-1048576kB". */
    public String name() { return "hugepages-" + (size() >> 10) + "kB"; }

    /** huge_pte_offset(): the level whose leaves map this size (PMD for 2 MiB, PUD for 1 GiB). */
    XArray pageTable(Mm mm) { return isGigantic() ? mm.puds : mm.pmds; }

    /** hstate_is_gigantic() (include/linux/hugetlb.h): a page larger than the buddy allocator's largest order. */
    public boolean isGigantic() { return order == PUD_ORDER; }

    /** The page-table key of addr at that level (addr >> huge_page_shift()). */
    long key(long addr) { return addr >>> shift(); }
}
