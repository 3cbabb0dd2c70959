package io.pinlab.session;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The store contract against a real Redis, plus what only the Redis store does: one hash tag
 * per session, TTL idle expiry refreshed by touch and append, token hashes only. Subclasses say
 * which Redis: a Testcontainers one where Docker exists, else the local redis-server.
 */
abstract class RedisSessionStoreContractTest extends SessionStoreContractTest {
    private final List<String> prefixes = new ArrayList<>();

    abstract LettuceConnectionFactory factory();

    @Override
    SessionStore newStore(int maxSessions, SessionProperties.PerClient caps, Duration idleTimeout) {
        String prefix = LocalRedis.uniquePrefix();
        prefixes.add(prefix);
        return new RedisSessionStore(factory(), prefix, properties(maxSessions, caps, idleTimeout), Clock.systemUTC());
    }

    RedisSessionStore newStore(int maxSessions, Duration idle) {
        return (RedisSessionStore) newStore(maxSessions, new SessionProperties.PerClient(1000, 1000), idle);
    }

    @AfterEach
    void deleteKeys() {
        for (String p : prefixes) LocalRedis.deleteKeys(factory(), p);
    }

    private Set<String> keys() {
        return new StringRedisTemplate(factory()).keys(prefixes.getLast() + "*");
    }

    @Test
    void aClientsCountsAreTwoKeysWithTheClientsHashTag() {
        RedisSessionStore store = newStore(10, Duration.ofHours(1));
        store.create(meta("abc", "10.0.0.1"));
        String p = prefixes.getLast();
        assertThat(keys()).containsExactlyInAnyOrder(p + "{abc}:meta", p + "sessions",
                p + "{client:10.0.0.1}:live", p + "{client:10.0.0.1}:new");
        assertThat(store.remove("abc")).isTrue();
        assertThat(keys()).as("the creation still counts for this minute").containsExactly(p + "{client:10.0.0.1}:new");
    }

    @Test
    void aSessionIsThreeKeysWithOneHashTagAndNoToken() {
        RedisSessionStore store = newStore(10, Duration.ofHours(1));
        store.create(meta("abc"));
        store.append("abc", 0, step(1));
        store.putSnapshot("abc", 1, new byte[] {7});
        String p = prefixes.getLast();
        assertThat(keys()).containsExactlyInAnyOrder(p + "{abc}:meta", p + "{abc}:log", p + "{abc}:snap", p + "sessions");
        StringRedisTemplate t = new StringRedisTemplate(factory());
        // the token hash is stored as its 32 raw bytes; the token itself ("t-abc") nowhere
        byte[] stored = factory().getConnection().hashCommands().hGet((p + "{abc}:meta").getBytes(StandardCharsets.UTF_8),
                "t".getBytes(StandardCharsets.UTF_8));
        assertThat(stored).isEqualTo(Tokens.sha256("t-abc"));
        for (String k : keys()) if (k.endsWith(":meta")) assertThat(t.opsForHash().values(k).toString()).doesNotContain("t-abc");
    }

    @Test
    void idleExpiryIsATtlThatTouchAndAppendRefresh() throws Exception {
        RedisSessionStore store = newStore(10, Duration.ofMillis(1500));
        store.create(meta("a"));
        store.create(meta("b"));
        store.create(meta("c"));
        store.append("a", 0, step(1));
        Thread.sleep(900);
        store.touch("a");
        assertThat(store.append("b", 0, step(1))).isZero();
        assertThat(store.find("c")).as("find is not an access").isPresent();
        Thread.sleep(900);
        assertThat(store.find("a")).isPresent();
        assertThat(text(store.stepsAfter("a", 0))).containsExactly("{\"op\":\"step1\"}");
        assertThat(store.find("b")).isPresent();
        assertThat(store.find("c")).isEmpty();
        assertThat(store.stepsAfter("c", 0)).isEmpty();
        assertThat(store.size()).isEqualTo(2);
    }

    /** A clock the test moves by hand. */
    static final class HandClock extends Clock {
        long millis = 1_000_000_000_000L;

        @Override public ZoneId getZone() { return ZoneOffset.UTC; }
        @Override public Clock withZone(ZoneId zone) { return this; }
        @Override public long millis() { return millis; }
        @Override public Instant instant() { return Instant.ofEpochMilli(millis); }
    }

    @Test
    void anAccessWithinAMinuteOfTheLastOneWritesNoTtl() {
        HandClock clock = new HandClock();
        String prefix = LocalRedis.uniquePrefix();
        prefixes.add(prefix);
        RedisSessionStore store = new RedisSessionStore(factory(), prefix, properties(10,
                new SessionProperties.PerClient(1000, 1000), Duration.ofHours(24)), clock);
        store.create(meta("a"));
        long created = clock.millis;
        clock.millis += 1000;
        store.append("a", 0, step(1)); // the first access of this replica: written
        assertThat(store.find("a").orElseThrow().lastAccess().toEpochMilli()).isEqualTo(created + 1000);
        StringRedisTemplate t = new StringRedisTemplate(factory());
        assertThat(t.getExpire(prefix + "{a}:log", TimeUnit.MILLISECONDS)).as("the log the step created expires")
                .isPositive();
        clock.millis += RedisSessionStore.MAX_REFRESH_MILLIS - 1;
        store.append("a", 1, step(2));
        store.touch("a");
        assertThat(store.find("a").orElseThrow().lastAccess().toEpochMilli()).as("within the minute: not written")
                .isEqualTo(created + 1000);
        clock.millis += 1;
        assertThat(store.touch("a")).isEqualTo(2);
        assertThat(store.find("a").orElseThrow().lastAccess().toEpochMilli()).as("a minute on: written")
                .isEqualTo(clock.millis);
    }

    @Test
    void anExpiredSessionGivesItsClientItsPlaceBack() throws Exception {
        SessionStore store = newStore(10, new SessionProperties.PerClient(1, 1000), Duration.ofMillis(1500));
        store.create(meta("a", "10.0.0.1"));
        assertThatThrownBy(() -> store.create(meta("b", "10.0.0.1"))).isInstanceOf(SessionQuotaException.class);
        Thread.sleep(1700);
        store.create(meta("b", "10.0.0.1"));
        assertThat(store.find("b")).isPresent();
    }

    @Test
    void aTouchedSessionKeepsCountingForItsClientPastItsFirstExpiry() throws Exception {
        SessionStore store = newStore(10, new SessionProperties.PerClient(1, 1000), Duration.ofMillis(2000));
        store.create(meta("a", "10.0.0.1"));
        for (int i = 0; i < 3; i++) {
            Thread.sleep(700);
            assertThat(store.touch("a")).isZero();
        }
        // 2.1 s after creation: past the expiry recorded at creation, yet alive
        assertThatThrownBy(() -> store.create(meta("b", "10.0.0.1"))).isInstanceOf(SessionQuotaException.class);
    }

    @Test
    void anExpiredSessionFreesItsSlot() throws Exception {
        RedisSessionStore store = newStore(1, Duration.ofMillis(500));
        store.create(meta("a"));
        Thread.sleep(700);
        store.create(meta("b"));
        assertThat(store.find("b")).isPresent();
    }

    @Test
    void aRedisThatForgotItsScriptsIsSentThemAgain() {
        RedisSessionStore store = newStore(10, Duration.ofHours(1));
        store.create(meta("a"));
        assertThat(store.append("a", 0, step(1))).isZero();
        factory().getConnection().scriptingCommands().scriptFlush(); // as after a restart: EVALSHA answers NOSCRIPT
        assertThat(store.append("a", 1, step(2))).isEqualTo(1);
        assertThat(store.touch("a")).isEqualTo(2);
        assertThat(text(store.stepsAfter("a", 0))).containsExactly("{\"op\":\"step1\"}", "{\"op\":\"step2\"}");
    }

    @Test
    void idsThatCannotBeSessionIdsReachNoKey() {
        RedisSessionStore store = newStore(10, Duration.ofHours(1));
        store.create(meta("a"));
        for (String id : List.of("a}:meta", "*", "a b", "{a}", "")) {
            assertThat(store.find(id)).isEmpty();
            assertThat(store.append(id, 0, step(1))).isEqualTo(-1);
            assertThat(store.touch(id)).isEqualTo(-1);
            assertThat(store.remove(id)).isFalse();
        }
        assertThat(keys()).hasSize(2); // a's meta and the sessions set
    }
}
