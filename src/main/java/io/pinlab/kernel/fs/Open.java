package io.pinlab.kernel.fs;

import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Explain;
import io.pinlab.kernel.base.SysResult;
import io.pinlab.kernel.mm.Globals;
import io.pinlab.kernel.mm.PhysMem;
import io.pinlab.kernel.mm.Task;

import static io.pinlab.kernel.fs.OFlag.*;

/**
 * open, ftruncate and close: fs/open.c (do_sys_openat2(), do_sys_ftruncate(), do_truncate(),
 * filp_close()), with the fd-table steps of fs/file.c they use (get_unused_fd_flags(),
 * fd_install(), close_fd()).
 */
public final class Open {
    static final String OPEN_C = "fs/open.c";
    /** RLIMIT_NOFILE default soft limit. */
    public static final int NOFILE = 1024;

    private Open() {}

    /**
     * openat(AT_FDCWD, path, flags, 0666) -> do_sys_openat2(): build_open_flags(), then
     * path_openat() (fs/namei.c), then O_TRUNC and fd_install().
     * {@code size} (a lab convenience) sets i_size of a newly created file.
     */
    public static SysResult doSysOpen(Globals k, Task t, String path, int oflags, Long size) {
        Explain ex = new Explain();
        return k.endCall(ex, doSysOpenat2(k, t, path, oflags, size, ex));
    }

    private static long doSysOpenat2(Globals k, Task t, String path, int oflags, Long size, Explain ex) {
        // build_open_flags(): O_DIRECTORY|O_CREAT is refused ("Block bugs where O_DIRECTORY | O_CREAT
        // created regular files"; present in the 6.3.8 source too, so in every profile)
        if ((oflags & O_CREAT.value) != 0 && (oflags & O_DIRECTORY.value) != 0)
            return fail(ex, "build_open_flags", OPEN_C, Errno.EINVAL, "O_CREAT together with O_DIRECTORY");
        if ((oflags & O_ACCMODE) == O_ACCMODE) return fail(ex, "build_open_flags", OPEN_C, Errno.EINVAL, "access mode 3 is not valid");
        long walked = Namei.pathOpenat(k, t, path, oflags, size, ex);
        if (walked < 0) return walked;
        boolean created = walked == 1;
        Inode in = k.inodes.get(path);
        if (t.fds.size() >= NOFILE) return fail(ex, "get_unused_fd_flags", "fs/file.c", Errno.EMFILE, "RLIMIT_NOFILE reached");
        // handle_truncate() (fs/namei.c)
        if ((oflags & O_TRUNC.value) != 0 && in.kind() == Inode.Kind.REGULAR && !created) Truncate.truncateSetsize(k, in, 0);
        int fd = fdInstall(k, t, in, oflags | O_LARGEFILE.value); // force_o_largefile() on 64-bit
        ex.ok("do_sys_openat2", OPEN_C, "fd " + fd);
        return fd;
    }

    /** A new file on {@code in} in the lowest free fd (fs/file.c get_unused_fd_flags(), fd_install()). */
    static int fdInstall(Globals k, Task t, Inode in, int oflags) {
        OpenFile f = k.newFile(in, oflags);
        f.refs = 1;
        int fd = t.lowestFreeFd();
        t.fds.put(fd, f);
        return fd;
    }

    /** ftruncate() -> do_sys_ftruncate() -> do_ftruncate() -> do_truncate(). */
    public static SysResult doSysFtruncate(Globals k, Task t, int fd, long length) {
        Explain ex = new Explain();
        long ret;
        OpenFile f = t.fds.get(fd);
        if (length < 0) ret = fail(ex, "ksys_ftruncate", OPEN_C, Errno.EINVAL, "negative length");
        else if (f == null) ret = fail(ex, "ksys_ftruncate", OPEN_C, Errno.EBADF, "fd " + fd + " is not open");
        else if (f.inode().kind() != Inode.Kind.REGULAR || !f.writable())
            ret = fail(ex, "do_ftruncate", OPEN_C, Errno.EINVAL, f.inode().kind() != Inode.Kind.REGULAR
                    ? "not a regular file" : "fd " + fd + " was not opened for writing");
        else ret = doTruncate(k, f.inode(), length, ex);
        return k.endCall(ex, ret);
    }

    /**
     * do_truncate() -> notify_change() -> the setattr(ATTR_SIZE) of each file system: secretmem
     * size-once (mm/secretmem.c secretmem_setattr()), then setattr_prepare()'s inode_newsize_ok()
     * (fs/attr.c: growing past the super block's s_maxbytes is -EFBIG), then hugetlbfs alignment,
     * then truncate_setsize().
     */
    static long doTruncate(Globals k, Inode in, long length, Explain ex) {
        if (in.fs() == FsType.SECRETMEM && in.size != 0)
            return fail(ex, "secretmem_setattr", Secretmem.SECRETMEM_C, Errno.EINVAL, "a secretmem file's size can be set only once");
        if (length > in.size && length > in.fs().maxBytes)
            return fail(ex, "inode_newsize_ok", "fs/attr.c", Errno.EFBIG, length + " is past " + in.fs().fsName
                    + "'s s_maxbytes " + in.fs().maxBytes);
        if (in.isHugetlb() && (length & (in.hstate.size() - 1)) != 0) // hugetlbfs_setattr(): newsize & ~huge_page_mask(h)
            return fail(ex, "hugetlbfs_setattr", "fs/hugetlbfs/inode.c", Errno.EINVAL, "hugetlbfs sizes are multiples of the huge page size, "
                    + (in.hstate.size() >> 10) + " kB");
        long old = in.size;
        Truncate.truncateSetsize(k, in, length);
        ex.ok("do_truncate", OPEN_C, "i_size " + old + " -> " + length);
        return 0;
    }

    /** close() -> close_fd() (fs/file.c) -> filp_close() -> fput(). */
    public static SysResult closeFd(Globals k, Task t, int fd) {
        Explain ex = new Explain();
        OpenFile f = t.fds.remove(fd);
        long ret;
        if (f == null) {
            ret = fail(ex, "close_fd", "fs/file.c", Errno.EBADF, "fd " + fd + " is not open");
        } else {
            FileTable.fput(k, f);
            ex.ok("filp_close", OPEN_C, "fd " + fd + " closed" + (f.refs > 0 ? " (" + f.refs + " references remain: mappings or other processes)" : ""));
            ret = 0;
        }
        return k.endCall(ex, ret);
    }

    /** Records a failed check and gives its -errno: the return of every fs system call here. */
    static long fail(Explain ex, String fn, String file, Errno e, String detail) {
        ex.fail(fn, file, e, detail);
        return e.neg();
    }
}
