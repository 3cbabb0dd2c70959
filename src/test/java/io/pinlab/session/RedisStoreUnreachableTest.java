package io.pinlab.session;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import io.lettuce.core.ClientOptions;
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
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Every operation of the Redis store is a StoreUnavailableException (503), nothing else, when
 * Redis cannot be reached: nothing listens on its port, a Redis accepts the connection but never
 * answers (the store's watchdog ends the wait after the command timeout), more calls than the
 * store has connections meet such a Redis, or the store is already closed (a request that arrives
 * while the service shuts down).
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
        store.close();
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
        return store(factory, 4);
    }

    static RedisSessionStore store(LettuceConnectionFactory factory, int connections) {
        return new RedisSessionStore(factory, "pinlab-test:", SessionStoreContractTest.properties(10,
                new SessionProperties.PerClient(5, 5), Duration.ofHours(1)), Clock.systemUTC(), connections);
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
        silentRedis(server, new AtomicInteger());
    }

    /** {@link #silentRedis(ServerSocket)} that counts the connections it accepts. */
    private static void silentRedis(ServerSocket server, AtomicInteger accepted) {
        Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket c = server.accept();
                    accepted.incrementAndGet();
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

    /** A Lettuce factory at a port of this machine with a command timeout of 300 ms (the store's). */
    private static LettuceConnectionFactory timeoutFactory(int port) {
        LettuceConnectionFactory f = new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", port),
                LettuceClientConfiguration.builder().commandTimeout(Duration.ofMillis(300)).build());
        f.afterPropertiesSet();
        f.start();
        return f;
    }

    /** The store reads answers without a socket timeout: its watchdog must end the wait after the command timeout. */
    @Test
    void aRedisThatNeverAnswersIsStoreUnavailableAfterTheCommandTimeout() throws Exception {
        try (ServerSocket silent = new ServerSocket(0)) {
            silentRedis(silent);
            LettuceConnectionFactory f = timeoutFactory(silent.getLocalPort());
            try (RedisSessionStore s = store(f)) {
                assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
                    for (Consumer<SessionStore> op : OPERATIONS)
                        assertThatThrownBy(() -> op.accept(s)).isInstanceOf(StoreUnavailableException.class)
                                .cause().hasMessageContaining("Redis did not answer within PT0.3S");
                });
            } finally {
                f.destroy();
            }
        }
    }

    /**
     * More concurrent calls than the store has connections, on a Redis that never answers: the store
     * opens no more than its connections, and every call ends as a 503, those that waited for a
     * connection too (after the command timeout at most).
     */
    @Test
    void callsBeyondTheConnectionsWaitAtMostTheTimeoutThenAreStoreUnavailable() throws Exception {
        try (ServerSocket silent = new ServerSocket(0); ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            AtomicInteger accepted = new AtomicInteger();
            silentRedis(silent, accepted);
            LettuceConnectionFactory f = timeoutFactory(silent.getLocalPort());
            try (RedisSessionStore s = store(f, 2)) {
                List<Future<?>> calls = new ArrayList<>();
                for (int i = 0; i < 8; i++) calls.add(threads.submit(() -> s.find("a")));
                assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
                    for (Future<?> call : calls)
                        assertThatThrownBy(call::get).cause().isInstanceOf(StoreUnavailableException.class);
                });
                assertThat(accepted.get()).as("connections opened").isLessThanOrEqualTo(2);
            } finally {
                f.destroy();
            }
        }
    }

    /**
     * Redis drops the store's connections (as when it restarts): the call that meets a dropped one
     * is a 503 and closes the other idle ones, so the calls after it connect anew and succeed.
     */
    @Test
    void aLostConnectionCostsOneCallAndTheNextOnesReconnect() throws Exception {
        LocalRedis.require();
        String prefix = LocalRedis.uniquePrefix();
        LettuceConnectionFactory direct = LocalRedis.factory(LocalRedis.HOST, LocalRedis.PORT);
        try (CuttableProxy proxy = new CuttableProxy(LocalRedis.HOST, LocalRedis.PORT)) {
            LettuceConnectionFactory f = LocalRedis.factory("127.0.0.1", proxy.port());
            try (RedisSessionStore s = new RedisSessionStore(f, prefix, SessionStoreContractTest.properties(10,
                    new SessionProperties.PerClient(5, 5), Duration.ofHours(1)), Clock.systemUTC(), 8)) {
                s.create(SessionStoreContractTest.meta("a", null));
                try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) { // several connections, then idle
                    for (int i = 0; i < 8; i++) threads.submit(() -> { for (int j = 0; j < 50; j++) s.find("a"); });
                }
                proxy.cut();
                proxy.resume();
                int refused = 0;
                for (int i = 0; i < 8; i++) {
                    try {
                        assertThat(s.find("a")).isPresent();
                    } catch (StoreUnavailableException lost) {
                        refused++;
                    }
                }
                assertThat(refused).as("calls refused after the connections were lost").isLessThanOrEqualTo(1);
                assertThat(s.append("a", 0, SessionStoreContractTest.step(1))).isZero();
            } finally {
                f.destroy();
            }
        } finally {
            LocalRedis.deleteKeys(direct, prefix);
            direct.destroy();
        }
    }

    /** A request that arrives while the context closes (the store is closed before the factory). */
    @Test
    void aClosedStoreIsStoreUnavailable() {
        LettuceConnectionFactory f = LocalRedis.factory(LocalRedis.HOST, LocalRedis.PORT);
        try {
            RedisSessionStore s = store(f);
            s.close();
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

    /** The store's own reads are bounded by spring.data.redis.timeout: a zero timeout (none) is refused at start. */
    @Test
    void noCommandTimeoutIsRefusedAtStart() {
        LettuceConnectionFactory f = new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", 6379),
                LettuceClientConfiguration.builder().commandTimeout(Duration.ZERO).build());
        assertThatThrownBy(() -> store(f)).isInstanceOf(IllegalStateException.class).hasMessageContaining("command timeout");
    }
}
