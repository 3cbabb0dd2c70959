package io.pinlab.session;

import com.github.benmanes.caffeine.cache.Ticker;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The contract, plus what only the Caffeine store does: idle expiry on its ticker, compact logs. */
class InMemorySessionStoreTest extends SessionStoreContractTest {
    private final AtomicLong nanos = new AtomicLong();
    private final Ticker ticker = nanos::get;

    @Override
    SessionStore newStore(int maxSessions) {
        return new InMemorySessionStore(Duration.ofHours(1), maxSessions, ticker, Clock.systemUTC());
    }

    @Test
    void expiresAfterIdleTimeoutButTouchKeepsAlive() {
        InMemorySessionStore store = new InMemorySessionStore(Duration.ofMinutes(10), 10, ticker, Clock.systemUTC());
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
        InMemorySessionStore store = new InMemorySessionStore(Duration.ofMinutes(10), 10, ticker, Clock.systemUTC());
        store.create(meta("a"));
        store.create(meta("b"));
        nanos.addAndGet(Duration.ofMinutes(6).toNanos());
        assertThat(store.append("a", 0, step(1))).isTrue();
        assertThat(store.find("b")).isPresent();
        nanos.addAndGet(Duration.ofMinutes(6).toNanos());
        assertThat(store.find("a")).isPresent();
        assertThat(store.find("b")).as("find does not keep a session alive").isEmpty();
    }

    @Test
    void expiredSessionsFreeTheirPlace() {
        InMemorySessionStore store = new InMemorySessionStore(Duration.ofMinutes(1), 1, ticker, Clock.systemUTC());
        store.create(meta("a"));
        nanos.addAndGet(Duration.ofMinutes(2).toNanos());
        store.create(meta("b"));
        assertThat(store.find("b")).isPresent();
    }
}
