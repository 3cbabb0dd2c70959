package io.pinlab.kernel.iouring;

import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Explain;
import io.pinlab.kernel.fs.Open;
import io.pinlab.kernel.fs.OpenFile;
import io.pinlab.kernel.mm.Globals;
import io.pinlab.kernel.mm.Task;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Registered files: io_sqe_files_register(), __io_sqe_files_update(), io_sqe_files_unregister()
 * and io_free_rsrc_node() of io_uring/rsrc.c, with the table of io_uring/filetable.c
 * (io_alloc_file_tables(), io_free_file_tables()). Files are not charged to RLIMIT_MEMLOCK or
 * pinned_vm; each registered file holds one reference (fget()), so closing its fd leaves the file
 * open until the slot is updated or the table unregistered. v6.3-6.6 copy every tag before the
 * first fd (io_rsrc_data_alloc()); 6.13+ copy the tag of each entry with it and post the tag CQE
 * of every tagged node when the table is unregistered (io_put_rsrc_node()), which the older
 * kernels' __io_sqe_files_unregister() does not.
 */
final class FileTable {
    static final String FILE = Rsrc.FILE;
    /** IORING_MAX_FIXED_FILES (io_uring/rsrc.c). */
    static final int IORING_MAX_FIXED_FILES = 1 << 20;
    /** IORING_REGISTER_FILES_SKIP (include/uapi/linux/io_uring.h): leave the slot as it is. */
    static final int IORING_REGISTER_FILES_SKIP = -2;

    private FileTable() {}

    /** The registered file at {@code index}, or null (io_file_get_fixed()'s lookup). */
    static OpenFile lookup(IoRingCtx ctx, long index) {
        if (index < 0 || index >= ctx.nrUserFiles) return null;
        RsrcNode n = ctx.fileNodes.get((int) index);
        return n == null ? null : n.file;
    }

    /** io_file_get_fixed(): the request takes a reference to the slot's node (node->refs++). */
    static RsrcNode holdNode(IoRingCtx ctx, int index) {
        RsrcNode n = ctx.fileNodes.get(index);
        n.refs++;
        return n;
    }

    /**
     * io_sqe_files_register(ctx, fds, nr_args, tags): -EBUSY with a table, -EINVAL for 0 entries,
     * -EMFILE above IORING_MAX_FIXED_FILES or RLIMIT_NOFILE; then per entry: fd -1 (or fds NULL)
     * is an empty slot and -EINVAL with a tag, a closed fd -EBADF, an io_uring fd -EBADF. A failure
     * clears the tags and unregisters what was registered, so no tag CQE is posted.
     */
    static long ioSqeFilesRegister(Globals k, Task t, IoRingCtx ctx, List<Integer> fds, long nrArgs, List<Long> tags, Explain ex) {
        final String fn = "io_sqe_files_register";
        boolean nodeTable = k.profile.ioUringNodeTable();
        if (ctx.nrUserFiles != 0) return fail(ex, fn, Errno.EBUSY, "a file table of " + ctx.nrUserFiles + " slot(s) is registered");
        if (nrArgs == 0) return fail(ex, fn, Errno.EINVAL, "nr_args is 0");
        if (nrArgs > IORING_MAX_FIXED_FILES) return fail(ex, fn, Errno.EMFILE, "nr_args " + nrArgs + " > IORING_MAX_FIXED_FILES (" + IORING_MAX_FIXED_FILES + ")");
        if (nrArgs > Open.NOFILE) return fail(ex, fn, Errno.EMFILE, "nr_args " + nrArgs + " > RLIMIT_NOFILE (" + Open.NOFILE + ")");
        int nr = (int) nrArgs;
        if (!nodeTable && tags != null && tags.size() < nr) // io_rsrc_data_alloc() copies every tag first
            return fail(ex, "io_rsrc_data_alloc", Errno.EFAULT, "copy_from_user(&utags[" + tags.size() + "]) faults: the tag array holds "
                    + tags.size() + " of " + nr + " entries");
        ctx.nrUserFiles = nr;
        int registered = 0;
        for (int i = 0; i < nr; i++) {
            if (tags != null && i >= tags.size()) return registerFailed(k, ctx, ex, Errno.EFAULT, "entry " + i + ": copy_from_user(&tags[" + i + "]) faults");
            long tag = tags == null ? 0 : tags.get(i);
            if (fds != null && i >= fds.size()) return registerFailed(k, ctx, ex, Errno.EFAULT, "entry " + i + ": copy_from_user(&fds[" + i + "]) faults: the array holds " + fds.size());
            if (fds == null || fds.get(i) == -1) { // sparse sets are allowed
                if (tag != 0) return registerFailed(k, ctx, ex, Errno.EINVAL, "entry " + i + ": tag " + tag + " on an empty slot");
                continue;
            }
            int fd = fds.get(i);
            OpenFile f = t.fds.get(fd);
            if (f == null) return registerFailed(k, ctx, ex, Errno.EBADF, "entry " + i + ": fget(" + fd + ") finds no file");
            if (IoUring.ringOf(f) != null) return registerFailed(k, ctx, ex, Errno.EBADF, "entry " + i + ": fd " + fd + " is an io_uring (io_is_uring_fops)");
            f.refs++; // fget()
            ctx.fileNodes.put(i, new RsrcNode(f, null, tag, i));
            registered++;
        }
        ex.ok(fn, FILE, nr + " slot(s), " + registered + " file(s) registered (" + (nr - registered) + " empty); each holds a file reference,"
                + " nothing is charged to RLIMIT_MEMLOCK");
        return 0;
    }

    private static long registerFailed(Globals k, IoRingCtx ctx, Explain ex, Errno e, String why) {
        int n = ctx.fileNodes.size();
        for (RsrcNode node : ctx.fileNodes.values()) node.tag = 0; // io_clear_table_tags()
        freeTable(k, ctx, false);
        ex.ok("io_sqe_files_unregister", FILE, "registration failed: tags cleared, " + n + " earlier file(s) put, no table left, no tag CQE");
        return fail(ex, "io_sqe_files_register", e, why);
    }

    /** io_sqe_files_unregister(): -ENXIO without a table. */
    static long ioSqeFilesUnregister(Globals k, IoRingCtx ctx, Explain ex) {
        if (ctx.nrUserFiles == 0) return fail(ex, "io_sqe_files_unregister", Errno.ENXIO, "no file table registered");
        int n = ctx.nrUserFiles, files = ctx.fileNodes.size();
        boolean nodeTable = k.profile.ioUringNodeTable();
        freeTable(k, ctx, nodeTable);
        ex.ok("io_sqe_files_unregister", FILE, n + " slot(s) freed, " + files + " file reference(s) put"
                + (nodeTable ? "; tagged nodes post their CQEs" : "; tags dropped without CQEs (__io_sqe_files_unregister() of 6.3-6.6)"));
        return 0;
    }

    /** io_free_file_tables() / io_rsrc_data_free(): every node put from the last slot down. */
    static void freeTable(Globals k, IoRingCtx ctx, boolean postTags) {
        for (Map.Entry<Integer, RsrcNode> e : ctx.fileNodes.descendingMap().entrySet()) resetNode(k, ctx, e.getValue(), postTags);
        ctx.fileNodes.clear();
        ctx.nrUserFiles = 0;
    }

    /** io_reset_rsrc_node(): the table's reference goes; the node is freed now unless a request holds it. */
    private static boolean resetNode(Globals k, IoRingCtx ctx, RsrcNode node, boolean postTag) {
        if (!postTag) node.tag = 0;
        node.slot = -1;
        return Rsrc.ioPutRsrcNode(k, ctx, node);
    }

    /**
     * __io_sqe_files_update(): -ENXIO without a table, -EINVAL past its end; per entry the tag
     * and fd are copied (-EFAULT), a tag with fd -1 or IORING_REGISTER_FILES_SKIP is -EINVAL,
     * SKIP leaves the slot, then the old file goes (its tag CQE posted: no request holds it in
     * the simulator) and the new fd is looked up (-EBADF; the slot stays empty). Returns the
     * number of entries done, or the error when none was.
     */
    static long ioSqeFilesUpdate(Globals k, Task t, IoRingCtx ctx, long offset, long nr, List<Integer> fds, List<Long> tags, Explain ex) {
        final String fn = "__io_sqe_files_update";
        if (ctx.nrUserFiles == 0) return fail(ex, fn, Errno.ENXIO, "no file table registered");
        if (offset + nr > ctx.nrUserFiles) return fail(ex, fn, Errno.EINVAL, "offset " + offset + " + nr " + nr + " is beyond the table of " + ctx.nrUserFiles);
        int done;
        Errno err = null;
        String why = null;
        for (done = 0; done < nr; done++) {
            if ((tags != null && done >= tags.size()) || fds == null || done >= fds.size()) {
                err = Errno.EFAULT;
                why = "entry " + done + ": copy_from_user of the " + (tags != null && done >= tags.size() ? "tag" : "fd") + " faults";
                break;
            }
            long tag = tags == null ? 0 : tags.get(done);
            int fd = fds.get(done);
            if ((fd == IORING_REGISTER_FILES_SKIP || fd == -1) && tag != 0) {
                err = Errno.EINVAL;
                why = "entry " + done + ": tag " + tag + " with fd " + fd;
                break;
            }
            if (fd == IORING_REGISTER_FILES_SKIP) continue;
            int i = (int) (offset + done);
            RsrcNode old = ctx.fileNodes.remove(i);
            if (old != null) {
                boolean freed = resetNode(k, ctx, old, true); // io_reset_rsrc_node() / io_queue_rsrc_removal()
                if (done < Rsrc.DETAILED_ENTRIES) ex.ok(fn, FILE, "slot " + i + ": " + (freed ? "old file put" + (old.tag != 0 ? ", tag CQE " + old.tag + " posted" : "")
                        : "old node still held by " + (old.refs) + " in-flight request(s): its fput" + (old.tag != 0 ? " and tag CQE " + old.tag : "") + " wait for them"));
            }
            if (fd == -1) continue;
            OpenFile f = t.fds.get(fd);
            if (f == null || IoUring.ringOf(f) != null) {
                err = Errno.EBADF;
                why = "entry " + done + ": " + (f == null ? "fget(" + fd + ") finds no file" : "fd " + fd + " is an io_uring") + "; slot " + i + " stays empty";
                break;
            }
            f.refs++;
            ctx.fileNodes.put(i, new RsrcNode(f, null, tag, i));
        }
        if (err != null && done == 0) return fail(ex, fn, err, why);
        ex.ok(fn, FILE, done + " slot(s) updated" + (err != null ? ", stopped at entry " + done + " (" + why + "): done ? done : err" : ""));
        return done;
    }

    private static long fail(Explain ex, String fn, Errno e, String why) {
        ex.fail(fn, FILE, e, why);
        return e.neg();
    }
}
