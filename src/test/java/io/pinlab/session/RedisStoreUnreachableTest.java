package io.pinlab.session;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every operation of the Redis store on a port where nothing listens is a StoreUnavailableException (503), nothing else. */
class RedisStoreUnreachableTest {
    private static LettuceConnectionFactory factory;
    private static RedisSessionStore store;

    @BeforeAll
    static void connect() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        factory = LocalRedis.factory("127.0.0.1", closed);
        store = new RedisSessionStore(factory, "pinlab-test:", SessionStoreContractTest.properties(10,
                new SessionProperties.PerClient(5, 5), Duration.ofHours(1)), Clock.systemUTC());
    }

    @AfterAll
    static void close() {
        factory.destroy();
    }

    @Test
    void everyOperationIsStoreUnavailable() {
        List<Consumer<SessionStore>> operations = List.of(
                s -> s.create(SessionStoreContractTest.meta("a", "10.0.0.1")),
                s -> s.create(SessionStoreContractTest.meta("a", null)),
                s -> s.find("a"),
                s -> s.stepsAfter("a", 0, 10),
                s -> s.append("a", 0, SessionStoreContractTest.step(1)),
                s -> s.putSnapshot("a", 1, new byte[]{1}),
                s -> s.snapshot("a", 1),
                s -> s.touch("a"),
                s -> s.remove("a"),
                SessionStore::size);
        for (Consumer<SessionStore> op : operations)
            assertThatThrownBy(() -> op.accept(store)).isInstanceOf(StoreUnavailableException.class);
    }
}
