package io.pinlab.kernel;


import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.base.SysResult;
import io.pinlab.kernel.mm.Task;
import io.pinlab.kernel.fs.Files;
import io.pinlab.kernel.base.Iovec;
import io.pinlab.kernel.iouring.IoUring;
import io.pinlab.kernel.iouring.RegisterArgs;
import io.pinlab.kernel.iouring.Sqe;
import io.pinlab.kernel.mm.Exit;
import io.pinlab.kernel.mm.FollFlag;
import io.pinlab.kernel.mm.Fork;
import io.pinlab.kernel.mm.GupTest;
import io.pinlab.kernel.mm.GupCall;
import io.pinlab.kernel.mm.GupRequest;
import io.pinlab.kernel.mm.GupResult;
import io.pinlab.kernel.mm.Madv;
import io.pinlab.kernel.mm.Madvise;
import io.pinlab.kernel.mm.UserAccess;
import io.pinlab.kernel.mm.Memory;
import io.pinlab.kernel.mm.Mmap;
import io.pinlab.kernel.mm.Pin;
import io.pinlab.kernel.mm.PinRelease;
import io.pinlab.kernel.mm.Pins;
import io.pinlab.kernel.mm.PhysMem;
import io.pinlab.kernel.mm.Zone;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static io.pinlab.kernel.mm.PhysMem.HPAGE_SIZE;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A busy kernel (every backing, THP, hugetlb, COW after fork, pins of both kinds, rings with
 * buffers, sparse page tables, an exited creator whose mm a ring still accounts to) read back
 * from its snapshot shows the same views and continues identically.
 */
class KernelSnapshotTest {
    static final long PAGE = 4096;
    static final int RW = 3, SHARED = 0x01, PRIVATE = 0x02, ANON = 0x20, HUGETLB = 0x40000, O_RDWR = 02, O_CREAT = 0100;
    static final int LONGTERM_WRITE = FollFlag.FOLL_WRITE.value() | FollFlag.FOLL_LONGTERM.value();

    /** The busy kernel, built call by call; every call must succeed, so each state below really exists. */
    static Kernel busyKernel() {
        Kernel k = new Kernel(Profile.V6_18, true);
        Task t = k.task(1);
        ok(Sysctl.set(k, "vm.nr_hugepages", 8));
        // private anonymous, written: COW source for the fork below
        long anon = ok(Mmap.doMmap(k, t, 0, 64 * PAGE, RW, PRIVATE | ANON, -1, 0));
        UserAccess.access(k, t, anon, 16 * PAGE, true, 42L);
        // THP: a 2 MiB-aligned MADV_HUGEPAGE range faulted by a write (HugeMemory.thpEligible)
        long thp = ok(Mmap.doMmap(k, t, 0, 2 * HPAGE_SIZE, RW, PRIVATE | ANON, -1, 0));
        ok(Madvise.doMadvise(k, t, thp, 2 * HPAGE_SIZE, Madv.MADV_HUGEPAGE.value));
        UserAccess.access(k, t, thp, PAGE, true, 7L);
        // a read fault on the other half maps the huge zero folio (do_huge_pmd_anonymous_page(), mm/huge_memory.c)
        UserAccess.access(k, t, thp + HPAGE_SIZE, PAGE, false, null);
        assertThat(k.hugeZeroPfn).isNotNegative();
        // sparse table: two pages 1 GiB apart in one mapping
        long sparse = ok(Mmap.doMmap(k, t, 0, 1L << 30, RW, PRIVATE | ANON, -1, 0));
        UserAccess.access(k, t, sparse, PAGE, true, 1L);
        UserAccess.access(k, t, sparse + (1L << 30) - PAGE, PAGE, true, 2L);
        // shared anonymous, memfd (shmem), ext4 file, tmpfs file, fsdax file, /dev/zero, device memory, secretmem
        long shanon = ok(Mmap.doMmap(k, t, 0, 8 * PAGE, RW, SHARED | ANON, -1, 0));
        UserAccess.access(k, t, shanon, 8 * PAGE, true, 3L);
        int memfd = (int) ok(Files.memfdCreate(k, t, "buf", 0, 64 * PAGE));
        long shm = ok(Mmap.doMmap(k, t, 0, 64 * PAGE, RW, SHARED, memfd, 0));
        UserAccess.access(k, t, shm, 64 * PAGE, true, 5L);
        int ext4 = (int) ok(Files.open(k, t, "/mnt/ext4/data", O_RDWR | O_CREAT, 16 * PAGE));
        long file = ok(Mmap.doMmap(k, t, 0, 16 * PAGE, RW, PRIVATE, ext4, 0));
        UserAccess.access(k, t, file, 4 * PAGE, false, null);
        UserAccess.access(k, t, file + 4 * PAGE, 2 * PAGE, true, 9L);
        int tmpfs = (int) ok(Files.open(k, t, "/dev/shm/t", O_RDWR | O_CREAT, 4 * PAGE));
        UserAccess.access(k, t, ok(Mmap.doMmap(k, t, 0, 4 * PAGE, RW, SHARED, tmpfs, 0)), 4 * PAGE, true, 11L);
        int pmem = (int) ok(Files.open(k, t, "/mnt/pmem/p", O_RDWR | O_CREAT, 4 * PAGE));
        UserAccess.access(k, t, ok(Mmap.doMmap(k, t, 0, 4 * PAGE, RW, SHARED, pmem, 0)), PAGE, true, 12L);
        int zero = (int) ok(Files.open(k, t, "/dev/zero", O_RDWR, null));
        UserAccess.access(k, t, ok(Mmap.doMmap(k, t, 0, 4 * PAGE, RW, PRIVATE, zero, 0)), 4 * PAGE, false, null);
        int mmio = (int) ok(Files.open(k, t, "/dev/mmio0", O_RDWR, null));
        UserAccess.access(k, t, ok(Mmap.doMmap(k, t, 0, 4 * PAGE, RW, SHARED, mmio, 0)), PAGE, true, 13L);
        int secret = (int) ok(Files.memfdSecret(k, t, 4 * PAGE));
        UserAccess.access(k, t, ok(Mmap.doMmap(k, t, 0, 4 * PAGE, RW, SHARED, secret, 0)), PAGE, true, 14L);
        // hugetlb, private and shared (reservations, pool in use)
        long huge = ok(Mmap.doMmap(k, t, 0, 2 * HPAGE_SIZE, RW, PRIVATE | ANON | HUGETLB, -1, 0));
        UserAccess.access(k, t, huge, PAGE, true, 15L);
        ok(Mmap.doMmap(k, t, 0, HPAGE_SIZE, RW, SHARED | ANON | HUGETLB, -1, 0));
        // pins of both kinds, one released, and a WARN from is_valid_gup_args()
        pin(k, t, GupCall.pin_user_pages, anon, 4, LONGTERM_WRITE);
        long released = pin(k, t, GupCall.pin_user_pages_fast, thp, 8, FollFlag.FOLL_WRITE.value());
        ok(Pins.release(k, released, PinRelease.unpin_user_pages_dirty_lock, true));
        GupTest.call(k, t, GupRequest.of(GupCall.pin_user_pages, anon, 1, FollFlag.FOLL_GET.value()));
        // rings: one with tagged buffers and a CQE waiting, one sparse table; the second ring is created by a
        // child that then exits, so its ctx->mm_account is an mm no task has any more
        int ring = (int) ok(IoUring.setup(k, t, 8, 0));
        ok(IoUring.register(k, t, RegisterArgs.buffers2(ring, List.of(new Iovec(shm, 16 * PAGE), new Iovec(anon, 4 * PAGE),
                new Iovec(huge, HPAGE_SIZE)), List.of(1L, 2L, 3L))));
        assertThat(IoUring.enter(k, t, ring, List.of(Sqe.writeFixed(ext4, shm, PAGE, 0, 0, 77))).cqes()).isNotEmpty();
        // a third ring shares the first ring's buffers (IORING_REGISTER_CLONE_BUFFERS, 6.13+: imu->refs 2, no new pins)
        int clone = (int) ok(IoUring.setup(k, t, 8, 0));
        ok(IoUring.register(k, t, RegisterArgs.cloneBuffers(clone, ring, 0, 0, 0, 0)));
        // a FOLL_GET reference after the long-term pins: it would keep check_and_migrate_movable_pages() from moving the folio
        pin(k, t, GupCall.get_user_pages_fast, shm, 2, FollFlag.FOLL_WRITE.value());
        Task creator = k.task((int) ok(Fork.copyProcess(k, t)));
        int ring2 = (int) ok(IoUring.setup(k, creator, 4, 0));
        ok(IoUring.register(k, creator, RegisterArgs.sparse(ring2, 6)));
        ok(IoUring.register(k, creator, RegisterArgs.update(ring2, 3, List.of(new Iovec(anon, 2 * PAGE)), List.of(5L))));
        // fork, then COW: the child writes a page both share
        Task child = k.task((int) ok(Fork.copyProcess(k, t)));
        UserAccess.access(k, child, anon, PAGE, true, 99L);
        UserAccess.access(k, t, anon + PAGE, PAGE, true, 98L);
        // the ring's creator passes ring2 on and exits: the child of creator keeps the fd
        Task heir = k.task((int) ok(Fork.copyProcess(k, creator)));
        ok(Exit.doExit(k, creator));
        assertThat(IoUring.ringOf(heir.fds.get(ring2)).mmAccount).isNotSameAs(heir.mm);
        return k;
    }

    @Test
    void aBusyKernelReadBackShowsTheSameViews() {
        Kernel k = busyKernel();
        byte[] bytes = KernelSnapshot.write(k);
        Kernel copy = KernelSnapshot.read(bytes);

        assertThat(copy.profile).isSameAs(Profile.V6_18);
        assertThat(Observed.of(copy)).isEqualTo(Observed.of(k));
        // what the writer sees is the whole state: a copy writes the very same bytes
        assertThat(KernelSnapshot.write(copy)).isEqualTo(bytes);
    }

    @Test
    void aBusyKernelReadBackContinuesIdentically() {
        Kernel k = busyKernel();
        Kernel copy = KernelSnapshot.read(KernelSnapshot.write(k));
        List<Calls> more = new ArrayList<>(Calls.random(new Random(7), 300));
        // and the calls that release everything: every pin, every ring (by exiting every task but pid 1)
        for (int i = 0; i < 200; i++) more.add(new Calls(Calls.Kind.RELEASE, 0, i, 1, i % 8));
        for (Calls c : more) assertThat(c.apply(copy)).as("%s", c).isEqualTo(c.apply(k));
        assertThat(Observed.of(copy)).isEqualTo(Observed.of(k));
    }

    @Test
    void releasingEverythingInTheCopyReturnsEveryCounterToZero() {
        // GUP_PIN_COUNTING_BIAS (mm/gup.c): unpinning drops what the pin added; io_ring_ctx_free() unaccounts
        // every buffer and the rings (io_uring/rsrc.c, io_uring/io_uring.c)
        Kernel copy = KernelSnapshot.read(KernelSnapshot.write(busyKernel()));
        for (Pin p : Pins.list(copy)) {
            if (!p.released()) ok(Pins.release(copy, p.id(), p.kind() == Pin.Kind.FOLL_GET ? PinRelease.put_page : PinRelease.unpin_user_pages, false));
        }
        for (Task t : new ArrayList<>(copy.tasks.values())) ok(Exit.doExit(copy, t));
        assertThat(copy.userLockedVm).allSatisfy((uid, pages) -> assertThat(pages).isZero());
        assertThat(copy.heldPageEntries()).isZero();
        assertThat(copy.pins.nrFollPinAcquired).isEqualTo(copy.pins.nrFollPinReleased);
        assertThat(copy.hugePagesInUse).isZero();
        // every user frame went back: only the files' page caches (ext4, tmpfs, pmem) keep frames, and the
        // huge zero folio, which the kernel keeps once allocated (mm/huge_memory.c, get_huge_zero_folio())
        long cached = copy.inodes.values().stream().mapToLong(in -> in.pageCache.count()).sum();
        assertThat(copy.hugeZeroPfn).isNotNegative();
        assertThat(copy.phys.usedFrames(Zone.NORMAL) + copy.phys.usedFrames(Zone.MOVABLE)).isEqualTo(cached + PhysMem.HPAGE_NR);
    }

    @Test
    void eachProfileRoundTrips() {
        for (Profile p : Profile.ALL) {
            Kernel k = new Kernel(p, false);
            Kernel copy = KernelSnapshot.read(KernelSnapshot.write(k));
            assertThat(copy.profile).isSameAs(p);
            assertThat(copy.movableZone).isFalse();
            assertThat(Observed.of(copy)).isEqualTo(Observed.of(k));
            assertThat(Views.mapsText(copy, copy.task(1))).contains("[stack]");
        }
    }

    static long pin(Kernel k, Task t, GupCall call, long addr, long n, int flags) {
        GupResult r = GupTest.call(k, t, GupRequest.of(call, addr, n, flags));
        assertThat(r.ret()).as("%s %s", call, r.explain()).isEqualTo(n);
        return r.pin().id();
    }

    static long ok(SysResult r) {
        assertThat(r.ok()).as("%s", r).isTrue();
        return r.ret();
    }
}
