package io.pinlab.kernel;

import io.pinlab.kernel.base.VirtAddr;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.base.SysResult;
import io.pinlab.kernel.mm.Task;
import io.pinlab.kernel.base.Iovec;
import io.pinlab.kernel.iouring.IoUring;
import io.pinlab.kernel.iouring.Register;
import io.pinlab.kernel.iouring.RegisterArgs;
import io.pinlab.kernel.mm.FollFlag;
import io.pinlab.kernel.mm.Fork;
import io.pinlab.kernel.mm.GupTest;
import io.pinlab.kernel.mm.GupCall;
import io.pinlab.kernel.mm.GupRequest;
import io.pinlab.kernel.mm.UserAccess;
import io.pinlab.kernel.mm.Mmap;

import java.util.ArrayList;
import java.util.List;

/**
 * The snapshot target of issue 7: a session that wrote 1 GiB, pinned it (pin_user_pages,
 * FOLL_WRITE|FOLL_LONGTERM), registered it as 16,384 io_uring buffers of 64 KiB and forked 10
 * times. Public for the JMH benchmark.
 */
public final class BigSession {
    public static final long GIB = 1L << 30;
    public static final int BUFFERS = 16_384;

    private BigSession() {}

    public static Kernel build() {
        Kernel k = new Kernel(Profile.V6_18, false);
        // CAP_IPC_LOCK: the 262,144 accounted buffer pages are not limited by RLIMIT_MEMLOCK
        Task t = k.createTask(0, "big", Kernel.DEFAULT_UID, true, Kernel.DEFAULT_RLIMIT_MEMLOCK);
        long a = ok(Mmap.doMmap(k, t, VirtAddr.of(0), GIB, 3, 0x02 | 0x20, -1, 0));
        if (UserAccess.access(k, t, VirtAddr.of(a), GIB, true, 42L).ret() != GIB) throw new IllegalStateException("write");
        long pages = GIB >>> 12;
        if (GupTest.call(k, t, GupRequest.of(GupCall.pin_user_pages, VirtAddr.of(a), pages,
                FollFlag.FOLL_WRITE.value() | FollFlag.FOLL_LONGTERM.value())).ret() != pages) throw new IllegalStateException("pin");
        int ring = (int) ok(IoUring.setup(k, t, 8, 0));
        long len = GIB / BUFFERS;
        List<Iovec> iovs = new ArrayList<>(BUFFERS);
        for (int i = 0; i < BUFFERS; i++) iovs.add(new Iovec(a + i * len, len));
        ok(Register.ioUringRegister(k, t, RegisterArgs.buffers(ring, iovs)));
        for (int i = 0; i < 10; i++) ok(Fork.copyProcess(k, t));
        return k;
    }

    private static long ok(SysResult r) {
        if (!r.ok()) throw new IllegalStateException(r.errno() + " " + r.explain());
        return r.ret();
    }
}
