package io.pinlab.kernel.mm;

import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Explain;
import io.pinlab.kernel.base.SysResult;
import io.pinlab.kernel.fs.OpenFile;

import java.util.Map;

import static io.pinlab.kernel.mm.PhysMem.*;
import static io.pinlab.kernel.mm.VmFlag.*;

/**
 * kernel/fork.c copy_process() -> dup_mm() -> dup_mmap() (mm/mmap.c in 6.13+), and the page
 * table copy of mm/memory.c: copy_page_range() -> copy_pte_range() -> copy_present_pte(),
 * copy_huge_pmd() (mm/huge_memory.c), copy_hugetlb_page_range() (mm/hugetlb.c).
 */
public final class Fork {
    static final String FILE = "kernel/fork.c";
    static final String MEMORY_C = "mm/memory.c";

    private Fork() {}

    /** fork(): the child gets a copy of the parent's mm (COW) and shares its open files. ret = child pid. */
    public static SysResult copyProcess(Globals k, Task parent) {
        Explain ex = new Explain();
        Mm child = new Mm(k.memcg);
        long[] stats = dupMmap(k, parent.mm, child); // {cow pages, copied pinned pages, skipped VMAs, -errno}
        if (stats[3] != 0) { // dup_mmap() failed: mmput() of the child tears down what was copied
            Errno e = Errno.fromRet(stats[3]);
            String why = "copying the address space stopped after " + child.mapCount() + " VMAs: "
                    + (e == Errno.EINTR ? k.workLimitReason() : k.memcg.whyFull(MemCg.FAULT_BYTES));
            Exit.exitMmap(k, child);
            ex.fail("dup_mmap", "mm/mmap.c", e, why + "; the child's copy is torn down (mmput()), the parent keeps its write-protected PTEs");
            k.endCall();
            return ex.result(e.neg());
        }
        Task t = k.addTask(parent.pid, parent.comm, parent.uid, parent.capIpcLock, parent.rlimitMemlock, child);
        for (Map.Entry<Integer, OpenFile> e : parent.fds.entrySet()) { // dup_fd(): same struct file, one more reference
            e.getValue().refs++;
            t.fds.put(e.getKey(), e.getValue());
        }
        ex.ok("dup_fd", "fs/file.c", parent.fds.size() + " descriptors shared with the child");
        ex.ok("dup_mmap", "mm/mmap.c", child.mapCount() + " VMAs copied, " + stats[2] + " skipped (VM_DONTCOPY)");
        ex.ok("copy_present_pte", MEMORY_C, stats[0] + " anonymous pages now copy-on-write in both processes"
                + (stats[1] > 0 ? ", " + stats[1] + " maybe-DMA-pinned exclusive pages copied for the child at once (copy_present_page)" : ""));
        ex.ok("copy_process", FILE, "child pid " + t.pid);
        SysResult r = ex.result(t.pid);
        k.endCall();
        return r;
    }

    /**
     * dup_mmap(): VMAs are copied except VM_DONTCOPY ones; VM_LOCKED is cleared in the child;
     * VM_WIPEONFORK VMAs come empty with no anon_vma. Page tables are copied only where
     * vma_needs_copy() says so (an anon_vma, or PFNMAP/MIXEDMAP/hugetlb); other file and shmem
     * pages are faulted in again by the child. write_protect_seq is bumped around the copy.
     */
    static long[] dupMmap(Globals k, Mm parent, Mm child) {
        long[] stats = new long[4];
        parent.writeProtectSeq++; // raw_write_seqcount_begin(): gup-fast backs off while odd
        for (Vma v : parent.vmas.values()) {
            if (v.has(VM_DONTCOPY_B)) { stats[2]++; continue; }
            if (!copyFits(k, stats)) break;
            Vma c = v.copy();
            c.flags &= ~VM_LOCKED_B;
            c.hugeResv = 0; // private hugetlb reservations stay with the parent (reset_vma_resv_huge_pages())
            c.anonVma = 0;
            if (v.file != null) v.file.refs++; // get_file()
            child.insert(c);
            if (v.has(VM_WIPEONFORK_B)) continue;
            if (v.anonVma != 0) c.anonVma = ++child.anonVmaSeq; // anon_vma_fork()
            if (v.anonVma != 0 || (v.flags & (VM_PFNMAP_B | VM_MIXEDMAP_B | VM_HUGETLB_B)) != 0)
                copyPageRange(k, parent, child, v, c, stats);
            if (stats[3] != 0) break;
        }
        parent.writeProtectSeq++;
        return stats;
    }

    /** copy_page_range(): PMD leaves first (copy_huge_pmd / copy_hugetlb_page_range), then PTEs. */
    private static void copyPageRange(Globals k, Mm src, Mm dst, Vma sv, Vma dv, long[] stats) {
        boolean cow = sv.isCowMapping();
        src.pmds.forEach(sv.start >>> 21, ((sv.end - 1) >>> 21) + 1, (key, pmdIn) -> {
            if (!copyFits(k, stats)) return;
            long pmd = pmdIn;
            if (Memory.isHugeZeroPmd(k, pmd)) { // copy_huge_pmd(): the child maps the huge zero folio too
                dst.pmds.set(key, pmd & ~Pte.YOUNG);
                return;
            }
            long head = Pte.pfn(pmd);
            boolean anon = k.phys.testPageFlag(head, PG_ANON);
            if (anon && k.phys.testPageFlag(head, PG_ANON_EXCLUSIVE) && needsCowForDma(k, src, sv, head)) {
                if (sv.isHugetlb()) { // copy_hugetlb_page_range(): the child gets its own huge page now
                    long nh = k.allocHugetlbFolio(false);
                    if (nh >= 0) {
                        k.phys.setMapping(nh, Memory.ANON_MAPPING, 0);
                        k.phys.setFolioFlags(nh, PG_ANON | PG_ANON_EXCLUSIVE);
                        for (int i = 0; i < HPAGE_NR; i++) k.phys.copyPage(nh + i, head + i);
                        k.phys.mapcountAdd(nh, 1);
                        dst.pmds.set(key, Memory.maybeMkwrite(Pte.mk(nh, Pte.YOUNG), dv));
                        dst.rssAnon += HPAGE_NR;
                        stats[1] += HPAGE_NR;
                    } // no huge page: the kernel fails fork with -ENOMEM; here the child simply faults later
                    return;
                }
                // copy_huge_pmd(): a maybe-pinned anon THP is split, then copied page by page below
                Memory.splitHugePmd(k, src, key << 21);
                return;
            }
            k.phys.refAdd(head, 1);
            k.phys.mapcountAdd(head, 1);
            if (anon) k.phys.setPageFlag(head, PG_ANON_EXCLUSIVE, false);
            if (cow && Pte.write(pmd)) {
                pmd = Pte.wrprotect(pmd);
                src.pmds.set(key, pmd);
            }
            dst.pmds.set(key, pmd & ~Pte.YOUNG);
            if (!sv.isHugetlb()) k.memcg.charge(MemCg.LEAF_BYTES); // copy_huge_pmd(): pte_alloc_one() for the child's deposit
            if (anon) { dst.rssAnon += HPAGE_NR; stats[0] += HPAGE_NR; } else dst.rssFile += HPAGE_NR;
        });
        src.ptes.forEach(sv.start >>> PAGE_SHIFT, sv.end >>> PAGE_SHIFT, (vpn, pte) -> copyPresentPte(k, src, dst, sv, dv, vpn, pte, stats));
    }

    /**
     * copy_present_pte(): special PTEs (zero page, PFNMAP) are copied as they are; file pages gain
     * a reference and a mapcount; anonymous pages become shared COW pages
     * (folio_try_dup_anon_rmap_pte() clears PageAnonExclusive, both PTEs lose write) unless the
     * page is exclusive and folio_needs_cow_for_dma(): then copy_present_page() gives the child a
     * private copy and leaves the parent's PTE writable and exclusive.
     */
    private static void copyPresentPte(Globals k, Mm src, Mm dst, Vma sv, Vma dv, long vpn, long pte, long[] stats) {
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
                long np = Memory.newAnonPage(k);
                if (np >= 0) {
                    k.phys.copyPage(np, pfn);
                    dst.ptes.set(vpn, Memory.maybeMkwrite(Pte.mk(np, 0), dv));
                    dst.rssAnon++;
                    stats[1]++;
                }
                return;
            }
            k.phys.setPageFlag(pfn, PG_ANON_EXCLUSIVE, false);
            stats[0]++;
        }
        Memory.rssAdd(k, dst, pfn, 1);
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
     * page, else -EINTR, as dup_mmap() answers a fatal signal. Records the error in stats[3].
     */
    private static boolean copyFits(Globals k, long[] stats) {
        if (stats[3] != 0) return false;
        if (k.memcg.margin() < MemCg.FAULT_BYTES) stats[3] = Errno.ENOMEM.neg();
        else if (!k.chargeWork(1)) stats[3] = Errno.EINTR.neg();
        return stats[3] == 0;
    }

    /** folio_needs_cow_for_dma() (include/linux/mm.h): COW mapping, MMF_HAS_PINNED, folio_maybe_dma_pinned(). */
    static boolean needsCowForDma(Globals k, Mm src, Vma v, long pfn) {
        return v.isCowMapping() && src.hasPinned() && k.phys.maybeDmaPinned(pfn);
    }
}
