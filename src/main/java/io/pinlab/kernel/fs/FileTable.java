package io.pinlab.kernel.fs;

import io.pinlab.kernel.mm.Globals;
import io.pinlab.kernel.mm.MemCg;

/** The life of a struct file: fs/file_table.c (fput(), __fput()). */
public final class FileTable {
    private FileTable() {}

    /**
     * fput(): drops one reference; the last one runs __fput(): the file's {@code f_op->release}
     * (an io_uring ring is torn down by io_uring_release()), then an unlinked inode (memfd,
     * secretmem, shared anonymous memory) is evicted with its page cache.
     */
    public static void fput(Globals k, OpenFile f) {
        if (f.refs <= 0) throw new IllegalStateException("fput of a released file " + f.id());
        if (--f.refs > 0) return;
        k.memcg.uncharge(MemCg.FILE_BYTES);
        if (f.fOp != null) f.fOp.release(k, f);
        Inode in = f.inode();
        if (in.nlink == 0) Truncate.truncateSetsize(k, in, 0); // iput() -> evict() -> truncate_inode_pages_final()
    }
}
