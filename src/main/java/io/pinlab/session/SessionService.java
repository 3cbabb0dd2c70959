package io.pinlab.session;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Scheduler;
import io.pinlab.kernel.Kernel;
import io.pinlab.kernel.base.NoSuchObjectException;
import io.pinlab.kernel.base.NotSimulatedException;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.base.StateConflictException;
import io.pinlab.kernel.Syscall;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Service;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Creates, authorises and ends lab sessions, and runs their calls. A session is its profile,
 * options and append-only log of steps ({@link SessionStore}); each replica keeps a bounded cache
 * of materialised kernels ({@link LabSession}: the session's metadata and the state after some
 * version of the log) and catches up by replaying the steps it lacks.
 *
 * <p>One store round trip per request, when the session is cached here (sticky routing):
 * <ul>
 *   <li>the token is checked against the cached token hash (it never changes), without the store;</li>
 *   <li>a call is applied under the session lock and appended with compare-and-set, which also
 *       checks that the session still exists and refreshes its idle timeout: on a conflict
 *       (another replica appended first) the cached kernel is dropped, rebuilt from the log, and
 *       the call retried; a session that is gone (deleted, expired) is a 404;</li>
 *   <li>a read first confirms the session ({@link SessionStore#touch}: it exists, its current
 *       version, and the access), so it never shows a deleted session or misses another
 *       replica's step.</li>
 * </ul>
 */
@Service
public class SessionService {
    /** Retries of one call that keeps losing the compare-and-set to other replicas. */
    private static final int MAX_ATTEMPTS = 16;

    private final SessionStore store;
    private final SessionProperties properties;
    private final SessionBudget budget;
    private final Snapshots snapshots;
    private final Clock clock;
    private final SyscallDecoder decoder;
    private final Cache<String, LabSession> kernels;
    /** How often at most an access of a cached session is recorded in {@link #kernels}: 1 s, less for short idle timeouts. */
    private final long accessGranularityNanos;
    /**
     * Past states recently asked for with {@code ?at=N} (the web timeline reads several views of
     * the same step): throwaway kernels, never a session's head, each with its own lock.
     */
    private final Cache<String, Past> past = Caffeine.newBuilder()
            .maximumSize(PAST_STATES)
            .expireAfterAccess(Duration.ofMinutes(5))
            .<String, Past>removalListener((key, p, cause) -> {
                if (p != null) p.kernel().memcg.offline();
            })
            .build();
    private static final int PAST_STATES = 16;

    private record Past(Kernel kernel, ReentrantLock lock) {
    }

    /** With the default snapshot policy ({@link StoreProperties.Snapshots} defaults). */
    public SessionService(SessionStore store, SessionProperties properties, SessionBudget budget, Clock clock,
                          SyscallDecoder decoder) {
        this(store, properties, budget, clock, decoder, new Snapshots(store, budget, new StoreProperties.Snapshots(500, 200)));
    }

    @Autowired
    SessionService(SessionStore store, SessionProperties properties, SessionBudget budget, Clock clock,
                   SyscallDecoder decoder, Snapshots snapshots) {
        this.store = store;
        this.properties = properties;
        this.budget = budget;
        this.clock = clock;
        this.decoder = decoder;
        this.snapshots = snapshots;
        this.accessGranularityNanos = properties.accessGranularityNanos();
        this.kernels = Caffeine.newBuilder()
                .maximumSize(properties.kernelCacheSize())
                // a session that expires in the store (TTL) leaves here about as soon: its budget goes
                .expireAfterAccess(properties.idleTimeout())
                .scheduler(Scheduler.systemScheduler())
                .executor(Runnable::run) // the charge leaves the budget before delete() returns, not later on a pool
                .<String, LabSession>removalListener((id, session, cause) -> {
                    if (session != null) session.dropKernel();
                })
                .build();
    }

    /** A new session and its token; the token is not kept, only its hash. */
    public record Created(LabSession session, String token) {
    }

    /** Encodes the step of a call once its answer is known (the api layer owns the step vocabulary). */
    @FunctionalInterface
    public interface StepEncoder<R> {
        byte[] encode(long timeMillis, R answer);
    }

    /**
     * A kernel of this profile as a session boots it, within the session limits and charged to the
     * service-wide budget, for work outside a session (compare, exercises): hand it back with
     * {@link #discard} when done.
     */
    public Kernel boot(Profile profile, boolean movableZone) {
        return budget.kernel(profile, movableZone);
    }

    /** A kernel from {@link #boot} is no longer used: its charges leave the service-wide budget. */
    public void discard(Kernel kernel) {
        kernel.memcg.offline();
    }

    /** The profile of this name (null: the default). */
    public static Profile profile(String profileName) {
        return profileName == null ? Profile.defaultProfile()
                : Profile.byName(profileName).orElseThrow(() -> new UnknownProfileException(profileName));
    }

    /**
     * A new session with an empty log.
     *
     * @param profileName null for the default profile
     * @param client      the creating client's address, counted against the per-client caps; null
     *                    for sessions those caps do not apply to (a course's, which has its own quota)
     * @throws UnknownProfileException for a profile name that does not exist
     * @throws SessionQuotaException   (429) the client is at its live or per-minute cap
     * @throws MemoryBudgetException   (503) this replica's memory budget is nearly used
     * @throws SessionLimitException   when the store is full
     */
    public Created create(String profileName, String label, boolean movableZone, String client) {
        Profile profile = profile(profileName);
        Kernel kernel = admit(profile, movableZone);
        String token = Tokens.newToken();
        Instant now = clock.instant();
        SessionRecord meta = new SessionRecord(Tokens.newSessionId(), Tokens.sha256(token), profile.name(), label,
                movableZone, now, now, 0, client);
        try {
            store.create(meta);
        } catch (RuntimeException e) {
            kernel.memcg.offline();
            throw e;
        }
        LabSession session = new LabSession(meta, this);
        session.kernel = kernel;
        session.version = 0;
        kernels.put(meta.id(), session);
        return new Created(session, token);
    }

    /** A kernel within this replica's budget, once kernels whose time is up (expired in the caches) have given theirs back. */
    private Kernel admit(Profile profile, boolean movableZone) {
        try {
            return budget.admit(profile, movableZone);
        } catch (MemoryBudgetException full) {
            kernels.cleanUp();
            past.cleanUp();
            return budget.admit(profile, movableZone);
        }
    }

    /** Ends a session this service created whose setup failed (an import with a bad step): as if deleted. */
    public void abandon(LabSession session) {
        store.remove(session.id());
        forget(session.id());
    }

    /**
     * This replica stops holding the session's kernel now (not when the cache's listener gets to
     * it), so its memory leaves the service-wide budget before the next session is admitted.
     */
    private void forget(String id) {
        LabSession held = kernels.asMap().remove(id);
        if (held != null) held.dropKernel();
    }

    /**
     * The session {@code id} if {@code authorization} carries its token. A session this replica
     * holds is checked against its cached token hash without the store; whether it still exists
     * is checked by what the request does next (the append of a call, the confirmation of a
     * read). Otherwise its metadata comes from the store.
     *
     * @throws MissingTokenException    no or malformed bearer token (401)
     * @throws SessionNotFoundException unknown session or a token that does not match (404, same for both)
     */
    public LabSession authorize(String id, String authorization) {
        String token = Tokens.bearer(authorization);
        LabSession cached = kernels.policy().getIfPresentQuietly(id);
        if (cached != null) {
            if (!Tokens.matches(token, cached.tokenHash())) throw new SessionNotFoundException();
            recordAccess(cached);
            cached.touched(clock.instant());
            return cached;
        }
        Optional<SessionRecord> found = store.find(id);
        // Hash even for an unknown id so that both failures cost the same.
        byte[] expected = found.map(SessionRecord::tokenHash).orElseGet(() -> new byte[32]);
        boolean ok = Tokens.matches(token, expected);
        if (found.isEmpty() || !ok) throw new SessionNotFoundException();
        SessionRecord meta = found.get();
        LabSession session = kernels.get(id, k -> new LabSession(meta, this));
        session.touched(clock.instant());
        session.saw(meta.version());
        return session;
    }

    /**
     * Counts an access of a cached session in the kernel cache (its idle timeout and its size
     * policy) at most every {@link #accessGranularityNanos}: recording one is a read buffer entry
     * and, as the buffer fills, the cache's maintenance on the request thread, and a busy lab
     * makes thousands of calls a second. The idle timeout is hours; its precision is this step.
     */
    private void recordAccess(LabSession s) {
        long now = System.nanoTime();
        if (now - s.cacheAccessNanos < accessGranularityNanos) return;
        s.cacheAccessNanos = now;
        kernels.getIfPresent(s.id());
    }

    /**
     * Confirms that the session still exists and counts the access (one store round trip), and
     * notes the version the store holds, so that the next catch-up reaches it.
     *
     * @throws SessionNotFoundException (404) the session was deleted or expired
     */
    private void confirm(LabSession s) {
        long version = store.touch(s.id());
        if (version < 0) {
            forget(s.id());
            throw new SessionNotFoundException();
        }
        s.saw(version);
    }

    /** Ends the session (authorised like every other call). */
    public void delete(String id, String authorization) {
        authorize(id, authorization);
        boolean removed = store.remove(id);
        forget(id);
        if (!removed) throw new SessionNotFoundException(); // it expired or was deleted elsewhere
    }

    /** Whether a session with this id exists now; not an access. */
    public boolean exists(String id) {
        return store.find(id).isPresent();
    }

    /**
     * The session without its token and without counting as its access: for the instructor of its
     * course (read-only) and the course overview. (A read of its state made with it confirms the
     * session with the store like any read, and that counts as an access.)
     */
    public Optional<LabSession> peek(String id) {
        Optional<SessionRecord> found = store.find(id);
        if (found.isEmpty()) return Optional.empty();
        SessionRecord meta = found.get();
        LabSession session = kernels.get(id, k -> new LabSession(meta, this));
        session.saw(meta.version());
        return Optional.of(session);
    }

    /** Ends a session without its token (its course was ended by the instructor). */
    public void remove(String id) {
        store.remove(id);
        forget(id);
    }

    /**
     * Sum of {@code f} over the kernels this replica holds in memory, each read under its session
     * lock (for gauges; sessions whose kernel is not cached here are not counted).
     */
    public long sumCachedKernels(java.util.function.ToLongFunction<Kernel> f) {
        long sum = 0;
        for (LabSession s : kernels.asMap().values()) {
            if (!s.lock.tryLock()) continue; // busy: counted at the next scrape
            try {
                if (s.kernel != null) sum += f.applyAsLong(s.kernel);
            } finally {
                s.lock.unlock();
            }
        }
        return sum;
    }

    /** Sessions in the store. */
    public long count() {
        return store.size();
    }

    /** Whether the session still exists (deleted or expired sessions do not); not an access. */
    public boolean isLive(LabSession session) {
        return store.find(session.id()).isPresent();
    }

    /** Steps in the session's log as the store has it now (0 for a session that is gone); not an access. */
    public long storedSteps(LabSession session) {
        return store.find(session.id()).map(SessionRecord::version).orElse(0L);
    }

    /** When an untouched session expires. */
    public Instant expiresAt(LabSession session) {
        return session.lastAccess().plus(properties.idleTimeout());
    }

    /**
     * Runs one call: applies {@code call} to the session's kernel under its lock, appends the step
     * to the log, and returns {@code present(kernel, answer)} (computed under the lock). A call
     * the kernel core refuses with an exception (no such process or pin, a pin released twice)
     * changes nothing and is not logged.
     *
     * @throws StepLimitException    (409) the log is full
     * @throws ProcessLimitException (409) one process too many
     */
    public <R, A> A execute(LabSession session, Syscall<R> call, StepEncoder<R> encoder,
                            BiFunction<Kernel, R, A> present) {
        if (session.at() != null) throw new IllegalArgumentException("a past state cannot be changed");
        session.lock.lock();
        try {
            for (int attempt = 1; ; attempt++) {
                catchUp(session);
                Kernel k = session.kernel;
                if (session.version >= properties.limits().maxSteps())
                    throw new StepLimitException(properties.limits().maxSteps());
                R answer;
                try {
                    checkPolicy(k, call);
                    answer = call.apply(k);
                } catch (NoSuchObjectException | StateConflictException | NotSimulatedException | ProcessLimitException refused) {
                    // raised before any state changed; but this replica's kernel may be behind the log
                    // (the pin or process came from a step another replica appended): ask the store
                    if (attempt < MAX_ATTEMPTS && behind(session)) continue;
                    throw refused;
                } catch (RuntimeException bug) {
                    session.dropKernel(); // may be half-changed: rebuild from the log next time
                    throw bug;
                }
                byte[] step = encoder.encode(clock.millis(), answer);
                long before;
                try {
                    before = store.append(session.id(), session.version, step);
                } catch (RuntimeException unknown) { // the store failed: appended or not, the log decides
                    session.dropKernel();
                    throw unknown;
                }
                if (before == session.version) {
                    session.version++;
                    session.saw(session.version);
                    snapshots.afterAppend(session.id(), session.version, k);
                    return present.apply(k, answer);
                }
                // lost the race (or the session is gone): our kernel holds a step the log does not
                session.dropKernel();
                if (before < 0) {
                    forget(session.id());
                    throw new SessionNotFoundException();
                }
                session.saw(before);
                if (attempt == MAX_ATTEMPTS)
                    throw new IllegalStateException("session " + session.id() + ": " + MAX_ATTEMPTS + " appends lost");
            }
        } finally {
            session.lock.unlock();
        }
    }

    /**
     * Whether the store holds steps this replica's kernel lacks (one round trip, and an access).
     *
     * @throws SessionNotFoundException (404) the session was deleted or expired
     */
    private boolean behind(LabSession s) {
        confirm(s);
        return s.seen > s.version;
    }

    /** Session policy, not kernel behaviour: the process limit for calls that create one. */
    private void checkPolicy(Kernel k, Syscall<?> call) {
        switch (call) {
            case Syscall.CreateProcess c -> checkProcessLimit(k.tasks.size());
            case Syscall.Fork f -> {
                k.task(f.pid()); // 404 before 409, as before
                checkProcessLimit(k.tasks.size());
            }
            default -> {
            }
        }
    }

    /**
     * The session's current state, for a read: confirms the session with the store, then catches
     * up with the version the store holds. Caller holds the session lock.
     *
     * @throws SessionNotFoundException (404) the session was deleted or expired
     */
    void current(LabSession s) {
        confirm(s);
        catchUp(s);
    }

    /**
     * Brings the session's cached kernel up to the newest version seen in the store: boots it
     * when missing and replays the steps it lacks. Caller holds the session lock.
     */
    private void catchUp(LabSession s) {
        if (s.kernel == null) { // from the newest snapshot when there is one, else from boot
            Optional<Snapshots.Restored> snap = snapshots.restore(s.id(), Long.MAX_VALUE);
            s.kernel = snap.map(Snapshots.Restored::kernel).orElseGet(() -> budget.kernel(s.profile(), s.movableZone()));
            s.version = snap.map(Snapshots.Restored::version).orElse(0L);
            s.seen = Math.max(s.seen, s.version);
        }
        if (s.version >= s.seen) return;
        List<byte[]> missing = store.stepsAfter(s.id(), s.version);
        for (byte[] b : missing) {
            replay(s.kernel, s.profile(), LoggedStep.decode(b), s.version + 1);
            s.version++;
        }
        s.seen = Math.max(s.seen, s.version);
        snapshots.afterReplay(s.id(), s.version, missing.size(), s.kernel);
    }

    /**
     * Runs {@code read} on the state after step {@code step} of the log: the newest snapshot at or
     * before it, and the steps after that replayed, in a throwaway kernel (kept briefly for
     * further reads of the same step, never as the session's head).
     */
    <T> T readAt(LabSession view, long step, Function<Kernel, T> read) {
        Past p = past.get(view.id() + "@" + step, key -> new Past(replayed(view, step), new ReentrantLock()));
        p.lock().lock();
        try {
            return read.apply(p.kernel());
        } finally {
            p.lock().unlock();
        }
    }

    /** The state after step {@code step} of the log: the newest snapshot at or before it plus the steps after that. */
    private Kernel replayed(LabSession view, long step) {
        Optional<Snapshots.Restored> snap = snapshots.restore(view.id(), step);
        Kernel k = snap.map(Snapshots.Restored::kernel).orElseGet(() -> budget.kernel(view.profile(), view.movableZone()));
        long from = snap.map(Snapshots.Restored::version).orElse(0L);
        try {
            List<byte[]> log = store.stepsAfter(view.id(), from, (int) Math.min(Integer.MAX_VALUE, step - from));
            for (int i = 0; i < log.size(); i++) replay(k, view.profile(), LoggedStep.decode(log.get(i)), from + i + 1);
            return k;
        } catch (RuntimeException e) {
            k.memcg.offline();
            throw e;
        }
    }

    /**
     * Re-applies one logged step. The kernel is deterministic, so the answer must be the logged
     * one; a difference is a bug in the simulator and stops the replay.
     */
    private void replay(Kernel k, Profile profile, LoggedStep step, long seq) {
        Syscall<?> call = decoder.decode(profile, step);
        Object answer;
        try {
            answer = call.apply(k);
        } catch (NoSuchObjectException | StateConflictException | NotSimulatedException e) {
            throw new IllegalStateException("replay of step " + seq + " (" + step.op() + ") failed: " + e.getMessage(), e);
        }
        long ret = Syscall.ret(answer);
        var errno = Syscall.errno(answer);
        if (ret != step.ret() || !Objects.equals(errno == null ? null : errno.name(), step.errno()))
            throw new IllegalStateException("replay of step " + seq + " (" + step.op() + ") diverged: logged ret "
                    + step.ret() + ", replay ret " + ret);
    }

    /**
     * Logged steps {@code after+1 ..}, at most {@code max} of them, oldest first (for history
     * and the event feed); an access like any read.
     *
     * @throws SessionNotFoundException (404) the session was deleted or expired
     */
    public List<LoggedStep> steps(LabSession session, long after, int max) {
        confirm(session);
        List<byte[]> raw = store.stepsAfter(session.id(), after, max);
        List<LoggedStep> out = new ArrayList<>(raw.size());
        for (byte[] b : raw) out.add(LoggedStep.decode(b));
        return out;
    }

    /**
     * Session policy, not kernel behaviour: refuses one more process past the configured maximum.
     *
     * @throws ProcessLimitException (409)
     */
    public void checkProcessLimit(int liveProcesses) {
        if (liveProcesses >= properties.limits().maxProcesses())
            throw new ProcessLimitException(properties.limits().maxProcesses());
    }

    /**
     * Session policy: one call may touch at most {@code limits.maxTouchBytes}.
     *
     * @throws TouchLimitException (400 naming {@code field})
     */
    public void checkTouch(String field, long bytes) {
        long max = properties.limits().maxTouchBytes();
        if (bytes > max || bytes < 0) throw new TouchLimitException(field, max);
    }

    public SessionProperties.Limits limits() {
        return properties.limits();
    }

    public SessionProperties properties() {
        return properties;
    }
}
