package io.pinlab.kernel.mm;

import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.fs.FsType;
import io.pinlab.kernel.fs.Inode;

import static io.pinlab.kernel.mm.PhysMem.*;
import static io.pinlab.kernel.mm.VmFlag.*;

/**
 * mm/memory.c: handle_mm_fault() and the faults on small pages (do_anonymous_page(), do_fault(),
 * do_wp_page()), zapping, remap_pfn_range() and fork's page-table copy (copy_page_range()).
 * Huge PMDs are handled in {@link HugeMemory} (THP) and {@link Hugetlb}; a user's own load or
 * store enters through {@link UserAccess}. {@link #findOrCreateCachePage} is the page-cache lookup
 * the file fault path calls (filemap_get_folio(), mm/filemap.c; shmem_get_folio(), mm/shmem.c).
 *
 * Page state conventions used everywhere:
 * - every present, non-special PTE holds one folio reference and one mapcount; a PMD leaf holds
 *   one of each for the whole folio;
 * - a page-cache folio holds one extra reference for the cache itself;
 * - the zero page and VM_PFNMAP memory are mapped with special PTEs and never refcounted by
 *   mapping;
 * - anonymous pages carry PG_ANON and, while only this mm may write them, PG_ANON_EXCLUSIVE.
 */
public final class Memory {
    // enum fault_flag (include/linux/mm_types.h)
    public static final int FAULT_FLAG_WRITE = 1 << 0;
    public static final int FAULT_FLAG_ALLOW_RETRY = 1 << 2;
    public static final int FAULT_FLAG_RETRY_NOWAIT = 1 << 3;
    public static final int FAULT_FLAG_KILLABLE = 1 << 4;
    public static final int FAULT_FLAG_TRIED = 1 << 5;
    public static final int FAULT_FLAG_USER = 1 << 6;
    public static final int FAULT_FLAG_REMOTE = 1 << 7;
    public static final int FAULT_FLAG_INTERRUPTIBLE = 1 << 9;
    public static final int FAULT_FLAG_UNSHARE = 1 << 10;

    // vm_fault_t (include/linux/mm_types.h)
    public static final int VM_FAULT_OK = 0;
    public static final int VM_FAULT_OOM = 0x000001;
    public static final int VM_FAULT_SIGBUS = 0x000002;
    public static final int VM_FAULT_SIGSEGV = 0x000040;

    /** Marks a folio as anonymous in folio->mapping (an anon_vma stands behind it in the kernel). */
    public static final String ANON_MAPPING = "anon_vma";

    private Memory() {}

    /** The PTE (or PMD leaf converted to the subpage) mapping addr, 0 if none. */
    public static long followPte(Mm mm, long addr) {
        long pud = mm.puds.isEmpty() ? 0 : mm.puds.get(addr >>> 30);
        if (pud != 0) {
            long sub = (addr >>> PAGE_SHIFT) & (PUD_NR - 1);
            return Pte.mk(Pte.pfn(pud) + sub, pud & ~(Pte.PRESENT) & 0xfff);
        }
        long pmd = mm.pmds.get(addr >>> 21);
        if (pmd != 0) {
            long sub = (addr >>> PAGE_SHIFT) & (HPAGE_NR - 1);
            return Pte.mk(Pte.pfn(pmd) + sub, pmd & ~(Pte.PRESENT) & 0xfff);
        }
        return mm.ptes.get(addr >>> PAGE_SHIFT);
    }

    /** True when addr is mapped by a PMD leaf (THP or hugetlb). */
    public static boolean pmdMapped(Mm mm, long addr) { return mm.pmds.get(addr >>> 21) != 0; }

    /**
     * handle_mm_fault(): resolves one fault at addr in vma. The caller has already checked that
     * the access is allowed (access() against the VMA permissions, GUP through check_vma_flags()).
     * Returns VM_FAULT_* bits (0 on success).
     */
    public static int handleMmFault(Globals k, Mm mm, Vma vma, long addr, int faultFlags) {
        // mem_cgroup_charge() / pte_alloc() below may need up to MemCg.FAULT_BYTES: when that does
        // not fit, the memcg OOM killer runs; the fault fails if it killed the faulting process
        if (k.memcg.margin() < MemCg.FAULT_BYTES && !OomKill.memcgOutOfMemory(k, mm)) return VM_FAULT_OOM;
        boolean write = (faultFlags & FAULT_FLAG_WRITE) != 0;
        boolean unshare = (faultFlags & FAULT_FLAG_UNSHARE) != 0;
        if (vma.isHugetlb()) return Hugetlb.hugetlbFault(k, mm, vma, addr, write, unshare);

        long pmd = mm.pmds.get(addr >>> 21);
        if (pmd != 0) {
            if (!write && !unshare) return VM_FAULT_OK;
            if (write && Pte.write(pmd)) return VM_FAULT_OK;
            if (HugeMemory.isHugeZeroPmd(k, pmd)) {
                // 6.18 do_huge_zero_wp_pmd() maps a new THP; 6.3-6.5 (and 6.18 without a free huge
                // page) fall back: 512 zero-page PTEs, then do_wp_page() copies one 4 KiB page
                if (k.profile.hugeZeroWpAllocatesThp() && HugeMemory.doHugeZeroWpPmd(k, mm, vma, addr)) return VM_FAULT_OK;
            } else if (HugeMemory.doHugePmdWpPage(k, mm, vma, addr, pmd, unshare)) {
                return VM_FAULT_OK;
            }
            HugeMemory.splitHugePmd(k, mm, addr); // VM_FAULT_FALLBACK: __split_huge_pmd(), then do_wp_page() on the one PTE below
        }

        long vpn = addr >>> PAGE_SHIFT;
        long pte = mm.ptes.get(vpn);
        if (pte == 0) {
            // create_huge_pmd(): an empty PMD in a THP-eligible range tries a huge page first
            if (vma.ops == VmOps.ANON && HugeMemory.thpEligible(mm, vma, addr)
                    && HugeMemory.doHugePmdAnonymousPage(k, mm, vma, addr, write)) return VM_FAULT_OK;
            return switch (vma.ops) {
                case ANON -> doAnonymousPage(k, mm, vma, addr, write);
                case FILE, FSDAX, SHMEM, SECRETMEM -> doFault(k, mm, vma, addr, write);
                case DEVICE -> VM_FAULT_SIGBUS; // remap_pfn_range() populated it at mmap time
                case HUGETLB -> VM_FAULT_SIGBUS;
            };
        }
        if (Pte.isSwap(pte)) return doSwapPage(k, mm, vma, addr, pte, faultFlags);
        if (write && Pte.write(pte)) return VM_FAULT_OK;
        if (!write && !unshare) return VM_FAULT_OK;
        return doWpPage(k, mm, vma, addr, pte, unshare);
    }

    /**
     * do_swap_page() (mm/memory.c): a fault on a swap PTE. The folio is the swap cache's, or a new
     * one read from the slot into the swap cache (swapin_readahead(); the session's swapfile is not
     * SWP_SYNCHRONOUS_IO, so the cache is always used). swap_free() drops the PTE's count;
     * should_try_to_free_swap() lets the folio leave the cache when swap is more than half full
     * (vm_swap_full()), the VMA is mlocked, or a write fault finds the cache's and its own reference
     * the only ones. An exclusive swap entry (pte_swp_exclusive()), or a folio whose only
     * reference is ours, is mapped PageAnonExclusive and writable where the VMA is (even on a read
     * fault); otherwise read-only and shared, and a write then goes to do_wp_page().
     */
    static int doSwapPage(Globals k, Mm mm, Vma vma, long addr, long pte, int faultFlags) {
        SwapInfo si = k.swap;
        long slot = Pte.swpOffset(pte);
        long pfn = swapinFolio(k, slot);
        if (pfn < 0) return VM_FAULT_OOM;
        boolean write = (faultFlags & FAULT_FLAG_WRITE) != 0;
        boolean exclusive = Pte.swpExclusive(pte);
        si.swapFree(slot);
        mm.rssSwap--;
        if (si.vmSwapFull() || vma.has(VM_LOCKED_B) || (write && k.phys.refcount(pfn) == 2)) si.folioFreeSwap(k.phys, pfn);
        mm.rssAnon++;
        k.phys.mapcountAdd(pfn, 1);
        long bits = Pte.YOUNG;
        if (exclusive || k.phys.refcount(pfn) == 1) {
            k.phys.setPageFlag(pfn, PG_ANON_EXCLUSIVE, true); // RMAP_EXCLUSIVE
            if (vma.has(VM_WRITE_B)) bits |= Pte.WRITE | (write ? Pte.DIRTY : 0);
        }
        anonVmaPrepare(mm, vma);
        mm.ptes.set(addr >>> PAGE_SHIFT, Pte.mk(pfn, bits));
        if (write && (bits & Pte.WRITE) == 0) return doWpPage(k, mm, vma, addr, Pte.mk(pfn, bits), false);
        return VM_FAULT_OK;
    }

    /** pte_mkdirty() + maybe_mkwrite() (include/linux/mm.h): write permission only where the VMA has VM_WRITE (a FOLL_FORCE write may fault without it). */
    static long maybeMkwrite(long pte, Vma vma) {
        return pte | Pte.DIRTY | (vma.has(VM_WRITE_B) ? Pte.WRITE : 0);
    }

    /** anon_vma_prepare() (mm/rmap.c): the VMA gets its anon_vma with its first anonymous page. */
    static void anonVmaPrepare(Mm mm, Vma vma) {
        if (vma.anonVma == 0) vma.anonVma = ++mm.anonVmaSeq;
    }

    /**
     * do_anonymous_page(): a read maps the shared zero page read-only, a write a new exclusive
     * anonymous page.
     */
    private static int doAnonymousPage(Globals k, Mm mm, Vma vma, long addr, boolean write) {
        if (!write) { // map the shared zero page read-only
            mm.ptes.set(addr >>> PAGE_SHIFT, Pte.mk(ZERO_PFN, Pte.SPECIAL | Pte.YOUNG));
            return VM_FAULT_OK;
        }
        anonVmaPrepare(mm, vma);
        long pfn = newAnonPage(k);
        if (pfn < 0) return VM_FAULT_OOM;
        mm.ptes.set(addr >>> PAGE_SHIFT, Pte.mk(pfn, Pte.YOUNG | Pte.DIRTY | (vma.has(VM_WRITE_B) ? Pte.WRITE : 0)));
        mm.rssAnon++;
        return VM_FAULT_OK;
    }

    /** Folio flags of a new anonymous page (folio_add_new_anon_rmap(), folio_add_lru_vma()), PageAnonExclusive included. */
    static final int NEW_ANON_FLAGS = PG_ANON | PG_SWAPBACKED | PG_LRU | PG_ANON_EXCLUSIVE;

    /** A fresh, zeroed, exclusive anonymous small page, refcount 1 and mapcount 1 (for its PTE). */
    static long newAnonPage(Globals k) {
        return k.phys.allocMappedPage(k.userZone(), 1, NEW_ANON_FLAGS, ANON_MAPPING);
    }

    /**
     * do_anonymous_page() write faults on the {@code n} none PTEs from {@code addr}, for GUP
     * (faultin_page(), then follow_page_pte() and try_grab_folio() on the new page): the caller has
     * checked that the range lies in one page table of a writable anonymous VMA that is not
     * THP-eligible, and that handle_mm_fault() would find each PTE none. Each page gets refcount
     * {@code refcount} (1 for its PTE plus GUP's reference) and {@code extraFlags} (FOLL_TOUCH's
     * PG_referenced) with its allocation, so one frame update does what the page-by-page path does
     * in several. Stops before a page whose fault would not fit the memcg (handle_mm_fault()'s
     * check, where the OOM killer runs) or find no frame; the caller faults that page the ordinary
     * way. Returns the pages mapped; their pfns go to {@code pfns[off..]}.
     */
    static int doAnonymousPages(Globals k, Mm mm, Vma vma, long addr, int n, int refcount, int extraFlags, long[] pfns, int off) {
        if (n == 0 || k.memcg.margin() < MemCg.FAULT_BYTES) return 0;
        anonVmaPrepare(mm, vma);
        Zone zone = k.userZone();
        int flags = NEW_ANON_FLAGS | extraFlags;
        long vpn = addr >>> PAGE_SHIFT;
        long bits = Pte.YOUNG | Pte.DIRTY | Pte.WRITE;
        // the first page alone: its PTE may need the page table, charged before the next fault's check
        long first = k.phys.allocMappedPage(zone, refcount, flags, ANON_MAPPING);
        if (first < 0) return 0;
        mm.ptes.set(vpn, Pte.mk(first, bits));
        pfns[off] = first;
        int done = 1 + k.phys.allocMappedPages(zone, n - 1, refcount, flags, ANON_MAPPING, MemCg.FAULT_BYTES, pfns, off + 1);
        for (int j = 1; j < done; j++) mm.ptes.set(vpn + j, Pte.mk(pfns[off + j], bits));
        mm.rssAnon += done;
        return done;
    }

    /** do_read_fault() / do_cow_fault() / do_shared_fault() for page-cache backed VMAs. */
    private static int doFault(Globals k, Mm mm, Vma vma, long addr, boolean write) {
        Inode inode = vma.file.inode();
        long index = vma.pageIndex(addr);
        // filemap_fault()/shmem_fault(): a page wholly past EOF is SIGBUS
        if (index >= (inode.size + PAGE_SIZE - 1) >>> PAGE_SHIFT) return VM_FAULT_SIGBUS;
        long cached = findOrCreateCachePage(k, inode, index);
        if (cached < 0) return VM_FAULT_OOM;
        long vpn = addr >>> PAGE_SHIFT;
        if (write && !vma.has(VM_SHARED_B)) { // do_cow_fault(): private copy as anon
            anonVmaPrepare(mm, vma);
            long pfn = newAnonPage(k);
            if (pfn < 0) return VM_FAULT_OOM;
            k.phys.copyPage(pfn, cached);
            mm.ptes.set(vpn, Pte.mk(pfn, Pte.YOUNG | Pte.DIRTY | (vma.has(VM_WRITE_B) ? Pte.WRITE : 0)));
            mm.rssAnon++;
            return VM_FAULT_OK;
        }
        if (k.phys.isLarge(cached)) return finishFaultLarge(k, mm, vma, addr, cached, write);
        k.phys.refAdd(cached, 1);
        k.phys.mapcountAdd(cached, 1);
        mm.ptes.set(vpn, Pte.mk(cached, fileLeafBits(k, vma, cached, write)));
        if (inode.isShmem() || vma.isSecretmem()) mm.rssShmem++; else mm.rssFile++;
        return VM_FAULT_OK;
    }

    /**
     * The bits of a page-cache leaf that finish_fault() installs (set_pte_range(); do_set_pmd() for a
     * PMD): young; in a shared writable mapping (do_shared_fault(): page_mkwrite on write) writable on
     * a write, or at once where no write-notify keeps dirty-tracked pages read-only until the first
     * write (shmem), and dirty, with the folio, on a write.
     */
    static long fileLeafBits(Globals k, Vma vma, long folio, boolean write) {
        long bits = Pte.YOUNG;
        if (vma.has(VM_SHARED_B | VM_WRITE_B)) {
            if (write || !vma.needsDirtyTracking()) bits |= Pte.WRITE;
            if (write) {
                bits |= Pte.DIRTY;
                k.phys.setFolioFlags(folio, PG_DIRTY);
            }
        }
        return bits;
    }

    /**
     * finish_fault() for page {@code page} of a large (order-9, shmem) page-cache folio, on a read
     * fault or a write fault of a shared mapping (do_cow_fault() copies 4 KiB and never gets here).
     * With the PMD none (pinlab: no PTE in the 2 MiB, as it keeps no empty page tables) do_set_pmd()
     * maps the whole folio by PMD where allowed ({@link HugeMemory#doSetPmd}); otherwise PTEs:
     * 6.18 (set_pte_range() with nr_pages) maps all 512 pages when the folio lies inside the VMA and
     * one page table and all their PTEs are none, else the faulting page only; 6.3-6.5 always the
     * faulting page only. Each PTE holds a reference and a mapcount of the folio.
     */
    private static int finishFaultLarge(Globals k, Mm mm, Vma vma, long addr, long page, boolean write) {
        long head = k.phys.head(page);
        long haddr = addr & ~(HPAGE_SIZE - 1);
        boolean noPtes = nonePtes(mm, haddr, HPAGE_NR); // doSetPmd() changes nothing when it refuses
        if (!pmdMapped(mm, addr) && noPtes && HugeMemory.doSetPmd(k, mm, vma, addr, head, write)) return VM_FAULT_OK;
        long idx = page - head, first = page, at = addr;
        int nr = 1;
        if (k.profile.finishFaultWholeFolio()) {
            long vmaOff = vma.pageIndex(addr) - vma.pgoff, pteOff = (addr >>> PAGE_SHIFT) & (HPAGE_NR - 1);
            boolean fits = vmaOff >= idx && vmaOff + (HPAGE_NR - idx) <= vma.pages() && pteOff == idx;
            if (fits && noPtes) {
                nr = HPAGE_NR;
                first = head;
                at = haddr;
            }
        }
        long bits = fileLeafBits(k, vma, head, write);
        long vpn = at >>> PAGE_SHIFT;
        for (int i = 0; i < nr; i++) mm.ptes.set(vpn + i, Pte.mk(first + i, bits));
        k.phys.refAdd(head, nr);
        k.phys.mapcountAdd(head, nr);
        rssAdd(k, mm, head, nr);
        return VM_FAULT_OK;
    }

    /** pte_range_none(): no PTE (present or swap) among the {@code n} from {@code addr}. */
    static boolean nonePtes(Mm mm, long addr, int n) {
        boolean[] any = {false};
        mm.ptes.forEach(addr >>> PAGE_SHIFT, (addr >>> PAGE_SHIFT) + n, (vpn, pte) -> any[0] = true);
        return !any[0];
    }

    /**
     * filemap_get_folio() (mm/filemap.c) / shmem_get_folio() (mm/shmem.c): the page-cache page at
     * index; if absent, a new page filled from the file's blocks on disk ({@link Inode#disk}, zero
     * for a hole or a shmem page); a shmem swap entry is swapped in ({@link #shmemSwapin}).
     */
    public static long findOrCreateCachePage(Globals k, Inode inode, long index) {
        long pfn = inode.pageCache.get(index);
        if (pfn > 0) return pfn;
        if (pfn < 0) return shmemSwapin(k, inode, index, -pfn);
        pfn = k.phys.allocFolio(k.userZone(), 0); // page cache is movable memory too (GFP_HIGHUSER_MOVABLE)
        if (pfn < 0) return -1;
        k.phys.setMapping(pfn, inode, index);
        int fl = PG_LRU | (inode.isShmem() ? PG_SWAPBACKED : 0)
                | (inode.fs() == FsType.SECRETMEM ? PG_SECRETMEM : 0);
        k.phys.setFolioFlags(pfn, fl);
        // filemap_read_folio(): contents that reclaim dropped come back from disk (a new pfn)
        if (!inode.disk.isEmpty()) k.phys.setValue(pfn, inode.disk.set(index, 0));
        inode.pageCache.set(index, pfn); // the allocation reference is the page cache's
        return pfn;
    }

    /**
     * shmem_swapin_folio() (mm/shmem.c, the same in 6.3 and the 6.19 tree): the swap entry that
     * shmem_writeout() left in the page cache at index is read into a new folio, which
     * shmem_add_to_page_cache() puts in its place; the folio leaves the swap cache, is marked dirty
     * (its only copy is in memory again) and swap_free_nr() frees the slot. -1 when no page is free.
     */
    public static long shmemSwapin(Globals k, Inode inode, long index, long slot) {
        long pfn = k.phys.allocFolio(k.userZone(), 0);
        if (pfn < 0) return -1;
        k.phys.setValue(pfn, k.swap.data(slot));
        k.phys.setMapping(pfn, inode, index);
        k.phys.setFolioFlags(pfn, PG_LRU | PG_SWAPBACKED | PG_DIRTY);
        inode.pageCache.set(index, pfn);
        k.swap.swapFree(slot);
        return pfn;
    }

    /** shmem_free_swap() (mm/shmem.c): truncation frees the slot of a swapped-out shmem page. */
    public static void shmemFreeSwap(Globals k, long slot) { k.swap.swapFree(slot); }

    /** do_wp_page(): write (or unshare) fault on a present, read-only PTE. */
    private static int doWpPage(Globals k, Mm mm, Vma vma, long addr, long pte, boolean unshare) {
        long vpn = addr >>> PAGE_SHIFT;
        long pfn = Pte.pfn(pte);
        boolean isZero = pfn == ZERO_PFN;
        if (!isZero && !Pte.special(pte)) {
            int fl = k.phys.flags(pfn);
            if ((fl & PG_ANON) != 0) {
                if ((fl & PG_ANON_EXCLUSIVE) != 0) { // already exclusive: reuse
                    if (!unshare) mm.ptes.set(vpn, maybeMkwrite(pte, vma));
                    return VM_FAULT_OK;
                }
                if (wpCanReuseAnonFolio(k, mm, addr, pfn)) {
                    k.phys.setPageFlag(pfn, PG_ANON_EXCLUSIVE, true);
                    if (!unshare) mm.ptes.set(vpn, maybeMkwrite(pte, vma));
                    return VM_FAULT_OK;
                }
            } else if (vma.has(VM_SHARED_B)) { // wp_page_shared(): page_mkwrite, mark dirty
                k.phys.setFolioFlags(pfn, PG_DIRTY);
                mm.ptes.set(vpn, maybeMkwrite(pte, vma));
                return VM_FAULT_OK;
            }
        }
        // wp_page_copy(): a private copy, exclusive to this mm
        anonVmaPrepare(mm, vma);
        long npfn = newAnonPage(k);
        if (npfn < 0) return VM_FAULT_OOM;
        if (!isZero && k.phys.isRam(pfn)) k.phys.copyPage(npfn, pfn); // device memory (PFNMAP) reads as 0 here
        boolean writable = !unshare && vma.has(VM_WRITE_B);
        mm.ptes.set(vpn, Pte.mk(npfn, Pte.YOUNG | (writable ? Pte.WRITE | Pte.DIRTY : 0)));
        if (!isZero && !Pte.special(pte)) dropMapping(k, mm, pfn);
        mm.rssAnon++;
        return VM_FAULT_OK;
    }

    /**
     * wp_can_reuse_anon_folio() (mm/memory.c, 6.18): may a not-exclusive anonymous page be reused
     * by a write or unshare fault? A small folio: folio_ref_count() == 1, the only reference is
     * our PTE. A large folio goes to __wp_can_reuse_large_anon_folio() when the profile has it;
     * older kernels (6.3-6.5 do_wp_page()) apply the generic folio_ref_count() == 1 test to large
     * folios too, so a THP's last remaining PTE is reused.
     */
    static boolean wpCanReuseAnonFolio(Globals k, Mm mm, long addr, long pfn) {
        if (k.phys.isLarge(pfn) && k.profile.largeAnonFolioReuse()) return wpCanReuseLargeAnonFolio(k, mm, addr, pfn);
        // a swap-cache folio: its cache reference is dropped first when no swap PTE names its slot
        // any more (folio_free_swap()), the same in 6.3-6.5 do_wp_page()
        boolean swapcache = k.phys.testPageFlag(pfn, PG_SWAPCACHE);
        if (k.phys.refcount(pfn) > 1 + (swapcache ? 1 : 0)) return false;
        if (swapcache) k.swap.folioFreeSwap(k.phys, pfn);
        return k.phys.refcount(pfn) == 1;
    }

    /**
     * __wp_can_reuse_large_anon_folio() (mm/memory.c, 6.18): a PTE-mapped large anonymous folio
     * is reused when it is mapped more than once (folio_large_mapcount() > 1; a single mapping is
     * left to be copied so the large folio can be freed), FOLIO_MM_IDS_SHARED_BIT is clear (no
     * other mm maps it any more) and every reference is a mapping (folio_large_mapcount() ==
     * folio_ref_count(): no GUP reference, no pin).
     */
    static boolean wpCanReuseLargeAnonFolio(Globals k, Mm mm, long addr, long pfn) {
        int mapcount = k.phys.mapcount(pfn);
        if (mapcount <= 1) return false;
        if (folioMmIdsShared(k, mm, addr, pfn)) return false;
        return mapcount == k.phys.refcount(pfn);
    }

    /**
     * FOLIO_MM_IDS_SHARED_BIT (include/linux/rmap.h folio_add_return_large_mapcount() /
     * folio_sub_return_large_mapcount()): set while the folio's mappings are not all owned by
     * one mm. Computed here by looking at the other mms at the folio's virtual range (anonymous
     * folios keep their address across fork); the kernel tracks two mm ids, so with three or
     * more mms it can stay set where this says clear (a difference this lab does not show).
     */
    static boolean folioMmIdsShared(Globals k, Mm mm, long addr, long pfn) {
        long head = k.phys.head(pfn);
        long vstart = (addr >>> PAGE_SHIFT) - (pfn - head);
        java.util.Set<Mm> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        seen.add(mm);
        for (Task t : k.tasks.values()) {
            if (t.mm == null || !seen.add(t.mm)) continue;
            boolean[] found = {false};
            t.mm.ptes.forEach(vstart, vstart + HPAGE_NR, (vpn, pte) -> {
                if (!Pte.special(pte) && k.phys.isRam(Pte.pfn(pte)) && Pte.pfn(pte) - head >= 0 && Pte.pfn(pte) - head < HPAGE_NR) found[0] = true;
            });
            long pmd = t.mm.pmds.get(vstart >>> (21 - PAGE_SHIFT));
            if (found[0] || (pmd != 0 && Pte.pfn(pmd) == head)) return true;
        }
        return false;
    }

    /**
     * A present PTE that vm_normal_page() (mm/memory.c) gives a page for, and the page is not
     * anonymous (!folio_test_anon()): it maps a page-cache folio. Special PTEs (the zero page, raw
     * pfns), device memory and swap entries are not; {@link HugeMemory#isFilePmd} is the PMD's test.
     */
    public static boolean isFilePte(Globals k, long pte) {
        return Pte.present(pte) && !Pte.special(pte) && k.phys.isRam(Pte.pfn(pte)) && !k.phys.testPageFlag(Pte.pfn(pte), PG_ANON);
    }

    /** What {@link #vmaIntervalTreeForeach} hands each VMA: its task, and the addresses [start, end) of the pages in range. */
    @FunctionalInterface
    public interface IMmapVisitor {
        void visit(Task t, Vma vma, long start, long end);
    }

    /**
     * vma_interval_tree_foreach(vma, &mapping->i_mmap, first, last - 1) (mm/interval_tree.c), the
     * walk of rmap_walk_file() (mm/rmap.c) and unmap_mapping_range_tree() (mm/memory.c): every VMA
     * that maps some of the file's page indices [first, last), with the addresses of those pages
     * (unmap_mapping_range_tree()'s zba-zea). pinlab keeps no i_mmap tree and asks each live mm's
     * VMAs; the visitor may change page tables, not the VMA tree.
     */
    public static void vmaIntervalTreeForeach(Globals k, Inode in, long first, long last, IMmapVisitor visitor) {
        for (Task t : k.tasks.values()) {
            if (t.mm == null) continue; // an exited task
            for (Vma v : t.mm.vmas.values()) {
                if (v.file == null || v.file.inode() != in) continue;
                long lo = Math.max(v.pgoff, first), hi = Math.min(v.pgoff + v.pages(), last);
                if (lo < hi) visitor.visit(t, v, v.start + ((lo - v.pgoff) << PAGE_SHIFT), v.start + ((hi - v.pgoff) << PAGE_SHIFT));
            }
        }
    }

    /** Drops one PTE mapping of pfn: mapcount and reference, and the RSS counter it was in. */
    static void dropMapping(Globals k, Mm mm, long pfn) {
        rssAdd(k, mm, pfn, -1);
        k.phys.mapcountAdd(pfn, -1);
        k.phys.refAdd(pfn, -1);
    }

    /** add_mm_counter(mm, mm_counter(folio), delta): MM_ANONPAGES, MM_SHMEMPAGES or MM_FILEPAGES by the folio's mapping. */
    static void rssAdd(Globals k, Mm mm, long pfn, int delta) {
        Object mapping = k.phys.mapping(pfn);
        if (mapping == ANON_MAPPING) mm.rssAnon += delta;
        else if (mapping instanceof Inode in && (in.isShmem() || in.fs() == FsType.SECRETMEM)) mm.rssShmem += delta;
        else mm.rssFile += delta;
    }

    /**
     * zap_page_range_single() -> unmap_single_vma(): removes every mapping in [start, end) of vma,
     * dropping the mapping references (pinned folios stay allocated while pins hold them).
     * hugetlb VMAs go to __unmap_hugepage_range(); a THP PMD that the range only partly covers
     * is split first (zap_pmd_range()).
     */
    public static void zapRange(Globals k, Mm mm, Vma vma, long start, long end) {
        if (vma.isHugetlb()) {
            Hugetlb.unmapHugepageRange(k, mm, vma, start, end);
            return;
        }
        mm.pmds.forEach(start >>> 21, ((end - 1) >>> 21) + 1, (key, pmd) -> {
            long hs = key << 21;
            if (hs < start || hs + HPAGE_SIZE > end) HugeMemory.splitHugePmd(k, mm, hs);
            else HugeMemory.zapHugePmd(k, mm, key, pmd);
        });
        mm.ptes.forEach(start >>> PAGE_SHIFT, end >>> PAGE_SHIFT, (vpn, pte) -> {
            mm.ptes.set(vpn, 0);
            if (Pte.isSwap(pte)) { // zap_nonpresent_ptes(): MM_SWAPENTS--, free_swap_and_cache()
                mm.rssSwap--;
                k.swap.freeSwapAndCache(k.phys, Pte.swpOffset(pte));
                return;
            }
            if (Pte.special(pte)) return;
            long pfn = Pte.pfn(pte);
            boolean swapcache = k.phys.testPageFlag(pfn, PG_SWAPCACHE);
            dropMapping(k, mm, pfn);
            if (swapcache) freeSwapCache(k, pfn);
        });
    }

    /**
     * swap_cache_get_folio(), else __read_swap_cache_async() (mm/swap_state.c): the slot's folio
     * with a reference for the caller's mapping, read into a new folio in the swap cache when the
     * cache has none; -1 when no page is free. The folio is anonymous from here on (the kernel's
     * folio_add_new_anon_rmap() / folio_add_anon_rmap_ptes() as it gets mapped).
     */
    static long swapinFolio(Globals k, long slot) {
        SwapInfo si = k.swap;
        long pfn = si.cacheFolio(slot);
        if (pfn != 0) {
            k.phys.refAdd(pfn, 1);
            return pfn;
        }
        pfn = k.phys.allocFolio(k.userZone(), 0);
        if (pfn < 0) return -1;
        k.phys.setMapping(pfn, ANON_MAPPING, 0);
        k.phys.setFolioFlags(pfn, PG_ANON | PG_SWAPBACKED | PG_LRU);
        k.phys.setValue(pfn, si.data(slot));
        si.addToSwapCache(k.phys, pfn, slot); // the allocation reference is the caller's
        return pfn;
    }

    /** free_swap_cache() (mm/swap_state.c), as the TLB flush after a zap frees pages: an unmapped swap-cache folio leaves the cache if its slot is no longer swapped. */
    static void freeSwapCache(Globals k, long pfn) {
        if (k.phys.mapcount(pfn) == 0) k.swap.folioFreeSwap(k.phys, pfn);
    }

    /** remap_pfn_range(): special PTEs to the device's pfns, set up at mmap time. */
    static void remapPfnRange(Mm mm, Vma vma) {
        long bits = Pte.SPECIAL | (vma.has(VM_WRITE_B) && vma.has(VM_SHARED_B) ? Pte.WRITE : 0);
        for (long a = vma.start; a < vma.end; a += PAGE_SIZE)
            mm.ptes.set(a >>> PAGE_SHIFT, Pte.mk(Mmap.MMIO_BASE_PFN + vma.pageIndex(a), bits));
    }

    // ================================================================ fork: copy_page_range()

    /**
     * copy_page_range(): copy_hugetlb_page_range() for hugetlb VMAs, else PMD leaves first
     * (copy_huge_pmd()), then PTEs (copy_pte_range()). Counts into {@code stats}.
     */
    static void copyPageRange(Globals k, Mm src, Mm dst, Vma sv, Vma dv, ForkStats stats) {
        if (sv.isHugetlb()) {
            Hugetlb.copyHugetlbPageRange(k, src, dst, sv, dv, stats);
            return;
        }
        src.pmds.forEach(sv.start >>> 21, ((sv.end - 1) >>> 21) + 1, (key, pmd) -> HugeMemory.copyHugePmd(k, src, dst, sv, key, pmd, stats));
        src.ptes.forEach(sv.start >>> PAGE_SHIFT, sv.end >>> PAGE_SHIFT, (vpn, pte) -> {
            if (Pte.isSwap(pte)) copyNonpresentPte(k, src, dst, vpn, pte, stats);
            else copyPresentPte(k, src, dst, sv, dv, vpn, pte, stats);
        });
    }

    /**
     * copy_nonpresent_pte() for a swap entry: swap_duplicate() counts the child's PTE, and the
     * entry stops being exclusive in both (pte_swp_clear_exclusive() on the parent's PTE): after a
     * swap-in either process must treat the page as possibly shared.
     */
    private static void copyNonpresentPte(Globals k, Mm src, Mm dst, long vpn, long pte, ForkStats stats) {
        if (!copyFits(k, stats)) return;
        k.swap.swapDuplicate(Pte.swpOffset(pte));
        long shared = pte & ~Pte.SWP_EXCLUSIVE;
        if (shared != pte) src.ptes.set(vpn, shared);
        dst.ptes.set(vpn, shared);
        dst.rssSwap++;
    }

    /**
     * copy_present_pte(): special PTEs (zero page, PFNMAP) are copied as they are; file pages gain
     * a reference and a mapcount; anonymous pages become shared COW pages
     * (folio_try_dup_anon_rmap_pte() clears PageAnonExclusive, both PTEs lose write) unless the
     * page is exclusive and folio_needs_cow_for_dma(): then copy_present_page() gives the child a
     * private copy and leaves the parent's PTE writable and exclusive.
     */
    private static void copyPresentPte(Globals k, Mm src, Mm dst, Vma sv, Vma dv, long vpn, long pte, ForkStats stats) {
        if (!copyFits(k, stats)) return;
        long pfn = Pte.pfn(pte);
        boolean cow = sv.isCowMapping();
        if (Pte.special(pte)) {
            dst.ptes.set(vpn, pte & ~Pte.YOUNG);
            return;
        }
        int fl = k.phys.flags(pfn);
        if ((fl & PG_ANON) != 0) {
            if ((fl & PG_ANON_EXCLUSIVE) != 0 && needsCowForDma(k, src, sv, pfn)) {
                long np = newAnonPage(k);
                if (np >= 0) {
                    k.phys.copyPage(np, pfn);
                    dst.ptes.set(vpn, maybeMkwrite(Pte.mk(np, 0), dv));
                    dst.rssAnon++;
                    stats.copiedPinned++;
                }
                return;
            }
            k.phys.setPageFlag(pfn, PG_ANON_EXCLUSIVE, false);
            stats.cowPages++;
        }
        rssAdd(k, dst, pfn, 1);
        k.phys.refAdd(pfn, 1);
        k.phys.mapcountAdd(pfn, 1);
        if (cow && Pte.write(pte)) {
            pte = Pte.wrprotect(pte);
            src.ptes.set(vpn, pte);
        }
        dst.ptes.set(vpn, pte & ~Pte.YOUNG);
    }

    /**
     * Whether the next entry (a VMA, a PMD or a PTE) may be copied: the worst case of one copy
     * (a page table, a private copy of a pinned page) must fit the memcg, else -ENOMEM as when
     * pte_alloc() or the page allocation fails; and the call's work budget must allow one more
     * page, else -EINTR, as dup_mmap() answers a fatal signal. Records the error in stats.err.
     */
    static boolean copyFits(Globals k, ForkStats stats) {
        if (stats.err != 0) return false;
        if (k.memcg.margin() < MemCg.FAULT_BYTES) stats.err = Errno.ENOMEM.neg();
        else if (!k.chargeWork(1)) stats.err = Errno.EINTR.neg();
        return stats.err == 0;
    }

    /** folio_needs_cow_for_dma() (include/linux/mm.h): COW mapping, MMF_HAS_PINNED, folio_maybe_dma_pinned(). */
    static boolean needsCowForDma(Globals k, Mm src, Vma v, long pfn) {
        return v.isCowMapping() && src.hasPinned() && k.phys.maybeDmaPinned(pfn);
    }
}
