package io.pinlab.kernel.iouring;

import io.pinlab.kernel.base.Pfn;
import io.pinlab.kernel.base.VirtAddr;
import io.pinlab.kernel.base.Iovec;
import static io.pinlab.kernel.base.Explain.hex;
import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Explain;
import io.pinlab.kernel.mm.Globals;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.mm.Task;
import io.pinlab.kernel.fs.OpenFile;
import io.pinlab.kernel.base.Step;
import io.pinlab.kernel.mm.FollFlag;
import io.pinlab.kernel.mm.Gup;
import io.pinlab.kernel.mm.Mm;
import io.pinlab.kernel.mm.Vma;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static io.pinlab.kernel.mm.PhysMem.PAGE_SHIFT;
import static io.pinlab.kernel.mm.PhysMem.PAGE_SIZE;

/**
 * io_uring/rsrc.c: registered buffers. Function names and check order follow the kernel of the
 * session's profile: v6.3.8 / v6.4 / v6.5 ({@code ctx->user_bufs}, io_copy_iov, pin_user_pages)
 * and v6.18.2 (node-based {@code buf_table}, iovec_from_user, io_pin_pages in io_uring/memmap.c
 * with pin_user_pages_fast, multi-folio coalescing).
 */
final class Rsrc {
    static final String FILE = "io_uring/rsrc.c";
    static final String MEMMAP = "io_uring/memmap.c";
    /** IORING_MAX_REG_BUFFERS (io_uring/rsrc.c). */
    static final int IORING_MAX_REG_BUFFERS = 1 << 14;
    static final long SZ_1G = 1L << 30;
    /** MAX_RW_COUNT (include/linux/fs.h): INT_MAX & PAGE_MASK. */
    static final long MAX_RW_COUNT = Integer.MAX_VALUE & ~(PAGE_SIZE - 1);
    /** Registration entries explained one by one; later successful entries are summarised. */
    static final int DETAILED_ENTRIES = 3;

    private Rsrc() {}

    /** What io_sqe_buffer_register() produced: a buffer, an empty slot (imu null), or an errno. */
    private record Reg(IoMappedUbuf imu, Errno err) {
        static final Reg EMPTY = new Reg(null, null);
    }

    // ------------------------------------------------------------------ register

    /**
     * io_sqe_buffers_register(ctx, arg, nr_args, tags). {@code arg == null} is a NULL arg (every
     * slot empty, BUFFERS2 with {@code data == 0}). All or nothing: a failure at entry i releases
     * entries 0..i-1 (tags cleared first, so no tag CQE is posted).
     */
    /** Heap of one buffer-table slot in page-array entries (8 bytes): the slot and its tag (12) and a mapped buffer (64). */
    static final long TABLE_SLOT_ENTRIES = 10;

    static long ioSqeBuffersRegister(Globals k, Task t, IoRingCtx ctx, List<Iovec> arg, long nrArgs, List<Long> tags,
                                     Explain ex) {
        Profile p = k.profile;
        boolean nodeTable = p.ioUringNodeTable();
        if (ctx.bufTable != null) {
            ex.fail("io_sqe_buffers_register", FILE, Errno.EBUSY, (nodeTable ? "ctx->buf_table.nr" : "ctx->nr_user_bufs")
                    + " is " + ctx.bufTable.length + ": a buffer table is already registered (a sparse one counts)");
            return Errno.EBUSY.neg();
        }
        if (nrArgs == 0 || nrArgs > IORING_MAX_REG_BUFFERS) {
            ex.fail("io_sqe_buffers_register", FILE, Errno.EINVAL, "nr_args " + nrArgs + " is 0 or above IORING_MAX_REG_BUFFERS (16384)");
            return Errno.EINVAL.neg();
        }
        int nr = (int) nrArgs;
        // io_rsrc_data_alloc(): the table and tags, kvmalloc'ed and charged like a page array
        if (!k.reservePageArray(TABLE_SLOT_ENTRIES * nr, ex)) return Errno.ENOMEM.neg();
        long[] tagArr = new long[nr];
        if (!nodeTable && tags != null) {
            // v6.3-6.6: io_rsrc_data_alloc() copies every tag before anything is pinned
            if (tags.size() < nr) {
                k.releasePageArray(TABLE_SLOT_ENTRIES * nr);
                ex.fail("io_rsrc_data_alloc", FILE, Errno.EFAULT, "copy_from_user(&utags[" + tags.size()
                        + "]) faults: the tag array holds " + tags.size() + " of " + nr + " entries");
                return Errno.EFAULT.neg();
            }
            for (int i = 0; i < nr; i++) tagArr[i] = tags.get(i);
            ex.ok("io_rsrc_data_alloc", FILE, nr + " tags copied");
        }
        ex.ok("io_sqe_buffers_register", FILE, "no table yet, nr_args " + nr + " within 1..16384");

        IoMappedUbuf[] table = new IoMappedUbuf[nr];
        long[] lastHpage = {-1};
        Errno err = null;
        int i;
        int empty = 0;
        Explain lx = new Explain();
        for (i = 0; i < nr; i++) {
            boolean detail = i < DETAILED_ENTRIES;
            Iovec iov;
            if (arg != null) {
                Errno e = copyIov(p, arg, i);
                if (e != null) {
                    err = e;
                    lx.fail(copyFn(p), nodeTable ? "lib/iov_iter.c" : FILE, e, copyDetail(arg, i, e));
                    break;
                }
                iov = arg.get(i);
                e = ioBufferValidate(p, iov);
                if (e != null) {
                    err = e;
                    lx.fail(validateFn(p), FILE, e, "entry " + i + ": " + validateDetail(p, iov, e));
                    break;
                }
            } else {
                iov = new Iovec(0, 0); // memset(&iov, 0): every slot empty
            }
            long tag = tagArr[i];
            if (nodeTable && tags != null) {
                if (i >= tags.size()) {
                    err = Errno.EFAULT;
                    lx.fail("io_sqe_buffers_register", FILE, err, "entry " + i + ": copy_from_user(&tags[" + i + "]) faults: the tag array holds " + tags.size() + " entries");
                    break;
                }
                tag = tags.get(i);
            }
            if (!nodeTable && iov.base() == 0 && tag != 0) {
                err = Errno.EINVAL;
                lx.fail("io_sqe_buffers_register", FILE, err, "entry " + i + ": tag " + tag + " on an empty slot");
                break;
            }
            // v6.3-6.6 scan ctx->user_bufs[0..i) (the table grows in place); 6.13+ builds the
            // table in a local io_rsrc_data, so headpage_already_acct() sees no earlier entry
            Reg r = ioSqeBufferRegister(k, t, ctx, iov, lastHpage, nodeTable ? null : table, nodeTable ? 0 : i, lx, detail, i);
            if (r.err != null) {
                err = r.err;
                break;
            }
            if (nodeTable && tag != 0 && r.imu == null) {
                err = Errno.EINVAL;
                lx.fail("io_sqe_buffers_register", FILE, err, "entry " + i + ": tag " + tag + " on an empty slot (NULL node)");
                break;
            }
            if (r.imu == null) empty++;
            table[i] = r.imu;
            tagArr[i] = tag;
        }
        List<Step> steps = lx.steps();
        for (String w : lx.warnings()) ex.warning(w);
        if (err != null) {
            int released = 0;
            for (int j = 0; j < nr; j++) {
                if (table[j] != null) {
                    ioBufferUnmap(k, ctx, table[j]);
                    released++;
                }
            }
            // the teardown ran after the failing check; the decisive check stays last
            for (Step s : steps.subList(0, steps.size() - 1)) ex.step(s.fn(), s.file(), s.outcome(), s.detail());
            ex.ok(nodeTable ? "io_sqe_buffers_unregister" : "__io_sqe_buffers_unregister", FILE, "entry " + i
                    + " failed: tags cleared, " + released + " earlier buffer(s) unpinned and unaccounted, no table left, no tag CQE");
            Step last = steps.get(steps.size() - 1);
            ex.step(last.fn(), last.file(), last.outcome(), last.detail());
            k.releasePageArray(TABLE_SLOT_ENTRIES * nr);
            return err.neg();
        }
        for (Step s : steps) ex.step(s.fn(), s.file(), s.outcome(), s.detail());
        ctx.bufTable = table;
        ctx.bufTags = tagArr;
        long acct = 0, pins = 0;
        for (IoMappedUbuf imu : table) if (imu != null) { acct += imu.acctPages; pins += imu.nrBvecs(); }
        ex.ok("io_sqe_buffers_register", FILE, nr + " slot(s) registered (" + empty + " empty), " + pins
                + " bvec pin(s) held, " + acct + " page(s) accounted");
        return 0;
    }

    /** io_copy_iov() (6.3-6.6) / iovec_from_user() (6.13+): reads iovec {@code i} of the user array. */
    private static Errno copyIov(Profile p, List<Iovec> arr, int i) {
        if (arr == null || i >= arr.size()) return Errno.EFAULT;
        // iovec_from_user() -> copy_iovec_from_user(): a negative ssize_t length is -EINVAL
        if (p.ioUringNodeTable() && arr.get(i).len() < 0) return Errno.EINVAL;
        return null;
    }

    private static String copyFn(Profile p) { return p.ioUringNodeTable() ? "iovec_from_user" : "io_copy_iov"; }

    private static String copyDetail(List<Iovec> arr, int i, Errno e) {
        if (e == Errno.EINVAL) return "entry " + i + ": iov_len " + Long.toUnsignedString(arr.get(i).len()) + " is negative as ssize_t";
        if (arr == null) return "entry " + i + ": the iovec array pointer is NULL";
        return "entry " + i + ": copy_from_user faults: the array holds " + arr.size() + " iovec(s), the rest is unmapped";
    }

    private static String validateFn(Profile p) { return p.ioUringNodeTable() ? "io_validate_user_buf_range" : "io_buffer_validate"; }

    /**
     * io_buffer_validate(): NULL base with a length -EFAULT (NULL + 0 is an empty slot), zero
     * length or more than 1 GiB -EFAULT, address overflow -EOVERFLOW. v6.3-6.6 check
     * {@code base + len + PAGE_SIZE - 1}, 6.13+ (io_validate_user_buf_range) {@code base + PAGE_ALIGN(len)}.
     */
    static Errno ioBufferValidate(Profile p, Iovec iov) {
        long base = iov.base(), len = iov.len();
        if (base == 0) return len != 0 ? Errno.EFAULT : null;
        if (len == 0 || Long.compareUnsigned(len, SZ_1G) > 0) return Errno.EFAULT;
        long add = p.ioUringNodeTable() ? (len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1) : len + PAGE_SIZE - 1;
        if (Long.compareUnsigned(base + add, base) < 0) return Errno.EOVERFLOW;
        return null;
    }

    private static String validateDetail(Profile p, Iovec iov, Errno e) {
        String b = hex(iov.base()), l = Long.toUnsignedString(iov.len());
        if (e == Errno.EOVERFLOW) return "iov_base " + b + " + " + (p.ioUringNodeTable() ? "PAGE_ALIGN(len)" : "len + PAGE_SIZE - 1") + " overflows";
        if (iov.base() == 0) return "NULL iov_base with iov_len " + l;
        if (iov.len() == 0) return "iov_len 0 with iov_base " + b;
        return "iov_len " + l + " is above SZ_1G";
    }

    // ------------------------------------------------------------------ one buffer

    /**
     * io_sqe_buffer_register(): pins [base, base+len) through GUP, coalesces per profile,
     * accounts (io_buffer_account_pin) and builds the imu. NULL base = empty slot.
     *
     * @param visible      the table headpage_already_acct() scans, or null
     * @param visibleCount how many of its slots it scans
     */
    private static Reg ioSqeBufferRegister(Globals k, Task t, IoRingCtx ctx, Iovec iov, long[] lastHpage,
                                           IoMappedUbuf[] visible, int visibleCount, Explain ex, boolean detail, int entry) {
        if (iov.base() == 0) {
            if (detail) ex.ok("io_sqe_buffer_register", FILE, "entry " + entry + ": NULL iov_base, len 0: empty slot, nothing pinned");
            return Reg.EMPTY;
        }
        Profile p = k.profile;
        long base = iov.base(), len = iov.len();
        Object pin = ioPinPages(k, t, base, len, ex, detail, entry);
        if (pin instanceof Errno e) return new Reg(null, e);
        long[] pages = (long[]) pin;
        int nrPages = pages.length;
        long[] pagePfns = pages;

        long[] bvecPages;
        int folioShift = PAGE_SHIFT;
        long off = base & (PAGE_SIZE - 1);
        boolean coalescedSingle = false;
        if (p.ioUringMultiFolioCoalesce()) {
            // a8edbb424b13 (6.12): one bvec per folio when the folios line up. With a small first
            // folio io_check_coalesce_buffer() can only answer nr_pages_mid == 1 or false, and
            // neither coalesces, so its walk is skipped
            CoalesceData data = nrPages > 1 && k.phys.isLarge(pages[0]) ? ioCheckCoalesceBuffer(k, pages) : null;
            if (data != null && data.nrPagesMid != 1) {
                bvecPages = ioCoalesceBuffer(k, pages, data);
                folioShift = data.folioShift;
                off += (long) data.firstFolioPageIdx << PAGE_SHIFT;
                if (detail) ex.ok("io_check_coalesce_buffer", FILE, "entry " + entry + ": " + nrPages + " pages in "
                        + data.nrFolios + " folio(s) of " + (1L << data.folioShift >> 10) + " KiB: one bvec per folio");
            } else {
                bvecPages = pages;
            }
        } else if (nrPages > 1 && singleFolio(k, pages)) {
            // 57bebf807e2a (6.3) with the 776617db78c6 fix (CVE-2023-2598): pages must be
            // consecutive and in one folio; all but the first pin are dropped
            Gup.unpinUserFolio(k, Pfn.of(pages[1]), nrPages - 1); // unpin_user_pages(&pages[1], nr_pages - 1): one folio
            bvecPages = new long[]{pages[0]};
            coalescedSingle = true;
            if (detail) ex.ok("io_sqe_buffer_register", FILE, "entry " + entry + ": " + nrPages
                    + " consecutive pages of one folio: a single bvec, " + (nrPages - 1) + " extra pin(s) dropped");
        } else {
            bvecPages = pages;
        }

        long acct = ioBufferAccountPin(k, t, ctx, bvecPages, lastHpage, visible, visibleCount, ex, entry);
        if (acct < 0) {
            Gup.unpinUserPages(k, bvecPages, bvecPages.length);
            k.releasePageArray(nrPages);
            return new Reg(null, Errno.fromRet(acct));
        }

        IoMappedUbuf imu = new IoMappedUbuf(base, len, bvecPages, off, coalescedSingle, folioShift, pagePfns);
        imu.acctPages = acct;
        if (detail) ex.ok("io_sqe_buffer_register", FILE, "entry " + entry + ": " + hex(base) + "+" + len + " -> "
                + bvecPages.length + " bvec(s), " + acct + " page(s) accounted");
        return new Reg(imu, null);
    }

    private static boolean singleFolio(Globals k, long[] pages) {
        long folio = k.phys.head(pages[0]);
        for (int i = 1; i < pages.length; i++) {
            if (k.phys.head(pages[i]) != folio || pages[i] != pages[i - 1] + 1) return false;
        }
        return true;
    }

    /**
     * io_pin_pages(): v6.3-6.5 in io_uring/rsrc.c with pin_user_pages() under mmap_read_lock,
     * plus the profile's own VMA check; 6.10+ in io_uring/memmap.c with overflow checks and
     * pin_user_pages_fast(). A short pin is unpinned and becomes -EFAULT.
     *
     * @return the pinned pfns (long[]) or an Errno
     */
    static Object ioPinPages(Globals k, Task t, long ubuf, long len, Explain ex, boolean detail, int entry) {
        Profile p = k.profile;
        String where = p.ioUringPinFast() ? MEMMAP : FILE;
        if (p.ioUringPinFast()) {
            long end = ubuf + len;
            if (Long.compareUnsigned(end, ubuf) < 0 || Long.compareUnsigned(end + PAGE_SIZE - 1, end) < 0) {
                ex.fail("io_pin_pages", where, Errno.EOVERFLOW, "entry " + entry + ": check_add_overflow(uaddr, len + PAGE_SIZE - 1)");
                return Errno.EOVERFLOW;
            }
        }
        long end = (ubuf + len + PAGE_SIZE - 1) >>> PAGE_SHIFT;
        long start = ubuf >>> PAGE_SHIFT;
        int nrPages = (int) (end - start);
        if (!k.reservePageArray(nrPages, ex)) return Errno.ENOMEM; // kvmalloc_array() of the page array
        long[] pages = new long[nrPages];
        int foll = FollFlag.FOLL_WRITE.value() | FollFlag.FOLL_LONGTERM.value();
        // seed series, patch 5/7: io_pin_pages() asks GUP for FOLL_SAME_FILE
        if (p.ioUringFileCheck() == Profile.IoUringFileCheck.SEED_SAME_FILE) foll |= FollFlag.FOLL_SAME_FILE.value();
        String call = p.ioUringPinFast() ? "pin_user_pages_fast" : "pin_user_pages";
        // GUP explains itself into a scratch trace, kept for detailed entries and for failures; past
        // the detailed entries a quiet trace spares GUP building strings nobody reads
        Explain gx = detail ? new Explain() : Explain.quiet();
        long pret = p.ioUringPinFast()
                ? Gup.pinUserPagesFast(k, t, VirtAddr.of(ubuf), nrPages, foll, pages, gx)
                : Gup.pinUserPages(k, t, VirtAddr.of(ubuf), nrPages, foll, pages, gx);
        String flags = (foll & FollFlag.FOLL_SAME_FILE.value()) != 0 ? "FOLL_WRITE|FOLL_LONGTERM|FOLL_SAME_FILE" : "FOLL_WRITE|FOLL_LONGTERM";
        if (detail || pret != nrPages) {
            for (Step s : gx.steps()) ex.step(s.fn(), s.file(), s.outcome(), s.detail());
        }
        for (String w : gx.warnings()) ex.warning(w);
        if (pret != nrPages) {
            Errno e = pret < 0 ? Errno.fromRet(pret) : Errno.EFAULT;
            if (pret > 0) Gup.unpinUserPages(k, pages, (int) pret);
            k.releasePageArray(nrPages);
            ex.fail("io_pin_pages", where, e, "entry " + entry + ": " + call + "(" + hex(ubuf) + ", " + nrPages + ", " + flags + ") = "
                    + pret + (pret >= 0 ? ": short pin, " + pret + " page(s) unpinned" : ""));
            return e;
        }
        if (detail) ex.ok("io_pin_pages", where, "entry " + entry + ": " + call + "(" + hex(ubuf) + ", " + nrPages + ", " + flags + ") = " + pret);
        Errno e = ioPinPagesFileCheck(k, t, ubuf, end << PAGE_SHIFT, ex, entry);
        if (e != null) {
            Gup.unpinUserPages(k, pages, nrPages);
            k.releasePageArray(nrPages);
            return e;
        }
        return pages;
    }

    /**
     * The VMA check io_pin_pages() does after a full pin, per profile (io_uring.md section 0):
     * v6.3 edd478269640 (every VMA must share vmas[0]->vm_file, -EINVAL; file-backed other than
     * shmem/hugetlbfs -EOPNOTSUPP), the seed's first-VMA-only check, v6.4's per-VMA -EOPNOTSUPP
     * (3c85cc43c8e7 reverted the -EINVAL), none from v6.5 (GUP's check_vma_flags decides).
     * A MAP_PRIVATE /dev/zero VMA is anonymous but has vm_file set, so it fails the file test.
     * The walk is per VMA, which gives the same first failure as the kernel's per-page loop.
     */
    private static Errno ioPinPagesFileCheck(Globals k, Task t, long ubuf, long endAddr, Explain ex, int entry) {
        Mm mm = t.mm;
        long startAddr = ubuf & ~(PAGE_SIZE - 1);
        switch (k.profile.ioUringFileCheck()) {
            case MULTI_SOURCE_EINVAL -> {
                OpenFile file = mm.vmaLookup(startAddr).file;
                for (long a = startAddr; a < endAddr; ) {
                    Vma v = mm.vmaLookup(a);
                    if (v.file != file) {
                        ex.fail("io_pin_pages", FILE, Errno.EINVAL, "entry " + entry + ": VMA at " + hex(v.start)
                                + " has vm_file " + fileName(v.file) + ", vmas[0] has " + fileName(file) + " (edd478269640: no multi-source buffers)");
                        return Errno.EINVAL;
                    }
                    if (file != null && !v.isShmem() && !isFileHugepages(file)) {
                        ex.fail("io_pin_pages", FILE, Errno.EOPNOTSUPP, "entry " + entry + ": VMA at " + hex(v.start)
                                + " is file-backed (" + fileName(file) + "), neither shmem nor hugetlbfs");
                        return Errno.EOPNOTSUPP;
                    }
                    a = v.end;
                }
                ex.ok("io_pin_pages", FILE, "entry " + entry + ": every VMA shares vmas[0]->vm_file " + fileName(file) + ", anon/shmem/hugetlb");
            }
            case SEED_SAME_FILE -> {
                Vma v = mm.vmaLookup(ubuf);
                if (v.file != null && !v.isShmem() && !isFileHugepages(v.file)) {
                    ex.fail("io_pin_pages", FILE, Errno.EOPNOTSUPP, "entry " + entry + ": vma_lookup(ubuf) is file-backed ("
                            + fileName(v.file) + "), neither shmem nor hugetlbfs (first VMA only, FOLL_SAME_FILE covers the rest)");
                    return Errno.EOPNOTSUPP;
                }
                ex.ok("io_pin_pages", FILE, "entry " + entry + ": first VMA is anon/shmem/hugetlb; FOLL_SAME_FILE vouched for the rest");
            }
            case PER_VMA_EOPNOTSUPP -> {
                for (long a = startAddr; a < endAddr; ) {
                    Vma v = mm.vmaLookup(a);
                    a = v.end;
                    if (v.isShmem()) continue;
                    if (v.file != null && !isFileHugepages(v.file)) {
                        ex.fail("io_pin_pages", FILE, Errno.EOPNOTSUPP, "entry " + entry + ": VMA at " + hex(v.start)
                                + " is file-backed (" + fileName(v.file) + "), neither shmem nor hugetlbfs");
                        return Errno.EOPNOTSUPP;
                    }
                }
                ex.ok("io_pin_pages", FILE, "entry " + entry + ": every VMA is anon, shmem or hugetlbfs");
            }
            case GUP_DELEGATED -> { /* v6.5+: "delegate VMA file-backed check to GUP" */ }
        }
        return null;
    }

    /** is_file_hugepages(). */
    private static boolean isFileHugepages(OpenFile f) { return f.inode().isHugetlb(); }

    private static String fileName(OpenFile f) {
        if (f == null) return "NULL";
        String path = f.inode().path();
        return "file#" + f.id() + (path != null ? " " + path : " (" + f.inode().fs().fsName + ")");
    }

    // ------------------------------------------------------------------ coalescing (6.12+)

    /** struct io_imu_folio_data. */
    private static final class CoalesceData {
        int nrPagesHead, nrPagesMid, nrFolios, folioShift, firstFolioPageIdx;
    }

    /**
     * io_check_coalesce_buffer(): pages contiguous inside each folio, every folio but the first
     * and last of one size, every folio after the first starting at its page 0.
     */
    private static CoalesceData ioCheckCoalesceBuffer(Globals k, long[] pages) {
        CoalesceData d = new CoalesceData();
        long folio = k.phys.head(pages[0]);
        int count = 1, nrFolios = 1;
        d.nrPagesMid = k.phys.folioNrPages(folio);
        d.folioShift = PAGE_SHIFT + Integer.numberOfTrailingZeros(d.nrPagesMid);
        d.firstFolioPageIdx = (int) (pages[0] - folio);
        for (int i = 1; i < pages.length; i++) {
            long head = k.phys.head(pages[i]); // page_folio(), looked up once per page
            if (head == folio && pages[i] == pages[i - 1] + 1) {
                count++;
                continue;
            }
            if (nrFolios == 1) {
                if (pages[i - 1] - folio != d.nrPagesMid - 1) return null;
                d.nrPagesHead = count;
            } else if (count != d.nrPagesMid) {
                return null;
            }
            folio = head;
            if (k.phys.folioNrPages(folio) != (1 << (d.folioShift - PAGE_SHIFT)) || pages[i] != folio) return null;
            count = 1;
            nrFolios++;
        }
        if (nrFolios == 1) d.nrPagesHead = count;
        d.nrFolios = nrFolios;
        return d;
    }

    /** io_coalesce_buffer(): keeps one pin per folio (unpin_user_folio(folio, nr - 1)), returns the heads. */
    private static long[] ioCoalesceBuffer(Globals k, long[] pages, CoalesceData d) {
        long[] heads = new long[d.nrFolios];
        int left = pages.length;
        for (int i = 0, j = 0; i < d.nrFolios; i++) {
            long head = k.phys.head(pages[j]);
            int nr = Math.min(i == 0 ? d.nrPagesHead : d.nrPagesMid, left);
            if (nr > 1) Gup.unpinUserFolio(k, Pfn.of(head), nr - 1);
            j += nr;
            left -= nr;
            heads[i] = head;
        }
        return heads;
    }

    // ------------------------------------------------------------------ accounting

    /**
     * io_buffer_account_pin(): a small page counts 1; a compound page (THP, hugetlb) counts
     * the whole folio once: skipped when it is {@code *last_hpage} (cached across the iovecs of
     * one call) or when headpage_already_acct() finds it earlier in this array or in the table.
     *
     * @return the pages accounted, or -errno (-ENOMEM over RLIMIT_MEMLOCK)
     */
    static long ioBufferAccountPin(Globals k, Task t, IoRingCtx ctx, long[] pages, long[] lastHpage,
                                   IoMappedUbuf[] visible, int visibleCount, Explain ex, int entry) {
        int deduped = 0;
        // the compound heads among pages[0..i): the first half of headpage_already_acct()'s scan
        Set<Long> earlierHeads = null;
        long acct = 0;
        for (long page : pages) {
            if (!k.phys.isLarge(page)) {
                acct++;
                continue;
            }
            long hpage = k.phys.head(page);
            if (earlierHeads == null) earlierHeads = new HashSet<>();
            if (hpage != lastHpage[0]) {
                lastHpage[0] = hpage;
                if (headpageAlreadyAcct(hpage, earlierHeads, k, visible, visibleCount)) deduped++;
                else acct += k.phys.folioNrPages(hpage);
            }
            earlierHeads.add(hpage);
        }
        if (deduped > 0) ex.ok("headpage_already_acct", FILE, "entry " + entry + ": " + deduped + " huge page(s) already accounted");
        if (acct == 0) return 0;
        Errno e = ioAccountMem(k, t, ctx, acct, ex, entry);
        return e == null ? acct : e.neg();
    }

    /** headpage_already_acct(): is hpage in the current array (before i) or in a registered buffer? */
    private static boolean headpageAlreadyAcct(long hpage, Set<Long> earlierHeads, Globals k, IoMappedUbuf[] visible, int visibleCount) {
        if (earlierHeads.contains(hpage)) return true;
        if (visible == null) return false;
        for (int i = 0; i < visibleCount; i++) {
            IoMappedUbuf imu = visible[i];
            if (imu == null) continue;
            for (long pg : imu.bvecPages) {
                if (k.phys.isLarge(pg) && k.phys.head(pg) == hpage) return true;
            }
        }
        return false;
    }

    /**
     * io_account_mem() -> __io_account_mem(): when ctx->user is set (creator without
     * CAP_IPC_LOCK), the creator's user locked_vm plus nr must stay within the registering task's
     * RLIMIT_MEMLOCK, else -ENOMEM; then mm_account->pinned_vm += nr, always.
     */
    static Errno ioAccountMem(Globals k, Task t, IoRingCtx ctx, long nr, Explain ex, int entry) {
        if (ctx.user != null) {
            Errno e = ioAccountUser(k, t, ctx.user, nr);
            if (e != null) {
                ex.fail("__io_account_mem", FILE, e, (entry >= 0 ? "entry " + entry + ": " : "") + "uid " + ctx.user + " locked_vm "
                        + k.userLockedVm(ctx.user) + " + " + nr + " pages > RLIMIT_MEMLOCK " + (t.rlimitMemlock >>> PAGE_SHIFT)
                        + " pages of pid " + t.pid);
                return e;
            }
        }
        ctx.mmAccount.pinnedVm += nr;
        return null;
    }

    /** __io_account_mem(user, nr): the cmpxchg loop against rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT of current. */
    static Errno ioAccountUser(Globals k, Task t, int uid, long nr) {
        if (nr == 0) return null;
        long limit = t.rlimitMemlock >>> PAGE_SHIFT;
        long cur = k.userLockedVm(uid);
        if (cur + nr > limit || cur + nr < 0) return Errno.ENOMEM;
        k.addUserLockedVm(uid, nr);
        return null;
    }

    /**
     * io_reset_rsrc_node() of buffer slot {@code i}: the table's reference to the slot's node
     * goes. Without a request holding it the node is freed now (tag CQE, then io_buffer_unmap());
     * otherwise that waits for the last completion. Returns whether it was freed now.
     */
    static boolean resetBufSlot(Globals k, IoRingCtx ctx, int i, boolean postTag) {
        IoMappedUbuf imu = ctx.bufTable[i];
        if (imu == null) return true;
        RsrcNode node = ctx.heldBufNodes.remove(i);
        if (node == null) node = new RsrcNode(null, imu, 0, i);
        node.tag = postTag ? ctx.bufTags[i] : 0;
        node.slot = -1;
        return ioPutRsrcNode(k, ctx, node);
    }

    /** A request takes a reference to buffer slot {@code i}'s node (io_find_buf_node(): node->refs++). */
    static RsrcNode holdBufNode(IoRingCtx ctx, int i) {
        RsrcNode node = ctx.heldBufNodes.computeIfAbsent(i, x -> new RsrcNode(null, ctx.bufTable[x], 0, x));
        node.refs++;
        return node;
    }

    /**
     * io_put_rsrc_node(): drops one reference; the last runs io_free_rsrc_node(): the tag CQE
     * {user_data = tag, res 0}, then fput() of a file or io_buffer_unmap() of a buffer.
     */
    static boolean ioPutRsrcNode(Globals k, IoRingCtx ctx, RsrcNode node) {
        if (--node.refs > 0) {
            if (node.refs == 1 && node.buf != null && node.slot >= 0) ctx.heldBufNodes.remove(node.slot); // only the table holds it again
            return false;
        }
        if (node.tag != 0) ctx.cq.add(new Cqe(node.tag, 0, 0));
        if (node.file != null) io.pinlab.kernel.fs.FileTable.fput(k, node.file);
        else ioBufferUnmap(k, ctx, node.buf);
        return true;
    }

    /** io_unaccount_mem(). */
    static void ioUnaccountMem(Globals k, IoRingCtx ctx, long nr) {
        if (ctx.user != null) k.addUserLockedVm(ctx.user, -nr);
        ctx.mmAccount.pinnedVm -= nr;
    }

    /** io_buffer_unmap(): when the last reference goes (imu->refs), one unpin per bvec (unpin_user_folio(folio, 1) in 6.12+), then unaccount. */
    static void ioBufferUnmap(Globals k, IoRingCtx ctx, IoMappedUbuf imu) {
        if (--imu.refs > 0) return;
        for (long pg : imu.bvecPages) unpin(k, pg);
        k.releasePageArray(imu.pagePfns.length);
        if (imu.acctPages != 0) ioUnaccountMem(k, ctx, imu.acctPages);
    }

    private static void unpin(Globals k, long pfn) { Gup.unpinUserPage(k, Pfn.of(pfn)); }

    // ------------------------------------------------------------------ unregister

    /**
     * io_sqe_buffers_unregister(): -ENXIO without a table. v6.3-6.6 quiesce and unmap every slot
     * (tags are freed, no CQE); 6.13+ drop every node from the last slot down, and a tagged node
     * posts {user_data = tag, res = 0} as it goes.
     */
    static long ioSqeBuffersUnregister(Globals k, IoRingCtx ctx, Explain ex) {
        if (ctx.bufTable == null) {
            ex.fail("io_sqe_buffers_unregister", FILE, Errno.ENXIO, "no buffer table registered");
            return Errno.ENXIO.neg();
        }
        int n = ctx.bufTable.length;
        freeTable(k, ctx, k.profile.ioUringNodeTable());
        ex.ok("io_sqe_buffers_unregister", FILE, n + " slot(s) unpinned and unaccounted"
                + (k.profile.ioUringNodeTable() ? "; tagged nodes post CQEs" : "; tags dropped without CQEs (6.3-6.6)"));
        return 0;
    }

    /** __io_sqe_buffers_unregister() / io_rsrc_data_free(). */
    static void freeTable(Globals k, IoRingCtx ctx, boolean postTags) {
        IoMappedUbuf[] table = ctx.bufTable;
        if (table == null) return;
        for (int i = table.length - 1; i >= 0; i--) resetBufSlot(k, ctx, i, postTags);
        k.releasePageArray(TABLE_SLOT_ENTRIES * table.length);
        ctx.bufTable = null;
        ctx.bufTags = null;
    }

    // ------------------------------------------------------------------ clone

    /**
     * io_register_clone_buffers() + io_clone_buffers() (io_uring/rsrc.c, 6.13+): the destination
     * ring gets table slots that share the source ring's buffers (imu->refs, no new pins and no
     * new accounting; cloned slots carry no tag). Checks in the kernel's order.
     */
    static long ioRegisterCloneBuffers(Globals k, Task t, IoRingCtx ctx, RegisterArgs a, Explain ex) {
        final String fn = "io_register_clone_buffers";
        int flags = a.flags();
        if ((flags & ~(RsrcFlag.IORING_REGISTER_SRC_REGISTERED.value | RsrcFlag.IORING_REGISTER_DST_REPLACE.value)) != 0)
            return fail(ex, fn, Errno.EINVAL, "unknown flags 0x" + Integer.toHexString(flags));
        boolean replace = (flags & RsrcFlag.IORING_REGISTER_DST_REPLACE.value) != 0;
        if (!replace && ctx.bufTable != null)
            return fail(ex, fn, Errno.EBUSY, "the destination ring has buffers and IORING_REGISTER_DST_REPLACE is not set");
        // io_uring_register_get_file(): registered ring fds are not simulated, so SRC_REGISTERED finds none
        if ((flags & RsrcFlag.IORING_REGISTER_SRC_REGISTERED.value) != 0)
            return fail(ex, "io_uring_register_get_file", a.srcFd() >= 16 || a.srcFd() < 0 ? Errno.EINVAL : Errno.EBADF,
                    "src_fd " + a.srcFd() + " as a registered ring index: no ring is registered with IORING_REGISTER_RING_FDS");
        OpenFile f = t.fds.get(a.srcFd());
        if (f == null) return fail(ex, "io_uring_register_get_file", Errno.EBADF, "src_fd " + a.srcFd() + " is not open");
        IoRingCtx src = IoUring.ringOf(f);
        if (src == null) return fail(ex, "io_uring_register_get_file", Errno.EOPNOTSUPP, "src_fd " + a.srcFd() + " is not an io_uring");
        if (src != ctx && src.submitterPid >= 0 && src.submitterPid != t.pid)
            return fail(ex, fn, Errno.EEXIST, "the source ring is IORING_SETUP_SINGLE_ISSUER for pid " + src.submitterPid);
        // io_clone_buffers()
        if (!java.util.Objects.equals(ctx.user, src.user) || ctx.mmAccount != src.mmAccount)
            return fail(ex, "io_clone_buffers", Errno.EINVAL, "the rings are accounted to different users or mms");
        long nr = a.nrValue(), srcOff = Integer.toUnsignedLong(a.srcOff()), dstOff = Integer.toUnsignedLong(a.offset());
        if (nr == 0 && (dstOff != 0 || srcOff != 0))
            return fail(ex, "io_clone_buffers", Errno.EINVAL, "offsets given without nr");
        if (ctx.bufTable != null && !replace)
            return fail(ex, "io_clone_buffers", Errno.EBUSY, "the destination ring has buffers");
        int nbufs = src.bufTable == null ? 0 : src.bufTable.length;
        if (nbufs == 0) return fail(ex, "io_clone_buffers", Errno.ENXIO, "the source ring has no buffer table");
        if (nr == 0) nr = nbufs;
        else if (nr > nbufs || nr > IORING_MAX_REG_BUFFERS)
            return fail(ex, "io_clone_buffers", Errno.EINVAL, "nr " + nr + " exceeds the source table (" + nbufs + ") or IORING_MAX_REG_BUFFERS");
        if (nr + srcOff > 0xffffffffL || nr + srcOff > nbufs)
            return fail(ex, "io_clone_buffers", Errno.EOVERFLOW, "src_off " + srcOff + " + nr " + nr + " is past the source table");
        if (nr + dstOff > 0xffffffffL)
            return fail(ex, "io_clone_buffers", Errno.EOVERFLOW, "dst_off " + dstOff + " + nr " + nr + " overflows");
        long end = nr + dstOff;
        if (end > IORING_MAX_REG_BUFFERS)
            return fail(ex, "io_clone_buffers", Errno.EINVAL, "dst_off + nr = " + end + " > IORING_MAX_REG_BUFFERS");
        int oldNr = ctx.bufTable == null ? 0 : ctx.bufTable.length;
        int size = (int) Math.max(end, oldNr);
        // io_rsrc_data_alloc() of the destination table, charged like every table (see ioSqeBuffersRegister)
        if (!k.reservePageArray(TABLE_SLOT_ENTRIES * size, ex)) return Errno.ENOMEM.neg();
        IoMappedUbuf[] table = new IoMappedUbuf[size];
        long[] tags = new long[size];
        for (long i = 0; i < nr; i++) {
            IoMappedUbuf imu = src.bufTable[(int) (srcOff + i)];
            if (imu != null) imu.refs++; // refcount_inc(&src_node->buf->refs)
            table[(int) (dstOff + i)] = imu;
        }
        // the destination's own slots before and after the cloned range move over (same nodes);
        // with DST_REPLACE the old nodes inside the range are put: a tagged one posts its CQE
        for (int i = 0; i < oldNr; i++) {
            if (i < dstOff || i >= end) {
                table[i] = ctx.bufTable[i];
                tags[i] = ctx.bufTags[i];
            } else {
                resetBufSlot(k, ctx, i, true);
            }
        }
        if (oldNr > 0) k.releasePageArray(TABLE_SLOT_ENTRIES * oldNr); // io_rsrc_data_free() of the old table
        ctx.bufTable = table;
        ctx.bufTags = tags;
        ex.ok("io_clone_buffers", FILE, nr + " buffer(s) of ring fd " + a.srcFd() + " (slots " + srcOff + "..) now also in slots "
                + dstOff + "..; pins and accounting are shared, not taken again");
        return 0;
    }

    private static long fail(Explain ex, String fn, Errno e, String why) {
        ex.fail(fn, FILE, e, why);
        return e.neg();
    }

    // ------------------------------------------------------------------ update

    /**
     * __io_sqe_buffers_update() (after __io_register_rsrc_update()'s overflow check): no table -ENXIO, beyond the table -EINVAL; then per entry copy, tag copy, validate, tag on an
     * empty slot -EINVAL, register, and the old buffer is released (its tag CQE posted). Returns
     * the number of entries updated, or the first error when none was ({@code done ? done : err}).
     */
    static long ioSqeBuffersUpdate(Globals k, Task t, IoRingCtx ctx, long offset, long nr, List<Iovec> data,
                                   List<Long> tags, Explain ex) {
        Profile p = k.profile;
        boolean nodeTable = p.ioUringNodeTable();
        if (ctx.bufTable == null) {
            ex.fail("__io_sqe_buffers_update", FILE, Errno.ENXIO, "no buffer table registered");
            return Errno.ENXIO.neg();
        }
        if (offset + nr > ctx.bufTable.length) {
            ex.fail("__io_sqe_buffers_update", FILE, Errno.EINVAL, "offset " + offset + " + nr " + nr + " is beyond the table of " + ctx.bufTable.length);
            return Errno.EINVAL.neg();
        }
        long[] lastHpage = {-1};
        int done;
        Errno err = null;
        for (done = 0; done < nr; done++) {
            boolean detail = done < DETAILED_ENTRIES;
            Errno e = copyIov(p, data, done);
            if (e != null) {
                err = e;
                ex.fail(copyFn(p), nodeTable ? "lib/iov_iter.c" : FILE, e, copyDetail(data, done, e));
                break;
            }
            Iovec iov = data.get(done);
            long tag = 0;
            if (tags != null) {
                if (done >= tags.size()) {
                    err = Errno.EFAULT;
                    ex.fail("__io_sqe_buffers_update", FILE, err, "entry " + done + ": copy_from_user(&tags[" + done + "]) faults");
                    break;
                }
                tag = tags.get(done);
            }
            e = ioBufferValidate(p, iov);
            if (e != null) {
                err = e;
                ex.fail(validateFn(p), FILE, e, "entry " + done + ": " + validateDetail(p, iov, e));
                break;
            }
            if (!nodeTable && iov.base() == 0 && tag != 0) {
                err = Errno.EINVAL;
                ex.fail("__io_sqe_buffers_update", FILE, err, "entry " + done + ": tag " + tag + " on an empty slot");
                break;
            }
            // the old buffer is still in the table while the new one is accounted
            Reg r = ioSqeBufferRegister(k, t, ctx, iov, lastHpage, ctx.bufTable, ctx.bufTable.length, ex, detail, done);
            if (r.err != null) {
                err = r.err;
                break;
            }
            if (nodeTable && tag != 0 && r.imu == null) {
                err = Errno.EINVAL;
                ex.fail("__io_sqe_buffers_update", FILE, err, "entry " + done + ": tag " + tag + " on an empty slot (NULL node)");
                break;
            }
            int i = (int) (offset + done);
            IoMappedUbuf old = ctx.bufTable[i];
            if (old != null) {
                long oldTag = ctx.bufTags[i];
                // io_queue_rsrc_removal() (6.3-6.6) / io_reset_rsrc_node() (6.13+)
                boolean freed = resetBufSlot(k, ctx, i, true);
                if (detail) ex.ok("__io_sqe_buffers_update", FILE, "slot " + i + ": old buffer " + hex(old.ubuf) + (freed
                        ? " released" + (oldTag != 0 ? ", tag CQE " + oldTag + " posted" : "")
                        : " still held by an in-flight request: its unpin" + (oldTag != 0 ? " and tag CQE " + oldTag : "") + " wait for the completion"));
            }
            ctx.bufTable[i] = r.imu;
            ctx.bufTags[i] = tag;
        }
        if (done > 0) {
            ex.ok("__io_sqe_buffers_update", FILE, done + " slot(s) updated" + (err != null ? ", stopped at entry " + done + " (" + err.name() + "): done ? done : err" : ""));
            return done;
        }
        return err == null ? 0 : err.neg();
    }

    // ------------------------------------------------------------------ import

    /**
     * io_import_fixed() (validate_fixed_range() in 6.13+): addr + len overflow, outside
     * [ubuf, ubuf + len), or (6.13+) len > MAX_RW_COUNT: -EFAULT. A 6.3-6.6 empty slot is the
     * dummy imu (ubuf -1, ubuf_end 0) and always fails.
     */
    static Errno ioImportFixed(Globals k, IoMappedUbuf imu, long addr, long len, Explain ex) {
        long ubuf = imu == null ? -1L : imu.ubuf;
        long ubufEnd = imu == null ? 0 : imu.ubuf + imu.len;
        String fn = k.profile.ioUringNodeTable() ? "validate_fixed_range" : "io_import_fixed";
        long bufEnd = addr + len;
        if (Long.compareUnsigned(bufEnd, addr) < 0) {
            ex.fail(fn, FILE, Errno.EFAULT, "addr " + hex(addr) + " + len " + len + " overflows");
            return Errno.EFAULT;
        }
        if (Long.compareUnsigned(addr, ubuf) < 0 || Long.compareUnsigned(bufEnd, ubufEnd) > 0) {
            ex.fail(fn, FILE, Errno.EFAULT, imu == null ? "the slot is empty (dummy_ubuf: ubuf -1, ubuf_end 0)"
                    : "[" + hex(addr) + ", " + hex(bufEnd) + ") is not inside the buffer [" + hex(ubuf) + ", " + hex(ubufEnd) + ")");
            return Errno.EFAULT;
        }
        if (k.profile.ioUringNodeTable() && Long.compareUnsigned(len, MAX_RW_COUNT) > 0) {
            ex.fail(fn, FILE, Errno.EFAULT, "len " + len + " > MAX_RW_COUNT");
            return Errno.EFAULT;
        }
        return null;
    }

}
