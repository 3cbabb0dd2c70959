package io.pinlab.kernel.mm;

import io.pinlab.kernel.base.VirtAddr;
import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.Kernel;
import io.pinlab.kernel.Lab;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.fs.Open;
import io.pinlab.kernel.fs.Memfd;
import io.pinlab.kernel.fs.Inode;
import io.pinlab.kernel.fs.OpenFile;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.LongStream;

import static io.pinlab.kernel.mm.PhysMem.*;
import static io.pinlab.kernel.mm.VmFlag.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Random sequences of mmap/munmap/mprotect/madvise/fork/access/exit keep the address-space
 * invariants, and exiting every process returns every frame. Operations aim at a 4 MiB window
 * (2 MiB aligned, so THP happens) with MAP_FIXED so that they overlap a lot.
 */
class AddressSpaceProperties {
    static final long BASE = 0x200000000L, WINDOW_PAGES = 1024;

    enum Kind { MMAP_ANON, MMAP_SHARED_ANON, MMAP_MEMFD_SHARED, MMAP_MEMFD_PRIVATE, MMAP_TMPFS, MUNMAP, MPROTECT,
        DONTNEED, DONTFORK, WIPEONFORK, HUGEPAGE, POPULATE, FORK, READ, WRITE, EXIT, TRUNCATE, MMAP_HUGETLB, PIN, UNPIN, MMAP_ANYWHERE,
        COLLAPSE }

    record Op(Kind kind, int task, int page, int pages, int arg) {}

    /** 300 reproducible cases: a failing seed is in the test name; rerun it alone to debug. */
    static LongStream seeds() { return LongStream.range(0, 300); }

    /** 1 to 40 operations; lengths are mostly short (1-16 pages), sometimes up to the whole window. */
    static List<Op> ops(Random r) {
        List<Op> ops = new ArrayList<>();
        int n = 1 + r.nextInt(40);
        for (int i = 0; i < n; i++) {
            int pages = r.nextInt(8) < 6 ? 1 + r.nextInt(16) : 1 + r.nextInt(1024);
            ops.add(new Op(Kind.values()[r.nextInt(Kind.values().length)], r.nextInt(4),
                    r.nextInt((int) WINDOW_PAGES), pages, r.nextInt(8)));
        }
        return ops;
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void invariantsHold(long seed) {
        Random r = new Random(seed);
        Profile profile = Profile.ALL.get(r.nextInt(Profile.ALL.size()));
        List<Op> ops = ops(r);
        Kernel k = new Lab(profile).hugepages(4).k;
        long startFrames = k.phys.usedFrames(Zone.NORMAL);
        List<Long> pins = new ArrayList<>(); // pinned pfns, as a driver's pin_user_pages() would hold them
        List<Task> live = new ArrayList<>(List.of(k.task(1)));
        int memfd = -1;
        for (Op op : ops) {
            Task t = live.get(op.task() % live.size());
            long addr = BASE + (long) op.page() * PAGE_SIZE;
            long len = Math.min(op.pages(), WINDOW_PAGES - op.page()) * PAGE_SIZE;
            int prot = new int[] {0, 1, 3, 3, 3, 1, 2, 7}[op.arg()];
            int fixed = 0x10, anon = 0x20, priv = 0x02, shared = 0x01;
            switch (op.kind()) {
                case MMAP_ANON -> Mmap.doMmap(k, t, VirtAddr.of(addr), len, prot, priv | anon | fixed, -1, 0);
                case MMAP_SHARED_ANON -> Mmap.doMmap(k, t, VirtAddr.of(addr), len, prot, shared | anon | fixed, -1, 0);
                case MMAP_MEMFD_SHARED, MMAP_MEMFD_PRIVATE -> {
                    int fd = t.fds.containsKey(memfd) ? memfd : (int) Memfd.memfdCreate(k, t, "p", 0, WINDOW_PAGES * PAGE_SIZE).ret();
                    memfd = fd;
                    int flags = (op.kind() == Kind.MMAP_MEMFD_SHARED ? shared : priv) | fixed;
                    if (op.arg() == 0) // one aligned half of the window, file offset 0: COLLAPSE can make it a shmem THP
                        Mmap.doMmap(k, t, VirtAddr.of(BASE + (op.page() % 2) * HPAGE_SIZE), HPAGE_SIZE, 3, flags, fd, 0);
                    else Mmap.doMmap(k, t, VirtAddr.of(addr), len, prot, flags, fd, (op.arg() % 4) * PAGE_SIZE);
                }
                case MMAP_TMPFS -> {
                    int fd = (int) Open.doSysOpen(k, t, "/dev/shm/prop", 0102, 32 * PAGE_SIZE).ret();
                    Mmap.doMmap(k, t, VirtAddr.of(addr), len, prot, (op.arg() % 2 == 0 ? shared : priv) | fixed, fd, 0);
                    Open.closeFd(k, t, fd);
                }
                case MMAP_ANYWHERE -> { // top-down placement: the highest gap below mmap_base, whatever the search hint says
                    long expected = highestGap(t.mm, len, profile.thpAlignedAnonMmap());
                    long got = Mmap.doMmap(k, t, VirtAddr.of(0), len, prot, priv | anon | (op.arg() % 3 == 0 ? 0x100 : 0), -1, 0).ret();
                    assertEquals(expected, got, "unmapped_area_topdown()");
                }
                case MUNMAP -> Mmap.doMunmap(k, t, VirtAddr.of(addr), len);
                case MPROTECT -> Mprotect.doMprotect(k, t, VirtAddr.of(addr), len, prot);
                case DONTNEED -> Madvise.doMadvise(k, t, VirtAddr.of(addr), len, 4);
                case DONTFORK -> Madvise.doMadvise(k, t, VirtAddr.of(addr), len, op.arg() % 2 == 0 ? 10 : 11);
                case WIPEONFORK -> Madvise.doMadvise(k, t, VirtAddr.of(addr), len, op.arg() % 2 == 0 ? 18 : 19);
                case HUGEPAGE -> Madvise.doMadvise(k, t, VirtAddr.of(addr), len, op.arg() % 2 == 0 ? 14 : 15);
                case POPULATE -> Madvise.doMadvise(k, t, VirtAddr.of(addr), len, op.arg() % 2 == 0 ? 22 : 23);
                case FORK -> { if (live.size() < 4) live.add(k.task((int) Fork.copyProcess(k, t).ret())); }
                case READ -> UserAccess.access(k, t, VirtAddr.of(addr), len, false, null);
                case WRITE -> UserAccess.access(k, t, VirtAddr.of(addr), len, true, (long) op.arg() + 1);
                case EXIT -> { if (live.size() > 1) { Exit.doExit(k, t); live.remove(t); } }
                case MMAP_HUGETLB -> Mmap.doMmap(k, t, VirtAddr.of(addr & ~(HPAGE_SIZE - 1)), HPAGE_SIZE * (1 + op.arg() % 2), prot,
                        (op.arg() % 4 < 2 ? priv : shared) | anon | fixed | 0x40000 | (op.arg() % 3 == 0 ? 0x4000 : 0), -1, 0);
                case PIN -> {
                    long pte = Memory.followPte(t.mm, addr);
                    if (Pte.present(pte) && !Pte.special(pte)) {
                        long pfn = Pte.pfn(pte);
                        pin(k, pfn, 1);
                        pins.add(pfn);
                        t.mm.flags |= Mm.MMF_HAS_PINNED;
                    }
                }
                case UNPIN -> { if (!pins.isEmpty()) pin(k, pins.remove(op.page() % pins.size()), -1); }
                case TRUNCATE -> {
                    int fd = memfd;
                    if (t.fds.containsKey(fd)) notSimulatedChangesNothing(k, () -> Open.doSysFtruncate(k, t, fd, (long) op.arg() * 8 * PAGE_SIZE));
                }
                case COLLAPSE -> { // arg < 4: map the memfd shared over one aligned half of the window and write its first pages first
                    long half = BASE + (op.page() % 2) * HPAGE_SIZE;
                    if (op.arg() < 4) {
                        int fd = t.fds.containsKey(memfd) ? memfd : (int) Memfd.memfdCreate(k, t, "p", 0, WINDOW_PAGES * PAGE_SIZE).ret();
                        memfd = fd;
                        Mmap.doMmap(k, t, VirtAddr.of(half), HPAGE_SIZE, 3, shared | fixed, fd, (op.page() % 2) * HPAGE_SIZE);
                        UserAccess.access(k, t, VirtAddr.of(half), (op.pages() % 64 + 1) * PAGE_SIZE, true, 7L);
                    }
                    notSimulatedChangesNothing(k, () -> Madvise.doMadvise(k, t, VirtAddr.of(half), op.arg() < 6 ? HPAGE_SIZE : 2 * HPAGE_SIZE, Madv.MADV_COLLAPSE.value));
                }
            }
            for (Task x : live) checkAddressSpace(k, x);
            checkCounts(k, live, pins);
        }
        for (Task t : new ArrayList<>(live)) Exit.doExit(k, t);
        for (long pfn : pins) pin(k, pfn, -1);
        long cached = 0;
        for (Inode in : k.inodes.values()) cached += in.pageCache.count();
        assertEquals(startFrames + cached, k.phys.usedFrames(Zone.NORMAL), "exit returned every frame but named files' page cache");
        assertEquals(0, k.defaultHstate.inUse);
    }

    /** Runs the call; a NotSimulatedException must leave the kernel as it was (the snapshot bytes do not change). */
    static void notSimulatedChangesNothing(Kernel k, Runnable call) {
        byte[] before = io.pinlab.kernel.KernelSnapshot.write(k);
        try {
            call.run();
        } catch (io.pinlab.kernel.base.NotSimulatedException e) {
            assertArrayEquals(before, io.pinlab.kernel.KernelSnapshot.write(k), "refused as not simulated after a change: " + e.getMessage());
        }
    }

    /** VMAs sorted, disjoint, inside [mmap_min_addr, TASK_SIZE); mergeable neighbours merged; every PTE inside a VMA; RSS adds up. */
    static void checkAddressSpace(Kernel k, Task t) {
        Mm mm = t.mm;
        Vma prev = null;
        for (Map.Entry<Long, Vma> e : mm.vmas.entrySet()) {
            Vma v = e.getValue();
            assertEquals(e.getKey().longValue(), v.start);
            assertTrue(v.start < v.end && v.start >= Mm.MMAP_MIN_ADDR && v.end <= Mm.TASK_SIZE, "VMA in range");
            assertEquals(0, v.start % PAGE_SIZE);
            assertEquals(0, v.end % PAGE_SIZE);
            if (prev != null) {
                assertTrue(prev.end <= v.start, "VMAs overlap");
                // vma_merge() rules, restated: adjacent, equal flags/file/ops, contiguous pgoff, compatible anon_vma, not special
                boolean mergeable = prev.end == v.start && prev.flags == v.flags && prev.file == v.file && prev.ops == v.ops
                        && v.pgoff == prev.pgoff + prev.pages() && (prev.flags & (VM_IO_B | VM_DONTEXPAND_B | VM_PFNMAP_B | VM_MIXEDMAP_B)) == 0
                        && (prev.anonVma == 0 || v.anonVma == 0 || prev.anonVma == v.anonVma) && prev.name == null && v.name == null;
                assertFalse(mergeable, "unmerged neighbours " + Long.toHexString(prev.start) + " " + Long.toHexString(v.start));
            }
            prev = v;
        }
        long[] rss = {0};
        mm.ptes.forEach(0, Long.MAX_VALUE, (vpn, pte) -> {
            Vma v = mm.vmaLookup(vpn << PAGE_SHIFT);
            assertNotNull(v, "PTE outside every VMA at " + Long.toHexString(vpn << PAGE_SHIFT));
            assertFalse(mm.pmds.get(vpn >>> 9) != 0, "PTE under a PMD leaf");
            if (!Pte.special(pte)) rss[0]++;
            if (Pte.write(pte)) assertTrue(v.has(VM_WRITE_B), "writable PTE in a VMA without VM_WRITE");
        });
        mm.pmds.forEach(0, Long.MAX_VALUE, (key, pmd) -> {
            Vma v = mm.vmaLookup(key << 21);
            assertNotNull(v, "PMD outside every VMA");
            assertTrue(v.start <= key << 21 && (key << 21) + HPAGE_SIZE <= v.end, "PMD leaf crosses a VMA boundary");
            rss[0] += HPAGE_NR;
        });
        assertEquals(rss[0], mm.rssAnon + mm.rssFile + mm.rssShmem, "RSS counters");
        assertTrue(mm.rssAnon >= 0 && mm.rssFile >= 0 && mm.rssShmem >= 0);
    }

    /**
     * Every folio's refcount and mapcount equal what page tables and page caches account for
     * (one ref + one map per PTE or PMD mapping, one ref for a page-cache entry), and no
     * allocated frame is unaccounted.
     */
    /** unmapped_area_topdown() restated by brute force: scan every page-aligned start from the top. */
    static long highestGap(Mm mm, long len, boolean thpAlign) {
        if (thpAlign && len % HPAGE_SIZE == 0) { // 6.7+ __thp_get_unmapped_area(): a padded gap, moved up to a 2 MiB boundary
            long r = plainHighestGap(mm, len + HPAGE_SIZE);
            if (r >= 0) return r % HPAGE_SIZE == 0 ? r + HPAGE_SIZE : (r + HPAGE_SIZE - 1) / HPAGE_SIZE * HPAGE_SIZE;
        }
        return plainHighestGap(mm, len);
    }

    static long plainHighestGap(Mm mm, long len) {
        for (long a = Mm.MMAP_BASE - len; a >= Mm.MMAP_MIN_ADDR; a -= PAGE_SIZE) {
            Vma v = mm.findVma(a);
            long limit = v == null ? Long.MAX_VALUE : v.has(VM_GROWSDOWN_B) ? v.start - 256 * PAGE_SIZE : v.start;
            if (a + len <= limit) return a;
            a = Math.min(a, limit - len + PAGE_SIZE); // jump below the blocking VMA
        }
        return -Errno.ENOMEM.value();
    }

    /** What FOLL_PIN adds or unpin_user_page() drops: GUP_PIN_COUNTING_BIAS on a small folio, 1 + _pincount on a large one. */
    static void pin(Kernel k, long pfn, int dir) {
        if (k.phys.isLarge(pfn)) {
            k.phys.pincountAdd(pfn, dir);
            if (dir > 0) k.phys.refAdd(pfn, 1);
            else if (k.phys.testPageFlag(pfn, PG_HUGETLB)) Hugetlb.releaseHugetlbRef(k, k.phys.head(pfn));
            else k.phys.refAdd(pfn, -1);
        } else {
            k.phys.refAdd(pfn, dir * PhysMem.GUP_PIN_COUNTING_BIAS);
        }
    }

    static void checkCounts(Kernel k, List<Task> live, List<Long> pins) {
        Map<Long, int[]> seen = new HashMap<>(); // head -> {maps, cacheRefs, pinRefs}
        for (Task t : live) {
            t.mm.ptes.forEach(0, Long.MAX_VALUE, (vpn, pte) -> {
                if (Pte.special(pte)) return;
                seen.computeIfAbsent(k.phys.head(Pte.pfn(pte)), h -> new int[3])[0]++;
            });
            t.mm.pmds.forEach(0, Long.MAX_VALUE, (key, pmd) -> seen.computeIfAbsent(Pte.pfn(pmd), h -> new int[3])[0]++);
        }
        Map<Inode, Boolean> inodes = new IdentityHashMap<>();
        for (Inode in : k.inodes.values()) inodes.put(in, true);
        for (Task t : live) {
            for (OpenFile f : t.fds.values()) inodes.put(f.inode(), true);
            for (Vma v : t.mm.vmas.values()) if (v.file != null) inodes.put(v.file.inode(), true);
        }
        for (Inode in : inodes.keySet()) // a large folio's page-cache slots hold one reference each (__filemap_add_folio(): folio_ref_add(folio, nr))
            in.pageCache.forEach(0, Long.MAX_VALUE, (idx, pfn) -> { if (pfn > 0) seen.computeIfAbsent(k.phys.head(pfn), h -> new int[3])[1]++; });
        for (long pfn : pins)
            seen.computeIfAbsent(k.phys.head(pfn), h -> new int[3])[2] += k.phys.isLarge(pfn) ? 1 : PhysMem.GUP_PIN_COUNTING_BIAS;
        long frames = 0;
        for (Map.Entry<Long, int[]> e : seen.entrySet()) {
            long h = e.getKey();
            int maps = e.getValue()[0], cache = e.getValue()[1], pinRefs = e.getValue()[2];
            assertEquals(maps, k.phys.mapcount(h), "mapcount of pfn " + Long.toHexString(h));
            assertEquals(maps + cache + pinRefs, k.phys.refcount(h), "refcount of pfn " + Long.toHexString(h));
            frames += k.phys.isLarge(h) ? HPAGE_NR : 1;
        }
        assertEquals(frames, k.phys.usedFrames(Zone.NORMAL), "allocated frames nobody accounts for");
        long huge = seen.keySet().stream().filter(h -> k.phys.testPageFlag(h, PG_HUGETLB)).count();
        assertEquals(huge, k.defaultHstate.inUse, "hugetlb pages in use");
        long resv = 0;
        for (Task t : live) for (Vma v : t.mm.vmas.values()) resv += v.hugeResv;
        assertEquals(resv, k.defaultHstate.resvHugePages, "hugetlb reservations");
        assertTrue(k.defaultHstate.resvHugePages + k.defaultHstate.inUse <= k.defaultHstate.nrHugePages, "reservations fit the pool");
    }
}
