package io.pinlab.kernel.iouring;

import io.pinlab.kernel.base.Iovec;
import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.base.SysResult;
import io.pinlab.kernel.fs.OFlag;
import io.pinlab.kernel.mm.MapFlag;
import io.pinlab.kernel.mm.Mmap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

import static io.pinlab.kernel.iouring.Lab.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * io_sqe_buffers_register() -> io_pin_pages() (io_uring/rsrc.c; io_uring/memmap.c from 6.10) and
 * GUP's check_vma_flags() (mm/gup.c): one IORING_REGISTER_BUFFERS call per scenario, over the five
 * profiles. Columns: v6.3 (edd478269640 in io_pin_pages), seed (FOLL_SAME_FILE), v6.4 (revert
 * 3c85cc43c8e7, per-VMA -EOPNOTSUPP), v6.5 (GUP check_vma_flags), v6.18 (pin_user_pages_fast).
 * null = registration succeeds. After any outcome, nothing stays pinned or accounted on failure.
 */
class DiffTableTest {
    private static final Errno OK = null;

    record Scenario(String name, Function<Lab, Iovec> setup, Errno v63, Errno seed, Errno v64, Errno v65, Errno v618) {
        Errno expected(Profile p) {
            return switch (p.name()) {
                case "v6.3" -> v63;
                case "seed" -> seed;
                case "v6.4" -> v64;
                case "v6.5" -> v65;
                default -> v618;
            };
        }

        @Override
        public String toString() { return name; }
    }

    static final List<Scenario> SCENARIOS = List.of(
            new Scenario("private anon RW", lab -> iov(lab.anon(4 * PAGE), 4 * PAGE), OK, OK, OK, OK, OK),
            new Scenario("anon PROT_READ", lab -> iov(lab.mmap(2 * PAGE, RO, PRIVATE_ANON, -1), 2 * PAGE),
                    Errno.EFAULT, Errno.EFAULT, Errno.EFAULT, Errno.EFAULT, Errno.EFAULT),
            new Scenario("memfd MAP_SHARED RW", lab -> iov(lab.mmap(2 * PAGE, RW, SHARED, lab.memfd("m", 2 * PAGE)), 2 * PAGE),
                    OK, OK, OK, OK, OK),
            new Scenario("MAP_SHARED|MAP_ANONYMOUS (shmem)", lab -> iov(lab.mmap(2 * PAGE, RW, SHARED | MapFlag.MAP_ANONYMOUS.value, -1), 2 * PAGE),
                    OK, OK, OK, OK, OK),
            new Scenario("hugetlb memfd MAP_SHARED", lab -> {
                lab.hugepages(4);
                return iov(lab.mmap(HUGE, RW, SHARED, lab.hugeMemfd("h", HUGE)), HUGE);
            }, OK, OK, OK, OK, OK),
            new Scenario("MAP_HUGETLB private anon", lab -> {
                lab.hugepages(4);
                return iov(lab.mmap(HUGE, RW, PRIVATE_ANON | MapFlag.MAP_HUGETLB.value, -1), HUGE);
            }, OK, OK, OK, OK, OK),
            new Scenario("ext4 MAP_SHARED RW", lab -> iov(lab.mmap(2 * PAGE, RW, SHARED, lab.openRw("/mnt/ext4/f", 2 * PAGE)), 2 * PAGE),
                    Errno.EOPNOTSUPP, Errno.EOPNOTSUPP, Errno.EOPNOTSUPP, Errno.EFAULT, Errno.EFAULT),
            new Scenario("ext4 MAP_PRIVATE RW", lab -> iov(lab.mmap(2 * PAGE, RW, PRIVATE, lab.openRw("/mnt/ext4/f", 2 * PAGE)), 2 * PAGE),
                    Errno.EOPNOTSUPP, Errno.EOPNOTSUPP, Errno.EOPNOTSUPP, OK, OK),
            new Scenario("ext4 MAP_SHARED PROT_READ", lab -> iov(lab.mmap(2 * PAGE, RO, SHARED, lab.open("/mnt/ext4/f", OFlag.O_RDONLY.value, 2 * PAGE)), 2 * PAGE),
                    Errno.EFAULT, Errno.EFAULT, Errno.EFAULT, Errno.EFAULT, Errno.EFAULT),
            new Scenario("fsdax file (FOLL_LONGTERM)", lab -> iov(lab.mmap(2 * PAGE, RW, SHARED, lab.openRw("/mnt/pmem/f", 2 * PAGE)), 2 * PAGE),
                    Errno.EOPNOTSUPP, Errno.EOPNOTSUPP, Errno.EOPNOTSUPP, Errno.EOPNOTSUPP, Errno.EOPNOTSUPP),
            new Scenario("/dev/zero MAP_PRIVATE (anonymous VMA with vm_file)", lab -> iov(lab.mmap(2 * PAGE, RW, PRIVATE, lab.openRw("/dev/zero", 0)), 2 * PAGE),
                    Errno.EOPNOTSUPP, Errno.EOPNOTSUPP, Errno.EOPNOTSUPP, OK, OK),
            new Scenario("anon followed by adjacent memfd", lab -> {
                long m = lab.mmap(2 * PAGE, RW, SHARED, lab.memfd("m", 2 * PAGE));
                long a = lab.anon(2 * PAGE);
                assertEquals(m, a + 2 * PAGE, "top-down placement makes them adjacent");
                return iov(a + PAGE, 2 * PAGE);
            }, Errno.EINVAL, Errno.EFAULT, OK, OK, OK),
            new Scenario("two memfds back to back", lab -> {
                long m1 = lab.mmap(2 * PAGE, RW, SHARED, lab.memfd("m1", 2 * PAGE));
                long m2 = lab.mmap(2 * PAGE, RW, SHARED, lab.memfd("m2", 2 * PAGE));
                assertEquals(m1, m2 + 2 * PAGE);
                return iov(m2 + PAGE, 2 * PAGE);
            }, Errno.EINVAL, Errno.EFAULT, OK, OK, OK),
            new Scenario("anon followed by ext4 MAP_SHARED", lab -> {
                long f = lab.mmap(2 * PAGE, RW, SHARED, lab.openRw("/mnt/ext4/f", 2 * PAGE));
                long a = lab.anon(2 * PAGE);
                assertEquals(f, a + 2 * PAGE);
                return iov(a, 4 * PAGE);
            }, Errno.EINVAL, Errno.EFAULT, Errno.EOPNOTSUPP, Errno.EFAULT, Errno.EFAULT),
            new Scenario("ext4 MAP_SHARED followed by anon", lab -> {
                long a = lab.anon(2 * PAGE);
                long f = lab.mmap(2 * PAGE, RW, SHARED, lab.openRw("/mnt/ext4/f", 2 * PAGE));
                assertEquals(a, f + 2 * PAGE);
                return iov(f, 4 * PAGE);
            }, Errno.EOPNOTSUPP, Errno.EFAULT, Errno.EOPNOTSUPP, Errno.EFAULT, Errno.EFAULT),
            new Scenario("two adjacent anon VMAs", lab -> {
                long a1 = lab.anon(2 * PAGE);
                long a2 = lab.mmap(2 * PAGE, RW | io.pinlab.kernel.mm.Prot.PROT_EXEC.value, PRIVATE_ANON, -1);
                assertEquals(a1, a2 + 2 * PAGE);
                return iov(a2, 4 * PAGE);
            }, OK, OK, OK, OK, OK),
            new Scenario("range with a hole", lab -> {
                long a = lab.anon(3 * PAGE);
                assertTrue(Mmap.doMunmap(lab.k, lab.t, a + PAGE, PAGE).ok());
                return iov(a, 3 * PAGE);
            }, Errno.EFAULT, Errno.EFAULT, Errno.EFAULT, Errno.EFAULT, Errno.EFAULT));

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Scenario s : SCENARIOS) for (Profile p : Profile.ALL) out.add(Arguments.of(s, p));
        return out.stream();
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void registerBuffers(Scenario s, Profile p) {
        Lab lab = new Lab(p);
        int ring = lab.ring();
        Iovec iov = s.setup().apply(lab);
        long lockedBefore = lab.lockedVm();
        SysResult r = lab.register(ring, iov);
        Errno want = s.expected(p);
        if (want == null) {
            assertOk(r);
            assertEquals(1, lab.buffers(ring).size());
            assertTrue(lab.t.mm.pinnedVm > 0);
        } else {
            assertErr(want, r);
            assertTrue(lab.buffers(ring).isEmpty(), "no table after a failed registration");
            assertEquals(0, lab.t.mm.pinnedVm);
            assertEquals(lockedBefore, lab.lockedVm());
            assertFalse(r.explain().isEmpty());
            assertEquals("-" + want.name(), r.explain().get(r.explain().size() - 1).outcome(), "decisive step last");
        }
    }
}
