package io.pinlab.session;

import io.pinlab.kernel.Kernel;
import io.pinlab.kernel.KernelSnapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

import java.util.Optional;

/**
 * Kernel snapshots as a cache of "state after step N" next to a session's log: stored every
 * {@code everySteps} steps and after a long catch-up, read back instead of replaying from boot
 * (for the head, and for a past state {@code ?at=N}: the newest snapshot at or before N).
 * A snapshot that cannot be stored or read costs only replay time, never a call.
 */
@Component
class Snapshots {
    private static final Logger log = LoggerFactory.getLogger(Snapshots.class);

    record Restored(Kernel kernel, long version) {
    }

    private final SessionStore store;
    private final SessionBudget budget;
    private final StoreProperties.Snapshots policy;

    @Autowired
    Snapshots(SessionStore store, SessionBudget budget, StoreProperties properties) {
        this(store, budget, properties.snapshots());
    }

    Snapshots(SessionStore store, SessionBudget budget, StoreProperties.Snapshots policy) {
        this.store = store;
        this.budget = budget;
        this.policy = policy;
    }

    /** The newest stored snapshot of a version {@code <= atMost}, read back; empty when there is none or it is unreadable. */
    Optional<Restored> restore(String id, long atMost) {
        try {
            return store.snapshot(id, atMost).map(s -> new Restored(budget.restore(s.bytes()), s.version()));
        } catch (StoreUnavailableException e) {
            throw e; // the log cannot be read either
        } catch (RuntimeException e) { // SnapshotFormatException
            log.debug("session {}: snapshot not used ({}); replaying the log", id, e.toString());
            return Optional.empty();
        }
    }

    /** After step {@code version} was appended. */
    void afterAppend(String id, long version, Kernel k) {
        if (version % policy.everySteps() == 0) put(id, version, k);
    }

    /** After a catch-up that replayed {@code replayed} steps up to {@code version}. */
    void afterReplay(String id, long version, long replayed, Kernel k) {
        if (replayed >= policy.afterReplayedSteps()) put(id, version, k);
    }

    private void put(String id, long version, Kernel k) {
        try {
            store.putSnapshot(id, version, KernelSnapshot.write(k));
        } catch (RuntimeException e) {
            log.debug("session {}: snapshot at step {} not stored ({})", id, version, e.toString());
        }
    }
}
