package io.pinlab.kernel.iouring;

import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.base.SysResult;
import io.pinlab.kernel.mm.Task;
import io.pinlab.kernel.mm.Exit;
import io.pinlab.kernel.mm.Fork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import java.util.List;

import static io.pinlab.kernel.iouring.Lab.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * io_uring_register() opcode numbers and IORING_REGISTER_CLONE_BUFFERS. SYSCALL_DEFINE4
 * (io_uring/io_uring.c in 6.3.8/6.5.0, io_uring/register.c in 6.18) masks bit 31 and answers
 * -EINVAL for any opcode >= IORING_REGISTER_LAST (26 in 6.3/6.5, 36 in 6.18) before it looks at
 * the fd; io_register_clone_buffers() / io_clone_buffers() (io_uring/rsrc.c, 6.13+).
 */
class RegisterOpcodeTest {
    static final List<Profile> ALL = Profile.ALL;

    static int last(Profile p) { return p == Profile.V6_18 ? 36 : 26; } // the uapi headers of the trees read

    @ParameterizedTest @FieldSource("ALL")
    void opcodeFromLastOnIsEinvalBeforeTheFd(Profile p) {
        Lab lab = new Lab(p);
        int ring = lab.ring();
        assertErr(Errno.EINVAL, IoUring.register(lab.k, lab.t, RegisterArgs.number(ring, last(p))));
        assertErr(Errno.EINVAL, IoUring.register(lab.k, lab.t, RegisterArgs.number(ring, 999)));
        assertErr(Errno.EINVAL, IoUring.register(lab.k, lab.t, RegisterArgs.number(12345, 999))); // not -EBADF: the opcode is checked first
        assertErr(Errno.EBADF, IoUring.register(lab.k, lab.t, RegisterArgs.unregister(12345)));
    }

    @ParameterizedTest @FieldSource("ALL")
    void cloneBuffersExistsFrom613(Profile p) { // 30 < 36 on 6.18; 30 >= 26 on 6.3-6.5: -EINVAL
        Lab lab = new Lab(p);
        int src = lab.ring(), dst = lab.ring();
        assertOk(lab.register(src, iov(lab.anon(2 * PAGE), 2 * PAGE)));
        SysResult r = IoUring.register(lab.k, lab.t, RegisterArgs.cloneBuffers(dst, src, 0, 0, 0, 0));
        if (p == Profile.V6_18) assertOk(r);
        else assertErr(Errno.EINVAL, r);
    }

    @Test
    void cloneSharesPinsAndAccounting() { // io_clone_buffers(): refcount_inc(&src_node->buf->refs), no new pin, no new accounting
        Lab lab = new Lab(Profile.V6_18);
        int src = lab.ring(), dst = lab.ring();
        long a = lab.anon(2 * PAGE);
        lab.write(a, 2 * PAGE, 7);
        long rings = lab.lockedVm(); // 6.18 charges the rings themselves (io_create_region())
        assertOk(lab.register(src, iov(a, 2 * PAGE)));
        long pfn = lab.pfnAt(a);
        long locked = lab.lockedVm();
        int ref = lab.k.phys.refcount(pfn);
        assertOk(IoUring.register(lab.k, lab.t, RegisterArgs.cloneBuffers(dst, src, 0, 0, 0, 0)));
        assertEquals(locked, lab.lockedVm());
        assertEquals(ref, lab.k.phys.refcount(pfn));
        assertEquals(pfn, lab.buffers(dst).get(0).pfns().get(0));
        // the source ring lets go: the pages stay pinned for the clone
        assertOk(lab.unregister(src));
        assertEquals(ref, lab.k.phys.refcount(pfn));
        assertEquals(locked, lab.lockedVm());
        assertOk(lab.unregister(dst)); // the last reference: unpinned and unaccounted
        assertTrue(lab.k.phys.refcount(pfn) < ref);
        assertEquals(rings, lab.lockedVm());
    }

    @Test
    void cloneRules() { // io_register_clone_buffers() / io_clone_buffers() checks in order
        Lab lab = new Lab(Profile.V6_18);
        int src = lab.ring(), dst = lab.ring(), empty = lab.ring();
        assertErr(Errno.ENXIO, IoUring.register(lab.k, lab.t, RegisterArgs.cloneBuffers(dst, empty, 0, 0, 0, 0)));
        assertOk(lab.register(src, iov(lab.anon(PAGE), PAGE), iov(lab.anon(PAGE), PAGE)));
        assertErr(Errno.EINVAL, IoUring.register(lab.k, lab.t, RegisterArgs.cloneBuffers(dst, src, 4, 0, 0, 0))); // unknown flag
        assertErr(Errno.EINVAL, IoUring.register(lab.k, lab.t, RegisterArgs.cloneBuffers(dst, src, 0, 1, 0, 0))); // offset without nr
        assertErr(Errno.EINVAL, IoUring.register(lab.k, lab.t, RegisterArgs.cloneBuffers(dst, src, 0, 0, 0, 3))); // nr > source table
        assertErr(Errno.EOVERFLOW, IoUring.register(lab.k, lab.t, RegisterArgs.cloneBuffers(dst, src, 0, 1, 0, 2))); // src_off + nr past the table
        assertErr(Errno.EBADF, IoUring.register(lab.k, lab.t, RegisterArgs.cloneBuffers(dst, 99, 0, 0, 0, 0)));
        assertOk(IoUring.register(lab.k, lab.t, RegisterArgs.cloneBuffers(dst, src, 0, 1, 3, 1)));
        assertEquals(4, lab.buffers(dst).size(), "dst_off 3 + nr 1: a table of 4, slots 0-2 empty");
        assertTrue(lab.buffers(dst).get(0).empty());
        assertErr(Errno.EBUSY, IoUring.register(lab.k, lab.t, RegisterArgs.cloneBuffers(dst, src, 0, 0, 0, 0))); // dst has buffers, no DST_REPLACE
        assertOk(IoUring.register(lab.k, lab.t, RegisterArgs.cloneBuffers(dst, src, RsrcFlag.IORING_REGISTER_DST_REPLACE.value, 0, 0, 0)));
        assertEquals(4, lab.buffers(dst).size(), "max(nr + dst_off, old table size)");
    }

    @Test
    void cloneAcrossUsersIsEinval() { // io_clone_buffers(): ctx->user / ctx->mm_account must match
        Lab lab = new Lab(Profile.V6_18);
        int src = lab.ring();
        assertOk(lab.register(src, iov(lab.anon(PAGE), PAGE)));
        Task child = lab.k.task((int) Fork.copyProcess(lab.k, lab.t).ret());
        int dst = lab.ring(child); // accounted to the child's mm
        assertErr(Errno.EINVAL, IoUring.register(lab.k, child, RegisterArgs.cloneBuffers(dst, src, 0, 0, 0, 0)));
        Exit.doExit(lab.k, child);
    }
}
