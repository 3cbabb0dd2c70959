package io.pinlab.kernel.fs;

import io.pinlab.kernel.base.VirtAddr;
import io.pinlab.kernel.Kernel;
import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.base.SysResult;
import io.pinlab.kernel.iouring.IoUring;
import io.pinlab.kernel.iouring.Register;
import io.pinlab.kernel.base.Iovec;
import io.pinlab.kernel.iouring.RegisterArgs;
import io.pinlab.kernel.mm.Memory;
import io.pinlab.kernel.mm.UserAccess;
import io.pinlab.kernel.mm.Mmap;
import io.pinlab.kernel.mm.Task;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import java.util.List;

import static io.pinlab.kernel.Lab.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The /mnt/btrfs mount: what differs from ext4/xfs for the GUP users. btrfs_direct_write() and
 * btrfs_direct_read() (fs/btrfs/file.c in 6.3.8, fs/btrfs/direct-io.c in the 6.19 tree) fall back
 * to the page cache where ext4/xfs answer -EINVAL or pin; btrfs_fill_super() sets s_maxbytes to
 * MAX_LFS_FILESIZE; btrfs_file_mmap_prepare() has no DAX and no MAP_SYNC.
 */
class BtrfsTest {
    static final List<Profile> ALL = Profile.ALL;
    static final int O_DIRECT = 040000;

    record Box(Kernel k, Task t) {
        int open(String path, int flags, long size) { return (int) assertOk(Open.doSysOpen(k, t, path, flags, size)); }

        long map(int fd, long len, int flags) { return assertOk(Mmap.doMmap(k, t, VirtAddr.of(0), len, RW, flags, fd, 0)); }

        /** A memfd_secret buffer: GUP refuses it (check_vma_flags(): vma_is_secretmem()), copy_{to,from}_user() do not. */
        long secretBuffer(long len) {
            int s = (int) assertOk(Secretmem.memfdSecret(k, t, len));
            long a = map(s, len, MAP_SHARED);
            assertTrue(UserAccess.access(k, t, VirtAddr.of(a), len, true, 6L).ok());
            return a;
        }

        SysResult rw(int fd, long buf, long count, long pos, boolean write) { return DirectIo.rw(k, t, fd, buf, count, pos, write); }
    }

    static Box box(Profile p) {
        Kernel k = new Kernel(p, false);
        return new Box(k, k.task(1));
    }

    /**
     * An O_DIRECT write from memory GUP cannot pin: ext4's iomap path pins (-EFAULT); btrfs in the
     * 6.19 tree (and on 6.18, oracle case dio.btrfs_write_secretmem) writes buffered because the
     * inode has data checksums, so it copies; the 6.3.8 btrfs pins aligned writes like ext4.
     */
    @ParameterizedTest @FieldSource("ALL")
    void directWriteFromUnpinnableMemory(Profile p) {
        Box b = box(p);
        long buf = b.secretBuffer(2 * PAGE);
        int ext4 = b.open("/mnt/ext4/d", O_RDWR | O_CREAT | O_DIRECT, 0);
        int btrfs = b.open("/mnt/btrfs/d", O_RDWR | O_CREAT | O_DIRECT, 0);
        assertEquals(Errno.EFAULT, b.rw(ext4, buf, PAGE, 0, true).errno());
        SysResult w = b.rw(btrfs, buf, PAGE, 0, true);
        if (p.btrfsDioWriteDatasumFallback()) {
            assertEquals(PAGE, w.ret());
            assertEquals(6L, b.k().phys.value(b.k().inodes.get("/mnt/btrfs/d").pageCache.get(0)));
        } else {
            assertEquals(Errno.EFAULT, w.errno(), "6.3.8 btrfs_direct_write(): an aligned write goes through iomap and pins");
        }
        // check_direct_IO(): a write that is 512- but not 4096-aligned goes buffered on every version
        assertEquals(512, b.rw(btrfs, buf + 512, 512, PAGE, true).ret());
        assertEquals(Errno.EFAULT, b.rw(ext4, buf + 512, 512, PAGE, true).errno());
    }

    @ParameterizedTest @FieldSource("ALL")
    void misalignedDirectReadGoesThroughThePageCache(Profile p) { // btrfs_direct_read() returns 0, btrfs_file_read_iter() reads buffered
        Box b = box(p);
        int ext4 = b.open("/mnt/ext4/r", O_RDWR | O_CREAT | O_DIRECT, 4 * PAGE);
        int btrfs = b.open("/mnt/btrfs/r", O_RDWR | O_CREAT | O_DIRECT, 4 * PAGE);
        long buf = assertOk(Mmap.doMmap(b.k(), b.t(), VirtAddr.of(0), 2 * PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
        assertEquals(Errno.EINVAL, b.rw(ext4, buf, PAGE, 100, false).errno(), "iomap: offset not a multiple of the logical block size");
        assertEquals(PAGE, b.rw(btrfs, buf, PAGE, 100, false).ret());
        assertEquals(PAGE, b.rw(btrfs, buf + 512, PAGE, 0, false).ret(), "buffer not sector-aligned: buffered too");
        // aligned: the iomap path with a short-term FOLL_PIN|FOLL_WRITE, as on ext4
        assertEquals(PAGE, b.rw(btrfs, buf, PAGE, 0, false).ret());
        assertTrue(b.k().log.lines().stream().noneMatch(l -> l.contains("WARN")));
    }

    @ParameterizedTest @FieldSource("ALL")
    void alignedDirectReadIntoUnpinnableMemoryFallsBack(Profile p) { // btrfs_direct_read(): no progress -> buffered; ext4: -EFAULT
        Box b = box(p);
        long buf = b.secretBuffer(PAGE);
        int ext4 = b.open("/mnt/ext4/s", O_RDWR | O_CREAT | O_DIRECT, 4 * PAGE);
        int btrfs = b.open("/mnt/btrfs/s", O_RDWR | O_CREAT | O_DIRECT, 4 * PAGE);
        assertEquals(Errno.EFAULT, b.rw(ext4, buf, PAGE, 0, false).errno());
        assertEquals(PAGE, b.rw(btrfs, buf, PAGE, 0, false).ret());
    }

    /** vma_needs_dirty_tracking(): btrfs does writeback like ext4, so 6.5+ refuses FOLL_LONGTERM|FOLL_WRITE on a shared mapping. */
    @ParameterizedTest @FieldSource("ALL")
    void ioUringRegistrationOfASharedBtrfsMapping(Profile p) {
        Box b = box(p);
        long a = b.map(b.open("/mnt/btrfs/m", O_RDWR | O_CREAT, 2 * PAGE), 2 * PAGE, MAP_SHARED);
        int ring = (int) assertOk(IoUring.setup(b.k(), b.t(), 8, 0));
        SysResult r = Register.ioUringRegister(b.k(), b.t(), RegisterArgs.buffers(ring, List.of(new Iovec(a, PAGE))));
        // 6.5+: check_vma_flags() -> -EFAULT; 6.3/6.4/seed: io_uring's own check refuses files other than shmem/hugetlbfs
        assertEquals(p.fileBackedLongtermWriteBan() ? Errno.EFAULT : Errno.EOPNOTSUPP, r.errno(), p.name());
    }

    @Test
    void noMapSyncAndNoSizeLimitBelowMaxLfsFilesize() {
        Box b = box(Profile.V6_18);
        int fd = b.open("/mnt/btrfs/x", O_RDWR | O_CREAT, PAGE);
        // do_mmap(): MAP_SHARED_VALIDATE with MAP_SYNC on a file without FOP_MMAP_SYNC is -EOPNOTSUPP
        assertErr(Errno.EOPNOTSUPP, Mmap.doMmap(b.k(), b.t(), VirtAddr.of(0), PAGE, RW, MAP_SHARED_VALIDATE | MAP_SYNC, fd, 0));
        // inode_newsize_ok(): ext4 stops at 16 TiB - 4 KiB (ext4_max_size()), btrfs at MAX_LFS_FILESIZE
        long big = 1L << 50;
        assertEquals(0, Open.doSysFtruncate(b.k(), b.t(), fd, big).ret());
        int e = b.open("/mnt/ext4/x", O_RDWR | O_CREAT, PAGE);
        assertErr(Errno.EFBIG, Open.doSysFtruncate(b.k(), b.t(), e, big));
        assertTrue(b.k().mounts.stream().anyMatch(m -> m.path().equals("/mnt/btrfs") && m.fs() == FsType.BTRFS && !m.dax()));
    }
}
