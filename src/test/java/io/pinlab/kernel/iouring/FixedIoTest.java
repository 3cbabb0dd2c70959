package io.pinlab.kernel.iouring;

import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.fs.Inode;
import io.pinlab.kernel.fs.OFlag;
import io.pinlab.kernel.mm.Mmap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static io.pinlab.kernel.iouring.Lab.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * IORING_OP_READ_FIXED / WRITE_FIXED: io_prep_rw_fixed() / io_find_buf_node(), io_import_fixed()
 * (io_uring/rsrc.c) and the data path (io_uring/rw.c): the device reads and writes the frames
 * pinned at registration.
 */
class FixedIoTest {
    static List<Profile> profiles() { return Profile.ALL; }

    private static long filePageValue(Lab lab, int fd, long index) {
        Inode in = lab.t.fds.get(fd).inode();
        long pfn = in.pageCache.get(index);
        return pfn == 0 ? 0 : lab.k.phys.value(pfn);
    }

    @ParameterizedTest
    @MethodSource("profiles")
    void writeFixedThenReadFixedMoveValuesPageByPage(Profile p) {
        Lab lab = new Lab(p);
        int ring = lab.ring();
        long a = lab.anon(4 * PAGE);
        lab.write(a, PAGE, 42);
        lab.write(a + PAGE, PAGE, 43);
        assertOk(lab.register(ring, iov(a, 4 * PAGE)));
        int f = lab.openRw("/mnt/ext4/data", 0);
        EnterResult w = lab.enter(ring, Sqe.writeFixed(f, a, 2 * PAGE, 0, 0, 1));
        assertEquals(1, w.ret());
        assertEquals(List.of(new Cqe(1, (int) (2 * PAGE), 0)), w.cqes());
        assertEquals(42, filePageValue(lab, f, 0));
        assertEquals(43, filePageValue(lab, f, 1));
        assertEquals(2 * PAGE, lab.t.fds.get(f).inode().size);
        // read both file pages into the last two buffer pages
        EnterResult r = lab.enter(ring, Sqe.readFixed(f, a + 2 * PAGE, 2 * PAGE, 0, 0, 2));
        assertEquals((int) (2 * PAGE), r.cqes().get(0).res());
        assertEquals(42, lab.read(a + 2 * PAGE));
        assertEquals(43, lab.read(a + 3 * PAGE));
    }

    /** FOLL_LONGTERM migrates ZONE_MOVABLE pages before pinning: the buffer and the process share the new frame. */
    @ParameterizedTest
    @MethodSource("profiles")
    void longtermPinMigratesOutOfZoneMovable(Profile p) {
        Lab lab = new Lab(p, true);
        int ring = lab.ring();
        long a = lab.anon(PAGE);
        lab.write(a, PAGE, 8);
        long before = lab.pfnAt(a);
        assertEquals(io.pinlab.kernel.mm.Zone.MOVABLE, lab.k.phys.zone(before));
        assertOk(lab.register(ring, iov(a, PAGE)));
        long pinned = lab.buffers(ring).get(0).pfns().get(0);
        assertNotEquals(io.pinlab.kernel.mm.Zone.MOVABLE, lab.k.phys.zone(pinned));
        assertEquals(pinned, lab.pfnAt(a), "the PTE now maps the migrated frame");
        assertEquals(8, lab.k.phys.value(pinned), "contents migrated");
    }

    @ParameterizedTest
    @MethodSource("profiles")
    void readPastEofIsShortAndAtEofIsZero(Profile p) {
        Lab lab = new Lab(p);
        int ring = lab.ring();
        long a = lab.anon(4 * PAGE);
        assertOk(lab.register(ring, iov(a, 4 * PAGE)));
        int f = lab.openRw("/mnt/ext4/small", 100);
        EnterResult r = lab.enter(ring, Sqe.readFixed(f, a, 4 * PAGE, 0, 0, 1), Sqe.readFixed(f, a, PAGE, 100, 0, 2),
                Sqe.readFixed(f, a, PAGE, -1, 0, 3));
        assertEquals(List.of(new Cqe(1, 100, 0), new Cqe(2, 0, 0), new Cqe(3, 100, 0)), r.cqes());
    }

    /** After munmap the buffer still refers to the old frames: the device writes land there. */
    @ParameterizedTest
    @MethodSource("profiles")
    void afterMunmapTheDeviceStillUsesTheOldFrames(Profile p) {
        Lab lab = new Lab(p);
        int ring = lab.ring();
        long a = lab.anon(PAGE);
        lab.write(a, PAGE, 5);
        long old = lab.pfnAt(a);
        assertOk(lab.register(ring, iov(a, PAGE)));
        assertTrue(Mmap.doMunmap(lab.k, lab.t, a, PAGE).ok());
        assertTrue(lab.k.phys.isAllocated(old), "the pin keeps the frame");
        int f = lab.openRw("/mnt/ext4/in", PAGE);
        Inode in = lab.t.fds.get(f).inode();
        lab.k.phys.setValue(io.pinlab.kernel.mm.Memory.findOrCreateCachePage(lab.k, in, 0), 99);
        assertEquals((int) PAGE, lab.enter(ring, Sqe.readFixed(f, a, PAGE, 0, 0, 7)).cqes().get(0).res());
        assertEquals(99, lab.k.phys.value(old));
        long again = lab.anon(PAGE);
        assertEquals(a, again, "the address is reused");
        assertEquals(0, lab.read(again), "the process sees a fresh zero page, not the device's data");
        // and a write from the buffer sends the old frame's contents
        assertEquals((int) PAGE, lab.enter(ring, Sqe.writeFixed(f, a, PAGE, PAGE, 0, 8)).cqes().get(0).res());
        assertEquals(99, filePageValue(lab, f, 1));
        assertOk(lab.unregister(ring));
        assertFalse(lab.k.phys.isAllocated(old), "unregister drops the last reference");
    }

    @ParameterizedTest
    @MethodSource("profiles")
    void importChecks(Profile p) {
        Lab lab = new Lab(p);
        int ring = (int) IoUring.setup(lab.k, lab.t, 16, 0).ret(); // 10 SQEs need a 16-entry SQ ring
        int f = lab.openRw("/mnt/ext4/x", 4 * PAGE);
        // no buffers at all (regbuf-clone): -EFAULT
        assertEquals(-14, lab.enter(ring, Sqe.readFixed(f, 0x10000, 1, 0, 0, 1)).cqes().get(0).res());
        long a = lab.anon(4 * PAGE);
        assertOk(lab.register(ring, iov(a + 100, 2 * PAGE), iov(0, 0)));
        EnterResult r = lab.enter(ring,
                Sqe.readFixed(f, a + 100, 2 * PAGE, 0, 0, 1),       // whole buffer
                Sqe.readFixed(f, a + PAGE, 10, 0, 0, 2),            // any sub-range
                Sqe.readFixed(f, a + 99, 10, 0, 0, 3),              // starts before ubuf
                Sqe.readFixed(f, a + 100, 2 * PAGE + 1, 0, 0, 4),   // ends after
                Sqe.readFixed(f, -1L, 2, 0, 0, 5),                  // addr + len overflows
                Sqe.readFixed(f, a + 100, 1, 0, 2, 6),              // index out of range
                Sqe.readFixed(f, 0, 0, 0, 1, 7),                    // empty slot
                Sqe.readFixed(99, a + 100, 1, 0, 0, 8),             // bad fd
                new Sqe(0, f, 0, 0, 0, 0, 9),                       // IORING_OP_NOP: io_nop() posts 0
                Sqe.writeFixed(f, a + 100, 0, 0, 0, 10));           // zero length
        assertEquals(List.of((int) (2 * PAGE), 10, -14, -14, -14, -14, -14, -9, 0, 0),
                r.cqes().stream().map(Cqe::res).toList());
        assertEquals(10, r.ret());
        // an 8-entry SQ ring takes 8 of them
        int small = lab.ring();
        assertOk(lab.register(small, iov(a, PAGE)));
        Sqe[] ten = new Sqe[10];
        java.util.Arrays.fill(ten, Sqe.readFixed(f, a, 1, 0, 0, 1));
        assertEquals(8, lab.enter(small, ten).ret());
    }

    /** 6.3-6.6 check buf_index at prep, before the file; 6.13+ look the node up at issue, after io_assign_file(). */
    @ParameterizedTest
    @MethodSource("profiles")
    void badFdAndBadIndexOrder(Profile p) {
        Lab lab = new Lab(p);
        int ring = lab.ring();
        int res = lab.enter(ring, Sqe.readFixed(42, 0x10000, 1, 0, 3, 1)).cqes().get(0).res();
        assertEquals(p.ioUringNodeTable() ? -9 : -14, res);
    }

    @ParameterizedTest
    @MethodSource("profiles")
    void fileModeIsCheckedAfterImport(Profile p) {
        Lab lab = new Lab(p);
        int ring = lab.ring();
        long a = lab.anon(PAGE);
        assertOk(lab.register(ring, iov(a, PAGE)));
        int ro = lab.open("/mnt/ext4/ro", OFlag.O_RDONLY.value, PAGE);
        assertEquals(List.of(-9, -14), lab.enter(ring, Sqe.writeFixed(ro, a, PAGE, 0, 0, 1),
                Sqe.writeFixed(ro, a, PAGE + 1, 0, 0, 2)).cqes().stream().map(Cqe::res).toList());
    }

    @Test
    void enterOnBadFds() {
        Lab lab = new Lab(Profile.V6_18);
        assertEquals(Errno.EBADF, IoUring.enter(lab.k, lab.t, 5, List.of()).errno());
        int f = lab.openRw("/mnt/ext4/y", 0);
        assertEquals(Errno.EOPNOTSUPP, IoUring.enter(lab.k, lab.t, f, List.of()).errno());
    }

    @Test
    void devZeroAndShmemHoles() {
        Lab lab = new Lab(Profile.V6_5);
        int ring = lab.ring();
        long a = lab.anon(2 * PAGE);
        lab.write(a, 2 * PAGE, 3);
        assertOk(lab.register(ring, iov(a, 2 * PAGE)));
        int zero = lab.openRw("/dev/zero", 0);
        assertEquals((int) PAGE, lab.enter(ring, Sqe.readFixed(zero, a, PAGE, 0, 0, 1)).cqes().get(0).res());
        assertEquals(0, lab.read(a));
        int m = lab.memfd("m", 2 * PAGE);
        assertEquals((int) PAGE, lab.enter(ring, Sqe.readFixed(m, a + PAGE, PAGE, PAGE, 0, 2)).cqes().get(0).res());
        assertEquals(0, lab.read(a + PAGE));
    }
}
