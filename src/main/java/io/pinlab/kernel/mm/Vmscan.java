package io.pinlab.kernel.mm;

import io.pinlab.kernel.fs.Inode;

import static io.pinlab.kernel.mm.PhysMem.*;

/**
 * mm/vmscan.c shrink_folio_list() for one small folio that MADV_PAGEOUT isolated
 * (reclaim_pages(), references ignored), with the try_to_unmap_one() (mm/rmap.c) of its one
 * mapping. The madvise walk only isolates folios mapped exactly once, so the mapping is the
 * caller's PTE (or a large folio's PMD or PTEs, {@link #shrinkLargeFolio}). The same in 6.3, 6.5 and 6.18.
 */
final class Vmscan {
    private Vmscan() {}

    /** What happened to the folio. */
    enum Outcome {
        /** Written to swap (anon) and freed. */
        SWAPPED_OUT("written to swap and freed"),
        /** Unmapped and written to swap, but a reference (a GUP get) keeps it in the swap cache. */
        IN_SWAP_CACHE("written to swap, but a reference beyond the swap cache's keeps the folio in the swap cache"),
        /** Anon with no swap slot to go to: stays mapped (activate_locked). */
        NO_SWAP("no free swap slot (no swap area, or it is full): the page stays resident"),
        /** folio_maybe_dma_pinned() before a slot was allocated: keep_locked. */
        PINNED("folio_maybe_dma_pinned(): a pinned anonymous folio is not given a swap slot"),
        /** try_to_unmap_one(): folio_try_share_anon_rmap_pte() refused (pinned after the slot was taken). */
        UNMAP_FAILED("try_to_unmap() failed: the exclusive page may be pinned (folio_try_share_anon_rmap_pte() -EBUSY)"),
        /** A large folio with a reference beyond its mappings: can_split_folio() fails, activate_locked. */
        NOT_SPLIT("a reference beyond its mappings (a GUP get) keeps the large folio whole: it cannot be split, so it is not paged out"),
        /** A clean file folio: unmapped and dropped from the page cache (__remove_mapping()); the next access reads it from disk. */
        FILE_RECLAIMED("clean page-cache folio unmapped and freed (__remove_mapping()); the next access reads it back from disk into a new page"),
        /** A dirty file folio: unmapped, stays in the page cache (activate_locked: reclaim does not write file folios back). */
        FILE_DIRTY("dirty page-cache folio unmapped but kept: reclaim leaves file writeback to the flusher (activate_locked)"),
        /** A file folio with a reference beyond the page cache's (a pin, a GUP or pipe reference): unmapped, kept. */
        FILE_REFERENCED("page-cache folio unmapped but kept: a reference beyond the page cache's (a pin, a GUP or pipe reference) makes folio_ref_freeze() in __remove_mapping() fail"),
        /** A dirty shmem folio written to swap: the page cache holds its swap entry (shmem_writeout()). */
        SHMEM_SWAPPED("shmem folio written to swap by shmem_writeout() and freed; the page cache holds its swap entry, the next access swaps it in"),
        /** A dirty shmem folio with no swap slot to go to: redirty, activated. */
        SHMEM_NO_SWAP("shmem folio unmapped but kept: no free swap slot (no swap area, or it is full), shmem_writeout() redirties it"),
        /** Any other page-cache folio (no backing store pinlab models): unmapped, kept. */
        FILE_UNMAPPED("unmapped; the page cache keeps the folio, the next access maps it again"),
        /** A clean shmem folio (read, never written): removed and freed; the index is a hole again. */
        SHMEM_DROPPED("clean shmem folio (never written: zeroes) unmapped and freed; the index reads as a hole again");

        final String why;

        Outcome(String why) { this.why = why; }
    }

    /**
     * shrink_folio_list(): an anonymous folio gets a swap slot (folio_alloc_swap(), which marks it
     * dirty and puts it in the swap cache) unless it is maybe-DMA-pinned (keep_locked); then
     * try_to_unmap_one() replaces the PTE by a swap entry, exclusive when the page was
     * PageAnonExclusive (folio_try_share_anon_rmap_pte() clears that, or refuses with -EBUSY when
     * the folio may be pinned: the PTE is restored and the folio activated); pageout() ->
     * swap_writeout() writes it; __remove_mapping() frees it when the swap cache holds the only
     * reference left. A file folio is unmapped (a dirty PTE dirties it), then {@link #reclaimFileFolio}.
     */
    static Outcome shrinkFolio(Globals k, Mm mm, long vpn, long pfn) {
        PhysMem ph = k.phys;
        SwapInfo si = k.swap;
        boolean anon = ph.testPageFlag(pfn, PG_ANON);
        long pte = mm.ptes.get(vpn);
        if (!anon) { // try_to_unmap_one(), file folio
            mm.ptes.set(vpn, 0);
            if ((pte & Pte.DIRTY) != 0) ph.setFolioFlags(pfn, PG_DIRTY);
            Memory.dropMapping(k, mm, pfn);
            return reclaimFileFolio(k, pfn);
        }
        if (!ph.testPageFlag(pfn, PG_SWAPCACHE)) {
            if (ph.maybeDmaPinned(pfn)) return Outcome.PINNED;
            if (si == null || !si.folioAllocSwap(ph, pfn)) return Outcome.NO_SWAP;
            ph.setFolioFlags(pfn, PG_DIRTY);
        }
        long slot = ph.index(pfn);
        boolean exclusive = ph.testPageFlag(pfn, PG_ANON_EXCLUSIVE);
        if (exclusive && ph.maybeDmaPinned(pfn)) { // folio_try_share_anon_rmap_pte() -EBUSY: the PTE stays
            // activate_locked: the slot is given back only when swap is more than half full
            if (si.vmSwapFull()) si.folioFreeSwap(ph, pfn);
            return Outcome.UNMAP_FAILED;
        }
        si.swapDuplicate(slot);
        ph.setPageFlag(pfn, PG_ANON_EXCLUSIVE, false);
        if ((pte & Pte.DIRTY) != 0) ph.setFolioFlags(pfn, PG_DIRTY);
        mm.ptes.set(vpn, Pte.mkSwap(slot, exclusive));
        mm.rssSwap++;
        Memory.dropMapping(k, mm, pfn); // MM_ANONPAGES--, the mapping's reference
        if (ph.maybeDmaPinned(pfn)) return Outcome.IN_SWAP_CACHE; // unmapped but pinned: activate_locked, not written
        if (ph.testPageFlag(pfn, PG_DIRTY)) si.swapWriteout(ph, pfn); // pageout()
        if (ph.refcount(pfn) != 1) return Outcome.IN_SWAP_CACHE; // __remove_mapping(): folio_ref_freeze() fails
        si.deleteFromSwapCache(ph, pfn); // frees it
        return Outcome.SWAPPED_OUT;
    }

    /**
     * shrink_folio_list() for an unmapped page-cache folio of ext4, xfs or btrfs: a dirty one is
     * activated (a file-LRU folio is never written back by reclaim: 6.3-6.5 let only kswapd write
     * it, 6.18 pageout() writes only shmem and swap-cache folios); a clean one passes
     * filemap_release_folio() (its buffers are clean) and __remove_mapping() frees it unless a
     * reference beyond the page cache's (and the isolation's) holds it: folio_ref_freeze() fails,
     * keep_locked. The same in 6.3, 6.5 and 6.18. A freed folio's value stays on disk
     * ({@link Inode#disk}). Shmem folios: {@link #reclaimShmemFolio}.
     */
    static Outcome reclaimFileFolio(Globals k, long pfn) {
        PhysMem ph = k.phys;
        if (!(ph.mapping(pfn) instanceof Inode in) || !(in.isShmem() || in.fs().canWriteback())) return Outcome.FILE_UNMAPPED;
        if (in.isShmem()) return reclaimShmemFolio(k, in, pfn);
        if (ph.testPageFlag(pfn, PG_DIRTY)) return Outcome.FILE_DIRTY;
        if (ph.refcount(pfn) != 1) return Outcome.FILE_REFERENCED;
        long index = ph.index(pfn);
        in.disk.set(index, ph.value(pfn)); // clean: the disk holds what the page holds
        deleteFromPageCache(ph, in, index, pfn, 0); // the page cache's reference was the last: freed
        return Outcome.FILE_RECLAIMED;
    }

    /**
     * __filemap_remove_folio() (mm/filemap.c), or shmem_delete_from_page_cache() (mm/shmem.c) with a
     * swap slot: the page cache's slot at {@code index} becomes a hole (slot 0) or the slot's swap
     * entry, the folio leaves the mapping (keeping folio->swap = slot) and the page cache's
     * reference is dropped.
     */
    private static void deleteFromPageCache(PhysMem ph, Inode in, long index, long pfn, long slot) {
        in.pageCache.set(index, -slot);
        ph.setMapping(pfn, null, slot);
        ph.refAdd(pfn, -1);
    }

    /**
     * shrink_folio_list() for an unmapped shmem folio (swap-backed, on the anon LRU, so not
     * file-LRU). A dirty one goes to pageout(), which keeps it while anyone but the page cache holds
     * a reference (PAGE_KEEP: a pin, a GUP or pipe reference), then to shmem_writeout() (6.18;
     * shmem_writepage() in 6.3-6.5, the same steps): with no swap area or no free slot it is
     * redirtied and activated; otherwise folio_alloc_swap() puts it in the swap cache,
     * swap_shmem_alloc() counts the page cache's swap entry on the slot,
     * shmem_delete_from_page_cache() leaves that entry in the page cache in its place,
     * swap_writeout() writes it, and __remove_mapping() frees it from the swap cache. A clean one
     * (read-faulted, never written: zeroes) skips pageout() and __remove_mapping() frees it unless
     * referenced; its index is a hole again. The PTE is none either way (no swap PTE: the page
     * cache holds the entry), so a later fault goes through shmem_get_folio() ({@link
     * Memory#shmemSwapin}).
     */
    static Outcome reclaimShmemFolio(Globals k, Inode in, long pfn) {
        PhysMem ph = k.phys;
        if (ph.refcount(pfn) != 1) return Outcome.FILE_REFERENCED;
        long index = ph.index(pfn);
        if (!ph.testPageFlag(pfn, PG_DIRTY)) {
            deleteFromPageCache(ph, in, index, pfn, 0);
            return Outcome.SHMEM_DROPPED;
        }
        SwapInfo si = k.swap;
        if (si == null || !si.folioAllocSwap(ph, pfn)) return Outcome.SHMEM_NO_SWAP;
        long slot = ph.index(pfn); // folio->swap
        si.swapDuplicate(slot); // swap_shmem_alloc()
        deleteFromPageCache(ph, in, index, pfn, slot); // shmem_delete_from_page_cache(folio, swp_to_radix_entry(folio->swap))
        si.swapWriteout(ph, pfn);
        si.deleteFromSwapCache(ph, pfn); // __remove_mapping(): the swap cache's reference was the last
        return Outcome.SHMEM_SWAPPED;
    }

    /**
     * shrink_folio_list() for a large anonymous folio that madvise isolated whole (mapped only by
     * {@code mm}: its PMD, or on 6.18 its 512 PTEs, from {@code headVpn} on). A maybe-DMA-pinned
     * folio gets no swap slot (keep_locked: it stays whole and mapped); one that cannot be split
     * (can_split_folio() in 6.3-6.5, folio_expected_ref_count() != folio_ref_count() - 1 in 6.18)
     * is activated. Otherwise folio_alloc_swap() for the whole folio fails: pinlab's swap area is a
     * swapfile, and large swap entries come only from a block device (6.3-6.5 get_swap_pages():
     * swap_alloc_cluster() only with SWP_BLKDEV; 6.18 cluster_alloc_swap_entry(): "Swapfile is not
     * block device so unable to allocate large entries"), or there is no swap area at all. So the
     * folio is split (split_folio_to_list(), THP_SWPOUT_FALLBACK) and every page goes through
     * {@link #shrinkFolio} on its own: with swap each is written out, without it each stays, now small.
     */
    static void shrinkLargeFolio(Globals k, Mm mm, long head, long headVpn, int[] outcomes, java.util.function.LongPredicate splitFolio) {
        if (k.phys.maybeDmaPinned(head)) {
            outcomes[Outcome.PINNED.ordinal()] += HPAGE_NR;
            return;
        }
        if (!splitFolio.test(head)) {
            outcomes[Outcome.NOT_SPLIT.ordinal()] += HPAGE_NR;
            return;
        }
        for (int i = 0; i < HPAGE_NR; i++) outcomes[shrinkFolio(k, mm, headVpn + i, head + i).ordinal()]++;
    }

    /**
     * shrink_folio_list() for an order-9 shmem folio (one MADV_COLLAPSE made) that madvise isolated
     * whole. 6.18: try_to_unmap(TTU_SPLIT_HUGE_PMD) clears its PMD; a maybe-DMA-pinned folio is
     * activated and one with another reference kept (pageout(): is_page_cache_freeable()), both
     * whole and unmapped; then shmem_writeout(): with no swap area the folio is redirtied, whole;
     * otherwise folio_alloc_swap() finds no large swap entry on a swapfile, so the folio is split
     * onto the reclaim list (split_folio_to_list()) and every page goes to swap on its own ({@link
     * #reclaimShmemFolio}; a full swap area redirties the rest). 6.3-6.5 split a swap-backed large
     * folio first, before try_to_unmap() ("Split shmem folio": split_folio_to_list() onto the
     * reclaim list): a reference beyond the mappings and the page cache's fails can_split_folio()
     * (keep_locked: whole and still mapped); otherwise the split unmaps it and every page makes its
     * own pass down to shmem_writepage(), which writes it to swap or, with no swap area, redirties it.
     */
    static void shrinkShmemThp(Globals k, long head, int[] outcomes) {
        PhysMem ph = k.phys;
        Inode in = (Inode) ph.mapping(head);
        if (!k.profile.shmemWriteoutLarge()) { // mm/vmscan.c 6.3-6.5: "Split shmem folio"
            if (!HugeMemory.splitPageCacheFolio(k, head)) {
                outcomes[Outcome.NOT_SPLIT.ordinal()] += HPAGE_NR;
                return;
            }
            for (int i = 0; i < HPAGE_NR; i++) outcomes[reclaimShmemFolio(k, in, head + i).ordinal()]++;
            return;
        }
        HugeMemory.tryToUnmapFile(k, in, ph.index(head), HPAGE_NR);
        if (ph.refcount(head) != HPAGE_NR) { // folio_maybe_dma_pinned(), or is_page_cache_freeable() false
            outcomes[Outcome.FILE_REFERENCED.ordinal()] += HPAGE_NR;
            return;
        }
        if (k.swap == null) { // !total_swap_pages: redirty
            outcomes[Outcome.SHMEM_NO_SWAP.ordinal()] += HPAGE_NR;
            return;
        }
        HugeMemory.splitPageCacheFolio(k, head); // cannot fail: no reference beyond the page cache's
        for (int i = 0; i < HPAGE_NR; i++) outcomes[reclaimShmemFolio(k, in, head + i).ordinal()]++;
    }
}
