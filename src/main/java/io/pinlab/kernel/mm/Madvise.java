package io.pinlab.kernel.mm;

import io.pinlab.kernel.base.VirtAddr;
import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.NotSimulatedException;
import io.pinlab.kernel.base.Explain;
import io.pinlab.kernel.base.SysResult;
import io.pinlab.kernel.fs.Inode;
import io.pinlab.kernel.fs.Falloc;
import io.pinlab.kernel.fs.FallocFlag;


import static io.pinlab.kernel.mm.Madv.*;
import static io.pinlab.kernel.mm.Mmap.fail;
import static io.pinlab.kernel.base.Explain.hex;
import static io.pinlab.kernel.mm.Mmap.range;
import static io.pinlab.kernel.mm.PhysMem.*;
import static io.pinlab.kernel.mm.VmFlag.*;

/**
 * mm/madvise.c (the v6.18 profile; source read in the 6.19 tree): is_valid_madvise(),
 * madvise_walk_vmas() -> madvise_vma_behavior(), and madvise_populate() for
 * MADV_POPULATE_(READ|WRITE).
 */
public final class Madvise {
    static final String FILE = "mm/madvise.c";

    private Madvise() {}

    /** madvise() -> do_madvise(): 0 or -errno; advice that reached some VMAs before a failure stays applied. */
    public static SysResult doMadvise(Globals k, Task t, VirtAddr start, long len, int advice) {
        return Mmap.sysResult(k, ex -> madvise(k, t, start.value(), len, advice, ex));
    }

    private static Madv behavior(int advice) {
        for (Madv m : Madv.values()) if (m.value == advice) return m;
        return null;
    }

    /** do_madvise(). */
    private static long madvise(Globals k, Task t, long start, long lenIn, int advice, Explain ex) {
        Mm mm = t.mm;
        Madv b = behavior(advice); // madvise_behavior_valid()
        if (b == null) return fail(ex, "madvise_behavior_valid", FILE, Errno.EINVAL, "unknown advice " + advice);
        if ((start & (PAGE_SIZE - 1)) != 0) return fail(ex, "is_valid_madvise", FILE, Errno.EINVAL, "address " + hex(start) + " is not page aligned");
        long len = Mmap.alignUp(lenIn, PAGE_SIZE);
        if (lenIn != 0 && len == 0) return fail(ex, "is_valid_madvise", FILE, Errno.EINVAL, "length wraps when rounded up");
        long end = start + len;
        if (Long.compareUnsigned(end, start) < 0) return fail(ex, "is_valid_madvise", FILE, Errno.EINVAL, "range wraps around the address space");
        if (end == start) {
            ex.ok("madvise_should_skip", FILE, "length 0: nothing to do");
            return 0;
        }
        if (b == MADV_POPULATE_READ || b == MADV_POPULATE_WRITE) return madvisePopulate(k, mm, start, end, b == MADV_POPULATE_WRITE, ex);
        if (b == MADV_COLLAPSE)
            for (Vma v = mm.findVma(start); v != null && v.start < end; v = mm.findVma(v.end)) Khugepaged.checkSimulated(k, mm, v, start, end);
        if (b == MADV_PAGEOUT)
            for (Vma v = mm.findVma(start); v != null && v.start < end; v = mm.findVma(v.end)) checkPageoutSimulated(k, t, v, start, end);
        return madviseWalkVmas(k, t, start, end, b, ex);
    }

    /** madvise_walk_vmas(): holes give -ENOMEM at the end, after the VMAs around them were advised. */
    private static long madviseWalkVmas(Globals k, Task t, long start, long end, Madv b, Explain ex) {
        Mm mm = t.mm;
        long unmappedError = 0;
        Vma vma = mm.findVma(start);
        while (true) {
            if (vma == null) return fail(ex, "madvise_walk_vmas", FILE, Errno.ENOMEM, "no VMA at or after " + hex(start));
            if (start < vma.start) {
                unmappedError = Errno.ENOMEM.neg();
                ex.step("madvise_walk_vmas", FILE, "hole", hex(start) + "-" + hex(Math.min(vma.start, end)) + " is not mapped: -ENOMEM at the end");
                start = vma.start;
                if (start >= end) break;
            }
            long rEnd = Math.min(vma.end, end);
            long[] range = {start, rEnd};
            Vma[] cur = {vma};
            long err = madviseVmaBehavior(k, t, cur, range, b, ex);
            if (err < 0) return err;
            vma = cur[0];
            long reached = Math.max(range[1], vma.end);
            if (reached >= end) break;
            start = reached;
            vma = mm.findVma(reached);
        }
        if (unmappedError < 0) ex.fail("madvise_walk_vmas", FILE, Errno.ENOMEM, "part of the range was not mapped");
        return unmappedError;
    }

    /**
     * madvise_vma_behavior(): one VMA's part [range[0], range[1]). Flag-changing advice goes
     * through madvise_update_vma() (split/merge, -ENOMEM turned into -EAGAIN).
     */
    private static long madviseVmaBehavior(Globals k, Task t, Vma[] cur, long[] range, Madv b, Explain ex) {
        Mm mm = t.mm;
        Vma vma = cur[0];
        long start = range[0], end = range[1];
        long nf = vma.flags;
        switch (b) {
            case MADV_DONTNEED, MADV_DONTNEED_LOCKED, MADV_FREE -> {
                // madvise_dontneed_free_valid_vma()
                long forbidden = VM_PFNMAP_B | (b == MADV_DONTNEED_LOCKED ? 0 : VM_LOCKED_B);
                if (b == MADV_FREE && !vma.isAnonymous())
                    return fail(ex, "madvise_free_single_vma", FILE, Errno.EINVAL, "MADV_FREE works on private anonymous memory only");
                if (vma.isHugetlb()) {
                    long hsize = Hugetlb.hstateVma(vma).size();
                    if ((start & (hsize - 1)) != 0)
                        return fail(ex, "madvise_dontneed_free_valid_vma", FILE, Errno.EINVAL, "hugetlb range must start on a huge page boundary (" + (hsize >> 10) + " kB)");
                    end &= ~(hsize - 1);
                } else if ((vma.flags & forbidden) != 0) {
                    return fail(ex, "madvise_dontneed_free_valid_vma", FILE, Errno.EINVAL, "VMA " + range(vma) + " is " + VmFlag.names(vma.flags & forbidden));
                }
                if (b == MADV_FREE) { // lazyfree: pages go only under memory pressure, which the lab never has
                    ex.ok("madvise_free_single_vma", FILE, "pages in " + hex(start) + "-" + hex(end) + " marked lazy-free");
                    return 0;
                }
                if (start < end) Memory.zapRange(k, mm, vma, start, end);
                ex.ok("madvise_dontneed_single_vma", FILE, "zapped " + hex(start) + "-" + hex(end) + (vma.isAnonymous()
                        ? ": the next access sees zero-filled memory" : ": the next access faults the file page in again"));
                return 0;
            }
            case MADV_REMOVE -> { // madvise_remove(): punch a hole in the backing shmem/hugetlbfs/ext4 file
                if (vma.has(VM_LOCKED_B)) return fail(ex, "madvise_remove", FILE, Errno.EINVAL, "VMA is mlocked");
                if (vma.file == null) return fail(ex, "madvise_remove", FILE, Errno.EINVAL, "not a file mapping");
                if ((vma.flags & (VM_SHARED_B | VM_MAYWRITE_B)) != (VM_SHARED_B | VM_MAYWRITE_B))
                    return fail(ex, "madvise_remove", FILE, Errno.EACCES, "MADV_REMOVE needs a shared writable mapping");
                // vfs_fallocate(PUNCH_HOLE | KEEP_SIZE): the file system's hole punch, which unmaps the
                // whole pages inside with even_cows = 0 (private COW copies stay)
                long offset = (start - vma.start) + (vma.pgoff << PAGE_SHIFT);
                return Falloc.vfsFallocate(k, vma.file, FallocFlag.FALLOC_FL_PUNCH_HOLE.value | FallocFlag.FALLOC_FL_KEEP_SIZE.value,
                        offset, end - start, ex);
            }
            case MADV_COLLAPSE -> { return Khugepaged.madviseCollapse(k, mm, vma, start, end, ex); }
            case MADV_WILLNEED -> { ex.ok("madvise_willneed", FILE, "readahead/swapin hint, nothing to do here"); return 0; }
            case MADV_COLD, MADV_PAGEOUT -> {
                if ((vma.flags & (VM_LOCKED_B | VM_PFNMAP_B | VM_HUGETLB_B)) != 0) // can_madv_lru_vma()
                    return fail(ex, "can_madv_lru_vma", FILE, Errno.EINVAL, "VMA is locked, PFNMAP or hugetlb");
                if (b == MADV_PAGEOUT) return madvisePageout(k, t, vma, start, end, ex);
                ex.ok("madvise_cold", FILE, "folios in " + hex(start) + "-" + hex(end) + " deactivated (pinlab has no LRU lists to show it)");
                return 0;
            }
            case MADV_NORMAL -> nf &= ~(VM_RAND_READ_B | VM_SEQ_READ_B);
            case MADV_SEQUENTIAL -> nf = (nf & ~VM_RAND_READ_B) | VM_SEQ_READ_B;
            case MADV_RANDOM -> nf = (nf & ~VM_SEQ_READ_B) | VM_RAND_READ_B;
            case MADV_DONTFORK -> nf |= VM_DONTCOPY_B;
            case MADV_DOFORK -> {
                if (vma.has(VM_IO_B)) return fail(ex, "madvise_vma_behavior", FILE, Errno.EINVAL, "MADV_DOFORK on a VM_IO mapping");
                nf &= ~VM_DONTCOPY_B;
            }
            case MADV_WIPEONFORK -> {
                if (vma.file != null || vma.has(VM_SHARED_B))
                    return fail(ex, "madvise_vma_behavior", FILE, Errno.EINVAL, "MADV_WIPEONFORK is only for private anonymous memory");
                nf |= VM_WIPEONFORK_B;
            }
            case MADV_KEEPONFORK -> {
                if (vma.has(VM_DROPPABLE_B)) return fail(ex, "madvise_vma_behavior", FILE, Errno.EINVAL, "MAP_DROPPABLE memory is always wiped on fork");
                nf &= ~VM_WIPEONFORK_B;
            }
            case MADV_DONTDUMP -> nf |= VM_DONTDUMP_B;
            case MADV_DODUMP -> {
                if ((!vma.isHugetlb() && (vma.flags & Mmap.VM_SPECIAL) != 0) || vma.has(VM_DROPPABLE_B))
                    return fail(ex, "madvise_vma_behavior", FILE, Errno.EINVAL, "MADV_DODUMP on a special or droppable mapping");
                nf &= ~VM_DONTDUMP_B;
            }
            case MADV_MERGEABLE -> { // ksm_madvise(): ignored on shared/special/hugetlb VMAs
                if ((vma.flags & (VM_SHARED_B | VM_MAYSHARE_B | Mmap.VM_SPECIAL | VM_HUGETLB_B)) == 0) nf |= VM_MERGEABLE_B;
            }
            case MADV_UNMERGEABLE -> nf &= ~VM_MERGEABLE_B;
            case MADV_HUGEPAGE -> nf = (nf & ~VM_NOHUGEPAGE_B) | VM_HUGEPAGE_B; // hugepage_madvise()
            case MADV_NOHUGEPAGE -> nf = (nf & ~VM_HUGEPAGE_B) | VM_NOHUGEPAGE_B;
            default -> { return fail(ex, "madvise_vma_behavior", FILE, Errno.EINVAL, b + " is not simulated"); }
        }
        // madvise_update_vma() -> vma_modify_flags()
        if (nf != vma.flags) {
            int splits = Vmas.splitsNeeded(vma, start, end);
            if (splits > 0 && mm.mapCount() + splits - 1 >= k.maxMapCount)
                return fail(ex, "madvise_update_vma", FILE, Errno.EAGAIN, "splitting " + range(vma) + " would exceed vm.max_map_count (-ENOMEM becomes -EAGAIN)");
            String nomem = Vmas.vmAreaAllocFails(k, splits);
            if (splits > 0 && nomem != null)
                return fail(ex, "madvise_update_vma", FILE, Errno.EAGAIN, "splitting " + range(vma) + ": " + nomem + " (-ENOMEM becomes -EAGAIN)");
            if (vma.isHugetlb()) {
                long r = Hugetlb.hugetlbVmOpSplit(vma, start, ex);
                if (r == 0) r = Hugetlb.hugetlbVmOpSplit(vma, end, ex);
                if (r < 0) return r;
            }
            cur[0] = Vmas.vmaModifyFlags(k, mm, vma, start, end, nf);
        }
        ex.ok("madvise_update_vma", FILE, b + " on " + hex(start) + "-" + hex(end) + " (VMA " + range(cur[0]) + ")");
        return 0;
    }

    /**
     * madvise_pageout() (mm/madvise.c): a shared file mapping the caller could not open for
     * writing is left alone (can_do_file_pageout(): owner, CAP_FOWNER, or file_permission(MAY_WRITE));
     * a private one only gives up its anonymous (COW) pages. walk_page_range() then calls
     * madvise_cold_or_pageout_pte_range() once per PMD of the range ({@link PageoutWalk}), which
     * isolates the folios mapped only here and hands them to reclaim_pages() ->
     * {@link Vmscan#shrinkFolio} / {@link Vmscan#shrinkLargeFolio}.
     */
    private static long madvisePageout(Globals k, Task t, Vma vma, long start, long end, Explain ex) {
        Mm mm = t.mm;
        boolean canFile = vma.file != null && canDoFilePageout(t, vma.file.inode());
        if (!vma.isAnonymous() && !canFile && vma.has(VM_MAYSHARE_B)) {
            ex.ok("madvise_pageout", FILE, "shared mapping of a file uid " + t.uid + " may not write: nothing is paged out");
            return 0;
        }
        if (vma.ops == VmOps.FSDAX) { // the walk finds no LRU folio: DAX memory is the file itself, never reclaimed
            ex.ok("madvise_cold_or_pageout_pte_range", FILE, "fsdax pages are not on the LRU (!folio_test_lru()): nothing is paged out");
            return 0;
        }
        PageoutWalk w = new PageoutWalk(k, mm, !vma.isAnonymous() && !canFile); // pageout_anon_only_filter
        java.util.TreeSet<Long> pmds = new java.util.TreeSet<>(); // the PMDs of the range that map anything
        mm.pmds.forEach(start >>> 21, ((end - 1) >>> 21) + 1, (key, pmd) -> pmds.add(key));
        mm.ptes.forEach(start >>> PAGE_SHIFT, end >>> PAGE_SHIFT, (vpn, pte) -> pmds.add(vpn >>> (21 - PAGE_SHIFT)));
        for (long key : pmds) w.pmdRange(Math.max(start, key << 21), Math.min(end, (key + 1) << 21));
        if (w.skipped[0] > 0) ex.step("madvise_cold_or_pageout_pte_range", FILE, "skipped", w.skipped[0] + " page(s) mapped more than once (folio_mapcount() != 1) left alone");
        if (w.skipped[1] > 0) ex.step("madvise_cold_or_pageout_pte_range", FILE, "skipped", w.skipped[1] + " page-cache page(s) left alone: pageout_anon_only_filter");
        if (w.skipped[2] > 0) ex.step("madvise_cold_or_pageout_pte_range", FILE, "skipped", w.skipped[2] + " page(s) of large folios left alone: "
                + (k.profile.pageoutWholeLargeFolio() ? "folio_maybe_mapped_shared(), or split_folio() failed (a reference beyond the mappings: GUP)"
                : (k.profile.pageoutEstimatedSharers() ? "folio_estimated_sharers() != 1" : "folio_mapcount() != 1") + " or split_folio() failed (a GUP reference), which ends the walk of that PMD"));
        if (w.splits > 0) ex.step("split_folio", "mm/huge_memory.c", "split", w.splits + " THP(s) split into 4 KiB folios");
        for (Vmscan.Outcome o : Vmscan.Outcome.values())
            if (w.outcomes[o.ordinal()] > 0) ex.step("shrink_folio_list", "mm/vmscan.c", o.name().toLowerCase(), w.outcomes[o.ordinal()] + " page(s): " + o.why);
        ex.ok("madvise_pageout", FILE, "range " + hex(start) + "-" + hex(end) + " done");
        return 0;
    }

    /**
     * madvise_cold_or_pageout_pte_range() (mm/madvise.c) for MADV_PAGEOUT, one PMD at a time.
     * A PMD-mapped THP (not the huge zero folio) that no one else maps ("Do not interfere with
     * other mappings of this folio") is reclaimed whole when the range covers the PMD, else split
     * (split_folio()) and walked PTE by PTE. A PTE-mapped large folio: 6.3/6.4 give up the rest of
     * the PMD when folio_mapcount() != 1 (so a THP mapped by its 512 PTEs is never paged out), 6.5
     * asks folio_estimated_sharers() (the first page's mapcount) instead; otherwise both split it
     * and look at its pages again. 6.18 (madvise_folio_pte_batch()) splits it only when the range
     * maps part of it and no other mm does (folio_maybe_mapped_shared()), and reclaims a fully
     * mapped one whole. A small folio is isolated when it is on the LRU and mapped once.
     * pinlab splits only a folio whose every mapping lies in this mm (else it is treated as
     * shared); it keeps no per-page mapcounts, so they are counted from this mm's page tables.
     */
    private static final class PageoutWalk {
        final Globals k;
        final Mm mm;
        final boolean anonOnly;
        final int[] outcomes = new int[Vmscan.Outcome.values().length];
        final long[] skipped = {0, 0, 0}; // mapped more than once / not anonymous under the filter / large folios left alone
        int splits;
        /** Per large folio head: its mappings in this mm, per page [0, 512) and by PMD [512]. Built on first need. */
        private java.util.Map<Long, int[]> local;
        /** The PMD (key) mapping each PMD-mapped THP of this mm. */
        private final java.util.Map<Long, Long> pmdOf = new java.util.HashMap<>();

        PageoutWalk(Globals k, Mm mm, boolean anonOnly) {
            this.k = k;
            this.mm = mm;
            this.anonOnly = anonOnly;
        }

        void pmdRange(long s, long e) {
            long pmd = mm.pmds.get(s >>> 21);
            if (pmd != 0) {
                if (HugeMemory.isHugeZeroPmd(k, pmd)) return; // huge_unlock
                long head = Pte.pfn(pmd);
                if (pmdShared(head) || (anonOnly && !k.phys.testPageFlag(head, PG_ANON))) {
                    skipped[2] += HPAGE_NR;
                    return;
                }
                if (HugeMemory.isFilePmd(k, pmd)) { // a shmem THP (MADV_COLLAPSE made it)
                    if (e - s == HPAGE_SIZE) {
                        Vmscan.shrinkShmemThp(k, head, outcomes);
                        forget(head);
                        return;
                    }
                    // part of it: split_folio() unmaps every page of a file folio, so the PTE walk finds none
                    if (!HugeMemory.splitPageCacheFolio(k, head)) skipped[2] += HPAGE_NR;
                    else splits++;
                    forget(head);
                    return;
                }
                if (e - s != HPAGE_SIZE) { // part of the THP: split_folio(), then the PTE walk
                    if (!split(head)) {
                        skipped[2] += HPAGE_NR;
                        return;
                    }
                } else {
                    Vmscan.shrinkLargeFolio(k, mm, head, s >>> PAGE_SHIFT, outcomes, this::split);
                    return;
                }
            }
            long endVpn = e >>> PAGE_SHIFT;
            for (long vpn = s >>> PAGE_SHIFT; vpn < endVpn; ) {
                long pte = mm.ptes.get(vpn);
                if (!Pte.present(pte) || Pte.special(pte)) { vpn++; continue; } // swap entries, the zero page, raw pfns
                long pfn = Pte.pfn(pte);
                if (!k.phys.isRam(pfn)) { vpn++; continue; }
                if (k.phys.isLarge(pfn)) {
                    long head = k.phys.head(pfn);
                    boolean filtered = anonOnly && !k.phys.testPageFlag(head, PG_ANON);
                    if (k.profile.pageoutWholeLargeFolio()) {
                        int nr = madviseFolioPteBatch(vpn, endVpn, pfn, head);
                        if (nr < HPAGE_NR) {
                            if (filtered || !split(head)) { skipped[2] += nr; vpn += nr; } // split() tests mappedElsewhere()
                            continue; // split: the same PTE again, now a small folio
                        }
                        // madvise_cold_or_pageout_pte_range() (mm/madvise.c): a fully mapped large folio is
                        // exclusive only when its mapcount equals its page count; a non-LRU one is left alone
                        if (!k.phys.testPageFlag(head, PG_LRU) || k.phys.mapcount(head) != HPAGE_NR) { skipped[0] += nr; vpn += nr; continue; }
                        if (filtered) { skipped[1] += nr; vpn += nr; continue; }
                        Vmscan.shrinkLargeFolio(k, mm, head, vpn, outcomes, this::split);
                        vpn += nr;
                        continue;
                    }
                    if (pteShared(head) || filtered || !split(head)) { // break: the rest of this PMD stays
                        skipped[2] += endVpn - vpn;
                        return;
                    }
                    continue; // pte--: the same PTE again, now a small folio
                }
                if (k.phys.testPageFlag(pfn, PG_LRU) && !k.phys.testPageFlag(pfn, PG_SECRETMEM)) { // secretmem is not on the LRU
                    if (k.phys.mapcount(pfn) != 1) skipped[0]++;
                    else if (anonOnly && !k.phys.testPageFlag(pfn, PG_ANON)) skipped[1]++;
                    else outcomes[Vmscan.shrinkFolio(k, mm, vpn, pfn).ordinal()]++;
                }
                vpn++;
            }
        }

        /** madvise_folio_pte_batch(): PTEs from vpn on that map the following pages of the same folio, within the range and the folio. */
        private int madviseFolioPteBatch(long vpn, long endVpn, long pfn, long head) {
            int nr = 0;
            while (vpn + nr < endVpn && pfn + nr < head + HPAGE_NR) {
                long pte = mm.ptes.get(vpn + nr);
                if (!Pte.present(pte) || Pte.special(pte) || Pte.pfn(pte) != pfn + nr) break;
                nr++;
            }
            return nr;
        }

        /** The PMD branch's sharing test: folio_mapcount() != 1 (6.3/6.4), folio_estimated_sharers() != 1 (6.5), folio_maybe_mapped_shared() (6.18). */
        private boolean pmdShared(long head) {
            return k.profile.pageoutWholeLargeFolio() ? mappedElsewhere(head) : pteShared(head);
        }

        /** The PTE branch's sharing test before 6.10: folio_mapcount() != 1 (6.3/6.4) or folio_estimated_sharers() != 1 (6.5). */
        private boolean pteShared(long head) {
            return k.profile.pageoutEstimatedSharers() ? firstPageMapcount(head) != 1 : k.phys.mapcount(head) != 1;
        }

        /** page_mapcount(folio_page(folio, 0)); -1 (unknown, so shared) when another mm maps the folio. */
        private int firstPageMapcount(long head) {
            if (mappedElsewhere(head)) return -1;
            int[] m = local(head);
            return m[0] + m[HPAGE_NR];
        }

        private boolean mappedElsewhere(long head) {
            int[] m = local(head);
            int n = m[HPAGE_NR];
            for (int i = 0; i < HPAGE_NR; i++) n += m[i];
            return k.phys.mapcount(head) != n;
        }

        private int[] local(long head) {
            if (local == null) {
                local = new java.util.HashMap<>();
                mm.ptes.forEach(0, Long.MAX_VALUE, (vpn, pte) -> {
                    if (!Pte.present(pte) || Pte.special(pte) || !k.phys.isRam(Pte.pfn(pte)) || !k.phys.isLarge(Pte.pfn(pte))) return;
                    long h = k.phys.head(Pte.pfn(pte));
                    local.computeIfAbsent(h, x -> new int[HPAGE_NR + 1])[(int) (Pte.pfn(pte) - h)]++;
                });
                mm.pmds.forEach(0, Long.MAX_VALUE, (key, pmd) -> {
                    if (HugeMemory.isHugeZeroPmd(k, pmd) || !k.phys.isRam(Pte.pfn(pmd)) || k.phys.testPageFlag(Pte.pfn(pmd), PG_HUGETLB)) return;
                    local.computeIfAbsent(Pte.pfn(pmd), x -> new int[HPAGE_NR + 1])[HPAGE_NR]++;
                    pmdOf.put(Pte.pfn(pmd), key);
                });
            }
            return local.getOrDefault(head, NOT_MAPPED_HERE);
        }

        /** Drops what local() and pmdOf know of a folio that is gone or split. */
        private void forget(long head) {
            if (local != null) local.remove(head);
            pmdOf.remove(head);
        }

        /** local()'s answer for a folio this mm does not map: all zero, never written (split() writes only a folio in pmdOf). */
        private static final int[] NOT_MAPPED_HERE = new int[HPAGE_NR + 1];

        /**
         * split_folio() (mm/huge_memory.c): can_split_folio() wants no reference beyond the
         * mappings (a GUP get or pin fails it, -EAGAIN); a PMD mapping becomes 512 PTEs first
         * (the split unmaps and remaps), then every page is its own folio.
         */
        boolean split(long head) {
            if (!HugeMemory.canSplitFolio(k, head) || mappedElsewhere(head)) return false;
            int[] m = local(head);
            Long key = pmdOf.remove(head);
            if (key != null) {
                HugeMemory.splitHugePmd(k, mm, key << 21);
                for (int i = 0; i < HPAGE_NR; i++) m[i] += m[HPAGE_NR];
            }
            k.phys.splitFolio(head, java.util.Arrays.copyOf(m, HPAGE_NR), 0);
            local.remove(head);
            splits++;
            return true;
        }
    }

    /**
     * Throws, before anything changes, when MADV_PAGEOUT would meet a large shmem folio (one that
     * MADV_COLLAPSE made) mapped by PTEs: the PTE branch of madvise_cold_or_pageout_pte_range()
     * for it (madvise_folio_pte_batch(), the split of a partly covered folio) is not simulated.
     * A PMD-mapped one is ({@link Vmscan#shrinkShmemThp}). A VMA whose file pages
     * pageout_anon_only_filter leaves alone is fine.
     */
    private static void checkPageoutSimulated(Globals k, Task t, Vma v, long start, long end) {
        if (!v.isShmem() || !canDoFilePageout(t, v.file.inode())) return;
        long s = Math.max(start, v.start), e = Math.min(end, v.end);
        boolean[] large = {false};
        t.mm.ptes.forEach(s >>> PAGE_SHIFT, e >>> PAGE_SHIFT, (vpn, pte) -> {
            if (Pte.present(pte) && !Pte.special(pte) && k.phys.isRam(Pte.pfn(pte)) && k.phys.isLarge(Pte.pfn(pte))) large[0] = true;
        });
        if (large[0]) throw new NotSimulatedException("advice", "MADV_PAGEOUT of " + hex(s) + "-" + hex(e)
                + ": PTEs there map an order-9 shmem folio, and pinlab does not simulate madvise_cold_or_pageout_pte_range() for a PTE-mapped large page-cache folio");
    }

    /** can_do_file_pageout(): inode_owner_or_capable() or file_permission(file, MAY_WRITE) == 0 (uid 0 has CAP_FOWNER and CAP_DAC_OVERRIDE). */
    private static boolean canDoFilePageout(Task t, Inode in) {
        return t.uid == 0 || t.uid == in.uid || (in.mode & 0002) != 0;
    }

    /**
     * madvise_populate() -> faultin_page_range() (mm/gup.c, FOLL_MADV_POPULATE): no VMA -> -ENOMEM;
     * check_vma_flags() refusal -> -EINVAL; VM_FAULT_SIGBUS/SIGSEGV -> -EFAULT; OOM -> -ENOMEM.
     * Pages before the failing one stay populated.
     */
    private static long madvisePopulate(Globals k, Mm mm, long start, long end, boolean write, Explain ex) {
        String fn = write ? "MADV_POPULATE_WRITE" : "MADV_POPULATE_READ";
        long faulted = 0;
        for (long a = start; a < end; ) {
            Vma vma = mm.vmaLookup(a);
            if (vma == null)
                return fail(ex, "__get_user_pages", "mm/gup.c", Errno.ENOMEM, hex(a) + " is not mapped (" + faulted + " pages were populated before it)");
            String why = populateCheckVmaFlags(vma, write);
            if (why != null) return fail(ex, "check_vma_flags", "mm/gup.c", Errno.EINVAL, "VMA " + range(vma) + ": " + why);
            long vend = Math.min(vma.end, end);
            for (; a < vend; a += PAGE_SIZE) {
                if (!k.chargeWork(1)) // faultin_page_range(): fatal_signal_pending() -> -EINTR
                    return fail(ex, "faultin_page_range", "mm/gup.c", Errno.EINTR, "at " + hex(a) + " (" + faulted
                            + " pages were populated before it): " + k.workLimitReason());
                long pte = Memory.followPte(mm, a);
                if (Pte.present(pte) && (!write || Pte.write(pte))) continue;
                int f = Memory.handleMmFault(k, mm, vma, a, write ? Memory.FAULT_FLAG_WRITE : 0);
                if ((f & (Memory.VM_FAULT_SIGBUS | Memory.VM_FAULT_SIGSEGV)) != 0)
                    return fail(ex, "faultin_page", "mm/gup.c", Errno.EFAULT, "fault at " + hex(a) + " gave VM_FAULT_SIGBUS (past EOF or empty hugetlb pool)");
                if ((f & Memory.VM_FAULT_OOM) != 0)
                    return fail(ex, "faultin_page", "mm/gup.c", Errno.ENOMEM, "out of memory at " + hex(a) + oomReason(k));
                faulted++;
            }
            ex.ok("faultin_page_range", "mm/gup.c", fn + " VMA " + range(vma) + " populated");
        }
        return 0;
    }

    private static String oomReason(Globals k) {
        String r = OomKill.failure(k);
        return r == null ? "" : ": " + r;
    }

    /** The check_vma_flags() (mm/gup.c) rules that apply to FOLL_MADV_POPULATE (no FOLL_FORCE); null when allowed. */
    private static String populateCheckVmaFlags(Vma vma, boolean write) {
        if ((vma.flags & (VM_IO_B | VM_PFNMAP_B)) != 0) return "VM_IO/VM_PFNMAP memory has no pages to fault in";
        if (vma.isSecretmem()) return "secretmem cannot be accessed through GUP";
        if (write && !vma.has(VM_WRITE_B)) return "not writable";
        if (!write && !vma.has(VM_READ_B)) return "not readable";
        return null;
    }
}
