package io.pinlab.kernel.fs;

import io.pinlab.kernel.base.VirtAddr;
import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Explain;
import io.pinlab.kernel.mm.Globals;
import io.pinlab.kernel.base.SysResult;
import io.pinlab.kernel.mm.Task;
import io.pinlab.kernel.mm.FollFlag;
import io.pinlab.kernel.mm.Gup;
import io.pinlab.kernel.mm.Memory;
import io.pinlab.kernel.mm.UserAccess;
import io.pinlab.kernel.mm.PhysMem;

import static io.pinlab.kernel.base.Explain.hex;
import static io.pinlab.kernel.mm.PhysMem.PAGE_SHIFT;
import static io.pinlab.kernel.mm.PhysMem.PAGE_SIZE;

/**
 * pread(2)/pwrite(2) on an O_DIRECT ext4/xfs file (fs/read_write.c, fs/iomap/direct-io.c): the
 * user buffer is pinned for the duration of the I/O by iov_iter_extract_pages() ->
 * pin_user_pages_fast() (a short-term FOLL_PIN, FOLL_WRITE when the device writes into the
 * buffer, i.e. for a read) and unpinned when the bio completes. Short-term pins may land on any
 * memory, a MAP_SHARED mapping of an ext4 file included (io_uring registration, a FOLL_LONGTERM
 * pin, is -EFAULT there since 6.5).
 *
 * Simplification: the page cache stands in for the disk, and a page holds one value.
 */
public final class DirectIo {
    static final String RW = "fs/read_write.c", IOMAP = "fs/iomap/direct-io.c";
    /** bdev_logical_block_size() of the simulated disks. */
    public static final long LOGICAL_BLOCK_SIZE = 512;

    private DirectIo() {}

    /** fs_info->sectorsize of the simulated btrfs (mkfs.btrfs default on 4 KiB pages). */
    public static final long BTRFS_SECTORSIZE = 4096;

    /** True when {@code fd} of {@code t} is an O_DIRECT regular file on ext4/xfs/btrfs (what this class simulates). */
    public static boolean isDirectFile(Task t, int fd) {
        OpenFile f = t.fds.get(fd);
        FsType fs = f == null ? null : f.inode().fs();
        return f != null && (f.flags() & OFlag.O_DIRECT.value) != 0
                && f.inode().kind() == Inode.Kind.REGULAR && (fs == FsType.EXT4 || fs == FsType.XFS || fs == FsType.BTRFS);
    }

    /**
     * ksys_pread64()/ksys_pwrite64() -> vfs_read()/vfs_write() -> iomap_dio_rw(): -EBADF (fd, or
     * not open for the direction), -EINVAL for a negative offset (rw_verify_area()); a read at or
     * past EOF returns 0; position, length and buffer must be aligned to the logical block size
     * (-EINVAL); then the pin (-EFAULT when the first page cannot be pinned), the transfer of the
     * pinned part, and the unpin (dirtying the pages a read filled).
     */
    public static SysResult rw(Globals k, Task t, int fd, long buf, long count, long pos, boolean write) {
        Explain ex = new Explain();
        return k.endCall(ex, doRw(k, t, fd, buf, count, pos, write, ex));
    }

    private static long doRw(Globals k, Task t, int fd, long buf, long count, long pos, boolean write, Explain ex) {
        OpenFile f = t.fds.get(fd);
        if (f == null) return fail(ex, write ? "ksys_pwrite64" : "ksys_pread64", RW, Errno.EBADF, "fd " + fd + " is not open");
        if (write ? !f.writable() : !f.readable())
            return fail(ex, write ? "vfs_write" : "vfs_read", RW, Errno.EBADF, "fd " + fd + " is not open for " + (write ? "writing" : "reading"));
        if (!isDirectFile(t, fd)) throw new IllegalArgumentException("fd " + fd + " is not an O_DIRECT ext4/xfs file");
        if (pos < 0) return fail(ex, "rw_verify_area", RW, Errno.EINVAL, "negative offset " + pos);
        Inode in = f.inode();
        if (count == 0) return 0;
        if (!write && pos >= in.size) {
            ex.ok("iomap_dio_rw", IOMAP, "the read starts at or past EOF (" + in.size + "): 0 bytes");
            return 0;
        }
        if (in.fs() == FsType.BTRFS) {
            // check_direct_IO() (fs/btrfs/file.c in 6.3, fs/btrfs/direct-io.c later): offset and every iovec's base and
            // length aligned to the sector size, else btrfs_direct_write() "goto buffered" and btrfs_direct_read() returns
            // 0 so that btrfs_file_read_iter() reads through the page cache; no -EINVAL as on ext4/xfs
            boolean aligned = ((pos | count | buf) & (BTRFS_SECTORSIZE - 1)) == 0;
            if (!aligned) return btrfsBuffered(k, t, in, buf, count, pos, write, ex, "check_direct_IO",
                    "offset, buffer or length is not a multiple of the sector size " + BTRFS_SECTORSIZE);
            // btrfs_direct_write(): an inode with data checksums (no BTRFS_INODE_NODATASUM, the default) writes buffered,
            // because user pages may change under an in-flight direct write and break the checksum
            if (write && k.profile.btrfsDioWriteDatasumFallback()) return btrfsBuffered(k, t, in, buf, count, pos, true, ex,
                    "btrfs_direct_write", "the inode has data checksums (BTRFS_INODE_NODATASUM is not set)");
        }
        long mask = LOGICAL_BLOCK_SIZE - 1;
        if (((pos | count | buf) & mask) != 0)
            return fail(ex, "iomap_dio_bio_iter", IOMAP, Errno.EINVAL, "offset " + pos + ", length " + count + " and buffer " + hex(buf)
                    + " must be multiples of the logical block size (" + LOGICAL_BLOCK_SIZE + ")");
        long n = write ? count : Math.min(count, in.size - pos);
        long first = buf >>> PAGE_SHIFT, nr = ((buf + n - 1) >>> PAGE_SHIFT) - first + 1;
        if (nr > Gup.MAX_PAGES_ARRAY) return fail(ex, "iov_iter_extract_pages", "lib/iov_iter.c", Errno.EINVAL, "too many pages for one call");
        long[] pages = new long[(int) nr];
        // iov_iter_extract_user_pages(): FOLL_PIN, plus FOLL_WRITE when data goes into user memory
        int gupFlags = write ? 0 : FollFlag.FOLL_WRITE.value();
        long pinned = Gup.pinUserPagesFast(k, t, VirtAddr.of(buf & ~(PAGE_SIZE - 1)), (int) nr, gupFlags, pages, ex);
        if (pinned <= 0 && in.fs() == FsType.BTRFS && !write) // btrfs_direct_read(): no progress -> buffered read of the rest
            return btrfsBuffered(k, t, in, buf, count, pos, false, ex, "btrfs_direct_read", "the buffer could not be pinned");
        if (pinned <= 0) return fail(ex, "iov_iter_extract_pages", "lib/iov_iter.c", Errno.EFAULT,
                "pin_user_pages_fast() pinned nothing at " + hex(buf));
        long done = Math.min(n, pinned * PAGE_SIZE - (buf & (PAGE_SIZE - 1)));
        for (long x = 0; x < done; ) {
            long a = buf + x, fo = pos + x;
            long step = Math.min(done - x, Math.min(PAGE_SIZE - (a & (PAGE_SIZE - 1)), PAGE_SIZE - (fo & (PAGE_SIZE - 1))));
            if (!k.chargeWork(1)) { // pinlab's per-call work limit: stop as on a fatal signal, with what is done
                ex.step("iomap_dio_rw", IOMAP, "stopped", k.workLimitReason());
                done = x;
                break;
            }
            long upfn = pages[(int) ((a >>> PAGE_SHIFT) - first)];
            long cache = Memory.findOrCreateCachePage(k, in, fo >>> PAGE_SHIFT);
            if (cache < 0) { done = x; break; }
            if (write) k.phys.setValue(cache, k.phys.value(upfn));
            else if (upfn != PhysMem.ZERO_PFN) k.phys.setValue(upfn, k.phys.value(cache));
            x += step;
        }
        if (write) in.size = Math.max(in.size, pos + done);
        Gup.unpinUserPagesDirtyLock(k, pages, (int) pinned, !write);
        if (done == 0) return fail(ex, "iomap_dio_rw", IOMAP, Errno.EINTR, "nothing was transferred"); // bio_release_pages(): a read dirties what it filled
        ex.ok(write ? "iomap_dio_rw" : "iomap_dio_rw", IOMAP, done + " byte(s) " + (write ? "written from" : "read into") + " "
                + pinned + " page(s) pinned by pin_user_pages_fast() (FOLL_PIN" + (write ? "" : "|FOLL_WRITE") + ", short-term: unpinned at bio completion)");
        return done;
    }

    /**
     * btrfs's fallback from O_DIRECT to the page cache (btrfs_buffered_write() / filemap_read()): the data is copied with
     * copy_from_user()/copy_to_user(), faulting the user pages in as the task's own access would; nothing is pinned.
     * Returns the bytes copied, or -EFAULT when the first page faults.
     */
    private static long btrfsBuffered(Globals k, Task t, Inode in, long buf, long count, long pos, boolean write, Explain ex,
                                      String fn, String why) {
        ex.step(fn, "fs/btrfs/direct-io.c", "buffered", why + ": the I/O goes through the page cache, no page is pinned");
        long n = write ? count : Math.min(count, in.size - pos);
        long done = 0;
        while (done < n) {
            long a = buf + done, fo = pos + done;
            long step = Math.min(n - done, Math.min(PAGE_SIZE - (a & (PAGE_SIZE - 1)), PAGE_SIZE - (fo & (PAGE_SIZE - 1))));
            if (!k.chargeWork(1)) break;
            long upfn = UserAccess.userPage(k, t, a, !write);
            if (upfn < 0) break;
            long cache = Memory.findOrCreateCachePage(k, in, fo >>> PAGE_SHIFT);
            if (cache < 0) break;
            if (write) k.phys.setValue(cache, k.phys.value(upfn));
            else if (upfn != PhysMem.ZERO_PFN) k.phys.setValue(upfn, k.phys.value(cache));
            done += step;
        }
        if (write) in.size = Math.max(in.size, pos + done);
        if (done == 0) return fail(ex, write ? "btrfs_buffered_write" : "filemap_read", write ? "fs/btrfs/file.c" : "mm/filemap.c",
                Errno.EFAULT, "copying " + (write ? "from" : "to") + " " + hex(buf) + " faulted");
        ex.ok(write ? "btrfs_buffered_write" : "filemap_read", write ? "fs/btrfs/file.c" : "mm/filemap.c",
                done + " byte(s) copied " + (write ? "from" : "into") + " the user buffer (copy_" + (write ? "from" : "to") + "_user)");
        return done;
    }

    private static long fail(Explain ex, String fn, String file, Errno e, String why) {
        ex.fail(fn, file, e, why);
        return e.neg();
    }
}
