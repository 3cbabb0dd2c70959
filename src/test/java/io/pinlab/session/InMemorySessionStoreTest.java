package io.pinlab.session;

import com.github.benmanes.caffeine.cache.Ticker;
import io.pinlab.kernel.Kernel;
import io.pinlab.kernel.Profile;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InMemorySessionStoreTest {
    private final AtomicLong nanos = new AtomicLong();
    private final Ticker ticker = nanos::get;

    private static LabSession session(String id) {
        return new LabSession(id, Tokens.sha256("t-" + id), Profile.V6_5, "x", false, Instant.EPOCH,
                new Kernel(Profile.V6_5, false));
    }

    @Test
    void expiresAfterIdleTimeoutButAccessKeepsAlive() {
        InMemorySessionStore store = new InMemorySessionStore(Duration.ofMinutes(10), 10, ticker);
        store.add(session("a"));
        store.add(session("b"));
        nanos.addAndGet(Duration.ofMinutes(6).toNanos());
        assertThat(store.find("a")).isPresent(); // touches a
        nanos.addAndGet(Duration.ofMinutes(6).toNanos());
        assertThat(store.find("a")).isPresent();
        assertThat(store.find("b")).isEmpty();
    }

    @Test
    void refusesPastMaximumWithoutEvictingAnyone() {
        InMemorySessionStore store = new InMemorySessionStore(Duration.ofHours(1), 2, ticker);
        store.add(session("a"));
        store.add(session("b"));
        assertThatThrownBy(() -> store.add(session("c"))).isInstanceOf(SessionLimitException.class);
        assertThat(store.find("a")).isPresent();
        assertThat(store.find("b")).isPresent();
        assertThat(store.remove("a")).isTrue();
        store.add(session("c"));
        assertThat(store.size()).isEqualTo(2);
    }

    @Test
    void expiredSessionsFreeTheirPlace() {
        InMemorySessionStore store = new InMemorySessionStore(Duration.ofMinutes(1), 1, ticker);
        store.add(session("a"));
        nanos.addAndGet(Duration.ofMinutes(2).toNanos());
        store.add(session("b"));
        assertThat(store.find("b")).isPresent();
    }

    @Test
    void sessionSerialisesWithAWorkingLock() throws Exception {
        LabSession s = session("a");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(s);
        }
        LabSession copy;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            copy = (LabSession) in.readObject();
        }
        assertThat(copy.id()).isEqualTo("a");
        assertThat(copy.profile()).isEqualTo(Profile.V6_5);
        assertThat(Tokens.matches("t-a", copy.tokenHash())).isTrue();
        String name = copy.locked(k -> k.profile.name());
        assertThat(name).isEqualTo("v6.5");
    }

    @Test
    void oneSessionIsSerialisedOthersRunInParallel() throws Exception {
        LabSession a = session("a");
        LabSession b = session("b");
        CountDownLatch aHeld = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread holder = Thread.ofVirtual().start(() -> a.locked(k -> {
            aHeld.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        }));
        assertThat(aHeld.await(5, TimeUnit.SECONDS)).isTrue();
        // b is free while a is held
        CountDownLatch bDone = new CountDownLatch(1);
        Thread.ofVirtual().start(() -> b.locked(k -> {
            bDone.countDown();
            return null;
        }));
        assertThat(bDone.await(5, TimeUnit.SECONDS)).as("other session proceeds").isTrue();
        // a second caller of a waits
        CountDownLatch aSecond = new CountDownLatch(1);
        Thread.ofVirtual().start(() -> a.locked(k -> {
            aSecond.countDown();
            return null;
        }));
        assertThat(aSecond.await(300, TimeUnit.MILLISECONDS)).as("same session waits").isFalse();
        release.countDown();
        assertThat(aSecond.await(5, TimeUnit.SECONDS)).isTrue();
        holder.join();
    }
}
