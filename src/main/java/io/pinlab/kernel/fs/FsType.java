package io.pinlab.kernel.fs;

/** File systems and pseudo file systems a lab can map from. */
public enum FsType {
    /** s_maxbytes = ext4_max_size(12, huge_file) (fs/ext4/super.c): 2^32 - 1 blocks of 4 KiB, 16 TiB - 4 KiB. */
    EXT4("ext4", true, ((1L << 32) - 1) << 12),
    XFS("xfs", true),
    TMPFS("tmpfs", false),       // shmem: no writeback (mapping_can_writeback() is false)
    HUGETLBFS("hugetlbfs", false),
    DEVTMPFS("devtmpfs", false), // /dev/zero, /dev/mmio0
    SECRETMEM("secretmem", false),
    ANON_INODE("anon_inodefs", false), // [io_uring]
    /** btrfs_fill_super() (fs/btrfs/super.c) sets s_maxbytes = MAX_LFS_FILESIZE; writeback like ext4/xfs, no DAX, no MAP_SYNC. */
    BTRFS("btrfs", true),
    /** pipe(2) inodes (fs/pipe.c get_pipe_inode()): S_IFIFO on the pipefs pseudo file system. */
    PIPEFS("pipefs", false);

    public final String fsName;
    private final boolean writeback;
    /**
     * The super block's s_maxbytes, the largest file size: MAX_LFS_FILESIZE (LLONG_MAX on 64-bit,
     * include/linux/fs.h) for all but ext4; xfs sets it in xfs_fs_fill_super(), tmpfs in
     * shmem_fill_super(), hugetlbfs in hugetlbfs_fill_super().
     */
    public final long maxBytes;

    /** MAX_LFS_FILESIZE (include/linux/fs.h): LLONG_MAX on 64-bit. */
    private static final long MAX_LFS_FILESIZE = Long.MAX_VALUE;

    FsType(String fsName, boolean writeback) {
        this(fsName, writeback, MAX_LFS_FILESIZE);
    }

    FsType(String fsName, boolean writeback, long maxBytes) {
        this.fsName = fsName;
        this.writeback = writeback;
        this.maxBytes = maxBytes;
    }

    /** mapping_can_writeback(): the backing device does writeback (ext4, xfs), shmem does not. */
    public boolean canWriteback() { return writeback; }
}
