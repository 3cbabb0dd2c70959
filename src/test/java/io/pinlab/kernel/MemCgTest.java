package io.pinlab.kernel;

import io.pinlab.kernel.base.VirtAddr;
import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.base.Step;
import io.pinlab.kernel.base.SysResult;
import io.pinlab.kernel.mm.MemCg;
import io.pinlab.kernel.mm.PageCounter;
import io.pinlab.kernel.mm.Task;

import io.pinlab.kernel.mm.AccessResult;
import io.pinlab.kernel.mm.Fork;
import io.pinlab.kernel.mm.GupCall;
import io.pinlab.kernel.mm.GupRequest;
import io.pinlab.kernel.mm.GupResult;
import io.pinlab.kernel.mm.MapFlag;
import io.pinlab.kernel.mm.Prot;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.pinlab.kernel.Lab.FOLL_WRITE;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The reproducers of issue 8 against one session's kernel with the default limits (64 MiB of
 * heap, 2^20 pages of work per call): each runs out the way the kernel does when an allocation
 * fails, names the pinlab limit, and leaves the state consistent.
 */
class MemCgTest {
    static final long MAX = 64L << 20, CALL_PAGES = 1L << 20, GIB = 1L << 30;
    static final int RW = Prot.PROT_READ.value | Prot.PROT_WRITE.value;
    static final int ANON = MapFlag.MAP_PRIVATE.value | MapFlag.MAP_ANONYMOUS.value;

    static Kernel session() {
        return new Kernel(Profile.V6_18, false, new MemCg(MAX, null), CALL_PAGES);
    }

    static String explain(List<Step> steps) {
        StringBuilder b = new StringBuilder();
        for (Step s : steps) b.append(s.fn()).append(": ").append(s.detail()).append('\n');
        return b.toString();
    }

    /**
     * memfd 4 GiB, mapped MAP_SHARED again and again and read whole. Reading the first mapping
     * fills the page cache (2^20 frames in 2048 pageblocks, 2048 xarray leaves) and 2048 page-table
     * leaves; every further mapping only adds its 2048 page-table leaves, until a fault's charge
     * does not fit. Then the memcg OOM killer (mem_cgroup_out_of_memory(), mm/memcontrol.c) kills
     * the largest task, here the only one, which is the faulting one: its fault ends in
     * VM_FAULT_OOM and the process dies of SIGKILL; exit closes the memfd and frees its pages.
     */
    @Test
    void memfdMapAndReadLoopEndsInTheMemcgOomKiller() {
        Kernel k = session();
        Lab lab = new Lab(k);
        Task t = k.task(1);
        int fd = lab.memfd("big", 0, 4 * GIB);
        long leaves = 4 * GIB / PhysMemPages.PAGE_SIZE / 512;
        long cache = leaves * 512 / 512 * MemCg.BLOCK_BYTES + leaves * MemCg.LEAF_BYTES; // frames + page-cache leaves
        long perMapping = leaves * MemCg.LEAF_BYTES;
        // full reads that fit: the first pays for the cache too; each needs a fault's worth of margin left
        long fullReads = (MAX - k.memcg.usage() - cache - MemCg.FAULT_BYTES) / perMapping;
        int reads = 0;
        AccessResult last = null;
        for (int i = 0; i < 10; i++) {
            SysResult m = lab.mmap(t, 0, 4 * GIB, Prot.PROT_READ.value, MapFlag.MAP_SHARED.value, fd, 0);
            assertThat(m.errno()).isNull();
            last = lab.read(t, m.ret(), 4 * GIB);
            assertThat(k.memcg.usage()).isLessThanOrEqualTo(MAX);
            if (!last.ok()) break;
            reads++;
        }
        assertThat(reads).isEqualTo(fullReads).isEqualTo(2);
        assertThat(last.signal()).isEqualTo("SIGKILL");
        assertThat(explain(last.explain())).contains(MemCg.SESSION_LIMIT).contains("killed this process, pid 1");
        assertThat(k.tasks).isEmpty();
        assertThat(k.log.text()).contains("Memory cgroup out of memory: Killed process 1 (lab)");
        // the free list keeps its capacity (8 bytes per frame freed), the rest went with the memfd's last reference
        assertThat(k.memcg.usage() - k.phys.freeListBytes()).as("the memfd's pages are gone").isLessThan(1 << 20);
    }

    /**
     * The OOM killer picks by oom_badness() (rss + page-table pages), not the faulting task: a small
     * task's fault kills the large one (select_bad_process(), mm/oom_kill.c) and then succeeds.
     */
    @Test
    void theOomKillerTakesTheLargestTaskAndTheFaultGoesOn() {
        Kernel k = new Kernel(Profile.V6_18, false, new MemCg(8L << 20, null), CALL_PAGES);
        Lab lab = new Lab(k);
        Task big = k.task(1);
        long a = lab.mmap(big, 0, 512L << 20, RW, ANON, -1, 0).ret();
        assertThat(lab.write(big, a, 512L << 20, 1L).ok()).isTrue(); // 256 blocks + 256 leaves: about 5.8 MB
        Task small = k.createTask(0, "small", 1000, false, Kernel.DEFAULT_RLIMIT_MEMLOCK);
        long b = lab.mmap(small, 0, 512L << 20, RW, ANON, -1, 0).ret();
        AccessResult r = lab.write(small, b, 512L << 20, 2L);
        assertThat(r.ok()).isTrue();
        assertThat(k.tasks).doesNotContainKey(big.pid).containsKey(small.pid);
        assertThat(k.log.text()).contains("Memory cgroup out of memory: Killed process 1 (lab)");
        assertThat(k.memcg.usage()).isLessThanOrEqualTo(8L << 20);
    }

    /**
     * A fork storm: each child copies the parent's page tables (copy_page_range(): 128 leaves for
     * 256 MiB of written anonymous memory) until the cgroup cannot take another; that fork answers
     * -ENOMEM (dup_mmap() failing), and the half-built child is torn down (mmput()).
     */
    @Test
    void forkStormEndsInEnomemAndTheFailedChildLeavesNoCharge() {
        Kernel k = session();
        Lab lab = new Lab(k);
        Task p = k.task(1);
        long a = lab.mmap(p, 0, 256L << 20, RW, ANON, -1, 0).ret();
        assertThat(lab.write(p, a, 256L << 20, 7L).ok()).isTrue();
        SysResult f;
        int children = 0;
        long before;
        do {
            before = k.memcg.usage();
            f = lab.call(new Syscall.Fork(p.pid));
            assertThat(k.memcg.usage()).isLessThanOrEqualTo(MAX);
            if (f.ok()) children++;
        } while (f.ok() && children < 1000);
        long perChild = 128 * MemCg.LEAF_BYTES + 2 * MemCg.VMA_BYTES;
        assertThat(children).isBetween((int) ((MAX - 3 * perChild - before) / perChild), (int) (MAX / perChild));
        assertThat(f.errno()).isEqualTo(Errno.ENOMEM);
        assertThat(explain(f.explain())).contains("dup_mmap").contains(MemCg.SESSION_LIMIT);
        assertThat(k.memcg.usage()).as("nothing of the failed child stays").isEqualTo(before);
        assertThat(k.tasks).hasSize(children + 1);
        // the parent keeps working: its COW pages are still its own to write
        assertThat(lab.write(p, a, 1L << 20, 9L).ok()).isTrue();
    }

    /**
     * MAP_LOCKED of 8 TiB by a CAP_IPC_LOCK process: mmap_region() succeeds and mm_populate()
     * ignores what __mm_populate() returns (include/linux/mm.h), so the mapping is there; the
     * populate walk stops after the call's 2^20 pages of work, as it stops on a fatal signal.
     */
    @Test
    void mapLockedOf8TibStopsPopulatingAtTheWorkLimit() {
        Kernel k = session();
        Lab lab = new Lab(k);
        Task t = k.createTask(0, "locker", 1000, true, Kernel.DEFAULT_RLIMIT_MEMLOCK);
        SysResult m = lab.mmap(t, 0, 8L << 40, RW, ANON | MapFlag.MAP_LOCKED.value, -1, 0);
        assertThat(m.errno()).isNull();
        assertThat(t.mm.vmaLookup(m.ret())).isNotNull();
        // the bound on the call is its work (pages faulted in), not a wall time (8.1 s at load 30)
        assertThat(t.mm.rssAnon).as("pages faulted in").isEqualTo(CALL_PAGES);
        assertThat(explain(m.explain())).contains("__mm_populate").contains(Kernel.CALL_LIMIT);
        assertThat(k.memcg.usage()).isLessThanOrEqualTo(MAX);
        assertThat(lab.munmap(t, m.ret(), 8L << 40).ok()).isTrue();
    }

    /**
     * 10,000 pins of the same 4 MiB: no new frames, but each pin's page array (1024 entries) and
     * record are charged; when one no longer fits, kvmalloc_array() fails and GUP answers -ENOMEM.
     */
    @Test
    void tenThousandPinsOfTheSamePagesEndInEnomem() {
        Kernel k = session();
        Lab lab = new Lab(k);
        Task t = k.task(1);
        long a = lab.mmap(t, 0, 4L << 20, RW, ANON, -1, 0).ret();
        lab.write(t, a, 4L << 20, 1L);
        long start = k.memcg.usage();
        int ok = 0, enomem = 0;
        for (int i = 0; i < 10_000; i++) {
            GupResult r = lab.gup(t, GupRequest.of(GupCall.pin_user_pages, VirtAddr.of(a), 1024, FOLL_WRITE));
            if (r.ret() == 1024) ok++;
            else {
                assertThat(r.errno()).isEqualTo(Errno.ENOMEM);
                assertThat(r.explain().getLast().detail()).contains(MemCg.SESSION_LIMIT);
                enomem++;
            }
        }
        long perPin = 1024 * MemCg.PAGE_ENTRY_BYTES + MemCg.PIN_BYTES;
        // (the calls' log lives in the session store, outside the kernel's memcg)
        assertThat(ok).isBetween((int) ((MAX - start - perPin) / perPin), (int) ((MAX - start) / perPin));
        assertThat(ok + enomem).isEqualTo(10_000);
        assertThat(k.memcg.usage()).isLessThanOrEqualTo(MAX);
    }

    /**
     * The per-call work budget: access stops where it ran out (EINTR in the explain); GUP returns
     * the pages it pinned before (__get_user_pages(): "i ? i : ret"), and the next call has a
     * fresh budget.
     */
    @Test
    void theWorkBudgetStopsOneCallNotTheNext() {
        Kernel k = new Kernel(Profile.V6_18, false, new MemCg(MAX, null), 1000);
        Lab lab = new Lab(k);
        Task t = k.task(1);
        long a = lab.mmap(t, 0, 2000 * 4096L, RW, ANON, -1, 0).ret();
        AccessResult r = lab.write(t, a, 2000 * 4096L, 3L);
        assertThat(r.ret()).isEqualTo(1000 * 4096L);
        assertThat(r.explain().getLast().outcome()).isEqualTo("-EINTR");
        assertThat(r.explain().getLast().detail()).contains(Kernel.CALL_LIMIT);
        GupResult g = lab.gup(t, GupRequest.of(GupCall.get_user_pages, VirtAddr.of(a), 2000, FOLL_WRITE));
        assertThat(g.ret()).isEqualTo(1000);
        GupResult again = lab.gup(t, GupRequest.of(GupCall.get_user_pages, VirtAddr.of(a), 500, FOLL_WRITE));
        assertThat(again.ret()).isEqualTo(500);
    }

    /** Sessions share the service-wide counter: one session's growth is another's -ENOMEM until the first goes. */
    @Test
    void theGlobalBudgetIsSharedAndFreedWhenASessionGoes() {
        PageCounter global = new PageCounter(12L << 20);
        Kernel a = new Kernel(Profile.V6_18, false, new MemCg(MAX, global), CALL_PAGES);
        Kernel b = new Kernel(Profile.V6_18, false, new MemCg(MAX, global), CALL_PAGES);
        Lab la = new Lab(a), lb = new Lab(b);
        long x = la.mmap(0, 640L << 20, RW, ANON, -1, 0).ret();
        assertThat(la.write(x, 640L << 20, 1).ok()).isTrue(); // about 7.3 MB
        long y = lb.mmap(0, 640L << 20, RW, ANON, -1, 0).ret();
        AccessResult r = lb.write(y, 640L << 20, 1);
        assertThat(global.usage()).isLessThanOrEqualTo(global.max());
        assertThat(r.signal()).isEqualTo("SIGKILL");
        assertThat(explain(r.explain())).contains(MemCg.GLOBAL_LIMIT);
        a.memcg.offline();
        Kernel c = new Kernel(Profile.V6_18, false, new MemCg(MAX, global), CALL_PAGES);
        Lab lc = new Lab(c);
        long z = lc.mmap(0, 64L << 20, RW, ANON, -1, 0).ret();
        assertThat(lc.write(z, 8L << 20, 1).ok()).isTrue();
    }

    /** PAGE_SIZE for the arithmetic above. */
    static final class PhysMemPages {
        static final long PAGE_SIZE = io.pinlab.kernel.mm.PhysMem.PAGE_SIZE;
    }
}
