package io.pinlab.kernel.iouring;

import io.pinlab.kernel.base.Iovec;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.base.SysResult;
import io.pinlab.kernel.mm.Task;
import io.pinlab.kernel.fs.Files;
import io.pinlab.kernel.mm.Exit;
import io.pinlab.kernel.mm.Fork;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Random;
import java.util.stream.LongStream;

import java.util.ArrayList;
import java.util.List;

import static io.pinlab.kernel.iouring.Lab.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Any sequence of register / update / unregister / close (plus fork, fixed I/O from parent or
 * child, and child exit), on any profile, keeps pinned_vm and locked_vm equal to what the live
 * rings account, and returns pinned_vm, the user's locked_vm, and every refcount and pincount to
 * their starting values once every ring is gone.
 */
class RegistrationInvariantProperties {

    /**
     * kind: 0 register, 1 register sparse, 2 update, 3 unregister, 4 close and re-create the ring,
     * 5 fork, 6 exit the oldest child, 7 READ_FIXED or WRITE_FIXED from the newest task.
     */
    record Op(int kind, int region, int page, int pages, int slot) {
    }

    /** 200 reproducible cases: a failing seed is in the test name; rerun it alone to debug. */
    static LongStream seeds() { return LongStream.range(0, 200); }

    /** 1 to 25 operations with uniformly drawn fields. */
    static List<Op> ops(Random r) {
        List<Op> ops = new ArrayList<>();
        for (int i = 0, n = 1 + r.nextInt(25); i < n; i++)
            ops.add(new Op(r.nextInt(8), r.nextInt(4), r.nextInt(8), r.nextInt(5), r.nextInt(4)));
        return ops;
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void countersReturnToTheirStartingValues(long seed) {
        Random rnd = new Random(seed);
        Profile p = Profile.ALL.get(rnd.nextInt(Profile.ALL.size()));
        List<Op> ops = ops(rnd);
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
        List<IoRingCtx> rings = new ArrayList<>(List.of(IoUring.ctx(lab.t, ring)));
        List<Task> children = new ArrayList<>();
        int file = lab.openRw("/mnt/ext4/io", 8 * PAGE);
        for (Op o : ops) {
            long addr = base[o.region()] + o.page() * PAGE;
            long len = o.pages() == 0 ? 100 : Math.min(o.pages(), 8 - o.page()) * PAGE;
            Iovec iov = o.pages() == 4 ? iov(0, 0) : iov(addr, len);
            SysResult r = switch (o.kind()) {
                case 0 -> lab.register(ring, iov, iov(base[0] + o.slot() * PAGE, PAGE));
                case 1 -> IoUring.register(lab.k, lab.t, RegisterArgs.sparse(ring, 1 + o.slot()));
                case 2 -> IoUring.register(lab.k, lab.t, RegisterArgs.update(ring, o.slot(), List.of(iov), List.of((long) o.page())));
                case 3 -> lab.unregister(ring);
                case 4 -> {
                    Files.close(lab.k, lab.t, ring);
                    ring = lab.ring();
                    rings.add(IoUring.ctx(lab.t, ring));
                    yield null;
                }
                case 5 -> {
                    SysResult f = Fork.copyProcess(lab.k, lab.t);
                    children.add(lab.k.task((int) f.ret()));
                    yield null;
                }
                case 6 -> {
                    if (!children.isEmpty()) Exit.doExit(lab.k, children.remove(0));
                    yield null;
                }
                default -> {
                    Task who = children.isEmpty() ? lab.t : children.get(children.size() - 1);
                    if (who.fds.get(ring) == null || IoUring.ringOf(who.fds.get(ring)) != IoUring.ctx(lab.t, ring)) yield null;
                    Sqe sqe = o.slot() % 2 == 0 ? Sqe.readFixed(file, addr, len, 0, o.slot(), 1) : Sqe.writeFixed(file, addr, len, 0, o.slot(), 1);
                    IoUring.enter(lab.k, who, ring, List.of(sqe));
                    yield null;
                }
            };
            if (r != null) lab.enter(ring); // reap tag CQEs
            long acct = 0, ringPages = 0;
            for (IoRingCtx c : rings) {
                if (c.freed()) continue;
                acct += c.bufferAccountedPages();
                ringPages += c.ringAccountedPages();
            }
            assertEquals(pinned0 + acct, lab.t.mm.pinnedVm, "pinned_vm == what the live rings account");
            assertEquals(locked0 + acct + ringPages, lab.lockedVm());
        }
        for (Task c : children) Exit.doExit(lab.k, c);
        Files.close(lab.k, lab.t, ring);
        assertEquals(pinned0, lab.t.mm.pinnedVm);
        assertEquals(locked0, lab.lockedVm());
        assertEquals(0, lab.k.heldPageEntries(), "every page array reserved by io_pin_pages() was freed");
        // a pin taken after fork breaks COW first (FOLL_WRITE), so the parent may now map other
        // frames than at the start: compare the frames it maps now, and check the old ones
        List<Long> now = new ArrayList<>();
        for (int r = 0; r < 3; r++) for (int i = 0; i < 8; i++) now.add(lab.pfnAt(base[r] + i * PAGE));
        assertEquals(refs0, now.stream().map(lab.k.phys::refcount).toList());
        assertEquals(pins0, now.stream().map(lab.k.phys::pincount).toList());
        for (long pfn : pfns) if (lab.k.phys.isAllocated(pfn)) assertFalse(lab.k.phys.maybeDmaPinned(pfn));
    }
}
