package io.pinlab.kernel.iouring;

import io.pinlab.kernel.base.Iovec;
import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.base.SysResult;
import io.pinlab.kernel.base.Step;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;

import static io.pinlab.kernel.iouring.Lab.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * io_uring_register() buffer rules, in kernel order, per profile (io_uring/rsrc.c of 6.3.8, 6.5.0
 * and 6.18): the syscall prefix (io_uring/register.c), io_register_rsrc(), io_sqe_buffers_register(),
 * io_buffer_validate(), __io_sqe_buffers_update(), io_sqe_buffers_unregister().
 */
class RegisterRulesTest {
    static List<Profile> profiles() { return Profile.ALL; }

    private static RegisterArgs args(int fd, RegisterOp op, List<Iovec> iovs, Integer nrArgs, Integer nr, int flags,
                                     int offset, List<Long> tags, Boolean hasArg) {
        return new RegisterArgs(fd, op, iovs, nrArgs, nr, flags, offset, tags, hasArg);
    }

    // ---------------------------------------------------------------- 2.0 prefix

    @ParameterizedTest
    @MethodSource("profiles")
    void badFdIsEbadfAndNonRingIsEopnotsupp(Profile p) {
        Lab lab = new Lab(p);
        assertErr(Errno.EBADF, IoUring.register(lab.k, lab.t, RegisterArgs.unregister(7)));
        int file = lab.openRw("/mnt/ext4/f", 4096);
        assertErr(Errno.EOPNOTSUPP, IoUring.register(lab.k, lab.t, RegisterArgs.unregister(file)));
    }

    /** 6.13+: fd -1 is io_uring_register_blind(), -EINVAL for buffer opcodes; older kernels fget(-1) -> -EBADF. */
    @ParameterizedTest
    @MethodSource("profiles")
    void fdMinusOne(Profile p) {
        Lab lab = new Lab(p);
        assertErr(p.ioUringNodeTable() ? Errno.EINVAL : Errno.EBADF, IoUring.register(lab.k, lab.t, RegisterArgs.unregister(-1)));
    }

    // ---------------------------------------------------------------- 2.1 table level

    @ParameterizedTest
    @MethodSource("profiles")
    void registerBuffersWithNullArgIsEfault(Profile p) {
        Lab lab = new Lab(p);
        int ring = lab.ring();
        assertErr(Errno.EFAULT, IoUring.register(lab.k, lab.t, args(ring, RegisterOp.IORING_REGISTER_BUFFERS, null, 1, null, 0, 0, null, false)));
    }

    @ParameterizedTest
    @MethodSource("profiles")
    void nrArgsZeroOrAboveLimitIsEinval(Profile p) {
        Lab lab = new Lab(p);
        int ring = lab.ring();
        assertErr(Errno.EINVAL, IoUring.register(lab.k, lab.t, args(ring, RegisterOp.IORING_REGISTER_BUFFERS, List.of(), 0, null, 0, 0, null, null)));
        assertErr(Errno.EINVAL, IoUring.register(lab.k, lab.t, args(ring, RegisterOp.IORING_REGISTER_BUFFERS, List.of(), 16385, null, 0, 0, null, null)));
        assertErr(Errno.EINVAL, IoUring.register(lab.k, lab.t, args(ring, RegisterOp.IORING_REGISTER_BUFFERS, List.of(), 1_000_000, null, 0, 0, null, null)));
        assertOk(IoUring.register(lab.k, lab.t, RegisterArgs.sparse(ring, 16384)));
        assertEquals(16384, lab.buffers(ring).size());
    }

    @ParameterizedTest
    @MethodSource("profiles")
    void secondRegistrationIsEbusyEvenOverASparseTable(Profile p) {
        Lab lab = new Lab(p);
        int ring = lab.ring();
        assertOk(IoUring.register(lab.k, lab.t, RegisterArgs.sparse(ring, 4)));
        assertErr(Errno.EBUSY, lab.register(ring, iov(lab.anon(PAGE), PAGE)));
        assertEquals(0, lab.t.mm.pinnedVm);
    }

    @ParameterizedTest
    @MethodSource("profiles")
    void buffers2StructChecks(Profile p) {
        Lab lab = new Lab(p);
        int ring = lab.ring();
        long a = lab.anon(PAGE);
        RegisterOp op = RegisterOp.IORING_REGISTER_BUFFERS2;
        assertErr(Errno.EINVAL, IoUring.register(lab.k, lab.t, args(ring, op, List.of(iov(a, PAGE)), 16, null, 0, 0, null, null)));
        assertErr(Errno.EFAULT, IoUring.register(lab.k, lab.t, args(ring, op, List.of(iov(a, PAGE)), null, null, 0, 0, null, false)));
        assertErr(Errno.EINVAL, IoUring.register(lab.k, lab.t, args(ring, op, List.of(), null, 0, 0, 0, null, null)));
        assertErr(Errno.EINVAL, IoUring.register(lab.k, lab.t, args(ring, op, List.of(iov(a, PAGE)), null, null, 2, 0, null, null)));
        assertErr(Errno.EINVAL, IoUring.register(lab.k, lab.t, args(ring, op, List.of(iov(a, PAGE)), null, null,
                RsrcFlag.IORING_RSRC_REGISTER_SPARSE.value, 0, null, null)));
        assertTrue(lab.buffers(ring).isEmpty());
        // data == 0 without SPARSE: every slot is {NULL, 0}
        assertOk(IoUring.register(lab.k, lab.t, args(ring, op, null, null, 3, 0, 0, null, null)));
        assertEquals(3, lab.buffers(ring).stream().filter(BufferView::empty).count());
    }

    /** v6.3-6.6 copy all tags in io_rsrc_data_alloc() before pinning; 6.13+ copy each in the loop. Either way -EFAULT, nothing left. */
    @ParameterizedTest
    @MethodSource("profiles")
    void shortTagArrayFaults(Profile p) {
        Lab lab = new Lab(p);
        int ring = lab.ring();
        long a = lab.anon(2 * PAGE);
        SysResult r = IoUring.register(lab.k, lab.t, RegisterArgs.buffers2(ring, List.of(iov(a, PAGE), iov(a + PAGE, PAGE)), List.of(1L)));
        assertErr(Errno.EFAULT, r);
        boolean pinned = r.explain().stream().anyMatch(s -> s.fn().equals("io_pin_pages"));
        assertEquals(p.ioUringNodeTable(), pinned, "6.3-6.6 fault before any pin");
        assertEquals(0, lab.t.mm.pinnedVm);
    }

    // ---------------------------------------------------------------- 2.2 per iovec

    @ParameterizedTest
    @MethodSource("profiles")
    void perIovecValidation(Profile p) {
        Lab lab = new Lab(p);
        int ring = lab.ring();
        long a = lab.anon(PAGE);
        assertErr(Errno.EFAULT, lab.register(ring, iov(0, PAGE)));                       // NULL base with a length
        assertErr(Errno.EFAULT, lab.register(ring, iov(a, 0)));                          // zero length
        assertErr(Errno.EFAULT, lab.register(ring, iov(a, (1L << 30) + 1)));             // above SZ_1G
        assertErr(Errno.EOVERFLOW, lab.register(ring, iov(0xfffffffffffff000L, PAGE)));  // base + len wraps
        // a length with the sign bit set: iovec_from_user() refuses it in 6.13+
        assertErr(p.ioUringNodeTable() ? Errno.EINVAL : Errno.EFAULT, lab.register(ring, iov(a, -PAGE)));
        assertOk(lab.register(ring, iov(0, 0), iov(a, PAGE)));                           // NULL + 0 is a sparse slot
        assertTrue(lab.buffers(ring).get(0).empty());
        assertFalse(lab.buffers(ring).get(1).empty());
    }

    @ParameterizedTest
    @MethodSource("profiles")
    void tagOnEmptySlotIsEinval(Profile p) {
        Lab lab = new Lab(p);
        int ring = lab.ring();
        long a = lab.anon(PAGE);
        assertErr(Errno.EINVAL, IoUring.register(lab.k, lab.t, RegisterArgs.buffers2(ring, List.of(iov(a, PAGE), iov(0, 0)), List.of(0L, 5L))));
        assertEquals(0, lab.t.mm.pinnedVm);
        assertTrue(lab.enter(ring).cqes().isEmpty(), "no tag CQE from a failed registration");
    }

    /** nr_args beyond the iovecs given reads unmapped user memory: io_copy_iov() -EFAULT at that entry. */
    @ParameterizedTest
    @MethodSource("profiles")
    void nrArgsBeyondTheArrayFaultsAtThatEntry(Profile p) {
        Lab lab = new Lab(p);
        int ring = lab.ring();
        long a = lab.anon(2 * PAGE);
        SysResult r = IoUring.register(lab.k, lab.t, args(ring, RegisterOp.IORING_REGISTER_BUFFERS,
                List.of(iov(a, PAGE), iov(a + PAGE, PAGE)), 3, null, 0, 0, null, null));
        assertErr(Errno.EFAULT, r);
        assertTrue(r.explain().stream().anyMatch(s -> s.detail().startsWith("entry 2")));
        assertEquals(0, lab.t.mm.pinnedVm);
        assertEquals(1, lab.k.phys.refcount(lab.pfnAt(a)), "entries 0 and 1 were unpinned");
    }

    /** All or nothing (rsrc_tags test_tagged_register_partial_fail): entry i fails, 0..i-1 are released, no CQE. */
    @ParameterizedTest
    @MethodSource("profiles")
    void failureReleasesEarlierEntries(Profile p) {
        Lab lab = new Lab(p);
        int ring = lab.ring();
        long a = lab.anon(4 * PAGE);
        long ro = lab.mmap(PAGE, RO, PRIVATE_ANON, -1);
        SysResult r = IoUring.register(lab.k, lab.t, RegisterArgs.buffers2(ring,
                List.of(iov(a, 2 * PAGE), iov(a + 2 * PAGE, 2 * PAGE), iov(ro, PAGE)), List.of(1L, 2L, 3L)));
        assertErr(Errno.EFAULT, r);
        List<Step> ex = r.explain();
        assertTrue(ex.get(ex.size() - 2).detail().contains("2 earlier buffer(s) unpinned"), "teardown, then the decisive check");
        assertTrue(ex.get(ex.size() - 1).detail().startsWith("entry 2"));
        assertEquals(0, lab.t.mm.pinnedVm);
        assertEquals(p.ioUringNodeTable() ? 2 : 0, lab.lockedVm());  // only the ring itself on 6.18
        for (int i = 0; i < 4; i++) {
            long pfn = lab.pfnAt(a + i * PAGE);
            assertEquals(1, lab.k.phys.refcount(pfn));
            assertFalse(lab.k.phys.maybeDmaPinned(pfn));
        }
        assertTrue(lab.buffers(ring).isEmpty());
        assertTrue(lab.enter(ring).cqes().isEmpty());
        // the ring is usable again
        assertOk(lab.register(ring, iov(a, PAGE)));
    }

    /** A short pin (hole after the first page) is unpinned and becomes -EFAULT. */
    @ParameterizedTest
    @MethodSource("profiles")
    void shortPinIsUnpinnedAndEfault(Profile p) {
        Lab lab = new Lab(p);
        int ring = lab.ring();
        long a = lab.anon(3 * PAGE);
        lab.write(a, PAGE, 7);
        assertTrue(io.pinlab.kernel.mm.Mmap.doMunmap(lab.k, lab.t, a + PAGE, 2 * PAGE).ok());
        SysResult r = lab.register(ring, iov(a, 3 * PAGE));
        assertErr(Errno.EFAULT, r);
        assertTrue(r.explain().stream().anyMatch(s -> s.fn().equals("io_pin_pages") && s.detail().contains("short pin")));
        assertEquals(1, lab.k.phys.refcount(lab.pfnAt(a)));
    }

    @Test
    void v63MultiSourceIsDecidedByIoPinPages() {
        Lab lab = new Lab(Profile.V6_3);
        int ring = lab.ring();
        long m = lab.mmap(PAGE, RW, SHARED, lab.memfd("m", PAGE));
        long a = lab.anon(PAGE);
        SysResult r = lab.register(ring, iov(a, 2 * PAGE));
        assertErr(Errno.EINVAL, r);
        Step decisive = r.explain().stream().filter(s -> s.outcome().equals("-EINVAL")).findFirst().orElseThrow();
        assertEquals("io_pin_pages", decisive.fn());
        assertTrue(decisive.detail().contains("edd478269640"));
        assertEquals(m, a + PAGE);
    }

    @Test
    void seedPassesFollSameFileToGup() {
        Lab lab = new Lab(Profile.SEED);
        int ring = lab.ring();
        lab.mmap(PAGE, RW, SHARED, lab.memfd("m", PAGE));
        long a = lab.anon(PAGE);
        SysResult r = lab.register(ring, iov(a, 2 * PAGE));
        assertErr(Errno.EFAULT, r);
        assertTrue(r.explain().stream().anyMatch(s -> s.detail().contains("FOLL_SAME_FILE")));
    }

    // ---------------------------------------------------------------- 2.5 update

    @ParameterizedTest
    @MethodSource("profiles")
    void updateChecks(Profile p) {
        Lab lab = new Lab(p);
        int ring = lab.ring();
        long a = lab.anon(4 * PAGE);
        assertErr(Errno.ENXIO, IoUring.register(lab.k, lab.t, RegisterArgs.update(ring, 0, List.of(iov(a, PAGE)), null)));
        assertOk(lab.register(ring, iov(a, PAGE), iov(a + PAGE, PAGE)));
        assertErr(Errno.EINVAL, IoUring.register(lab.k, lab.t, RegisterArgs.update(ring, 2, List.of(iov(a, PAGE)), null)));
        assertErr(Errno.EOVERFLOW, IoUring.register(lab.k, lab.t, RegisterArgs.update(ring, -1, List.of(iov(a, PAGE)), null)));
        assertErr(Errno.EINVAL, IoUring.register(lab.k, lab.t, new RegisterArgs(ring, RegisterOp.IORING_REGISTER_BUFFERS_UPDATE,
                List.of(iov(a, PAGE)), 16, null, 0, 0, null, null)));
        assertErr(Errno.EINVAL, IoUring.register(lab.k, lab.t, new RegisterArgs(ring, RegisterOp.IORING_REGISTER_BUFFERS_UPDATE,
                List.of(), null, 0, 0, 0, null, null)));
        assertErr(Errno.EFAULT, IoUring.register(lab.k, lab.t, new RegisterArgs(ring, RegisterOp.IORING_REGISTER_BUFFERS_UPDATE,
                null, null, 1, 0, 0, null, null)));
        assertErr(Errno.EINVAL, IoUring.register(lab.k, lab.t, RegisterArgs.update(ring, 0, List.of(iov(0, 0)), List.of(9L))));
    }

    /** __io_sqe_buffers_update() returns done ? done : err. */
    @ParameterizedTest
    @MethodSource("profiles")
    void updateReturnsCountUpToTheFirstFailure(Profile p) {
        Lab lab = new Lab(p);
        int ring = lab.ring();
        long a = lab.anon(4 * PAGE);
        long ro = lab.mmap(PAGE, RO, PRIVATE_ANON, -1);
        assertOk(lab.register(ring, iov(a, PAGE), iov(a + PAGE, PAGE), iov(a + 2 * PAGE, PAGE)));
        SysResult r = IoUring.register(lab.k, lab.t, RegisterArgs.update(ring, 0, List.of(iov(a + 3 * PAGE, PAGE), iov(ro, PAGE), iov(a, PAGE)), null));
        assertEquals(1, r.ret());
        assertNull(r.errno());
        assertEquals(a + 3 * PAGE, lab.buffers(ring).get(0).base());
        assertEquals(a + PAGE, lab.buffers(ring).get(1).base(), "entry 1 failed, slot 1 unchanged");
        assertErr(Errno.EFAULT, IoUring.register(lab.k, lab.t, RegisterArgs.update(ring, 1, List.of(iov(ro, PAGE)), null)));
        assertEquals(3, lab.t.mm.pinnedVm);
    }

    @ParameterizedTest
    @MethodSource("profiles")
    void updateReleasesTheOldBufferAndPostsItsTag(Profile p) {
        Lab lab = new Lab(p);
        int ring = lab.ring();
        long a = lab.anon(2 * PAGE);
        assertOk(IoUring.register(lab.k, lab.t, RegisterArgs.buffers2(ring, List.of(iov(a, PAGE)), List.of(11L))));
        long oldPfn = lab.pfnAt(a);
        assertTrue(lab.k.phys.maybeDmaPinned(oldPfn));
        assertEquals(1, IoUring.register(lab.k, lab.t, RegisterArgs.update(ring, 0, List.of(iov(a + PAGE, PAGE)), List.of(12L))).ret());
        assertFalse(lab.k.phys.maybeDmaPinned(oldPfn));
        assertEquals(1, lab.t.mm.pinnedVm);
        EnterResult e = lab.enter(ring);
        assertEquals(List.of(new Cqe(11, 0, 0)), e.cqes(), "tag CQE of the old buffer, delivered with the next enter");
        // tag 0 posts nothing (rsrc_tags test_tags_generic)
        assertEquals(1, IoUring.register(lab.k, lab.t, RegisterArgs.update(ring, 0, List.of(iov(a, PAGE)), List.of(0L))).ret());
        assertEquals(List.of(new Cqe(12, 0, 0)), lab.enter(ring).cqes());
        assertEquals(1, IoUring.register(lab.k, lab.t, RegisterArgs.update(ring, 0, List.of(iov(a, PAGE)), null)).ret());
        assertTrue(lab.enter(ring).cqes().isEmpty());
    }

    // ---------------------------------------------------------------- 2.6 unregister

    @ParameterizedTest
    @MethodSource("profiles")
    void unregisterChecks(Profile p) {
        Lab lab = new Lab(p);
        int ring = lab.ring();
        assertErr(Errno.ENXIO, lab.unregister(ring));
        assertErr(Errno.EINVAL, IoUring.register(lab.k, lab.t, new RegisterArgs(ring, RegisterOp.IORING_UNREGISTER_BUFFERS, null, 1, null, 0, 0, null, null)));
        assertErr(Errno.EINVAL, IoUring.register(lab.k, lab.t, new RegisterArgs(ring, RegisterOp.IORING_UNREGISTER_BUFFERS, null, null, null, 0, 0, null, true)));
        long a = lab.anon(PAGE);
        assertOk(lab.register(ring, iov(a, PAGE)));
        assertOk(lab.unregister(ring));
        assertErr(Errno.ENXIO, lab.unregister(ring)); // regbuf-clone: double unregister
        assertEquals(0, lab.t.mm.pinnedVm);
    }

    /** Tagged buffers on unregister: 6.3-6.6 free the tags without CQEs; 6.13+ put each node, last slot first, with a CQE. */
    @ParameterizedTest
    @MethodSource("profiles")
    void unregisterTagCqes(Profile p) {
        Lab lab = new Lab(p);
        int ring = lab.ring();
        long a = lab.anon(2 * PAGE);
        assertOk(IoUring.register(lab.k, lab.t, RegisterArgs.buffers2(ring, List.of(iov(a, PAGE), iov(a + PAGE, PAGE)), List.of(1L, 2L))));
        assertOk(lab.unregister(ring));
        List<Cqe> want = p.ioUringNodeTable() ? List.of(new Cqe(2, 0, 0), new Cqe(1, 0, 0)) : List.of();
        assertEquals(want, lab.enter(ring).cqes());
    }
}
