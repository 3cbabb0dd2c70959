package io.pinlab.kernel.mm;

import io.pinlab.kernel.base.VirtAddr;
import io.pinlab.kernel.Lab;
import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.base.SysResult;
import io.pinlab.kernel.fs.DirectIo;
import io.pinlab.kernel.fs.Open;
import io.pinlab.kernel.iouring.IoUring;
import io.pinlab.kernel.iouring.Register;
import io.pinlab.kernel.base.Iovec;
import io.pinlab.kernel.iouring.RegisterArgs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import java.util.List;

import static io.pinlab.kernel.Lab.*;
import static io.pinlab.kernel.mm.PhysMem.PAGE_SIZE;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The GUP users besides drivers and io_uring: O_DIRECT (fs/iomap/direct-io.c via
 * iov_iter_extract_pages() -> pin_user_pages_fast(), a short-term FOLL_PIN),
 * process_vm_readv/writev (mm/process_vm_access.c, pin_user_pages_remote()) and /proc/PID/mem
 * (fs/proc/base.c mem_rw(), get_user_pages_remote() with FOLL_FORCE).
 */
class OtherGupUsersTest {
    static final List<Profile> ALL = Profile.ALL;
    static final int O_DIRECT = 040000, O_CREAT = 0100;

    /** An ext4 file opened O_DIRECT and a MAP_SHARED mapping of another ext4 file, written with 5s. */
    record Setup(Lab f, int dio, long shared) {}

    static Setup setup(Profile p) {
        Lab f = new Lab(p);
        int dio = (int) Open.doSysOpen(f.k, f.t, "/mnt/ext4/dio", O_RDWR | O_CREAT | O_DIRECT, 16 * PAGE_SIZE).ret();
        int mfd = f.open(f.t, "/mnt/ext4/shared", O_CREAT | O_RDWR, 4 * PAGE_SIZE);
        long shared = f.map(2 * PAGE_SIZE, RW, MAP_SHARED, mfd);
        assertTrue(f.write(f.t, shared, 2 * PAGE_SIZE, 5L).ok());
        return new Setup(f, dio, shared);
    }

    @ParameterizedTest @FieldSource("ALL")
    void oDirectPinsTheSharedExt4PageWhereIoUringCannot(Profile p) {
        Setup s = setup(p);
        Lab f = s.f();
        long pfn = f.pfn(s.shared());
        int ref = f.ref(pfn);
        assertEquals(2 * PAGE_SIZE, DirectIo.rw(f.k, f.t, s.dio(), s.shared(), 2 * PAGE_SIZE, 0, true).ret());
        assertEquals(ref, f.ref(pfn), "short-term: unpinned when the bio completed");
        assertEquals(2 * PAGE_SIZE, DirectIo.rw(f.k, f.t, s.dio(), s.shared(), 2 * PAGE_SIZE, 8 * PAGE_SIZE, false).ret());
        // io_uring registration is a FOLL_LONGTERM|FOLL_WRITE pin: 6.5+ check_vma_flags() refuses the
        // dirty-tracked shared mapping (-EFAULT); 6.3/6.4/seed io_uring's own VMA check refuses any file
        // but shmem/hugetlbfs (-EOPNOTSUPP)
        int ring = (int) IoUring.setup(f.k, f.t, 8, 0).ret();
        SysResult reg = Register.ioUringRegister(f.k, f.t, RegisterArgs.buffers(ring, List.of(new Iovec(s.shared(), PAGE_SIZE))));
        assertEquals(p.fileBackedLongtermWriteBan() ? Errno.EFAULT : Errno.EOPNOTSUPP, reg.errno(), p.name());
    }

    @Test
    void oDirectMovesDataThroughThePinnedPages() { // a write then a read back lands in the reader's buffer
        Setup s = setup(Profile.V6_18);
        Lab f = s.f();
        assertEquals(2 * PAGE_SIZE, DirectIo.rw(f.k, f.t, s.dio(), s.shared(), 2 * PAGE_SIZE, 0, true).ret());
        long buf = f.anon(2 * PAGE_SIZE, RW);
        assertEquals(2 * PAGE_SIZE, DirectIo.rw(f.k, f.t, s.dio(), buf, 2 * PAGE_SIZE, 0, false).ret());
        assertEquals(5L, f.k.phys.value(f.pfn(buf + PAGE_SIZE)));
        assertTrue(f.k.phys.testPageFlag(f.pfn(buf), PhysMem.PG_DIRTY), "bio_release_pages() dirties what a read filled");
    }

    @Test
    void oDirectRules() { // iomap_dio_rw(): read at EOF 0; block alignment -EINVAL; a buffer GUP cannot pin -EFAULT
        Setup s = setup(Profile.V6_18);
        Lab f = s.f();
        assertEquals(0, DirectIo.rw(f.k, f.t, s.dio(), s.shared(), PAGE_SIZE, 16 * PAGE_SIZE, false).ret());
        assertEquals(Errno.EINVAL, DirectIo.rw(f.k, f.t, s.dio(), s.shared() + 1, PAGE_SIZE, 0, false).errno());
        assertEquals(Errno.EINVAL, DirectIo.rw(f.k, f.t, s.dio(), s.shared(), 100, 0, false).errno());
        long ro = f.anon(PAGE_SIZE, PROT_READ);
        assertEquals(Errno.EFAULT, DirectIo.rw(f.k, f.t, s.dio(), ro, PAGE_SIZE, 0, false).errno(), "FOLL_WRITE on a read-only VMA");
        assertEquals(PAGE_SIZE, DirectIo.rw(f.k, f.t, s.dio(), ro, PAGE_SIZE, 0, true).ret(), "a write only reads the buffer");
    }

    @ParameterizedTest @FieldSource("ALL")
    void processVmReadvPinsRemotePagesForTheCopy(Profile p) {
        Setup s = setup(p);
        Lab f = s.f();
        Task child = f.fork();
        long pfn = f.pfn(s.shared());
        long buf = f.anon(2 * PAGE_SIZE, RW);
        SysResult r = ProcessVm.processVmRw(f.k, f.t, child.pid, List.of(new Iovec(buf, 2 * PAGE_SIZE)),
                List.of(new Iovec(s.shared(), 2 * PAGE_SIZE)), 0, false);
        assertEquals(2 * PAGE_SIZE, r.ret(), r.toString());
        assertEquals(5L, f.k.phys.value(f.pfn(buf)));
        // fork left the shared file VMA unpopulated in the child: the remote GUP faulted it in, so
        // the page now has both mappings plus the page cache's reference, and no pin left
        assertEquals(2, f.k.phys.mapcount(pfn));
        assertEquals(3, f.ref(pfn), "unpin_user_pages_dirty_lock() after the copy");
    }

    @Test
    void processVmRules() { // process_vm_rw(): flags -EINVAL, no target -ESRCH, another uid -EPERM, nothing pinned -EFAULT
        Lab f = new Lab(Profile.V6_18);
        long buf = f.anon(PAGE_SIZE, RW);
        List<Iovec> l = List.of(new Iovec(buf, PAGE_SIZE));
        Task other = f.k.createTask(0, "other", 1001, false, 8 << 20);
        long theirs = f.map(other, PAGE_SIZE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1);
        List<Iovec> r = List.of(new Iovec(theirs, PAGE_SIZE));
        assertEquals(Errno.EINVAL, ProcessVm.processVmRw(f.k, f.t, other.pid, l, r, 1, false).errno());
        assertEquals(Errno.ESRCH, ProcessVm.processVmRw(f.k, f.t, 999, l, r, 0, false).errno());
        assertEquals(Errno.EPERM, ProcessVm.processVmRw(f.k, f.t, other.pid, l, r, 0, false).errno());
        Task root = f.k.createTask(0, "root", 0, true, 8 << 20);
        long rb = f.map(root, PAGE_SIZE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1);
        assertEquals(PAGE_SIZE, ProcessVm.processVmRw(f.k, root, other.pid, List.of(new Iovec(rb, PAGE_SIZE)), r, 0, false).ret());
        assertEquals(Errno.EFAULT, ProcessVm.processVmRw(f.k, root, other.pid, List.of(new Iovec(rb, PAGE_SIZE)),
                List.of(new Iovec(0x1000, PAGE_SIZE)), 0, false).errno());
    }

    @ParameterizedTest @FieldSource("ALL")
    void procMemForceWriteBreaksCowOfReadOnlyPrivatePage(Profile p) {
        // FOLL_FORCE|FOLL_WRITE on a read-only private mapping: check_vma_flags() allows it (COW
        // mapping, VM_MAYWRITE), the fault breaks COW, can_follow_write_pte() accepts the exclusive copy
        Lab f = new Lab(p);
        long ro = f.anon(PAGE_SIZE, PROT_READ);
        assertTrue(f.read(f.t, ro, 1).ok());
        long before = f.pfn(ro);
        ProcessVm.MemResult w = ProcessVm.memRw(f.k, f.t, f.t.pid, VirtAddr.of(ro), 8, true, 42L);
        assertEquals(8, w.result().ret(), w.result().toString());
        assertNotEquals(before, f.pfn(ro));
        assertFalse(Pte.write(f.pte(f.t, ro)), "still read-only for the process");
        assertEquals(List.of(42L), f.read(f.t, ro, 1).values());
        assertEquals(List.of(42L), ProcessVm.memRw(f.k, f.t, f.t.pid, VirtAddr.of(ro), 1, false, null).values());
    }

    @Test
    void procMemRules() { // mem_rw(): a read-only shared mapping (not a COW mapping) or no VMA copies nothing: -EIO
        Lab f = new Lab(Profile.V6_18);
        int fd = f.open(f.t, "/mnt/ext4/m", O_CREAT | O_RDWR, PAGE_SIZE);
        long ros = f.map(PAGE_SIZE, PROT_READ, MAP_SHARED, fd);
        assertEquals(Errno.EIO, ProcessVm.memRw(f.k, f.t, f.t.pid, VirtAddr.of(ros), 1, true, 1L).result().errno());
        assertEquals(Errno.EIO, ProcessVm.memRw(f.k, f.t, f.t.pid, VirtAddr.of(0x1000), 1, false, null).result().errno());
        Task other = f.k.createTask(0, "other", 1001, false, 8 << 20);
        assertEquals(Errno.EPERM, ProcessVm.memRw(f.k, f.t, other.pid, VirtAddr.of(ros), 1, false, null).result().errno());
    }
}
