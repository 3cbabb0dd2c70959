package io.pinlab.kernel.fs;

import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.Lab;
import io.pinlab.kernel.base.NoSuchObjectException;
import io.pinlab.kernel.base.SysResult;
import io.pinlab.kernel.Sysctl;
import io.pinlab.kernel.Views;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.pinlab.kernel.Lab.*;
import static org.junit.jupiter.api.Assertions.*;

/** open/memfd_create/memfd_secret/ftruncate/close (fs/open.c, fs/namei.c, mm/memfd.c, mm/secretmem.c), views and sysctl. */
class FilesTest {
    final Lab lab = new Lab();

    SysResult open(String p, int f) { return Open.doSysOpen(lab.k, lab.t, p, f, null); }

    @Test void missingWithoutCreat() { assertErr(Errno.ENOENT, open("/mnt/ext4/nope", O_RDONLY)); } // lookup_open(): no O_CREAT

    @Test void missingParent() { assertErr(Errno.ENOENT, open("/mnt/ext4/dir/x", O_CREAT | O_RDWR)); } // link_path_walk()

    @Test void parentIsAFile() { // link_path_walk(): a path component that is not a directory -> -ENOTDIR
        lab.open("/mnt/ext4/f", O_CREAT | O_RDWR, null);
        assertErr(Errno.ENOTDIR, open("/mnt/ext4/f/x", O_CREAT | O_RDWR));
    }

    @Test void creatExcl() { // lookup_open(): O_CREAT|O_EXCL on an existing file -> -EEXIST
        lab.open("/mnt/ext4/f", O_CREAT | O_RDWR, null);
        assertErr(Errno.EEXIST, open("/mnt/ext4/f", O_CREAT | O_EXCL | O_RDWR));
    }

    @Test void creatWithDirectory() { // build_open_flags(): O_CREAT|O_DIRECTORY -> -EINVAL (6.3.8 and 6.5 sources alike)
        assertErr(Errno.EINVAL, open("/mnt/ext4/d", O_CREAT | O_DIRECTORY | O_RDONLY));
        assertNull(lab.k.inodes.get("/mnt/ext4/d"));
    }

    @Test void directoryForWriting() { assertErr(Errno.EISDIR, open("/mnt/ext4", O_RDWR)); } // may_open(): S_ISDIR && MAY_WRITE

    @Test void oDirectoryOnAFile() { assertErr(Errno.ENOTDIR, open("/mnt/ext4/readonly", O_RDONLY | O_DIRECTORY)); } // do_open()

    @Test void rootOwnedReadOnlyFile() { // generic_permission(): "other" bits r-- for uid 1000
        assertTrue(open("/mnt/ext4/readonly", O_RDONLY).ok());
        assertErr(Errno.EACCES, open("/mnt/ext4/readonly", O_RDWR));
        assertErr(Errno.EACCES, open("/mnt/ext4/readonly", O_RDONLY | O_TRUNC)); // O_TRUNC needs MAY_WRITE
    }

    @Test void createdFileGetsUidAndUmask() { // 0666 & ~022
        lab.open("/mnt/xfs/f", O_CREAT | O_RDWR, 8192L);
        Inode in = lab.k.inodes.get("/mnt/xfs/f");
        assertEquals(0644, in.mode);
        assertEquals(1000, in.uid);
        assertEquals(8192, in.size);
    }

    @Test void hugetlbfsSizeMustBeAligned() { // hugetlbfs_setattr(): size & ~huge_page_mask -> -EINVAL
        assertErr(Errno.EINVAL, Open.doSysOpen(lab.k, lab.t, "/mnt/huge/h", O_CREAT | O_RDWR, 4096L));
    }

    @Test void memfdNameTooLong() { // memfd_create(): strlen(name) > MFD_NAME_MAX_LEN (249) -> -EINVAL
        assertErr(Errno.EINVAL, Memfd.memfdCreate(lab.k, lab.t, "x".repeat(250), 0, null));
        assertTrue(Memfd.memfdCreate(lab.k, lab.t, "x".repeat(249), 0, null).ok());
    }

    @Test void memfdUnknownFlags() { // memfd_create(): flags & ~MFD_ALL_FLAGS -> -EINVAL
        assertErr(Errno.EINVAL, Memfd.memfdCreate(lab.k, lab.t, "m", 0x100, null));
    }

    @Test void memfdHugetlb() { // MFD_HUGETLB: a hugetlbfs inode
        int fd = (int) assertOk(Memfd.memfdCreate(lab.k, lab.t, "h", MfdFlag.MFD_HUGETLB.value, 2L << 20));
        assertTrue(lab.t.fds.get(fd).inode().isHugetlb());
        assertEquals("/memfd:h (deleted)", Views.fds(lab.k, lab.t).get(0).path());
    }

    @Test void ftruncateRules() { // ksys_ftruncate(): length < 0 -> -EINVAL first, then -EBADF; do_ftruncate(): !FMODE_WRITE -> -EINVAL
        assertErr(Errno.EINVAL, lab.ftruncate(99, -1));
        assertErr(Errno.EBADF, lab.ftruncate(99, 0));
        int fd = lab.open("/mnt/ext4/readonly", O_RDONLY, null);
        assertErr(Errno.EINVAL, lab.ftruncate(fd, 0));
    }

    @Test void secretmemSizeOnce() { // secretmem_setattr(): a second size change -> -EINVAL
        int fd = (int) assertOk(Secretmem.memfdSecret(lab.k, lab.t, 4096L));
        assertErr(Errno.EINVAL, lab.ftruncate(fd, 8192));
    }

    @Test void closeTwice() { // close_fd(): -EBADF
        int fd = lab.open("/mnt/ext4/f", O_CREAT | O_RDWR, null);
        assertEquals(0, lab.close(fd).ret());
        assertErr(Errno.EBADF, lab.close(fd));
    }

    @Test void lowestFreeFd() {
        int a = lab.open("/mnt/ext4/a", O_CREAT | O_RDWR, null);
        int b = lab.open("/mnt/ext4/b", O_CREAT | O_RDWR, null);
        assertOk(lab.close(a));
        assertEquals(a, lab.open("/mnt/ext4/c", O_CREAT | O_RDWR, null));
        assertEquals(1, b);
    }

    @Test void memfdPagesFreedAfterLastReference() { // fput() -> evict(): an unlinked inode's page cache goes with the last file ref
        long before = lab.k.phys.usedFrames(io.pinlab.kernel.mm.Zone.NORMAL);
        int fd = (int) assertOk(Memfd.memfdCreate(lab.k, lab.t, "m", 0, 2 * PAGE));
        long a = assertOk(lab.mmap(0, 2 * PAGE, RW, MAP_SHARED, fd, 0));
        assertTrue(lab.write(lab.t, a, 2 * PAGE, 1).ok());
        assertOk(lab.close(fd));
        assertEquals(before + 2, lab.k.phys.usedFrames(io.pinlab.kernel.mm.Zone.NORMAL), "the mapping keeps the file");
        assertOk(lab.munmap(a, 2 * PAGE));
        assertEquals(before, lab.k.phys.usedFrames(io.pinlab.kernel.mm.Zone.NORMAL));
    }

    @Test void sysctl() { // set_max_huge_pages(): never below in-use + reserved
        assertEquals(65530, Sysctl.get(lab.k, "vm.max_map_count"));
        assertOk(lab.sysctl("vm.nr_hugepages", 3));
        assertOk(lab.mmap(0, 2 * HUGE, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0));
        assertOk(lab.sysctl("vm.nr_hugepages", 0));
        assertEquals(2, Sysctl.get(lab.k, "vm.nr_hugepages"));
        assertThrows(NoSuchObjectException.class, () -> Sysctl.get(lab.k, "vm.swappiness"));
    }

    @Test void mapsTextFormat() { // show_map_vma(): "%08lx-%08lx %c%c%c%c %08llx %02x:%02x %lu ", name padded to column 73
        int fd = (int) assertOk(Memfd.memfdCreate(lab.k, lab.t, "buf", 0, PAGE));
        long m = assertOk(lab.mmap(0, PAGE, RW, MAP_SHARED, fd, 0));
        long a = lab.anon(PAGE, PROT_READ);
        List<String> lines = Views.mapsText(lab.k, lab.t).lines().toList();
        String anonLine = String.format("%08x-%08x r--p 00000000 00:00 0 ", a, a + PAGE);
        assertEquals(anonLine, lines.get(0));
        String memfd = lines.get(1);
        assertTrue(memfd.startsWith(String.format("%08x-%08x rw-s 00000000 00:01 ", m, m + PAGE)), memfd);
        assertEquals(73, memfd.indexOf("/memfd:buf (deleted)"));
        assertTrue(lines.get(2).endsWith(" [stack]"));
        assertEquals(73, lines.get(2).indexOf("[stack]"));
    }

    @Test void mapsRssAndPinned() {
        long a = lab.anon(4 * PAGE, RW);
        assertTrue(lab.write(lab.t, a, 2 * PAGE, 1).ok());
        var pfn = io.pinlab.kernel.mm.Pte.pfn(io.pinlab.kernel.mm.Memory.followPte(lab.t.mm, a));
        lab.k.phys.refAdd(pfn, io.pinlab.kernel.mm.PhysMem.GUP_PIN_COUNTING_BIAS);
        Views.MapEntry e = Views.maps(lab.k, lab.t).get(0);
        assertEquals(2 * PAGE, e.rss());
        assertEquals(1, e.pinned());
        List<Views.PageEntry> pm = Views.pagemap(lab.k, lab.t, a, 4 * PAGE);
        assertEquals(4, pm.size());
        assertTrue(pm.get(0).anonExclusive());
        assertEquals(1025, pm.get(0).folio().refcount());
        assertEquals(1, pm.get(0).folio().pincount());
        assertFalse(pm.get(2).present());
        lab.k.phys.refAdd(pfn, -io.pinlab.kernel.mm.PhysMem.GUP_PIN_COUNTING_BIAS);
    }
}
