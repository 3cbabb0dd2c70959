package io.pinlab.session;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Ticker;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Sessions and their logs in a Caffeine cache that drops a session after {@code idleTimeout}
 * without access ({@link #touch} or {@link #append}). An access is recorded (in the cache's expiry
 * and as the session's last access) at most every {@link SessionProperties#accessGranularityNanos},
 * as the kernel cache does ({@link SessionService}). The maximum is enforced by refusing new
 * sessions (never by evicting somebody's lab); the per-client caps are a {@link ClientQuota}
 * whose count goes down when a session leaves the cache, deleted or expired. Logs are kept
 * compact ({@link CompactLog}).
 */
public class InMemorySessionStore implements SessionStore {
    private final Cache<String, Entry> cache;
    private final int maxSessions;
    private final ClientQuota quota;
    private final Clock clock;
    private final Ticker ticker;
    private final long accessGranularityNanos;

    /** One session: metadata, its log and newest snapshots; the entry's monitor guards the log and snapshots. */
    private static final class Entry {
        final SessionRecord meta;
        final CompactLog log = new CompactLog();
        final TreeMap<Long, byte[]> snapshots = new TreeMap<>();
        volatile Instant lastAccess;
        /** The ticker's time when an access was last recorded. */
        volatile long accessNanos;

        Entry(SessionRecord meta, long nowNanos) {
            this.meta = meta;
            this.lastAccess = meta.lastAccess();
            this.accessNanos = nowNanos;
        }

        synchronized SessionRecord record() {
            return meta.withVersion(log.size()).withLastAccess(lastAccess);
        }
    }

    /** With the idle timeout, maximum and per-client caps of {@code p}. */
    public InMemorySessionStore(SessionProperties p) {
        this(p, Ticker.systemTicker(), Clock.systemUTC());
    }

    InMemorySessionStore(SessionProperties p, Ticker ticker, Clock clock) {
        this.quota = new ClientQuota(p.perClient(), ticker);
        this.cache = Caffeine.newBuilder()
                .expireAfterAccess(p.idleTimeout())
                .ticker(ticker)
                .executor(Runnable::run)
                .<String, Entry>removalListener((id, entry, cause) -> {
                    if (entry != null && cause != RemovalCause.REPLACED && entry.meta.client() != null)
                        quota.release(entry.meta.client());
                })
                .build();
        this.maxSessions = p.maxSessions();
        this.clock = clock;
        this.ticker = ticker;
        this.accessGranularityNanos = p.accessGranularityNanos();
    }

    @Override
    public synchronized void create(SessionRecord meta) {
        cache.cleanUp(); // expired sessions leave the counts before anything is refused
        if (meta.client() != null) quota.admit(meta.client());
        if (cache.estimatedSize() >= maxSessions) {
            if (meta.client() != null) quota.release(meta.client());
            throw new SessionLimitException(maxSessions);
        }
        cache.put(meta.id(), new Entry(meta.withVersion(0), ticker.read()));
    }

    @Override
    public Optional<SessionRecord> find(String id) {
        Entry e = cache.policy().getIfPresentQuietly(id);
        return e == null ? Optional.empty() : Optional.of(e.record());
    }

    @Override
    public List<byte[]> stepsAfter(String id, long version, int max) {
        Entry e = cache.policy().getIfPresentQuietly(id);
        if (e == null) return List.of();
        synchronized (e) {
            return e.log.after(version, max);
        }
    }

    @Override
    public long append(String id, long expectedVersion, byte[] encodedStep) {
        Entry e = cache.policy().getIfPresentQuietly(id);
        if (e == null) return -1;
        synchronized (e) {
            long v = e.log.size();
            if (v != expectedVersion) return v;
            e.log.add(encodedStep.clone());
        }
        accessed(id, e);
        return expectedVersion;
    }

    @Override
    public void putSnapshot(String id, long version, byte[] snapshot) {
        Entry e = cache.policy().getIfPresentQuietly(id);
        if (e == null) return;
        synchronized (e) {
            e.snapshots.put(version, snapshot.clone());
            while (e.snapshots.size() > SNAPSHOTS_KEPT) e.snapshots.pollFirstEntry();
        }
    }

    @Override
    public Optional<StoredSnapshot> snapshot(String id, long atMost) {
        Entry e = cache.policy().getIfPresentQuietly(id);
        if (e == null) return Optional.empty();
        synchronized (e) {
            var s = e.snapshots.floorEntry(atMost);
            return s == null ? Optional.empty() : Optional.of(new StoredSnapshot(s.getKey(), s.getValue()));
        }
    }

    @Override
    public long touch(String id) {
        Entry e = cache.policy().getIfPresentQuietly(id);
        if (e == null) return -1;
        accessed(id, e);
        synchronized (e) {
            return e.log.size();
        }
    }

    /** An access of the session: recorded unless one was within {@link #accessGranularityNanos}. */
    private void accessed(String id, Entry e) {
        long now = ticker.read();
        if (now - e.accessNanos < accessGranularityNanos) return;
        e.accessNanos = now;
        e.lastAccess = clock.instant();
        cache.getIfPresent(id);
    }

    @Override
    public boolean remove(String id) {
        return cache.asMap().remove(id) != null;
    }

    @Override
    public long size() {
        cache.cleanUp();
        return cache.estimatedSize();
    }

    /** Heap bytes of a session's log payload (for the memory tests); -1 when unknown. */
    long logPayloadBytes(String id) {
        Entry e = cache.policy().getIfPresentQuietly(id);
        if (e == null) return -1;
        synchronized (e) {
            return e.log.payloadBytes();
        }
    }
}
