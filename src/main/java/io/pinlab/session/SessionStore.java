package io.pinlab.session;

import java.util.List;
import java.util.Optional;

/**
 * The durable part of lab sessions: metadata plus the append-only log of encoded steps (opaque
 * bytes, see {@link StepLog}), and optional snapshots that cache "state after step N". A
 * session's state is what replaying its log gives; the kernels themselves live only in each
 * replica's cache ({@link SessionService}). In-memory by default; the Redis store implements the
 * same contract ({@code pinlab.sessions.store=redis}).
 */
public interface SessionStore {

    /**
     * Stores a new session with an empty log ({@code meta.version()} is ignored, the log starts at 0).
     *
     * @throws SessionLimitException when the store already holds its maximum number of sessions
     */
    void create(SessionRecord meta);

    /** The session's metadata with the current version (= steps in the log); not an access. */
    Optional<SessionRecord> find(String id);

    /** Encoded steps {@code version+1 .. current}, in order (empty when up to date or unknown). */
    List<byte[]> stepsAfter(String id, long version);

    /**
     * Appends one step if the log holds exactly {@code expectedVersion} steps (compare-and-set), and
     * counts as an access. False on a conflict (another replica appended first) or when the session is gone.
     */
    boolean append(String id, long expectedVersion, byte[] encodedStep);

    /** Keeps a snapshot of the state after step {@code version} (only the newest one matters). */
    void putSnapshot(String id, long version, byte[] snapshot);

    /** The newest snapshot, if any. */
    Optional<StoredSnapshot> latestSnapshot(String id);

    /** Resets the idle timeout. */
    void touch(String id);

    /** Removes the session and its log; true when it existed. */
    boolean remove(String id);

    /** Live sessions (approximate for stores with lazy expiry). */
    long size();
}
