package io.pinlab.session;

import io.pinlab.kernel.Kernel;
import io.pinlab.kernel.base.Profile;

import java.time.Instant;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * One lab as this replica holds it: the session's metadata plus its materialised kernel, the
 * state after {@code version} steps of the log (kept in {@link SessionService}'s bounded cache,
 * rebuilt by replay when missing or behind). A view made with {@link #at} shows the state after
 * an earlier step instead, replayed into a throwaway kernel.
 *
 * <p>The lock plays {@code mmap_lock}: every request to one session runs under it, so the kernel
 * state never sees two requests at once, while different sessions proceed in parallel.
 * A {@link ReentrantLock} rather than {@code synchronized} so virtual threads never pin a carrier.
 */
public final class LabSession {
    private final SessionRecord meta;
    private final Profile profile;
    private final SessionService owner;
    /** null for the head; else the step whose state this view shows. */
    private final Long at;
    final ReentrantLock lock;

    // guarded by lock
    Kernel kernel;
    long version;
    /** The newest log version this replica has seen in the store (catch up to at least this). */
    volatile long seen;
    private volatile Instant lastAccess;
    /** System.nanoTime() (the kernel cache's clock) when an access was last recorded in that cache. */
    volatile long cacheAccessNanos = System.nanoTime();

    LabSession(SessionRecord meta, SessionService owner) {
        this(meta, owner, null, new ReentrantLock());
    }

    private LabSession(SessionRecord meta, SessionService owner, Long at, ReentrantLock lock) {
        this.meta = meta;
        this.profile = Profile.byName(meta.profile()).orElseThrow(() -> new UnknownProfileException(meta.profile()));
        this.owner = owner;
        this.at = at;
        this.lock = lock;
        this.seen = meta.version();
        this.lastAccess = meta.lastAccess();
    }

    public String id() { return meta.id(); }

    public Profile profile() { return profile; }

    public String label() { return meta.label(); }

    public boolean movableZone() { return meta.movableZone(); }

    public Instant createdAt() { return meta.createdAt(); }

    public Instant lastAccess() { return lastAccess; }

    /** The step this view shows, or null for the session's current state. */
    public Long at() { return at; }

    byte[] tokenHash() { return meta.tokenHash(); }

    void touched(Instant now) {
        lastAccess = now;
    }

    /** The store holds at least {@code storeVersion} steps. */
    synchronized void saw(long storeVersion) {
        if (storeVersion > seen) seen = storeVersion;
    }

    /**
     * This session's state after step {@code step} (0 = as booted), for the read endpoints'
     * {@code ?at=N}; reading it replays the log into a throwaway kernel.
     */
    public LabSession at(long step) {
        return new LabSession(meta, owner, step, new ReentrantLock());
    }

    /**
     * Runs {@code read} on the kernel with the session lock held (the simulated mmap_lock), after
     * catching up with the log. For reads: a change made here would not be in the log; calls go
     * through {@link SessionService#execute}.
     */
    public <T> T locked(Function<Kernel, T> read) {
        if (at != null) return owner.readAt(this, at, read);
        lock.lock();
        try {
            owner.current(this);
            return read.apply(kernel);
        } finally {
            lock.unlock();
        }
    }

    /**
     * This replica stops holding the kernel (evicted from the cache, or it may hold a step the
     * log does not): its charges leave the service-wide budget; the next call rebuilds it.
     */
    void dropKernel() {
        lock.lock();
        try {
            if (kernel != null) kernel.memcg.offline();
            kernel = null;
            version = 0;
        } finally {
            lock.unlock();
        }
    }

    /** Steps in this session's log (for a view: the step it shows). */
    public long steps() {
        if (at != null) return at;
        lock.lock();
        try {
            owner.current(this);
            return version;
        } finally {
            lock.unlock();
        }
    }
}
