package io.pinlab.kernel;

import io.pinlab.kernel.base.VirtAddr;
import io.pinlab.kernel.iouring.IoUring;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.mm.Task;
import io.pinlab.kernel.base.Iovec;
import io.pinlab.kernel.iouring.RegisterArgs;
import io.pinlab.kernel.iouring.Sqe;
import io.pinlab.kernel.mm.GupCall;
import io.pinlab.kernel.mm.GupRequest;
import io.pinlab.kernel.mm.GupResult;
import io.pinlab.kernel.mm.Madv;
import io.pinlab.kernel.mm.Memory;
import io.pinlab.kernel.mm.Pin;
import io.pinlab.kernel.mm.PinRelease;
import io.pinlab.kernel.mm.Pins;
import io.pinlab.kernel.mm.PhysMem;
import io.pinlab.kernel.mm.Zone;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static io.pinlab.kernel.Lab.*;
import static io.pinlab.kernel.mm.PhysMem.HPAGE_SIZE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A busy kernel (every backing, THP, hugetlb, COW after fork, pins of both kinds, rings with
 * buffers, sparse page tables, an exited creator whose mm a ring still accounts to) read back
 * from its snapshot shows the same views and continues identically.
 */
class KernelSnapshotTest {
    static final int LONGTERM_WRITE = FOLL_WRITE | FOLL_LONGTERM;

    /** The busy kernel, built call by call; every call must succeed, so each state below really exists. */
    static Kernel busyKernel() {
        Lab lab = new Lab(Profile.V6_18, true);
        Kernel k = lab.k;
        Task t = lab.t;
        assertOk(lab.sysctl("vm.nr_hugepages", 8));
        // private anonymous, written: COW source for the fork below
        long anon = assertOk(lab.mmap(t, 0, 64 * PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
        lab.write(t, anon, 16 * PAGE, 42L);
        // THP: a 2 MiB-aligned MADV_HUGEPAGE range faulted by a write (HugeMemory.thpEligible)
        long thp = assertOk(lab.mmap(t, 0, 2 * HPAGE_SIZE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
        assertOk(lab.madvise(thp, 2 * HPAGE_SIZE, Madv.MADV_HUGEPAGE.value));
        lab.write(t, thp, PAGE, 7L);
        // a read fault on the other half maps the huge zero folio (do_huge_pmd_anonymous_page(), mm/huge_memory.c)
        lab.read(t, thp + HPAGE_SIZE, PAGE);
        assertThat(k.hugeZeroPfn).isNotNegative();
        // sparse table: two pages 1 GiB apart in one mapping
        long sparse = assertOk(lab.mmap(t, 0, 1L << 30, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
        lab.write(t, sparse, PAGE, 1L);
        lab.write(t, sparse + (1L << 30) - PAGE, PAGE, 2L);
        // shared anonymous, memfd (shmem), ext4 file, tmpfs file, fsdax file, /dev/zero, device memory, secretmem
        long shanon = assertOk(lab.mmap(t, 0, 8 * PAGE, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
        lab.write(t, shanon, 8 * PAGE, 3L);
        int memfd = lab.memfd("buf", 0, 64 * PAGE);
        long shm = assertOk(lab.mmap(t, 0, 64 * PAGE, RW, MAP_SHARED, memfd, 0));
        lab.write(t, shm, 64 * PAGE, 5L);
        int ext4 = lab.open("/mnt/ext4/data", O_RDWR | O_CREAT, 16 * PAGE);
        long file = assertOk(lab.mmap(t, 0, 16 * PAGE, RW, MAP_PRIVATE, ext4, 0));
        lab.read(t, file, 4 * PAGE);
        lab.write(t, file + 4 * PAGE, 2 * PAGE, 9L);
        // an ext4 page written by O_DIRECT (clean in the page cache), mapped and paged out: reclaim drops it from the
        // page cache (mm/vmscan.c shrink_folio_list(), __remove_mapping()) and its value stays on disk
        int cold = lab.open("/mnt/ext4/cold", O_RDWR | O_CREAT | 040000 /* O_DIRECT */, 4 * PAGE);
        assertThat(lab.call(new Syscall.DirectRw(t.pid, cold, anon, PAGE, PAGE, true)).ret()).isEqualTo(PAGE);
        long coldMap = assertOk(lab.mmap(t, 0, 4 * PAGE, RW, MAP_SHARED, cold, 0));
        lab.read(t, coldMap + PAGE, PAGE);
        assertOk(lab.madvise(coldMap + PAGE, PAGE, Madv.MADV_PAGEOUT.value));
        assertThat(k.inodes.get("/mnt/ext4/cold").disk.get(1)).isEqualTo(42L);
        // a pipe holding a vmspliced page (a FOLL_GET reference, partly read) and one with its reader closed
        io.pinlab.kernel.fs.Pipe.PipeFds pipe = lab.call(new Syscall.Pipe2(t.pid, 0));
        assertOk(lab.call(new Syscall.Vmsplice(t.pid, pipe.writeFd(), List.of(new Iovec(sparse, PAGE)), 8)));
        assertOk(lab.call(new Syscall.Read(t.pid, pipe.readFd(), sparse + 8 * PAGE, 100)));
        io.pinlab.kernel.fs.Pipe.PipeFds halfClosed = lab.call(new Syscall.Pipe2(t.pid, 0));
        assertOk(lab.close(halfClosed.readFd()));
        int tmpfs = lab.open("/dev/shm/t", O_RDWR | O_CREAT, 4 * PAGE);
        lab.write(assertOk(lab.mmap(t, 0, 4 * PAGE, RW, MAP_SHARED, tmpfs, 0)), 4 * PAGE, 11);
        int pmem = lab.open("/mnt/pmem/p", O_RDWR | O_CREAT, 4 * PAGE);
        lab.write(assertOk(lab.mmap(t, 0, 4 * PAGE, RW, MAP_SHARED, pmem, 0)), PAGE, 12);
        int zero = lab.open("/dev/zero", O_RDWR, null);
        lab.read(t, assertOk(lab.mmap(t, 0, 4 * PAGE, RW, MAP_PRIVATE, zero, 0)), 4 * PAGE);
        int mmio = lab.open("/dev/mmio0", O_RDWR, null);
        lab.write(assertOk(lab.mmap(t, 0, 4 * PAGE, RW, MAP_SHARED, mmio, 0)), PAGE, 13);
        int secret = lab.memfdSecret(4 * PAGE);
        lab.write(assertOk(lab.mmap(t, 0, 4 * PAGE, RW, MAP_SHARED, secret, 0)), PAGE, 14);
        // hugetlb, private and shared (reservations, pool in use)
        long huge = assertOk(lab.mmap(t, 0, 2 * HPAGE_SIZE, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0));
        lab.write(t, huge, PAGE, 15L);
        assertOk(lab.mmap(t, 0, HPAGE_SIZE, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0));
        // pins of both kinds, one released, and a WARN from is_valid_gup_args()
        pin(lab, GupCall.pin_user_pages, anon, 4, LONGTERM_WRITE);
        long released = pin(lab, GupCall.pin_user_pages_fast, thp, 8, FOLL_WRITE);
        assertOk(lab.release(released, PinRelease.unpin_user_pages_dirty_lock, true));
        lab.gup(t, GupRequest.of(GupCall.pin_user_pages, VirtAddr.of(anon), 1, FOLL_GET));
        // rings: one with tagged buffers and a CQE waiting, one sparse table; the second ring is created by a
        // child that then exits, so its ctx->mm_account is an mm no task has any more
        int ring = (int) assertOk(lab.ioUringSetup(t, 8, 0));
        assertOk(lab.register(t, RegisterArgs.buffers2(ring, List.of(new Iovec(shm, 16 * PAGE), new Iovec(anon, 4 * PAGE),
                new Iovec(huge, HPAGE_SIZE)), List.of(1L, 2L, 3L))));
        assertThat(lab.enter(t, ring, Sqe.writeFixed(ext4, shm, PAGE, 0, 0, 77)).cqes()).isNotEmpty();
        // a third ring shares the first ring's buffers (IORING_REGISTER_CLONE_BUFFERS, 6.13+: imu->refs 2, no new pins)
        int clone = (int) assertOk(lab.ioUringSetup(t, 8, 0));
        assertOk(lab.register(t, RegisterArgs.cloneBuffers(clone, ring, 0, 0, 0, 0)));
        // a FOLL_GET reference after the long-term pins: it would keep check_and_migrate_movable_pages() from moving the folio
        pin(lab, GupCall.get_user_pages_fast, shm, 2, FOLL_WRITE);
        Task creator = lab.fork(t);
        int ring2 = (int) assertOk(lab.ioUringSetup(creator, 4, 0));
        assertOk(lab.register(creator, RegisterArgs.sparse(ring2, 6)));
        assertOk(lab.register(creator, RegisterArgs.update(ring2, 3, List.of(new Iovec(anon, 2 * PAGE)), List.of(5L))));
        // fork, then COW: the child writes a page both share
        Task child = lab.fork(t);
        lab.write(child, anon, PAGE, 99L);
        lab.write(t, anon + PAGE, PAGE, 98L);
        // the ring's creator passes ring2 on and exits: the child of creator keeps the fd
        Task heir = lab.fork(creator);
        assertOk(lab.exit(creator));
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
        Lab lab = new Lab(copy);
        for (Pin p : Pins.list(copy)) {
            if (!p.released()) assertOk(lab.release(p.id(), p.kind() == Pin.Kind.FOLL_GET ? PinRelease.put_page : PinRelease.unpin_user_pages, false));
        }
        for (Task t : new ArrayList<>(copy.tasks.values())) assertOk(lab.exit(t));
        assertThat(copy.userLockedVm).allSatisfy((uid, pages) -> assertThat(pages).isZero());
        assertThat(copy.heldPageEntries()).isZero();
        assertThat(copy.pins.nrFollPinAcquired).isEqualTo(copy.pins.nrFollPinReleased);
        assertThat(copy.defaultHstate.inUse).isZero();
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

    @Test
    void aCollapsedShmemFolioRoundTrips() { // the page cache names the order-9 folio's pages; its 512 references and pins come back
        for (Profile p : Profile.ALL) {
            Lab lab = new Lab(p);
            int fd = lab.memfd("thp", 0, HPAGE_SIZE);
            long a = collapsedMemfd(lab, fd);
            pin(lab, GupCall.pin_user_pages, a, 4, FOLL_WRITE | FOLL_LONGTERM);
            byte[] bytes = KernelSnapshot.write(lab.k);
            Kernel copy = KernelSnapshot.read(bytes);
            assertThat(Observed.of(copy)).isEqualTo(Observed.of(lab.k));
            assertThat(KernelSnapshot.write(copy)).isEqualTo(bytes);
            assertThat(copy.phys.order(Memory.followPte(copy.task(1).mm, a) >>> 12)).isEqualTo(PhysMem.HPAGE_ORDER);
            Lab again = new Lab(copy);
            for (Lab l : List.of(lab, again)) assertOk(l.ftruncate(fd, 0));
            assertThat(Observed.of(copy)).isEqualTo(Observed.of(lab.k));
        }
    }

    @Test
    void pageCacheSlotsAndPmdsThatDoNotNameTheirFolioAreRefused() {
        // three states no kernel path makes: a slot naming another page of the folio, a shmem THP whose folio
        // claims to be anonymous without PG_ANON, a PMD naming a tail page; each must be a SnapshotFormatException
        // (before this check a later MADV_PAGEOUT cast the mapping to an inode and threw ClassCastException)
        List<java.util.function.BiConsumer<Lab, Long>> tamper = List.of(
                (lab, head) -> ((io.pinlab.kernel.fs.Inode) lab.k.phys.mapping(head)).pageCache.set(5, head + 9),
                (lab, head) -> lab.k.phys.setMapping(head, Memory.ANON_MAPPING, 0),
                (lab, head) -> lab.k.task(1).mm.pmds.forEach(0, Long.MAX_VALUE, (key, pmd) -> lab.k.task(1).mm.pmds.set(key, pmd + (3L << 12))));
        for (var t : tamper) {
            Lab lab = new Lab(Profile.V6_18);
            long a = collapsedMemfd(lab, lab.memfd("thp", 0, HPAGE_SIZE));
            long head = Memory.followPte(lab.k.task(1).mm, a) >>> 12;
            assertThat(KernelSnapshot.read(KernelSnapshot.write(lab.k))).isNotNull(); // consistent: accepted
            t.accept(lab, head);
            byte[] bytes = KernelSnapshot.write(lab.k);
            assertThatThrownBy(() -> KernelSnapshot.read(bytes)).isInstanceOf(SnapshotFormatException.class);
        }
    }

    /** The 2 MiB of memfd {@code fd} mapped shared at a 2 MiB-aligned address, written, and collapsed by MADV_COLLAPSE. */
    private static long collapsedMemfd(Lab lab, int fd) {
        long raw = lab.anon(2 * HPAGE_SIZE, PROT_NONE);
        long a = (raw + HPAGE_SIZE - 1) & ~(HPAGE_SIZE - 1);
        assertOk(lab.mmap(a, HPAGE_SIZE, RW, MAP_SHARED | MAP_FIXED, fd, 0));
        lab.touch(a, 512, true);
        assertOk(lab.madvise(a, HPAGE_SIZE, Madv.MADV_COLLAPSE.value));
        return a;
    }

    static long pin(Lab lab, GupCall call, long addr, long n, int flags) {
        GupResult r = lab.gup(GupRequest.of(call, VirtAddr.of(addr), n, flags));
        assertThat(r.ret()).as("%s %s", call, r.explain()).isEqualTo(n);
        return r.pin().id();
    }
}
