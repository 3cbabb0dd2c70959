package io.pinlab.kernel.mm;

import io.pinlab.kernel.KernelSnapshot;
import io.pinlab.kernel.Lab;
import io.pinlab.kernel.base.Profile;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;
import org.junit.jupiter.api.Test;


import static io.pinlab.kernel.Lab.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * mm/hugetlb.c hugetlb_wp() on a private hugetlb page a fork shares, when the pool has no page for
 * the copy: alloc_hugetlb_folio() gives -ENOSPC (vmf_error(): VM_FAULT_SIGBUS) to a VMA without
 * reservations (the child), while the VMA that made them (HPAGE_RESV_OWNER, the parent's mmap)
 * takes the page back from the children with unmap_ref_private() and reuses it; a child that
 * then faults there gets SIGBUS (hugetlb_no_page(): HPAGE_RESV_UNMAPPED). The same in 6.3, 6.5
 * and 6.18 (the 6.3 tree has the same hugetlb_wp()/hugetlb_no_page() checks; its allocation
 * flag is called outside_reserve).
 */
class HugetlbCowTest {
    /** A pool of {@code pool} huge pages; one written by the parent's private mapping, shared with a forked child. */
    private record Shared(Lab f, long a, long head, Task child) {}

    private static Shared shared(Profile p) { return shared(p, 1); }

    private static Shared shared(Profile p, int pool) {
        Lab f = new Lab(p).hugepages(pool);
        long a = assertOk(f.mmap(0, HUGE, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0));
        assertTrue(f.write(a, HUGE, 4).ok());
        long head = f.pfn(a);
        Task child = f.fork();
        assertEquals(head, f.pfn(child, a));
        assertEquals(pool - 1, f.k.defaultHstate.freeHugePages());
        return new Shared(f, a, head, child);
    }

    // hugetlb_wp(): cow_from_owner (HPAGE_RESV_OWNER, an anon folio) -> unmap_ref_private() -> retry_avoidcopy
    @ParameterizedTest
    @FieldSource("io.pinlab.kernel.base.Profile#ALL")
    void theOwnerTakesThePageBackFromTheChild(Profile p) {
        Shared s = shared(p);
        AccessResult w = s.f().write(s.a() + PAGE, 1, 5);
        assertTrue(w.ok(), w.toString());
        assertEquals(s.head(), s.f().pfn(s.a()), "the owner reuses the page, no copy");
        assertEquals(1, s.f().k.phys.mapcount(s.head()));
        assertEquals(0, Memory.followPte(s.child().mm, s.a()), "the child's mapping is gone");
        assertEquals(0, s.child().mm.rssAnon);
        assertEquals(5, s.f().valueAt(s.a() + PAGE));
        // hugetlb_no_page(): HPAGE_RESV_UNMAPPED -> VM_FAULT_SIGBUS, "killed due to inadequate hugepage pool"
        AccessResult r = s.f().read(s.child(), s.a(), 1);
        assertEquals("SIGBUS", r.signal());
    }

    // hugetlb_wp() in the child (no reservation of its own): alloc_hugetlb_folio() -> -ENOSPC ->
    // vmf_error() = VM_FAULT_SIGBUS; the parent keeps its mapping and the child its read access
    @ParameterizedTest
    @FieldSource("io.pinlab.kernel.base.Profile#ALL")
    void theChildsCopyFailsWithSigbus(Profile p) {
        Shared s = shared(p);
        AccessResult w = s.f().write(s.child(), s.a(), 1, 6);
        assertEquals("SIGBUS", w.signal());
        assertEquals(s.head(), s.f().pfn(s.child(), s.a()));
        assertEquals(4, s.f().valueAt(s.a()));
        assertTrue(s.f().read(s.child(), s.a(), 1).ok());
    }

    // with a page free, hugetlb_wp() copies as before: both keep their data, nobody is unmapped
    @Test
    void withAFreePageTheOwnerCopies() {
        Shared s = shared(Profile.V6_18, 2);
        Lab f = s.f();
        long a = s.a(), head = s.head();
        Task child = s.child();
        assertTrue(f.write(a, 1, 5).ok());
        assertNotEquals(head, f.pfn(a));
        assertEquals(head, f.pfn(child, a));
        assertTrue(f.read(child, a, 1).ok());
    }

    // KernelSnapshot keeps HPAGE_RESV_OWNER and HPAGE_RESV_UNMAPPED (vm_private_data's flags)
    @Test
    void snapshotKeepsTheReservationFlags() {
        Shared s = shared(Profile.V6_18);
        assertTrue(s.f().write(s.a(), 1, 5).ok());
        byte[] bytes = KernelSnapshot.write(s.f().k);
        Lab g = new Lab(KernelSnapshot.read(bytes));
        assertArrayEquals(bytes, KernelSnapshot.write(g.k));
        Task child = g.k.task(s.child().pid);
        assertEquals("SIGBUS", g.read(child, s.a(), 1).signal());
        assertEquals(Hugetlb.HPAGE_RESV_OWNER, g.t.mm.vmaLookup(s.a()).hugeResvFlags);
    }
}
