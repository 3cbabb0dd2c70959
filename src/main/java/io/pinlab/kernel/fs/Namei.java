package io.pinlab.kernel.fs;

import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Explain;
import io.pinlab.kernel.mm.Globals;
import io.pinlab.kernel.mm.MemCg;
import io.pinlab.kernel.mm.PhysMem;
import io.pinlab.kernel.mm.Task;

import static io.pinlab.kernel.fs.OFlag.*;

/** Path lookup and permission order for open(): fs/namei.c (path_openat(), may_open(), generic_permission()). */
public final class Namei {
    static final String NAMEI_C = "fs/namei.c";
    /** Files created by open(O_CREAT) get mode 0666 & ~umask, umask 022. */
    public static final int UMASK = 022;
    // MAY_* (include/linux/fs.h)
    static final int MAY_EXEC = 1, MAY_WRITE = 2, MAY_READ = 4;

    private Namei() {}

    /**
     * path_openat(): alloc_empty_file(), the walk to the parent, O_CREAT/O_EXCL in lookup_open(),
     * then do_open() -> may_open() (EISDIR before EACCES). {@code size} (a lab convenience) sets
     * i_size of a newly created file. Returns -errno, 1 when it created {@code path}, 0 when
     * {@code path} existed; the inode is then {@code k.inodes.get(path)}.
     */
    static long pathOpenat(Globals k, Task t, String path, int oflags, Long size, Explain ex) {
        if (path == null || !path.startsWith("/")) return Open.fail(ex, "path_openat", NAMEI_C, Errno.ENOENT, "only absolute paths exist here");
        long need = Globals.inodeBytes(path) + MemCg.FILE_BYTES;
        if (k.memcg.margin() < need) return Open.fail(ex, "alloc_empty_file", "fs/file_table.c", Errno.ENOMEM, k.memcg.whyFull(need));
        Inode in = k.inodes.get(path);
        if (in == null) {
            int slash = path.lastIndexOf('/');
            String parent = slash == 0 ? "/" : path.substring(0, slash);
            Inode dir = k.inodes.get(parent);
            if (dir == null) return Open.fail(ex, "link_path_walk", NAMEI_C, Errno.ENOENT, "directory " + parent + " does not exist");
            if (dir.kind() != Inode.Kind.DIRECTORY) return Open.fail(ex, "link_path_walk", NAMEI_C, Errno.ENOTDIR, parent + " is not a directory");
            if ((oflags & O_CREAT.value) == 0) return Open.fail(ex, "lookup_open", NAMEI_C, Errno.ENOENT, path + " does not exist and O_CREAT was not given");
            if (!genericPermission(t, dir, MAY_WRITE | MAY_EXEC))
                return Open.fail(ex, "may_o_create", NAMEI_C, Errno.EACCES, "no write permission on " + parent);
            Mount m = k.mountOf(path);
            if (m.fs() == FsType.DEVTMPFS) return Open.fail(ex, "may_o_create", NAMEI_C, Errno.EACCES, "only root creates device nodes");
            long sz = size == null ? 0 : size;
            if (m.fs() == FsType.HUGETLBFS && (sz & (k.hugetlbfsHstate(m).size() - 1)) != 0)
                return Open.fail(ex, "hugetlbfs_setattr", "fs/hugetlbfs/inode.c", Errno.EINVAL, "hugetlbfs file sizes are multiples of the mount's page size, "
                        + (k.hugetlbfsHstate(m).size() >> 10) + " kB");
            in = k.newInode(path, m.fs(), Inode.Kind.REGULAR, Inode.Device.NONE, m.dax(), t.uid, 0666 & ~UMASK, sz);
            ex.ok("lookup_open", NAMEI_C, "created " + path + " on " + m.fs().fsName + " (uid " + t.uid + ", mode 0" + Integer.toOctalString(in.mode) + ")");
            return 1; // may_open(): a newly created file skips the permission check
        }
        if ((oflags & (O_CREAT.value | O_EXCL.value)) == (O_CREAT.value | O_EXCL.value))
            return Open.fail(ex, "lookup_open", NAMEI_C, Errno.EEXIST, path + " exists and O_CREAT|O_EXCL was given");
        if ((oflags & O_CREAT.value) != 0 && in.kind() == Inode.Kind.DIRECTORY)
            return Open.fail(ex, "do_open", NAMEI_C, Errno.EISDIR, path + " is a directory (O_CREAT)");
        if ((oflags & O_DIRECTORY.value) != 0 && in.kind() != Inode.Kind.DIRECTORY)
            return Open.fail(ex, "do_open", NAMEI_C, Errno.ENOTDIR, path + " is not a directory (O_DIRECTORY)");
        return mayOpen(t, in, path, oflags, ex);
    }

    /** may_open(): a directory is never opened for writing, then inode_permission() for the access mode (and O_TRUNC). */
    private static long mayOpen(Task t, Inode in, String path, int oflags, Explain ex) {
        int acc = oflags & O_ACCMODE;
        int mayMode = (acc == O_RDONLY.value ? MAY_READ : acc == O_WRONLY.value ? MAY_WRITE : MAY_READ | MAY_WRITE)
                | ((oflags & O_TRUNC.value) != 0 ? MAY_WRITE : 0);
        if (in.kind() == Inode.Kind.DIRECTORY && (mayMode & MAY_WRITE) != 0)
            return Open.fail(ex, "may_open", NAMEI_C, Errno.EISDIR, path + " is a directory and cannot be opened for writing");
        if (!genericPermission(t, in, mayMode))
            return Open.fail(ex, "inode_permission", NAMEI_C, Errno.EACCES, path + " is mode 0" + Integer.toOctalString(in.mode)
                    + " owned by uid " + in.uid + "; uid " + t.uid + " may not " + ((mayMode & MAY_WRITE) != 0 ? "write" : "read") + " it");
        ex.ok("may_open", NAMEI_C, "uid " + t.uid + " may open " + path);
        return 0;
    }

    /** generic_permission(): owner bits for the owner, "other" bits otherwise; uid 0 bypasses (CAP_DAC_OVERRIDE). */
    static boolean genericPermission(Task t, Inode in, int mask) {
        if (t.uid == 0) return true;
        int bits = t.uid == in.uid ? (in.mode >> 6) & 7 : in.mode & 7;
        return (bits & mask) == mask;
    }
}
