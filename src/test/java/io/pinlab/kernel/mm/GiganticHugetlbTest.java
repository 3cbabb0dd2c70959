package io.pinlab.kernel.mm;

import io.pinlab.kernel.Kernel;
import io.pinlab.kernel.KernelSnapshot;
import io.pinlab.kernel.Lab;
import io.pinlab.kernel.Sysctl;
import io.pinlab.kernel.Views;
import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Profile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static io.pinlab.kernel.Lab.*;
import static io.pinlab.kernel.mm.GupCall.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The 1 GiB hstate: its pool (/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages),
 * MAP_HUGETLB|MAP_HUGE_1GB mappings mapped by PUD leaves, GUP and pins on the gigantic folio, fork,
 * munmap alignment and io_uring registration. Expected values follow the kernel functions cited.
 */
class GiganticHugetlbTest {
    static final long GIG = 1L << 30;
    /** MAP_HUGE_1GB = 30 << MAP_HUGE_SHIFT (include/uapi/asm-generic/hugetlb_encode.h); 2 MiB is 21. */
    static final int MAP_HUGE_1GB = 30 << 26;
    static final int ANON_1G = MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_1GB;

    static List<Profile> profiles() { return Profile.ALL; }

    static Lab gigLab(int pages) {
        Lab lab = new Lab();
        assertOk(lab.sysctl(Sysctl.NR_HUGEPAGES_1G, pages));
        assertEquals(pages, lab.k.gigantic.nrHugePages);
        return lab;
    }

    // set_max_huge_pages() on the 1 GiB hstate: the 2 MiB pool (vm.nr_hugepages) is another hstate
    @Test
    void theOneGigPoolIsItsOwnHstate() {
        Lab lab = gigLab(2);
        assertEquals(0, lab.k.defaultHstate.nrHugePages);
        assertEquals(2, Sysctl.get(lab.k, Sysctl.NR_HUGEPAGES_1G));
        assertEquals(0, Sysctl.get(lab.k, "vm.nr_hugepages"));
        lab.hugepages(3);
        assertEquals(3, Sysctl.get(lab.k, Sysctl.NR_HUGEPAGES_2M), "hugepages-2048kB is the default hstate, as vm.nr_hugepages");
        assertEquals(2, lab.k.gigantic.nrHugePages);
    }

    // nr_hugepages_store(): kstrtoul() refuses a negative number
    @Test
    void aNegativePoolSizeIsEinval() {
        Lab lab = new Lab();
        assertErr(Errno.EINVAL, "nr_hugepages_store", lab.sysctl(Sysctl.NR_HUGEPAGES_1G, -1));
    }

    // set_max_huge_pages(): growing stops at the first failed alloc_gigantic_folio(); the NORMAL zone holds 4 GiB
    @Test
    void thePoolKeepsWhatFitsInTheZone() {
        Lab lab = new Lab();
        assertOk(lab.sysctl(Sysctl.NR_HUGEPAGES_1G, 100));
        assertEquals(4, lab.k.gigantic.nrHugePages, "4 GiB of ZONE_NORMAL: four 1 GiB ranges");
    }

    // ksys_mmap_pgoff(): len = ALIGN(len, huge_page_size(hstate_sizelog(30))); hugetlb_get_unmapped_area() aligns the address
    @Test
    void mapHuge1gbRoundsTheLengthAndAlignsTheAddress() {
        Lab lab = gigLab(1);
        long a = lab.map(4096, RW, ANON_1G, -1);
        assertEquals(0, a & (GIG - 1), "1 GiB aligned");
        Vma v = lab.vma(a);
        assertEquals(GIG, v.end - v.start, "length rounded to 1 GiB");
        assertEquals(1, lab.k.gigantic.resvHugePages, "hugetlb_reserve_pages(): a private mapping reserves its page");
        assertEquals(0, lab.k.gigantic.inUse);
    }

    // hstate_sizelog(): no hstate of 2^25 bytes -> -EINVAL
    @Test
    void anUnknownSizeLogIsEinval() {
        Lab lab = gigLab(1);
        assertErr(Errno.EINVAL, "ksys_mmap_pgoff", lab.mmap(0, GIG, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | (25 << 26), -1, 0));
    }

    // hugetlb_reserve_pages() -> hugetlb_acct_memory(): two pages asked, one in the 1 GiB pool -> -ENOMEM,
    // although the 2 MiB pool has plenty
    @Test
    void reservationFailsWhenThe1gPoolIsShort() {
        Lab lab = gigLab(1).hugepages(1024);
        assertErr(Errno.ENOMEM, "hugetlb_reserve_pages", lab.mmap(0, 2 * GIG, RW, ANON_1G, -1, 0));
        assertEquals(0, lab.k.gigantic.resvHugePages);
    }

    // hugetlb_fault() -> hugetlb_no_page(): one gigantic folio mapped by a PUD leaf; pagemap shows its 262144 pfns in a row
    @Test
    void aFaultMapsOneGiganticFolioWithAPud() {
        Lab lab = gigLab(1);
        long a = lab.map(GIG, RW, ANON_1G, -1);
        assertOk(lab.write(a + 5 * PAGE, 8, 42));
        long pud = lab.t.mm.puds.get(a >>> 30);
        assertNotEquals(0, pud, "a PUD leaf");
        assertTrue(lab.t.mm.pmds.isEmpty() && lab.t.mm.ptes.isEmpty(), "no PMD or PTE below it");
        long head = Pte.pfn(pud);
        assertEquals(0, head & (PhysMem.PUD_NR - 1), "the folio is 1 GiB aligned in physical memory");
        assertEquals(PhysMem.PUD_ORDER, lab.k.phys.order(head));
        assertEquals(head + 5, lab.pfn(a + 5 * PAGE));
        assertEquals(head + PhysMem.PUD_NR - 1, lab.pfn(a + GIG - PAGE));
        assertEquals(42, lab.valueAt(a + 5 * PAGE));
        assertEquals(1, lab.k.gigantic.inUse);
        assertEquals(0, lab.k.gigantic.resvHugePages, "the fault consumed the reservation");
        assertEquals(PhysMem.PUD_NR, lab.t.mm.rssAnon);
        var pm = Views.pagemap(lab.k, lab.t, a + GIG - 2 * PAGE, 2 * PAGE);
        assertEquals(head + PhysMem.PUD_NR - 2, pm.get(0).pfn());
        assertEquals(PhysMem.PUD_ORDER, pm.get(1).folio().order());
    }

    // a gigantic folio costs what is touched: its head pageblock, and one more per written 2 MiB stretch
    @Test
    void aGiganticFolioCostsWhatIsTouched() {
        Lab lab = gigLab(1);
        long a = lab.map(GIG, RW, ANON_1G, -1);
        long before = lab.k.phys.blocks();
        assertOk(lab.write(a, 8, 1));
        assertEquals(before + 1, lab.k.phys.blocks(), "only the head's pageblock");
        assertOk(lab.write(a + 512 * PAGE * 7, 8, 1));
        assertEquals(before + 2, lab.k.phys.blocks(), "one more for the written tail stretch");
        assertOk(lab.munmap(a, GIG));
        assertEquals(before, lab.k.phys.blocks(), "free_huge_folio(): every block of the region goes");
        assertEquals(0, lab.k.gigantic.inUse);
    }

    // hugetlb_vm_op_split(): a 1 GiB hugetlb VMA splits only at 1 GiB boundaries
    @Test
    void munmapOfHalfAGigantPageIsEinval() {
        Lab lab = gigLab(2);
        long a = lab.map(2 * GIG, RW, ANON_1G, -1);
        assertErr(Errno.EINVAL, "hugetlb_vm_op_split", lab.munmap(a, GIG / 2));
        assertOk(lab.munmap(a, GIG));
        assertEquals(1, lab.k.gigantic.resvHugePages, "the surviving VMA keeps its page reserved");
    }

    // follow_huge_pud() (6.10+): the slow path pins the folio once per page, and jumps through the PUD (page_mask)
    @ParameterizedTest
    @MethodSource("profiles")
    void pinUserPagesPinsTheGiganticFolio(Profile p) {
        Lab lab = new Lab(p, true); // with ZONE_MOVABLE: user pages would land there, hugetlb pages do not
        assertOk(lab.sysctl(Sysctl.NR_HUGEPAGES_1G, 1));
        long a = lab.map(GIG, RW, ANON_1G, -1);
        lab.touch(a, 1, true);
        long head = Pte.pfn(lab.t.mm.puds.get(a >>> 30));
        var r = lab.gup(pin_user_pages, a + 3 * PAGE, 4, FOLL_WRITE | FOLL_LONGTERM);
        assertEquals(4, assertOk(r));
        // try_grab_folio(FOLL_PIN) on a large folio: refcount += refs and _pincount += refs
        assertEquals(4, lab.pincount(head));
        assertEquals(1 + 4, lab.ref(head), "the mapping's reference plus one per pinned page");
        assertEquals(head + 3, r.pin().pfns()[0]);
        assertEquals(1, lab.k.gigantic.inUse);
        // htlb_alloc_mask() is not movable (hugepages_treat_as_movable = 0): folio_is_longterm_pinnable(),
        // so check_and_migrate_movable_pages() leaves the folio where it is
        assertEquals(Zone.NORMAL, lab.k.phys.zone(head));
        assertEquals(head, Pte.pfn(lab.t.mm.puds.get(a >>> 30)), "not migrated");
    }

    // gup_fast_pud_leaf(): gup-fast pins across a present writable PUD without the slow path
    @Test
    void pinUserPagesFastWalksThePud() {
        Lab lab = gigLab(1);
        long a = lab.map(GIG, RW, ANON_1G, -1);
        assertOk(lab.write(a, 8, 1));
        var r = lab.gup(pin_user_pages_fast, a + GIG - 8 * PAGE, 8, FOLL_WRITE);
        assertEquals(8, assertOk(r));
        long head = Pte.pfn(lab.t.mm.puds.get(a >>> 30));
        assertEquals(8, lab.pincount(head));
        assertEquals(head + PhysMem.PUD_NR - 8, r.pin().pfns()[0]);
    }

    // the last unpin after munmap: free_huge_folio() gives the page back to the 1 GiB pool
    @Test
    void theLastUnpinReturnsThePageToItsPool() {
        Lab lab = gigLab(1);
        long a = lab.map(GIG, RW, ANON_1G, -1);
        var pin = lab.gup(pin_user_pages, a, 1, FOLL_WRITE).pin();
        assertOk(lab.munmap(a, GIG));
        assertEquals(1, lab.k.gigantic.inUse, "still pinned");
        assertOk(lab.release(pin.id(), PinRelease.unpin_user_pages, false));
        assertEquals(0, lab.k.gigantic.inUse);
        assertEquals(0, lab.k.defaultHstate.inUse);
    }

    // copy_hugetlb_page_range(): the child shares the gigantic page write-protected; hugetlb_wp() of the
    // parent copies it (mapcount 2), after which the child's write reuses its now-exclusive page
    @Test
    void forkSharesThenCopiesTheGiganticPage() {
        Lab lab = gigLab(2);
        long a = lab.map(GIG, RW, ANON_1G, -1);
        assertOk(lab.write(a + PAGE, 8, 7));
        long old = lab.pfn(a);
        Task child = lab.fork();
        assertEquals(old, lab.pfn(child, a));
        assertEquals(2, lab.k.phys.mapcount(old));
        assertFalse(Pte.write(lab.t.mm.puds.get(a >>> 30)), "write-protected in the parent");
        assertOk(lab.write(a, 8, 9));
        long copy = lab.pfn(a);
        assertNotEquals(old, copy, "hugetlb_wp(): a new 1 GiB page");
        assertEquals(PhysMem.PUD_ORDER, lab.k.phys.order(copy));
        assertEquals(7, lab.valueAt(a + PAGE), "copy_user_large_folio() carried the contents");
        assertEquals(2, lab.k.gigantic.inUse);
        assertOk(lab.write(child, a, 8, 5));
        assertEquals(old, lab.pfn(child, a), "mapcount 1 and anon: reused");
    }

    // io_sqe_buffer_register(): a 1 GiB buffer inside one gigantic folio coalesces (io_check_coalesce_buffer())
    // into one bvec; io_buffer_account_pin() charges the whole folio once
    @Test
    void registeringAGiganticBufferCoalescesIntoOneFolio() {
        Lab lab = gigLab(1);
        Task root = lab.k.createTask(0, "root", 0, true, Globals.DEFAULT_RLIMIT_MEMLOCK); // CAP_IPC_LOCK: no RLIMIT_MEMLOCK check
        long a = lab.map(root, GIG, RW, ANON_1G, -1);
        int ring = lab.ring(root, 8, 0);
        assertOk(lab.register(root, ring, iov(a, GIG)));
        var bufs = io.pinlab.kernel.iouring.IoUring.buffers(lab.k, root, ring);
        assertEquals(1, bufs.size());
        long head = Pte.pfn(root.mm.puds.get(a >>> 30));
        assertEquals(1, bufs.get(0).nrBvecs());
        assertEquals(head, bufs.get(0).bvecs().get(0).pfn());
        assertEquals(GIG, bufs.get(0).bvecs().get(0).len());
        assertEquals(1, lab.pincount(head), "io_coalesce_buffer(): one pin kept per folio");
        assertEquals(PhysMem.PUD_NR, bufs.get(0).accountedPages());
    }

    // memfd_create(MFD_HUGETLB | MFD_HUGE_1GB) -> hugetlb_file_setup() on the 1 GiB hstate; hugetlbfs_setattr()
    // refuses a size that is not a multiple of huge_page_size(); a shared mapping faults the page-cache folio
    @Test
    void aOneGigMemfdTakesItsPagesFromTheGigantPool() {
        Lab lab = gigLab(1);
        int fd = (int) assertOk(lab.call(new io.pinlab.kernel.Syscall.MemfdCreate(lab.t.pid, "g", MFD_HUGETLB | MAP_HUGE_1GB, null)));
        assertErr(Errno.EINVAL, "hugetlbfs_setattr", lab.ftruncate(fd, HUGE));
        assertOk(lab.ftruncate(fd, GIG));
        long a = lab.map(GIG, RW, MAP_SHARED, fd);
        assertOk(lab.write(a + GIG - PAGE, 8, 4));
        assertEquals(1, lab.k.gigantic.inUse);
        assertEquals(0, lab.k.defaultHstate.inUse);
        assertEquals(PhysMem.PUD_ORDER, lab.k.phys.order(lab.pfn(a)));
    }

    // hugetlb_file_setup(): get_hstate_idx() finds no hstate of 2^25 bytes -> -ENODEV (recorded: gig.memfd_unknown_sizelog)
    @Test
    void aMemfdOfAnUnknownSizeIsEnodev() {
        Lab lab = new Lab();
        assertErr(Errno.ENODEV, "hugetlb_file_setup", lab.call(new io.pinlab.kernel.Syscall.MemfdCreate(lab.t.pid, "g", MFD_HUGETLB | (25 << 26), null)));
    }

    // hugetlbfs mounted with pagesize=1G: hstate_inode() is the 1 GiB hstate; hugetlbfs_file_mmap_prepare()
    // refuses an offset that is not a multiple of it
    @Test
    void aFileOnThePagesize1gMountIsGigantic() {
        Lab lab = gigLab(1);
        int fd = lab.open("/mnt/huge1G/f", O_RDWR | O_CREAT, GIG);
        assertErr(Errno.EINVAL, "hugetlbfs_file_mmap_prepare", lab.mmap(0, GIG, RW, MAP_SHARED, fd, HUGE));
        long a = lab.map(GIG, RW, MAP_SHARED, fd);
        assertEquals(0, a & (GIG - 1));
        lab.touch(a, 1, true);
        assertNotEquals(0, lab.t.mm.puds.get(a >>> 30));
        assertErr(Errno.EINVAL, "hugetlbfs_setattr", lab.call(new io.pinlab.kernel.Syscall.Open(lab.t.pid, "/mnt/huge1G/g", O_RDWR | O_CREAT, HUGE)));
    }

    // a snapshot carries the per-size pools, the PUD leaves and the gigantic folio
    @Test
    void aSnapshotRestoresTheGigantPool() {
        Lab lab = gigLab(2);
        long a = lab.map(GIG, RW, ANON_1G, -1);
        assertOk(lab.write(a + 700 * PAGE, 8, 3));
        Kernel copy = KernelSnapshot.read(KernelSnapshot.write(lab.k));
        assertEquals(2, copy.gigantic.nrHugePages);
        assertEquals(1, copy.gigantic.inUse);
        Task t = copy.task(lab.t.pid);
        assertEquals(lab.pfn(a), Pte.pfn(Memory.followPte(t.mm, a)));
        assertEquals(PhysMem.PUD_ORDER, copy.phys.order(Pte.pfn(Memory.followPte(t.mm, a + 700 * PAGE))));
        assertEquals(3, copy.phys.value(Pte.pfn(Memory.followPte(t.mm, a + 700 * PAGE))));
        assertSame(copy.gigantic, t.mm.vmaLookup(a).file.inode().hstate);
    }
}
