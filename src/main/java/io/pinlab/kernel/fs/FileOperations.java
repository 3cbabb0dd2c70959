package io.pinlab.kernel.fs;

import io.pinlab.kernel.mm.Globals;

/**
 * struct file_operations (include/linux/fs.h), reduced to the one method a file's owner needs
 * here: {@code ->release}, which __fput() (fs/file_table.c) calls when the last reference to a
 * file goes. io_uring's io_uring_fops is the simulated user; the simulated ext4, xfs, tmpfs and
 * hugetlbfs files have no release work and keep {@code f_op} null.
 */
@FunctionalInterface
public interface FileOperations {
    /** {@code ->release(inode, file)}. */
    void release(Globals k, OpenFile file);
}
