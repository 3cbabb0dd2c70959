package io.pinlab.session;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Scripts whose connection is lost after Redis ran them, before their answer arrived. Lettuce
 * reconnects and sends the command again (its default, at-least-once), so Redis runs it twice.
 * <ul>
 *   <li>APPEND: the second run finds the log one step longer. Answered as a conflict, the service
 *       would catch up (replaying its own step) and apply the call again, twice in the log for one
 *       answer; it must be "outcome unknown" (StoreUnavailableException, a 503) instead.</li>
 *   <li>ADMIT_CLIENT must not count the session against its own client a second time.</li>
 *   <li>REMOVE finds nothing left: still removed, and its client's live count goes down.</li>
 *   <li>APPEND again, when the re-send finds Redis without its script (restarted).</li>
 * </ul>
 * And one command asked for while the connection is down, which the store's connection holds
 * back (it flushes commands itself): it must go out once the connection is back. And appends
 * committed in groups: those that arrive while one is unanswered go out as one script; a group
 * sent again is "outcome unknown" for every append in it whose first run appended; one session
 * whose keys are broken fails only its own append.
 * Each test that drops an answer first runs the script once, so that Redis holds it: a dropped
 * NOSCRIPT answer would test nothing. The proxy picks the command by a key only it names.
 */
class RedisStoreResendTest {
    private static final String PREFIX = LocalRedis.uniquePrefix();
    private static CuttableProxy proxy;
    private static LettuceConnectionFactory factory;

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
        try {
            LocalRedis.deleteKeys(direct, PREFIX);
        } finally {
            direct.destroy();
            factory.destroy();
            proxy.close();
        }
    }

    @AfterEach
    void nothingLeftToDrop() {
        proxy.clearDrop();
        proxy.passAnswers();
    }

    private static RedisSessionStore store(int maxLivePerClient) {
        return new RedisSessionStore(factory, PREFIX, SessionStoreContractTest.properties(256,
                new SessionProperties.PerClient(maxLivePerClient, 5), Duration.ofHours(1)), Clock.systemUTC());
    }

    @Test
    void anAppendSentAgainIsNeitherAConflictNorTwiceInTheLog() {
        RedisSessionStore store = store(5);
        store.create(SessionStoreContractTest.meta("s"));
        assertThat(store.append("s", 0, SessionStoreContractTest.step(1))).isEqualTo(0);

        proxy.dropAnswerTo("{s}:log", false); // the first command after this that names the log: APPEND
        assertThatThrownBy(() -> store.append("s", 1, SessionStoreContractTest.step(2)))
                .isInstanceOf(StoreUnavailableException.class)
                .rootCause().hasMessageContaining("sent again");

        List<byte[]> log = store.stepsAfter("s", 0);
        assertThat(log).hasSize(2);
        assertThat(log.get(1)).isEqualTo(SessionStoreContractTest.step(2));
        assertThat(store.append("s", 2, SessionStoreContractTest.step(3))).isEqualTo(2); // on after the reconnect
    }

    /**
     * The re-sent EVALSHA reaches a Redis that lost its scripts (restarted, with the first run's
     * append kept by AOF): NOSCRIPT, then the store's EVAL finds the log one step longer.
     */
    @Test
    void anAppendSentAgainToARedisWithoutItsScriptIsNotAConflictEither() {
        RedisSessionStore store = store(5);
        store.create(SessionStoreContractTest.meta("n"));
        assertThat(store.append("n", 0, SessionStoreContractTest.step(1))).isEqualTo(0);

        proxy.dropAnswerTo("{n}:log", true);
        assertThatThrownBy(() -> store.append("n", 1, SessionStoreContractTest.step(2)))
                .isInstanceOf(StoreUnavailableException.class)
                .rootCause().hasMessageContaining("sent again");
        assertThat(store.stepsAfter("n", 0)).hasSize(2);
    }

    /**
     * The store's connection holds commands back while another is unanswered (RedisSessionStore.counted),
     * and nothing goes out while the connection is down: one asked for meanwhile must go out
     * once the connection is back, not wait for its timeout.
     */
    @Test
    void aCommandAskedForWhileRedisIsUnreachableGoesOutOnReconnecting() throws Exception {
        RedisSessionStore store = store(5);
        store.create(SessionStoreContractTest.meta("h"));
        proxy.cut();
        Thread.sleep(300); // Lettuce has seen the connection end
        try (ExecutorService background = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Optional<SessionRecord>> found = background.submit(() -> store.find("h"));
            try {
                Thread.sleep(300); // asked for while nothing listens
                proxy.resume();
                assertThat(found.get(20, TimeUnit.SECONDS)).isPresent(); // the command timeout is 60 s
            } finally {
                found.cancel(true);
            }
        } finally {
            proxy.resume();
        }
    }

    @Test
    void aClientAdmissionSentAgainDoesNotCountTheSessionTwice() {
        RedisSessionStore store = store(1);
        store.create(SessionStoreContractTest.meta("other", "10.0.0.8"));
        proxy.dropAnswerTo("{client:10.0.0.9}:new", false); // the client's admission
        store.create(SessionStoreContractTest.meta("c", "10.0.0.9"));
        assertThat(store.find("c")).isPresent();
        assertThatThrownBy(() -> store.create(SessionStoreContractTest.meta("d", "10.0.0.9")))
                .isInstanceOf(SessionQuotaException.class); // one live session is the cap, and "c" counts once
    }

    @Test
    void aRemoveSentAgainStillRemovesAndFreesItsClientsPlace() {
        RedisSessionStore store = store(1);
        store.create(SessionStoreContractTest.meta("r1", "10.0.0.7"));
        assertThat(store.remove("r1")).isTrue();
        store.create(SessionStoreContractTest.meta("r2", "10.0.0.7"));

        proxy.dropAnswerTo("{r2}:snap", false); // REMOVE, the one command of a removal that names the snapshots
        assertThat(store.remove("r2")).isTrue();
        assertThat(store.find("r2")).isEmpty();
        store.create(SessionStoreContractTest.meta("r3", "10.0.0.7")); // the cap is 1: r2 no longer counts
        assertThat(store.find("r3")).isPresent();

        proxy.dropAnswerTo("{r4}:snap", false);
        assertThat(store.remove("r4")).isFalse(); // sent again, but there was nothing to remove
    }

    /** Waits (at most 20 s) until {@code condition} holds. */
    private static void eventually(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("still not so after 20 s");
            Thread.sleep(5);
        }
    }

    /** An append of {@code step(n)} to session {@code id}, expecting {@code version}, to run in the background. */
    private static Callable<Long> append(RedisSessionStore store, String id, long version, int n) {
        return () -> store.append(id, version, SessionStoreContractTest.step(n));
    }

    /**
     * Holds Redis's answers back and starts {@code appends}: the first goes out alone (one EVALSHA,
     * counted from here on), the others wait in the store behind it. Their answers, in order; the
     * caller passes Redis's answers on (in a finally: until then the appends wait).
     */
    private static List<Future<Long>> oneUnansweredTheRestWaiting(RedisSessionStore store, ExecutorService background,
                                                                 List<Callable<Long>> appends) throws InterruptedException {
        proxy.count("EVALSHA");
        proxy.holdAnswers();
        List<Future<Long>> answers = new ArrayList<>();
        answers.add(background.submit(appends.getFirst()));
        eventually(() -> proxy.counted() == 1);
        for (Callable<Long> a : appends.subList(1, appends.size())) answers.add(background.submit(a));
        eventually(() -> store.appendsWaiting() == appends.size() - 1);
        return answers;
    }

    /** Appends of {@code step(i)} to sessions {@code prefix + i}, i = 0 .. n - 1, each expecting {@code version}. */
    private static List<Callable<Long>> appends(RedisSessionStore store, String prefix, int n, long version) {
        return IntStream.range(0, n).mapToObj(i -> append(store, prefix + i, version, i)).toList();
    }

    /**
     * Appends to several sessions while one append is unanswered: they wait in the store, and go
     * out together, as one script, when its answer arrives.
     */
    @Test
    void appendsThatArriveWhileOneIsUnansweredGoOutAsOneScript() throws Exception {
        RedisSessionStore store = store(5);
        for (int i = 0; i < 5; i++) store.create(SessionStoreContractTest.meta("g" + i));
        try (ExecutorService background = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Long>> answers;
            try {
                answers = oneUnansweredTheRestWaiting(store, background, appends(store, "g", 5, 0));
                assertThat(proxy.counted()).as("nothing else went out").isEqualTo(1);
            } finally {
                proxy.passAnswers();
            }
            for (Future<Long> f : answers) assertThat(f.get(20, TimeUnit.SECONDS)).isZero();
        }
        assertThat(proxy.counted()).as("the four appends in one script").isEqualTo(2);
        for (int i = 0; i < 5; i++)
            assertThat(store.stepsAfter("g" + i, 0)).containsExactly(SessionStoreContractTest.step(i));
    }

    /** A group whose answer is lost is sent again: none of its appends is a conflict, each step is in its log once. */
    @Test
    void aGroupSentAgainIsOutcomeUnknownForEveryAppendThatItsFirstRunAppended() throws Exception {
        RedisSessionStore store = store(5);
        for (int i = 0; i < 4; i++) {
            store.create(SessionStoreContractTest.meta("q" + i));
            assertThat(store.append("q" + i, 0, SessionStoreContractTest.step(1))).isZero();
        }
        try (ExecutorService background = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Long>> answers;
            try {
                answers = oneUnansweredTheRestWaiting(store, background, appends(store, "q", 4, 1));
                proxy.dropAnswerTo("{q2}:log", false); // the group's script names it
            } finally {
                proxy.passAnswers();
            }
            assertThat(answers.getFirst().get(20, TimeUnit.SECONDS)).isEqualTo(1);
            for (Future<Long> f : answers.subList(1, answers.size()))
                assertThatThrownBy(() -> f.get(20, TimeUnit.SECONDS)).rootCause().hasMessageContaining("sent again");
        }
        for (int i = 0; i < 4; i++) assertThat(store.stepsAfter("q" + i, 0)).hasSize(2);
        assertThat(store.append("q3", 2, SessionStoreContractTest.step(3))).isEqualTo(2); // on after the reconnect
    }

    /** A session whose log is not a list (written by something else) fails its own append, not its group's. */
    @Test
    void aSessionWithBrokenKeysFailsOnlyItsOwnAppendInAGroup() throws Exception {
        RedisSessionStore store = store(5);
        for (String id : List.of("b0", "bad", "good")) store.create(SessionStoreContractTest.meta(id));
        try (var redis = factory.getConnection()) {
            redis.stringCommands().set((PREFIX + "{bad}:log").getBytes(StandardCharsets.UTF_8), new byte[] {1});
        }
        try (ExecutorService background = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Long>> answers;
            try {
                answers = oneUnansweredTheRestWaiting(store, background,
                        List.of(append(store, "b0", 0, 0), append(store, "bad", 0, 1), append(store, "good", 0, 2)));
            } finally {
                proxy.passAnswers();
            }
            assertThat(answers.get(0).get(20, TimeUnit.SECONDS)).isZero();
            assertThatThrownBy(() -> answers.get(1).get(20, TimeUnit.SECONDS)).cause()
                    .isInstanceOf(StoreUnavailableException.class).rootCause().hasMessageContaining("WRONGTYPE");
            assertThat(answers.get(2).get(20, TimeUnit.SECONDS)).isZero();
        }
        assertThat(proxy.counted()).as("bad and good in one script").isEqualTo(2);
        assertThat(store.stepsAfter("good", 0)).containsExactly(SessionStoreContractTest.step(2));
    }

    /** More appends wait than a group carries: they go out in as many groups as it takes, one after another. */
    @Test
    void appendsBeyondAGroupGoOutInTheNext() throws Exception {
        int sessions = RedisSessionStore.MAX_GROUP + 2; // one in flight, a full group and one more waiting
        RedisSessionStore store = store(5);
        for (int i = 0; i < sessions; i++) store.create(SessionStoreContractTest.meta("l" + i));
        try (ExecutorService background = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Long>> answers;
            try {
                answers = oneUnansweredTheRestWaiting(store, background, appends(store, "l", sessions, 0));
            } finally {
                proxy.passAnswers();
            }
            for (Future<Long> f : answers) assertThat(f.get(20, TimeUnit.SECONDS)).isZero();
        }
        assertThat(proxy.counted()).as("the first, a full group, the one left").isEqualTo(3);
        for (int i = 0; i < sessions; i++)
            assertThat(store.stepsAfter("l" + i, 0)).containsExactly(SessionStoreContractTest.step(i));
    }

    /**
     * An append that Redis does not answer within the command timeout fails, and so do those that
     * waited for it: they are never sent (not after a second timeout), and not in any log.
     */
    @Test
    void appendsWaitingForOneThatTimesOutFailWithItUnsent() throws Exception {
        LettuceConnectionFactory impatient = new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", proxy.port()),
                LettuceClientConfiguration.builder().commandTimeout(Duration.ofSeconds(1)).build());
        impatient.afterPropertiesSet();
        impatient.start();
        try (ExecutorService background = Executors.newVirtualThreadPerTaskExecutor()) {
            RedisSessionStore store = new RedisSessionStore(impatient, PREFIX, SessionStoreContractTest.properties(256,
                    new SessionProperties.PerClient(5, 5), Duration.ofHours(1)), Clock.systemUTC());
            for (int i = 0; i < 3; i++) store.create(SessionStoreContractTest.meta("t" + i));
            try {
                for (Future<Long> f : oneUnansweredTheRestWaiting(store, background, appends(store, "t", 3, 0)))
                    assertThatThrownBy(() -> f.get(20, TimeUnit.SECONDS)).cause().isInstanceOf(StoreUnavailableException.class);
                assertThat(proxy.counted()).as("the waiting appends never went out").isEqualTo(1);
            } finally {
                proxy.passAnswers();
            }
            assertThat(store.stepsAfter("t1", 0)).isEmpty();
            assertThat(store.stepsAfter("t2", 0)).isEmpty();
        } finally {
            impatient.destroy();
        }
    }
}
