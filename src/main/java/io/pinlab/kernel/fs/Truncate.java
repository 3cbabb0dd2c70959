package io.pinlab.kernel.fs;

import io.pinlab.kernel.base.NotSimulatedException;
import io.pinlab.kernel.mm.Globals;
import io.pinlab.kernel.mm.HugeMemory;
import io.pinlab.kernel.mm.Hugetlb;
import io.pinlab.kernel.mm.Memory;
import io.pinlab.kernel.mm.PhysMem;

/**
 * Truncation of the page cache: mm/truncate.c (truncate_setsize(), truncate_pagecache_range(),
 * truncate_inode_pages_range()), with hugetlbfs's counterparts from fs/hugetlbfs/inode.c
 * (hugetlb_vmtruncate(), remove_inode_hugepages()).
 */
public final class Truncate {
    private Truncate() {}

    /**
     * truncate_setsize() + truncate_pagecache(), hugetlb_vmtruncate() for hugetlbfs: on shrink,
     * every mapping of the cut-off pages is zapped in every mm (even private COW copies:
     * unmap_mapping_range(..., even_cows=1)), then the page cache drops them. Pinned pages stay
     * allocated until their pins go.
     */
    public static void truncateSetsize(Globals k, Inode in, long newSize) {
        long old = in.size;
        if (newSize >= old && in.pageCache.isEmpty() && in.disk.isEmpty()) {
            in.size = newSize;
            return;
        }
        long unit = in.isHugetlb() ? in.hstate.size() : PhysMem.PAGE_SIZE;
        long end = Long.MAX_VALUE >>> PhysMem.PUD_ORDER;
        checkPartialFolios(k, in, (newSize + unit - 1) / unit, end, "length");
        in.size = newSize;
        truncatePagecache(k, in, (newSize + unit - 1) / unit, end);
        // the file system frees the blocks past the new end (ext4_truncate(), xfs_itruncate_extents(), btrfs_truncate())
        if (!in.disk.isEmpty()) in.disk.forEach((newSize + unit - 1) / unit, end, (idx, v) -> in.disk.set(idx, 0));
    }

    /**
     * truncate_pagecache_range(): removes page-cache indices [from, to) (huge-page indices on
     * hugetlbfs): unmap_mapping_range() in every mm that maps them (private COW copies included),
     * then {@link #truncateInodePagesRange}.
     */
    public static void truncatePagecacheRange(Globals k, Inode in, long from, long to) {
        checkPartialFolios(k, in, from, to, "offset");
        truncatePagecache(k, in, from, to);
    }

    /**
     * truncate_pagecache() (mm/truncate.c) over [from, to): unmap_mapping_range(), then
     * {@link #truncateInodePagesRange}; the caller has checked the partial folios.
     */
    private static void truncatePagecache(Globals k, Inode in, long from, long to) {
        int shift = in.isHugetlb() ? in.hstate.order : 0;
        Memory.vmaIntervalTreeForeach(k, in, from << shift, to << shift, (t, v, s, e) -> Memory.zapRange(k, t.mm, v, s, e));
        truncateInodePagesRange(k, in, from, to);
    }

    /**
     * truncate_inode_pages_range(), remove_inode_hugepages(): the page cache drops its references
     * to indices [from, to) (shmem_undo_range() frees the slots of swapped-out shmem pages); folio->mapping becomes NULL; a folio that a pin or a pipe still
     * references stays allocated, outside the page cache.
     */
    static void truncateInodePagesRange(Globals k, Inode in, long from, long to) {
        if (!in.isHugetlb()) { // shmem_undo_range(): the large folios that straddle from or to first
            long first = largeFolioAt(k, in, from);
            if (first > 0 && k.phys.index(first) < from && !truncateInodePartialFolio(k, in, first, from, to)) {
                long next = k.phys.index(first) + PhysMem.HPAGE_NR;
                if (to <= next) return; // the same folio: nothing else in the range
                from = next;
            }
            long last = to > from ? largeFolioAt(k, in, to - 1) : 0;
            if (last > 0 && k.phys.index(last) + PhysMem.HPAGE_NR > to && !truncateInodePartialFolio(k, in, last, from, to))
                to = k.phys.index(last);
        }
        in.pageCache.forEach(from, to, (idx, pfn) -> {
            in.pageCache.set(idx, 0);
            if (pfn < 0) { // a swapped-out shmem page
                Memory.shmemFreeSwap(k, -pfn);
                return;
            }
            k.phys.setMapping(pfn, null, 0); // folio->mapping = NULL: truncated
            if (in.isHugetlb()) Hugetlb.releaseHugetlbRef(k, pfn); else k.phys.refAdd(pfn, -1);
        });
    }

    /** The head of the large folio in the page cache at index, 0 when there is none (a small page, a swap entry, a hole). */
    private static long largeFolioAt(Globals k, Inode in, long index) {
        long e = in.pageCache.get(index);
        return e > 0 && k.phys.isLarge(e) ? k.phys.head(e) : 0;
    }

    /**
     * truncate_inode_partial_folio() (mm/truncate.c) for a large shmem folio that [from, to) cuts:
     * the pages inside the range are zeroed (folio_zero_range()), then the folio is split
     * (split_folio() to order 0 in 6.3-6.5), so that the caller drops the pages in the range one by
     * one. A folio a GUP pin or reference holds cannot be split: it is dirty (shmem), so false, and
     * shmem_undo_range() leaves the whole folio in the page cache, the pages in the range zeroed.
     * 6.18 splits non-uniformly (folio_split()), which {@link #checkPartialFolios} refused before
     * anything changed.
     */
    private static boolean truncateInodePartialFolio(Globals k, Inode in, long head, long from, long to) {
        long index = k.phys.index(head);
        for (long i = Math.max(from, index); i < Math.min(to, index + PhysMem.HPAGE_NR); i++) k.phys.setValue(head + (i - index), 0);
        return HugeMemory.splitPageCacheFolio(k, head); // false when can_split_folio() fails
    }

    /**
     * Throws (naming {@code field}), before anything changes, when truncating page indices [from, to) would split a large folio it cuts on a kernel whose
     * truncate_inode_partial_folio() splits non-uniformly (6.18 try_folio_split_to_order() ->
     * folio_split(): folios of orders 1 to 8, which pinlab's memory does not hold). A folio that
     * cannot be split (a pin holds it) is only zeroed there, which pinlab simulates.
     */
    public static void checkPartialFolios(Globals k, Inode in, long from, long to, String field) {
        if (in.isHugetlb() || !k.profile.truncateNonUniformSplit() || to <= from) return;
        for (long index : new long[] {from, to - 1}) {
            long head = largeFolioAt(k, in, index);
            if (head == 0) continue;
            long first = k.phys.index(head);
            if ((first < from || first + PhysMem.HPAGE_NR > to) && HugeMemory.canSplitFolio(k, head))
                throw new NotSimulatedException(field, "truncating page indices " + from + "-" + (to - 1) + " cuts the order-9 shmem folio at indices "
                        + first + "-" + (first + PhysMem.HPAGE_NR - 1) + ": 6.18 truncate_inode_partial_folio() splits it non-uniformly (folio_split(), folios of orders 0-8), "
                        + "and pinlab's memory holds order-0 and order-9 folios only; truncate or punch the whole 2 MiB, or all of the file");
        }
    }
}
