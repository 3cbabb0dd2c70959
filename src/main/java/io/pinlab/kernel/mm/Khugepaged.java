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
 * MADV_COLLAPSE (mm/khugepaged.c madvise_collapse()). Anonymous memory: hpage_collapse_scan_pmd()
 * -> collapse_huge_page(): each PMD-aligned 2 MiB of the range becomes one new PMD-mapped THP, its
 * contents copied from the small pages (none and zero-page PTEs read as zeroes), the old pages
 * released. A page with references beyond its mappings (a GUP pin, a FOLL_GET reference) stops
 * that 2 MiB (SCAN_PAGE_COUNT, -EAGAIN). Shmem (tmpfs, memfd, MAP_SHARED|MAP_ANONYMOUS):
 * hpage_collapse_scan_file() -> collapse_file(): the 512 page-cache slots become one order-9 folio
 * (pages copied, swap entries swapped in, holes zero-filled), the old pages are unmapped from
 * every mm and freed, and the caller's 2 MiB is mapped by PMD (collapse_pte_mapped_thp() in 6.18,
 * retract_page_tables() in 6.3-6.5). Other file VMAs need CONFIG_READ_ONLY_THP_FOR_FS, which
 * pinlab's kernel (like the oracle host's) is built without. khugepaged itself (the daemon and its
 * max_ptes_* limits) is not simulated: madvise_collapse() ignores those limits.
 */
public final class Khugepaged {
    static final String FILE = "mm/khugepaged.c";

    private Khugepaged() {}

    /** enum scan_result (mm/khugepaged.c), the values madvise_collapse() can meet. */
    enum Scan {
        SUCCEED, FAIL, PMD_MAPPED,
        /** SCAN_NO_PTE_TABLE (6.18); SCAN_PMD_NULL in 6.3-6.5: no page table below the PMD. */
        NO_PTE_TABLE,
        /** 6.3-6.5 find_pmd_or_thp_or_none(): a PMD table exists, but this PMD is none. */
        PMD_NONE,
        PAGE_NULL, PAGE_ANON, PAGE_COUNT,
        /** hpage_collapse_scan_file(): a page-cache folio is not on the LRU. */
        PAGE_LRU,
        /** collapse_pte_mapped_thp(): the page cache holds no order-9 folio there. */
        PAGE_COMPOUND,
        /** collapse_pte_mapped_thp(): a swap entry among the PTEs. */
        PTE_NON_PRESENT,
        /** The page cache already holds the order-9 folio: collapse_pte_mapped_thp() maps it. */
        PTE_MAPPED_HUGEPAGE,
        /** collapse_pte_mapped_thp(): the VMA no longer covers the 2 MiB or may not map a THP. */
        VMA_CHECK,
        /** collapse_file(): no page or swap entry of the file in the range. */
        TRUNCATED,
        /** 6.3-6.5: no writable PTE in the range (removed by 6.18). */
        PAGE_RO,
        ALLOC_HUGE_PAGE_FAIL, CGROUP_CHARGE_FAIL;

        /** madvise_collapse()'s whitelist: results after which the next PMD is still tried. */
        boolean continues() {
            return this == NO_PTE_TABLE || this == PAGE_NULL || this == PAGE_COUNT || this == PAGE_LRU || this == PAGE_RO
                    || this == PAGE_COMPOUND || this == PTE_NON_PRESENT;
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
     * Throws, before anything changes, where pinlab would answer differently from the kernel
     * because it keeps no empty page tables. collapse_file() unmaps the old pages from every mm;
     * an mm whose page table there is not freed keeps it, empty, and its next fault in that 2 MiB
     * maps PTEs (finish_fault() with the PMD not none) where pinlab's would map the PMD. Such a
     * table: a VMA with an anon_vma (file_backed_vma_is_retractable(), and the same test in 6.3-6.5
     * retract_page_tables()), and in 6.3-6.5 any mm's but the caller's at that address
     * (MADV_COLLAPSE leaves those to khugepaged). The caller's own table goes in 6.18
     * (collapse_pte_mapped_thp()). A table that keeps another entry (an anonymous COW copy, a swap
     * entry) is not empty, and pinlab answers as the kernel does. A range over several 2 MiB may
     * throw where the kernel would have stopped at an earlier failure.
     */
    static void checkSimulated(Globals k, Mm caller, Vma vma, long start, long end) {
        if (!vma.isShmem() || thpVmaAllowable(vma) != null) return;
        Inode in = vma.file.inode();
        long hend = Math.min(end, vma.end) & ~(HPAGE_SIZE - 1);
        for (long addr = alignUp(Math.max(start, vma.start), HPAGE_SIZE); addr < hend; addr += HPAGE_SIZE) {
            long index = vma.pageIndex(addr);
            if (hpageCollapseScanFile(k, in, index) == Scan.SUCCEED && anyEntry(in, index)) checkRetractPageTables(k, caller, in, index, addr);
        }
    }

    /**
     * retract_page_tables(mapping, index) (mm/khugepaged.c) after collapse_file() at the caller's
     * addr: throws for the first VMA whose page table there would be left empty and kept.
     */
    private static void checkRetractPageTables(Globals k, Mm caller, Inode in, long index, long addr) {
        Memory.vmaIntervalTreeForeach(k, in, index, index + 1, (t, v, a, e) -> {
            if ((a & (HPAGE_SIZE - 1)) != 0 || a + HPAGE_SIZE > v.end) return; // never PMD-mapped there (thp_vma_suitable_order())
            boolean self = t.mm == caller && a == addr;
            boolean kept = self ? !k.profile.collapsePteMappedAfterRetract() && v.anonVma != 0
                    : v.anonVma != 0 || !k.profile.collapsePteMappedAfterRetract();
            if (!kept || !onlyFilePages(k, t.mm, a)) return;
            throw new NotSimulatedException("advice", "MADV_COLLAPSE of shmem at " + hex(addr)
                    + ": the page table of " + hex(a) + " in pid " + t.pid + "'s mm would be left empty by collapse_file() and kept by retract_page_tables()"
                    + (v.anonVma != 0 ? " (the VMA has an anon_vma)" : " (6.3-6.5 retract only the caller's)")
                    + ", so its next fault there maps PTEs; pinlab keeps no empty page tables and would map the PMD");
        });
    }

    /** The 2 MiB at a holds PTEs, and every one maps a page-cache page (collapse_file() unmaps them all, leaving the table empty). */
    private static boolean onlyFilePages(Globals k, Mm mm, long a) {
        boolean[] file = {false}, other = {false};
        mm.ptes.forEach(a >>> PAGE_SHIFT, (a + HPAGE_SIZE) >>> PAGE_SHIFT, (vpn, pte) -> {
            if (Memory.isFilePte(k, pte)) file[0] = true;
            else other[0] = true;
        });
        return file[0] && !other[0];
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
                if (r == Scan.SUCCEED) r = collapseFile(k, mm, vma, vma.file.inode(), index, addr, ex);
                if (r == Scan.PTE_MAPPED_HUGEPAGE) r = collapsePteMappedThp(k, mm, addr);
            }
            ex.step(!vma.isAnonymous() ? (r != Scan.SUCCEED ? "hpage_collapse_scan_file"
                            : k.profile.collapsePteMappedAfterRetract() ? "collapse_pte_mapped_thp" : "retract_page_tables")
                            : r == Scan.SUCCEED ? "collapse_huge_page" : "hpage_collapse_scan_pmd", FILE,
                    r == Scan.SUCCEED || r == Scan.PMD_MAPPED ? "ok" : "SCAN_" + r.name(), describe(r, addr, vma.isAnonymous()));
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

    private static String describe(Scan r, long addr, boolean anon) {
        String at = hex(addr) + ": ";
        return at + switch (r) {
            case SUCCEED -> anon ? "the small pages were copied into a new THP and released"
                    : "the page cache's order-9 folio is mapped here by PMD";
            case PMD_MAPPED -> "already PMD-mapped";
            case NO_PTE_TABLE -> anon ? "nothing was ever mapped here (no page table)"
                    : "the page cache holds the order-9 folio, but this mm has no PMD table here (6.3-6.5: SCAN_PMD_NULL)";
            case PAGE_NULL -> "a PTE maps no normal page";
            case PAGE_ANON -> anon ? "a page is not anonymous"
                    : "the page cache was collapsed, but this VMA has an anon_vma (written private pages), so 6.3-6.5 retract_page_tables() leaves its page table";
            case PAGE_COUNT -> "a page has references beyond its mappings (GUP pin or reference): folio_expected_ref_count() != folio_ref_count()";
            case PAGE_LRU -> "a page-cache page is not on the LRU";
            case TRUNCATED -> "the file holds no page or swap entry here (collapse_file() put the new folio back)";
            case PAGE_RO -> "no PTE is writable";
            case PMD_NONE -> "the page cache was collapsed, but this mm had no page table here to retract (6.3-6.5 retract_page_tables(): SCAN_PMD_NONE)";
            case PAGE_COMPOUND -> "the page cache holds no order-9 folio here";
            case PTE_NON_PRESENT -> "a PTE here is a swap entry";
            case PTE_MAPPED_HUGEPAGE -> "the page cache already holds the order-9 folio";
            case VMA_CHECK -> "the VMA may not map the THP here";
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
     * index: the order-9 folio already there is SCAN_PTE_MAPPED_HUGEPAGE; swap entries are fine
     * (collapse_file() swaps them in; no max_ptes_swap limit), every page must be on the LRU
     * (SCAN_PAGE_LRU) and referenced only by the page cache and its mappings
     * (folio_expected_ref_count(), SCAN_PAGE_COUNT; 6.3: page_count() != 1 + page_mapcount()).
     * Holes are fine too (no max_ptes_none).
     */
    static Scan hpageCollapseScanFile(Globals k, Inode inode, long index) {
        Scan[] r = {Scan.SUCCEED};
        inode.pageCache.forEach(index, index + HPAGE_NR, (i, e) -> {
            if (r[0] != Scan.SUCCEED || e < 0) return; // e < 0: a swap entry (xa_is_value())
            if (k.phys.isLarge(e)) r[0] = Scan.PTE_MAPPED_HUGEPAGE; // order 9 at a 512-aligned index: folio->index == start
            else if (!k.phys.testPageFlag(e, PG_LRU)) r[0] = Scan.PAGE_LRU;
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
     * collapse_file() for shmem (the same order in 6.3 and 6.18): alloc_charge_folio() first
     * (SCAN_ALLOC_HUGE_PAGE_FAIL / SCAN_CGROUP_CHARGE_FAIL); a range with no page or swap entry
     * stops with SCAN_TRUNCATED and the new folio is put. Then each swap entry is swapped in
     * (shmem_get_folio(SGP_NOALLOC); SCAN_FAIL when no page is free, the pages swapped in so far
     * stay), every old page is unmapped from every mm (try_to_unmap()), the pages are copied and the
     * holes cleared (clear_highpage()), and one order-9 folio, dirty, swap-backed, on the LRU and
     * holding the page cache's 512 references, takes the 512 slots (xas_store() of a multi-index
     * entry); the old pages lose their mapping and are freed. The caller's mapping: 6.18 returns
     * SCAN_PTE_MAPPED_HUGEPAGE for collapse_pte_mapped_thp(); 6.3-6.5 retract_page_tables() answers.
     */
    static Scan collapseFile(Globals k, Mm mm, Vma vma, Inode inode, long index, long addr, Explain ex) {
        long head = k.phys.allocFolio(k.userZone(), HPAGE_ORDER);
        if (head < 0) return k.phys.allocFailure() != null ? Scan.CGROUP_CHARGE_FAIL : Scan.ALLOC_HUGE_PAGE_FAIL;
        long[] old = new long[HPAGE_NR];
        int present = 0, swapped = 0;
        boolean mapped = false;
        for (int i = 0; i < HPAGE_NR; i++) { // the kernel's one pass over the slots (xas_load() from start)
            long e = inode.pageCache.get(index + i);
            if (e == 0) {
                if (i == 0 && !anyEntry(inode, index)) { // index == start: xas_next_entry() finds nothing up to end - 1
                    k.phys.refAdd(head, -1); // folio_put(new_folio)
                    return Scan.TRUNCATED;
                }
                continue; // nr_none++: a hole, cleared below
            }
            if (e < 0) { // xa_is_value(): shmem_get_folio(SGP_NOALLOC) swaps it in
                e = Memory.shmemSwapin(k, inode, index + i, -e);
                if (e < 0) {
                    k.phys.refAdd(head, -1); // rollback: the new folio is put
                    return Scan.FAIL;
                }
                swapped++;
            }
            old[i] = e;
            present++;
            mapped |= k.phys.mapcount(e) > 0;
        }
        // The kernel calls try_to_unmap() on each folio_mapped() page within that pass, so a failed
        // swap-in leaves the earlier pages unmapped; pinlab unmaps them all here, after the pass.
        boolean hadTable = !Memory.nonePtes(mm, addr, HPAGE_NR); // 6.3-6.5: the caller's page table outlives the unmap
        if (mapped) HugeMemory.tryToUnmapFile(k, inode, index, HPAGE_NR);
        for (int i = 0; i < HPAGE_NR; i++) {
            if (old[i] != 0) k.phys.copyPage(head + i, old[i]); // copy_mc_highpage(); a hole stays clear (clear_highpage())
            inode.pageCache.set(index + i, head + i);
        }
        k.phys.setMapping(head, inode, index);
        k.phys.setFolioFlags(head, PG_LRU | PG_SWAPBACKED | PG_DIRTY); // folio_mark_uptodate(), folio_mark_dirty(), folio_add_lru()
        k.phys.refAdd(head, HPAGE_NR - 1); // folio_ref_add(new_folio, HPAGE_PMD_NR - 1): the page cache's references
        for (long p : old) {
            if (p == 0) continue;
            k.phys.setMapping(p, null, 0); // folio->mapping = NULL
            k.phys.refAdd(p, -1); // the page cache's reference, its last
        }
        ex.ok("collapse_file", FILE, hex(addr) + ": " + present + " page(s) copied (" + swapped + " swapped in first) and "
                + (HPAGE_NR - present) + " hole(s) cleared into the order-9 folio at pfn " + hex(head) + ", which now fills page indices "
                + index + "-" + (index + HPAGE_NR - 1) + "; the old pages were unmapped from every mm and freed");
        if (k.profile.collapsePteMappedAfterRetract()) return Scan.PTE_MAPPED_HUGEPAGE; // retract_page_tables() left nothing pinlab shows
        return retractPageTablesTarget(k, mm, vma, addr, head, hadTable);
    }

    /**
     * The caller's leg of 6.3-6.5 retract_page_tables() (the other mms' emptied page tables are left
     * to khugepaged, which pinlab does not run): a VMA with an anon_vma is SCAN_PAGE_ANON; with no
     * page table there find_pmd_or_thp_or_none() is SCAN_PMD_NULL (no PMD table in the 1 GiB) or
     * SCAN_PMD_NONE; otherwise collapse_and_free_pmd() drops the emptied table and set_huge_pmd()
     * maps the folio (do_set_pmd() of a read fault). pinlab keeps no empty page tables, so "had a
     * page table" means a PTE was there before collapse_file() unmapped the old pages.
     */
    private static Scan retractPageTablesTarget(Globals k, Mm mm, Vma vma, long addr, long head, boolean hadTable) {
        if (vma.anonVma != 0) return Scan.PAGE_ANON;
        if (!hadTable) return pmdTableExists(mm, addr) ? Scan.PMD_NONE : Scan.NO_PTE_TABLE;
        return HugeMemory.doSetPmd(k, mm, vma, addr, head, false) ? Scan.SUCCEED : Scan.FAIL;
    }

    /** mm_find_pmd() finds a PMD table: the mm maps something in the 1 GiB around addr. */
    private static boolean pmdTableExists(Mm mm, long addr) {
        long base = addr & ~((1L << 30) - 1);
        boolean[] any = {false};
        mm.pmds.forEach(base >>> 21, (base >>> 21) + HPAGE_NR, (key, pmd) -> any[0] = true);
        if (!any[0]) mm.ptes.forEach(base >>> PAGE_SHIFT, (base + (1L << 30)) >>> PAGE_SHIFT, (vpn, pte) -> any[0] = true);
        return any[0];
    }

    /**
     * collapse_pte_mapped_thp(mm, addr, install_pmd = true), once the page cache holds the order-9
     * folio: SCAN_PMD_MAPPED when a PMD maps it already; SCAN_VMA_CHECK when the VMA does not cover
     * the 2 MiB or may not map a THP (thp_vma_allowable_order(), forced); SCAN_PAGE_NULL without a
     * folio there, SCAN_PAGE_COMPOUND when it is not order 9 (6.3-6.5: SCAN_FAIL for a small page,
     * !PageHead). The PTEs must be none or map the folio's own pages at their places (a swap entry:
     * SCAN_PTE_NON_PRESENT; an anonymous COW copy or another page: SCAN_FAIL); they are cleared
     * with their mapcounts, references and RSS, the page table is freed, and set_huge_pmd() maps
     * the folio as a read fault would ({@link HugeMemory#doSetPmd}). 6.3-6.5 without a PMD table
     * answer SCAN_PMD_NULL (whitelisted, but not a success).
     */
    static Scan collapsePteMappedThp(Globals k, Mm mm, long addr) {
        long haddr = addr & ~(HPAGE_SIZE - 1);
        if (mm.pmds.get(haddr >>> 21) != 0) return Scan.PMD_MAPPED;
        Vma vma = mm.vmaLookup(haddr);
        if (vma == null || vma.file == null || haddr + HPAGE_SIZE > vma.end || thpVmaAllowable(vma) != null) return Scan.VMA_CHECK;
        long e = vma.file.inode().pageCache.get(vma.pageIndex(haddr));
        if (e <= 0) return Scan.PAGE_NULL;
        if (!k.phys.isLarge(e)) return k.profile.collapsePteMappedAfterRetract() ? Scan.PAGE_COMPOUND : Scan.FAIL;
        long head = k.phys.head(e);
        long from = haddr >>> PAGE_SHIFT;
        Scan[] r = {null};
        boolean[] any = {false};
        mm.ptes.forEach(from, from + HPAGE_NR, (vpn, pte) -> {
            any[0] = true;
            if (r[0] != null) return;
            if (Pte.isSwap(pte)) r[0] = Scan.PTE_NON_PRESENT;
            else if (Pte.special(pte) || Pte.pfn(pte) != head + (vpn - from)) r[0] = Scan.FAIL;
        });
        if (r[0] != null) return r[0];
        if (!any[0] && !k.profile.collapsePteMappedAfterRetract() && !pmdTableExists(mm, haddr)) return Scan.NO_PTE_TABLE;
        mm.ptes.forEach(from, from + HPAGE_NR, (vpn, pte) -> {
            mm.ptes.set(vpn, 0);
            Memory.dropMapping(k, mm, Pte.pfn(pte));
        });
        return HugeMemory.doSetPmd(k, mm, vma, haddr, head, false) ? Scan.SUCCEED : Scan.FAIL;
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
