package io.pinlab.kernel.iouring;

import io.pinlab.kernel.Profile;
import io.pinlab.kernel.SysResult;
import io.pinlab.kernel.fs.Files;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.ArrayList;
import java.util.List;

import static io.pinlab.kernel.iouring.Lab.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Any sequence of register / update / unregister / close, on any profile, keeps pinned_vm equal
 * to what the table accounts and returns pinned_vm, the user's locked_vm, and every refcount and
 * pincount to their starting values once the ring is gone.
 */
class RegistrationInvariantProperties {

    /** kind: 0 register, 1 register sparse, 2 update, 3 unregister, 4 close and re-create the ring. */
    record Op(int kind, int region, int page, int pages, int slot) {
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<Op> op = Combinators.combine(Arbitraries.integers().between(0, 4), Arbitraries.integers().between(0, 3),
                Arbitraries.integers().between(0, 7), Arbitraries.integers().between(0, 4), Arbitraries.integers().between(0, 3))
                .as(Op::new);
        return op.list().ofMinSize(1).ofMaxSize(25);
    }

    @Provide
    Arbitrary<Profile> profiles() { return Arbitraries.of(Profile.ALL); }

    @Property(tries = 200)
    void countersReturnToTheirStartingValues(@ForAll("ops") List<Op> ops, @ForAll("profiles") Profile p) {
        Lab lab = new Lab(p).hugepages(2);
        // regions: anon, hugetlb (one 2 MiB page), memfd shared, anon read-only (registration fails)
        long[] base = new long[4];
        base[0] = lab.anon(8 * PAGE);
        base[1] = lab.mmap(HUGE, RW, SHARED, lab.hugeMemfd("h", HUGE));
        base[2] = lab.mmap(8 * PAGE, RW, SHARED, lab.memfd("m", 8 * PAGE));
        base[3] = lab.mmap(8 * PAGE, RO, PRIVATE_ANON, -1);
        lab.write(base[0], 8 * PAGE, 1);
        lab.write(base[1], 8 * PAGE, 2);
        lab.write(base[2], 8 * PAGE, 3);
        List<Long> pfns = new ArrayList<>();
        for (int r = 0; r < 3; r++) for (int i = 0; i < 8; i++) pfns.add(lab.pfnAt(base[r] + i * PAGE));
        List<Integer> refs0 = pfns.stream().map(lab.k.phys::refcount).toList();
        List<Integer> pins0 = pfns.stream().map(lab.k.phys::pincount).toList();
        long locked0 = lab.lockedVm(), pinned0 = lab.t.mm.pinnedVm;

        int ring = lab.ring();
        for (Op o : ops) {
            long addr = base[o.region()] + o.page() * PAGE;
            long len = o.pages() == 0 ? 100 : Math.min(o.pages(), 8 - o.page()) * PAGE;
            Iovec iov = o.pages() == 4 ? iov(0, 0) : iov(addr, len);
            SysResult r = switch (o.kind()) {
                case 0 -> lab.register(ring, iov, iov(base[0] + o.slot() * PAGE, PAGE));
                case 1 -> IoUring.register(lab.k, lab.t, RegisterArgs.sparse(ring, 1 + o.slot()));
                case 2 -> IoUring.register(lab.k, lab.t, RegisterArgs.update(ring, o.slot(), List.of(iov), List.of((long) o.page())));
                case 3 -> lab.unregister(ring);
                default -> {
                    Files.close(lab.k, lab.t, ring);
                    ring = lab.ring();
                    yield null;
                }
            };
            if (r != null) lab.enter(ring); // reap tag CQEs
            IoRingCtx ctx = IoUring.ctx(lab.t, ring);
            assertEquals(pinned0 + ctx.bufferAccountedPages(), lab.t.mm.pinnedVm, "pinned_vm == what the table accounts");
            assertEquals(locked0 + ctx.bufferAccountedPages() + ctx.ringAccountedPages(), lab.lockedVm());
        }
        Files.close(lab.k, lab.t, ring);
        assertEquals(pinned0, lab.t.mm.pinnedVm);
        assertEquals(locked0, lab.lockedVm());
        assertEquals(refs0, pfns.stream().map(lab.k.phys::refcount).toList());
        assertEquals(pins0, pfns.stream().map(lab.k.phys::pincount).toList());
    }
}
