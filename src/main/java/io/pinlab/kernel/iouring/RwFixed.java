package io.pinlab.kernel.iouring;

import io.pinlab.kernel.base.Iovec;
import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Explain;
import io.pinlab.kernel.mm.Globals;
import io.pinlab.kernel.mm.Task;
import io.pinlab.kernel.fs.FsType;
import io.pinlab.kernel.fs.Inode;
import io.pinlab.kernel.fs.OpenFile;
import io.pinlab.kernel.mm.Memory;
import io.pinlab.kernel.mm.PhysMem;

import static io.pinlab.kernel.mm.PhysMem.PAGE_SHIFT;
import static io.pinlab.kernel.mm.PhysMem.PAGE_SIZE;

/**
 * io_uring/rw.c for IORING_OP_READ_FIXED / IORING_OP_WRITE_FIXED. The data moves between the
 * file's page cache and the frames pinned at registration, never through the process's page
 * tables: after munmap, mprotect or fork the device still reads and writes the old frames.
 *
 * Simplification: a page holds one value (PhysMem.value). A transfer moves values page by page:
 * a read gives each buffer page the value of the file page under that buffer page's first byte
 * of the transfer, a write gives each file page the value of the buffer page under its first byte.
 * A transfer that starts mid-page therefore updates that page's value.
 */
final class RwFixed {
    static final String FILE = "io_uring/rw.c";

    private RwFixed() {}

    /** Issues one SQE and returns the CQE res. Checks run in the order of the profile's kernel. */
    static int issue(Globals k, Task t, IoRingCtx ctx, Sqe s, Explain ex) {
        int op = s.opcode();
        if (op == SqeOp.IORING_OP_NOP.value) return ioNop(k, t, ctx, s, ex);
        boolean vec = k.profile.ioUringRwvFixed() && (op == SqeOp.IORING_OP_READV_FIXED.value || op == SqeOp.IORING_OP_WRITEV_FIXED.value);
        boolean read = op == SqeOp.IORING_OP_READ_FIXED.value || op == SqeOp.IORING_OP_READV_FIXED.value;
        if (!vec && op != SqeOp.IORING_OP_READ_FIXED.value && op != SqeOp.IORING_OP_WRITE_FIXED.value) {
            ex.fail("io_init_req", "io_uring/io_uring.c", Errno.EINVAL, "SQE " + s.userData() + ": opcode " + op
                    + (op == SqeOp.IORING_OP_READV_FIXED.value || op == SqeOp.IORING_OP_WRITEV_FIXED.value ? " is past IORING_OP_LAST in " + k.profile.kernel()
                    : " is not simulated (NOP 0, READ_FIXED 4, WRITE_FIXED 5" + (k.profile.ioUringRwvFixed() ? ", READV_FIXED 60, WRITEV_FIXED 61)" : ")")));
            return (int) Errno.EINVAL.neg();
        }
        java.util.List<Iovec> iovs = s.iovecs() == null ? java.util.List.of() : s.iovecs();
        // io_prep_reg_iovec() -> iovec_from_user(): more than UIO_MAXIOV segments is -EINVAL at prep
        if (vec && iovs.size() > UIO_MAXIOV) {
            ex.fail("iovec_from_user", "lib/iov_iter.c", Errno.EINVAL, "SQE " + s.userData() + ": " + iovs.size() + " iovecs > UIO_MAXIOV (1024)");
            return (int) Errno.EINVAL.neg();
        }
        boolean nodeTable = k.profile.ioUringNodeTable();
        int idx = s.bufIndex() & 0xffff;  // sqe->buf_index is __u16
        long len = s.len() & 0xffffffffL; // sqe->len is __u32
        IoMappedUbuf imu = null;
        if (!nodeTable) {
            // io_prep_rw_fixed(): buf_index >= ctx->nr_user_bufs is -EFAULT at prep time
            if (idx >= ctx.nrUserBufs()) {
                ex.fail("io_prep_rw_fixed", FILE, Errno.EFAULT, "SQE " + s.userData() + ": buf_index " + idx + " >= nr_user_bufs " + ctx.nrUserBufs());
                return (int) Errno.EFAULT.neg();
            }
            imu = ctx.bufTable[idx];
        }
        // io_assign_file(): io_file_get_fixed() for IOSQE_FIXED_FILE (sqe->fd indexes the registered
        // files), else io_file_get_normal() from the submitter's fd table; no file is -EBADF
        OpenFile f = s.fixedFile() ? FileTable.lookup(ctx, Integer.toUnsignedLong(s.fd())) : t.fds.get(s.fd());
        if (f == null) {
            ex.fail("io_assign_file", "io_uring/io_uring.c", Errno.EBADF, "SQE " + s.userData() + ": " + (s.fixedFile()
                    ? "no registered file at index " + Integer.toUnsignedLong(s.fd()) + " (IOSQE_FIXED_FILE)" : "fd " + s.fd() + " is not open"));
            return (int) Errno.EBADF.neg();
        }
        if (nodeTable) {
            // io_import_reg_buf() -> io_find_buf_node(): out of range or an empty slot is NULL
            imu = idx < ctx.nrUserBufs() ? ctx.bufTable[idx] : null;
            if (imu == null) {
                ex.fail("io_find_buf_node", Rsrc.FILE, Errno.EFAULT, "SQE " + s.userData() + ": no buffer node at index " + idx);
                return (int) Errno.EFAULT.neg();
            }
        }
        Errno e = vec ? ioImportRegVec(k, imu, iovs, s.userData(), ex) : Rsrc.ioImportFixed(k, imu, s.addr(), len, ex);
        if (e != null) return (int) e.neg();
        // io_rw_init_file(): the file must be open for the direction
        if (read ? !f.readable() : !f.writable()) {
            ex.fail("io_rw_init_file", FILE, Errno.EBADF, "SQE " + s.userData() + ": fd " + s.fd() + " is not open for " + (read ? "reading" : "writing"));
            return (int) Errno.EBADF.neg();
        }
        long pos = s.off() == -1 ? 0 : s.off();
        if (pos < 0) {
            ex.fail("rw_verify_area", "fs/read_write.c", Errno.EINVAL, "SQE " + s.userData() + ": negative offset " + s.off());
            return (int) Errno.EINVAL.neg();
        }
        long res = 0;
        if (!vec) res = read ? read(k, f, imu, s.addr(), len, pos) : write(k, f, imu, s.addr(), len, pos);
        else for (Iovec v : iovs) { // the segments follow each other in the file
            long n = read ? read(k, f, imu, v.base(), v.len(), pos + res) : write(k, f, imu, v.base(), v.len(), pos + res);
            if (n < 0) { if (res == 0) res = n; break; }
            res += n;
            if (n < v.len()) break;
        }
        if (res < 0) ex.fail(read ? "io_read" : "io_write", FILE, Errno.fromRet(res), "SQE " + s.userData() + ": " + f.inode().fs().fsName + " file"
                + (res == Errno.EINTR.neg() ? ": " + k.workLimitReason() : ""));
        else ex.ok(read ? "io_read" : "io_write", FILE, "SQE " + s.userData() + ": " + res + " byte(s) "
                + (read ? "from file offset " + pos + " into" : "to file offset " + pos + " from") + " the pinned frames");
        return (int) res;
    }

    /** UIO_MAXIOV (include/uapi/linux/uio.h). */
    static final int UIO_MAXIOV = 1024;

    /**
     * io_import_reg_vec() -> io_vec_fill_bvec() (io_uring/rsrc.c, 6.15+): every iovec must lie in
     * the registered buffer (validate_fixed_range(), -EFAULT) and be non-empty (-EFAULT); more
     * than MAX_RW_COUNT in total is -EINVAL.
     */
    static Errno ioImportRegVec(Globals k, IoMappedUbuf imu, java.util.List<Iovec> iovs, long userData, Explain ex) {
        long total = 0;
        for (int i = 0; i < iovs.size(); i++) {
            Iovec v = iovs.get(i);
            Errno e = Rsrc.ioImportFixed(k, imu, v.base(), v.len(), ex);
            if (e != null) return e;
            if (v.len() == 0) {
                ex.fail("io_vec_fill_bvec", Rsrc.FILE, Errno.EFAULT, "SQE " + userData + ": iovec " + i + " is empty");
                return Errno.EFAULT;
            }
            total += v.len();
        }
        if (total > Rsrc.MAX_RW_COUNT) {
            ex.fail("io_vec_fill_bvec", Rsrc.FILE, Errno.EINVAL, "SQE " + userData + ": " + total + " bytes in all > MAX_RW_COUNT");
            return Errno.EINVAL;
        }
        return null;
    }

    /**
     * IORING_OP_NOP (io_uring/nop.c). 6.18 io_nop_prep(): unknown nop_flags -EINVAL, CQE32 needs a
     * CQE32 ring (-EINVAL here: not simulated); io_nop(): the result is 0 or sqe->len
     * (INJECT_RESULT); IORING_NOP_FILE looks the fd up (-EBADF; with FIXED_FILE in the registered
     * files, io_file_get_fixed()); IORING_NOP_FIXED_BUFFER looks buf_index up
     * (io_find_buf_node(), -EFAULT when the slot is empty). 6.3/6.5 io_nop() posts 0.
     */
    static int ioNop(Globals k, Task t, IoRingCtx ctx, Sqe s, Explain ex) {
        final String nop = "io_uring/nop.c";
        if (!k.profile.ioUringNopFlags()) {
            ex.ok("io_nop", nop, "SQE " + s.userData() + ": a completion with res 0" + (s.nopFlags() != 0 ? " (this kernel has no nop_flags)" : ""));
            return 0;
        }
        int fl = s.nopFlags();
        int known = Sqe.IORING_NOP_INJECT_RESULT | Sqe.IORING_NOP_FILE | Sqe.IORING_NOP_FIXED_FILE | Sqe.IORING_NOP_FIXED_BUFFER
                | Sqe.IORING_NOP_TW | Sqe.IORING_NOP_CQE32;
        if ((fl & ~known) != 0 || (fl & Sqe.IORING_NOP_CQE32) != 0) {
            ex.fail("io_nop_prep", nop, Errno.EINVAL, "SQE " + s.userData() + ": nop_flags 0x" + Integer.toHexString(fl)
                    + ((fl & ~known) != 0 ? " has unknown bits" : ": IORING_NOP_CQE32 needs an IORING_SETUP_CQE32 ring"));
            return (int) Errno.EINVAL.neg();
        }
        int ret = (fl & Sqe.IORING_NOP_INJECT_RESULT) != 0 ? (int) s.len() : 0;
        boolean fixedFile = (fl & Sqe.IORING_NOP_FIXED_FILE) != 0;
        if ((fl & Sqe.IORING_NOP_FILE) != 0 && (fixedFile ? FileTable.lookup(ctx, Integer.toUnsignedLong(s.fd())) : t.fds.get(s.fd())) == null) {
            ex.fail("io_nop", nop, Errno.EBADF, "SQE " + s.userData() + ": " + (fixedFile
                    ? "no registered file at index " + Integer.toUnsignedLong(s.fd()) : "fd " + s.fd() + " is not open"));
            return (int) Errno.EBADF.neg();
        }
        if ((fl & Sqe.IORING_NOP_FIXED_BUFFER) != 0) {
            int idx = s.bufIndex() & 0xffff;
            if (idx >= ctx.nrUserBufs() || ctx.bufTable[idx] == null) {
                ex.fail("io_find_buf_node", Rsrc.FILE, Errno.EFAULT, "SQE " + s.userData() + ": no buffer node at index " + idx);
                return (int) Errno.EFAULT.neg();
            }
        }
        ex.ok("io_nop", nop, "SQE " + s.userData() + ": res " + ret);
        return ret;
    }

    /**
     * pinlab's per-call work limit stopped the copy: like a signal during a read or write, the
     * bytes done so far, or -EINTR when there are none.
     */
    private static long interrupted(long done) {
        return done > 0 ? done : Errno.EINTR.neg();
    }

    /** The frame of the registered page holding user address {@code a}. */
    private static long bufPfn(IoMappedUbuf imu, long a) {
        return imu.pagePfns[(int) ((a >>> PAGE_SHIFT) - (imu.ubuf >>> PAGE_SHIFT))];
    }

    /** Errno for files whose f_op has neither read_iter nor read / write_iter nor write. */
    private static long unsupported(OpenFile f, boolean read) {
        Inode in = f.inode();
        if (in.kind() == Inode.Kind.DIRECTORY) return read ? Errno.EISDIR.neg() : Errno.EINVAL.neg();
        return Errno.EINVAL.neg();
    }

    private static long read(Globals k, OpenFile f, IoMappedUbuf imu, long addr, long len, long pos) {
        Inode in = f.inode();
        if (IoUring.ringOf(f) != null || in.fs() == FsType.SECRETMEM || in.kind() == Inode.Kind.DIRECTORY
                || (in.kind() == Inode.Kind.CHARDEV && in.device() != Inode.Device.ZERO)) return unsupported(f, true);
        if (in.kind() == Inode.Kind.CHARDEV) { // read_iter_zero()
            for (long a = addr & ~(PAGE_SIZE - 1); a < addr + len; a += PAGE_SIZE) {
                if (!k.chargeWork(1)) return interrupted(a - addr);
                k.phys.setValue(bufPfn(imu, a), 0);
            }
            return len;
        }
        if (pos >= in.size) return 0;
        long n = Math.min(len, in.size - pos);
        for (long x = 0; x < n; ) {
            long a = addr + x;
            long step = Math.min(n - x, ((a | (PAGE_SIZE - 1)) + 1) - a);
            if (!k.chargeWork(1)) return interrupted(x);
            long v = filePageValue(k, in, (pos + x) >>> PAGE_SHIFT);
            if (v == Long.MIN_VALUE) return x > 0 ? x : Errno.ENOMEM.neg();
            k.phys.setValue(bufPfn(imu, a), v);
            x += step;
        }
        return n;
    }

    /** The value of file page {@code index}; ext4/xfs read it into the page cache, shmem holes read as zero. */
    private static long filePageValue(Globals k, Inode in, long index) {
        if (in.isHugetlb()) {
            long head = in.pageCache.get(index >>> in.hstate.order);
            return head == 0 ? 0 : k.phys.value(head + (index & (in.hstate.nrPages() - 1)));
        }
        long pfn = in.pageCache.get(index);
        if (pfn > 0) return k.phys.value(pfn);
        if (pfn == 0 && in.isShmem()) return 0; // shmem_file_read_iter(): a hole reads as the zero page; a swap entry is swapped in
        pfn = Memory.findOrCreateCachePage(k, in, index);
        return pfn < 0 ? Long.MIN_VALUE : k.phys.value(pfn);
    }

    private static long write(Globals k, OpenFile f, IoMappedUbuf imu, long addr, long len, long pos) {
        Inode in = f.inode();
        if (IoUring.ringOf(f) != null || in.fs() == FsType.SECRETMEM || in.isHugetlb() || in.kind() == Inode.Kind.DIRECTORY
                || (in.kind() == Inode.Kind.CHARDEV && in.device() != Inode.Device.ZERO)) return unsupported(f, false);
        if (in.kind() == Inode.Kind.CHARDEV) return len; // write_iter_zero() discards
        for (long x = 0; x < len; ) {
            long fo = pos + x;
            long step = Math.min(len - x, ((fo | (PAGE_SIZE - 1)) + 1) - fo);
            if (!k.chargeWork(1)) {
                in.size = Math.max(in.size, pos + x);
                return interrupted(x);
            }
            long page = Memory.findOrCreateCachePage(k, in, fo >>> PAGE_SHIFT);
            if (page < 0) {
                if (x == 0) return Errno.ENOMEM.neg();
                in.size = Math.max(in.size, pos + x);
                return x;
            }
            k.phys.setValue(page, k.phys.value(bufPfn(imu, addr + x)));
            k.phys.setFolioFlags(page, PhysMem.PG_DIRTY);
            x += step;
        }
        in.size = Math.max(in.size, pos + len);
        return len;
    }
}
