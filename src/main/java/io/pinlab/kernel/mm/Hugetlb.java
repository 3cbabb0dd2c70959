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
 * mm/hugetlb.c: the 2 MiB hugetlb pool (struct hstate; its counters live in {@link Globals}),
 * reservations, hugetlb_fault() with hugetlb_no_page() and hugetlb_wp(), and the hugetlb legs of
 * fork, unmap and VMA splitting. Hugetlb folios are mapped by PMD leaves only.
 */
public final class Hugetlb {
    static final String FILE = "mm/hugetlb.c";

    private Hugetlb() {}

    // ================================================================ the pool

    /** alloc_hugetlb_folio() without a reservation: only pages that nobody reserved may be taken. */
    public static long allocHugetlbFolio(Globals k) { return allocHugetlbFolio(k, false); }

    /**
     * alloc_hugetlb_folio(): a 2 MiB folio from the pool, or -1. With {@code useReserve} the
     * caller consumes one of its reserved pages (resv_huge_pages--); without,
     * dequeue_hugetlb_folio_vma() refuses when free_huge_pages - resv_huge_pages == 0.
     */
    public static long allocHugetlbFolio(Globals k, boolean useReserve) {
        if (k.hugePagesInUse >= k.nrHugepages) return -1;
        if (!useReserve && freeHugePages(k) - k.hugePagesReserved <= 0) return -1;
        long head = k.phys.allocFolio(Zone.NORMAL, HPAGE_ORDER);
        if (head < 0) return -1;
        k.phys.setFolioFlags(head, PG_HUGETLB);
        k.hugePagesInUse++;
        if (useReserve && k.hugePagesReserved > 0) k.hugePagesReserved--;
        return head;
    }

    /** folio_put() of a hugetlb folio: the last reference sends it back to the pool (free_huge_folio()). */
    public static void releaseHugetlbRef(Globals k, long head) {
        putHugetlbRefs(k, head, 1);
    }

    /**
     * folio_put_refs() on a hugetlb folio (include/linux/mm.h): dropping the last reference runs
     * free_huge_folio() (mm/hugetlb.c), which gives the folio back to the pool.
     */
    public static void putHugetlbRefs(Globals k, long page, int refs) {
        if (k.phys.refAdd(page, -refs) == 0) k.hugePagesInUse--;
    }

    /** free_huge_pages of the hstate: pool pages not in use. */
    public static long freeHugePages(Globals k) { return k.nrHugepages - k.hugePagesInUse; }

    /** alloc_hugetlb_folio() consuming the VMA's reservation if it still holds one. */
    private static long allocHugetlbForVma(Globals k, Vma vma) {
        boolean resv = vma.hugeResv > 0;
        long head = allocHugetlbFolio(k, resv);
        if (head >= 0 && resv) vma.hugeResv--;
        return head;
    }

    // ================================================================ reservations

    /**
     * hugetlb_reserve_pages(): reserves the huge pages a mapping may fault in, so that faults
     * cannot fail later. Private mappings reserve every page; shared ones only the indices the
     * page cache does not hold yet. Returns the pages reserved or -ENOMEM.
     */
    static long hugetlbReservePages(Globals k, Inode in, long from, long to, long vmFlags, Explain ex) {
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
        // hugetlb_acct_memory(): resv_huge_pages + chg must fit in the free pool
        if (k.hugePagesReserved + chg > freeHugePages(k))
            return fail(ex, "hugetlb_reserve_pages", FILE, Errno.ENOMEM, "needs " + chg + " huge pages, the pool has "
                    + freeHugePages(k) + " free and " + k.hugePagesReserved + " already reserved (vm.nr_hugepages = " + k.nrHugepages + ")");
        k.hugePagesReserved += chg;
        ex.ok("hugetlb_reserve_pages", FILE, "reserved " + chg + " huge pages");
        return chg;
    }

    /** hugetlb_vm_op_close(): the pages the VMA still holds reserved go back to the pool. */
    static void hugetlbVmOpClose(Globals k, Vma v) {
        if (v.hugeResv > 0) {
            k.hugePagesReserved -= v.hugeResv;
            v.hugeResv = 0;
        }
    }

    /** hugetlb_vm_op_split(): a hugetlb VMA splits only at 2 MiB boundaries. 0 or -EINVAL. */
    static long hugetlbVmOpSplit(Vma v, long addr, Explain ex) {
        if (v.isHugetlb() && addr > v.start && addr < v.end && (addr & (HPAGE_SIZE - 1)) != 0)
            return fail(ex, "hugetlb_vm_op_split", FILE, Errno.EINVAL, "hugetlb VMA " + range(v) + " cannot be split at " + hex(addr));
        return 0;
    }

    // ================================================================ faults

    /** hugetlb_fault(): 2 MiB pages from the hugetlb pool, mapped by PMD leaves. */
    static int hugetlbFault(Globals k, Mm mm, Vma vma, long addr, boolean write, boolean unshare) {
        if (!vma.has(VM_MAYSHARE_B)) anonVmaPrepare(mm, vma); // hugetlb_no_page(): vmf_anon_prepare()
        long pmd = mm.pmds.get(addr >>> 21);
        if (pmd == 0) return hugetlbNoPage(k, mm, vma, addr, write);
        if (write && Pte.write(pmd)) return VM_FAULT_OK;
        if (!write && !unshare) return VM_FAULT_OK;
        return hugetlbWp(k, mm, vma, addr, pmd, unshare);
    }

    /**
     * hugetlb_no_page(): a shared mapping (or a read of a private one) maps the page-cache folio,
     * read-only when private; a private write gets a new anonymous huge page.
     */
    private static int hugetlbNoPage(Globals k, Mm mm, Vma vma, long addr, boolean write) {
        long key = addr >>> 21;
        Inode inode = vma.file.inode();
        long hindex = (vma.pageIndex(addr & ~(HPAGE_SIZE - 1))) >>> HPAGE_ORDER;
        boolean mayshare = vma.has(VM_MAYSHARE_B);
        long head = inode.pageCache.get(hindex);
        if (head == 0 && hindex >= (inode.size + HPAGE_SIZE - 1) / HPAGE_SIZE) return VM_FAULT_SIGBUS; // past i_size
        if (mayshare || (head != 0 && !write)) { // the page-cache folio, mapped (read-only when private)
            if (head == 0) {
                head = allocHugetlbForVma(k, vma);
                if (head < 0) return VM_FAULT_SIGBUS; // pool empty and nothing reserved
                k.phys.setMapping(head, inode, hindex << HPAGE_ORDER);
                inode.pageCache.set(hindex, head);
            }
            k.phys.refAdd(head, 1);
            k.phys.mapcountAdd(head, 1);
            long bits = Pte.YOUNG;
            if (vma.has(VM_SHARED_B | VM_WRITE_B)) bits |= Pte.WRITE | (write ? Pte.DIRTY : 0);
            mm.pmds.set(key, Pte.mk(head, bits));
            mm.rssFile += HPAGE_NR;
            return VM_FAULT_OK;
        }
        // private mapping: a new anonymous huge page, never added to the page cache
        // (hugetlb_add_new_anon_rmap()); a write gets it writable at once (the hugetlb_wp() shortcut)
        long anon = allocHugetlbForVma(k, vma);
        if (anon < 0) return VM_FAULT_SIGBUS;
        k.phys.setMapping(anon, ANON_MAPPING, 0);
        k.phys.setFolioFlags(anon, PG_ANON | PG_ANON_EXCLUSIVE);
        if (head != 0) for (int i = 0; i < HPAGE_NR; i++) k.phys.copyPage(anon + i, head + i);
        k.phys.mapcountAdd(anon, 1);
        boolean w = write && vma.has(VM_WRITE_B);
        mm.pmds.set(key, Pte.mk(anon, Pte.YOUNG | (w ? Pte.WRITE | Pte.DIRTY : 0)));
        mm.rssAnon += HPAGE_NR;
        return VM_FAULT_OK;
    }

    /** hugetlb_wp(): a write or unshare fault on a present, read-only huge PMD. */
    private static int hugetlbWp(Globals k, Mm mm, Vma vma, long addr, long pmd, boolean unshare) {
        long key = addr >>> 21;
        long head = Pte.pfn(pmd);
        if (vma.has(VM_SHARED_B)) {
            mm.pmds.set(key, maybeMkwrite(pmd, vma));
            return VM_FAULT_OK;
        }
        // an anonymous folio mapped once is reused, whatever other references it has
        // (no refcount test: a FOLL_GET reference taken before fork keeps seeing the reused page)
        if (k.phys.testPageFlag(head, PG_ANON) && k.phys.mapcount(head) == 1) {
            k.phys.setPageFlag(head, PG_ANON_EXCLUSIVE, true);
            if (!unshare) mm.pmds.set(key, maybeMkwrite(pmd, vma));
            return VM_FAULT_OK;
        }
        // copy the whole huge page
        long nhead = allocHugetlbFolio(k);
        if (nhead < 0) return VM_FAULT_OOM;
        k.phys.setMapping(nhead, ANON_MAPPING, 0);
        k.phys.setFolioFlags(nhead, PG_ANON | PG_ANON_EXCLUSIVE);
        for (int i = 0; i < HPAGE_NR; i++) k.phys.copyPage(nhead + i, head + i);
        k.phys.mapcountAdd(nhead, 1);
        boolean writable = !unshare && vma.has(VM_WRITE_B);
        mm.pmds.set(key, Pte.mk(nhead, Pte.YOUNG | (writable ? Pte.WRITE | Pte.DIRTY : 0)));
        boolean wasAnon = k.phys.testPageFlag(head, PG_ANON);
        k.phys.mapcountAdd(head, -1);
        releaseHugetlbRef(k, head);
        if (wasAnon) mm.rssAnon -= HPAGE_NR; else mm.rssFile -= HPAGE_NR;
        mm.rssAnon += HPAGE_NR;
        return VM_FAULT_OK;
    }

    // ================================================================ unmap and fork

    /**
     * __unmap_hugepage_range(): removes the huge PMDs covering [start, end), widened to 2 MiB
     * boundaries; each drops its mapcount and its reference (a freed folio returns to the pool).
     */
    static void unmapHugepageRange(Globals k, Mm mm, long start, long end) {
        long s = start & ~(HPAGE_SIZE - 1);
        long e = (end + HPAGE_SIZE - 1) & ~(HPAGE_SIZE - 1);
        mm.pmds.forEach(s >>> 21, ((e - 1) >>> 21) + 1, (key, pmd) -> {
            mm.pmds.set(key, 0);
            long head = Pte.pfn(pmd);
            if (k.phys.testPageFlag(head, PG_ANON)) mm.rssAnon -= HPAGE_NR; else mm.rssFile -= HPAGE_NR;
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
        src.pmds.forEach(sv.start >>> 21, ((sv.end - 1) >>> 21) + 1, (key, pmd) -> {
            if (!copyFits(k, stats)) return;
            long head = Pte.pfn(pmd);
            if (k.phys.testPageFlag(head, PG_ANON) && k.phys.testPageFlag(head, PG_ANON_EXCLUSIVE) && needsCowForDma(k, src, sv, head)) {
                long nh = allocHugetlbFolio(k, false);
                if (nh >= 0) {
                    k.phys.setMapping(nh, ANON_MAPPING, 0);
                    k.phys.setFolioFlags(nh, PG_ANON | PG_ANON_EXCLUSIVE);
                    for (int i = 0; i < HPAGE_NR; i++) k.phys.copyPage(nh + i, head + i);
                    k.phys.mapcountAdd(nh, 1);
                    dst.pmds.set(key, maybeMkwrite(Pte.mk(nh, Pte.YOUNG), dv));
                    dst.rssAnon += HPAGE_NR;
                    stats.copiedPinned += HPAGE_NR;
                } // no huge page: the kernel fails fork with -ENOMEM; here the child simply faults later
                return;
            }
            HugeMemory.dupPmd(k, src, dst, sv, key, pmd, stats);
        });
    }
}
