package io.pinlab.kernel.fs;

import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Explain;
import io.pinlab.kernel.mm.Globals;
import io.pinlab.kernel.mm.MemCg;
import io.pinlab.kernel.base.SysResult;
import io.pinlab.kernel.mm.Task;
import io.pinlab.kernel.mm.Hstate;
import io.pinlab.kernel.mm.Hugetlb;
import io.pinlab.kernel.mm.Memory;
import io.pinlab.kernel.mm.Mm;
import io.pinlab.kernel.mm.PhysMem;
import io.pinlab.kernel.mm.Vma;


import static io.pinlab.kernel.fs.OFlag.*;

/**
 * File descriptors and files: fs/open.c (open, ftruncate, close), fs/namei.c (lookup and
 * permission order), fs/file_table.c (fput), mm/memfd.c, mm/secretmem.c, and truncation of the
 * page cache (mm/truncate.c truncate_pagecache(), fs/hugetlbfs/inode.c hugetlb_vmtruncate()).
 */
public final class Files {
    static final String OPEN_C = "fs/open.c";
    static final String NAMEI_C = "fs/namei.c";
    /** RLIMIT_NOFILE default soft limit. */
    public static final int NOFILE = 1024;
    /** MFD_NAME_MAX_LEN (mm/memfd.c): NAME_MAX minus strlen("memfd:"). */
    public static final int MFD_NAME_MAX_LEN = 255 - 6;
    /** Files created by open(O_CREAT) get mode 0666 & ~umask, umask 022. */
    public static final int UMASK = 022;
    // MAY_* (include/linux/fs.h)
    static final int MAY_EXEC = 1, MAY_WRITE = 2, MAY_READ = 4;

    private Files() {}

    // ---------------------------------------------------------------- open

    /**
     * openat(AT_FDCWD, path, flags, 0666) -> do_sys_openat2() -> path_openat(): lookup,
     * O_CREAT/O_EXCL, then do_open() -> may_open() (EISDIR before EACCES), then O_TRUNC.
     * {@code size} (a lab convenience) sets i_size of a newly created file.
     */
    public static SysResult open(Globals k, Task t, String path, int oflags, Long size) {
        Explain ex = new Explain();
        long ret = doOpen(k, t, path, oflags, size, ex);
        SysResult r = ex.result(ret);
        k.endCall();
        return r;
    }

    private static long doOpen(Globals k, Task t, String path, int oflags, Long size, Explain ex) {
        // build_open_flags(): O_DIRECTORY|O_CREAT is refused ("Block bugs where O_DIRECTORY | O_CREAT
        // created regular files"; present in the 6.3.8 source too, so in every profile)
        if ((oflags & O_CREAT.value) != 0 && (oflags & O_DIRECTORY.value) != 0)
            return fail(ex, "build_open_flags", OPEN_C, Errno.EINVAL, "O_CREAT together with O_DIRECTORY");
        int acc = oflags & O_ACCMODE;
        if (acc == O_ACCMODE) return fail(ex, "build_open_flags", OPEN_C, Errno.EINVAL, "access mode 3 is not valid");
        if (path == null || !path.startsWith("/")) return fail(ex, "path_openat", NAMEI_C, Errno.ENOENT, "only absolute paths exist here");
        long need = Globals.inodeBytes(path) + MemCg.FILE_BYTES;
        if (k.memcg.margin() < need) return fail(ex, "alloc_empty_file", "fs/file_table.c", Errno.ENOMEM, k.memcg.whyFull(need));
        Inode in = k.inodes.get(path);
        boolean created = false;
        if (in == null) {
            int slash = path.lastIndexOf('/');
            String parent = slash == 0 ? "/" : path.substring(0, slash);
            Inode dir = k.inodes.get(parent);
            if (dir == null) return fail(ex, "link_path_walk", NAMEI_C, Errno.ENOENT, "directory " + parent + " does not exist");
            if (dir.kind() != Inode.Kind.DIRECTORY) return fail(ex, "link_path_walk", NAMEI_C, Errno.ENOTDIR, parent + " is not a directory");
            if ((oflags & O_CREAT.value) == 0) return fail(ex, "lookup_open", NAMEI_C, Errno.ENOENT, path + " does not exist and O_CREAT was not given");
            if (!permission(t, dir, MAY_WRITE | MAY_EXEC))
                return fail(ex, "may_o_create", NAMEI_C, Errno.EACCES, "no write permission on " + parent);
            Mount m = k.mountOf(path);
            if (m.fs() == FsType.DEVTMPFS) return fail(ex, "may_o_create", NAMEI_C, Errno.EACCES, "only root creates device nodes");
            long sz = size == null ? 0 : size;
            if (m.fs() == FsType.HUGETLBFS && (sz & (k.hugetlbfsHstate(m).size() - 1)) != 0)
                return fail(ex, "hugetlbfs_setattr", "fs/hugetlbfs/inode.c", Errno.EINVAL, "hugetlbfs file sizes are multiples of the mount's page size, "
                        + (k.hugetlbfsHstate(m).size() >> 10) + " kB");
            in = k.newInode(path, m.fs(), Inode.Kind.REGULAR, Inode.Device.NONE, m.dax(), t.uid, 0666 & ~UMASK, sz);
            created = true;
            ex.ok("lookup_open", NAMEI_C, "created " + path + " on " + m.fs().fsName + " (uid " + t.uid + ", mode 0" + Integer.toOctalString(in.mode) + ")");
        } else {
            if ((oflags & (O_CREAT.value | O_EXCL.value)) == (O_CREAT.value | O_EXCL.value))
                return fail(ex, "lookup_open", NAMEI_C, Errno.EEXIST, path + " exists and O_CREAT|O_EXCL was given");
            if ((oflags & O_CREAT.value) != 0 && in.kind() == Inode.Kind.DIRECTORY)
                return fail(ex, "do_open", NAMEI_C, Errno.EISDIR, path + " is a directory (O_CREAT)");
            if ((oflags & O_DIRECTORY.value) != 0 && in.kind() != Inode.Kind.DIRECTORY)
                return fail(ex, "do_open", NAMEI_C, Errno.ENOTDIR, path + " is not a directory (O_DIRECTORY)");
        }
        if (!created) { // may_open(): newly created files skip the permission check
            int mayMode = (acc == O_RDONLY.value ? MAY_READ : acc == O_WRONLY.value ? MAY_WRITE : MAY_READ | MAY_WRITE)
                    | ((oflags & O_TRUNC.value) != 0 ? MAY_WRITE : 0);
            if (in.kind() == Inode.Kind.DIRECTORY && (mayMode & MAY_WRITE) != 0)
                return fail(ex, "may_open", NAMEI_C, Errno.EISDIR, path + " is a directory and cannot be opened for writing");
            if (!permission(t, in, mayMode))
                return fail(ex, "inode_permission", NAMEI_C, Errno.EACCES, path + " is mode 0" + Integer.toOctalString(in.mode)
                        + " owned by uid " + in.uid + "; uid " + t.uid + " may not " + ((mayMode & MAY_WRITE) != 0 ? "write" : "read") + " it");
            ex.ok("may_open", NAMEI_C, "uid " + t.uid + " may open " + path);
        }
        if (t.fds.size() >= NOFILE) return fail(ex, "get_unused_fd_flags", "fs/file.c", Errno.EMFILE, "RLIMIT_NOFILE reached");
        if ((oflags & O_TRUNC.value) != 0 && in.kind() == Inode.Kind.REGULAR && !created) truncateInode(k, in, 0);
        int fd = install(k, t, in, oflags | O_LARGEFILE.value); // force_o_largefile() on 64-bit
        ex.ok("do_sys_openat2", OPEN_C, "fd " + fd);
        return fd;
    }

    /** generic_permission() (fs/namei.c): owner bits for the owner, "other" bits otherwise; uid 0 bypasses (CAP_DAC_OVERRIDE). */
    static boolean permission(Task t, Inode in, int mask) {
        if (t.uid == 0) return true;
        int bits = t.uid == in.uid ? (in.mode >> 6) & 7 : in.mode & 7;
        return (bits & mask) == mask;
    }

    static int install(Globals k, Task t, Inode in, int oflags) {
        OpenFile f = k.newFile(in, oflags);
        f.refs = 1;
        int fd = t.lowestFreeFd();
        t.fds.put(fd, f);
        return fd;
    }

    // ---------------------------------------------------------------- memfd

    /** memfd_create() (mm/memfd.c): flag and name checks, then a shmem or hugetlbfs file "memfd:NAME". */
    public static SysResult memfdCreate(Globals k, Task t, String name, int mfdFlags, Long size) {
        Explain ex = new Explain();
        long ret = doMemfdCreate(k, t, name, mfdFlags, size, ex);
        SysResult r = ex.result(ret);
        k.endCall();
        return r;
    }

    private static long doMemfdCreate(Globals k, Task t, String name, int flags, Long size, Explain ex) {
        boolean huge = (flags & MfdFlag.MFD_HUGETLB.value) != 0;
        int allowed = MfdFlag.MFD_ALL_FLAGS | (huge ? MfdFlag.MFD_HUGE_BITS : 0);
        if ((flags & ~allowed) != 0)
            return fail(ex, "memfd_create", "mm/memfd.c", Errno.EINVAL, "unknown flags " + Integer.toHexString(flags & ~allowed));
        if ((flags & MfdFlag.MFD_EXEC.value) != 0 && (flags & MfdFlag.MFD_NOEXEC_SEAL.value) != 0)
            return fail(ex, "memfd_create", "mm/memfd.c", Errno.EINVAL, "MFD_EXEC and MFD_NOEXEC_SEAL together");
        Hstate hs = null;
        if (huge) { // hugetlb_file_setup(): get_hstate_idx(page_size_log) < 0 -> -ENODEV
            int sizeLog = (flags >>> 26) & 0x3f;
            hs = k.hstateSizelog(sizeLog);
            if (hs == null)
                return fail(ex, "hugetlb_file_setup", "fs/hugetlbfs/inode.c", Errno.ENODEV, "no hugetlb pool of size 2^" + sizeLog
                        + " (x86_64 has 2 MiB, MFD_HUGE_2MB = 21, and 1 GiB, MFD_HUGE_1GB = 30)");
        }
        byte[] bytes = name == null ? new byte[0] : name.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (bytes.length > MFD_NAME_MAX_LEN)
            return fail(ex, "memfd_create", "mm/memfd.c", Errno.EINVAL, "name is " + bytes.length + " bytes, the limit is " + MFD_NAME_MAX_LEN);
        if (t.fds.size() >= NOFILE) return fail(ex, "get_unused_fd_flags", "fs/file.c", Errno.EMFILE, "RLIMIT_NOFILE reached");
        if (k.memcg.margin() < MemCg.FILE_BYTES)
            return fail(ex, "alloc_file_pseudo", "fs/file_table.c", Errno.ENOMEM, k.memcg.whyFull(MemCg.FILE_BYTES));
        Inode in = k.newUnlinkedInode("/memfd:" + name, huge ? FsType.HUGETLBFS : FsType.TMPFS, t.uid, 0777, 0);
        if (huge) in.hstate = hs;
        if (size != null) {
            long r = setSize(k, in, size, ex);
            if (r < 0) return r;
        }
        int fd = install(k, t, in, O_RDWR.value | O_LARGEFILE.value | ((flags & MfdFlag.MFD_CLOEXEC.value) != 0 ? O_CLOEXEC.value : 0));
        ex.ok("memfd_create", "mm/memfd.c", "fd " + fd + " -> memfd:" + name + " on " + in.fs().fsName);
        return fd;
    }

    /** memfd_secret() (mm/secretmem.c): a secretmem file; its pages leave the direct map and can never be pinned. */
    public static SysResult memfdSecret(Globals k, Task t, Long size) {
        Explain ex = new Explain();
        long ret;
        if (t.fds.size() >= NOFILE) {
            ret = fail(ex, "get_unused_fd_flags", "fs/file.c", Errno.EMFILE, "RLIMIT_NOFILE reached");
        } else if (k.memcg.margin() < MemCg.FILE_BYTES) {
            ret = fail(ex, "alloc_file_pseudo", "fs/file_table.c", Errno.ENOMEM, k.memcg.whyFull(MemCg.FILE_BYTES));
        } else {
            Inode in = k.newUnlinkedInode("/secretmem", FsType.SECRETMEM, t.uid, 0600, 0);
            ret = size == null ? 0 : setSize(k, in, size, ex);
            if (ret == 0) {
                ret = install(k, t, in, O_RDWR.value | O_LARGEFILE.value);
                // before 6.5 (b758fe6df50d) secretmem is off unless booted with secretmem.enable=1 (-ENOSYS);
                // the simulated machine boots with it so that every profile can show the GUP refusal
                boolean bootParam = k.profile == io.pinlab.kernel.base.Profile.V6_3 || k.profile == io.pinlab.kernel.base.Profile.SEED
                        || k.profile == io.pinlab.kernel.base.Profile.V6_4;
                ex.ok("memfd_secret", "mm/secretmem.c", "fd " + ret + (bootParam ? " (this kernel needs secretmem.enable=1 on the command line, which the lab machine has)" : ""));
            }
        }
        SysResult r = ex.result(ret);
        k.endCall();
        return r;
    }

    // ---------------------------------------------------------------- ftruncate, close, fput

    /** ftruncate() -> ksys_ftruncate() -> do_ftruncate() -> do_truncate() -> notify_change() -> the fs's setattr. */
    public static SysResult ftruncate(Globals k, Task t, int fd, long length) {
        Explain ex = new Explain();
        long ret;
        OpenFile f = t.fds.get(fd);
        if (length < 0) ret = fail(ex, "ksys_ftruncate", OPEN_C, Errno.EINVAL, "negative length");
        else if (f == null) ret = fail(ex, "ksys_ftruncate", OPEN_C, Errno.EBADF, "fd " + fd + " is not open");
        else if (f.inode().kind() != Inode.Kind.REGULAR || !f.writable())
            ret = fail(ex, "do_ftruncate", OPEN_C, Errno.EINVAL, f.inode().kind() != Inode.Kind.REGULAR
                    ? "not a regular file" : "fd " + fd + " was not opened for writing");
        else ret = setSize(k, f.inode(), length, ex);
        SysResult r = ex.result(ret);
        k.endCall();
        return r;
    }

    /**
     * The setattr(ATTR_SIZE) of each file system: secretmem size-once, then setattr_prepare()'s
     * inode_newsize_ok() (fs/attr.c: growing past the super block's s_maxbytes is -EFBIG), then
     * hugetlbfs alignment, then truncation.
     */
    static long setSize(Globals k, Inode in, long length, Explain ex) {
        if (in.fs() == FsType.SECRETMEM && in.size != 0)
            return fail(ex, "secretmem_setattr", "mm/secretmem.c", Errno.EINVAL, "a secretmem file's size can be set only once");
        if (length > in.size && length > in.fs().maxBytes)
            return fail(ex, "inode_newsize_ok", "fs/attr.c", Errno.EFBIG, length + " is past " + in.fs().fsName
                    + "'s s_maxbytes " + in.fs().maxBytes);
        if (in.isHugetlb() && (length & (in.hstate.size() - 1)) != 0) // hugetlbfs_setattr(): newsize & ~huge_page_mask(h)
            return fail(ex, "hugetlbfs_setattr", "fs/hugetlbfs/inode.c", Errno.EINVAL, "hugetlbfs sizes are multiples of the huge page size, "
                    + (in.hstate.size() >> 10) + " kB");
        long old = in.size;
        truncateInode(k, in, length);
        ex.ok("do_truncate", OPEN_C, "i_size " + old + " -> " + length);
        return 0;
    }

    /**
     * truncate_setsize() + truncate_pagecache() (mm/truncate.c), hugetlb_vmtruncate() for
     * hugetlbfs: on shrink, every mapping of the cut-off pages is zapped in every mm (even
     * private COW copies: unmap_mapping_range(..., even_cows=1)), then the page cache drops them.
     * Pinned pages stay allocated until their pins go.
     */
    public static void truncateInode(Globals k, Inode in, long newSize) {
        long old = in.size;
        in.size = newSize;
        if (newSize >= old && in.pageCache.isEmpty()) return;
        long unit = in.isHugetlb() ? in.hstate.size() : PhysMem.PAGE_SIZE;
        punchHole(k, in, (newSize + unit - 1) / unit, Long.MAX_VALUE >>> PhysMem.PUD_ORDER);
    }

    /**
     * Removes page-cache indices [from, to) (huge-page indices on hugetlbfs): unmap_mapping_range()
     * in every mm that maps them (private COW copies included), then the cache drops its
     * references (truncate_inode_pages_range(), remove_inode_hugepages()).
     */
    public static void punchHole(Globals k, Inode in, long from, long to) {
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
        deleteFromPageCache(k, in, from, to);
    }

    /**
     * The page cache drops its references to indices [from, to) (truncate_inode_pages_range(),
     * remove_inode_hugepages()): folio->mapping becomes NULL; a folio that a pin or a pipe still
     * references stays allocated, outside the page cache.
     */
    static void deleteFromPageCache(Globals k, Inode in, long from, long to) {
        in.pageCache.forEach(from, to, (idx, pfn) -> {
            in.pageCache.set(idx, 0);
            k.phys.setMapping(pfn, null, 0); // folio->mapping = NULL: truncated
            if (in.isHugetlb()) Hugetlb.releaseHugetlbRef(k, pfn); else k.phys.refAdd(pfn, -1);
        });
    }

    /** close() -> close_fd() -> filp_close() -> fput(). */
    public static SysResult close(Globals k, Task t, int fd) {
        Explain ex = new Explain();
        OpenFile f = t.fds.remove(fd);
        long ret;
        if (f == null) {
            ret = fail(ex, "close_fd", "fs/file.c", Errno.EBADF, "fd " + fd + " is not open");
        } else {
            fput(k, f);
            ex.ok("filp_close", OPEN_C, "fd " + fd + " closed" + (f.refs > 0 ? " (" + f.refs + " references remain: mappings or other processes)" : ""));
            ret = 0;
        }
        SysResult r = ex.result(ret);
        k.endCall();
        return r;
    }

    /**
     * fput() (fs/file_table.c): drops one reference; the last one runs __fput(): the file's
     * {@code f_op->release} (an io_uring ring is torn down by io_uring_release()), then an
     * unlinked inode (memfd, secretmem, shared anonymous memory) is evicted with its page cache.
     */
    public static void fput(Globals k, OpenFile f) {
        if (f.refs <= 0) throw new IllegalStateException("fput of a released file " + f.id());
        if (--f.refs > 0) return;
        k.memcg.uncharge(MemCg.FILE_BYTES);
        if (f.fOp != null) f.fOp.release(k, f);
        Inode in = f.inode();
        if (in.nlink == 0) truncateInode(k, in, 0); // iput() -> evict() -> truncate_inode_pages_final()
    }

    private static long fail(Explain ex, String fn, String file, Errno e, String detail) {
        ex.fail(fn, file, e, detail);
        return e.neg();
    }
}
