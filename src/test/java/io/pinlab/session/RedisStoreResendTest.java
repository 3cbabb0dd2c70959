package io.pinlab.session;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * An append whose connection is lost after Redis ran it, before its answer arrived. Lettuce
 * reconnects and sends the command again (its default, at-least-once): the second run finds the
 * log one step longer. Answered as a conflict, the service would catch up (replaying its own
 * step) and apply the call again, so the log would hold the call twice for one acknowledged
 * answer. The store must answer "outcome unknown" (StoreUnavailableException, a 503) instead, and
 * the log hold the step once. The other scripts are idempotent: run again, they answer as the
 * first run did.
 */
class RedisStoreResendTest {
    private static CuttableProxy proxy;
    private static LettuceConnectionFactory factory;
    private static final String PREFIX = LocalRedis.uniquePrefix();

    @BeforeAll
    static void connect() throws Exception {
        LocalRedis.require();
        proxy = new CuttableProxy(LocalRedis.HOST, LocalRedis.PORT);
        factory = LocalRedis.factory("127.0.0.1", proxy.port());
    }

    @AfterAll
    static void close() throws Exception {
        if (factory == null) return;
        LettuceConnectionFactory direct = LocalRedis.factory(LocalRedis.HOST, LocalRedis.PORT);
        LocalRedis.deleteKeys(direct, PREFIX);
        direct.destroy();
        factory.destroy();
        proxy.close();
    }

    private static RedisSessionStore store(int maxLivePerClient) {
        return new RedisSessionStore(factory, PREFIX, SessionStoreContractTest.properties(10,
                new SessionProperties.PerClient(maxLivePerClient, 5), Duration.ofHours(1)), Clock.systemUTC());
    }

    @Test
    void anAppendSentAgainAfterAReconnectIsNeitherAConflictNorTwiceInTheLog() {
        RedisSessionStore store = store(5);
        store.create(SessionStoreContractTest.meta("s"));
        assertThat(store.append("s", 0, SessionStoreContractTest.step(1))).isEqualTo(0);

        proxy.dropNextReply();
        assertThatThrownBy(() -> store.append("s", 1, SessionStoreContractTest.step(2)))
                .isInstanceOf(StoreUnavailableException.class);

        List<byte[]> log = store.stepsAfter("s", 0);
        assertThat(log).hasSize(2);
        assertThat(log.get(1)).isEqualTo(SessionStoreContractTest.step(2));
        // the store works on after the reconnect
        assertThat(store.append("s", 2, SessionStoreContractTest.step(3))).isEqualTo(2);
        assertThat(store.find("s")).get().extracting(SessionRecord::version).isEqualTo(3L);
    }

    /** The first script of a creation counts the session against its client's caps; its second run must not count it again. */
    @Test
    void aClientAdmissionSentAgainDoesNotCountTheSessionAgainstItself() {
        RedisSessionStore store = store(1);
        assertThat(store.find("c")).isEmpty(); // opens the store's connection (its handshake is not to be dropped)
        proxy.dropNextReply();
        store.create(SessionStoreContractTest.meta("c", "10.0.0.9"));
        assertThat(store.find("c")).isPresent();
        assertThatThrownBy(() -> store.create(SessionStoreContractTest.meta("d", "10.0.0.9")))
                .isInstanceOf(SessionQuotaException.class); // one live session is the cap, and "c" counts once
    }
}
