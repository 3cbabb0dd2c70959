package io.pinlab.kernel.mm;

import io.pinlab.kernel.base.VirtAddr;
import io.pinlab.kernel.Kernel;
import io.pinlab.kernel.Sysctl;
import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.base.SysResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import java.util.List;

import static io.pinlab.kernel.mm.PhysMem.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * mremap(2), each expectation from mm/mremap.c: the 6.3.8/6.5.0 SYSCALL_DEFINE5(mremap),
 * vma_to_resize(), mremap_to(), move_vma(), and the 6.17+ rework in the 6.18 tree
 * (check_mremap_params(), check_prep_vma(), remap_move(), move_page_tables()).
 */
class MremapTest {
    static final List<Profile> ALL = Profile.ALL;
    static final List<Profile> OLD = List.of(Profile.V6_3, Profile.SEED, Profile.V6_4, Profile.V6_5);
    static final long PAGE = PAGE_SIZE, HUGE = HPAGE_SIZE;
    static final int RW = 3, R = 1, PRIVATE = 0x02, SHARED = 0x01, ANON = 0x20, FIXED_MAP = 0x10, HUGETLB = 0x40000;
    static final int MAYMOVE = 1, FIXED = 2, DONTUNMAP = 4;

    /** One v6.x kernel and its pid 1. */
    static final class M {
        final Kernel k;
        final Task t;

        M(Profile p) {
            k = new Kernel(p, false);
            t = k.task(1);
        }

        long map(long len, int prot, int flags) {
            SysResult r = Mmap.doMmap(k, t, VirtAddr.of(0), len, prot, flags, -1, 0);
            assertNull(r.errno(), r.toString());
            return r.ret();
        }

        long anon(long pages) { return map(pages * PAGE, RW, PRIVATE | ANON); }

        void write(long addr, long len, long v) { assertTrue(UserAccess.access(k, t, VirtAddr.of(addr), len, true, v).ok()); }

        long read(long addr) { return UserAccess.access(k, t, VirtAddr.of(addr), 1, false, null).values().get(0); }

        SysResult mremap(long addr, long oldLen, long newLen, int flags, long newAddr) {
            return Mremap.doMremap(k, t, VirtAddr.of(addr), oldLen, newLen, flags, VirtAddr.of(newAddr));
        }

        long pte(long addr) { return Memory.followPte(t.mm, addr); }

        long pfn(long addr) { return Pte.pfn(pte(addr)); }

        /** A 2 MiB-aligned THP-eligible range of one huge page (MADV_HUGEPAGE). */
        long thpRange() {
            long raw = anon(2 * HPAGE_NR);
            long a = (raw + HUGE - 1) & ~(HUGE - 1);
            assertEquals(0, Madvise.doMadvise(k, t, VirtAddr.of(a), HUGE, Madv.MADV_HUGEPAGE.value).ret());
            return a;
        }
    }

    static void err(Errno e, SysResult r) {
        assertEquals(e, r.errno(), r.explain().toString());
        assertEquals(e.neg(), r.ret());
    }

    // ------------------------------------------------------------ errno rules common to all profiles

    @ParameterizedTest @FieldSource("ALL")
    void argumentRules(Profile p) { // check_mremap_params() (6.18) / SYSCALL_DEFINE5(mremap) (6.3-6.5)
        M m = new M(p);
        long a = m.anon(4), b = m.anon(4);
        m.write(a, 4 * PAGE, 1);
        err(Errno.EINVAL, m.mremap(a + 1, PAGE, PAGE, MAYMOVE, 0));                 // offset_in_page(addr)
        err(Errno.EINVAL, m.mremap(a, PAGE, 0, MAYMOVE, 0));                        // !new_len
        err(Errno.EINVAL, m.mremap(a, PAGE, PAGE, 8, 0));                           // unknown flag bit
        err(Errno.EINVAL, m.mremap(a, PAGE, PAGE, FIXED, b));                       // MREMAP_FIXED without MREMAP_MAYMOVE
        err(Errno.EINVAL, m.mremap(a, PAGE, 2 * PAGE, MAYMOVE | DONTUNMAP, 0));     // MREMAP_DONTUNMAP resizing
        err(Errno.EINVAL, m.mremap(a, 2 * PAGE, 2 * PAGE, MAYMOVE | FIXED, a + PAGE)); // old and new overlap
        err(Errno.EINVAL, m.mremap(a, PAGE, PAGE, MAYMOVE | FIXED, b + 1));         // new_addr not page aligned
        err(Errno.EINVAL, m.mremap(a, 0, PAGE, MAYMOVE, 0));                        // old_len 0 on a private mapping
        assertEquals(0, Mmap.doMunmap(m.k, m.t, VirtAddr.of(b), 4 * PAGE).ret());
        err(Errno.EFAULT, m.mremap(b, PAGE, 2 * PAGE, MAYMOVE, 0));                 // vma_lookup() finds nothing
        assertEquals(4, m.t.mm.vmaLookup(a).pages(), "failed calls changed nothing");
    }

    @ParameterizedTest @FieldSource("ALL")
    void growingNeedsSpaceOrMaymove(Profile p) { // expand_vma(): vma_expandable() or MREMAP_MAYMOVE, else -ENOMEM
        M m = new M(p);
        long c = m.anon(8);
        assertEquals(0, Mmap.doMunmap(m.k, m.t, VirtAddr.of(c + 2 * PAGE), PAGE).ret()); // [c, c+2) hole [c+3, c+8)
        m.write(c, 2 * PAGE, 7);
        long p0 = m.pfn(c);
        err(Errno.ENOMEM, m.mremap(c, 2 * PAGE, 4 * PAGE, 0, 0));
        err(Errno.EFAULT, m.mremap(c, 4 * PAGE, 8 * PAGE, MAYMOVE, 0)); // check_prep_vma(): old_len > vm_end - addr
        long n = m.mremap(c, 2 * PAGE, 4 * PAGE, MAYMOVE, 0).ret();
        assertNotEquals(c, n);
        assertEquals(p0, m.pfn(n), "move_page_tables() carries the frame");
        assertEquals(7, m.read(n + PAGE));
        assertNull(m.t.mm.vmaLookup(c), "unmap_source_vma()");
        assertEquals(4, m.t.mm.vmaLookup(n).pages());
    }

    @ParameterizedTest @FieldSource("ALL")
    void growsInPlaceIntoAFreeGapAndShrinksInPlace(Profile p) { // vrm_can_expand_in_place() / shrink_vma()
        M m = new M(p);
        long d = m.anon(4);
        assertEquals(0, Mmap.doMunmap(m.k, m.t, VirtAddr.of(d + PAGE), 3 * PAGE).ret());
        m.write(d, PAGE, 3);
        long p0 = m.pfn(d);
        assertEquals(d, m.mremap(d, PAGE, 3 * PAGE, 0, 0).ret());
        assertEquals(d + 3 * PAGE, m.t.mm.vmaLookup(d).end);
        assertEquals(p0, m.pfn(d));
        m.write(d, 3 * PAGE, 4);
        long tail = m.pfn(d + 2 * PAGE);
        assertEquals(d, m.mremap(d, 3 * PAGE, PAGE, 0, 0).ret());
        assertNull(m.t.mm.vmaLookup(d + PAGE));
        assertFalse(m.k.phys.isAllocated(tail), "the tail page was freed with its mapping");
        assertEquals(d, m.mremap(d, PAGE, PAGE, 0, 0).ret(), "same size: nothing to do");
    }

    // ------------------------------------------------------------ where the 6.17 rework differs

    @ParameterizedTest @FieldSource("ALL")
    void newAddressIsCheckedBeforeTheVmaOnlySinceTheRework(Profile p) {
        // 6.18 check_mremap_params() rejects the unaligned new_addr before any VMA lookup (-EINVAL);
        // 6.3-6.5 vma_lookup() comes first (-EFAULT), mremap_to() checks new_addr later
        M m = new M(p);
        long a = m.anon(4), b = m.anon(4);
        assertEquals(0, Mmap.doMunmap(m.k, m.t, VirtAddr.of(b), 4 * PAGE).ret());
        err(p.mremapMultiVma() ? Errno.EINVAL : Errno.EFAULT, m.mremap(b, PAGE, PAGE, MAYMOVE | FIXED, a + 1));
    }

    @ParameterizedTest @FieldSource("ALL")
    void fixedMoveAcrossTwoVmasOnlySinceTheRework(Profile p) {
        // 6.18 remap_move(): a move-only MREMAP_FIXED moves every VMA of the range; 6.3-6.5 vma_to_resize():
        // old_len > vma->vm_end - addr -> -EFAULT. Resizing across VMAs is -EFAULT in both.
        M m = new M(p);
        long two = m.anon(4), dst = m.anon(8);
        m.write(two, 4 * PAGE, 9);
        long p3 = m.pfn(two + 3 * PAGE);
        assertEquals(0, Mprotect.doMprotect(m.k, m.t, VirtAddr.of(two + 2 * PAGE), 2 * PAGE, R).ret());
        SysResult r = m.mremap(two, 4 * PAGE, 4 * PAGE, MAYMOVE | FIXED, dst);
        if (p.mremapMultiVma()) {
            assertEquals(dst, r.ret());
            assertEquals(p3, m.pfn(dst + 3 * PAGE));
            assertEquals("rw-p", m.t.mm.vmaLookup(dst).perms());
            assertEquals("r--p", m.t.mm.vmaLookup(dst + 2 * PAGE).perms());
            assertNull(m.t.mm.vmaLookup(two));
            err(Errno.EFAULT, m.mremap(dst, 4 * PAGE, 8 * PAGE, MAYMOVE, 0));
        } else {
            err(Errno.EFAULT, r);
            assertEquals(p3, m.pfn(two + 3 * PAGE), "nothing moved");
        }
    }

    // ------------------------------------------------------------ page tables move with the pages

    @ParameterizedTest @FieldSource("ALL")
    void aPinnedPageMovesWithItsPinAndFrame(Profile p) { // move_ptes(): the PTE moves, the folio is not touched
        M m = new M(p);
        long f = m.anon(4), to = m.anon(4);
        m.write(f, 4 * PAGE, 5);
        GupResult g = GupTest.call(m.k, m.t, GupRequest.of(GupCall.pin_user_pages, VirtAddr.of(f + PAGE), 2,
                FollFlag.FOLL_WRITE.value() | FollFlag.FOLL_LONGTERM.value()));
        assertEquals(2, g.ret(), g.toString());
        long p1 = m.pfn(f + PAGE);
        int ref = m.k.phys.refcount(p1);
        assertTrue(m.k.phys.maybeDmaPinned(p1));
        assertEquals(to, m.mremap(f, 4 * PAGE, 4 * PAGE, MAYMOVE | FIXED, to).ret());
        assertEquals(p1, m.pfn(to + PAGE));
        assertEquals(ref, m.k.phys.refcount(p1), "refcount (pin bias included) unchanged");
        assertEquals(1, m.k.phys.mapcount(p1));
        assertTrue(m.k.phys.testPageFlag(p1, PG_ANON_EXCLUSIVE), "PageAnonExclusive stays");
        assertEquals(0, m.pte(f + PAGE), "old range unmapped");
        assertEquals(5, m.read(to + PAGE));
    }

    @ParameterizedTest @FieldSource("ALL")
    void dontunmapLeavesAnEmptyOldRange(Profile p) { // dontunmap_complete(); allowed on any mapping but VM_DONTEXPAND/VM_PFNMAP since 5.13
        M m = new M(p);
        long u = m.anon(2);
        m.write(u, 2 * PAGE, 6);
        long u0 = m.pfn(u);
        long n = m.mremap(u, 2 * PAGE, 2 * PAGE, MAYMOVE | DONTUNMAP, 0).ret();
        assertTrue(n > 0);
        assertEquals(u0, m.pfn(n));
        assertNotNull(m.t.mm.vmaLookup(u), "the old VMA stays");
        assertEquals(0, m.pte(u));
        assertEquals(0, m.read(u), "anonymous: the next fault sees zeroes");

        long sh = m.map(2 * PAGE, RW, SHARED | ANON);
        m.write(sh, PAGE, 8);
        long s2 = m.mremap(sh, 2 * PAGE, 2 * PAGE, MAYMOVE | DONTUNMAP, 0).ret();
        assertTrue(s2 > 0);
        assertEquals(8, m.read(sh), "shmem: the next fault finds the page-cache page again");
        assertEquals(m.pfn(sh), m.pfn(s2));
    }

    @ParameterizedTest @FieldSource("ALL")
    void aWholeThpMovesAsOnePmd(Profile p) { // move_page_tables(): extent == HPAGE_PMD_SIZE -> move_huge_pmd()
        M m = new M(p);
        long a = m.thpRange(), dst = m.thpRange();
        m.write(a, HUGE, 1);
        assertTrue(Memory.pmdMapped(m.t.mm, a));
        long head = m.pfn(a);
        assertEquals(dst, m.mremap(a, HUGE, HUGE, MAYMOVE | FIXED, dst).ret());
        assertTrue(Memory.pmdMapped(m.t.mm, dst));
        assertEquals(head, m.pfn(dst));
        assertEquals(1, m.k.phys.mapcount(head));
    }

    @ParameterizedTest @FieldSource("ALL")
    void halfAThpSplitsThePmdAndMovesPtes(Profile p) { // move_page_tables(): extent < PMD -> split_huge_pmd(), move_ptes()
        M m = new M(p);
        long h = m.thpRange(), dst = m.thpRange();
        m.write(h, HUGE, 2);
        long head = m.pfn(h);
        assertEquals(dst, m.mremap(h + HUGE / 2, HUGE / 2, HUGE / 2, MAYMOVE | FIXED, dst).ret());
        assertFalse(Memory.pmdMapped(m.t.mm, h), "source PMD split");
        assertFalse(Memory.pmdMapped(m.t.mm, dst));
        assertEquals(head + 256, m.pfn(dst));
        assertEquals(head, m.pfn(h));
        assertEquals(HPAGE_ORDER, m.k.phys.order(m.pfn(dst)), "still one order-9 folio, now PTE-mapped in two places");
        assertEquals(HPAGE_NR, m.k.phys.mapcount(head));
        assertEquals(0, m.pte(h + HUGE / 2));
        assertEquals(2, m.read(dst + 5 * PAGE));
    }

    @ParameterizedTest @FieldSource("ALL")
    void hugetlbMustBeHugeAlignedAndNeverGrows(Profile p) { // align_hugetlb() / the hugetlb block of SYSCALL_DEFINE5(mremap)
        M m = new M(p);
        assertNull(Sysctl.set(m.k, "vm.nr_hugepages", 4).errno());
        long hp = m.map(2 * HUGE, RW, PRIVATE | ANON | HUGETLB);
        m.write(hp, 1, 1);
        long head = m.pfn(hp);
        long free = m.anon(6 * HPAGE_NR);
        long dst = (free + HUGE - 1) & ~(HUGE - 1);
        err(Errno.EINVAL, m.mremap(hp, HUGE, 3 * HUGE, MAYMOVE, 0));
        err(Errno.EINVAL, m.mremap(hp, HUGE, HUGE, MAYMOVE | FIXED, dst + PAGE));
        long reserved = m.k.defaultHstate.resvHugePages;
        assertEquals(dst, m.mremap(hp, HUGE, HUGE, MAYMOVE | FIXED, dst).ret());
        assertEquals(head, m.pfn(dst));
        assertTrue(Memory.pmdMapped(m.t.mm, dst));
        assertEquals(reserved, m.k.defaultHstate.resvHugePages, "the unfaulted second page stays reserved");
    }

    @ParameterizedTest @FieldSource("ALL")
    void dontunmapOfALockedMappingAndLockedVm(Profile p) {
        // old VMA loses VM_LOCKED, locked_vm is not reduced (dontunmap_complete()); 6.18 move_vma() ->
        // vrm_stat_account() added the new VMA's pages first, 6.3-6.5 move_vma() returned before its locked_vm step
        M m = new M(p);
        long l = m.map(2 * PAGE, RW, PRIVATE | ANON | 0x2000);
        long before = m.t.mm.lockedVm;
        long n = m.mremap(l, 2 * PAGE, 2 * PAGE, MAYMOVE | DONTUNMAP, 0).ret();
        assertTrue(n > 0);
        assertFalse(m.t.mm.vmaLookup(l).has(VmFlag.VM_LOCKED_B));
        assertTrue(m.t.mm.vmaLookup(n).has(VmFlag.VM_LOCKED_B));
        assertEquals(before + (p.mremapMultiVma() ? 2 : 0), m.t.mm.lockedVm);
    }

    @Test
    void mlockedGrowthIsPopulatedAndCounted() { // populate_expand: mm_populate() of the new part; vrm_stat_account() adds to locked_vm
        M m = new M(Profile.V6_18);
        long l = m.map(PAGE, RW, PRIVATE | ANON | 0x2000);
        assertEquals(0, Mmap.doMunmap(m.k, m.t, VirtAddr.of(l + PAGE), 3 * PAGE).ret());
        long locked = m.t.mm.lockedVm;
        assertEquals(l, m.mremap(l, PAGE, 3 * PAGE, 0, 0).ret());
        assertEquals(locked + 2, m.t.mm.lockedVm);
        assertTrue(Pte.present(m.pte(l + 2 * PAGE)), "populated");
    }
}
