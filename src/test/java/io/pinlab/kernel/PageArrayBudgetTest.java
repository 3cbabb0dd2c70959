package io.pinlab.kernel;

import io.pinlab.kernel.iouring.IoUring;
import io.pinlab.kernel.iouring.Iovec;
import io.pinlab.kernel.iouring.RegisterArgs;
import io.pinlab.kernel.mm.FollFlag;
import io.pinlab.kernel.mm.Gup;
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
 * The session-wide page-array budget (a pinlab limit): pinning the same memory again and again
 * costs no frames but does cost page arrays, so driver pins and registered buffers share one
 * budget, and running out looks like the kernel's failed kvmalloc_array(): -ENOMEM.
 */
class PageArrayBudgetTest {
    private static final int RW = Prot.PROT_READ.value | Prot.PROT_WRITE.value;
    private static final long GIB_PAGES = 262_144;

    @Test
    void pinsAndRegisteredBuffersShareOneBudget() {
        Kernel k = new Kernel(Profile.V6_18, false);
        Task t = k.createTask(0, "driver", 1000, true, 1L << 40); // CAP_IPC_LOCK: RLIMIT_MEMLOCK does not stop it
        long a = Mmap.doMmap(k, t, 0, GIB_PAGES * 4096, RW, MapFlag.MAP_PRIVATE.value | MapFlag.MAP_ANONYMOUS.value, -1, 0).ret();
        int pin = FollFlag.FOLL_WRITE.value();
        List<Long> ids = new ArrayList<>();
        long rounds = Kernel.MAX_HELD_PAGE_ENTRIES / GIB_PAGES;
        for (int i = 0; i < rounds; i++) {
            GupResult r = Gup.call(k, t, GupRequest.of(GupCall.pin_user_pages, a, GIB_PAGES, pin));
            assertThat(r.ret()).isEqualTo(GIB_PAGES);
            ids.add(r.pin().id());
        }
        assertThat(k.heldPageEntries()).isEqualTo(Kernel.MAX_HELD_PAGE_ENTRIES);

        GupResult more = Gup.call(k, t, GupRequest.of(GupCall.pin_user_pages, a, 1, pin));
        assertThat(more.errno()).isEqualTo(Errno.ENOMEM);
        assertThat(more.explain().getLast().fn()).isEqualTo("kvmalloc_array");
        int ring = (int) IoUring.setup(k, t, 8, 0).ret();
        SysResult reg = IoUring.register(k, t, RegisterArgs.buffers(ring, List.of(new Iovec(a, 4096))));
        assertThat(reg.errno()).isEqualTo(Errno.ENOMEM);
        assertThat(k.heldPageEntries()).as("failed calls reserve nothing").isEqualTo(Kernel.MAX_HELD_PAGE_ENTRIES);

        Pins.release(k, ids.get(0), "unpin_user_pages", false);
        assertThat(IoUring.register(k, t, RegisterArgs.buffers(ring, List.of(new Iovec(a, 4096)))).ret()).isZero();
        assertThat(k.heldPageEntries()).isEqualTo(Kernel.MAX_HELD_PAGE_ENTRIES - GIB_PAGES + 1);
        for (long id : ids.subList(1, ids.size())) Pins.release(k, id, "unpin_user_pages", false);
        io.pinlab.kernel.fs.Files.close(k, t, ring);
        assertThat(k.heldPageEntries()).isZero();
    }
}
