package io.pinlab.kernel;

import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.base.SysResult;
import io.pinlab.kernel.mm.MemCg;
import io.pinlab.kernel.mm.Task;

import io.pinlab.kernel.iouring.IoUring;
import io.pinlab.kernel.base.Iovec;
import io.pinlab.kernel.iouring.RegisterArgs;
import io.pinlab.kernel.mm.FollFlag;
import io.pinlab.kernel.mm.GupTest;
import io.pinlab.kernel.mm.GupCall;
import io.pinlab.kernel.mm.GupRequest;
import io.pinlab.kernel.mm.GupResult;
import io.pinlab.kernel.mm.MapFlag;
import io.pinlab.kernel.mm.Mmap;
import io.pinlab.kernel.mm.Pins;
import io.pinlab.kernel.mm.Prot;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Page arrays are charged to the session's memory cgroup (a pinlab limit): pinning the same
 * memory again and again costs no frames but does cost page arrays, so driver pins and
 * registered buffers share the session's budget, and running out looks like the kernel's failed
 * kvmalloc_array() (mm/util.c): -ENOMEM.
 */
class PageArrayBudgetTest {
    private static final int RW = Prot.PROT_READ.value | Prot.PROT_WRITE.value;
    private static final long GIB_PAGES = 262_144;

    @Test
    void pinsAndRegisteredBuffersShareOneBudget() {
        Kernel k = new Kernel(Profile.V6_18, false, new MemCg(64L << 20, null), Long.MAX_VALUE);
        Task t = k.createTask(0, "driver", 1000, true, 1L << 40); // CAP_IPC_LOCK: RLIMIT_MEMLOCK does not stop it
        long a = Mmap.doMmap(k, t, 0, GIB_PAGES * 4096, RW, MapFlag.MAP_PRIVATE.value | MapFlag.MAP_ANONYMOUS.value, -1, 0).ret();
        int pin = FollFlag.FOLL_WRITE.value();
        int ring = (int) IoUring.setup(k, t, 8, 0).ret();
        List<Long> ids = new ArrayList<>();
        GupResult r;
        while ((r = GupTest.call(k, t, GupRequest.of(GupCall.pin_user_pages, a, GIB_PAGES, pin))).ret() == GIB_PAGES) {
            ids.add(r.pin().id());
            assertThat(k.memcg.usage()).isLessThanOrEqualTo(k.memcg.max());
        }
        // each pin costs 2 MiB of page array; the faulted GiB about 11 MiB: so some pins fit, not all of 64 MiB
        assertThat(ids.size()).isBetween(20, 27);
        assertThat(r.errno()).isEqualTo(Errno.ENOMEM);
        assertThat(r.explain().getLast().fn()).isEqualTo("kvmalloc_array");
        assertThat(r.explain().getLast().detail()).contains(MemCg.SESSION_LIMIT);
        long held = k.heldPageEntries();
        long usage = k.memcg.usage();
        SysResult reg = IoUring.register(k, t, RegisterArgs.buffers(ring, List.of(new Iovec(a, 1L << 30))));
        assertThat(reg.errno()).isEqualTo(Errno.ENOMEM);
        assertThat(k.heldPageEntries()).as("failed calls reserve nothing").isEqualTo(held);

        // a released pin stays listed with its array for a while (PinTable.retire()), so that much stays charged
        for (long id : ids) Pins.release(k, id, "unpin_user_pages", false);
        assertThat(IoUring.register(k, t, RegisterArgs.buffers(ring, List.of(new Iovec(a, 1L << 30)))).ret()).isZero();
        io.pinlab.kernel.fs.Files.close(k, t, ring);
        assertThat(k.heldPageEntries()).isZero();
        assertThat(k.memcg.usage()).isLessThan(usage);
    }
}
