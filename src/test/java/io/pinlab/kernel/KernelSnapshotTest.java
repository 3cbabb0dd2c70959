package io.pinlab.kernel;

import io.pinlab.kernel.iouring.Iovec;
import io.pinlab.kernel.iouring.IoUring;
import io.pinlab.kernel.iouring.RegisterArgs;
import io.pinlab.kernel.iouring.RegisterOp;
import io.pinlab.kernel.mm.FollFlag;
import io.pinlab.kernel.mm.Gup;
import io.pinlab.kernel.mm.GupCall;
import io.pinlab.kernel.mm.GupRequest;
import io.pinlab.kernel.mm.GupResult;
import io.pinlab.kernel.mm.MapFlag;
import io.pinlab.kernel.mm.Memory;
import io.pinlab.kernel.mm.Mmap;
import io.pinlab.kernel.mm.Pins;
import io.pinlab.kernel.mm.Prot;
import io.pinlab.kernel.fs.Files;
import io.pinlab.kernel.mm.Fork;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * ARCHITECTURE.md: "a session's kernel state is plain data that serialises for export and for the
 * Redis store". A Kernel with mappings, touched pages, a pin, a registered io_uring buffer and a
 * forked child must come back from serialisation showing exactly the same views, and keep working.
 */
class KernelSnapshotTest {
    private static final int RW = Prot.PROT_READ.value | Prot.PROT_WRITE.value;

    @Test
    void aBusyKernelSurvivesSerialisationUnchanged() throws Exception {
        Kernel k = new Kernel(Profile.V6_18, true);
        Task t = k.task(1);
        long a = Mmap.doMmap(k, t, 0, 64 * 4096, RW, MapFlag.MAP_PRIVATE.value | MapFlag.MAP_ANONYMOUS.value, -1, 0).ret();
        Memory.access(k, t, a, 8 * 4096, true, 42L);
        int memfd = (int) Files.memfdCreate(k, t, "buf", 0, 16L * 4096).ret();
        long m = Mmap.doMmap(k, t, 0, 16 * 4096, RW, MapFlag.MAP_SHARED.value, memfd, 0).ret();
        GupResult pin = Gup.call(k, t, GupRequest.of(GupCall.pin_user_pages, a, 4, FollFlag.FOLL_WRITE.value() | FollFlag.FOLL_LONGTERM.value()));
        assertThat(pin.ret()).isEqualTo(4);
        int ring = (int) IoUring.setup(k, t, 8, 0).ret();
        SysResult reg = IoUring.register(k, t, new RegisterArgs(ring, RegisterOp.IORING_REGISTER_BUFFERS,
                List.of(new Iovec(m, 16 * 4096)), null, null, 0, 0, null, null));
        assertThat(reg.ret()).isZero();
        int child = (int) Fork.copyProcess(k, t).ret();

        Kernel copy = roundTrip(k);

        assertThat(copy.profile).isSameAs(Profile.V6_18);
        for (int pid : List.of(1, child)) {
            Task a1 = k.task(pid), b1 = copy.task(pid);
            assertThat(Views.mapsText(copy, b1)).isEqualTo(Views.mapsText(k, a1));
            assertThat(Views.pagemap(copy, b1, a, 64 * 4096)).isEqualTo(Views.pagemap(k, a1, a, 64 * 4096));
            assertThat(Views.status(copy, b1)).isEqualTo(Views.status(k, a1));
        }
        assertThat(IoUring.buffers(copy, copy.task(1), ring)).isEqualTo(IoUring.buffers(k, t, ring));
        assertThat(Pins.list(copy)).hasSize(1);
        assertThat(copy.log.text()).isEqualTo(k.log.text());
        assertThat(copy.userLockedVm(1000)).isEqualTo(k.userLockedVm(1000));

        // the copy keeps working: releasing the pin and closing the ring return the counters
        long pinned = Views.pagemap(copy, copy.task(1), a, 4096).get(0).folio().refcount();
        Pins.release(copy, Pins.list(copy).get(0).id(), "unpin_user_pages", false);
        assertThat(Views.pagemap(copy, copy.task(1), a, 4096).get(0).folio().refcount())
                .isEqualTo(pinned - Gup.GUP_PIN_COUNTING_BIAS);
        Files.close(copy, copy.task(1), ring);
        Files.close(copy, copy.task(child), ring);
        assertThat(copy.userLockedVm(1000)).isZero();
        assertThat(Views.status(copy, copy.task(1)).vmPinKb()).isZero();
    }

    private static Kernel roundTrip(Kernel k) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(k);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (Kernel) in.readObject();
        }
    }
}
