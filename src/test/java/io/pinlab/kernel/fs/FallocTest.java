package io.pinlab.kernel.fs;

import io.pinlab.kernel.base.VirtAddr;
import io.pinlab.kernel.Kernel;
import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.base.SysResult;
import io.pinlab.kernel.mm.Gup;
import io.pinlab.kernel.mm.MemCg;
import io.pinlab.kernel.mm.Memory;
import io.pinlab.kernel.mm.UserAccess;
import io.pinlab.kernel.mm.Mmap;
import io.pinlab.kernel.mm.Pte;
import io.pinlab.kernel.mm.Task;
import io.pinlab.kernel.base.Explain;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import java.util.List;

import static io.pinlab.kernel.Lab.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * fallocate(2): vfs_fallocate() (fs/open.c) and ext4_fallocate(), xfs_file_fallocate(),
 * btrfs_fallocate(), shmem_fallocate(), hugetlbfs_fallocate(). Each expected value is the rule
 * of the function cited next to it.
 */
class FallocTest {
    static final List<Profile> ALL = Profile.ALL;
    static final int KEEP = 0x01, PUNCH = 0x02, COLLAPSE = 0x08, ZERO = 0x10, UNSHARE = 0x40;
    /** GUP_PIN_COUNTING_BIAS (include/linux/mm.h): what a FOLL_PIN adds to a small folio's refcount. */
    static final int GUP_PIN_COUNTING_BIAS = 1 << 10;

    final Kernel k = new Kernel(Profile.V6_18, false);
    final Task t = k.task(1);

    static SysResult falloc(Kernel k, Task t, int fd, int mode, long off, long len) {
        return Falloc.fallocate(k, t, fd, mode, off, len);
    }

    SysResult falloc(int fd, int mode, long off, long len) { return falloc(k, t, fd, mode, off, len); }

    int open(String path, int flags, long size) { return (int) assertOk(Open.doSysOpen(k, t, path, flags, size)); }

    long map(int fd, long len, int flags) { return assertOk(Mmap.doMmap(k, t, VirtAddr.of(0), len, RW, flags, fd, 0)); }

    long pfn(long addr) { return Pte.pfn(Memory.followPte(t.mm, addr)); }

    @ParameterizedTest @FieldSource("ALL")
    void vfsFallocateErrnoOrder(Profile p) {
        Kernel k = new Kernel(p, false);
        Task t = k.task(1);
        int fd = (int) assertOk(Open.doSysOpen(k, t, "/mnt/ext4/f", O_RDWR | O_CREAT, 16 * PAGE));
        assertErr(Errno.EBADF, falloc(k, t, 99, 0, 0, PAGE));                 // ksys_fallocate(): fdget() fails
        assertErr(Errno.EINVAL, falloc(k, t, fd, 0, -1, PAGE));               // offset < 0
        assertErr(Errno.EINVAL, falloc(k, t, fd, 0, 0, 0));                   // len <= 0
        assertErr(Errno.EOPNOTSUPP, falloc(k, t, fd, PUNCH, 0, PAGE));        // "Punch hole must have keep size set"
        assertErr(Errno.EOPNOTSUPP, falloc(k, t, fd, PUNCH | ZERO | KEEP, 0, PAGE)); // punch and zero are exclusive
        assertErr(Errno.EOPNOTSUPP, falloc(k, t, fd, 0x100, 0, PAGE));        // not a mode bit at all
        int ro = (int) assertOk(Open.doSysOpen(k, t, "/mnt/ext4/f", O_RDONLY, null));
        assertErr(Errno.EBADF, falloc(k, t, ro, 0, 0, PAGE));                 // no FMODE_WRITE
        int dir = (int) assertOk(Open.doSysOpen(k, t, "/mnt/ext4", O_RDONLY, null));
        assertErr(Errno.EBADF, falloc(k, t, dir, 0, 0, PAGE));                // FMODE_WRITE is checked before S_ISDIR
        int zero = (int) assertOk(Open.doSysOpen(k, t, "/dev/zero", O_RDWR, null));
        assertErr(Errno.ENODEV, falloc(k, t, zero, 0, 0, PAGE));              // neither S_ISREG nor S_ISBLK
        // ext4 s_maxbytes is 16 TiB - 4 KiB (ext4_max_size()); offset + len past it, or wrapping, is -EFBIG
        assertErr(Errno.EFBIG, falloc(k, t, fd, 0, FsType.EXT4.maxBytes, 1));
        assertErr(Errno.EFBIG, falloc(k, t, fd, KEEP, Long.MAX_VALUE, 1));
        int sec = (int) assertOk(Secretmem.memfdSecret(k, t, 16 * PAGE));
        assertErr(Errno.EOPNOTSUPP, falloc(k, t, sec, 0, 0, PAGE));           // secretmem_fops has no ->fallocate
    }

    /** COLLAPSE_RANGE | KEEP_SIZE: -EINVAL from the one-bit-at-a-time checks (6.3.8, 6.5.0), -EOPNOTSUPP from the mode switch (6.19 tree, 6.18 oracle). */
    @ParameterizedTest @FieldSource("ALL")
    void collapseWithKeepSizePerProfile(Profile p) {
        Kernel k = new Kernel(p, false);
        Task t = k.task(1);
        int fd = (int) assertOk(Open.doSysOpen(k, t, "/mnt/xfs/f", O_RDWR | O_CREAT, 16 * PAGE));
        assertErr(p.fallocateModesExclusive() ? Errno.EOPNOTSUPP : Errno.EINVAL, falloc(k, t, fd, COLLAPSE | KEEP, 0, PAGE));
        assertErr(p.fallocateModesExclusive() ? Errno.EOPNOTSUPP : Errno.EINVAL, falloc(k, t, fd, PUNCH | KEEP | COLLAPSE, 0, PAGE));
        assertEquals(p == Profile.V6_18, p.fallocateModesExclusive());
    }

    @Test
    void eachFileSystemRefusesTheModesItLacks() {
        // ext4_fallocate(): no UNSHARE_RANGE; btrfs_fallocate(): KEEP_SIZE, PUNCH_HOLE, ZERO_RANGE only;
        // shmem_fallocate() and hugetlbfs_fallocate(): KEEP_SIZE and PUNCH_HOLE only
        assertErr(Errno.EOPNOTSUPP, falloc(open("/mnt/ext4/u", O_RDWR | O_CREAT, PAGE), UNSHARE, 0, PAGE));
        assertErr(Errno.EOPNOTSUPP, falloc(open("/mnt/btrfs/c", O_RDWR | O_CREAT, 4 * PAGE), COLLAPSE, 0, PAGE));
        assertErr(Errno.EOPNOTSUPP, falloc(open("/dev/shm/z", O_RDWR | O_CREAT, PAGE), ZERO, 0, PAGE));
        assertErr(Errno.EOPNOTSUPP, falloc(open("/mnt/huge/z", O_RDWR | O_CREAT, 0), ZERO, 0, HUGE));
        assertEquals(0, falloc(open("/mnt/btrfs/z", O_RDWR | O_CREAT, PAGE), ZERO | KEEP, 0, PAGE).ret());
    }

    @Test
    void preallocationExtendsTheSizeUnlessKeepSize() { // ext4_do_fallocate()/btrfs_fallocate(): i_size = offset + len when larger
        for (String path : List.of("/mnt/ext4/p", "/mnt/xfs/p", "/mnt/btrfs/p")) {
            int fd = open(path, O_RDWR | O_CREAT, PAGE);
            Inode in = k.inodes.get(path);
            assertEquals(0, falloc(fd, KEEP, 0, 8 * PAGE).ret());
            assertEquals(PAGE, in.size, path);
            assertEquals(0, falloc(fd, 0, 4 * PAGE, 8 * PAGE).ret());
            assertEquals(12 * PAGE, in.size, path);
            assertEquals(0, falloc(fd, 0, 0, PAGE).ret());
            assertEquals(12 * PAGE, in.size, "a shorter range never shrinks " + path);
            assertTrue(in.pageCache.isEmpty(), "blocks, not page-cache pages, are preallocated on " + path);
        }
    }

    @Test
    void shmemPreallocationFillsThePageCache() { // shmem_fallocate(): shmem_get_folio(SGP_FALLOC) for each index
        int fd = open("/dev/shm/p", O_RDWR | O_CREAT, 0);
        Inode in = k.inodes.get("/dev/shm/p");
        assertEquals(0, falloc(fd, KEEP, PAGE + 1, 2 * PAGE).ret()); // bytes 4097..12288: indices 1, 2, 3 (end rounded up)
        assertEquals(0, in.size);
        assertEquals(0, in.pageCache.get(0));
        for (int i = 1; i <= 3; i++) assertNotEquals(0, in.pageCache.get(i), "index " + i);
        assertEquals(0, in.pageCache.get(4));
        assertEquals(0, falloc(fd, 0, 0, 2 * PAGE).ret());
        assertEquals(2 * PAGE, in.size);
    }

    @Test
    void shmemPreallocationStoppedByASignalRemovesWhatItAdded() { // "Remove the !uptodate folios we added"
        Kernel small = new Kernel(Profile.V6_18, false, MemCg.unlimited(), 4);
        Task st = small.task(1);
        int fd = (int) assertOk(Open.doSysOpen(small, st, "/dev/shm/s", O_RDWR | O_CREAT, 0L));
        Inode in = small.inodes.get("/dev/shm/s");
        assertEquals(0, falloc(small, st, fd, KEEP, 0, 2 * PAGE).ret());
        small.beginCall();
        assertErr(Errno.EINTR, falloc(small, st, fd, 0, 0, 8 * PAGE));
        assertNotEquals(0, in.pageCache.get(0), "pages from the earlier call stay");
        assertNotEquals(0, in.pageCache.get(1));
        for (int i = 2; i < 8; i++) assertEquals(0, in.pageCache.get(i), "index " + i);
        assertEquals(0, in.size, "no size change on failure");
    }

    /**
     * PUNCH_HOLE on a shared ext4 mapping whose first page is pinned: truncate_pagecache_range()
     * unmaps it (unmap_mapping_range()) and drops the page cache's reference; the pin's
     * GUP_PIN_COUNTING_BIAS keeps the folio allocated, no longer in the page cache.
     */
    @ParameterizedTest @FieldSource("ALL")
    void punchHoleOnAMappedPinnedPage(Profile p) {
        Kernel k = new Kernel(p, false);
        Task t = k.task(1);
        int fd = (int) assertOk(Open.doSysOpen(k, t, "/mnt/ext4/m", O_RDWR | O_CREAT, 4 * PAGE));
        long a = assertOk(Mmap.doMmap(k, t, VirtAddr.of(0), 4 * PAGE, RW, MAP_SHARED, fd, 0));
        assertTrue(UserAccess.access(k, t, VirtAddr.of(a), 2 * PAGE, true, 7L).ok());
        long pfn = Pte.pfn(Memory.followPte(t.mm, a)), other = Pte.pfn(Memory.followPte(t.mm, a + PAGE));
        long[] pages = new long[1];
        assertEquals(1, Gup.pinUserPagesFast(k, t, VirtAddr.of(a), 1, 0, pages, new Explain()));
        assertEquals(GUP_PIN_COUNTING_BIAS + 2, k.phys.refcount(pfn)); // page cache + PTE + pin
        Inode in = k.inodes.get("/mnt/ext4/m");

        assertEquals(0, falloc(k, t, fd, PUNCH | KEEP, 0, PAGE).ret());
        assertEquals(0, Memory.followPte(t.mm, a), "unmapped from the mapping");
        assertEquals(0, in.pageCache.get(0), "gone from the page cache");
        assertNull(k.phys.mapping(pfn), "folio->mapping cleared: truncated");
        assertEquals(GUP_PIN_COUNTING_BIAS, k.phys.refcount(pfn), "only the pin holds it");
        assertTrue(k.phys.maybeDmaPinned(pfn), "folio_maybe_dma_pinned(): an order-0 folio counts pins in its refcount");
        assertEquals(7L, k.phys.value(pfn), "the pinned page keeps its data for the device");
        assertEquals(other, Pte.pfn(Memory.followPte(t.mm, a + PAGE)), "the page outside the hole stays mapped");
        assertEquals(4 * PAGE, in.size, "KEEP_SIZE");

        var r = UserAccess.access(k, t, VirtAddr.of(a), PAGE, false, null); // the hole reads as zeroes from a new page
        assertEquals(List.of(0L), r.values());
        assertNotEquals(pfn, Pte.pfn(Memory.followPte(t.mm, a)));
        Gup.unpinUserPages(k, pages, 1);
        assertFalse(k.phys.isAllocated(pfn), "freed with the last reference");
    }

    @Test
    void punchHoleLeavesPrivateCowCopiesWhereTruncateDoesNot() {
        // shmem_fallocate(): unmap_mapping_range(..., even_cows = 0), "hole-punching leaves COWed pages";
        // truncate_pagecache() unmaps with even_cows = 1
        int fd = open("/dev/shm/c", O_RDWR | O_CREAT, 4 * PAGE);
        long a = map(fd, 4 * PAGE, MAP_PRIVATE);
        assertTrue(UserAccess.access(k, t, VirtAddr.of(a), PAGE, true, 9L).ok());          // page 0: an anonymous COW copy
        assertTrue(UserAccess.access(k, t, VirtAddr.of(a + PAGE), PAGE, false, null).ok()); // page 1: the file's page, read-only
        long copy = pfn(a);
        assertEquals(0, falloc(fd, PUNCH | KEEP, 0, 2 * PAGE).ret());
        assertEquals(copy, pfn(a), "the COW copy stays mapped");
        assertEquals(0, Memory.followPte(t.mm, a + PAGE), "the file page is unmapped");
        assertEquals(0, assertOk(Open.doSysFtruncate(k, t, fd, 0)));
        assertEquals(0, Memory.followPte(t.mm, a), "truncation zaps the COW copy too");
    }

    @Test
    void punchHoleKeepsPartlyCoveredPages() { // truncate_pagecache_range(): only whole pages leave; edges are zeroed in part
        int fd = open("/mnt/xfs/e", O_RDWR | O_CREAT, 4 * PAGE);
        long a = map(fd, 4 * PAGE, MAP_SHARED);
        assertTrue(UserAccess.access(k, t, VirtAddr.of(a), 4 * PAGE, true, 3L).ok());
        assertEquals(0, falloc(fd, PUNCH | KEEP, 100, 2 * PAGE).ret()); // bytes 100..8291: only page 1 is whole
        Inode in = k.inodes.get("/mnt/xfs/e");
        assertNotEquals(0, in.pageCache.get(0));
        assertEquals(0, in.pageCache.get(1));
        assertNotEquals(0, in.pageCache.get(2));
    }

    @Test
    void ext4PunchHolePastEofDoesNothing() { // ext4_punch_hole(): "No need to punch hole beyond i_size"
        int fd = open("/mnt/ext4/eof", O_RDWR | O_CREAT, 2 * PAGE);
        long a = map(fd, 2 * PAGE, MAP_SHARED);
        assertTrue(UserAccess.access(k, t, VirtAddr.of(a), 2 * PAGE, true, 1L).ok());
        assertEquals(0, falloc(fd, PUNCH | KEEP, 2 * PAGE, 8 * PAGE).ret());
        assertNotEquals(0, Memory.followPte(t.mm, a + PAGE));
        assertEquals(2 * PAGE, k.inodes.get("/mnt/ext4/eof").size);
    }

    @Test
    void hugetlbfsPunchHoleRemovesOnlyWholeHugePages() { // hugetlbfs_punch_hole(): round_up(offset), round_down(offset + len)
        assertOk(io.pinlab.kernel.Sysctl.set(k, "vm.nr_hugepages", 4));
        int fd = open("/mnt/huge/h", O_RDWR | O_CREAT, 0);
        Inode in = k.inodes.get("/mnt/huge/h");
        assertEquals(0, falloc(fd, 0, 0, 2 * HUGE).ret()); // preallocation takes two pages from the pool
        assertEquals(2, k.defaultHstate.inUse);
        assertEquals(2 * HUGE, in.size);
        long a = map(fd, 2 * HUGE, MAP_SHARED);
        assertTrue(UserAccess.access(k, t, VirtAddr.of(a), 2 * HUGE, true, 4L).ok());
        assertEquals(0, falloc(fd, PUNCH | KEEP, PAGE, HUGE).ret()); // covers no whole huge page
        assertEquals(2, k.defaultHstate.inUse);
        assertEquals(0, falloc(fd, PUNCH | KEEP, HUGE, HUGE).ret());
        assertEquals(0, in.pageCache.get(1));
        assertEquals(1, k.defaultHstate.inUse, "the punched page went back to the pool");
        assertEquals(4L, k.phys.value(in.pageCache.get(0)));
    }

    @Test
    void hugetlbfsPreallocationWithAnEmptyPoolIsEnospc() { // alloc_hugetlb_folio() fails: -ENOSPC; pages added stay
        assertOk(io.pinlab.kernel.Sysctl.set(k, "vm.nr_hugepages", 1));
        int fd = open("/mnt/huge/n", O_RDWR | O_CREAT, 0);
        assertErr(Errno.ENOSPC, falloc(fd, 0, 0, 2 * HUGE));
        assertNotEquals(0, k.inodes.get("/mnt/huge/n").pageCache.get(0));
        assertEquals(0, k.inodes.get("/mnt/huge/n").size);
    }
}
