package io.pinlab.session;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What every {@link SessionStore} must do, whatever keeps the sessions. One subclass per adapter
 * (in-memory here; the Redis store adds its own with a Testcontainers/local Redis).
 */
abstract class SessionStoreContractTest {

    /** A fresh, empty store that holds at most {@code maxSessions}. */
    abstract SessionStore newStore(int maxSessions);

    static SessionRecord meta(String id) {
        return new SessionRecord(id, Tokens.sha256("t-" + id), "v6.5", "x", false, Instant.EPOCH, Instant.EPOCH, 0, null);
    }

    static byte[] step(int i) {
        return ("{\"op\":\"step" + i + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    static List<String> text(List<byte[]> steps) {
        return steps.stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList();
    }

    @Test
    void createFindRemove() {
        SessionStore store = newStore(10);
        store.create(meta("a"));
        SessionRecord found = store.find("a").orElseThrow();
        assertThat(found.id()).isEqualTo("a");
        assertThat(found.profile()).isEqualTo("v6.5");
        assertThat(found.version()).isZero();
        assertThat(store.find("b")).isEmpty();
        assertThat(store.size()).isEqualTo(1);
        assertThat(store.remove("a")).isTrue();
        assertThat(store.remove("a")).isFalse();
        assertThat(store.find("a")).isEmpty();
        assertThat(store.stepsAfter("a", 0)).isEmpty();
        assertThat(store.append("a", 0, step(1))).as("no log for a removed session").isFalse();
        assertThat(store.size()).isZero();
    }

    @Test
    void refusesPastMaximumWithoutEvictingAnyone() {
        SessionStore store = newStore(2);
        store.create(meta("a"));
        store.create(meta("b"));
        assertThatThrownBy(() -> store.create(meta("c"))).isInstanceOf(SessionLimitException.class);
        assertThat(store.find("a")).isPresent();
        assertThat(store.find("b")).isPresent();
        assertThat(store.remove("a")).isTrue();
        store.create(meta("c"));
        assertThat(store.size()).isEqualTo(2);
    }

    @Test
    void keepsTheTokenHashAndOptions() {
        SessionStore store = newStore(10);
        store.create(meta("a"));
        SessionRecord found = store.find("a").orElseThrow();
        assertThat(Tokens.matches("t-a", found.tokenHash())).isTrue();
        assertThat(Tokens.matches("t-b", found.tokenHash())).isFalse();
        assertThat(found.label()).isEqualTo("x");
        assertThat(found.movableZone()).isFalse();
        assertThat(found.createdAt()).isEqualTo(Instant.EPOCH);
    }

    @Test
    void appendIsCompareAndSetOnTheVersion() {
        SessionStore store = newStore(10);
        store.create(meta("a"));
        assertThat(store.append("a", 0, step(1))).isTrue();
        assertThat(store.append("a", 0, step(99))).as("stale version").isFalse();
        assertThat(store.append("a", 2, step(99))).as("version from the future").isFalse();
        assertThat(store.append("a", 1, step(2))).isTrue();
        assertThat(store.find("a").orElseThrow().version()).isEqualTo(2);
        assertThat(text(store.stepsAfter("a", 0))).containsExactly("{\"op\":\"step1\"}", "{\"op\":\"step2\"}");
        assertThat(text(store.stepsAfter("a", 1))).containsExactly("{\"op\":\"step2\"}");
        assertThat(store.stepsAfter("a", 2)).isEmpty();
    }

    /** Long logs cross the in-memory store's sealed chunks: every step comes back, in order, from any version. */
    @Test
    void longLogsComeBackInOrderFromAnyVersion() {
        SessionStore store = newStore(10);
        store.create(meta("a"));
        int n = 300;
        for (int i = 0; i < n; i++) assertThat(store.append("a", i, step(i + 1))).isTrue();
        for (long v : new long[]{0, 1, 63, 64, 65, 127, 128, 200, 299, 300}) {
            List<String> after = text(store.stepsAfter("a", v));
            assertThat(after).hasSize((int) (n - v));
            for (int j = 0; j < after.size(); j++) assertThat(after.get(j)).isEqualTo("{\"op\":\"step" + (v + j + 1) + "\"}");
        }
    }

    @Test
    void concurrentAppendersNeverLoseOrInterleaveAStep() throws Exception {
        SessionStore store = newStore(10);
        store.create(meta("a"));
        int writers = 8, each = 50;
        AtomicInteger conflicts = new AtomicInteger();
        try (ExecutorService pool = Executors.newFixedThreadPool(writers)) {
            List<Future<?>> fs = new java.util.ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int id = w;
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < each; i++) {
                        byte[] s = ("w" + id + "-" + i).getBytes(StandardCharsets.UTF_8);
                        while (true) {
                            long v = store.find("a").orElseThrow().version();
                            if (store.append("a", v, s)) break;
                            conflicts.incrementAndGet();
                        }
                    }
                }));
            }
            for (Future<?> f : fs) f.get();
        }
        List<String> log = text(store.stepsAfter("a", 0));
        assertThat(log).hasSize(writers * each).doesNotHaveDuplicates();
        for (int w = 0; w < writers; w++) {
            String prefix = "w" + w + "-";
            List<String> mine = log.stream().filter(x -> x.startsWith(prefix)).toList();
            for (int i = 0; i < each; i++) assertThat(mine.get(i)).as("writer %d in its own order", w).isEqualTo(prefix + i);
        }
    }

    @Test
    void keepsTheNewestSnapshot() {
        SessionStore store = newStore(10);
        store.create(meta("a"));
        assertThat(store.latestSnapshot("a")).isEmpty();
        store.putSnapshot("a", 10, new byte[]{1});
        store.putSnapshot("a", 20, new byte[]{2});
        StoredSnapshot s = store.latestSnapshot("a").orElseThrow();
        assertThat(s.version()).isEqualTo(20);
        assertThat(s.bytes()).containsExactly(2);
        assertThat(store.latestSnapshot("b")).isEmpty();
    }
}
