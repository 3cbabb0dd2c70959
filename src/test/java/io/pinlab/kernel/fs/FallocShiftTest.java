package io.pinlab.kernel.fs;

import io.pinlab.kernel.Lab;
import io.pinlab.kernel.Syscall;
import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.base.SysResult;
import io.pinlab.kernel.mm.GupCall;
import io.pinlab.kernel.mm.GupResult;
import io.pinlab.kernel.mm.PhysMem;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import java.util.List;

import static io.pinlab.kernel.Lab.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * fallocate(2) COLLAPSE_RANGE, INSERT_RANGE, UNSHARE_RANGE and WRITE_ZEROES: ext4_collapse_range(),
 * ext4_insert_range() and ext4_fallocate() (fs/ext4/extents.c); xfs_falloc_collapse_range(),
 * xfs_falloc_insert_range(), xfs_falloc_unshare_range() (fs/xfs/xfs_file.c, 6.19 tree) and the same
 * branches of xfs_file_fallocate() in 6.3; btrfs_fallocate() (fs/btrfs/file.c). The real 6.18 answers
 * are oracle cases falloc.{ext4,xfs,btrfs}_{collapse,insert,unshare,write_zeroes}*.
 */
class FallocShiftTest {
    static final int KEEP = 0x01, COLLAPSE = 0x08, INSERT = 0x20, UNSHARE = 0x40, WRITE_ZEROES = 0x80;
    static final List<String> SHIFTING = List.of("ext4", "xfs");

    /** An 8-page file on fs whose page i holds i + 1, written through a shared mapping that stays (the returned address). */
    private record Written(Lab f, int fd, Inode in, long map) {
        static Written of(Profile p, String fs) {
            Lab f = new Lab(p);
            int fd = f.open("/mnt/" + fs + "/s", O_RDWR | O_CREAT, 8 * PAGE);
            long m = f.map(8 * PAGE, RW, MAP_SHARED, fd);
            for (int i = 0; i < 8; i++) f.write(m + i * PAGE, PAGE, i + 1);
            return new Written(f, fd, f.k.inodes.get("/mnt/" + fs + "/s"), m);
        }

        SysResult falloc(int mode, long off, long len) { return f.call(new Syscall.Fallocate(f.t.pid, fd, mode, off, len)); }

        long at(long page) { return f.valueAt(map + page * PAGE); }
    }

    static final List<org.junit.jupiter.params.provider.Arguments> PROFILES_AND_FS = Profile.ALL.stream()
            .flatMap(p -> SHIFTING.stream().map(fs -> org.junit.jupiter.params.provider.Arguments.of(p, fs))).toList();

    // IS_ALIGNED(offset | len, EXT4_CLUSTER_SIZE()) / xfs_is_falloc_aligned(): -EINVAL; collapse must end below
    // i_size, insert must start below it (both -EINVAL). The file keeps its size and contents.
    @ParameterizedTest
    @FieldSource("PROFILES_AND_FS")
    void misalignedOrPastTheEndIsEinval(Profile p, String fs) {
        Written w = Written.of(p, fs);
        assertErr(Errno.EINVAL, w.falloc(COLLAPSE, 100, PAGE));
        assertErr(Errno.EINVAL, w.falloc(COLLAPSE, 0, 100));
        assertErr(Errno.EINVAL, w.falloc(COLLAPSE, 4 * PAGE, 4 * PAGE)); // offset + len == i_size
        assertErr(Errno.EINVAL, w.falloc(COLLAPSE, 6 * PAGE, 4 * PAGE));
        assertErr(Errno.EINVAL, w.falloc(INSERT, 100, PAGE));
        assertErr(Errno.EINVAL, w.falloc(INSERT, 8 * PAGE, PAGE));       // offset == i_size
        assertEquals(8 * PAGE, w.in().size);
        for (int i = 0; i < 8; i++) assertEquals(i + 1, w.at(i));
    }

    // ext4 (either order) and xfs: i_size + len past s_maxbytes is -EFBIG (vfs_fallocate() bounds offset + len only)
    @ParameterizedTest
    @FieldSource("PROFILES_AND_FS")
    void insertPastMaxBytesIsEfbig(Profile p, String fs) {
        Written w = Written.of(p, fs);
        long len = (w.in().fs().maxBytes - 4 * PAGE) & ~(PAGE - 1);
        assertErr(Errno.EFBIG, w.falloc(INSERT, PAGE, len));
    }

    // collapse: the mapped pages from offset on (xfs: from the block before it) are unmapped and leave the page cache (written back first), the
    // blocks after the range move down, i_size shrinks; a read faults the new contents in from disk
    @ParameterizedTest
    @FieldSource("PROFILES_AND_FS")
    void collapseMovesTheRestDown(Profile p, String fs) {
        Written w = Written.of(p, fs);
        assertOk(w.falloc(COLLAPSE, PAGE, 2 * PAGE));
        assertEquals(6 * PAGE, w.in().size);
        // ext4: from offset on; xfs_prepare_shift(): from the block before offset on
        assertEquals(fs.equals("ext4") ? 1 : 0, w.in().pageCache.count());
        assertEquals(1, w.at(0));
        assertEquals(4, w.at(1));
        assertEquals(8, w.at(5));
        assertFalse(w.f().read(w.f().t, w.map() + 6 * PAGE, 1).ok(), "past the new i_size: SIGBUS");
    }

    // insert: a hole of len at offset, the rest moves up, i_size grows
    @ParameterizedTest
    @FieldSource("PROFILES_AND_FS")
    void insertOpensAHole(Profile p, String fs) {
        Written w = Written.of(p, fs);
        assertOk(w.falloc(INSERT, 2 * PAGE, PAGE));
        assertEquals(9 * PAGE, w.in().size);
        assertEquals(2, w.at(1));
        assertEquals(0, w.at(2), "the inserted range is a hole");
        assertEquals(3, w.at(3));
        assertEquals(7, w.at(7));
    }

    // truncate_pagecache() (ext4: unmap_mapping_range(..., even_cows = 1)) zaps a private mapping's COW copy;
    // xfs_flush_unmap_range() -> truncate_pagecache_range() (even_cows = 0) leaves it
    @ParameterizedTest
    @FieldSource("PROFILES_AND_FS")
    void aPrivateCowCopyGoesOnExt4Only(Profile p, String fs) {
        Written w = Written.of(p, fs);
        Lab f = w.f();
        long priv = assertOk(f.mmap(0, 8 * PAGE, RW, MAP_PRIVATE, w.fd(), 0));
        f.write(priv + 3 * PAGE, PAGE, 99); // do_cow_fault(): an anonymous copy
        assertOk(w.falloc(COLLAPSE, PAGE, PAGE));
        assertEquals(fs.equals("ext4") ? 5 : 99, f.valueAt(priv + 3 * PAGE));
    }

    // a pinned page leaves the page cache with its old contents: the pin keeps the old folio
    @ParameterizedTest
    @FieldSource("PROFILES_AND_FS")
    void aPinnedPageKeepsItsOldContents(Profile p, String fs) {
        Written w = Written.of(p, fs);
        Lab f = w.f();
        long old = f.pfn(w.map() + 2 * PAGE);
        GupResult pin = f.gup(GupCall.pin_user_pages, w.map() + 2 * PAGE, 1, 0);
        assertEquals(1, pin.ret());
        assertOk(w.falloc(COLLAPSE, PAGE, PAGE));
        assertEquals(3, f.k.phys.value(old), "the pinned folio");
        assertNull(f.k.phys.mapping(old), "truncated: no longer the file's");
        assertEquals(4, w.at(2), "the file's page 2 is old page 3");
    }

    // 6.3 xfs_file_fallocate() runs xfs_flush_unmap_range(ip, offset, len) before the COLLAPSE_RANGE checks: a
    // collapse that fails -EINVAL has unmapped and dropped its range already; the 6.19 tree checks first
    @ParameterizedTest
    @FieldSource("io.pinlab.kernel.base.Profile#ALL")
    void xfsFailedCollapseFlushesOnOldKernels(Profile p) {
        Written w = Written.of(p, "xfs");
        assertErr(Errno.EINVAL, w.falloc(COLLAPSE, 4 * PAGE, 4 * PAGE));
        boolean dropped = !p.xfsFallocPerMode();
        assertEquals(dropped, w.in().pageCache.get(5) == 0, "xfs_flush_unmap_range() before the checks");
        assertEquals(6, w.at(5), "the same contents either way (written back and read again, or kept)");
    }

    // UNSHARE_RANGE: xfs only (XFS_FALLOC_FL_SUPPORTED); without reflinks it preallocates, extending i_size
    // without KEEP_SIZE (xfs_falloc_newsize()); ext4 and btrfs: -EOPNOTSUPP
    @ParameterizedTest
    @FieldSource("io.pinlab.kernel.base.Profile#ALL")
    void unshareOnXfsOnly(Profile p) {
        Written w = Written.of(p, "xfs");
        assertOk(w.falloc(UNSHARE, 6 * PAGE, 4 * PAGE));
        assertEquals(10 * PAGE, w.in().size);
        assertOk(w.falloc(UNSHARE | KEEP, 8 * PAGE, 8 * PAGE));
        assertEquals(10 * PAGE, w.in().size);
        assertEquals(7, w.at(6));
        for (String fs : List.of("ext4", "btrfs")) assertErr(Errno.EOPNOTSUPP, Written.of(p, fs).falloc(UNSHARE, 0, PAGE));
    }

    // WRITE_ZEROES (0x80): unknown before 6.17 (outside FALLOC_FL_SUPPORTED_MASK: -EOPNOTSUPP in vfs_fallocate());
    // on 6.18 ext4_fallocate() refuses it when bdev_write_zeroes_unmap_sectors() is 0 (the simulated disk, like
    // this machine's), xfs and btrfs do not list it; with KEEP_SIZE vfs_fallocate() refuses it first
    @ParameterizedTest
    @FieldSource("io.pinlab.kernel.base.Profile#ALL")
    void writeZeroesIsRefused(Profile p) {
        for (String fs : List.of("ext4", "xfs", "btrfs")) {
            Written w = Written.of(p, fs);
            SysResult r = w.falloc(WRITE_ZEROES, 0, PAGE);
            assertErr(Errno.EOPNOTSUPP, r);
            if (fs.equals("ext4")) assertEquals(p.fallocateModesExclusive() ? "ext4_fallocate" : "vfs_fallocate", Lab.lastFn(r));
            assertErr(Errno.EOPNOTSUPP, w.falloc(WRITE_ZEROES | KEEP, 0, PAGE));
            assertEquals(1, w.at(0));
        }
    }

    // btrfs_fallocate(): KEEP_SIZE, PUNCH_HOLE and ZERO_RANGE only
    @ParameterizedTest
    @FieldSource("io.pinlab.kernel.base.Profile#ALL")
    void btrfsHasNoShifts(Profile p) {
        Written w = Written.of(p, "btrfs");
        assertErr(Errno.EOPNOTSUPP, w.falloc(COLLAPSE, PAGE, PAGE));
        assertErr(Errno.EOPNOTSUPP, w.falloc(INSERT, PAGE, PAGE));
        assertEquals(PhysMem.PAGE_SIZE * 8, w.in().size);
    }
}
