package io.pinlab.session;

import java.util.List;
import java.util.Optional;

/**
 * The durable part of lab sessions: metadata plus the append-only log of encoded steps (opaque
 * bytes, see {@link LoggedStep}), a few snapshots that cache "state after step N", and the
 * admission rules that must hold wherever the sessions are served from (the maximum number of
 * sessions and the per-client caps). A session's state is what replaying its log gives; the
 * kernels themselves live only in each replica's cache ({@link SessionService}). In-memory by
 * default; the Redis store implements the same contract ({@code pinlab.sessions.store=redis}).
 *
 * <p>Any method may throw {@link StoreUnavailableException} when the store cannot be reached.
 */
public interface SessionStore {
    /** Snapshots kept per session: the newest ones, by version (older ones are dropped). */
    int SNAPSHOTS_KEPT = 8;

    /**
     * Stores a new session with an empty log ({@code meta.version()} is ignored, the log starts at
     * 0), counted against the per-client caps of {@code meta.client()} (when not null) until it ends.
     *
     * @throws SessionQuotaException (429) the client holds its maximum of live sessions or created its maximum this minute
     * @throws SessionLimitException when the store already holds its maximum number of sessions
     */
    void create(SessionRecord meta);

    /** The session's metadata with the current version (= steps in the log); not an access. */
    Optional<SessionRecord> find(String id);

    /** Encoded steps {@code version+1 ..}, in order, at most {@code max} of them (empty when up to date or unknown). */
    List<byte[]> stepsAfter(String id, long version, int max);

    /** Encoded steps {@code version+1 .. current}, in order (empty when up to date or unknown). */
    default List<byte[]> stepsAfter(String id, long version) {
        return stepsAfter(id, version, Integer.MAX_VALUE);
    }

    /**
     * Appends one step if the log holds exactly {@code expectedVersion} steps (compare-and-set),
     * and counts as an access (resets the idle timeout).
     *
     * @return the number of steps the log held before the call: equal to {@code expectedVersion}
     *         when the step was appended, another version on a conflict (another replica appended
     *         first), or -1 when the session does not exist (deleted or expired)
     * @throws StoreUnavailableException the store failed, or cannot tell whether the step was appended
     */
    long append(String id, long expectedVersion, byte[] encodedStep);

    /** Keeps a snapshot of the state after step {@code version}, with the newest {@link #SNAPSHOTS_KEPT} others. */
    void putSnapshot(String id, long version, byte[] snapshot);

    /** The newest kept snapshot of a version {@code <= atMost}, if any. */
    Optional<StoredSnapshot> snapshot(String id, long atMost);

    /** Resets the idle timeout; returns the current version, or -1 when the session does not exist. */
    long touch(String id);

    /** Removes the session and its log (its client's count goes down); true when it existed. */
    boolean remove(String id);

    /** Live sessions (approximate for stores with lazy expiry). */
    long size();

    /** Whether the store answers now (for the readiness probe); an in-process store always does. */
    default boolean reachable() {
        return true;
    }
}
