package io.pinlab.bench;

import io.pinlab.api.json.Address;
import io.pinlab.api.steps.Answers;
import io.pinlab.api.steps.Op;
import io.pinlab.api.steps.Requests;
import io.pinlab.api.steps.StepDecoder;
import io.pinlab.api.steps.Steps;
import io.pinlab.kernel.mm.GupCall;
import io.pinlab.kernel.mm.PinRelease;
import io.pinlab.session.InMemorySessionStore;
import io.pinlab.session.LabSession;
import io.pinlab.session.LocalRedis;
import io.pinlab.session.RedisSessionStore;
import io.pinlab.session.SessionBudget;
import io.pinlab.session.SessionProperties;
import io.pinlab.session.SessionService;
import io.pinlab.session.SessionRecord;
import io.pinlab.session.SessionStore;
import io.pinlab.session.StoredSnapshot;
import jakarta.validation.Validation;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import tools.jackson.databind.json.JsonMapper;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The same lab work on the two session stores, in one run (issue 7): {@code store=memory} vs
 * {@code store=redis} (the local redis-server, its own key prefix, keys deleted at the end).
 * <ul>
 * <li>{@code labChain}: the issue-13 chain of five calls (mmap 16 KiB, write, pin 1 page fast
 *     FOLL_WRITE|FOLL_LONGTERM, release, munmap) through {@code Steps.call}, one session per
 *     thread, SampleTime: p50/p99 of a chain (a typical lab call is a fifth of it);</li>
 * <li>{@code mixedThroughput}: the same chain from 4 threads on 4 sessions, chains per second;</li>
 * <li>{@code catchUp200}: a replica that has not seen a 200-step lab (40 chains, no snapshot:
 *     one is stored every 500 steps) reads its state: the metadata from the store, boot, and the
 *     200 steps fetched and replayed (target ≤ 50 ms). Each invocation is a new replica (its own
 *     service and memory budget) on the same store, one that stores no snapshot (else the next
 *     would restore it: that is the common case, and costs a snapshot read instead).</li>
 * </ul>
 * Sessions are replaced every 1,000 chains so that no log nears the step limit. HTTP is not
 * included (see the wrk comparison of issue 13 for that).
 *
 * Run: ./mvnw -Pbench test-compile exec:exec -Dbench.args='StoreBench -f 1 -wi 3 -i 5'
 * (the big session's snapshot size and restore time: KernelSnapshotBench).
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
public class StoreBench {
    @Param({"memory", "redis"})
    public String store;

    SessionService sessions;
    Steps steps;
    private SessionProperties props;
    private SessionStore stored;
    private JsonMapper mapper;
    /** The 200-step lab of {@link #catchUp200} and its token. */
    private String labId, labToken;
    private LettuceConnectionFactory redis;
    private final String prefix = LocalRedis.uniquePrefix();

    @Setup(Level.Trial)
    public void setUp() {
        props = new SessionProperties(store, Duration.ofHours(1), 10_000, 10_000, 0.5,
                new SessionProperties.Limits(64, 1L << 32, 64L << 20, 1L << 20, 20_000), new SessionProperties.PerClient(1_000_000, 1_000_000));
        SessionStore s;
        if (store.equals("redis")) {
            redis = LocalRedis.factory(LocalRedis.HOST, LocalRedis.PORT);
            s = new RedisSessionStore(redis, prefix, props, Clock.systemUTC());
        } else {
            s = new InMemorySessionStore(props);
        }
        stored = s;
        mapper = JsonMapper.builder().build();
        sessions = new SessionService(s, props, new SessionBudget(props), Clock.systemUTC(), new StepDecoder(mapper));
        steps = new Steps(mapper, Validation.buildDefaultValidatorFactory().getValidator(), sessions, Clock.systemUTC());
        SessionService.Created lab = sessions.create("v6.18", null, false, null);
        Lab chains = new Lab();
        chains.session = lab.session();
        for (int i = 0; i < 40; i++) chain(chains);
        if (lab.session().steps() != 200) throw new IllegalStateException("the lab has " + lab.session().steps() + " steps");
        labId = lab.session().id();
        labToken = lab.token();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (redis != null) {
            LocalRedis.deleteKeys(redis, prefix);
            redis.destroy();
        }
    }

    @State(Scope.Thread)
    public static class Lab {
        LabSession session;
        int chains;

        LabSession session(StoreBench b) {
            if (session == null || chains++ == 1000) {
                session = b.sessions.create("v6.18", null, false, null).session();
                chains = 0;
            }
            return session;
        }
    }

    /** The chain of StepsBench.chain, on this benchmark's service. */
    private void chain(Lab lab) {
        LabSession s = lab.session(this);
        Answers.MmapAnswer m = steps.call(s, Op.MMAP, 1, new Requests.MmapRequest(null, 16384L, StepsBench.RW, StepsBench.ANON, null, null));
        Address a = m.addr();
        steps.call(s, Op.ACCESS, 1, new Requests.AccessRequest(a, 16384L, Requests.AccessKind.write, (long) lab.chains));
        Answers.GupAnswer g = steps.call(s, Op.GUP, 1, new Requests.GupCallRequest(GupCall.pin_user_pages_fast, a, 1L,
                StepsBench.PIN, null, null, null, null));
        steps.call(s, Op.RELEASE, null, new Requests.ReleaseArgs(g.pin().id(), PinRelease.unpin_user_pages, null));
        steps.call(s, Op.MUNMAP, 1, new Requests.RangeRequest(a, 16384L));
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public void labChain(Lab lab) {
        chain(lab);
    }

    /**
     * The store as the catching-up replica sees it, except that it keeps no snapshot: a replica
     * that replayed 200 steps stores one, and every later one would restore it instead of replaying.
     */
    private SessionStore noNewSnapshots() {
        return new SessionStore() {
            public void create(SessionRecord meta) { stored.create(meta); }
            public Optional<SessionRecord> find(String id) { return stored.find(id); }
            public List<byte[]> stepsAfter(String id, long version, int max) { return stored.stepsAfter(id, version, max); }
            public long append(String id, long expectedVersion, byte[] step) { return stored.append(id, expectedVersion, step); }
            public void putSnapshot(String id, long version, byte[] snapshot) { }
            public Optional<StoredSnapshot> snapshot(String id, long atMost) { return stored.snapshot(id, atMost); }
            public long touch(String id) { return stored.touch(id); }
            public boolean remove(String id) { return stored.remove(id); }
            public long size() { return stored.size(); }
        };
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public int catchUp200() {
        SessionService replica = new SessionService(noNewSnapshots(), props, new SessionBudget(props), Clock.systemUTC(), new StepDecoder(mapper));
        LabSession s = replica.authorize(labId, "Bearer " + labToken);
        return s.locked(k -> k.tasks.size());
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Threads(4)
    public void mixedThroughput(Lab lab) {
        chain(lab);
    }
}
