package io.pinlab.session;

import com.github.benmanes.caffeine.cache.Ticker;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
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
