package io.pinlab.bench;

import io.pinlab.kernel.base.UapiFlag;
import io.pinlab.kernel.base.VirtAddr;
import io.pinlab.api.json.Address;
import io.pinlab.api.steps.Answers;
import io.pinlab.api.steps.Op;
import io.pinlab.api.steps.Requests;
import io.pinlab.api.steps.StepsFixture;
import io.pinlab.kernel.Kernel;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.base.SysResult;
import io.pinlab.kernel.mm.FollFlag;
import io.pinlab.kernel.mm.GupCall;
import io.pinlab.kernel.mm.GupRequest;
import io.pinlab.kernel.mm.GupResult;
import io.pinlab.kernel.mm.MapFlag;
import io.pinlab.kernel.mm.PinRelease;
import io.pinlab.kernel.mm.Prot;
import io.pinlab.kernel.Syscall;
import io.pinlab.api.steps.StepDecoder;
import io.pinlab.session.LabSession;
import io.pinlab.session.SessionService;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.time.Clock;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;

/**
 * Sessions as logs (issue 7), in process, without HTTP:
 * <ul>
 * <li>{@code catchUp200}: a replica that lacks a 200-step lab authorises the request, boots a
 *     kernel and replays the stored steps (inflate, decode, map, apply, check each answer) - the
 *     cost of a kernel-cache miss;</li>
 * <li>{@code labChainLogged}: the issue-13 lab chain (mmap 16 KiB, write, pin 1 page
 *     FOLL_WRITE|FOLL_LONGTERM fast, release, munmap) through {@code Steps.call}: mapping, the
 *     session lock, the kernel, encoding the step and the compare-and-set append, JSON answers
 *     built (not written);</li>
 * <li>{@code labChainKernelOnly}: the same five calls as {@code Syscall.apply} on a bare kernel,
 *     for the ratio;</li>
 * <li>{@code boot}: a new kernel, where every replay starts.</li>
 * </ul>
 * Run: {@code ./mvnw -Pbench test-compile exec:exec -Dbench.args='StepsBench -f 1 -wi 3 -i 5'}
 * (SampleTime gives p50/p99 per chain of five calls).
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class StepsBench {
    static final EnumSet<Prot> RW = EnumSet.of(Prot.PROT_READ, Prot.PROT_WRITE);
    static final EnumSet<MapFlag> ANON = EnumSet.of(MapFlag.MAP_PRIVATE, MapFlag.MAP_ANONYMOUS);
    static final EnumSet<FollFlag> PIN = EnumSet.of(FollFlag.FOLL_WRITE, FollFlag.FOLL_LONGTERM);

    static void chain(StepsFixture f, LabSession s, long value) {
        Answers.MmapAnswer m = f.steps.call(s, Op.MMAP, 1, new Requests.MmapRequest(null, 16384L, RW, ANON, null, null));
        Address a = m.addr();
        f.steps.call(s, Op.ACCESS, 1, new Requests.AccessRequest(a, 16384L, Requests.AccessKind.write, value));
        Answers.GupAnswer g = f.steps.call(s, Op.GUP, 1, new Requests.GupCallRequest(GupCall.pin_user_pages_fast, a, 1L,
                PIN, null, null, null, null));
        f.steps.call(s, Op.RELEASE, null, new Requests.ReleaseArgs(g.pin().id(), PinRelease.unpin_user_pages, null));
        f.steps.call(s, Op.MUNMAP, 1, new Requests.RangeRequest(a, 16384L));
    }

    @State(Scope.Thread)
    public static class Lab200 {
        StepsFixture f;
        LabSession s;
        String bearer;

        @Setup(Level.Trial)
        public void setUp() {
            f = new StepsFixture();
            SessionService.Created created = f.sessions.create("v6.18", null, false, null);
            s = created.session();
            bearer = "Bearer " + created.token();
            for (int i = 0; i < 40; i++) chain(f, s, i);
            if (s.steps() != 200) throw new IllegalStateException("expected 200 steps, got " + s.steps());
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public long catchUp200(Lab200 lab) {
        // a replica that never held this session: empty kernel cache, the log in the store
        SessionService replica = new SessionService(lab.f.store, lab.f.sessions.properties(), lab.f.budget, Clock.systemUTC(),
                new StepDecoder(lab.f.mapper));
        return replica.authorize(lab.s.id(), lab.bearer).steps();
    }

    /** Booting the kernel a replay starts from (part of catchUp200). */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public Kernel boot() {
        return new Kernel(Profile.V6_18, false);
    }

    @State(Scope.Thread)
    public static class Live {
        StepsFixture f;
        LabSession s;
        long n;

        @Setup(Level.Iteration)
        public void setUp() {
            f = new StepsFixture(Integer.MAX_VALUE, 16);
            s = f.sessions.create("v6.18", null, false, null).session();
        }
    }

    @Benchmark
    public long labChainLogged(Live live) {
        chain(live.f, live.s, live.n++);
        return live.n;
    }

    @State(Scope.Thread)
    public static class Bare {
        Kernel k;
        long n;

        @Setup(Level.Iteration)
        public void setUp() {
            k = new Kernel(Profile.V6_18, false);
        }
    }

    @Benchmark
    public long labChainKernelOnly(Bare b) {
        Kernel k = b.k;
        SysResult m = new Syscall.Mmap(1, 0, 16384, UapiFlag.mask(RW), UapiFlag.mask(ANON), -1, 0).apply(k);
        new Syscall.Access(1, m.ret(), 16384, true, b.n++).apply(k);
        GupResult g = new Syscall.Gup(1, GupRequest.of(GupCall.pin_user_pages_fast, VirtAddr.of(m.ret()), 1, UapiFlag.mask(PIN))).apply(k);
        new Syscall.Release(g.pin().id(), PinRelease.unpin_user_pages, false).apply(k);
        return new Syscall.Munmap(1, m.ret(), 16384).apply(k).ret();
    }
}
