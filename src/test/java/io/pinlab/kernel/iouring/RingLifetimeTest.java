package io.pinlab.kernel.iouring;

import io.pinlab.kernel.Lab;
import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.mm.Task;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static io.pinlab.kernel.Lab.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The ring across fork, mprotect and exit: the buffer table belongs to the ctx, the accounting to
 * ctx->user and ctx->mm_account, and io_ring_ctx_free() runs when the last file reference goes.
 */
class RingLifetimeTest {
    static List<Profile> profiles() { return Profile.ALL; }

    private static int fileWithValue(Lab lab, String path, long value) {
        int f = lab.open(path, O_CREAT | O_RDWR, PAGE);
        lab.storeInFile(f, 0, value);
        return f;
    }

    /** Fixed I/O the child submits lands in the parent's pinned pages. */
    @ParameterizedTest
    @MethodSource("profiles")
    void childIoLandsInTheParentsPinnedPages(Profile p) {
        Lab lab = new Lab(p);
        int ring = lab.ring();
        long a = lab.anon(PAGE);
        assertOk(lab.write(a, PAGE, 5));
        long parentPfn = lab.pfn(a);
        assertOk(lab.register(ring, iov(a, PAGE)));
        int f = fileWithValue(lab, "/mnt/ext4/in", 77);
        Task child = lab.fork();
        assertSame(lab.t.fds.get(ring), child.fds.get(ring), "same struct file");
        EnterResult e = lab.enter(child, ring, Sqe.readFixed(f, a, PAGE, 0, 0, 1));
        assertEquals(List.of(new Cqe(1, (int) PAGE, 0)), e.cqes());
        assertEquals(77, lab.k.phys.value(parentPfn));
        assertEquals(77, lab.valueAt(a), "the parent sees the device's data");
        assertEquals(1, lab.t.mm.pinnedVm, "pinned_vm stays on the creator's mm");
        assertEquals(0, child.mm.pinnedVm);
    }

    /** The parent exits while the child still holds the ring: nothing is released until the child's last fput(). */
    @ParameterizedTest
    @MethodSource("profiles")
    void accountingFollowsTheRingNotTheProcess(Profile p) {
        Lab lab = new Lab(p);
        int ring = lab.ring();
        long a = lab.anon(4 * PAGE);
        assertOk(lab.register(ring, iov(a, 4 * PAGE)));
        long pfn = lab.pfn(a);
        Task child = lab.fork();
        var parentMm = lab.t.mm;
        assertOk(lab.exit(lab.t));
        assertEquals(4, parentMm.pinnedVm, "ctx->mm_account is held by mmgrab()");
        assertEquals(4 + (p.ioUringNodeTable() ? 2 : 0), lab.k.userLockedVm(1000));
        assertTrue(lab.k.phys.maybeDmaPinned(pfn));
        assertEquals(1, IoUring.buffers(lab.k, child, ring).size());
        assertOk(lab.exit(child));
        assertEquals(0, parentMm.pinnedVm);
        assertEquals(0, lab.k.userLockedVm(1000));
    }

    /** mprotect(PROT_READ) after registration: io_uring does not re-validate, the device still writes. */
    @ParameterizedTest
    @MethodSource("profiles")
    void mprotectDoesNotStopTheDevice(Profile p) {
        Lab lab = new Lab(p);
        int ring = lab.ring();
        long a = lab.anon(PAGE);
        assertOk(lab.write(a, PAGE, 1));
        assertOk(lab.register(ring, iov(a, PAGE)));
        assertOk(lab.mprotect(a, PAGE, PROT_READ));
        int f = fileWithValue(lab, "/mnt/ext4/in", 31);
        assertEquals((int) PAGE, lab.enter(ring, Sqe.readFixed(f, a, PAGE, 0, 0, 1)).cqes().get(0).res());
        assertEquals(31, lab.valueAt(a));
        assertFalse(lab.write(a, 1, 2).ok(), "the process itself may not write");
    }

    @ParameterizedTest
    @MethodSource("profiles")
    void exitOfTheOnlyHolderFreesTheRing(Profile p) {
        Lab lab = new Lab(p);
        lab.hugepages(1);
        int ring = lab.ring();
        long h = lab.map(HUGE, RW, MAP_SHARED, lab.memfd("h", MFD_HUGETLB, HUGE));
        assertOk(lab.register(ring, iov(h, HUGE)));
        long head = lab.k.phys.head(lab.pfn(h));
        var mm = lab.t.mm;
        assertOk(lab.exit(lab.t));
        assertEquals(0, mm.pinnedVm);
        assertEquals(0, lab.k.userLockedVm(1000));
        assertEquals(0, lab.k.defaultHstate.inUse, "the hugetlb page went back to the pool");
        assertFalse(lab.k.phys.isAllocated(head));
    }

    @ParameterizedTest
    @MethodSource("profiles")
    void singleIssuerRingRefusesTheChild(Profile p) {
        Lab lab = new Lab(p);
        int ring = (int) lab.ioUringSetup(8, SetupFlag.IORING_SETUP_SINGLE_ISSUER.value).ret();
        Task child = lab.fork();
        assertErr(Errno.EEXIST, lab.register(child, RegisterArgs.unregister(ring)));
        assertErr(Errno.EEXIST, lab.enter(child, ring, Sqe.readFixed(0, 0, 0, 0, 0, 1)));
        assertErr(Errno.ENXIO, lab.register(RegisterArgs.unregister(ring)));
    }
}
