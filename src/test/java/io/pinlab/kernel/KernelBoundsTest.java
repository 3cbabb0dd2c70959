package io.pinlab.kernel;

import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.SysResult;

import io.pinlab.kernel.fs.Files;
import io.pinlab.kernel.mm.PhysMem;
import org.junit.jupiter.api.Test;

import static io.pinlab.kernel.Lab.O_CREAT;
import static io.pinlab.kernel.Lab.O_RDWR;
import static io.pinlab.kernel.Lab.PAGE;
import static io.pinlab.kernel.Lab.RW;
import static io.pinlab.kernel.Lab.assertErr;
import static io.pinlab.kernel.Lab.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Issue 10, item 9: the limits the kernel itself sets on sysctl writes and file sizes. */
class KernelBoundsTest {
    private final Lab lab = new Lab();

    /** ZONE_NORMAL of a session: 4 GiB (README), so 4 GiB / 2 MiB huge pages fit at most. */
    private static final long NORMAL_HUGE_PAGES = (4L << 30) / Lab.HUGE;

    private String lastFn(SysResult r) {
        return r.explain().get(r.explain().size() - 1).fn();
    }

    @Test
    void nrHugepagesKeepsWhatSetMaxHugePagesCouldAllocate() {
        // mm/hugetlb.c set_max_huge_pages(): alloc_pool_huge_folio() until the target or the first failure;
        // the pool read back is what was allocated, never the number asked for.
        SysResult r = Sysctl.set(lab.k, "vm.nr_hugepages", Long.MAX_VALUE);
        assertEquals(0, ok(r));
        assertEquals("set_max_huge_pages", lastFn(r));
        assertEquals(NORMAL_HUGE_PAGES, Sysctl.get(lab.k, "vm.nr_hugepages"));

        // Shrink, then let an anonymous fault take a 4 KiB frame from ZONE_NORMAL: the buddy allocator here
        // does not merge, so that 2 MiB block is gone and one huge page fewer fits.
        ok(Sysctl.set(lab.k, "vm.nr_hugepages", 0));
        long addr = lab.anon(PAGE, RW);
        lab.write(lab.t, addr, PAGE, 1);
        ok(Sysctl.set(lab.k, "vm.nr_hugepages", 1L << 40));
        assertEquals(NORMAL_HUGE_PAGES - 1, Sysctl.get(lab.k, "vm.nr_hugepages"));
        assertEquals(NORMAL_HUGE_PAGES - 1, lab.k.phys.hugeFoliosAvailable(io.pinlab.kernel.mm.Zone.NORMAL));

        // a target within reach is met exactly
        ok(Sysctl.set(lab.k, "vm.nr_hugepages", 7));
        assertEquals(7, Sysctl.get(lab.k, "vm.nr_hugepages"));
    }

    @Test
    void eachSysctlIsParsedByItsOwnHandler() {
        // kernel/sysctl.c: nr_hugepages -> hugetlb_sysctl_handler -> proc_doulongvec_minmax (a '-' is -EINVAL);
        // max_map_count -> proc_dointvec_minmax with extra1 = SYSCTL_ZERO, values must fit an int.
        SysResult neg = Sysctl.set(lab.k, "vm.nr_hugepages", -1);
        assertErr(Errno.EINVAL, neg);
        assertEquals("proc_doulongvec_minmax", lastFn(neg));
        for (long bad : new long[]{-1, 1L << 31}) {
            SysResult r = Sysctl.set(lab.k, "vm.max_map_count", bad);
            assertErr(Errno.EINVAL, r);
            assertEquals("proc_dointvec_minmax", lastFn(r));
        }
        SysResult good = Sysctl.set(lab.k, "vm.max_map_count", Integer.MAX_VALUE);
        assertEquals(0, ok(good));
        assertEquals("proc_dointvec_minmax", lastFn(good));
        assertEquals(Integer.MAX_VALUE, Sysctl.get(lab.k, "vm.max_map_count"));
    }

    @Test
    void ftruncatePastSMaxbytesIsEfbig() {
        // fs/ext4/super.c ext4_max_size(blkbits = 12, huge_file): (2^32 - 1) blocks of 4 KiB = 16 TiB - 4 KiB.
        long ext4Max = ((1L << 32) - 1) * 4096;
        int fd = lab.open("/mnt/ext4/big", O_CREAT | O_RDWR, null);
        assertEquals(0, ok(Files.ftruncate(lab.k, lab.t, fd, ext4Max)));
        // fs/attr.c inode_newsize_ok(): growing past sb->s_maxbytes is -EFBIG
        SysResult over = Files.ftruncate(lab.k, lab.t, fd, ext4Max + 1);
        assertErr(Errno.EFBIG, over);
        assertEquals("inode_newsize_ok", lastFn(over));
        assertErr(Errno.EFBIG, Files.ftruncate(lab.k, lab.t, fd, Long.MAX_VALUE));
        // shrinking is never -EFBIG
        assertEquals(0, ok(Files.ftruncate(lab.k, lab.t, fd, 4096)));

        // tmpfs (mm/shmem.c shmem_fill_super): s_maxbytes = MAX_LFS_FILESIZE = LLONG_MAX on 64-bit
        int shm = lab.open("/dev/shm/big", O_CREAT | O_RDWR, null);
        assertEquals(0, ok(Files.ftruncate(lab.k, lab.t, shm, Long.MAX_VALUE)));
        // hugetlbfs: also MAX_LFS_FILESIZE; only its 2 MiB alignment rule applies
        int huge = lab.open("/mnt/huge/big", O_CREAT | O_RDWR, null);
        assertEquals(0, ok(Files.ftruncate(lab.k, lab.t, huge, Long.MAX_VALUE & ~(PhysMem.HPAGE_SIZE - 1))));
    }
}
