package io.pinlab.kernel.iouring;

import io.pinlab.kernel.Lab;
import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.base.SysResult;
import io.pinlab.kernel.mm.Task;
import io.pinlab.kernel.fs.Open;
import io.pinlab.kernel.fs.FsType;
import io.pinlab.kernel.fs.OpenFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static io.pinlab.kernel.Lab.assertErr;
import static io.pinlab.kernel.Lab.assertOk;
import static org.junit.jupiter.api.Assertions.*;

/** io_uring_setup() -> io_uring_create() (io_uring/io_uring.c) and io_ring_ctx_free(). */
class IoUringSetupTest {

    static List<Profile> profiles() { return Profile.ALL; }

    @ParameterizedTest
    @MethodSource("profiles")
    void entriesZeroOrAboveMaxAreEinvalUnlessClamp(Profile p) {
        Lab lab = new Lab(p);
        assertErr(Errno.EINVAL, lab.ioUringSetup(0, 0));
        assertErr(Errno.EINVAL, lab.ioUringSetup(32769, 0));
        assertErr(Errno.EINVAL, lab.ioUringSetup(-1, 0)); // u32 0xffffffff
        SysResult r = lab.ioUringSetup(40000, SetupFlag.IORING_SETUP_CLAMP.value);
        assertOk(r);
        assertEquals(32768, IoUring.ctx(lab.t, (int) r.ret()).sqEntries);
    }

    @ParameterizedTest
    @MethodSource("profiles")
    void entriesRoundUpToPowerOfTwoAndCqIsTwice(Profile p) {
        Lab lab = new Lab(p);
        SysResult r = lab.ioUringSetup(5, 0);
        assertOk(r);
        IoRingCtx ctx = IoUring.ctx(lab.t, (int) r.ret());
        assertEquals(8, ctx.sqEntries);
        assertEquals(16, ctx.cqEntries);
    }

    @ParameterizedTest
    @MethodSource("profiles")
    void unsupportedFlagsAreEinval(Profile p) {
        Lab lab = new Lab(p);
        assertErr(Errno.EINVAL, lab.ioUringSetup(8, 1 << 1)); // IORING_SETUP_SQPOLL: not simulated
    }

    @Test
    void ringIsAnAnonInodeFileOnTheLowestFreeFd() {
        Lab lab = new Lab(Profile.V6_18);
        int fd = lab.ring();
        OpenFile f = lab.t.fds.get(fd);
        assertEquals(FsType.ANON_INODE, f.inode().fs());
        assertEquals("[io_uring]", f.inode().path());
        assertEquals(1, f.refs);
        assertNotNull(IoUring.ringOf(f));
        assertEquals(fd + 1, lab.ring());
    }

    @Test
    void ctxUserOnlyWithoutCapIpcLock() {
        Lab lab = new Lab(Profile.V6_5);
        IoRingCtx plain = IoUring.ctx(lab.t, lab.ring());
        assertEquals(lab.t.uid, plain.user);
        assertSame(lab.t.mm, plain.mmAccount);
        Task root = lab.k.createTask(1, "cap", 1000, true, 8L << 20);
        assertNull(IoUring.ctx(root, lab.ring(root, 8, 0)).user);
    }

    /** 6.18: io_create_region() charges the rings (1 page for 8 entries) and SQEs (1 page) to user->locked_vm. */
    @ParameterizedTest
    @MethodSource("profiles")
    void ringMemoryIsChargedOnlyByRegionKernels(Profile p) {
        Lab lab = new Lab(p);
        int fd = lab.ring();
        long expected = p.ioUringNodeTable() ? 2 : 0;
        assertEquals(expected, lab.lockedVm());
        assertEquals(0, lab.t.mm.pinnedVm, "rings are never pinned_vm");
        assertOk(lab.close(fd));
        assertEquals(0, lab.lockedVm());
    }

    @Test
    void bigRingChargeAndItsEnomem() {
        Lab lab = new Lab(Profile.V6_18);
        // 32768 entries: rings 64 + 16*65536 aligned + 4*32768 = 1179712 bytes (289 pages), SQEs 2 MiB (512 pages)
        SysResult r = lab.ioUringSetup(32768, 0);
        assertOk(r);
        assertEquals(289 + 512, lab.lockedVm());
        lab.t.rlimitMemlock = 4 * 4096;
        assertErr(Errno.ENOMEM, lab.ioUringSetup(32768, 0));
        assertEquals(801, lab.lockedVm(), "nothing charged by the failed setup");
    }

    @ParameterizedTest
    @MethodSource("profiles")
    void noFreeDescriptorIsEmfileAndChargesNothing(Profile p) {
        Lab lab = new Lab(p);
        lab.t.rlimitMemlock = 64L << 20; // 6.18: 1024 rings of 2 charged pages would hit the 8 MiB default first
        while (lab.t.fds.size() < Open.NOFILE) assertOk(lab.ioUringSetup(1, 0));
        long locked = lab.lockedVm();
        assertErr(Errno.EMFILE, lab.ioUringSetup(1, 0));
        assertEquals(locked, lab.lockedVm());
    }

    @Test
    void singleIssuerRefusesOtherTasks() {
        Lab lab = new Lab(Profile.V6_18);
        SysResult r = lab.ioUringSetup(8, SetupFlag.IORING_SETUP_SINGLE_ISSUER.value);
        assertOk(r);
        int fd = (int) r.ret();
        Task other = lab.k.createTask(1, "other", 1000, false, 8L << 20);
        OpenFile f = lab.t.fds.get(fd);
        f.refs++;
        other.fds.put(fd, f); // as if inherited
        assertErr(Errno.EEXIST, lab.register(other, RegisterArgs.unregister(fd)));
        assertErr(Errno.EEXIST, lab.enter(other, fd, Sqe.readFixed(0, 0, 0, 0, 0, 1)));
        assertEquals(0, lab.enter(other, fd).ret(), "reaping without submitting is allowed");
    }
}
