package io.pinlab.kernel.mm;

import io.pinlab.kernel.Lab;
import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Profile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import java.util.List;

import static io.pinlab.kernel.Lab.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * madvise(MADV_REMOVE) (mm/madvise.c madvise_remove()): VM_LOCKED gives -EINVAL, a VMA without a
 * file -EINVAL, a mapping that is not shared and may-write -EACCES (vma_is_shared_maywrite());
 * otherwise it is vfs_fallocate(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE) on the file. tmpfs
 * punches with shmem_fallocate(), which unmaps the hole with unmap_mapping_range(..., even_cows = 0):
 * a private COW copy of a punched page survives, unlike truncation (even_cows = 1).
 */
class MadviseRemoveTest {
    static final int MADV_REMOVE = 9;
    static final List<Profile> PROFILES = Profile.ALL;

    @ParameterizedTest
    @FieldSource("PROFILES")
    void aHoleFreesTheSharedPagesAndLeavesPrivateCowCopies(Profile p) {
        Lab f = new Lab(p);
        int fd = f.memfd("hole", 0, 2 * PAGE);
        long shared = f.map(2 * PAGE, RW, MAP_SHARED, fd);
        f.write(shared, 2 * PAGE, 7);
        long priv = f.map(2 * PAGE, RW, MAP_PRIVATE, fd);
        f.write(priv, PAGE, 9); // do_wp_page(): the private mapping's first page becomes an anon copy
        long copy = f.pfn(priv), cached = f.pfn(shared);
        assertNotEquals(cached, copy);

        assertOk(f.madvise(shared, PAGE, MADV_REMOVE));

        assertEquals(0, Pte.pfn(f.pte(f.t, shared)), "the punched page is unmapped from the shared mapping");
        assertEquals(copy, f.pfn(priv), "even_cows = 0: the private COW copy stays mapped");
        assertEquals(9, f.valueAt(priv));
        assertEquals(0, f.valueAt(shared), "the hole reads as zeroes");
        assertEquals(7, f.valueAt(shared + PAGE), "the page after the hole is untouched");
    }

    @Test
    void aPrivateMappingIsRefusedWithEacces() {
        Lab f = new Lab();
        int fd = f.memfd("hole", 0, PAGE);
        long priv = f.map(PAGE, RW, MAP_PRIVATE, fd);
        assertErr(Errno.EACCES, "madvise_remove", f.madvise(priv, PAGE, MADV_REMOVE));
    }

    @Test
    void anonymousMemoryIsRefusedWithEinval() {
        Lab f = new Lab();
        long a = f.anon(PAGE);
        assertErr(Errno.EINVAL, "madvise_remove", f.madvise(a, PAGE, MADV_REMOVE));
    }

    @Test
    void anExt4HoleTakesTheFileSystemsPunchHole() {
        // ext4_fallocate() -> ext4_punch_hole(): the hole's pages leave the page cache, the rest stay
        Lab f = new Lab();
        int fd = f.open("/mnt/ext4/hole", O_RDWR | O_CREAT, 2 * PAGE);
        long m = f.map(2 * PAGE, RW, MAP_SHARED, fd);
        f.write(m, 2 * PAGE, 3);
        assertOk(f.madvise(m + PAGE, PAGE, MADV_REMOVE));
        assertEquals(3, f.valueAt(m));
        assertEquals(0, f.valueAt(m + PAGE));
    }
}
