package io.pinlab.kernel.mm;


import java.util.Map;
import java.util.TreeMap;

/**
 * struct mm_struct: the VMA tree (a TreeMap keyed by vm_start stands in for the maple tree),
 * the page tables, and the counters /proc/PID/status shows.
 */
public final class Mm {
    /** TASK_SIZE_MAX on x86_64 with 4-level paging: the user address space ends here. */
    public static final long TASK_SIZE = 0x7ffffffff000L;
    /** Fixed mmap_base (no ASLR): top-down allocations start below it. */
    public static final long MMAP_BASE = 0x7ffff7fff000L;
    /** /proc/sys/vm/mmap_min_addr default. */
    public static final long MMAP_MIN_ADDR = 65536;
    public static final long STACK_TOP = TASK_SIZE;
    public static final long STACK_SIZE = 132 * 1024;

    /** MMF_HAS_PINNED: set by the first FOLL_PIN, never cleared (include/linux/sched/coredump.h). */
    public static final int MMF_HAS_PINNED = 1;

    public final TreeMap<Long, Vma> vmas = new TreeMap<>();
    /** Last-level page table entries, indexed by virtual page number. */
    public final XArray ptes;
    /** PMD leaf entries (THP or hugetlb 2 MiB), indexed by vaddr >> 21. */
    public final XArray pmds;
    /** PUD leaf entries (1 GiB hugetlb), indexed by vaddr >> 30. */
    public final XArray puds;
    /** The session's memory cgroup: VMAs and page tables are charged to it (vm_area_cachep and page tables are accounted). */
    public final MemCg memcg;

    public int flags;
    /** mm->write_protect_seq: odd while fork write-protects (gup-fast checks it). */
    public long writeProtectSeq;
    /** mm->pinned_vm in pages (VmPin). GUP never touches it; io_uring accounts it. */
    public long pinnedVm;
    /** mm->locked_vm in pages (VmLck). */
    public long lockedVm;
    /** RSS counters (MM_ANONPAGES, MM_FILEPAGES, MM_SHMEMPAGES), in pages. */
    public long rssAnon, rssFile, rssShmem;
    /** MM_SWAPENTS: swap PTEs in this mm. */
    public long rssSwap;
    /** Source of anon_vma identities for this mm's VMAs (see Vma.anonVma). */
    public long anonVmaSeq;
    /**
     * Search hint of {@link Mmap#topDown} (the maple tree's gap tracking stands behind this in the
     * kernel): [coveredFrom, MMAP_BASE) is known to hold no gap; 0 = unknown. Only removing a VMA
     * can open a gap, so remove() forgets it.
     */
    public long coveredFrom;

    public Mm(MemCg memcg) {
        this.memcg = memcg;
        this.ptes = new XArray(memcg);
        this.pmds = new XArray(memcg);
        this.puds = new XArray(memcg);
    }

    /** find_vma(): the first VMA with vm_end > addr, or null. */
    public Vma findVma(long addr) {
        Map.Entry<Long, Vma> e = vmas.floorEntry(addr);
        if (e != null && e.getValue().end > addr) return e.getValue();
        Map.Entry<Long, Vma> h = vmas.higherEntry(addr);
        return h == null ? null : h.getValue();
    }

    /** vma_lookup(): the VMA containing addr, or null. */
    public Vma vmaLookup(long addr) {
        Map.Entry<Long, Vma> e = vmas.floorEntry(addr);
        return e != null && e.getValue().end > addr ? e.getValue() : null;
    }

    /** find_vma_intersection() (mm/mmap.c): the first VMA overlapping [start, end), or null. */
    public Vma findVmaIntersection(long start, long end) {
        Vma v = findVma(start);
        return v != null && v.start < end ? v : null;
    }

    /** Inserts v; a VMA new to the tree is charged (vm_area_alloc()), callers checked the margin. */
    public void insert(Vma v) {
        if (vmas.put(v.start, v) == null) memcg.charge(MemCg.VMA_BYTES);
    }

    public void remove(Vma v) {
        if (vmas.remove(v.start) != null) memcg.uncharge(MemCg.VMA_BYTES);
        coveredFrom = 0;
    }

    public int mapCount() { return vmas.size(); }

    /** total_vm in pages. */
    public long totalVm() {
        long n = 0;
        for (Vma v : vmas.values()) n += v.pages();
        return n;
    }

    public boolean hasPinned() { return (flags & MMF_HAS_PINNED) != 0; }
}
