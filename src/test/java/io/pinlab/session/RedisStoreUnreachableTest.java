package io.pinlab.session;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.TimeoutOptions;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Every operation of the Redis store is a StoreUnavailableException (503), nothing else, when
 * Redis cannot be reached: nothing listens on its port, a Redis accepts the connection but never
 * answers (Lettuce's command timeout ends the wait), or the connection factory is already stopped
 * (a request that arrives while the service shuts down).
 */
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
        store = store(factory);
    }

    @AfterAll
    static void close() {
        factory.destroy();
    }

    static final List<Consumer<SessionStore>> OPERATIONS = List.of(
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

    static RedisSessionStore store(LettuceConnectionFactory factory) {
        return new RedisSessionStore(factory, "pinlab-test:", SessionStoreContractTest.properties(10,
                new SessionProperties.PerClient(5, 5), Duration.ofHours(1)), Clock.systemUTC());
    }

    @Test
    void everyOperationIsStoreUnavailable() {
        for (Consumer<SessionStore> op : OPERATIONS)
            assertThatThrownBy(() -> op.accept(store)).isInstanceOf(StoreUnavailableException.class);
    }

    /**
     * A Redis that accepts connections and completes Lettuce's handshake (HELLO and CLIENT are
     * refused, so Lettuce speaks RESP2 without them; PING is answered) but never answers any
     * other command.
     */
    private static void silentRedis(ServerSocket server) {
        Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket c = server.accept();
                    Thread.ofVirtual().start(() -> answerHandshakeOnly(c));
                } catch (IOException closed) {
                    return;
                }
            }
        });
    }

    private static void answerHandshakeOnly(Socket c) {
        try (c; BufferedReader in = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.UTF_8))) {
            OutputStream out = c.getOutputStream();
            for (String line; (line = in.readLine()) != null; ) {
                if (!line.startsWith("*")) continue;
                List<String> command = new ArrayList<>();
                for (int n = Integer.parseInt(line.substring(1)); n > 0; n--) {
                    in.readLine(); // $length
                    command.add(in.readLine());
                }
                String name = command.getFirst().toUpperCase(Locale.ROOT);
                String answer = name.equals("PING") ? "+PONG" : Set.of("HELLO", "CLIENT").contains(name) ? "-ERR unknown command" : null;
                if (answer != null) {
                    out.write((answer + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
            }
        } catch (IOException closed) {
            // the test is over
        }
    }

    /** The store waits for an answer without a deadline of its own: Lettuce's command timeout must end the wait. */
    @Test
    void aRedisThatNeverAnswersIsStoreUnavailableAfterTheCommandTimeout() throws Exception {
        try (ServerSocket silent = new ServerSocket(0)) {
            silentRedis(silent);
            LettuceConnectionFactory f = new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", silent.getLocalPort()),
                    LettuceClientConfiguration.builder().commandTimeout(Duration.ofMillis(300)).build());
            f.afterPropertiesSet();
            f.start();
            try {
                RedisSessionStore s = store(f);
                assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
                    for (Consumer<SessionStore> op : OPERATIONS)
                        assertThatThrownBy(() -> op.accept(s)).isInstanceOf(StoreUnavailableException.class)
                                .hasCauseInstanceOf(RedisCommandTimeoutException.class);
                });
            } finally {
                f.destroy();
            }
        }
    }

    /** A request that arrives while the context closes (the factory is stopped before the store's first call). */
    @Test
    void aStoppedFactoryIsStoreUnavailable() {
        LettuceConnectionFactory f = LocalRedis.factory(LocalRedis.HOST, LocalRedis.PORT);
        f.stop();
        try {
            RedisSessionStore s = store(f);
            for (Consumer<SessionStore> op : OPERATIONS)
                assertThatThrownBy(() -> op.accept(s)).isInstanceOf(StoreUnavailableException.class);
        } finally {
            f.destroy();
        }
    }

    /** Without Lettuce's command timeouts a lost answer would hold its request forever: refused at start. */
    @Test
    void commandTimeoutsOffIsRefusedAtStart() {
        LettuceConnectionFactory f = new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", 6379),
                LettuceClientConfiguration.builder().clientOptions(ClientOptions.builder().timeoutOptions(TimeoutOptions.create()).build()).build());
        assertThatThrownBy(() -> store(f)).isInstanceOf(IllegalStateException.class).hasMessageContaining("command timeouts");
    }
}
