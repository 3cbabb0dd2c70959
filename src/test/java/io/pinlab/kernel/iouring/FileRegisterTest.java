package io.pinlab.kernel.iouring;

import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.base.SysResult;
import io.pinlab.kernel.fs.Open;
import io.pinlab.kernel.fs.OpenFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import java.util.Arrays;
import java.util.List;

import io.pinlab.kernel.Lab;
import static io.pinlab.kernel.Lab.*;
import static io.pinlab.kernel.iouring.RegisterOp.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Registered files, per profile, from io_uring/rsrc.c (6.3.8, 6.5.0, 6.18.2):
 * io_sqe_files_register(), __io_sqe_files_update(), io_register_files_update(),
 * io_register_rsrc(), io_register_rsrc_update(), io_sqe_files_unregister(), and the dispatch in
 * __io_uring_register() (io_uring/register.c in 6.18, io_uring/io_uring.c before). Fixed-file
 * SQEs: io_assign_file() -> io_file_get_fixed() (io_uring/io_uring.c).
 */
class FileRegisterTest {
    static final List<Profile> ALL = Profile.ALL;
    static final int SKIP = -2; // IORING_REGISTER_FILES_SKIP

    static SysResult reg(Lab lab, RegisterOp op, int ring, List<Integer> fds, int offset, List<Long> tags) {
        return Register.ioUringRegister(lab.k, lab.t, RegisterArgs.files(ring, op, fds, offset, tags));
    }

    static List<Integer> fds(Integer... fds) { return Arrays.asList(fds); }

    static List<Long> tags(Long... tags) { return Arrays.asList(tags); }

    static List<Cqe> reap(Lab lab, int ring) { return lab.enter(ring).cqes(); }

    @ParameterizedTest @FieldSource("ALL")
    void sparseTableAndFixedFileSqes(Profile p) {
        Lab lab = new Lab(p);
        int ring = lab.ring();
        int f = lab.open("/mnt/ext4/data", O_RDWR | O_CREAT, PAGE);
        OpenFile file = lab.t.fds.get(f);
        assertOk(reg(lab, IORING_REGISTER_FILES, ring, fds(-1, f), 0, null)); // fd -1: "allow sparse sets"
        assertEquals(2, file.refs, "fget(): the table holds its own reference");
        assertOk(Open.closeFd(lab.k, lab.t, f));
        assertEquals(1, file.refs, "closing the fd leaves the registered file open");
        long buf = lab.anon(PAGE);
        lab.write(buf, PAGE, 5);
        assertOk(lab.register(ring, iov(buf, PAGE)));
        // IOSQE_FIXED_FILE: sqe->fd indexes the table; an empty slot or an index past it is no file: -EBADF
        List<Cqe> cqes = lab.enter(ring,
                Sqe.writeFixed(1, buf, PAGE, 0, 0, 1).with(Sqe.IOSQE_FIXED_FILE, false),
                Sqe.writeFixed(0, buf, PAGE, 0, 0, 2).with(Sqe.IOSQE_FIXED_FILE, false),
                Sqe.writeFixed(7, buf, PAGE, 0, 0, 3).with(Sqe.IOSQE_FIXED_FILE, false)).cqes();
        assertEquals(List.of(new Cqe(1, (int) PAGE, 0), new Cqe(2, (int) Errno.EBADF.neg(), 0), new Cqe(3, (int) Errno.EBADF.neg(), 0)), cqes);
    }

    @ParameterizedTest @FieldSource("ALL")
    void registerErrnos(Profile p) {
        Lab lab = new Lab(p);
        int ring = lab.ring();
        int f = lab.open("/mnt/ext4/a", O_RDWR | O_CREAT, (long) (0));
        // __io_uring_register(): IORING_REGISTER_FILES with arg NULL is -EFAULT
        assertErr(Errno.EFAULT, Register.ioUringRegister(lab.k, lab.t, new RegisterArgs(ring, IORING_REGISTER_FILES, null, 1, null, 0, 0, null, false)));
        assertErr(Errno.EINVAL, Register.ioUringRegister(lab.k, lab.t, new RegisterArgs(ring, IORING_REGISTER_FILES, null, 0, null, 0, 0, null, true))); // !nr_args
        assertErr(Errno.EMFILE, Register.ioUringRegister(lab.k, lab.t, new RegisterArgs(ring, IORING_REGISTER_FILES, null, (1 << 20) + 1, null, 0, 0, null, true))); // > IORING_MAX_FIXED_FILES
        assertErr(Errno.EMFILE, Register.ioUringRegister(lab.k, lab.t, new RegisterArgs(ring, IORING_REGISTER_FILES, null, 1025, null, 0, 0, null, true))); // > RLIMIT_NOFILE
        assertErr(Errno.EBADF, reg(lab, IORING_REGISTER_FILES, ring, fds(f, 99), 0, null)); // fget(99) fails
        assertErr(Errno.EBADF, reg(lab, IORING_REGISTER_FILES, ring, fds(ring), 0, null)); // io_is_uring_fops()
        assertEquals(1, lab.t.fds.get(f).refs, "the failed registration put the file it had taken");
        assertOk(reg(lab, IORING_REGISTER_FILES, ring, fds(f), 0, null)); // the failures left no table
        assertErr(Errno.EBUSY, reg(lab, IORING_REGISTER_FILES, ring, fds(f), 0, null));
        assertErr(Errno.EINVAL, Register.ioUringRegister(lab.k, lab.t, new RegisterArgs(ring, IORING_UNREGISTER_FILES, null, 1, null, 0, 0, null, false)));
        assertOk(reg(lab, IORING_UNREGISTER_FILES, ring, null, 0, null));
        assertErr(Errno.ENXIO, reg(lab, IORING_UNREGISTER_FILES, ring, null, 0, null));
        assertEquals(1, lab.t.fds.get(f).refs);
    }

    @ParameterizedTest @FieldSource("ALL")
    void registerRsrcRules(Profile p) {
        Lab lab = new Lab(p);
        int ring = lab.ring();
        int f = lab.open("/mnt/ext4/a", O_RDWR | O_CREAT, (long) (0));
        assertErr(Errno.EINVAL, reg(lab, IORING_REGISTER_FILES2, ring, fds(-1), 0, tags(3L))); // a tag on a sparse slot
        assertErr(Errno.EINVAL, Register.ioUringRegister(lab.k, lab.t, new RegisterArgs(ring, IORING_REGISTER_FILES2, null, 32, null,
                RsrcFlag.IORING_RSRC_REGISTER_SPARSE.value, 0, null, null, null, 0, 0, fds(f)))); // SPARSE with rr.data
        assertErr(Errno.EINVAL, Register.ioUringRegister(lab.k, lab.t, new RegisterArgs(ring, IORING_REGISTER_FILES2, null, 24, null, 0, 0, null, null, null, 0, 0, fds(f))));
        assertErr(Errno.EINVAL, Register.ioUringRegister(lab.k, lab.t, new RegisterArgs(ring, IORING_REGISTER_FILES2, null, 32, 0, 0, 0, null, null, null, 0, 0, fds(f))));
        assertOk(Register.ioUringRegister(lab.k, lab.t, new RegisterArgs(ring, IORING_REGISTER_FILES2, null, 32, 4,
                RsrcFlag.IORING_RSRC_REGISTER_SPARSE.value, 0, null, null, null, 0, 0, null)));
        assertEquals(4, IoUring.ctx(lab.t, ring).nrUserFiles);
        assertTrue(IoUring.ctx(lab.t, ring).fileNodes.isEmpty());
    }

    /**
     * v6.3-6.6 copy every tag in io_rsrc_data_alloc() before the first fd; 6.13+ copy tag i with
     * fd i, so a short tag array behind a bad first fd is -EFAULT on the old kernels and -EBADF on
     * 6.18.
     */
    @ParameterizedTest @FieldSource("ALL")
    void tagCopyOrder(Profile p) {
        Lab lab = new Lab(p);
        int ring = lab.ring();
        assertErr(p.ioUringNodeTable() ? Errno.EBADF : Errno.EFAULT,
                Register.ioUringRegister(lab.k, lab.t, new RegisterArgs(ring, IORING_REGISTER_FILES2, null, 32, 2, 0, 0, tags(1L), null, null, 0, 0, fds(99, 98))));
    }

    @ParameterizedTest @FieldSource("ALL")
    void updateRulesAndTags(Profile p) {
        Lab lab = new Lab(p);
        int ring = lab.ring();
        int a = lab.open("/mnt/ext4/a", O_RDWR | O_CREAT, (long) (0)), b = lab.open("/mnt/ext4/b", O_RDWR | O_CREAT, (long) (0));
        assertErr(Errno.ENXIO, reg(lab, IORING_REGISTER_FILES_UPDATE2, ring, fds(a), 0, null));
        assertOk(reg(lab, IORING_REGISTER_FILES2, ring, fds(a, -1, -1), 0, tags(7L, 0L, 0L)));
        assertErr(Errno.EINVAL, reg(lab, IORING_REGISTER_FILES_UPDATE2, ring, fds(a, a), 2, null)); // offset + nr > nr files
        assertErr(Errno.EOVERFLOW, reg(lab, IORING_REGISTER_FILES_UPDATE2, ring, fds(a, a), -1, null)); // 0xffffffff + 2
        assertErr(Errno.EINVAL, reg(lab, IORING_REGISTER_FILES_UPDATE2, ring, fds(SKIP), 0, tags(1L))); // a tag with SKIP
        assertErr(Errno.EINVAL, reg(lab, IORING_REGISTER_FILES_UPDATE2, ring, fds(-1), 1, tags(1L)));   // a tag with -1
        assertTrue(reap(lab, ring).isEmpty(), "no slot changed, no tag CQE");
        // slot 0 a -> b with tag 9: the old node is put and posts tag 7 (no request holds it)
        assertEquals(2, reg(lab, IORING_REGISTER_FILES_UPDATE2, ring, fds(b, SKIP), 0, tags(9L, 0L)).ret());
        assertEquals(List.of(new Cqe(7, 0, 0)), reap(lab, ring));
        assertEquals(1, lab.t.fds.get(a).refs);
        // entry 1 fails after entry 0 was done: done ? done : err
        assertEquals(1, reg(lab, IORING_REGISTER_FILES_UPDATE, ring, fds(a, 99), 1, null).ret());
        // a bad fd at entry 0: -EBADF, and the slot was reset before fget()
        assertErr(Errno.EBADF, reg(lab, IORING_REGISTER_FILES_UPDATE, ring, fds(99), 1, null));
        assertNull(FileTable.lookup(IoUring.ctx(lab.t, ring), 1));
        assertErr(Errno.EINVAL, Register.ioUringRegister(lab.k, lab.t, new RegisterArgs(ring, IORING_REGISTER_FILES_UPDATE, null, 0, null, 0, 0, null, true)));
        // io_sqe_files_unregister(): 6.13+ post the tag of every tagged node; 6.3-6.6 free the tags silently
        assertOk(reg(lab, IORING_UNREGISTER_FILES, ring, null, 0, null));
        assertEquals(p.ioUringNodeTable() ? List.of(new Cqe(9, 0, 0)) : List.of(), reap(lab, ring));
        assertEquals(1, lab.t.fds.get(b).refs);
    }

    @ParameterizedTest @FieldSource("ALL")
    void failedRegistrationPostsNoTag(Profile p) { // io_clear_table_tags() before io_sqe_files_unregister()
        Lab lab = new Lab(p);
        int ring = lab.ring();
        int a = lab.open("/mnt/ext4/a", O_RDWR | O_CREAT, (long) (0));
        assertErr(Errno.EBADF, reg(lab, IORING_REGISTER_FILES2, ring, fds(a, 99), 0, tags(5L, 6L)));
        assertTrue(reap(lab, ring).isEmpty());
        assertEquals(1, lab.t.fds.get(a).refs);
    }

    @ParameterizedTest @FieldSource("ALL")
    void filesAreNotMemlockAccounted(Profile p) {
        Lab lab = new Lab(p);
        int ring = lab.ring();
        long locked = lab.lockedVm(), pinned = lab.t.mm.pinnedVm;
        int a = lab.open("/mnt/ext4/a", O_RDWR | O_CREAT, (long) (0));
        assertOk(reg(lab, IORING_REGISTER_FILES, ring, fds(a, -1, a), 0, null));
        assertEquals(locked, lab.lockedVm());
        assertEquals(pinned, lab.t.mm.pinnedVm);
    }

    @Test
    void closingTheRingPutsItsFiles() { // io_ring_ctx_free() -> io_sqe_files_unregister() -> fput()
        Lab lab = new Lab(Profile.V6_18);
        int ring = lab.ring();
        int a = lab.open("/mnt/ext4/a", O_RDWR | O_CREAT, (long) (0));
        OpenFile file = lab.t.fds.get(a);
        assertOk(reg(lab, IORING_REGISTER_FILES, ring, fds(a), 0, null));
        assertOk(Open.closeFd(lab.k, lab.t, a));
        assertEquals(1, file.refs);
        assertOk(Open.closeFd(lab.k, lab.t, ring));
        assertEquals(0, file.refs);
    }
}
