package io.pinlab.session;

import io.pinlab.kernel.Kernel;
import io.pinlab.kernel.Profile;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serial;
import java.io.Serializable;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * One lab: a simulated kernel plus who may use it. Plain serialisable data (for the Redis store)
 * except the lock, which is rebuilt on deserialisation.
 *
 * <p>The lock plays {@code mmap_lock}: every request to one session runs under it, so the kernel
 * state never sees two requests at once, while different sessions proceed in parallel.
 * A {@link ReentrantLock} rather than {@code synchronized} so virtual threads never pin a carrier.
 */
public final class LabSession implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    private final String id;
    private final byte[] tokenHash;
    private final String profileName;
    private final String label;
    private final boolean movableZone;
    private final Instant createdAt;
    private final Kernel kernel;
    /** The client address that created it, or null when no per-client cap applies (course sessions). */
    private final String client;
    private volatile Instant lastAccess;
    private transient ReentrantLock lock = new ReentrantLock();

    LabSession(String id, byte[] tokenHash, Profile profile, String label, boolean movableZone,
               Instant createdAt, Kernel kernel, String client) {
        this.id = Objects.requireNonNull(id);
        this.tokenHash = tokenHash.clone();
        this.profileName = profile.name();
        this.label = label;
        this.movableZone = movableZone;
        this.createdAt = createdAt;
        this.lastAccess = createdAt;
        this.kernel = Objects.requireNonNull(kernel);
        this.client = client;
    }

    public String id() { return id; }

    public Profile profile() { return Profile.byName(profileName).orElseThrow(); }

    public String label() { return label; }

    public boolean movableZone() { return movableZone; }

    public Instant createdAt() { return createdAt; }

    public Instant lastAccess() { return lastAccess; }

    byte[] tokenHash() { return tokenHash.clone(); }

    String client() { return client; }

    /** The session is gone: its kernel's charges leave the service-wide budget (after any call still running). */
    void end() {
        locked(k -> {
            k.memcg.offline();
            return null;
        });
    }

    void touch(Instant now) { this.lastAccess = now; }

    /** Runs {@code call} on the kernel with the session lock held (the simulated mmap_lock). */
    public <T> T locked(Function<Kernel, T> call) {
        lock.lock();
        try {
            return call.apply(kernel);
        } finally {
            lock.unlock();
        }
    }

    @Serial
    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        lock = new ReentrantLock();
    }
}
