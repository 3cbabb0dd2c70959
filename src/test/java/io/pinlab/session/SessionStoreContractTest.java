package io.pinlab.session;

import io.pinlab.kernel.Kernel;
import io.pinlab.kernel.Profile;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What every {@link SessionStore} must do, whatever keeps the sessions. One subclass per adapter
 * (in-memory now; the Redis store adds its own with a Testcontainers/local Redis).
 */
abstract class SessionStoreContractTest {

    /** A fresh, empty store that holds at most {@code maxSessions}. */
    abstract SessionStore newStore(int maxSessions);

    static LabSession session(String id) {
        return new LabSession(id, Tokens.sha256("t-" + id), Profile.V6_5, "x", false, Instant.EPOCH,
                new Kernel(Profile.V6_5, false), null);
    }

    @Test
    void addFindRemove() {
        SessionStore store = newStore(10);
        store.add(session("a"));
        assertThat(store.find("a")).get().extracting(LabSession::id).isEqualTo("a");
        assertThat(store.exists("a")).isTrue();
        assertThat(store.find("b")).isEmpty();
        assertThat(store.exists("b")).isFalse();
        assertThat(store.size()).isEqualTo(1);
        assertThat(store.remove("a")).isTrue();
        assertThat(store.remove("a")).isFalse();
        assertThat(store.find("a")).isEmpty();
        assertThat(store.size()).isZero();
    }

    @Test
    void refusesPastMaximumWithoutEvictingAnyone() {
        SessionStore store = newStore(2);
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
    void keepsTheTokenHashAndTheKernel() {
        SessionStore store = newStore(10);
        store.add(session("a"));
        LabSession found = store.find("a").orElseThrow();
        assertThat(Tokens.matches("t-a", found.tokenHash())).isTrue();
        assertThat(Tokens.matches("t-b", found.tokenHash())).isFalse();
        String profile = found.locked(k -> k.profile.name());
        assertThat(profile).isEqualTo("v6.5");
    }
}
