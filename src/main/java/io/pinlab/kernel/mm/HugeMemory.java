package io.pinlab.kernel.mm;

import static io.pinlab.kernel.mm.Memory.*;
import static io.pinlab.kernel.mm.PhysMem.*;
import static io.pinlab.kernel.mm.VmFlag.*;

/**
 * mm/huge_memory.c: anonymous transparent huge pages mapped by PMD leaves. THP eligibility and
 * the aligned address search, do_huge_pmd_anonymous_page(), the huge zero folio, PMD
 * write-protect faults, __split_huge_pmd(), zap_huge_pmd() and copy_huge_pmd().
 */
public final class HugeMemory {
    private HugeMemory() {}

    /** THP for an anonymous fault: only in MADV_HUGEPAGE ranges (THP "madvise" mode), PMD-aligned and inside the VMA. */
    static boolean thpEligible(Mm mm, Vma vma, long addr) {
        if (!vma.has(VM_HUGEPAGE_B) || vma.has(VM_NOHUGEPAGE_B) || !vma.isAnonymous()) return false;
        long hstart = addr & ~(HPAGE_SIZE - 1);
        if (hstart < vma.start || hstart + HPAGE_SIZE > vma.end) return false;
        // the PMD must still be empty: no PTE in the 2 MiB range
        long[] any = {0};
        mm.ptes.forEach(hstart >>> PAGE_SHIFT, (hstart + HPAGE_SIZE) >>> PAGE_SHIFT, (i, v) -> any[0]++);
        return any[0] == 0;
    }

    /**
     * __thp_get_unmapped_area() for anonymous memory (off 0): search top-down for len + PMD_SIZE,
     * then move up to the next 2 MiB boundary; an already aligned top-down result moves up by a
     * whole PMD_SIZE. 0 when no such gap exists (the caller falls back to the plain search, as
     * the kernel retries without the padding).
     */
    static long thpGetUnmappedArea(Mm mm, long len) {
        long padded = len + HPAGE_SIZE;
        long ret = Mmap.topDown(mm, padded, PAGE_SIZE);
        if (ret < 0) return 0;
        long offSub = (-ret) & (HPAGE_SIZE - 1);
        return offSub == 0 ? ret + HPAGE_SIZE : ret + offSub;
    }

    /**
     * do_huge_pmd_anonymous_page() on an empty PMD of a THP-eligible range: a read fault maps the
     * huge zero folio read-only when transparent_hugepage/use_zero_page is set, anything else a
     * new THP. False for VM_FAULT_FALLBACK (no huge page: the caller maps a small one).
     */
    static boolean doHugePmdAnonymousPage(Globals k, Mm mm, Vma vma, long addr, boolean write) {
        anonVmaPrepare(mm, vma); // vmf_anon_prepare()
        if (!write && k.thpUseZeroPage) {
            long zero = mmGetHugeZeroFolio(k);
            if (zero < 0) return false; // no huge zero folio (THP_FAULT_FALLBACK): the 4 KiB zero page
            // set_huge_zero_folio(): a special PMD (6.18), no reference, no RSS
            k.memcg.charge(MemCg.LEAF_BYTES); // pgtable_trans_huge_deposit(): the page table a split will need
            mm.pmds.set(addr >>> 21, Pte.mk(zero, Pte.SPECIAL | Pte.YOUNG));
            return true;
        }
        long head = k.phys.allocFolio(k.userZone(), HPAGE_ORDER); // __do_huge_pmd_anonymous_page()
        if (head < 0) return false; // no huge page: fall back to a small one, as the kernel does
        k.phys.setMapping(head, ANON_MAPPING, 0);
        k.phys.setFolioFlags(head, PG_ANON | PG_SWAPBACKED | PG_LRU | PG_ANON_EXCLUSIVE);
        k.phys.mapcountAdd(head, 1); // the allocation reference becomes the PMD mapping's
        k.memcg.charge(MemCg.LEAF_BYTES); // pgtable_trans_huge_deposit(): the page table a split will need
        long bits = Pte.YOUNG | (vma.has(VM_WRITE_B) ? Pte.WRITE | Pte.DIRTY : 0);
        mm.pmds.set(addr >>> 21, Pte.mk(head, bits));
        mm.rssAnon += HPAGE_NR;
        return true;
    }

    /** is_huge_zero_pmd() (include/linux/huge_mm.h): the PMD maps the huge zero folio. */
    public static boolean isHugeZeroPmd(Globals k, long pmd) {
        return pmd != 0 && k.hugeZeroPfn >= 0 && Pte.pfn(pmd) == k.hugeZeroPfn;
    }

    /**
     * mm_get_huge_zero_folio(): the shared, zeroed order-9 folio, allocated outside ZONE_MOVABLE
     * on first use and kept (the lab has no shrinker). Its mappings take no reference and no
     * mapcount, and count in no RSS. -1 when no huge page is free.
     */
    static long mmGetHugeZeroFolio(Globals k) {
        if (k.hugeZeroPfn < 0) {
            long head = k.phys.allocFolio(Zone.NORMAL, HPAGE_ORDER);
            if (head < 0) return -1;
            k.phys.setFolioFlags(head, PG_ZERO | PG_RESERVED);
            k.hugeZeroPfn = head;
        }
        return k.hugeZeroPfn;
    }

    /**
     * do_huge_zero_wp_pmd() (6.18): a write or unshare fault on the huge zero PMD allocates a new
     * anonymous THP and maps it with map_anon_folio_pmd(), writable where the VMA allows
     * (maybe_pmd_mkwrite(), for an unshare too). False: VM_FAULT_FALLBACK.
     */
    static boolean doHugeZeroWpPmd(Globals k, Mm mm, Vma vma, long addr) {
        long head = k.phys.allocFolio(k.userZone(), HPAGE_ORDER);
        if (head < 0) return false;
        k.phys.setMapping(head, ANON_MAPPING, 0);
        k.phys.setFolioFlags(head, PG_ANON | PG_SWAPBACKED | PG_LRU | PG_ANON_EXCLUSIVE);
        k.phys.mapcountAdd(head, 1);
        mm.pmds.set(addr >>> 21, maybeMkwrite(Pte.mk(head, Pte.YOUNG), vma));
        mm.rssAnon += HPAGE_NR;
        return true;
    }

    /**
     * do_huge_pmd_wp_page(): a write or unshare fault on a read-only PMD-mapped anonymous THP.
     * PageAnonExclusive on the head page, or folio_ref_count() == 1 (the PMD mapping is the only
     * reference: no other mm, no GUP reference), reuses the whole folio in place:
     * folio_move_anon_rmap(), SetPageAnonExclusive(head), and for a write the PMD becomes
     * writable. Returns false for VM_FAULT_FALLBACK (the caller splits the PMD).
     */
    static boolean doHugePmdWpPage(Globals k, Mm mm, Vma vma, long addr, long pmd, boolean unshare) {
        long head = Pte.pfn(pmd);
        if (!k.phys.testPageFlag(head, PG_ANON)) return false;
        if (!k.phys.testPageFlag(head, PG_ANON_EXCLUSIVE)) {
            if (k.phys.refcount(head) != 1) return false;
            k.phys.setPageFlag(head, PG_ANON_EXCLUSIVE, true);
        }
        if (!unshare) mm.pmds.set(addr >>> 21, maybeMkwrite(pmd, vma));
        return true;
    }

    /**
     * __split_huge_pmd(): replaces an anonymous THP PMD leaf by 512 PTEs with the same permissions.
     * A page-cache THP's PMD is only cleared (__split_huge_pmd_locked() for a file VMA: "just go
     * ahead and zap it"): its pages are mapped again by the next faults.
     */
    public static void splitHugePmd(Globals k, Mm mm, long addr) {
        long key = addr >>> 21;
        long pmd = mm.pmds.get(key);
        if (pmd == 0) return;
        long head = Pte.pfn(pmd);
        if (isFilePmd(k, pmd)) {
            zapFilePmd(k, mm, key, pmd);
            return;
        }
        long bits = pmd & (Pte.WRITE | Pte.DIRTY | Pte.YOUNG);
        mm.pmds.set(key, 0);
        k.memcg.uncharge(MemCg.LEAF_BYTES); // pgtable_trans_huge_withdraw(): the deposit becomes the PTE leaf below
        long base = key << (21 - PAGE_SHIFT);
        if (isHugeZeroPmd(k, pmd)) { // __split_huge_zero_page_pmd(): 512 special PTEs of the 4 KiB zero page
            for (int i = 0; i < HPAGE_NR; i++) mm.ptes.set(base + i, Pte.mk(ZERO_PFN, Pte.SPECIAL | (pmd & Pte.YOUNG)));
            return;
        }
        for (int i = 0; i < HPAGE_NR; i++) mm.ptes.set(base + i, Pte.mk(head + i, bits));
        // each PTE now holds its own reference and mapcount
        k.phys.refAdd(head, HPAGE_NR - 1);
        k.phys.mapcountAdd(head, HPAGE_NR - 1);
        // PageAnonExclusive moves from the head to every subpage
        boolean excl = k.phys.testPageFlag(head, PG_ANON_EXCLUSIVE);
        for (int i = 1; i < HPAGE_NR; i++) k.phys.setPageFlag(head + i, PG_ANON_EXCLUSIVE, excl);
    }

    /**
     * zap_huge_pmd(): clears the THP PMD at key, dropping its mapcount and reference and its
     * deposited page table (zap_deposited_table()); the huge zero PMD holds only the deposit.
     */
    static void zapHugePmd(Globals k, Mm mm, long key, long pmd) {
        if (isFilePmd(k, pmd)) {
            zapFilePmd(k, mm, key, pmd);
            return;
        }
        mm.pmds.set(key, 0);
        k.memcg.uncharge(MemCg.LEAF_BYTES); // zap_deposited_table()
        if (isHugeZeroPmd(k, pmd)) return;
        long head = Pte.pfn(pmd);
        if (k.phys.testPageFlag(head, PG_ANON)) mm.rssAnon -= HPAGE_NR; else mm.rssFile -= HPAGE_NR;
        k.phys.mapcountAdd(head, -1);
        k.phys.refAdd(head, -1);
    }

    /** The PMD maps a page-cache (shmem) THP: not anonymous, not the huge zero folio, not hugetlb. */
    public static boolean isFilePmd(Globals k, long pmd) {
        if (isHugeZeroPmd(k, pmd)) return false;
        int fl = k.phys.flags(Pte.pfn(pmd));
        return (fl & (PG_ANON | PG_HUGETLB)) == 0;
    }

    /**
     * The file-VMA leg of zap_huge_pmd() and __split_huge_pmd_locked(): the PMD is cleared, the
     * folio loses that mapping and its reference (folio_remove_rmap_pmd(), folio_put()), the mm
     * HPAGE_PMD_NR pages of MM_SHMEMPAGES or MM_FILEPAGES (mm_counter_file()); a dirty PMD dirties
     * the folio. x86-64 deposits no page table for a file PMD (arch_needs_pgtable_deposit() is
     * false), so no deposit is withdrawn.
     */
    static void zapFilePmd(Globals k, Mm mm, long key, long pmd) {
        long head = Pte.pfn(pmd);
        mm.pmds.set(key, 0);
        if ((pmd & Pte.DIRTY) != 0) k.phys.setFolioFlags(head, PG_DIRTY);
        rssAdd(k, mm, head, -HPAGE_NR);
        k.phys.mapcountAdd(head, -1);
        k.phys.refAdd(head, -1);
    }

    /**
     * do_set_pmd() (mm/memory.c) for the order-9 page-cache folio at {@code head}, which backs the
     * 2 MiB at {@code addr} of a file VMA whose PMD is none: refused (VM_FAULT_FALLBACK, false)
     * where vma_thp_disabled() says so (VM_NOHUGEPAGE; 6.18 only, {@link
     * io.pinlab.kernel.base.Profile#doSetPmdThpDisabled()}) or thp_vma_suitable_order() fails (the
     * 2 MiB is not inside the VMA, or the file offset is not 2 MiB-aligned with the address).
     * Otherwise one PMD leaf maps the folio: folio_add_file_rmap_pmd() (one mapcount, one reference),
     * HPAGE_PMD_NR pages of the file counter; the protection is the VMA's (vm_page_prot: writable in
     * a shared writable shmem mapping, which has no write notify), and a write fault makes it dirty
     * and writable where the VMA allows (maybe_pmd_mkwrite()). No page table is deposited on x86-64.
     */
    static boolean doSetPmd(Globals k, Mm mm, Vma vma, long addr, long head, boolean write) {
        if (k.profile.doSetPmdThpDisabled() && vma.has(VM_NOHUGEPAGE_B)) return false;
        long haddr = addr & ~(HPAGE_SIZE - 1);
        if (haddr < vma.start || haddr + HPAGE_SIZE > vma.end) return false;
        if ((((vma.start >>> PAGE_SHIFT) - vma.pgoff) & (HPAGE_NR - 1)) != 0) return false;
        if (k.phys.order(head) != HPAGE_ORDER) return false; // do_set_pmd(): folio_order() != HPAGE_PMD_ORDER (mm/memory.c)
        long bits = Memory.fileLeafBits(k, vma, head, write); // a write fault here is a shared mapping's (do_cow_fault() copies)
        k.phys.refAdd(head, 1);
        k.phys.mapcountAdd(head, 1);
        rssAdd(k, mm, head, HPAGE_NR);
        mm.pmds.set(haddr >>> 21, Pte.mk(head, bits));
        return true;
    }

    /**
     * try_to_unmap() (mm/rmap.c) of the page-cache pages at page indices [index, index + nr): the
     * rmap walk over the file's VMAs (i_mmap) in every mm clears each PMD leaf and each PTE there
     * that maps a page of the page cache (not anonymous), a dirty one dirtying its folio; anonymous
     * COW copies in private mappings are not the file's pages and stay.
     */
    static void tryToUnmapFile(Globals k, io.pinlab.kernel.fs.Inode in, long index, int nr) {
        vmaIntervalTreeForeach(k, in, index, index + nr, (t, v, s, e) -> {
            Mm mm = t.mm;
            mm.pmds.forEach(s >>> 21, ((e - 1) >>> 21) + 1, (key, pmd) -> {
                if (isFilePmd(k, pmd)) zapFilePmd(k, mm, key, pmd);
            });
            mm.ptes.forEach(s >>> PAGE_SHIFT, e >>> PAGE_SHIFT, (vpn, pte) -> {
                if (!isFilePte(k, pte)) return;
                long p = Pte.pfn(pte);
                mm.ptes.set(vpn, 0);
                if ((pte & Pte.DIRTY) != 0) k.phys.setFolioFlags(p, PG_DIRTY);
                dropMapping(k, mm, p);
            });
        });
    }

    /**
     * split_huge_page_to_list_to_order() (mm/huge_memory.c) of an order-9 page-cache folio to
     * order 0: can_split_folio() wants no reference beyond the mappings and the page cache's 512
     * (a GUP pin or get fails it: -EAGAIN, false, nothing changes); unmap_folio() then removes
     * every mapping (a file folio is not remapped after the split: its pages refault), and each
     * page becomes a folio of its own, in the page cache at its index with the folio's flags.
     */
    public static boolean splitPageCacheFolio(Globals k, long head) {
        if (!(k.phys.mapping(head) instanceof io.pinlab.kernel.fs.Inode in)) return false;
        if (!canSplitFolio(k, head)) return false;
        tryToUnmapFile(k, in, k.phys.index(head), HPAGE_NR);
        k.phys.splitFolio(head, new int[HPAGE_NR], 1);
        return true;
    }

    /**
     * can_split_folio() (mm/huge_memory.c 6.3-6.5; 6.18's __folio_split() asks the same as
     * folio_expected_ref_count() != folio_ref_count() - 1): the large folio's references are its
     * mappings and, for a page-cache folio, the page cache's one per page; nothing else (pinlab
     * counts no reference of the caller's own). An anonymous one's swap-cache references are
     * left out: pinlab has no large swap entries, so no large folio is in the swap cache.
     */
    public static boolean canSplitFolio(Globals k, long head) {
        int extraPins = k.phys.testPageFlag(head, PG_ANON) ? 0 : HPAGE_NR;
        return k.phys.mapcount(head) == k.phys.refcount(head) - extraPins;
    }

    /**
     * copy_huge_pmd(): the child maps the huge zero folio too; a maybe-DMA-pinned exclusive
     * anonymous THP is split in the parent (the PTE copy then copies it page by page); any other
     * THP is shared, write-protected in both for a COW mapping, with a deposit for the child.
     */
    static void copyHugePmd(Globals k, Mm src, Mm dst, Vma sv, long key, long pmd, ForkStats stats) {
        if (isFilePmd(k, pmd)) return; // "Skip if can be re-fill on fault": the child's faults map the page-cache THP
        if (!copyFits(k, stats)) return;
        if (isHugeZeroPmd(k, pmd)) {
            dst.pmds.set(key, pmd & ~Pte.YOUNG);
            return;
        }
        long head = Pte.pfn(pmd);
        if (k.phys.testPageFlag(head, PG_ANON) && k.phys.testPageFlag(head, PG_ANON_EXCLUSIVE) && needsCowForDma(k, src, sv, head)) {
            splitHugePmd(k, src, key << 21);
            return;
        }
        dupPmd(k, src, dst, sv, key, pmd, stats);
        k.memcg.charge(MemCg.LEAF_BYTES); // pte_alloc_one() for the child's deposit
    }

    /**
     * The sharing leg of copy_huge_pmd() and copy_hugetlb_page_range(): one more reference and
     * mapcount, PageAnonExclusive cleared (folio_try_dup_anon_rmap_pmd()), both PMDs write
     * protected for a COW mapping; stats.cowPages counts the anonymous pages now copy-on-write.
     */
    static void dupPmd(Globals k, Mm src, Mm dst, Vma sv, long key, long pmd, ForkStats stats) {
        dupHugeLeaf(k, src.pmds, dst.pmds, dst, sv, key, pmd, HPAGE_NR, stats);
    }

    /** dupPmd() at either huge level: {@code srcTable}/{@code dstTable} hold the PMD or PUD leaves, {@code nr} pages each. */
    static void dupHugeLeaf(Globals k, XArray srcTable, XArray dstTable, Mm dst, Vma sv, long key, long leaf, int nr, ForkStats stats) {
        long head = Pte.pfn(leaf);
        boolean anon = k.phys.testPageFlag(head, PG_ANON);
        k.phys.refAdd(head, 1);
        k.phys.mapcountAdd(head, 1);
        if (anon) k.phys.setPageFlag(head, PG_ANON_EXCLUSIVE, false);
        if (sv.isCowMapping() && Pte.write(leaf)) {
            leaf = Pte.wrprotect(leaf);
            srcTable.set(key, leaf);
        }
        dstTable.set(key, leaf & ~Pte.YOUNG);
        if (anon) { dst.rssAnon += nr; stats.cowPages += nr; } else dst.rssFile += nr;
    }
}
