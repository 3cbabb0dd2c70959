package io.pinlab.kernel.mm;

import io.pinlab.api.gup.GupRequestShape;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.fs.FsType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static io.pinlab.kernel.mm.GupCall.*;
import static io.pinlab.kernel.mm.GupFixture.*;
import static io.pinlab.kernel.mm.PhysMem.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The same scenarios under all five profiles, asserting the rows of reference/gup.md section 5
 * that the profiles cover. Expected values are written out per kernel, not read from the profile.
 */
class GupProfileTableTest {

    /** One row per profile: the kernel's answers, column by column of gup.md section 5. */
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
        assertEquals(row.vmasParam(), GupRequestShape.error(p, new GupRequest(get_user_pages, 0x10000, 1, 0, true, true, null, null)) == null);
        assertEquals(row.pinVmasParam(), GupRequestShape.error(p, new GupRequest(pin_user_pages, 0x10000, 1, 0, true, true, null, null)) == null);
        // is_valid_gup_args vmas + locked rule
        assertEquals(row.vmasLockedRule(), Gup.isValidGupArgs(p, get_user_pages_remote, true, true, 1, 0) != null);
        // FOLL_TOUCH accepted from callers
        assertEquals(row.touchAccepted(), Gup.isValidGupArgs(p, get_user_pages, true, false, null, TOUCH) == null);
        // FOLL_SAME_FILE (bit 12) exists
        assertEquals(row.sameFile(), p.follSameFile());

        GupFixture f = new GupFixture(p);
        // FOLL_HONOR_NUMA_FAULT auto-set (6.5.0)
        long anon = f.mmapAnon(2, RW);
        GupResult r = f.gup(get_user_pages, anon, 1, 0);
        assertEquals(row.honorNumaAutoSet(), r.explain().get(0).detail().contains("FOLL_HONOR_NUMA_FAULT"));

        // LONGTERM+WRITE on a dirty-tracked shared file VMA, slow and fast path
        int fd = f.openFile(f.t, "/mnt/ext4/row", FsType.EXT4, false, 8 * PAGE_SIZE, O_RDWR);
        long ext4 = f.mmapFile(fd, 2, RW, SHARED);
        f.touch(ext4, 2, true);
        assertEquals(row.longtermWriteSharedExt4(), f.gup(pin_user_pages, ext4, 2, WRITE | LONGTERM).ret());
        assertEquals(row.longtermWriteSharedExt4Fast(), f.gup(pin_user_pages_fast, ext4, 2, WRITE | LONGTERM).ret());

        // stack expansion by GUP
        Vma stack = f.t.mm.findVma(Mm.STACK_TOP - 1);
        long below = stack.start - PAGE_SIZE;
        assertEquals(row.stackExpands() ? 1 : -14, f.gup(get_user_pages, below, 1, WRITE).ret());

        // gup-fast overflow and end > TASK_SIZE_MAX
        assertEquals(row.fastOverflow(), f.gup(get_user_pages_fast, 0xfffffffffffff000L, 2, 0).ret());
        GupResult ts = f.gup(get_user_pages_fast, Mm.TASK_SIZE - PAGE_SIZE, 2, 0);
        assertEquals(-14, ts.ret());
        assertEquals(row.taskSizeCheck(), f.lastFn(ts));

        // zero page pinning: counted, or a no-op
        long z = f.mmapAnon(1, RW);
        f.touch(z, 1, false);
        int before = f.ref(ZERO_PFN);
        f.gup(pin_user_pages, z, 1, 0);
        assertEquals(row.zeroPageCounted() ? before + 1024 : before, f.ref(ZERO_PFN));

        // nr_pages == 0 returns before MMF_HAS_PINNED (6.7+)
        GupFixture g = new GupFixture(p);
        g.gup(pin_user_pages, g.mmapAnon(1, RW), 0, 0);
        assertEquals(!row.nrPagesZeroEarly(), g.t.mm.hasPinned());

        // hugetlb FOLL_FORCE|FOLL_WRITE on a read-only private mapping
        f.k.nrHugepages = 2;
        int hfd = f.openFile(f.t, "/mnt/huge/row", FsType.HUGETLBFS, false, HPAGE_SIZE, O_RDWR);
        long h = f.mmapFile(hfd, 512, R, PRIVATE);
        assertEquals(row.hugetlbForceWrite(), f.gup(get_user_pages, h, 1, WRITE | FORCE).ret());
    }
}
