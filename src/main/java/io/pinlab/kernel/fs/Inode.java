package io.pinlab.kernel.fs;

import io.pinlab.kernel.mm.Hstate;
import io.pinlab.kernel.mm.MemCg;
import io.pinlab.kernel.mm.XArray;


/** struct inode with its page cache (struct address_space). */
public final class Inode {
    public enum Kind { REGULAR, DIRECTORY, CHARDEV, ANON, FIFO }

    /** What a character device's mmap does. */
    public enum Device { NONE, ZERO, MMIO }

    private final long ino;
    private final String path;
    private final FsType fs;
    private final Kind kind;
    private final Device device;
    private final boolean dax;
    public int uid;
    public int mode;
    public long size;
    /** memfd_create seals etc. could go here; nlink 0 for memfd/secretmem. */
    public int nlink = 1;
    /** hstate_inode(): the pool a hugetlbfs file's pages come from (its mount's pagesize=); null elsewhere. */
    public Hstate hstate;
    /** Page cache: page index -> pfn (hugetlbfs: huge-page index -> head pfn). */
    public final XArray pageCache;
    /**
     * The file's blocks on disk, for the pages the page cache does not hold: page index -> the
     * page's value (absent: a hole or zeroes). Only file systems with writeback (ext4, xfs, btrfs)
     * have one. Reclaim stores a clean folio's value here as it drops the folio
     * ({@code Vmscan}); the next page-cache fill takes it back ({@code Memory.findOrCreateCachePage}),
     * so the page cache and this map never hold the same index; truncation clears both.
     */
    public final XArray disk;

    /** @param memcg charged for the page cache's xarray nodes */
    public Inode(long ino, String path, FsType fs, Kind kind, Device device, boolean dax, int uid, int mode, long size, MemCg memcg) {
        this.pageCache = new XArray(memcg);
        this.disk = new XArray(memcg);
        this.ino = ino;
        this.path = path;
        this.fs = fs;
        this.kind = kind;
        this.device = device;
        this.dax = dax;
        this.uid = uid;
        this.mode = mode;
        this.size = size;
    }

    public long ino() { return ino; }

    public String path() { return path; }

    public FsType fs() { return fs; }

    public Kind kind() { return kind; }

    public Device device() { return device; }

    /** IS_DAX(): ext4 mounted with -o dax. */
    public boolean dax() { return dax; }

    public boolean isShmem() { return fs == FsType.TMPFS; }

    public boolean isHugetlb() { return fs == FsType.HUGETLBFS; }
}
