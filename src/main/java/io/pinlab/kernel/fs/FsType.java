package io.pinlab.kernel.fs;

/** File systems and pseudo file systems a lab can map from. */
public enum FsType {
    EXT4("ext4", true),
    XFS("xfs", true),
    TMPFS("tmpfs", false),       // shmem: no writeback (mapping_can_writeback() is false)
    HUGETLBFS("hugetlbfs", false),
    DEVTMPFS("devtmpfs", false), // /dev/zero, /dev/mmio0
    SECRETMEM("secretmem", false),
    ANON_INODE("anon_inodefs", false); // [io_uring]

    public final String fsName;
    private final boolean writeback;

    FsType(String fsName, boolean writeback) {
        this.fsName = fsName;
        this.writeback = writeback;
    }

    /** mapping_can_writeback(): the backing device does writeback (ext4, xfs), shmem does not. */
    public boolean canWriteback() { return writeback; }
}
