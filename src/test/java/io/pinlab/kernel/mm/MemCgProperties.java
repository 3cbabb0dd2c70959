package io.pinlab.kernel.mm;

import io.pinlab.kernel.base.VirtAddr;
import io.pinlab.kernel.Kernel;
import io.pinlab.kernel.Lab;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.base.SysResult;
import io.pinlab.kernel.fs.Open;
import io.pinlab.kernel.fs.Memfd;
import io.pinlab.kernel.fs.Truncate;
import io.pinlab.kernel.fs.Inode;
import io.pinlab.kernel.fs.OpenFile;
import io.pinlab.kernel.iouring.IoRingCtx;
import io.pinlab.kernel.iouring.IoUring;
import io.pinlab.kernel.iouring.Register;
import io.pinlab.kernel.base.Iovec;
import io.pinlab.kernel.iouring.RegisterArgs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;

import static io.pinlab.kernel.mm.PhysMem.*;
import static io.pinlab.kernel.mm.VmFlag.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Random call sequences against a session with a small memory cgroup (96 to 608 KiB, so its limit is
 * hit often) and a small per-call work budget: usage never passes the limit; usage always equals
 * a recount of the structures that are charged (so nothing is charged twice or leaks); and once
 * every process has exited and every pin is released, usage is back where it started, apart
 * from the bounded logs (events, released pin records), the named files created (there is no
 * unlink) and the allocator's free-list capacity.
 */
class MemCgProperties {
    static final long BASE = 0x200000000L, WINDOW_PAGES = 16384; // 64 MiB, 2 MiB aligned

    enum Kind { MMAP_ANON, MMAP_POPULATE, MMAP_MEMFD, MUNMAP, MPROTECT, DONTNEED, HUGEPAGE, POPULATE, FORK, READ, WRITE,
        EXIT, PIN, RELEASE, RING, CLOSE, TRUNCATE }

    record Op(Kind kind, int task, int page, int pages, int arg) {}

    static LongStream seeds() { return LongStream.range(0, 120); }

    /** Seeds whose sequence ran the memcg to its limit: the test must reach the failure paths, not only pass. */
    static final AtomicInteger atLimit = new AtomicInteger();

    @AfterAll
    static void theLimitWasReached() {
        assertTrue(atLimit.get() >= 30, atLimit.get() + " of 120 sequences reached the limit");
    }

    static List<Op> ops(Random r) {
        List<Op> ops = new ArrayList<>();
        int n = 10 + r.nextInt(60);
        for (int i = 0; i < n; i++) {
            int pages = r.nextInt(4) < 2 ? 1 + r.nextInt(64) : 1 + r.nextInt((int) WINDOW_PAGES);
            ops.add(new Op(Kind.values()[r.nextInt(Kind.values().length)], r.nextInt(6), r.nextInt((int) WINDOW_PAGES), pages, r.nextInt(8)));
        }
        return ops;
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void usageStaysWithinTheLimitAndComesBack(long seed) {
        Random r = new Random(seed);
        Profile profile = Profile.ALL.get(r.nextInt(Profile.ALL.size()));
        long max = (96 << 10) + r.nextInt(512 << 10);
        Kernel k = new Lab(new Kernel(profile, r.nextBoolean(), new MemCg(max, null), 1000 + r.nextInt(20_000))).hugepages(2).k;
        long start = k.memcg.usage() - logs(k) - names(k) - MemCg.VMA_BYTES; // pid 1's [stack] VMA goes with it
        List<Task> live = new ArrayList<>(List.of(k.task(1)));
        List<Long> pins = new ArrayList<>();
        for (Op op : ops(r)) {
            k.beginCall(); // each op is one call with a full work budget, as Syscall.apply gives it
            live.removeIf(t -> !k.tasks.containsKey(t.pid)); // the memcg OOM killer may have taken some
            if (live.isEmpty()) break;
            Task t = live.get(op.task() % live.size());
            long addr = BASE + (long) op.page() * PAGE_SIZE;
            long len = Math.min(op.pages(), WINDOW_PAGES - op.page()) * PAGE_SIZE;
            int prot = new int[] {0, 1, 3, 3, 3, 1, 2, 7}[op.arg()];
            int fixed = 0x10, anon = 0x20, priv = 0x02, shared = 0x01;
            switch (op.kind()) {
                case MMAP_ANON -> Mmap.doMmap(k, t, VirtAddr.of(addr), len, prot, priv | anon | fixed, -1, 0);
                case MMAP_POPULATE -> Mmap.doMmap(k, t, VirtAddr.of(addr), len, 3, (op.arg() % 2 == 0 ? priv : shared) | anon | fixed
                        | (op.arg() < 4 ? 0x8000 : 0x2000), -1, 0); // MAP_POPULATE or MAP_LOCKED
                case MMAP_MEMFD -> {
                    SysResult fd = Memfd.memfdCreate(k, t, "p", 0, WINDOW_PAGES * PAGE_SIZE);
                    if (fd.errno() == null) {
                        Mmap.doMmap(k, t, VirtAddr.of(addr), len, prot, (op.arg() % 2 == 0 ? shared : priv) | fixed, (int) fd.ret(), 0);
                        if (op.arg() < 6) Open.closeFd(k, t, (int) fd.ret());
                    }
                }
                case MUNMAP -> Mmap.doMunmap(k, t, VirtAddr.of(addr), len);
                case MPROTECT -> Mprotect.doMprotect(k, t, VirtAddr.of(addr), len, prot);
                case DONTNEED -> Madvise.doMadvise(k, t, VirtAddr.of(addr), len, 4);
                case HUGEPAGE -> Madvise.doMadvise(k, t, VirtAddr.of(addr), len, 14);
                case POPULATE -> Madvise.doMadvise(k, t, VirtAddr.of(addr), len, op.arg() % 2 == 0 ? 22 : 23);
                case FORK -> {
                    SysResult f = Fork.copyProcess(k, t);
                    if (f.errno() == null) live.add(k.task((int) f.ret()));
                }
                case READ -> UserAccess.access(k, t, VirtAddr.of(addr), len, false, null);
                case WRITE -> UserAccess.access(k, t, VirtAddr.of(addr), len, true, (long) op.arg() + 1);
                case EXIT -> { if (live.size() > 1) { Exit.doExit(k, t); live.remove(t); } }
                case PIN -> {
                    GupResult g = GupTest.call(k, t, GupRequest.of(op.arg() % 2 == 0 ? GupCall.pin_user_pages : GupCall.get_user_pages,
                            VirtAddr.of(addr), len / PAGE_SIZE, FollFlag.FOLL_WRITE.value()));
                    if (g.pin() != null) pins.add(g.pin().id());
                }
                case RELEASE -> {
                    if (!pins.isEmpty()) {
                        long id = pins.remove(op.page() % pins.size());
                        Pins.release(k, id, Pins.get(k, id).kind() == Pin.Kind.FOLL_PIN ? "unpin_user_pages" : "put_page", false);
                    }
                }
                case RING -> {
                    SysResult ring = IoUring.setup(k, t, 8, 0);
                    if (ring.errno() == null)
                        Register.ioUringRegister(k, t, RegisterArgs.buffers((int) ring.ret(), List.of(new Iovec(addr, len), new Iovec(BASE, PAGE_SIZE))));
                }
                case CLOSE -> {
                    if (!t.fds.isEmpty()) Open.closeFd(k, t, t.fds.firstKey());
                }
                case TRUNCATE -> {
                    SysResult fd = Open.doSysOpen(k, t, "/dev/shm/prop", 0102, null);
                    if (fd.errno() == null) {
                        Mmap.doMmap(k, t, VirtAddr.of(addr), len, 3, shared | fixed, (int) fd.ret(), 0);
                        Open.doSysFtruncate(k, t, (int) fd.ret(), (long) op.arg() * 512 * PAGE_SIZE);
                        Open.closeFd(k, t, (int) fd.ret());
                    }
                }
            }
            assertTrue(k.memcg.usage() <= max, () -> op + ": usage " + k.memcg.usage() + " passed the limit " + max);
            assertEquals(recount(k), k.memcg.usage(), () -> "after " + op + ": charged bytes differ from a recount");
        }
        if (k.memcg.peak() > max - MemCg.FAULT_BYTES) atLimit.incrementAndGet();
        for (long id : pins)
            Pins.release(k, id, Pins.get(k, id).kind() == Pin.Kind.FOLL_PIN ? "unpin_user_pages" : "put_page", false);
        for (Task t : new ArrayList<>(k.tasks.values())) Exit.doExit(k, t);
        Inode named = k.inodes.get("/dev/shm/prop");
        if (named != null) Truncate.truncateSetsize(k, named, 0);
        assertEquals(recount(k), k.memcg.usage());
        // the huge zero folio stays once allocated (mm/huge_memory.c: only its shrinker frees it), and
        // so does the pageblock that holds it
        long hugeZero = k.hugeZeroPfn >= 0 ? MemCg.BLOCK_BYTES : 0;
        assertEquals(start, k.memcg.usage() - logs(k) - names(k) - k.phys.freeListBytes() - hugeZero,
                "usage back to its starting value");
    }

    /** What stays charged after everything is released: the released pins still listed. */
    static long logs(Kernel k) {
        return k.pins.chargedBytes();
    }

    /** Named inodes stay (nothing here unlinks a path): the boot ones and those the sequence created. */
    static long names(Kernel k) {
        long n = 0;
        for (String path : k.inodes.keySet()) n += Kernel.inodeBytes(path);
        return n;
    }

    /** The charge restated from the structures that exist. */
    static long recount(Kernel k) {
        long bytes = MemCg.KERNEL_BYTES + k.phys.blocks() * MemCg.BLOCK_BYTES + k.phys.freeListBytes()
                + k.pins.chargedBytes() + k.heldPageEntries() * MemCg.PAGE_ENTRY_BYTES;
        Map<Inode, Boolean> inodes = new IdentityHashMap<>();
        Map<IoRingCtx, Boolean> rings = new IdentityHashMap<>();
        Map<OpenFile, Boolean> files = new IdentityHashMap<>();
        for (Map.Entry<String, Inode> e : k.inodes.entrySet()) {
            inodes.put(e.getValue(), true);
            bytes += Kernel.inodeBytes(e.getKey());
        }
        for (Task t : k.tasks.values()) {
            Mm mm = t.mm;
            bytes += mm.mapCount() * MemCg.VMA_BYTES + (mm.ptes.leaves() + mm.pmds.leaves()) * MemCg.LEAF_BYTES;
            for (Vma v : mm.vmas.values()) {
                if (v.file != null) {
                    inodes.put(v.file.inode(), true);
                    files.put(v.file, true);
                }
                if (!v.isHugetlb()) { // an anonymous THP's deposited page table (x86-64 deposits none for a file PMD)
                    long[] n = {0};
                    mm.pmds.forEach(v.start >>> 21, v.end >>> 21, (key, pmd) -> { if (!HugeMemory.isFilePmd(k, pmd)) n[0]++; });
                    bytes += n[0] * MemCg.LEAF_BYTES;
                }
            }
            for (OpenFile f : t.fds.values()) {
                inodes.put(f.inode(), true);
                files.put(f, true);
                if (IoUring.ringOf(f) != null && !IoUring.ringOf(f).freed()) rings.put(IoUring.ringOf(f), true);
            }
        }
        for (Inode in : inodes.keySet()) bytes += in.pageCache.leaves() * MemCg.LEAF_BYTES;
        return bytes + rings.size() * MemCg.RING_BYTES + files.size() * MemCg.FILE_BYTES;
    }
}
