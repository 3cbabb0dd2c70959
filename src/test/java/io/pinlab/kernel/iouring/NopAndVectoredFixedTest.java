package io.pinlab.kernel.iouring;

import io.pinlab.kernel.base.Profile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import java.util.List;

import static io.pinlab.kernel.iouring.Lab.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * IORING_OP_NOP with nop_flags (io_uring/nop.c: io_nop_prep()/io_nop() in the 6.18 tree; the
 * 6.3.8/6.5.0 io_nop() posts 0 whatever the SQE says) and IORING_OP_READV_FIXED/WRITEV_FIXED
 * (6.15+: io_prep_readv_fixed(), io_import_reg_vec() -> io_vec_fill_bvec(); 60 and 61 are past
 * 6.5's IORING_OP_LAST = 49, so io_init_req() answers -EINVAL).
 */
class NopAndVectoredFixedTest {
    static final List<Profile> ALL = Profile.ALL;

    static List<Integer> res(EnterResult r) { return r.cqes().stream().map(Cqe::res).toList(); }

    @ParameterizedTest @FieldSource("ALL")
    void nopFixedBuffer(Profile p) {
        Lab lab = new Lab(p);
        int ring = lab.ring();
        assertOk(lab.register(ring, iov(lab.anon(PAGE), PAGE)));
        EnterResult r = lab.enter(ring,
                Sqe.nop(0, 0, 0, 0, 1),
                Sqe.nop(Sqe.IORING_NOP_FIXED_BUFFER, 0, 0, 0, 2),   // slot 0 is registered
                Sqe.nop(Sqe.IORING_NOP_FIXED_BUFFER, 0, 0, 5, 3),   // no slot 5: io_find_buf_node() -> -EFAULT
                Sqe.nop(Sqe.IORING_NOP_INJECT_RESULT, 0, 42, 0, 4), // res = sqe->len
                Sqe.nop(1 << 9, 0, 0, 0, 5));                        // unknown nop_flags: io_nop_prep() -> -EINVAL
        if (p == Profile.V6_18) assertEquals(List.of(0, 0, -14, 42, -22), res(r));
        else assertEquals(List.of(0, 0, 0, 0, 0), res(r), "io_nop() ignores the SQE");
    }

    @ParameterizedTest @FieldSource("ALL")
    void readvFixedScattersIntoTheRegisteredBuffer(Profile p) {
        Lab lab = new Lab(p);
        int f = lab.openRw("/mnt/ext4/v", 4 * PAGE);
        long src = lab.anon(2 * PAGE);
        lab.write(src, PAGE, 11);
        lab.write(src + PAGE, PAGE, 12);
        int ring = lab.ring();
        assertOk(lab.register(ring, iov(src, 2 * PAGE)));
        assertEquals(List.of((int) (2 * PAGE)), res(lab.enter(ring, Sqe.writeFixed(f, src, 2 * PAGE, 0, 0, 1))));
        long a = lab.anon(4 * PAGE);
        int ring2 = lab.ring();
        assertOk(lab.register(ring2, iov(a, 4 * PAGE)));
        // two segments in reverse order: file page 0 lands in buffer page 3, file page 1 in buffer page 0
        EnterResult r = lab.enter(ring2, Sqe.rwvFixed(true, f, List.of(iov(a + 3 * PAGE, PAGE), iov(a, PAGE)), 0, 0, 7));
        if (p != Profile.V6_18) {
            assertEquals(List.of(-22), res(r));
            return;
        }
        assertEquals(List.of((int) (2 * PAGE)), res(r));
        assertEquals(11L, lab.read(a + 3 * PAGE));
        assertEquals(12L, lab.read(a));
    }

    @Test
    void vectoredRangeRules() { // io_vec_fill_bvec(): validate_fixed_range() -EFAULT, empty iovec -EFAULT; no node -EFAULT
        Lab lab = new Lab(Profile.V6_18);
        int f = lab.openRw("/mnt/ext4/w", 4 * PAGE);
        long a = lab.anon(2 * PAGE);
        int ring = lab.ring();
        assertOk(lab.register(ring, iov(a, 2 * PAGE)));
        EnterResult r = lab.enter(ring,
                Sqe.rwvFixed(false, f, List.of(iov(a, PAGE), iov(a + PAGE, PAGE)), 0, 0, 1),
                Sqe.rwvFixed(false, f, List.of(iov(a, PAGE), iov(a + PAGE, PAGE + 1)), 0, 0, 2), // past the buffer
                Sqe.rwvFixed(false, f, List.of(iov(a, 0)), 0, 0, 3),                              // empty segment
                Sqe.rwvFixed(false, f, List.of(iov(a, PAGE)), 0, 1, 4),                           // no buffer 1
                Sqe.rwvFixed(false, f, java.util.Collections.nCopies(1025, iov(a, 1)), 0, 0, 5)); // > UIO_MAXIOV
        assertEquals(List.of((int) (2 * PAGE), -14, -14, -14, -22), res(r));
    }
}
