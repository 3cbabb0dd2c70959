package io.pinlab.bench;

import io.pinlab.kernel.base.VirtAddr;
import io.pinlab.kernel.base.Explain;
import io.pinlab.kernel.Kernel;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.mm.Task;
import io.pinlab.kernel.mm.FollFlag;
import io.pinlab.kernel.mm.Gup;
import io.pinlab.kernel.mm.GupTest;
import io.pinlab.kernel.mm.GupCall;
import io.pinlab.kernel.mm.GupRequest;
import io.pinlab.kernel.mm.GupResult;
import io.pinlab.kernel.mm.MapFlag;
import io.pinlab.kernel.mm.Mmap;
import io.pinlab.kernel.mm.PinRelease;
import io.pinlab.kernel.mm.Pins;
import io.pinlab.kernel.mm.Prot;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.concurrent.TimeUnit;

/**
 * pin_user_pages() of 1 GiB (262,144 pages) with FOLL_WRITE|FOLL_LONGTERM, as io_uring's
 * io_pin_pages() or PIN_LONGTERM_BENCHMARK (mm/gup_test.c) would:
 * <ul>
 * <li>{@code pinUntouched}: a fresh kernel and an untouched anonymous mapping per invocation, so
 *     every page is faulted in by faultin_page();</li>
 * <li>{@code pinTouched}: the mapping is already populated; each invocation pins and unpins;</li>
 * <li>{@code callTouched}: the same through the simulated driver GupTest.call (page array, Pin,
 *     event), then Pins.release.</li>
 * </ul>
 * Run: {@code ./mvnw -Pbench test-compile exec:exec -Dbench.args='GupBench -prof gc -f 1 -wi 3 -i 5'}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class GupBench {
    static final int PAGES = 262_144;
    static final int FLAGS = FollFlag.FOLL_WRITE.value() | FollFlag.FOLL_LONGTERM.value();

    static long mapGiB(Kernel k, Task t) {
        return Mmap.doMmap(k, t, VirtAddr.of(0), (long) PAGES << 12, Prot.PROT_READ.value | Prot.PROT_WRITE.value,
                MapFlag.MAP_PRIVATE.value | MapFlag.MAP_ANONYMOUS.value, -1, 0).ret();
    }

    @State(Scope.Thread)
    public static class Untouched {
        Kernel k;
        Task t;
        long addr;
        final long[] pages = new long[PAGES];

        @Setup(Level.Invocation)
        public void setup() {
            k = new Kernel(Profile.V6_18, false);
            t = k.task(1);
            addr = mapGiB(k, t);
        }
    }

    @State(Scope.Thread)
    public static class Touched {
        Kernel k;
        Task t;
        long addr;
        final long[] pages = new long[PAGES];

        @Setup(Level.Trial)
        public void setup() {
            k = new Kernel(Profile.V6_18, false);
            t = k.task(1);
            addr = mapGiB(k, t);
            long n = Gup.pinUserPages(k, t, VirtAddr.of(addr), PAGES, FLAGS, pages, new Explain());
            if (n != PAGES) throw new IllegalStateException("populate: " + n);
            Gup.unpinUserPages(k, pages, PAGES);
        }
    }

    @Benchmark
    public long pinUntouched(Untouched s) {
        long n = Gup.pinUserPages(s.k, s.t, VirtAddr.of(s.addr), PAGES, FLAGS, s.pages, new Explain());
        if (n != PAGES) throw new IllegalStateException("pinned " + n);
        return n;
    }

    @Benchmark
    public long pinTouched(Touched s) {
        long n = Gup.pinUserPages(s.k, s.t, VirtAddr.of(s.addr), PAGES, FLAGS, s.pages, new Explain());
        if (n != PAGES) throw new IllegalStateException("pinned " + n);
        Gup.unpinUserPages(s.k, s.pages, (int) n);
        return n;
    }

    @Benchmark
    public long callTouched(Touched s) {
        GupResult r = GupTest.call(s.k, s.t, GupRequest.of(GupCall.pin_user_pages, VirtAddr.of(s.addr), PAGES, FLAGS));
        Pins.release(s.k, r.pin().id(), PinRelease.unpin_user_pages, false);
        return r.ret();
    }
}
