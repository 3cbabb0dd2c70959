package io.pinlab.kernel.fs;

import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Explain;
import io.pinlab.kernel.base.SysResult;
import io.pinlab.kernel.mm.Globals;
import io.pinlab.kernel.mm.Hstate;
import io.pinlab.kernel.mm.HugeMemory;
import io.pinlab.kernel.mm.Hugetlb;
import io.pinlab.kernel.mm.Memory;
import io.pinlab.kernel.mm.Mm;
import io.pinlab.kernel.mm.PhysMem;
import io.pinlab.kernel.mm.Task;
import io.pinlab.kernel.mm.Vma;

import java.util.ArrayList;
import java.util.List;

import static io.pinlab.kernel.fs.FallocFlag.*;
import static io.pinlab.kernel.mm.VmFlag.VM_SHARED_B;
import static io.pinlab.kernel.mm.PhysMem.PAGE_SHIFT;
import static io.pinlab.kernel.mm.PhysMem.PAGE_SIZE;

/**
 * fallocate(2): ksys_fallocate() and vfs_fallocate() (fs/open.c), then the file system's
 * ->fallocate: ext4_fallocate() (fs/ext4/extents.c), xfs_file_fallocate() (fs/xfs/xfs_file.c),
 * btrfs_fallocate() (fs/btrfs/file.c), shmem_fallocate() (mm/shmem.c) and hugetlbfs_fallocate()
 * (fs/hugetlbfs/inode.c): every mode. The blocks of ext4/xfs/btrfs files are {@link Inode#disk}
 * (what the page cache does not hold).
 *
 * Simplifications: preallocated blocks are only a new i_size (unwritten extents read as zeroes);
 * there are no reflinks, so xfs's UNSHARE_RANGE only preallocates; a page holds one value, so the
 * partly covered pages at the edges of a hole (which the kernel zeroes in part) keep their value.
 */
public final class Falloc {
    static final String OPEN_C = "fs/open.c";
    /** FALLOC_FL_SUPPORTED_MASK (include/linux/falloc.h, 6.3.8): every mode bit but NO_HIDE_STALE. */
    static final int SUPPORTED_MASK = 0x7b;
    /** FALLOC_FL_MODE_MASK (include/linux/falloc.h in the 6.19 tree): the mode bits, KEEP_SIZE being a flag. */
    static final int MODE_MASK = 0xfa;

    private Falloc() {}

    /** fallocate(fd, mode, offset, len): ksys_fallocate() -> vfs_fallocate(); ret 0 or -errno. */
    public static SysResult fallocate(Globals k, Task t, int fd, int mode, long offset, long len) {
        Explain ex = new Explain();
        OpenFile f = t.fds.get(fd);
        if (f == null) return k.endCall(ex, fail(ex, "ksys_fallocate", OPEN_C, Errno.EBADF, "fd " + fd + " is not open"));
        return k.endCall(ex, vfsFallocate(k, f, mode, offset, len, ex));
    }

    /** vfs_fallocate() on an open file: for fallocate(2) and for madvise(MADV_REMOVE) (mm/madvise.c madvise_remove()). */
    public static long vfsFallocate(Globals k, OpenFile f, int mode, long offset, long len, Explain ex) {
        if (offset < 0 || len <= 0) return fail(ex, "vfs_fallocate", OPEN_C, Errno.EINVAL, "offset " + offset + " < 0 or len " + len + " <= 0");
        long r = k.profile.fallocateModesExclusive() ? checkModeExclusive(mode, ex) : checkModeBits(mode, ex);
        if (r < 0) return r;
        if (!f.writable()) return fail(ex, "vfs_fallocate", OPEN_C, Errno.EBADF, "the file is not open for writing (FMODE_WRITE)");
        Inode in = f.inode();
        switch (in.kind()) {
            case FIFO -> { return fail(ex, "vfs_fallocate", OPEN_C, Errno.ESPIPE, "the file is a pipe (S_ISFIFO)"); }
            case DIRECTORY -> { return fail(ex, "vfs_fallocate", OPEN_C, Errno.EISDIR, in.path() + " is a directory"); }
            case CHARDEV, ANON -> { return fail(ex, "vfs_fallocate", OPEN_C, Errno.ENODEV, "the file is neither a regular file nor a block device"); }
            case REGULAR -> { }
        }
        if (offset + len > in.fs().maxBytes || offset + len < 0) // "check for wrap through zero too"
            return fail(ex, "vfs_fallocate", OPEN_C, Errno.EFBIG, "offset + len is past " + in.fs().fsName + "'s s_maxbytes " + in.fs().maxBytes);
        return switch (in.fs()) {
            case EXT4 -> diskFallocate(k, in, mode, offset, len, ex, "ext4_fallocate", "fs/ext4/extents.c",
                    FALLOC_FL_KEEP_SIZE.value | FALLOC_FL_PUNCH_HOLE.value | FALLOC_FL_COLLAPSE_RANGE.value
                            | FALLOC_FL_ZERO_RANGE.value | FALLOC_FL_INSERT_RANGE.value | FALLOC_FL_WRITE_ZEROES.value);
            case XFS -> diskFallocate(k, in, mode, offset, len, ex, "xfs_file_fallocate", "fs/xfs/xfs_file.c", // XFS_FALLOC_FL_SUPPORTED
                    FALLOC_FL_KEEP_SIZE.value | FALLOC_FL_PUNCH_HOLE.value | FALLOC_FL_COLLAPSE_RANGE.value
                            | FALLOC_FL_ZERO_RANGE.value | FALLOC_FL_INSERT_RANGE.value | FALLOC_FL_UNSHARE_RANGE.value);
            case BTRFS -> diskFallocate(k, in, mode, offset, len, ex, "btrfs_fallocate", "fs/btrfs/file.c",
                    FALLOC_FL_KEEP_SIZE.value | FALLOC_FL_PUNCH_HOLE.value | FALLOC_FL_ZERO_RANGE.value);
            case TMPFS -> shmemFallocate(k, in, mode, offset, len, ex);
            case HUGETLBFS -> hugetlbfsFallocate(k, in, mode, offset, len, ex);
            default -> fail(ex, "vfs_fallocate", OPEN_C, Errno.EOPNOTSUPP, in.fs().fsName + " has no ->fallocate");
        };
    }

    /** vfs_fallocate() up to 6.5 (the 6.3.8 and 6.5.0 trees): mode bits checked one by one. */
    private static long checkModeBits(int mode, Explain ex) {
        int punch = FALLOC_FL_PUNCH_HOLE.value, keep = FALLOC_FL_KEEP_SIZE.value;
        if ((mode & ~SUPPORTED_MASK) != 0) return fail(ex, "vfs_fallocate", OPEN_C, Errno.EOPNOTSUPP, "mode " + hex(mode) + " has bits outside FALLOC_FL_SUPPORTED_MASK");
        if ((mode & (punch | FALLOC_FL_ZERO_RANGE.value)) == (punch | FALLOC_FL_ZERO_RANGE.value))
            return fail(ex, "vfs_fallocate", OPEN_C, Errno.EOPNOTSUPP, "PUNCH_HOLE and ZERO_RANGE are mutually exclusive");
        if ((mode & punch) != 0 && (mode & keep) == 0)
            return fail(ex, "vfs_fallocate", OPEN_C, Errno.EOPNOTSUPP, "PUNCH_HOLE must come with KEEP_SIZE");
        if ((mode & FALLOC_FL_COLLAPSE_RANGE.value) != 0 && (mode & ~FALLOC_FL_COLLAPSE_RANGE.value) != 0)
            return fail(ex, "vfs_fallocate", OPEN_C, Errno.EINVAL, "COLLAPSE_RANGE must be used alone");
        if ((mode & FALLOC_FL_INSERT_RANGE.value) != 0 && (mode & ~FALLOC_FL_INSERT_RANGE.value) != 0)
            return fail(ex, "vfs_fallocate", OPEN_C, Errno.EINVAL, "INSERT_RANGE must be used alone");
        if ((mode & FALLOC_FL_UNSHARE_RANGE.value) != 0 && (mode & ~(FALLOC_FL_UNSHARE_RANGE.value | keep)) != 0)
            return fail(ex, "vfs_fallocate", OPEN_C, Errno.EINVAL, "UNSHARE_RANGE goes only with KEEP_SIZE");
        return 0;
    }

    /** vfs_fallocate() in the 6.19 tree (and 6.18, see the oracle): one mode out of FALLOC_FL_MODE_MASK, plus KEEP_SIZE where allowed. */
    private static long checkModeExclusive(int mode, Explain ex) {
        if ((mode & ~(MODE_MASK | FALLOC_FL_KEEP_SIZE.value)) != 0)
            return fail(ex, "vfs_fallocate", OPEN_C, Errno.EOPNOTSUPP, "mode " + hex(mode) + " has bits outside FALLOC_FL_MODE_MASK | KEEP_SIZE");
        boolean keep = (mode & FALLOC_FL_KEEP_SIZE.value) != 0;
        int m = mode & MODE_MASK;
        if (m == 0 || m == FALLOC_FL_UNSHARE_RANGE.value || m == FALLOC_FL_ZERO_RANGE.value) return 0;
        if (m == FALLOC_FL_PUNCH_HOLE.value)
            return keep ? 0 : fail(ex, "vfs_fallocate", OPEN_C, Errno.EOPNOTSUPP, "PUNCH_HOLE must come with KEEP_SIZE");
        if (m == FALLOC_FL_COLLAPSE_RANGE.value || m == FALLOC_FL_INSERT_RANGE.value || m == FALLOC_FL_WRITE_ZEROES.value)
            return keep ? fail(ex, "vfs_fallocate", OPEN_C, Errno.EOPNOTSUPP, "COLLAPSE_RANGE, INSERT_RANGE and WRITE_ZEROES change the size: no KEEP_SIZE") : 0;
        return fail(ex, "vfs_fallocate", OPEN_C, Errno.EOPNOTSUPP, "modes are exclusive: " + hex(m) + " names more than one");
    }

    /**
     * ext4_fallocate(), xfs_file_fallocate(), btrfs_fallocate(): a mode the file system lacks is
     * -EOPNOTSUPP; PUNCH_HOLE (ext4_punch_hole(), xfs_free_file_space(), btrfs_punch_hole()) and
     * ZERO_RANGE drop the covered page-cache pages with truncate_pagecache_range(); preallocation
     * and ZERO_RANGE without KEEP_SIZE extend i_size to offset + len.
     */
    private static long diskFallocate(Globals k, Inode in, int mode, long offset, long len, Explain ex, String fn, String file, int supported) {
        if ((mode & FALLOC_FL_WRITE_ZEROES.value) != 0 && (supported & FALLOC_FL_WRITE_ZEROES.value) != 0) // ext4_fallocate(), 6.17+
            return fail(ex, fn, file, Errno.EOPNOTSUPP, "bdev_write_zeroes_unmap_sectors() is 0: the simulated disk, like this machine's "
                    + "virtio and loop devices, cannot write zeroes by unmapping");
        if ((mode & ~supported) != 0)
            return fail(ex, fn, file, Errno.EOPNOTSUPP, in.fs().fsName + " does not support mode bits " + hex(mode & ~supported));
        if ((mode & (FALLOC_FL_COLLAPSE_RANGE.value | FALLOC_FL_INSERT_RANGE.value)) != 0)
            return shiftRange(k, in, offset, len, (mode & FALLOC_FL_COLLAPSE_RANGE.value) != 0, ex, fn, file);
        if ((mode & FALLOC_FL_PUNCH_HOLE.value) != 0) {
            long end = offset + len;
            if (in.fs() == FsType.EXT4) { // ext4_punch_hole(): nothing past i_size; a hole past it ends at the page holding i_size
                if (offset >= in.size) {
                    ex.ok("ext4_punch_hole", "fs/ext4/inode.c", "offset " + offset + " is at or past i_size " + in.size + ": nothing to do");
                    return 0;
                }
                end = Math.min(end, (in.size + PAGE_SIZE) & ~(PAGE_SIZE - 1));
            }
            long n = truncatePagecacheRange(k, in, offset, end);
            freeBlocks(in, offset, end);
            ex.ok(fn, file, "PUNCH_HOLE " + offset + "+" + (end - offset) + ": " + n + " page(s) left the page cache; i_size stays " + in.size);
            return 0;
        }
        if ((mode & FALLOC_FL_ZERO_RANGE.value) != 0) {
            long n = truncatePagecacheRange(k, in, offset, offset + len);
            freeBlocks(in, offset, offset + len);
            ex.ok(fn, file, "ZERO_RANGE " + offset + "+" + len + ": " + n + " page(s) left the page cache, the range reads as zeroes");
        }
        return extendSize(in, mode, offset + len, fn, file, ex); // preallocation; xfs's UNSHARE_RANGE (no reflinks here) likewise
    }

    /** The whole pages of bytes [lstart, lend) lose their blocks: they read as zeroes (a hole or zeroed extents). */
    private static void freeBlocks(Inode in, long lstart, long lend) {
        in.disk.forEach((lstart + PAGE_SIZE - 1) >>> PAGE_SHIFT, lend >>> PAGE_SHIFT, (idx, v) -> in.disk.set(idx, 0));
    }

    /**
     * COLLAPSE_RANGE and INSERT_RANGE: ext4_collapse_range() / ext4_insert_range() (fs/ext4/extents.c) and, on xfs,
     * xfs_falloc_collapse_range() / xfs_falloc_insert_range() (fs/xfs/xfs_file.c in the 6.19 tree; the COLLAPSE and
     * INSERT branches of xfs_file_fallocate() in 6.3). offset and len must be multiples of the block size (4 KiB:
     * IS_ALIGNED(offset | len, EXT4_CLUSTER_SIZE()), xfs_is_falloc_aligned()), else -EINVAL. Collapse: offset + len
     * must stay below i_size ("effectively a truncate" otherwise), -EINVAL. Insert: offset below i_size (-EINVAL) and
     * i_size + len within s_maxbytes (-EFBIG; ext4 and xfs check these two in opposite orders, which no call can tell
     * apart: vfs_fallocate() already bounds offset + len). Then the file from offset on is written back
     * (filemap_write_and_wait_range()) and leaves the page cache: ext4 with truncate_pagecache() (even_cows: private
     * COW copies are zapped too), xfs from one block before offset (xfs_prepare_shift(), the same in 6.3 and the 6.19
     * tree) with truncate_pagecache_range() in xfs_flush_unmap_range() (COW copies stay);
     * pinned pages leave it and keep their old contents. The extents move by len, and i_size with them.
     */
    private static long shiftRange(Globals k, Inode in, long offset, long len, boolean collapse, Explain ex, String fn, String file) {
        boolean ext4 = in.fs() == FsType.EXT4;
        String op = collapse ? "COLLAPSE_RANGE" : "INSERT_RANGE";
        if (!ext4 && collapse && !k.profile.xfsFallocPerMode()) // 6.3 xfs_file_fallocate(): xfs_flush_unmap_range(ip, offset, len) before the checks
            writeBackAndDrop(k, in, offset & ~(PAGE_SIZE - 1), (offset + len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1), false);
        if (((offset | len) & (PAGE_SIZE - 1)) != 0)
            return fail(ex, fn, file, Errno.EINVAL, op + ": offset " + offset + " and len " + len + " must be multiples of the block size " + PAGE_SIZE);
        if (collapse && offset + len >= in.size)
            return fail(ex, fn, file, Errno.EINVAL, "offset + len " + (offset + len) + " reaches i_size " + in.size + ": that is a truncate, not a collapse");
        if (!collapse && offset >= in.size)
            return fail(ex, fn, file, Errno.EINVAL, "offset " + offset + " is at or past i_size " + in.size);
        if (!collapse && in.fs().maxBytes - in.size < len)
            return fail(ex, fn, file, Errno.EFBIG, "i_size " + in.size + " + len " + len + " is past s_maxbytes " + in.fs().maxBytes);
        long from = offset >>> PAGE_SHIFT, shift = len >>> PAGE_SHIFT;
        // xfs_prepare_shift(): from one block before offset, "to stabilize the boundary"
        long flushFrom = ext4 || offset == 0 ? offset : offset - PAGE_SIZE;
        long cached = cached(in, flushFrom >>> PAGE_SHIFT, END);
        writeBackAndDrop(k, in, flushFrom, END << PAGE_SHIFT, ext4);
        List<long[]> moved = new ArrayList<>(); // ext4_ext_shift_extents() / xfs_{collapse,insert}_file_space()
        in.disk.forEach(from, END, (idx, v) -> {
            moved.add(new long[] {idx, v});
            in.disk.set(idx, 0);
        });
        for (long[] e : moved) {
            if (collapse && e[0] < from + shift) continue; // the collapsed blocks are freed
            in.disk.set(collapse ? e[0] - shift : e[0] + shift, e[1]);
        }
        in.size += collapse ? -len : len;
        ex.ok(fn, file, op + " " + offset + "+" + len + ": " + cached + " page(s) from " + flushFrom + " on written back and dropped from the page cache ("
                + (ext4 ? "truncate_pagecache(): private COW copies unmapped too"
                : "xfs_prepare_shift() starts a block before offset; truncate_pagecache_range(): private COW copies stay")
                + "); the blocks after it moved " + (collapse ? "down" : "up") + " by " + len + ", i_size is now " + in.size);
        return 0;
    }

    /** Page indices "to the end of the file", past any index a file can have. */
    private static final long END = Long.MAX_VALUE >>> PhysMem.PUD_ORDER;

    /**
     * filemap_write_and_wait_range() then the page cache's truncation over bytes [lstart, lend): every cached page's
     * value goes to disk (it is clean now), then truncate_pagecache() (evenCows, from lstart to the end) or
     * truncate_pagecache_range() drops the pages.
     */
    private static void writeBackAndDrop(Globals k, Inode in, long lstart, long lend, boolean evenCows) {
        long from = lstart >>> PAGE_SHIFT, to = lend >>> PAGE_SHIFT;
        in.pageCache.forEach(from, to, (idx, pfn) -> {
            in.disk.set(idx, k.phys.value(pfn));
            k.phys.clearFolioFlags(pfn, PhysMem.PG_DIRTY);
        });
        if (evenCows) Truncate.truncatePagecacheRange(k, in, from, to);
        else truncatePagecacheRange(k, in, lstart, lend);
    }

    /**
     * shmem_fallocate() (mm/shmem.c): KEEP_SIZE and PUNCH_HOLE only. A hole unmaps the whole pages
     * it covers (unmap_mapping_range(..., even_cows = 0): private COW copies stay) and
     * shmem_truncate_range() frees them. Preallocation allocates every page of the range into the
     * page cache (shmem_get_folio(SGP_FALLOC)); when an allocation fails or a fatal signal is
     * pending, the pages this call added are removed again.
     */
    private static long shmemFallocate(Globals k, Inode in, int mode, long offset, long len, Explain ex) {
        String fn = "shmem_fallocate", file = "mm/shmem.c";
        int allowed = FALLOC_FL_KEEP_SIZE.value | FALLOC_FL_PUNCH_HOLE.value;
        if ((mode & ~allowed) != 0) return fail(ex, fn, file, Errno.EOPNOTSUPP, "tmpfs supports only KEEP_SIZE and PUNCH_HOLE");
        if ((mode & FALLOC_FL_PUNCH_HOLE.value) != 0) {
            long n = truncatePagecacheRange(k, in, offset, offset + len);
            ex.ok(fn, file, "PUNCH_HOLE " + offset + "+" + len + ": " + n + " page(s) freed from the page cache (COWed private copies stay)");
            return 0;
        }
        long start = offset >>> PAGE_SHIFT, end = (offset + len + PAGE_SIZE - 1) >>> PAGE_SHIFT;
        List<Long> added = new ArrayList<>();
        for (long idx = start; idx < end; idx++) {
            Errno err = null;
            if (!k.chargeWork(1)) err = Errno.EINTR; // fatal_signal_pending(): pinlab's per-call work limit
            else if (in.pageCache.get(idx) <= 0) {
                boolean swapped = in.pageCache.get(idx) < 0; // shmem_get_folio(SGP_FALLOC) swaps it in
                long pfn = Memory.findOrCreateCachePage(k, in, idx);
                if (pfn < 0) err = Errno.ENOMEM;
                else {
                    // "mark it dirty so that memory pressure will swap rather than free the folios we are allocating"
                    k.phys.setFolioFlags(pfn, PhysMem.PG_DIRTY);
                    if (!swapped) added.add(idx);
                }
            }
            if (err != null) {
                for (long a : added) Truncate.truncateInodePagesRange(k, in, a, a + 1); // "remove the !uptodate folios we added"
                return fail(ex, fn, file, err, err == Errno.EINTR ? k.workLimitReason()
                        : "no memory for page " + idx + ": " + k.phys.allocFailure() + "; the " + added.size() + " page(s) added are removed");
            }
        }
        ex.ok(fn, file, added.size() + " page(s) allocated into the page cache (SGP_FALLOC), " + (end - start - added.size()) + " were there");
        return extendSize(in, mode, offset + len, fn, file, ex);
    }

    /**
     * hugetlbfs_fallocate() (fs/hugetlbfs/inode.c): KEEP_SIZE and PUNCH_HOLE only.
     * hugetlbfs_punch_hole() removes the huge pages wholly inside the hole from every mapping
     * (hugetlb_vmdelete_list()) and from the file (remove_inode_hugepages()); partly covered ones
     * are zeroed in part. Preallocation takes a huge page from the pool for each absent index
     * (-ENOSPC when the pool is empty; pages already added stay).
     */
    private static long hugetlbfsFallocate(Globals k, Inode in, int mode, long offset, long len, Explain ex) {
        String fn = "hugetlbfs_fallocate", file = "fs/hugetlbfs/inode.c";
        Hstate h = in.hstate;
        long hsize = h.size();
        int hshift = h.shift();
        int allowed = FALLOC_FL_KEEP_SIZE.value | FALLOC_FL_PUNCH_HOLE.value;
        if ((mode & ~allowed) != 0) return fail(ex, fn, file, Errno.EOPNOTSUPP, "hugetlbfs supports only KEEP_SIZE and PUNCH_HOLE");
        if ((mode & FALLOC_FL_PUNCH_HOLE.value) != 0) {
            long holeStart = (offset + hsize - 1) & ~(hsize - 1), holeEnd = (offset + len) & ~(hsize - 1);
            long n = 0;
            if (holeEnd > holeStart) {
                n = cached(in, holeStart >>> hshift, holeEnd >>> hshift);
                Truncate.truncatePagecacheRange(k, in, holeStart >>> hshift, holeEnd >>> hshift);
            }
            ex.ok("hugetlbfs_punch_hole", file, n + " huge page(s) wholly inside the hole were removed"
                    + (holeEnd > holeStart ? "" : " (the hole covers no whole huge page)"));
            return 0;
        }
        long start = offset >>> hshift, end = (offset + len + hsize - 1) >>> hshift;
        int added = 0;
        for (long idx = start; idx < end; idx++) {
            if (!k.chargeWork(1)) return fail(ex, fn, file, Errno.EINTR, k.workLimitReason());
            if (in.pageCache.get(idx) != 0) continue;
            long head = allocHugetlbForFile(k, in, idx);
            if (head < 0) return fail(ex, "alloc_hugetlb_folio", "mm/hugetlb.c", Errno.ENOSPC, "no free huge page for index " + idx
                    + " (free " + h.freeHugePages() + ", reserved " + h.resvHugePages + "); the " + added + " page(s) added stay");
            k.phys.setMapping(head, in, idx << h.order);
            in.pageCache.set(idx, head);
            added++;
        }
        ex.ok(fn, file, added + " huge page(s) taken from the pool into the page cache");
        return extendSize(in, mode, offset + len, fn, file, ex);
    }

    /**
     * alloc_hugetlb_folio() for hugetlbfs_fallocate()'s pseudo VMA (VM_SHARED): the page a shared
     * mapping of this file reserved for the index is used (vma_needs_reservation() finds it in the
     * inode's resv_map); otherwise only a free, unreserved page.
     */
    private static long allocHugetlbForFile(Globals k, Inode in, long hindex) {
        for (Task t : k.tasks.values()) {
            if (t.mm == null) continue;
            for (Vma v : t.mm.vmas.values()) {
                if (v.file == null || v.file.inode() != in || !v.has(VM_SHARED_B) || v.hugeResv <= 0) continue;
                long first = v.pgoff >>> in.hstate.order, last = (v.pgoff + v.pages()) >>> in.hstate.order;
                if (hindex < first || hindex >= last) continue;
                long head = Hugetlb.allocHugetlbFolio(k, in.hstate, true);
                if (head >= 0) v.hugeResv--;
                return head;
            }
        }
        return Hugetlb.allocHugetlbFolio(k, in.hstate, false);
    }

    /** The size update of preallocation: i_size_write(offset + len) unless KEEP_SIZE or the file is longer. */
    private static long extendSize(Inode in, int mode, long newEnd, String fn, String file, Explain ex) {
        if ((mode & FALLOC_FL_KEEP_SIZE.value) == 0 && newEnd > in.size) {
            ex.ok(fn, file, "i_size " + in.size + " -> " + newEnd);
            in.size = newEnd;
        } else {
            ex.ok(fn, file, "i_size stays " + in.size + ((mode & FALLOC_FL_KEEP_SIZE.value) != 0 ? " (KEEP_SIZE)" : ""));
        }
        return 0;
    }

    /**
     * truncate_pagecache_range() (mm/truncate.c) for bytes [lstart, lend): unmap_mapping_range()
     * of the whole pages inside with even_cows = 0 (a private mapping loses the PTEs that map the
     * file's page, not its anonymous COW copies), then truncate_inode_pages_range() drops them from
     * the page cache. A pinned page leaves the page cache but stays allocated while pinned.
     * Returns the number of pages removed from the page cache.
     */
    static long truncatePagecacheRange(Globals k, Inode in, long lstart, long lend) {
        long from = (lstart + PAGE_SIZE - 1) >>> PAGE_SHIFT, to = lend >>> PAGE_SHIFT;
        if (to <= from) return 0;
        Truncate.checkPartialFolios(k, in, from, to, "offset");
        Memory.vmaIntervalTreeForeach(k, in, from, to, (t, v, s, e) -> {
            Mm mm = t.mm;
            if (v.has(VM_SHARED_B)) {
                Memory.zapRange(k, mm, v, s, e);
                return;
            }
            List<Long> filePmds = new ArrayList<>(); // zap_pmd_range(): a page-cache THP's PMD goes (split = zap when partly covered)
            mm.pmds.forEach(s >>> 21, ((e - 1) >>> 21) + 1, (key, pmd) -> {
                if (HugeMemory.isFilePmd(k, pmd)) filePmds.add(key);
            });
            for (long key : filePmds) Memory.zapRange(k, mm, v, Math.max(s, key << 21), Math.min(e, (key + 1) << 21));
            List<Long> filePages = new ArrayList<>(); // zap_pte_range() with even_cows = 0 skips anonymous folios
            mm.ptes.forEach(s >>> PAGE_SHIFT, e >>> PAGE_SHIFT, (vpn, pte) -> {
                if (Memory.isFilePte(k, pte)) filePages.add(vpn);
            });
            for (long vpn : filePages) Memory.zapRange(k, mm, v, vpn << PAGE_SHIFT, (vpn + 1) << PAGE_SHIFT);
        });
        long n = cached(in, from, to);
        Truncate.truncateInodePagesRange(k, in, from, to);
        return n;
    }

    /** Page-cache entries in [from, to). */
    private static long cached(Inode in, long from, long to) {
        long[] n = {0};
        in.pageCache.forEach(from, to, (idx, pfn) -> n[0]++);
        return n[0];
    }

    private static String hex(long v) { return Explain.hex(v); }

    private static long fail(Explain ex, String fn, String file, Errno e, String why) {
        ex.fail(fn, file, e, why);
        return e.neg();
    }
}
