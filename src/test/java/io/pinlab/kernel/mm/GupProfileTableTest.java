package io.pinlab.kernel.mm;

import io.pinlab.kernel.base.VirtAddr;
import io.pinlab.api.gup.GupRequestShape;
import io.pinlab.kernel.Lab;
import io.pinlab.kernel.base.Profile;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static io.pinlab.kernel.mm.GupCall.*;
import static io.pinlab.kernel.Lab.*;
import static io.pinlab.kernel.mm.PhysMem.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The same scenarios under all five profiles, one row per kernel version (mm/gup.c and
 * io_uring/rsrc.c of each version's tree, the commits named in Profile.Feature). Expected values are written out per kernel, not read from the profile.
 */
class GupProfileTableTest {

    /** One row per profile: the kernel's answers, column by column. */
    record Row(Profile p, boolean vmasParam, boolean pinVmasParam, boolean vmasLockedRule, boolean touchAccepted,
               boolean honorNumaAutoSet, boolean sameFile, long longtermWriteSharedExt4, long longtermWriteSharedExt4Fast,
               boolean stackExpands, long fastOverflow, String taskSizeCheck, boolean zeroPageCounted,
               boolean nrPagesZeroEarly, long hugetlbForceWrite) {}

    static Stream<Arguments> rows() {
        return Stream.of(
                //      profile        vmas   pinVmas vmas+lk touch  numa   same   ext4LT ext4LTfast stack  ovfl   tasksize                        zero   nr0    hugeForce
                new Row(Profile.V6_3,  true,  true,  true,  true,  false, false, 2,     2,         true,  0,     "access_ok",                    true,  false, -14),
                new Row(Profile.SEED,  true,  false, true,  true,  false, true,  2,     2,         true,  0,     "access_ok",                    true,  false, -14),
                new Row(Profile.V6_4,  true,  true,  true,  true,  false, false, 2,     2,         false, 0,     "internal_get_user_pages_fast", true,  false, -14),
                new Row(Profile.V6_5,  false, false, false, true,  true,  false, -14,   -14,       false, -75,   "internal_get_user_pages_fast", false, false, -14),
                new Row(Profile.V6_18, false, false, false, false, false, false, -14,   -14,       false, -75,   "gup_fast_fallback",            false, true,  1)
        ).map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void sectionFiveRow(Row row) {
        Profile p = row.p();
        // vmas parameter on get_user_pages / pin_user_pages
        assertEquals(row.vmasParam(), GupRequestShape.error(p, new GupRequest(get_user_pages, VirtAddr.of(0x10000), 1, 0, true, true, null, null)) == null);
        assertEquals(row.pinVmasParam(), GupRequestShape.error(p, new GupRequest(pin_user_pages, VirtAddr.of(0x10000), 1, 0, true, true, null, null)) == null);
        // is_valid_gup_args vmas + locked rule
        assertEquals(row.vmasLockedRule(), Gup.isValidGupArgs(p, get_user_pages_remote, true, true, 1, 0) != null);
        // FOLL_TOUCH accepted from callers
        assertEquals(row.touchAccepted(), Gup.isValidGupArgs(p, get_user_pages, true, false, null, FOLL_TOUCH) == null);
        // FOLL_SAME_FILE (bit 12) exists
        assertEquals(row.sameFile(), p.follSameFile());

        Lab f = new Lab(p);
        // FOLL_HONOR_NUMA_FAULT auto-set (6.5.0)
        long anon = f.anon(2 * PAGE_SIZE, RW);
        GupResult r = f.gup(get_user_pages, anon, 1, 0);
        assertEquals(row.honorNumaAutoSet(), r.explain().get(0).detail().contains("FOLL_HONOR_NUMA_FAULT"));

        // FOLL_LONGTERM+FOLL_WRITE on a dirty-tracked shared file VMA, slow and fast path
        int fd = f.open(f.t, "/mnt/ext4/row", O_CREAT | O_RDWR, 8 * PAGE_SIZE);
        long ext4 = f.map(2 * PAGE_SIZE, RW, MAP_SHARED, fd);
        f.touch(ext4, 2, true);
        assertEquals(row.longtermWriteSharedExt4(), f.gup(pin_user_pages, ext4, 2, FOLL_WRITE | FOLL_LONGTERM).ret());
        assertEquals(row.longtermWriteSharedExt4Fast(), f.gup(pin_user_pages_fast, ext4, 2, FOLL_WRITE | FOLL_LONGTERM).ret());

        // stack expansion by GUP
        Vma stack = f.t.mm.findVma(Mm.STACK_TOP - 1);
        long below = stack.start - PAGE_SIZE;
        assertEquals(row.stackExpands() ? 1 : -14, f.gup(get_user_pages, below, 1, FOLL_WRITE).ret());

        // gup-fast overflow and end > TASK_SIZE_MAX
        assertEquals(row.fastOverflow(), f.gup(get_user_pages_fast, 0xfffffffffffff000L, 2, 0).ret());
        GupResult ts = f.gup(get_user_pages_fast, Mm.TASK_SIZE - PAGE_SIZE, 2, 0);
        assertEquals(-14, ts.ret());
        assertEquals(row.taskSizeCheck(), lastFn(ts));

        // zero page pinning: counted, or a no-op
        long z = f.anon(PAGE_SIZE, RW);
        f.touch(z, 1, false);
        int before = f.ref(ZERO_PFN);
        f.gup(pin_user_pages, z, 1, 0);
        assertEquals(row.zeroPageCounted() ? before + 1024 : before, f.ref(ZERO_PFN));

        // nr_pages == 0 returns before MMF_HAS_PINNED (6.7+)
        Lab g = new Lab(p);
        g.gup(pin_user_pages, g.anon(PAGE_SIZE, RW), 0, 0);
        assertEquals(!row.nrPagesZeroEarly(), g.t.mm.hasPinned());

        // hugetlb FOLL_FORCE|FOLL_WRITE on a read-only private mapping
        f.hugepages(2);
        int hfd = f.open(f.t, "/mnt/huge/row", O_CREAT | O_RDWR, HPAGE_SIZE);
        long h = f.map(512 * PAGE_SIZE, PROT_READ, MAP_PRIVATE, hfd);
        assertEquals(row.hugetlbForceWrite(), f.gup(get_user_pages, h, 1, FOLL_WRITE | FOLL_FORCE).ret());
    }
}
