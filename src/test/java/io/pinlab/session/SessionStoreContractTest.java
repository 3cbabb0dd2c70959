package io.pinlab.session;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
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

    /** A fresh, empty store that holds at most {@code maxSessions}, with these per-client caps and idle timeout. */
    abstract SessionStore newStore(int maxSessions, SessionProperties.PerClient caps, Duration idleTimeout);

    /** A fresh, empty store that holds at most {@code maxSessions}, clients uncapped, idle for an hour. */
    SessionStore newStore(int maxSessions) {
        return newStore(maxSessions, new SessionProperties.PerClient(1000, 1000), Duration.ofHours(1));
    }

    /** Properties with these store settings (the rest as configured by default). */
    static SessionProperties properties(int maxSessions, SessionProperties.PerClient caps, Duration idleTimeout) {
        return new SessionProperties("memory", idleTimeout, maxSessions, 10_000, 0.5,
                new SessionProperties.Limits(64, 1L << 32, 64L << 20, 1L << 20, 100_000), caps);
    }

    static SessionRecord meta(String id) {
        return meta(id, null);
    }

    static SessionRecord meta(String id, String client) {
        return new SessionRecord(id, Tokens.sha256("t-" + id), "v6.5", "x", false, Instant.EPOCH, Instant.EPOCH, 0, client);
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
        assertThat(store.append("a", 0, step(1))).as("no log for a removed session").isEqualTo(-1);
        assertThat(store.touch("a")).as("no session to touch").isEqualTo(-1);
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
        assertThat(store.append("a", 0, step(1))).as("appended after 0 steps").isZero();
        assertThat(store.append("a", 0, step(99))).as("stale version: the log holds 1").isEqualTo(1);
        assertThat(store.append("a", 2, step(99))).as("version from the future: the log holds 1").isEqualTo(1);
        assertThat(store.append("a", 1, step(2))).isEqualTo(1);
        assertThat(store.find("a").orElseThrow().version()).isEqualTo(2);
        assertThat(store.touch("a")).as("touch answers the version").isEqualTo(2);
        assertThat(text(store.stepsAfter("a", 0))).containsExactly("{\"op\":\"step1\"}", "{\"op\":\"step2\"}");
        assertThat(text(store.stepsAfter("a", 1))).containsExactly("{\"op\":\"step2\"}");
        assertThat(store.stepsAfter("a", 2)).isEmpty();
        assertThat(text(store.stepsAfter("a", 0, 1))).as("at most one").containsExactly("{\"op\":\"step1\"}");
        assertThat(store.stepsAfter("a", 0, 0)).isEmpty();
    }

    /** Long logs cross the in-memory store's sealed chunks: every step comes back, in order, from any version. */
    @Test
    void longLogsComeBackInOrderFromAnyVersion() {
        SessionStore store = newStore(10);
        store.create(meta("a"));
        int n = 300;
        for (int i = 0; i < n; i++) assertThat(store.append("a", i, step(i + 1))).isEqualTo(i);
        for (long v : new long[]{0, 1, 63, 64, 65, 127, 128, 200, 299, 300}) {
            List<String> after = text(store.stepsAfter("a", v));
            assertThat(after).hasSize((int) (n - v));
            for (int j = 0; j < after.size(); j++) assertThat(after.get(j)).isEqualTo("{\"op\":\"step" + (v + j + 1) + "\"}");
            for (int max : new int[]{1, 63, 64, 65, 130}) {
                List<String> some = text(store.stepsAfter("a", v, max));
                assertThat(some).as("after %d, at most %d", v, max).isEqualTo(after.subList(0, Math.min(max, after.size())));
            }
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
                            if (store.append("a", v, s) == v) break;
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
    void appendsToManySessionsAtOnceEachLandOnceInOrder() throws Exception {
        int sessions = 32, each = 40;
        SessionStore store = newStore(sessions);
        for (int s = 0; s < sessions; s++) store.create(meta("m" + s));
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> fs = new java.util.ArrayList<>();
            for (int s = 0; s < sessions; s++) {
                String id = "m" + s;
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < each; i++)
                        assertThat(store.append(id, i, (id + "-" + i).getBytes(StandardCharsets.UTF_8))).as("%s at %d", id, i).isEqualTo(i);
                    assertThat(store.append(id, each - 1, step(0))).as("a stale version").isEqualTo(each);
                    assertThat(store.append("gone-" + id, 0, step(0))).as("no such session").isEqualTo(-1);
                    return null;
                }));
            }
            for (Future<?> f : fs) f.get();
        }
        for (int s = 0; s < sessions; s++) {
            String id = "m" + s;
            assertThat(text(store.stepsAfter(id, 0))).containsExactlyElementsOf(
                    java.util.stream.IntStream.range(0, each).mapToObj(i -> id + "-" + i).toList());
        }
    }

    @Test
    void keepsTheNewestSnapshotsAndFindsTheOneAtOrBeforeAStep() {
        SessionStore store = newStore(10);
        store.create(meta("a"));
        assertThat(store.snapshot("a", Long.MAX_VALUE)).isEmpty();
        store.putSnapshot("a", 20, new byte[]{2});
        store.putSnapshot("a", 10, new byte[]{1});
        assertThat(store.snapshot("a", Long.MAX_VALUE).orElseThrow().version()).isEqualTo(20);
        assertThat(store.snapshot("a", Long.MAX_VALUE).orElseThrow().bytes()).containsExactly(2);
        assertThat(store.snapshot("a", 19).orElseThrow().version()).isEqualTo(10);
        assertThat(store.snapshot("a", 19).orElseThrow().bytes()).containsExactly(1);
        assertThat(store.snapshot("a", 9)).isEmpty();
        for (int v = 30; v < 30 + SessionStore.SNAPSHOTS_KEPT; v++) store.putSnapshot("a", v, new byte[]{(byte) v});
        assertThat(store.snapshot("a", 29)).as("the oldest two made room for newer ones").isEmpty();
        StoredSnapshot newest = store.snapshot("a", Long.MAX_VALUE).orElseThrow();
        assertThat(newest.version()).isEqualTo(29 + SessionStore.SNAPSHOTS_KEPT);
        assertThat(store.snapshot("a", 30).orElseThrow().bytes()).containsExactly(30);
        assertThat(store.snapshot("b", Long.MAX_VALUE)).isEmpty();
        assertThat(store.remove("a")).isTrue();
        assertThat(store.snapshot("a", Long.MAX_VALUE)).as("snapshots go with the session").isEmpty();
    }

    @Test
    void aClientHoldsAtMostMaxLiveAndGetsOneBackWhenOneIsRemoved() {
        SessionStore store = newStore(100, new SessionProperties.PerClient(2, 100), Duration.ofHours(1));
        store.create(meta("a", "10.0.0.1"));
        store.create(meta("b", "10.0.0.1"));
        assertThatThrownBy(() -> store.create(meta("c", "10.0.0.1")))
                .isInstanceOfSatisfying(SessionQuotaException.class, e -> {
                    assertThat(e.limit()).isEqualTo(ClientQuota.MAX_LIVE);
                    assertThat(e.value()).isEqualTo(2);
                });
        assertThat(store.find("c")).isEmpty();
        store.create(meta("c", "10.0.0.2")); // another address
        store.create(meta("d", null)); // a session without a client (a course's) is not counted
        assertThat(store.remove("a")).isTrue();
        store.create(meta("e", "10.0.0.1"));
        assertThat(store.find("e")).isPresent();
    }

    @Test
    void aClientCreatesAtMostPerMinute() {
        SessionStore store = newStore(100, new SessionProperties.PerClient(100, 2), Duration.ofHours(1));
        store.create(meta("a", "10.0.0.1"));
        store.create(meta("b", "10.0.0.1"));
        assertThat(store.remove("a")).isTrue();
        assertThatThrownBy(() -> store.create(meta("c", "10.0.0.1")))
                .as("removing a session gives back a live place, not a creation of this minute")
                .isInstanceOfSatisfying(SessionQuotaException.class, e -> {
                    assertThat(e.limit()).isEqualTo(ClientQuota.PER_MINUTE);
                    assertThat(e.retryAfterSeconds()).isBetween(1L, 60L);
                });
        store.create(meta("c", "10.0.0.2"));
    }

    @Test
    void aSessionRefusedForTheMaximumDoesNotCountForItsClient() {
        SessionStore store = newStore(1, new SessionProperties.PerClient(1, 100), Duration.ofHours(1));
        store.create(meta("a", null));
        assertThatThrownBy(() -> store.create(meta("b", "10.0.0.1"))).isInstanceOf(SessionLimitException.class);
        assertThat(store.remove("a")).isTrue();
        store.create(meta("c", "10.0.0.1"));
        assertThat(store.find("c")).isPresent();
    }
}
