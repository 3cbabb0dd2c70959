package io.pinlab.kernel.mm;

import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Explain;
import io.pinlab.kernel.base.NotSimulatedException;
import io.pinlab.kernel.fs.Inode;

import static io.pinlab.kernel.base.Explain.hex;
import static io.pinlab.kernel.mm.Mmap.alignUp;
import static io.pinlab.kernel.mm.Mmap.fail;
import static io.pinlab.kernel.mm.PhysMem.*;
import static io.pinlab.kernel.mm.VmFlag.*;

/**
 * MADV_COLLAPSE for anonymous memory (mm/khugepaged.c madvise_collapse() ->
 * hpage_collapse_scan_pmd() -> collapse_huge_page()): each PMD-aligned 2 MiB of the range becomes
 * one new PMD-mapped THP, its contents copied from the small pages (none and zero-page PTEs read as
 * zeroes), the old pages released. A page with references beyond its mappings (a GUP pin, a
 * FOLL_GET reference) stops that 2 MiB (SCAN_PAGE_COUNT, -EAGAIN). Shmem VMAs go through
 * hpage_collapse_scan_file(): its scan and collapse_file()'s empty-range exit are simulated, the
 * collapse itself (one order-9 folio in the page cache) is not: pinlab's page cache holds 4 KiB
 * folios only. Other file VMAs need CONFIG_READ_ONLY_THP_FOR_FS, which pinlab's kernel (like the
 * oracle host's) is built without. khugepaged itself (the daemon and its max_ptes_* limits) is not
 * simulated: madvise_collapse() ignores those limits.
 */
public final class Khugepaged {
    static final String FILE = "mm/khugepaged.c";

    private Khugepaged() {}

    /** enum scan_result (mm/khugepaged.c), the values madvise_collapse() can meet for anonymous memory. */
    enum Scan {
        SUCCEED, FAIL, PMD_MAPPED,
        /** SCAN_NO_PTE_TABLE (6.18); SCAN_PMD_NULL in 6.3-6.5: no page table below the PMD. */
        NO_PTE_TABLE,
        PAGE_NULL, PAGE_ANON, PAGE_COUNT,
        /** hpage_collapse_scan_file(): a page-cache folio is not on the LRU. */
        PAGE_LRU,
        /** collapse_file(): no page or swap entry of the file in the range. */
        TRUNCATED,
        /** 6.3-6.5: no writable PTE in the range (removed by 6.18). */
        PAGE_RO,
        ALLOC_HUGE_PAGE_FAIL, CGROUP_CHARGE_FAIL;

        /** madvise_collapse()'s whitelist: results after which the next PMD is still tried. */
        boolean continues() {
            return this == NO_PTE_TABLE || this == PAGE_NULL || this == PAGE_COUNT || this == PAGE_LRU || this == PAGE_RO;
        }

        /** madvise_collapse_errno(). */
        Errno errno() {
            return switch (this) {
                case ALLOC_HUGE_PAGE_FAIL -> Errno.ENOMEM;
                case CGROUP_CHARGE_FAIL -> Errno.EBUSY;
                case PAGE_COUNT, PAGE_LRU -> Errno.EAGAIN;
                default -> Errno.EINVAL;
            };
        }
    }

    /**
     * Throws, before anything changes, when madvise_collapse() of [start, end) in this VMA would
     * reach collapse_file() with something to collapse: a shmem 2 MiB whose scan passes and that
     * holds a page or swap entry. The scan changes nothing, so the refusals are answered. A
     * range over several VMAs may throw where the kernel would have stopped at an earlier VMA's error.
     */
    static void checkSimulated(Globals k, Vma vma, long start, long end) {
        if (!vma.isShmem() || thpVmaAllowable(vma) != null) return;
        long hend = Math.min(end, vma.end) & ~(HPAGE_SIZE - 1);
        for (long addr = alignUp(Math.max(start, vma.start), HPAGE_SIZE); addr < hend; addr += HPAGE_SIZE) {
            long index = vma.pageIndex(addr);
            Scan r = hpageCollapseScanFile(k, vma.file.inode(), index);
            if (r == Scan.SUCCEED && anyEntry(vma.file.inode(), index)) throw collapseNotSimulated(addr);
            if (!r.continues()) return; // madvise_collapse() stops there (an empty range ends in SCAN_TRUNCATED or an allocation failure)
        }
    }

    /**
     * madvise_collapse(): the VMA must allow a forced PMD-order THP; then every whole, aligned
     * 2 MiB of [start, end) is scanned and collapsed. 0 when every one is (or already was) a THP,
     * else madvise_collapse_errno() of the last failure. The count is unsigned: a range holding no
     * aligned 2 MiB at all (hend < hstart) fails with -EINVAL.
     */
    static long madviseCollapse(Globals k, Mm mm, Vma vma, long start, long end, Explain ex) {
        String why = thpVmaAllowable(vma);
        if (why != null) return fail(ex, "thp_vma_allowable_order", "mm/huge_memory.c", Errno.EINVAL, why);
        long hstart = alignUp(start, HPAGE_SIZE), hend = end & ~(HPAGE_SIZE - 1);
        long thps = 0;
        Scan last = Scan.FAIL;
        for (long addr = hstart; Long.compareUnsigned(addr, hend) < 0; addr += HPAGE_SIZE) {
            if (!k.chargeWork(1))
                return fail(ex, "madvise_collapse", FILE, Errno.EINTR, "at " + hex(addr) + ": " + k.workLimitReason());
            Scan r;
            if (vma.isAnonymous()) {
                r = hpageCollapseScanPmd(k, mm, vma, addr);
                if (r == Scan.SUCCEED) r = collapseHugePage(k, mm, vma, addr);
            } else {
                long index = vma.pageIndex(addr);
                r = hpageCollapseScanFile(k, vma.file.inode(), index);
                if (r == Scan.SUCCEED) r = collapseFile(k, vma.file.inode(), index, addr);
            }
            ex.step(!vma.isAnonymous() ? "hpage_collapse_scan_file" : r == Scan.SUCCEED ? "collapse_huge_page" : "hpage_collapse_scan_pmd", FILE,
                    r == Scan.SUCCEED || r == Scan.PMD_MAPPED ? "ok" : "SCAN_" + r.name(), describe(r, addr));
            if (r == Scan.SUCCEED || r == Scan.PMD_MAPPED) thps++;
            else {
                last = r;
                if (!r.continues()) break;
            }
        }
        long want = (hend - hstart) >>> 21; // unsigned, as (hend - hstart) >> HPAGE_PMD_SHIFT
        if (thps == want) {
            ex.ok("madvise_collapse", FILE, thps + " PMD-mapped THPs in " + hex(start) + "-" + hex(end));
            return 0;
        }
        return fail(ex, "madvise_collapse_errno", FILE, last.errno(), want > Integer.MAX_VALUE
                ? "the range holds no PMD-aligned 2 MiB (hend < hstart)"
                : thps + " of " + want + " ranges collapsed; the last failure was SCAN_" + last.name());
    }

    private static String describe(Scan r, long addr) {
        String at = hex(addr) + ": ";
        return at + switch (r) {
            case SUCCEED -> "the small pages were copied into a new THP and released";
            case PMD_MAPPED -> "already PMD-mapped";
            case NO_PTE_TABLE -> "nothing was ever mapped here (no page table)";
            case PAGE_NULL -> "a PTE maps no normal page";
            case PAGE_ANON -> "a page is not anonymous";
            case PAGE_COUNT -> "a page has references beyond its mappings (GUP pin or reference): folio_expected_ref_count() != folio_ref_count()";
            case PAGE_LRU -> "a page-cache page is not on the LRU";
            case TRUNCATED -> "the file holds no page or swap entry here (collapse_file() put the new folio back)";
            case PAGE_RO -> "no PTE is writable";
            case ALLOC_HUGE_PAGE_FAIL -> "no free 2 MiB block";
            case CGROUP_CHARGE_FAIL -> "the memory cgroup cannot take a THP";
            case FAIL -> "failed";
        };
    }

    /**
     * thp_vma_allowable_order(vma, TVA_FORCED_COLLAPSE, PMD_ORDER) (mm/huge_memory.c
     * __thp_vma_allowable_orders(); hugepage_vma_check() with enforce_sysfs = false in 6.3-6.5):
     * null when allowed, else why not. VM_HUGEPAGE and the sysfs mode do not matter for a forced
     * collapse, for shmem neither: shmem_allowable_huge_orders() with shmem_huge_force (shmem_is_huge()
     * with force in 6.3-6.5) allows PMD order for every shmem_enabled value but "deny", which pinlab
     * does not model. A file VMA must map its file 2 MiB-aligned (thp_vma_suitable_order()).
     */
    static String thpVmaAllowable(Vma vma) {
        if (vma.has(VM_NOHUGEPAGE_B)) return "VMA has VM_NOHUGEPAGE (vma_thp_disabled())";
        if ((vma.flags & (Mmap.VM_SPECIAL | VM_HUGETLB_B)) != 0) return "VM_NO_KHUGEPAGED: special or hugetlb VMA";
        long haddr = (vma.end - HPAGE_SIZE) & ~(HPAGE_SIZE - 1); // thp_vma_suitable_order(vma, vm_end - PMD_SIZE)
        if (vma.end - vma.start < HPAGE_SIZE || haddr < vma.start) return "the VMA holds no PMD-aligned 2 MiB";
        if (!vma.isAnonymous() && (((vma.start >>> PAGE_SHIFT) - vma.pgoff) & (HPAGE_NR - 1)) != 0)
            return "the file offset (vm_pgoff) is not 2 MiB-aligned with the address";
        if (vma.isShmem()) return null;
        if (vma.ops == VmOps.FILE)
            return "file_thp_enabled(): no CONFIG_READ_ONLY_THP_FOR_FS, so regular files are not collapsed";
        if (!vma.isAnonymous()) return "khugepaged collapses no DAX, secretmem or device memory";
        if (vma.anonVma == 0) return "the VMA has no anon_vma yet (nothing was ever faulted in)";
        return null;
    }

    /**
     * hpage_collapse_scan_pmd() with cc->is_khugepaged false: a PMD leaf is SCAN_PMD_MAPPED; none,
     * zero-page and swap PTEs are fine (collapse_huge_page() swaps the latter in); every mapped
     * page must be a normal anonymous page whose references are its mappings plus the swap
     * cache's (folio_expected_ref_count()). 6.3-6.5 also want at least one writable PTE (SCAN_PAGE_RO).
     */
    static Scan hpageCollapseScanPmd(Globals k, Mm mm, Vma vma, long addr) {
        if (mm.pmds.get(addr >>> 21) != 0) return Scan.PMD_MAPPED;
        long from = addr >>> PAGE_SHIFT, to = (addr + HPAGE_SIZE) >>> PAGE_SHIFT;
        Scan[] r = {null};
        boolean[] any = {false}, writable = {false};
        mm.ptes.forEach(from, to, (vpn, pte) -> {
            any[0] = true;
            if (r[0] != null) return;
            if (Pte.isSwap(pte)) return; // is_swap_pte(): MADV_COLLAPSE swaps it in (no max_ptes_swap limit)
            long pfn = Pte.pfn(pte);
            if (pfn == ZERO_PFN) return;
            if (Pte.write(pte)) writable[0] = true;
            if (Pte.special(pte) || !k.phys.isRam(pfn)) { r[0] = Scan.PAGE_NULL; return; }
            if (!k.phys.testPageFlag(pfn, PG_ANON)) { r[0] = Scan.PAGE_ANON; return; }
            if (k.phys.refcount(pfn) != k.phys.mapcount(pfn) + (k.phys.testPageFlag(pfn, PG_SWAPCACHE) ? 1 : 0)) r[0] = Scan.PAGE_COUNT;
        });
        if (!any[0]) return Scan.NO_PTE_TABLE;
        if (r[0] != null) return r[0];
        if (!writable[0] && !k.profile.collapseReadonlyPtes()) return Scan.PAGE_RO;
        return Scan.SUCCEED;
    }

    /**
     * hpage_collapse_scan_file() with cc->is_khugepaged false, on the 512 page-cache slots from
     * index: swap entries are fine (collapse_file() swaps them in; no max_ptes_swap limit), every
     * page must be on the LRU (SCAN_PAGE_LRU) and referenced only by the page cache and its mappings
     * (folio_expected_ref_count(), SCAN_PAGE_COUNT; 6.3: page_count() != 1 + page_mapcount()).
     * Holes are fine too (no max_ptes_none). pinlab's page cache has no order-9 folio, so
     * SCAN_PTE_MAPPED_HUGEPAGE cannot come up.
     */
    static Scan hpageCollapseScanFile(Globals k, Inode inode, long index) {
        Scan[] r = {Scan.SUCCEED};
        inode.pageCache.forEach(index, index + HPAGE_NR, (i, e) -> {
            if (r[0] != Scan.SUCCEED || e < 0) return; // e < 0: a swap entry (xa_is_value())
            if (!k.phys.testPageFlag(e, PG_LRU)) r[0] = Scan.PAGE_LRU;
            else if (k.phys.refcount(e) != 1 + k.phys.mapcount(e)) r[0] = Scan.PAGE_COUNT;
        });
        return r[0];
    }

    /** Whether the 512 page-cache slots from index hold a page or a swap entry. */
    private static boolean anyEntry(Inode inode, long index) {
        boolean[] any = {false};
        inode.pageCache.forEach(index, index + HPAGE_NR, (i, e) -> any[0] = true);
        return any[0];
    }

    /**
     * collapse_file() (the same order in 6.3 and 6.18): alloc_charge_folio() first
     * (SCAN_ALLOC_HUGE_PAGE_FAIL / SCAN_CGROUP_CHARGE_FAIL), then a shmem range with no page or
     * swap entry stops with SCAN_TRUNCATED and the new folio is put. Any other range would become
     * the order-9 folio in the page cache, which pinlab does not simulate (checkSimulated() threw
     * for it before the call changed anything).
     */
    static Scan collapseFile(Globals k, Inode inode, long index, long addr) {
        if (anyEntry(inode, index)) throw collapseNotSimulated(addr);
        long head = k.phys.allocFolio(k.userZone(), HPAGE_ORDER);
        if (head < 0) return k.phys.allocFailure() != null ? Scan.CGROUP_CHARGE_FAIL : Scan.ALLOC_HUGE_PAGE_FAIL;
        k.phys.refAdd(head, -1); // folio_put(new_folio)
        return Scan.TRUNCATED;
    }

    private static NotSimulatedException collapseNotSimulated(long addr) {
        return new NotSimulatedException("advice", "MADV_COLLAPSE of shmem at " + hex(addr)
                + ": collapse_file() would replace 512 page-cache pages by one order-9 folio, and pinlab's page cache holds 4 KiB folios only");
    }

    /**
     * collapse_huge_page(): a new order-9 anonymous folio (SCAN_ALLOC_HUGE_PAGE_FAIL /
     * SCAN_CGROUP_CHARGE_FAIL when none), __collapse_huge_page_copy() of the 512 pages, the old
     * PTEs cleared and their pages released, then one PMD mapping the new folio, exclusive to
     * this mm, writable where the VMA is (maybe_pmd_mkwrite()); the PTE table becomes the deposit.
     */
    static Scan collapseHugePage(Globals k, Mm mm, Vma vma, long addr) {
        // __collapse_huge_page_swapin(): do_swap_page() for each swap PTE first, SCAN_FAIL if one fails
        long from0 = addr >>> PAGE_SHIFT;
        for (long vpn = from0; vpn < from0 + HPAGE_NR; vpn++) {
            long pte = mm.ptes.get(vpn);
            if (Pte.isSwap(pte) && Memory.doSwapPage(k, mm, vma, vpn << PAGE_SHIFT, pte, 0) != Memory.VM_FAULT_OK) return Scan.FAIL;
        }
        long head = k.phys.allocFolio(k.userZone(), HPAGE_ORDER);
        if (head < 0) return k.phys.allocFailure() != null ? Scan.CGROUP_CHARGE_FAIL : Scan.ALLOC_HUGE_PAGE_FAIL;
        long from = addr >>> PAGE_SHIFT;
        mm.ptes.forEach(from, from + HPAGE_NR, (vpn, pte) -> {
            mm.ptes.set(vpn, 0);
            if (Pte.special(pte)) return; // the zero page: the new page stays zero
            long pfn = Pte.pfn(pte);
            k.phys.copyPage(head + (vpn - from), pfn);
            boolean swapcache = k.phys.testPageFlag(pfn, PG_SWAPCACHE);
            Memory.dropMapping(k, mm, pfn);
            if (swapcache) Memory.freeSwapCache(k, pfn); // free_swap_cache() as the old pages are released
        });
        k.phys.setMapping(head, Memory.ANON_MAPPING, 0);
        k.phys.setFolioFlags(head, PG_ANON | PG_SWAPBACKED | PG_LRU | PG_ANON_EXCLUSIVE);
        k.phys.mapcountAdd(head, 1); // the allocation reference becomes the PMD mapping's
        k.memcg.charge(MemCg.LEAF_BYTES); // pgtable_trans_huge_deposit()
        mm.pmds.set(addr >>> 21, Memory.maybeMkwrite(Pte.mk(head, Pte.YOUNG), vma));
        mm.rssAnon += HPAGE_NR;
        return Scan.SUCCEED;
    }
}
