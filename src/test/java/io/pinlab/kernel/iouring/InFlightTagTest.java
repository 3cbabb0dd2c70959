package io.pinlab.kernel.iouring;

import io.pinlab.kernel.Kernel;
import io.pinlab.kernel.KernelSnapshot;
import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.NotSimulatedException;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.fs.Open;
import io.pinlab.kernel.fs.OpenFile;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.pinlab.kernel.iouring.FileRegisterTest.*;
import io.pinlab.kernel.Lab;
import static io.pinlab.kernel.Lab.*;
import static io.pinlab.kernel.iouring.RegisterOp.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Tag CQEs wait for in-flight requests (6.18, io_uring/rsrc.h io_put_rsrc_node() and
 * io_uring/rsrc.c io_free_rsrc_node()): a request holds the file and buffer nodes it uses from
 * issue (io_file_get_fixed(), io_find_buf_node(): node->refs++) to completion
 * (io_req_put_rsrc_nodes()). Replacing or unregistering a slot drops only the table's reference
 * (io_reset_rsrc_node()), so the tag CQE, the fput() and the unpin come with the last put, after
 * the request's own CQE (io_free_batch_list() runs after the CQEs are flushed).
 */
class InFlightTagTest {

    /** A v6.18 ring with a 4 KiB file (fd {@code f}), pages a and b written, and a registered with tag 11. */
    record Setup(Lab lab, int ring, int f, long a, long b) {
        static Setup of() {
            Lab lab = new Lab(Profile.V6_18);
            int ring = lab.ring();
            int f = lab.open("/mnt/ext4/data", O_RDWR | O_CREAT, PAGE);
            long a = lab.anon(PAGE), b = lab.anon(PAGE);
            lab.write(a, PAGE, 1);
            lab.write(b, PAGE, 2);
            assertOk(Register.ioUringRegister(lab.k, lab.t, RegisterArgs.buffers2(ring, List.of(iov(a, PAGE)), List.of(11L))));
            return new Setup(lab, ring, f, a, b);
        }
    }

    @Test
    void bufferTagWaitsForTheRequestThatUsesIt() {
        Setup s = Setup.of();
        Lab lab = s.lab();
        int ring = s.ring(), f = s.f();
        long a = s.a(), b = s.b();
        long pfnA = lab.pfn(a);
        int pinnedRef = lab.k.phys.refcount(pfnA);
        EnterResult sub = lab.enter(ring, Sqe.readFixed(f, a, PAGE, 0, 0, 1).with(0, true));
        assertEquals(1, sub.ret());
        assertTrue(sub.cqes().isEmpty(), "the read is still in flight");
        assertEquals(1, Register.ioUringRegister(lab.k, lab.t, RegisterArgs.update(ring, 0, List.of(iov(b, PAGE)), List.of(0L))).ret());
        assertTrue(lab.enter(ring).cqes().isEmpty(), "no tag CQE while the request holds the old node");
        assertEquals(pinnedRef, lab.k.phys.refcount(pfnA), "the old buffer stays pinned");
        EnterResult waited = IoUring.enter(lab.k, lab.t, ring, List.of(), 1);
        assertEquals(List.of(new Cqe(1, (int) PAGE, 0), new Cqe(11, 0, 0)), waited.cqes());
        assertTrue(lab.k.phys.refcount(pfnA) < pinnedRef, "the last put unpinned the old buffer");
    }

    @Test
    void fileTagWaitsForTheRequestThatUsesIt() {
        Lab lab = new Lab(Profile.V6_18);
        int ring = lab.ring();
        int f = lab.open("/mnt/ext4/data", O_RDWR | O_CREAT, PAGE);
        OpenFile file = lab.t.fds.get(f);
        long a = lab.anon(PAGE);
        lab.write(a, PAGE, 3);
        assertOk(lab.register(ring, iov(a, PAGE)));
        assertOk(reg(lab, IORING_REGISTER_FILES2, ring, fds(f), 0, tags(21L)));
        assertOk(Open.closeFd(lab.k, lab.t, f));
        lab.enter(ring, Sqe.writeFixed(0, a, PAGE, 0, 0, 4).with(Sqe.IOSQE_FIXED_FILE, true));
        assertOk(reg(lab, IORING_UNREGISTER_FILES, ring, null, 0, null));
        assertTrue(lab.enter(ring).cqes().isEmpty());
        assertEquals(1, file.refs, "the in-flight write keeps the file through its node");
        assertEquals(List.of(new Cqe(4, (int) PAGE, 0), new Cqe(21, 0, 0)), IoUring.enter(lab.k, lab.t, ring, List.of(), 1).cqes());
        assertEquals(0, file.refs);
    }

    @Test
    void untouchedSlotsPostNothingAndCompletionsComeOldestFirst() {
        Lab lab = new Lab(Profile.V6_18);
        int ring = lab.ring();
        int f = lab.open("/mnt/ext4/data", O_RDWR | O_CREAT, 2 * PAGE);
        long a = lab.anon(2 * PAGE);
        lab.write(a, 2 * PAGE, 3);
        assertOk(Register.ioUringRegister(lab.k, lab.t, RegisterArgs.buffers2(ring, List.of(iov(a, PAGE), iov(a + PAGE, PAGE)), List.of(5L, 6L))));
        lab.enter(ring, Sqe.readFixed(f, a, PAGE, 0, 0, 1).with(0, true), Sqe.readFixed(f, a + PAGE, PAGE, PAGE, 1, 2).with(0, true));
        assertEquals(List.of(new Cqe(1, (int) PAGE, 0)), IoUring.enter(lab.k, lab.t, ring, List.of(), 1).cqes());
        assertEquals(List.of(new Cqe(2, (int) PAGE, 0)), IoUring.enter(lab.k, lab.t, ring, List.of(), 1).cqes());
        assertTrue(IoUring.ctx(lab.t, ring).heldBufNodes.isEmpty(), "only the table holds the nodes again");
        assertOk(lab.unregister(ring));
        assertEquals(List.of(new Cqe(6, 0, 0), new Cqe(5, 0, 0)), lab.enter(ring).cqes()); // io_rsrc_data_free(): last slot first
    }

    @Test
    void waitingWithNothingInFlightEndsAsASignalWould() { // io_cqring_wait() sleeps; the simulator returns -EINTR
        Lab lab = new Lab(Profile.V6_18);
        int ring = lab.ring();
        EnterResult r = IoUring.enter(lab.k, lab.t, ring, List.of(), 1);
        assertEquals(Errno.EINTR.neg(), r.ret());
        EnterResult nop = IoUring.enter(lab.k, lab.t, ring, List.of(Sqe.nop(0, 0, 0, 0, 9)), 2);
        assertEquals(1, nop.ret(), "submitted ? submitted : ret");
        assertEquals(List.of(new Cqe(9, 0, 0)), nop.cqes());
    }

    @Test
    void aFailedRequestIsNeverInFlight() { // io_req_defer_failed(): the CQE is posted at once
        Lab lab = new Lab(Profile.V6_18);
        int ring = lab.ring();
        assertEquals(List.of(new Cqe(3, (int) Errno.EBADF.neg(), 0)),
                lab.enter(ring, Sqe.readFixed(77, 0, PAGE, 0, 0, 3).with(0, true)).cqes());
    }

    @Test
    void closingTheRingCompletesInFlightRequestsFirst() { // io_ring_exit_work() before io_ring_ctx_free()
        Lab lab = new Lab(Profile.V6_18);
        int ring = lab.ring();
        int f = lab.open("/mnt/ext4/data", O_RDWR | O_CREAT, PAGE);
        long a = lab.anon(PAGE);
        lab.write(a, PAGE, 1);
        long pfn = lab.pfn(a);
        int before = lab.k.phys.refcount(pfn);
        assertOk(lab.register(ring, iov(a, PAGE)));
        lab.enter(ring, Sqe.readFixed(f, a, PAGE, 0, 0, 1).with(0, true));
        assertOk(Open.closeFd(lab.k, lab.t, ring));
        assertEquals(before, lab.k.phys.refcount(pfn));
        assertEquals(0, lab.t.mm.pinnedVm);
    }

    @Test
    void inFlightStateSurvivesASnapshot() {
        Setup s = Setup.of();
        Lab lab = s.lab();
        int ring = s.ring(), f = s.f();
        long a = s.a(), b = s.b();
        assertOk(reg(lab, IORING_REGISTER_FILES2, ring, fds(f, -1), 0, tags(21L, 0L)));
        lab.enter(ring, Sqe.readFixed(0, a, PAGE, 0, 0, 1).with(Sqe.IOSQE_FIXED_FILE, true));
        Register.ioUringRegister(lab.k, lab.t, RegisterArgs.update(ring, 0, List.of(iov(b, PAGE)), List.of(0L)));
        assertOk(reg(lab, IORING_UNREGISTER_FILES, ring, null, 0, null));
        byte[] bytes = KernelSnapshot.write(lab.k);
        Kernel copy = KernelSnapshot.read(bytes);
        assertArrayEquals(bytes, KernelSnapshot.write(copy));
        assertEquals(List.of(new Cqe(1, (int) PAGE, 0), new Cqe(21, 0, 0), new Cqe(11, 0, 0)),
                IoUring.enter(copy, copy.task(1), ring, List.of(), 1).cqes());
    }

    @Test
    void olderProfilesDoNotSimulateInFlightRequests() {
        Lab lab = new Lab(Profile.V6_5);
        int ring = lab.ring();
        assertThrows(NotSimulatedException.class, () -> lab.enter(ring, Sqe.nop(0, 0, 0, 0, 1).with(0, true)));
    }
}
