package io.pinlab.bench;

import io.pinlab.kernel.base.VirtAddr;
import io.pinlab.kernel.Kernel;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.mm.Task;
import io.pinlab.kernel.mm.UserAccess;
import io.pinlab.kernel.mm.Mmap;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.concurrent.TimeUnit;

/**
 * What a mapping costs: mmap+munmap of 1 GiB that is never touched (should allocate a few
 * hundred bytes, independent of the size), and the per-page cost of write faults.
 * Run: ./mvnw -Pbench test-compile exec:exec -Dbench.args='MmapBench -prof gc -f 1 -wi 3 -i 5'
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class MmapBench {
    static final long GIB = 1L << 30, PAGES = 64, PAGE = 4096;
    static final int RW = 3, PRIVATE_ANON = 0x22;

    Kernel k;
    Task t;

    @Setup
    public void setup() {
        k = new Kernel(Profile.V6_18, false);
        t = k.task(1);
    }

    /** mmap(1 GiB, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS) + munmap, nothing touched. */
    @Benchmark
    public long mmapUntouched1GiB() {
        long a = Mmap.doMmap(k, t, VirtAddr.of(0), GIB, RW, PRIVATE_ANON, -1, 0).ret();
        Mmap.doMunmap(k, t, VirtAddr.of(a), GIB);
        return a;
    }

    /** 64 write faults (fresh anonymous pages) per invocation, reported per page; includes mmap/munmap of 256 KiB. */
    @Benchmark
    @OperationsPerInvocation(64)
    public long touchPages() {
        long a = Mmap.doMmap(k, t, VirtAddr.of(0), PAGES * PAGE, RW, PRIVATE_ANON, -1, 0).ret();
        long f = UserAccess.access(k, t, VirtAddr.of(a), PAGES * PAGE, true, 7L).faults();
        Mmap.doMunmap(k, t, VirtAddr.of(a), PAGES * PAGE);
        return f;
    }
}
