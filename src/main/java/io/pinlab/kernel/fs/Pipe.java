package io.pinlab.kernel.fs;

import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Explain;
import io.pinlab.kernel.base.NotSimulatedException;
import io.pinlab.kernel.base.SysResult;
import io.pinlab.kernel.base.Iovec;
import io.pinlab.kernel.mm.Globals;
import io.pinlab.kernel.mm.Gup;
import io.pinlab.kernel.mm.MemCg;
import io.pinlab.kernel.mm.UserAccess;
import io.pinlab.kernel.mm.Mm;
import io.pinlab.kernel.mm.PhysMem;
import io.pinlab.kernel.mm.Task;

import java.util.ArrayDeque;
import java.util.List;

import static io.pinlab.kernel.base.Explain.hex;
import static io.pinlab.kernel.mm.PhysMem.PAGE_SHIFT;
import static io.pinlab.kernel.mm.PhysMem.PAGE_SIZE;

/**
 * A pipe (struct pipe_inode_info, include/linux/pipe_fs_i.h) with pipe2(2) and read(2) from
 * fs/pipe.c and vmsplice(2) from fs/splice.c. vmsplice() of user memory into a pipe is a GUP
 * user: iter_to_pipe() takes the pages with iov_iter_get_pages2() -> get_user_pages_fast()
 * without FOLL_WRITE, i.e. FOLL_GET references (no FOLL_PIN, so no unsharing of a shared anonymous
 * page: gup_must_unshare() is for FOLL_PIN only), in every profile (the 6.3.8 and 6.19 trees
 * alike). Each page sits in the pipe as a pipe_buffer holding that reference; reading the pipe
 * copies the data out (copy_page_to_iter()) and put_page()s a buffer once it is empty. What the
 * reader gets is whatever the page holds at read time: a write by the process to its still-mapped,
 * writable page shows through; a write that faults and copies (COW) leaves the pipe the old page.
 *
 * Simplifications: a page holds one value, so a buffer's bytes all read as that value; SIGPIPE
 * is not delivered (-EPIPE is returned, as with SIGPIPE ignored); a call that would sleep (an empty
 * pipe with writers, a full pipe without SPLICE_F_NONBLOCK) is not simulated.
 */
public final class Pipe {
    static final String PIPE_C = "fs/pipe.c", SPLICE_C = "fs/splice.c";
    /** PIPE_DEF_BUFFERS: a new pipe's ring slots (max_usage); F_SETPIPE_SZ is not simulated. */
    public static final int PIPE_DEF_BUFFERS = 16;
    /** PIPE_BUF_FLAG_GIFT (include/linux/pipe_fs_i.h): set on buffers of vmsplice(SPLICE_F_GIFT). */
    public static final int PIPE_BUF_FLAG_GIFT = 0x04;
    static final int SPLICE_F_NONBLOCK = SpliceFlag.SPLICE_F_NONBLOCK.value, SPLICE_F_GIFT = SpliceFlag.SPLICE_F_GIFT.value,
            SPLICE_F_ALL = SpliceFlag.SPLICE_F_ALL;
    /** UIO_MAXIOV (include/uapi/linux/uio.h): import_iovec()'s segment limit. */
    public static final int UIO_MAXIOV = 1024;
    /** O_NOTIFICATION_PIPE (include/uapi/linux/watch_queue.h) is O_EXCL. */
    static final int O_NOTIFICATION_PIPE = OFlag.O_EXCL.value;
    /** What a pipe costs the memory cgroup: its inode, pipe_inode_info and the pipe_buffer array. */
    public static final long PIPE_BYTES = MemCg.INODE_BYTES + 160 + PIPE_DEF_BUFFERS * 40L;

    /** struct pipe_buffer: a page reference and the bytes [offset, offset + len) of it still unread. */
    public record Buffer(long pfn, int offset, int len, int flags) {}

    /** The ring, tail first. */
    public final ArrayDeque<Buffer> bufs = new ArrayDeque<>();
    /** Open files for reading and for writing (struct file, not fds: fork shares them). */
    public int readers, writers;

    public Pipe(int readers, int writers) {
        this.readers = readers;
        this.writers = writers;
    }

    /** pipefifo_fops (fs/pipe.c), reduced to ->release = pipe_release(). */
    public static final FileOperations PIPEFIFO_FOPS = Pipe::pipeRelease;

    /** file->private_data of a pipe's file (get_pipe_info()), or null for any other file. */
    public static Pipe pipeOf(OpenFile f) {
        return f != null && f.fOp == PIPEFIFO_FOPS ? (Pipe) f.privateData : null;
    }

    /** pipe2()'s answer: the kernel's result and, on success, fds[0] (read end) and fds[1] (write end). */
    public record PipeFds(SysResult result, Integer readFd, Integer writeFd) {}

    // ---------------------------------------------------------------- pipe2

    /** pipe2(fds, flags): __do_pipe_flags() -> create_pipe_files() (fs/pipe.c), then two fds, read end first. */
    public static PipeFds pipe2(Globals k, Task t, int flags) {
        Explain ex = new Explain();
        long ret;
        Integer rfd = null, wfd = null;
        int allowed = OFlag.O_CLOEXEC.value | OFlag.O_NONBLOCK.value | OFlag.O_DIRECT.value | O_NOTIFICATION_PIPE;
        if ((flags & ~allowed) != 0) {
            ret = fail(ex, "__do_pipe_flags", PIPE_C, Errno.EINVAL, "flags " + hex(flags & ~allowed) + " are not pipe2() flags");
        } else if ((flags & O_NOTIFICATION_PIPE) != 0) {
            throw new NotSimulatedException("flags", "O_NOTIFICATION_PIPE (watch queues) is not simulated");
        } else if (k.memcg.margin() < PIPE_BYTES + 2 * MemCg.FILE_BYTES) {
            ret = fail(ex, "alloc_pipe_info", PIPE_C, Errno.ENOMEM, k.memcg.whyFull(PIPE_BYTES + 2 * MemCg.FILE_BYTES));
        } else if (t.fds.size() + 2 > Open.NOFILE) {
            ret = fail(ex, "get_unused_fd_flags", "fs/file.c", Errno.EMFILE, "RLIMIT_NOFILE reached");
        } else {
            k.memcg.charge(PIPE_BYTES);
            Inode in = k.newUnlinkedInode("pipe:[" + k.counters().nextIno() + "]", FsType.PIPEFS, Inode.Kind.FIFO, t.uid, 0600, 0);
            Pipe pipe = new Pipe(1, 1);
            int keep = flags & (OFlag.O_NONBLOCK.value | OFlag.O_DIRECT.value | OFlag.O_CLOEXEC.value);
            rfd = Open.fdInstall(k, t, in, OFlag.O_RDONLY.value | keep);
            wfd = Open.fdInstall(k, t, in, OFlag.O_WRONLY.value | keep);
            for (int fd : new int[]{rfd, wfd}) { // create_pipe_files(): both files get pipefifo_fops and the pipe
                t.fds.get(fd).fOp = PIPEFIFO_FOPS;
                t.fds.get(fd).privateData = pipe;
            }
            ex.ok("create_pipe_files", PIPE_C, in.path() + ": fd " + rfd + " reads, fd " + wfd + " writes; "
                    + PIPE_DEF_BUFFERS + " buffers of one page each");
            ret = 0;
        }
        SysResult r = ex.result(ret);
        k.endCall();
        return new PipeFds(r, rfd, wfd);
    }

    /**
     * pipe_release() (fs/pipe.c) when the last reference to one end's file goes: one reader or
     * writer fewer; with neither left, free_pipe_info() releases every buffer (put_page()).
     */
    static void pipeRelease(Globals k, OpenFile f) {
        Pipe p = (Pipe) f.privateData;
        if (f.readable()) p.readers--;
        if (f.writable()) p.writers--;
        if (p.readers > 0 || p.writers > 0) return;
        for (Buffer b : p.bufs) Gup.putPages(k, new long[]{b.pfn()}, 1);
        p.bufs.clear();
        k.memcg.uncharge(PIPE_BYTES);
    }

    // ---------------------------------------------------------------- vmsplice

    /**
     * vmsplice(fd, iov, nr_segs, flags) (fs/splice.c): -EINVAL for flags outside SPLICE_F_ALL;
     * -EBADF for no fd; the direction is the file's mode (FMODE_WRITE: user memory into the pipe,
     * vmsplice_to_pipe(); else FMODE_READ: the pipe into user memory, vmsplice_to_user());
     * import_iovec() (-EINVAL past UIO_MAXIOV, -EFAULT past TASK_SIZE); -EBADF when the file is
     * not a pipe (get_pipe_info()).
     */
    public static SysResult vmsplice(Globals k, Task t, int fd, List<Iovec> iov, int flags) {
        Explain ex = new Explain();
        return k.endCall(ex, doVmsplice(k, t, fd, iov, flags, ex));
    }

    private static long doVmsplice(Globals k, Task t, int fd, List<Iovec> iov, int flags, Explain ex) {
        if ((flags & ~SPLICE_F_ALL) != 0) return fail(ex, "vmsplice", SPLICE_C, Errno.EINVAL, "flags " + hex(flags & ~SPLICE_F_ALL) + " are not SPLICE_F_* flags");
        OpenFile f = t.fds.get(fd);
        if (f == null) return fail(ex, "vmsplice", SPLICE_C, Errno.EBADF, "fd " + fd + " is not open");
        boolean toPipe = f.writable();
        if (iov.size() > UIO_MAXIOV) return fail(ex, "import_iovec", "lib/iov_iter.c", Errno.EINVAL, iov.size() + " iovecs > UIO_MAXIOV (" + UIO_MAXIOV + ")");
        long total = 0;
        for (Iovec v : iov) {
            if (Long.compareUnsigned(v.base() + v.len(), Mm.TASK_SIZE) > 0 || v.base() + v.len() < v.base())
                return fail(ex, "import_iovec", "lib/iov_iter.c", Errno.EFAULT, "iovec " + hex(v.base()) + "+" + v.len() + " is not user memory (access_ok())");
            total += v.len();
        }
        if (total == 0) {
            ex.ok("vmsplice", SPLICE_C, "nothing to splice");
            return 0;
        }
        Pipe p = pipeOf(f);
        if (p == null) return fail(ex, toPipe ? "vmsplice_to_pipe" : "vmsplice_to_user", SPLICE_C, Errno.EBADF,
                "fd " + fd + " is not a pipe (get_pipe_info())");
        if (!toPipe) return pipeToUser(k, t, p, iov, (flags & SPLICE_F_NONBLOCK) != 0, "vmsplice_to_user", SPLICE_C, ex);
        // wait_for_space()
        if (p.readers == 0) return fail(ex, "wait_for_space", SPLICE_C, Errno.EPIPE, "no reader: SIGPIPE (not delivered here) and -EPIPE");
        if (p.bufs.size() >= PIPE_DEF_BUFFERS) {
            if ((flags & SPLICE_F_NONBLOCK) != 0) return fail(ex, "wait_for_space", SPLICE_C, Errno.EAGAIN, "the pipe is full and SPLICE_F_NONBLOCK was given");
            throw new NotSimulatedException("flags", "the pipe is full: vmsplice() would sleep until a reader empties it (give SPLICE_F_NONBLOCK)");
        }
        return iterToPipe(k, t, p, iov, (flags & SPLICE_F_GIFT) != 0 ? PIPE_BUF_FLAG_GIFT : 0, ex);
    }

    /**
     * iter_to_pipe(): per iovec, up to 16 pages at a time through iov_iter_get_pages2() ->
     * get_user_pages_fast(addr, n, 0) (FOLL_GET; FOLL_WRITE only for a destination iterator), then
     * add_to_pipe() per page. A full pipe drops the pages it cannot take (put_page()) and the call
     * returns what it spliced, -EAGAIN when nothing; a GUP error with nothing spliced is the result.
     */
    private static long iterToPipe(Globals k, Task t, Pipe p, List<Iovec> iov, int bufFlags, Explain ex) {
        long total = 0, err = 0;
        outer:
        for (Iovec v : iov) {
            long addr = v.base(), left = v.len();
            while (left > 0) {
                long start = addr & (PAGE_SIZE - 1);
                int n = (int) Math.min(16, (start + left + PAGE_SIZE - 1) >>> PAGE_SHIFT);
                long[] pages = new long[n];
                long got = Gup.getUserPagesFast(k, t, addr & ~(PAGE_SIZE - 1), n, 0, pages, ex);
                if (got <= 0) {
                    err = got;
                    break outer;
                }
                long bytes = Math.min(left, got * PAGE_SIZE - start);
                int i = 0;
                for (long done = 0; done < bytes; i++) {
                    int size = (int) Math.min(bytes - done, PAGE_SIZE - start);
                    if (p.bufs.size() >= PIPE_DEF_BUFFERS) { // add_to_pipe(): pipe_full() -> -EAGAIN, the page is released
                        Gup.putPages(k, java.util.Arrays.copyOfRange(pages, i, (int) got), (int) got - i);
                        err = Errno.EAGAIN.neg();
                        break outer;
                    }
                    p.bufs.addLast(new Buffer(pages[i], (int) start, size, bufFlags));
                    total += size;
                    done += size;
                    start = 0;
                }
                if (i < got) Gup.putPages(k, java.util.Arrays.copyOfRange(pages, i, (int) got), (int) got - i);
                addr += bytes;
                left -= bytes;
            }
        }
        if (total == 0) return fail(ex, "iter_to_pipe", SPLICE_C, Errno.fromRet(err), "nothing was spliced");
        ex.ok("iter_to_pipe", SPLICE_C, total + " byte(s) in " + p.bufs.size() + " pipe buffer(s): get_user_pages_fast() took a FOLL_GET "
                + "reference on each page (read-only, no unsharing), held until the buffer is read"
                + ((bufFlags & PIPE_BUF_FLAG_GIFT) != 0 ? "; PIPE_BUF_FLAG_GIFT lets a splice with SPLICE_F_MOVE steal the page "
                + "(user_page_pipe_buf_try_steal()), which a read never does" : ""));
        return total;
    }

    // ---------------------------------------------------------------- read

    /**
     * read(2) on a pipe: vfs_read() (-EBADF unless FMODE_READ) -> pipe_read() (fs/pipe.c).
     * Other files are not simulated here (O_DIRECT files have pread).
     */
    public static SysResult read(Globals k, Task t, int fd, long buf, long count) {
        Explain ex = new Explain();
        long ret;
        OpenFile f = t.fds.get(fd);
        if (f == null) ret = fail(ex, "ksys_read", "fs/read_write.c", Errno.EBADF, "fd " + fd + " is not open");
        else if (!f.readable()) ret = fail(ex, "vfs_read", "fs/read_write.c", Errno.EBADF, "fd " + fd + " is not open for reading");
        else if (pipeOf(f) == null) throw new NotSimulatedException("fd", "read(2) is simulated on pipes only (O_DIRECT files: pread)");
        else if (count == 0) ret = 0;
        else ret = pipeToUser(k, t, pipeOf(f), List.of(new Iovec(buf, count)), (f.flags() & OFlag.O_NONBLOCK.value) != 0,
                "pipe_read", PIPE_C, ex);
        return k.endCall(ex, ret);
    }

    /**
     * pipe_read() and vmsplice_to_user()'s pipe_to_user(): copy each buffer's bytes to user memory
     * (copy_page_to_iter(), faulting the destination in as the task's own write would); an emptied
     * buffer is released (pipe_buf_release() -> put_page()). A fault stops the copy: -EFAULT when
     * nothing was copied. An empty pipe gives 0 without writers, -EAGAIN when non-blocking.
     */
    private static long pipeToUser(Globals k, Task t, Pipe p, List<Iovec> iov, boolean nonblock, String fn, String file, Explain ex) {
        if (p.bufs.isEmpty()) {
            if (p.writers == 0) {
                ex.ok(fn, file, "the pipe is empty and has no writer: end of file");
                return 0;
            }
            if (nonblock) return fail(ex, fn, file, Errno.EAGAIN, "the pipe is empty");
            throw new NotSimulatedException("fd", "the pipe is empty: the read would sleep until a writer fills it");
        }
        long copied = 0;
        int released = 0;
        outer:
        for (Iovec v : iov) {
            long addr = v.base(), left = v.len();
            while (left > 0 && !p.bufs.isEmpty()) {
                Buffer b = p.bufs.peekFirst();
                int chars = (int) Math.min(b.len(), left);
                for (long a = addr; a < addr + chars; a = (a & ~(PAGE_SIZE - 1)) + PAGE_SIZE) { // copy_page_to_iter()
                    long dst = k.chargeWork(1) ? UserAccess.userPage(k, t, a, true) : -1;
                    if (dst < 0) {
                        if (copied == 0) return fail(ex, fn, file, Errno.EFAULT, "copy to " + hex(a) + " faulted");
                        break outer;
                    }
                    if (dst != PhysMem.ZERO_PFN) k.phys.setValue(dst, k.phys.value(b.pfn()));
                }
                copied += chars;
                addr += chars;
                left -= chars;
                p.bufs.pollFirst();
                if (chars == b.len()) { // pipe_buf_release(): the pipe's page reference goes
                    Gup.putPages(k, new long[]{b.pfn()}, 1);
                    released++;
                } else {
                    p.bufs.addFirst(new Buffer(b.pfn(), b.offset() + chars, b.len() - chars, b.flags()));
                }
            }
        }
        ex.ok(fn, file, copied + " byte(s) copied out of the pipe; " + released + " emptied buffer(s) dropped their page reference (put_page()), "
                + p.bufs.size() + " buffer(s) left");
        return copied;
    }

    private static long fail(Explain ex, String fn, String file, Errno e, String why) {
        ex.fail(fn, file, e, why);
        return e.neg();
    }
}
