package io.pinlab.kernel.fs;

/**
 * struct file: one open() of an inode. Its identity matters: two open() calls of the same path
 * give two files, while fork and mmap share one (io_uring 6.3 compares vm_file pointers).
 */
public final class OpenFile {
    private final long id;
    private final Inode inode;
    private final int flags;
    /** file->f_op: null when releasing the file needs no work beyond dropping the inode. */
    public FileOperations fOp;
    /** file->private_data: what the f_op's owner keeps with the file (an io_uring ring's ctx). */
    public Object privateData;
    /** References from fd tables and VMAs (fget/fput); the file is released at zero. */
    public int refs;

    public OpenFile(long id, Inode inode, int flags) {
        this.id = id;
        this.inode = inode;
        this.flags = flags;
    }

    public long id() { return id; }

    public Inode inode() { return inode; }

    /** O_* flags given to open(). */
    public int flags() { return flags; }

    /** FMODE_READ: opened O_RDONLY or O_RDWR. */
    public boolean readable() { return (flags & 3) == 0 || (flags & 3) == 2; }

    /** FMODE_WRITE: opened O_WRONLY or O_RDWR. */
    public boolean writable() { return (flags & 3) == 1 || (flags & 3) == 2; }
}
