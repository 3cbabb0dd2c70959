package io.pinlab.kernel.mm;

import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Explain;
import io.pinlab.kernel.fs.Inode;

import static io.pinlab.kernel.base.Explain.hex;
import static io.pinlab.kernel.mm.Memory.*;
import static io.pinlab.kernel.mm.Mmap.fail;
import static io.pinlab.kernel.mm.Mmap.range;
import static io.pinlab.kernel.mm.PhysMem.*;
import static io.pinlab.kernel.mm.VmFlag.*;

/**
 * mm/hugetlb.c: the hugetlb pools (struct hstate, {@link Hstate}: 2 MiB pages mapped by PMD
 * leaves, 1 GiB pages by PUD leaves), reservations, hugetlb_fault() with hugetlb_no_page() and
 * hugetlb_wp(), and the hugetlb legs of fork, unmap and VMA splitting.
 */
public final class Hugetlb {
    static final String FILE = "mm/hugetlb.c";
    /** HPAGE_RESV_OWNER (mm/hugetlb.c): this private VMA made the reservations (mmap, not fork). */
    public static final int HPAGE_RESV_OWNER = 1;
    /** HPAGE_RESV_UNMAPPED: unmap_ref_private() took a page from this VMA; its next no-page fault is SIGBUS. */
    public static final int HPAGE_RESV_UNMAPPED = 2;

    private Hugetlb() {}

    /** hstate_vma() / hstate_file(): the pool of the VMA's hugetlbfs file. */
    public static Hstate hstateVma(Vma vma) { return vma.file.inode().hstate; }

    // ================================================================ the pool

    /** alloc_hugetlb_folio() without a reservation: only pages that nobody reserved may be taken. */
    public static long allocHugetlbFolio(Globals k, Hstate h) { return allocHugetlbFolio(k, h, false); }

    /**
     * alloc_hugetlb_folio(): a folio of h's size from its pool, or -1. With {@code useReserve} the
     * caller consumes one of its reserved pages (resv_huge_pages--); without,
     * dequeue_hugetlb_folio_vma() refuses when free_huge_pages - resv_huge_pages == 0. A 1 GiB
     * page comes from alloc_gigantic_folio().
     */
    public static long allocHugetlbFolio(Globals k, Hstate h, boolean useReserve) {
        if (h.inUse >= h.nrHugePages) return -1;
        if (!useReserve && h.freeHugePages() - h.resvHugePages <= 0) return -1;
        long head = h.isGigantic() ? k.phys.allocGiganticFolio(Zone.NORMAL) : k.phys.allocFolio(Zone.NORMAL, h.order);
        if (head < 0) return -1;
        k.phys.setFolioFlags(head, PG_HUGETLB);
        h.inUse++;
        if (useReserve && h.resvHugePages > 0) h.resvHugePages--;
        return head;
    }

    /** folio_put() of a hugetlb folio: the last reference sends it back to the pool (free_huge_folio()). */
    public static void releaseHugetlbRef(Globals k, long head) {
        putHugetlbRefs(k, head, 1);
    }

    /**
     * folio_put_refs() on a hugetlb folio (include/linux/mm.h): dropping the last reference runs
     * free_huge_folio() (mm/hugetlb.c), which gives the folio back to its hstate's pool.
     */
    public static void putHugetlbRefs(Globals k, long page, int refs) {
        Hstate h = k.hstateSizelog(PAGE_SHIFT + k.phys.order(page)); // folio_hstate()
        if (k.phys.refAdd(page, -refs) == 0) h.inUse--;
    }

    /** alloc_hugetlb_folio() consuming the VMA's reservation if it still holds one. */
    private static long allocHugetlbForVma(Globals k, Hstate h, Vma vma) {
        boolean resv = vma.hugeResv > 0;
        long head = allocHugetlbFolio(k, h, resv);
        if (head >= 0 && resv) vma.hugeResv--;
        return head;
    }

    /** A new anonymous hugetlb folio holding a copy of {@code src} (copy_user_large_folio()), or -1. */
    private static long copyToNewAnon(Globals k, Hstate h, long src, boolean useReserve) {
        long nh = allocHugetlbFolio(k, h, useReserve);
        if (nh < 0) return -1;
        k.phys.setMapping(nh, ANON_MAPPING, 0);
        k.phys.setFolioFlags(nh, PG_ANON | PG_ANON_EXCLUSIVE);
        if (src != 0) k.phys.copyLargeFolio(nh, src);
        k.phys.mapcountAdd(nh, 1);
        return nh;
    }

    // ================================================================ reservations

    /**
     * hugetlb_reserve_pages(): reserves the huge pages a mapping may fault in, so that faults
     * cannot fail later. Private mappings reserve every page; shared ones only the indices the
     * page cache does not hold yet. Returns the pages reserved or -ENOMEM.
     */
    static long hugetlbReservePages(Globals k, Inode in, long from, long to, long vmFlags, Explain ex) {
        Hstate h = in.hstate;
        if ((vmFlags & VM_NORESERVE_B) != 0) {
            ex.ok("hugetlb_reserve_pages", FILE, "MAP_NORESERVE: no reservation, faults may SIGBUS later");
            return 0;
        }
        long chg = 0;
        if ((vmFlags & VM_MAYSHARE_B) != 0) {
            for (long i = from; i < to; i++) if (in.pageCache.get(i) == 0) chg++;
        } else {
            chg = to - from;
        }
        // hugetlb_acct_memory(): resv_huge_pages + chg must fit in the free pool of this hstate
        if (h.resvHugePages + chg > h.freeHugePages())
            return fail(ex, "hugetlb_reserve_pages", FILE, Errno.ENOMEM, "needs " + chg + " huge pages of " + (h.size() >> 10)
                    + " kB, the pool has " + h.freeHugePages() + " free and " + h.resvHugePages + " already reserved ("
                    + h.name() + "/nr_hugepages = " + h.nrHugePages + ")");
        h.resvHugePages += chg;
        ex.ok("hugetlb_reserve_pages", FILE, "reserved " + chg + " huge pages of " + (h.size() >> 10) + " kB");
        return chg;
    }

    /** hugetlb_vm_op_close(): the pages the VMA still holds reserved go back to the pool. */
    static void hugetlbVmOpClose(Globals k, Vma v) {
        if (v.hugeResv > 0) {
            hstateVma(v).resvHugePages -= v.hugeResv;
            v.hugeResv = 0;
        }
    }

    /** hugetlb_vm_op_split(): a hugetlb VMA splits only at huge page boundaries (addr & ~huge_page_mask()). 0 or -EINVAL. */
    static long hugetlbVmOpSplit(Vma v, long addr, Explain ex) {
        if (v.isHugetlb() && addr > v.start && addr < v.end && (addr & (hstateVma(v).size() - 1)) != 0)
            return fail(ex, "hugetlb_vm_op_split", FILE, Errno.EINVAL, "hugetlb VMA " + range(v) + " of "
                    + (hstateVma(v).size() >> 10) + " kB pages cannot be split at " + hex(addr));
        return 0;
    }

    // ================================================================ faults

    /** hugetlb_fault(): huge pages from the VMA's pool, mapped by PMD (2 MiB) or PUD (1 GiB) leaves (huge_pte_alloc()). */
    static int hugetlbFault(Globals k, Mm mm, Vma vma, long addr, boolean write, boolean unshare) {
        if (!vma.has(VM_MAYSHARE_B)) anonVmaPrepare(mm, vma); // hugetlb_no_page(): vmf_anon_prepare()
        Hstate h = hstateVma(vma);
        long leaf = h.pageTable(mm).get(h.key(addr));
        if (leaf == 0) return hugetlbNoPage(k, h, mm, vma, addr, write);
        if (write && Pte.write(leaf)) return VM_FAULT_OK;
        if (!write && !unshare) return VM_FAULT_OK;
        return hugetlbWp(k, h, mm, vma, addr, leaf, unshare);
    }

    /**
     * hugetlb_no_page(): a shared mapping (or a read of a private one) maps the page-cache folio,
     * read-only when private; a private write gets a new anonymous huge page.
     */
    private static int hugetlbNoPage(Globals k, Hstate h, Mm mm, Vma vma, long addr, boolean write) {
        // "PID %d killed due to inadequate hugepage pool": the owner's COW unmapped a page of this VMA
        if ((vma.hugeResvFlags & HPAGE_RESV_UNMAPPED) != 0) return VM_FAULT_SIGBUS;
        XArray table = h.pageTable(mm);
        long key = h.key(addr);
        Inode inode = vma.file.inode();
        long hindex = vma.pageIndex(addr & ~(h.size() - 1)) >>> h.order;
        boolean mayshare = vma.has(VM_MAYSHARE_B);
        long head = inode.pageCache.get(hindex);
        if (head == 0 && hindex >= (inode.size + h.size() - 1) / h.size()) return VM_FAULT_SIGBUS; // past i_size
        if (mayshare || (head != 0 && !write)) { // the page-cache folio, mapped (read-only when private)
            if (head == 0) {
                head = allocHugetlbForVma(k, h, vma);
                if (head < 0) return VM_FAULT_SIGBUS; // pool empty and nothing reserved
                k.phys.setMapping(head, inode, hindex << h.order);
                inode.pageCache.set(hindex, head);
            }
            k.phys.refAdd(head, 1);
            k.phys.mapcountAdd(head, 1);
            long bits = Pte.YOUNG;
            if (vma.has(VM_SHARED_B | VM_WRITE_B)) bits |= Pte.WRITE | (write ? Pte.DIRTY : 0);
            table.set(key, Pte.mk(head, bits));
            mm.rssFile += h.nrPages();
            return VM_FAULT_OK;
        }
        // private mapping: a new anonymous huge page, never added to the page cache
        // (hugetlb_add_new_anon_rmap()); a write gets it writable at once (the hugetlb_wp() shortcut)
        boolean resv = vma.hugeResv > 0;
        long anon = copyToNewAnon(k, h, head, resv);
        if (anon < 0) return VM_FAULT_SIGBUS;
        if (resv) vma.hugeResv--;
        boolean w = write && vma.has(VM_WRITE_B);
        table.set(key, Pte.mk(anon, Pte.YOUNG | (w ? Pte.WRITE | Pte.DIRTY : 0)));
        mm.rssAnon += h.nrPages();
        return VM_FAULT_OK;
    }

    /**
     * hugetlb_wp(): a write or unshare fault on a present, read-only huge PMD or PUD. An anonymous
     * folio mapped once is reused; anything else is copied into a page from the pool. With no page
     * left, alloc_hugetlb_folio() gives -ENOSPC (vmf_error(): VM_FAULT_SIGBUS), unless the faulting
     * VMA owns the reservations (HPAGE_RESV_OWNER) and the folio is anonymous (cow_from_owner): then
     * unmap_ref_private() takes the page from the forked VMAs that share it and the owner reuses it
     * (retry_avoidcopy).
     */
    private static int hugetlbWp(Globals k, Hstate h, Mm mm, Vma vma, long addr, long leaf, boolean unshare) {
        XArray table = h.pageTable(mm);
        long key = h.key(addr);
        long head = Pte.pfn(leaf);
        if (vma.has(VM_SHARED_B)) {
            table.set(key, maybeMkwrite(leaf, vma));
            return VM_FAULT_OK;
        }
        // an anonymous folio mapped once is reused, whatever other references it has
        // (no refcount test: a FOLL_GET reference taken before fork keeps seeing the reused page)
        if (k.phys.testPageFlag(head, PG_ANON) && k.phys.mapcount(head) == 1)
            return hugetlbReuse(k, vma, table, key, head, leaf, unshare);
        // copy the whole huge page; cow_from_owner: MAP_CHG_ENFORCED, not from the VMA's reservation
        long nhead = copyToNewAnon(k, h, head, false);
        if (nhead < 0) {
            boolean cowFromOwner = (vma.hugeResvFlags & HPAGE_RESV_OWNER) != 0 && k.phys.testPageFlag(head, PG_ANON);
            if (!cowFromOwner) return VM_FAULT_SIGBUS;
            unmapRefPrivate(k, vma, head, addr & ~(h.size() - 1));
            if (k.phys.mapcount(head) != 1) return VM_FAULT_SIGBUS; // still shared (another owner maps it): no page to give
            return hugetlbReuse(k, vma, table, key, head, leaf, unshare); // retry_avoidcopy
        }
        boolean writable = !unshare && vma.has(VM_WRITE_B);
        table.set(key, Pte.mk(nhead, Pte.YOUNG | (writable ? Pte.WRITE | Pte.DIRTY : 0)));
        boolean wasAnon = k.phys.testPageFlag(head, PG_ANON);
        k.phys.mapcountAdd(head, -1);
        releaseHugetlbRef(k, head);
        if (wasAnon) mm.rssAnon -= h.nrPages(); else mm.rssFile -= h.nrPages();
        mm.rssAnon += h.nrPages();
        return VM_FAULT_OK;
    }

    /**
     * hugetlb_wp()'s reuse of an anonymous folio mapped once: folio_move_anon_rmap() and
     * SetPageAnonExclusive(), then the PTE made writable (an unsharing fault leaves it read-only).
     */
    private static int hugetlbReuse(Globals k, Vma vma, XArray table, long key, long head, long leaf, boolean unshare) {
        k.phys.setPageFlag(head, PG_ANON_EXCLUSIVE, true);
        if (!unshare) table.set(key, maybeMkwrite(leaf, vma));
        return VM_FAULT_OK;
    }

    // ================================================================ unmap and fork

    /**
     * unmap_ref_private(): every other private VMA mapping the same file offset (the hugetlbfs
     * file's i_mmap tree: fork children, which own no reservations) loses its mapping of the folio
     * at {@code address}, and is marked HPAGE_RESV_UNMAPPED (__unmap_hugepage_range() with
     * ref_folio), so that its next fault there is SIGBUS instead of a zeroed page. Shared VMAs and
     * other owners are left alone.
     */
    static void unmapRefPrivate(Globals k, Vma vma, long folio, long address) {
        Hstate h = hstateVma(vma);
        long pgoff = vma.pageIndex(address);
        Memory.vmaIntervalTreeForeach(k, vma.file.inode(), pgoff, pgoff + 1, (task, iter, s, e) -> {
            if (iter == vma || iter.has(VM_MAYSHARE_B) || (iter.hugeResvFlags & HPAGE_RESV_OWNER) != 0) return;
            if (address < iter.start || address >= iter.end) return;
            XArray table = h.pageTable(task.mm);
            long leaf = table.get(h.key(address));
            if (leaf == 0 || Pte.pfn(leaf) != folio) return; // ref_folio: only this page
            iter.hugeResvFlags |= HPAGE_RESV_UNMAPPED;
            unmapHugepageRange(k, task.mm, iter, address, address + h.size());
        });
    }

    /**
     * __unmap_hugepage_range(): removes the huge leaves covering [start, end), widened to huge
     * page boundaries; each drops its mapcount and its reference (a freed folio returns to the pool).
     */
    static void unmapHugepageRange(Globals k, Mm mm, Vma vma, long start, long end) {
        Hstate h = hstateVma(vma);
        XArray table = h.pageTable(mm);
        long s = start & ~(h.size() - 1);
        long e = (end + h.size() - 1) & ~(h.size() - 1);
        table.forEach(h.key(s), h.key(e - 1) + 1, (key, leaf) -> {
            table.set(key, 0);
            long head = Pte.pfn(leaf);
            if (k.phys.testPageFlag(head, PG_ANON)) mm.rssAnon -= h.nrPages(); else mm.rssFile -= h.nrPages();
            k.phys.mapcountAdd(head, -1);
            releaseHugetlbRef(k, head);
        });
    }

    /**
     * copy_hugetlb_page_range(): the child shares each huge page (write-protected in both for a
     * COW mapping), except an exclusive anonymous page that may be DMA-pinned
     * (folio_needs_cow_for_dma()): the child gets its own copy at once.
     */
    static void copyHugetlbPageRange(Globals k, Mm src, Mm dst, Vma sv, Vma dv, ForkStats stats) {
        Hstate h = hstateVma(sv);
        XArray srcTable = h.pageTable(src), dstTable = h.pageTable(dst);
        srcTable.forEach(h.key(sv.start), h.key(sv.end - 1) + 1, (key, leaf) -> {
            if (!copyFits(k, stats)) return;
            long head = Pte.pfn(leaf);
            if (k.phys.testPageFlag(head, PG_ANON) && k.phys.testPageFlag(head, PG_ANON_EXCLUSIVE) && needsCowForDma(k, src, sv, head)) {
                long nh = copyToNewAnon(k, h, head, false);
                if (nh >= 0) {
                    dstTable.set(key, maybeMkwrite(Pte.mk(nh, Pte.YOUNG), dv));
                    dst.rssAnon += h.nrPages();
                    stats.copiedPinned += h.nrPages();
                } // no huge page: the kernel fails fork with -ENOMEM; here the child simply faults later
                return;
            }
            HugeMemory.dupHugeLeaf(k, srcTable, dstTable, dst, sv, key, leaf, h.nrPages(), stats);
        });
    }
}
