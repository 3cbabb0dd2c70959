package io.pinlab.kernel.fs;

import io.pinlab.kernel.mm.Globals;
import io.pinlab.kernel.mm.Hugetlb;
import io.pinlab.kernel.mm.Memory;
import io.pinlab.kernel.mm.Mm;
import io.pinlab.kernel.mm.PhysMem;
import io.pinlab.kernel.mm.Task;
import io.pinlab.kernel.mm.Vma;

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
        in.size = newSize;
        if (newSize >= old && in.pageCache.isEmpty() && in.disk.isEmpty()) return;
        long unit = in.isHugetlb() ? in.hstate.size() : PhysMem.PAGE_SIZE;
        long end = Long.MAX_VALUE >>> PhysMem.PUD_ORDER;
        truncatePagecacheRange(k, in, (newSize + unit - 1) / unit, end);
        // the file system frees the blocks past the new end (ext4_truncate(), xfs_itruncate_extents(), btrfs_truncate())
        if (!in.disk.isEmpty()) in.disk.forEach((newSize + unit - 1) / unit, end, (idx, v) -> in.disk.set(idx, 0));
    }

    /**
     * truncate_pagecache_range(): removes page-cache indices [from, to) (huge-page indices on
     * hugetlbfs): unmap_mapping_range() in every mm that maps them (private COW copies included),
     * then {@link #truncateInodePagesRange}.
     */
    public static void truncatePagecacheRange(Globals k, Inode in, long from, long to) {
        int shift = in.isHugetlb() ? in.hstate.order : 0;
        long fromPgoff = from << shift, toPgoff = to << shift;
        for (Task t : k.tasks.values()) {
            Mm mm = t.mm;
            if (mm == null) continue;
            for (Vma v : mm.vmas.values().toArray(new Vma[0])) {
                if (v.file == null || v.file.inode() != in) continue;
                long vEndPgoff = v.pgoff + v.pages();
                long lo = Math.max(v.pgoff, fromPgoff), hi = Math.min(vEndPgoff, toPgoff);
                if (lo < hi) Memory.zapRange(k, mm, v, v.start + ((lo - v.pgoff) << PhysMem.PAGE_SHIFT), v.start + ((hi - v.pgoff) << PhysMem.PAGE_SHIFT));
            }
        }
        truncateInodePagesRange(k, in, from, to);
    }

    /**
     * truncate_inode_pages_range(), remove_inode_hugepages(): the page cache drops its references
     * to indices [from, to) (shmem_undo_range() frees the slots of swapped-out shmem pages); folio->mapping becomes NULL; a folio that a pin or a pipe still
     * references stays allocated, outside the page cache.
     */
    static void truncateInodePagesRange(Globals k, Inode in, long from, long to) {
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
}
