package io.pinlab.session;

import java.time.Instant;
import java.util.Objects;

/**
 * What the store keeps about a session besides its log: who may use it and how its kernel was
 * booted. {@code version} is the number of steps in the log; {@code lastAccess} is when it was
 * last touched (the store's idle expiry counts from there); {@code client} is the address that
 * created it, counted against the per-client caps until it ends (null when none apply, e.g. a
 * course's session).
 */
public record SessionRecord(String id, byte[] tokenHash, String profile, String label, boolean movableZone,
                            Instant createdAt, Instant lastAccess, long version, String client) {
    public SessionRecord {
        Objects.requireNonNull(id);
        tokenHash = tokenHash.clone();
        Objects.requireNonNull(profile);
        Objects.requireNonNull(createdAt);
        Objects.requireNonNull(lastAccess);
    }

    @Override
    public byte[] tokenHash() { return tokenHash.clone(); }

    public SessionRecord withVersion(long v) {
        return new SessionRecord(id, tokenHash, profile, label, movableZone, createdAt, lastAccess, v, client);
    }

    public SessionRecord withLastAccess(Instant t) {
        return new SessionRecord(id, tokenHash, profile, label, movableZone, createdAt, t, version, client);
    }
}
