package io.pinlab.bench;

import io.pinlab.kernel.base.VirtAddr;
import io.pinlab.kernel.Kernel;
import io.pinlab.kernel.mm.MemCg;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.base.SysResult;
import io.pinlab.kernel.mm.Task;
import io.pinlab.kernel.fs.Memfd;
import io.pinlab.kernel.mm.Exit;
import io.pinlab.kernel.mm.FollFlag;
import io.pinlab.kernel.mm.Fork;
import io.pinlab.kernel.mm.GupTest;
import io.pinlab.kernel.mm.GupCall;
import io.pinlab.kernel.mm.GupRequest;
import io.pinlab.kernel.mm.GupResult;
import io.pinlab.kernel.mm.Madvise;
import io.pinlab.kernel.mm.MapFlag;
import io.pinlab.kernel.mm.UserAccess;
import io.pinlab.kernel.mm.Mmap;
import io.pinlab.kernel.mm.Mprotect;
import io.pinlab.kernel.mm.Pins;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * Heap figures for the closing note of issue 8: what the heap really holds (live bytes after
 * full GCs) next to what the memory cgroup charged. Not part of the build; run it alone:
 * {@code ./mvnw test -Dtest=HeapProbe -Dsurefire.failIfNoSpecifiedTests=false}. Needs about
 * 4 GiB of heap for the 10,000 sessions.
 */
class HeapProbe {
    static final long GIB = 1L << 30, MAX = 64L << 20;
    static final int RW = 3, ANON = MapFlag.MAP_PRIVATE.value | MapFlag.MAP_ANONYMOUS.value;

    static long live() {
        for (int i = 0; i < 4; i++) System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    static Kernel kernel() {
        return new Kernel(Profile.V6_18, false, new MemCg(MAX, null), 1L << 20);
    }

    static void row(String what, double heap, double charged) {
        System.out.printf("PROBE %-44s heap %,14.0f B   charged %,14.0f B   heap/charged %.2f%n", what, heap, charged, heap / charged);
    }

    @Test
    void figures() {
        List<Object> keep = new ArrayList<>();
        // idle sessions
        int n = 2000;
        long h0 = live();
        long c = 0;
        for (int i = 0; i < n; i++) {
            Kernel k = kernel();
            c += k.memcg.usage();
            keep.add(k);
        }
        row("idle session", (live() - h0) / (double) n, c / (double) n);
        keep.clear();

        // touched pages: 4 GiB written once
        Kernel k = kernel();
        Task t = k.task(1);
        long a = Mmap.doMmap(k, t, VirtAddr.of(0), 4 * GIB, RW, ANON, -1, 0).ret();
        h0 = live();
        long c0 = k.memcg.usage();
        UserAccess.access(k, t, VirtAddr.of(a), 4 * GIB, true, 1L);
        row("touched page (4 GiB written)", (live() - h0) / (double) (1 << 20), (k.memcg.usage() - c0) / (double) (1 << 20));
        keep.add(k);

        // extra mappings of a 4 GiB memfd, read whole
        Kernel m = kernel();
        Task mt = m.task(1);
        int fd = (int) Memfd.memfdCreate(m, mt, "big", 0, 4 * GIB).ret();
        UserAccess.access(m, mt, VirtAddr.of(Mmap.doMmap(m, mt, VirtAddr.of(0), 4 * GIB, 1, MapFlag.MAP_SHARED.value, fd, 0).ret()), 4 * GIB, false, null);
        h0 = live();
        c0 = m.memcg.usage();
        UserAccess.access(m, mt, VirtAddr.of(Mmap.doMmap(m, mt, VirtAddr.of(0), 4 * GIB, 1, MapFlag.MAP_SHARED.value, fd, 0).ret()), 4 * GIB, false, null);
        row("extra 4 GiB mapping, read whole", live() - h0, m.memcg.usage() - c0);
        keep.add(m);

        // forks of a process with 1 GiB written
        Kernel f = kernel();
        Task ft = f.task(1);
        long fa = Mmap.doMmap(f, ft, VirtAddr.of(0), GIB, RW, ANON, -1, 0).ret();
        UserAccess.access(f, ft, VirtAddr.of(fa), GIB, true, 1L);
        h0 = live();
        c0 = f.memcg.usage();
        for (int i = 0; i < 10; i++) Fork.copyProcess(f, ft);
        row("fork of a process with 1 GiB written", (live() - h0) / 10.0, (f.memcg.usage() - c0) / 10.0);
        keep.add(f);
        keep.clear();
        k = m = f = null;

        // a session at its budget: anonymous memory written until the memcg OOM killer stops it
        h0 = live();
        Kernel full = new Kernel(Profile.V6_18, true, new MemCg(MAX, null), Long.MAX_VALUE); // both zones: 8 GiB of RAM
        Task u = full.task(1);
        long ua = Mmap.doMmap(full, u, VirtAddr.of(0), 8 * GIB, RW, ANON, -1, 0).ret();
        UserAccess.access(full, u, VirtAddr.of(ua), 8 * GIB, true, 1L);
        Task v = full.createTask(0, "second", 1000, false, Kernel.DEFAULT_RLIMIT_MEMLOCK);
        long va = Mmap.doMmap(full, v, VirtAddr.of(0), 4 * GIB, RW, ANON, -1, 0).ret();
        UserAccess.access(full, v, VirtAddr.of(va), 4 * GIB, true, 2L);
        row("session at its budget (peak charge)", live() - h0, full.memcg.peak());
        keep.add(full);
        keep.clear();
        full = null;

        // 10,000 sessions that each ran a 200-step lab
        int sessions = Integer.getInteger("probe.sessions", 10_000);
        h0 = live();
        c = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < sessions; i++) {
            Kernel lab = kernel();
            lab200(lab);
            c += lab.memcg.usage();
            keep.add(lab);
        }
        long secs = (System.nanoTime() - t0) / 1_000_000_000L;
        long total = live() - h0;
        row(sessions + " sessions after a 200-step lab, each", total / (double) sessions, c / (double) sessions);
        System.out.printf("PROBE %d sessions x 200 steps: %,d bytes of heap in all (%.2f GiB), built in %d s%n",
                sessions, total, total / (double) GIB, secs);
    }

    /** 20 rounds of a 10-call lab: mmap, write, pin, release, mprotect, madvise, fork, child write, exit, munmap. */
    static void lab200(Kernel k) {
        Task t = k.task(1);
        for (int r = 0; r < 20; r++) {
            long a = Mmap.doMmap(k, t, VirtAddr.of(0), 64 * 4096, RW, ANON, -1, 0).ret();
            UserAccess.access(k, t, VirtAddr.of(a), 16 * 4096, true, (long) r);
            GupResult g = GupTest.call(k, t, GupRequest.of(GupCall.pin_user_pages, VirtAddr.of(a), 4, FollFlag.FOLL_WRITE.value()));
            Pins.release(k, g.pin().id(), "unpin_user_pages", false);
            Mprotect.doMprotect(k, t, VirtAddr.of(a), 8 * 4096, 1);
            Madvise.doMadvise(k, t, VirtAddr.of(a + 8 * 4096), 8 * 4096, 4);
            SysResult child = Fork.copyProcess(k, t);
            Task ct = k.task((int) child.ret());
            UserAccess.access(k, ct, VirtAddr.of(a + 16 * 4096), 4096, true, 9L);
            Exit.doExit(k, ct);
            if (r % 2 == 0) Mmap.doMunmap(k, t, VirtAddr.of(a), 32 * 4096);
        }
    }
}
