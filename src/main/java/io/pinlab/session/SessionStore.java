package io.pinlab.session;

import java.util.Optional;

/** Where live lab sessions are kept. In-memory by default; a Redis implementation comes later. */
public interface SessionStore {

    /**
     * Stores a new session.
     *
     * @throws SessionLimitException when the store already holds its maximum number of sessions
     */
    void add(LabSession session);

    /** The session with this id, counting as an access (it resets the idle timeout). */
    Optional<LabSession> find(String id);

    /** Removes the session; true when it existed. */
    boolean remove(String id);

    /** Live sessions (approximate for caches with lazy expiry). */
    long size();
}
