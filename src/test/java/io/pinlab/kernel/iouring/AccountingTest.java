package io.pinlab.kernel.iouring;

import io.pinlab.kernel.base.Iovec;
import io.pinlab.kernel.Lab;
import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.base.SysResult;
import io.pinlab.kernel.mm.Task;
import io.pinlab.kernel.fs.OpenFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;

import static io.pinlab.kernel.Lab.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * io_buffer_account_pin(), headpage_already_acct(), io_account_mem() / io_unaccount_mem()
 * (io_uring/rsrc.c) and the coalescing that decides nr_bvecs, per profile (io_uring.md 2.3, 2.4).
 */
class AccountingTest {
    static List<Profile> profiles() { return Profile.ALL; }

    /** A hugetlb mapping of {@code n} 2 MiB pages (MAP_SHARED of a MFD_HUGETLB memfd). */
    private static long hugetlb(Lab lab, int n) {
        lab.hugepages(lab.k.defaultHstate.nrHugePages + n);
        long a = lab.map(n * HUGE, RW, MAP_SHARED, lab.memfd("h", MFD_HUGETLB, n * HUGE));
        assertEquals(0, a & (HUGE - 1));
        return a;
    }

    /** Ring charge of the profile (6.18 charges 2 pages for an 8-entry ring). */
    private static long ringPages(Profile p) { return p.ioUringNodeTable() ? 2 : 0; }

    @ParameterizedTest
    @MethodSource("profiles")
    void hugetlbPageIsChargedWholeAndCoalescedToOneBvec(Profile p) {
        Lab lab = new Lab(p);
        int ring = lab.ring();
        long a = hugetlb(lab, 1);
        assertOk(lab.register(ring, iov(a + PAGE, 2 * PAGE)));
        BufferView b = lab.buffers(ring).get(0);
        assertEquals(512, b.accountedPages(), "8 KiB of a 2 MiB page charges 512 pages");
        assertEquals(1, b.nrBvecs(), "two consecutive pages of one folio: one bvec");
        assertEquals(512, lab.t.mm.pinnedVm);
        assertEquals(512 + ringPages(p), lab.lockedVm());
        assertEquals(List.of(b.pfns().get(0), b.pfns().get(0) + 1), b.pfns());
        long head = lab.k.phys.head(b.pfns().get(0));
        assertEquals(1, lab.k.phys.pincount(head), "extra pins dropped by coalescing");
        if (p.ioUringMultiFolioCoalesce()) {
            assertEquals(new BufferView.Bvec(head, PAGE, 2 * PAGE), b.bvecs().get(0), "6.12+: bvec on the folio head, offset includes the page index");
        } else {
            assertEquals(new BufferView.Bvec(head + 1, 0, 2 * PAGE), b.bvecs().get(0));
        }
        assertOk(lab.unregister(ring));
        assertEquals(0, lab.t.mm.pinnedVm);
        assertEquals(ringPages(p), lab.lockedVm());
        assertEquals(0, lab.k.phys.pincount(head));
    }

    /** Two huge pages: one bvec per 4 KiB page before 6.12, one per folio after a8edbb424b13. */
    @ParameterizedTest
    @MethodSource("profiles")
    void multiHugepageBufferBvecs(Profile p) {
        Lab lab = new Lab(p);
        int ring = lab.ring();
        long a = hugetlb(lab, 2);
        assertOk(lab.register(ring, iov(a, 2 * HUGE)));
        BufferView b = lab.buffers(ring).get(0);
        assertEquals(1024, b.accountedPages());
        assertEquals(p.ioUringMultiFolioCoalesce() ? 2 : 1024, b.nrBvecs());
        assertEquals(2 * HUGE, b.bvecs().stream().mapToLong(BufferView.Bvec::len).sum());
        long h0 = lab.k.phys.head(b.pfns().get(0)), h1 = lab.k.phys.head(b.pfns().get(512));
        assertEquals(p.ioUringMultiFolioCoalesce() ? 1 : 512, lab.k.phys.pincount(h0));
        assertEquals(p.ioUringMultiFolioCoalesce() ? 1 : 512, lab.k.phys.pincount(h1));
        assertOk(lab.unregister(ring));
        assertEquals(0, lab.k.phys.pincount(h0));
        assertEquals(0, lab.t.mm.pinnedVm);
    }

    /** bio_vecs of an unaligned small-page buffer: the first from its offset to the page end, the last takes the rest. */
    @ParameterizedTest
    @MethodSource("profiles")
    void bvecLayoutOfAnUnalignedBuffer(Profile p) {
        Lab lab = new Lab(p);
        int ring = lab.ring();
        long a = lab.anon(4 * PAGE);
        assertOk(lab.register(ring, iov(a + 100, 2 * PAGE)));
        BufferView b = lab.buffers(ring).get(0);
        assertEquals(3, b.nrBvecs());
        assertEquals(List.of(new BufferView.Bvec(lab.pfn(a), 100, PAGE - 100), new BufferView.Bvec(lab.pfn(a + PAGE), 0, PAGE),
                new BufferView.Bvec(lab.pfn(a + 2 * PAGE), 0, 100)), b.bvecs());
        assertEquals(3, b.accountedPages());
    }

    /**
     * CVE-2023-2598: the same hugetlb page mapped twice, back to back. All 1024 pages are in one
     * folio but not consecutive, so 776617db78c6 (in 6.3.2+ and every profile here) refuses the
     * single-bvec coalescing that read past the folio. 6.12+ builds one bvec per mapping of the
     * folio; the folio is charged once.
     */
    @ParameterizedTest
    @MethodSource("profiles")
    void samePageMappedTwiceIsNotCoalescedPastTheFolio(Profile p) {
        // 2, not 1: the simulator's hugetlb_reserve_pages() reserves again for the second shared
        // mapping of the same file page (the kernel's region map would not)
        Lab lab = new Lab(p).hugepages(2);
        int ring = lab.ring();
        int fd = lab.memfd("h", MFD_HUGETLB, HUGE);
        long first = lab.map(HUGE, RW, MAP_SHARED, fd);
        long second = lab.map(HUGE, RW, MAP_SHARED, fd);
        assertEquals(first, second + HUGE, "adjacent mappings of the same page");
        assertOk(lab.register(ring, iov(second, 2 * HUGE)));
        BufferView b = lab.buffers(ring).get(0);
        long head = lab.k.phys.head(b.pfns().get(0));
        assertEquals(head, b.pfns().get(512), "page 512 is page 0 again");
        assertEquals(p.ioUringMultiFolioCoalesce() ? 2 : 1024, b.nrBvecs());
        assertEquals(p.ioUringMultiFolioCoalesce() ? 2 : 1024, lab.k.phys.pincount(head));
        for (BufferView.Bvec v : b.bvecs()) assertTrue(v.offset() + v.len() <= (p.ioUringMultiFolioCoalesce() ? HUGE : PAGE), "no bvec runs past its folio or page");
        assertEquals(512, b.accountedPages());
        assertOk(lab.unregister(ring));
        assertEquals(0, lab.k.phys.pincount(head));
    }

    /** A THP (MADV_HUGEPAGE) counts whole too; a mixture of a huge folio and small pages is not coalesced. */
    @ParameterizedTest
    @MethodSource("profiles")
    void thpAndMixedBuffers(Profile p) {
        Lab lab = new Lab(p);
        int ring = lab.ring();
        // not a PMD multiple, so no profile THP-aligns it (6.7+ aligns only PMD-multiple lengths):
        // there is room for a small page below the first 2 MiB boundary
        long a = lab.anon(3 * HUGE + PAGE);
        long h = (a + HUGE - 1) & ~(HUGE - 1);
        assertTrue(h - PAGE >= a, "a small page fits below the THP");
        assertOk(lab.madvise(a, 3 * HUGE + PAGE, MADV_HUGEPAGE));
        assertOk(lab.write(h, PAGE, 1));
        assertTrue(lab.k.phys.isLarge(lab.pfn(h)), "THP fault");
        assertOk(lab.madvise(a, 3 * HUGE + PAGE, MADV_NOHUGEPAGE));
        assertOk(lab.write(h - PAGE, PAGE, 2)); // a small page just below the THP
        assertFalse(lab.k.phys.isLarge(lab.pfn(h - PAGE)));
        assertOk(lab.register(ring, iov(h - PAGE, 3 * PAGE)));
        BufferView b = lab.buffers(ring).get(0);
        assertEquals(1 + 512, b.accountedPages());
        assertEquals(3, b.nrBvecs(), "small page + huge folio: not coalesced (fixed-hugepage 'Should not coalesce')");
    }

    /** last_hpage: consecutive iovecs in one huge page are charged once, in every kernel. */
    @ParameterizedTest
    @MethodSource("profiles")
    void lastHpageDedup(Profile p) {
        Lab lab = new Lab(p);
        int ring = lab.ring();
        long a = hugetlb(lab, 1);
        assertOk(lab.register(ring, iov(a, PAGE), iov(a + PAGE, PAGE), iov(a + 9 * PAGE, PAGE)));
        assertEquals(List.of(512L, 0L, 0L), lab.buffers(ring).stream().map(BufferView::accountedPages).toList());
        assertEquals(512, lab.t.mm.pinnedVm);
    }

    /**
     * headpage_already_acct() over the table: v6.3-6.6 scan ctx->user_bufs, which grows during the
     * call, so A, B, A charges A once; 6.13+ build the table in a local io_rsrc_data, so the
     * second A is charged again (io_uring.md 2.3 [D]).
     */
    @ParameterizedTest
    @MethodSource("profiles")
    void nonAdjacentSameHugepageWithinOneCall(Profile p) {
        Lab lab = new Lab(p);
        int ring = lab.ring();
        long a = hugetlb(lab, 2);
        assertOk(lab.register(ring, iov(a, PAGE), iov(a + HUGE, PAGE), iov(a + PAGE, PAGE)));
        long want = p.ioUringNodeTable() ? 1536 : 1024;
        assertEquals(want, lab.t.mm.pinnedVm);
        assertOk(lab.unregister(ring));
        assertEquals(0, lab.t.mm.pinnedVm, "what was charged is uncharged, per imu");
    }

    /** Across calls (update) every kernel sees the live table: the huge page is not charged again. */
    @ParameterizedTest
    @MethodSource("profiles")
    void updateDedupsAgainstTheTable(Profile p) {
        Lab lab = new Lab(p);
        int ring = lab.ring();
        long a = hugetlb(lab, 1);
        assertOk(lab.register(RegisterArgs.sparse(ring, 2)));
        assertEquals(1, lab.register(RegisterArgs.update(ring, 0, List.of(iov(a, PAGE)), null)).ret());
        assertEquals(1, lab.register(RegisterArgs.update(ring, 1, List.of(iov(a + 5 * PAGE, PAGE)), null)).ret());
        assertEquals(512, lab.t.mm.pinnedVm);
        assertEquals(List.of(512L, 0L), lab.buffers(ring).stream().map(BufferView::accountedPages).toList());
    }

    /** liburing test_iovec_nr: 1024 iovecs on the same 4 KiB page are charged 1024 pages. */
    @ParameterizedTest
    @MethodSource("profiles")
    void smallPagesAreNeverDeduplicated(Profile p) {
        Lab lab = new Lab(p);
        int ring = lab.ring();
        long a = lab.anon(PAGE);
        List<Iovec> iovs = new ArrayList<>();
        for (int i = 0; i < 1024; i++) iovs.add(iov(a, PAGE));
        assertOk(lab.register(RegisterArgs.buffers(ring, iovs)));
        assertEquals(1024, lab.t.mm.pinnedVm);
        assertEquals(1024 + ringPages(p), lab.lockedVm());
        assertEquals(1 + 1024L * 1024, lab.k.phys.refcount(lab.pfn(a)), "1024 FOLL_PINs of GUP_PIN_COUNTING_BIAS");
    }

    /** RLIMIT_MEMLOCK of the registering task against the creator's user counter: -ENOMEM, pages unpinned. */
    @ParameterizedTest
    @MethodSource("profiles")
    void rlimitMemlockEnomem(Profile p) {
        Lab lab = new Lab(p);
        int ring = lab.ring();
        lab.t.rlimitMemlock = (8 + ringPages(p)) * PAGE;
        long a = lab.anon(16 * PAGE);
        assertOk(lab.register(ring, iov(a, 8 * PAGE)));
        assertOk(lab.unregister(ring));
        SysResult r = lab.register(ring, iov(a, 4 * PAGE), iov(a + 4 * PAGE, 5 * PAGE));
        assertErr(Errno.ENOMEM, r);
        assertEquals("__io_account_mem", r.explain().stream().filter(s -> s.outcome().equals("-ENOMEM")).findFirst().orElseThrow().fn());
        assertEquals(0, lab.t.mm.pinnedVm);
        assertEquals(ringPages(p), lab.lockedVm());
        for (int i = 0; i < 9; i++) assertFalse(lab.k.phys.maybeDmaPinned(lab.pfn(a + i * PAGE)));
    }

    /** ctx->user is NULL for a CAP_IPC_LOCK creator: no limit, no locked_vm, but pinned_vm still charged. */
    @ParameterizedTest
    @MethodSource("profiles")
    void capIpcLockSkipsTheLimitButNotPinnedVm(Profile p) {
        Lab lab = new Lab(p);
        Task cap = lab.k.createTask(1, "cap", 1000, true, 0);
        int ring = lab.ring(cap, 8, 0);
        long a = lab.map(cap, 64 * PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1);
        assertOk(lab.register(cap, ring, iov(a, 64 * PAGE)));
        assertEquals(0, lab.k.userLockedVm(1000));
        assertEquals(64, cap.mm.pinnedVm);
    }

    /**
     * The limit is the registering task's rlimit, the counter the ring creator's user, pinned_vm
     * the creator's mm (ctx->mm_account), while the pages come from the registering task's mm.
     */
    @Test
    void chargesGoToTheCreator() {
        Lab lab = new Lab(Profile.V6_5);
        int ring = lab.ring();
        Task other = lab.k.createTask(1, "other", 2000, false, 4 * PAGE);
        OpenFile f = lab.t.fds.get(ring);
        f.refs++;
        other.fds.put(ring, f); // passed over a unix socket, say
        long a = lab.map(other, 8 * PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1);
        assertErr(Errno.ENOMEM, lab.register(other, ring, iov(a, 8 * PAGE)));
        assertOk(lab.register(other, ring, iov(a, 4 * PAGE)));
        assertEquals(4, lab.k.userLockedVm(1000));
        assertEquals(0, lab.k.userLockedVm(2000));
        assertEquals(4, lab.t.mm.pinnedVm);
        assertEquals(0, other.mm.pinnedVm);
    }

    /** io_ring_ctx_free(): close of the last reference unregisters before dropping accounting. */
    @ParameterizedTest
    @MethodSource("profiles")
    void closeReleasesEverything(Profile p) {
        Lab lab = new Lab(p);
        int ring = lab.ring();
        long a = lab.anon(4 * PAGE);
        long h = hugetlb(lab, 1);
        assertOk(lab.register(ring, iov(a, 4 * PAGE), iov(h, HUGE)));
        assertEquals(516, lab.t.mm.pinnedVm);
        assertOk(lab.close(ring));
        assertEquals(0, lab.t.mm.pinnedVm);
        assertEquals(0, lab.lockedVm());
        assertFalse(lab.k.phys.maybeDmaPinned(lab.pfn(a)));
        assertEquals(0, lab.k.phys.pincount(lab.pfn(h)));
    }
}
