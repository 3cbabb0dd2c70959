package io.pinlab.session;

import com.github.benmanes.caffeine.cache.Ticker;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The contract, plus what only the Caffeine store does: idle expiry on its ticker, compact logs. */
class InMemorySessionStoreTest extends SessionStoreContractTest {
    private final AtomicLong nanos = new AtomicLong();
    private final Ticker ticker = nanos::get;

    @Override
    SessionStore newStore(int maxSessions, SessionProperties.PerClient caps, Duration idleTimeout) {
        return new InMemorySessionStore(properties(maxSessions, caps, idleTimeout), ticker, Clock.systemUTC());
    }

    private InMemorySessionStore newStore(Duration idleTimeout, int maxSessions) {
        return (InMemorySessionStore) newStore(maxSessions, new SessionProperties.PerClient(1000, 1000), idleTimeout);
    }

    @Test
    void expiresAfterIdleTimeoutButTouchKeepsAlive() {
        InMemorySessionStore store = newStore(Duration.ofMinutes(10), 10);
        store.create(meta("a"));
        store.create(meta("b"));
        nanos.addAndGet(Duration.ofMinutes(6).toNanos());
        store.touch("a");
        nanos.addAndGet(Duration.ofMinutes(6).toNanos());
        assertThat(store.find("a")).isPresent();
        assertThat(store.find("b")).isEmpty();
    }

    @Test
    void appendIsAnAccessFindIsNot() {
        InMemorySessionStore store = newStore(Duration.ofMinutes(10), 10);
        store.create(meta("a"));
        store.create(meta("b"));
        nanos.addAndGet(Duration.ofMinutes(6).toNanos());
        assertThat(store.append("a", 0, step(1))).isZero();
        assertThat(store.find("b")).isPresent();
        nanos.addAndGet(Duration.ofMinutes(6).toNanos());
        assertThat(store.find("a")).isPresent();
        assertThat(store.find("b")).as("find does not keep a session alive").isEmpty();
    }

    /** An access within a second of the recorded one is not recorded: expiry counts from the recorded one. */
    @Test
    void accessesWithinASecondOfTheRecordedOneAreNotRecorded() {
        Instant[] now = {Instant.parse("2026-11-30T10:00:00Z")};
        Clock clock = new Clock() {
            @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
            @Override public Clock withZone(java.time.ZoneId zone) { throw new UnsupportedOperationException(); }
            @Override public Instant instant() { return now[0]; }
        };
        InMemorySessionStore store = new InMemorySessionStore(properties(10, new SessionProperties.PerClient(1000, 1000),
                Duration.ofMinutes(10)), ticker, clock);
        store.create(meta("a"));
        Duration step = Duration.ofMinutes(5);
        nanos.addAndGet(step.toNanos());
        now[0] = now[0].plus(step);
        assertThat(store.append("a", 0, step(1))).isZero(); // recorded
        Instant recorded = now[0];
        Duration almost = Duration.ofMillis(999);
        nanos.addAndGet(almost.toNanos());
        now[0] = now[0].plus(almost);
        assertThat(store.append("a", 1, step(2))).isOne();
        assertThat(store.touch("a")).isEqualTo(2);
        assertThat(store.find("a").orElseThrow().lastAccess()).as("within the second: not recorded").isEqualTo(recorded);
        nanos.addAndGet(Duration.ofMinutes(10).minus(almost).minusSeconds(1).toNanos());
        assertThat(store.find("a")).as("a second before ten minutes after the recorded access").isPresent();
        nanos.addAndGet(Duration.ofMillis(1500).toNanos());
        assertThat(store.find("a")).as("ten minutes after the recorded access, before ten after the last").isEmpty();
    }

    /** (Caffeine itself skips access-time updates within a second of the last one.) */
    @Test
    void anAccessSecondsAfterTheRecordedOneIsRecorded() {
        InMemorySessionStore store = newStore(Duration.ofMinutes(10), 10);
        store.create(meta("a"));
        nanos.addAndGet(Duration.ofSeconds(2).toNanos());
        assertThat(store.touch("a")).isZero();
        nanos.addAndGet(Duration.ofMinutes(10).minusMillis(500).toNanos());
        assertThat(store.find("a")).as("ten minutes after its creation, before ten after the touch").isPresent();
    }

    @Test
    void expiredSessionsFreeTheirPlace() {
        InMemorySessionStore store = newStore(Duration.ofMinutes(1), 1);
        store.create(meta("a"));
        nanos.addAndGet(Duration.ofMinutes(2).toNanos());
        store.create(meta("b"));
        assertThat(store.find("b")).isPresent();
    }

    @Test
    void anExpiredSessionGivesItsClientItsPlaceBack() {
        SessionStore store = newStore(10, new SessionProperties.PerClient(1, 1000), Duration.ofMinutes(1));
        store.create(meta("a", "10.0.0.1"));
        assertThatThrownBy(() -> store.create(meta("b", "10.0.0.1"))).isInstanceOf(SessionQuotaException.class);
        nanos.addAndGet(Duration.ofMinutes(2).toNanos());
        store.create(meta("b", "10.0.0.1"));
        assertThat(store.find("b")).isPresent();
    }
}
