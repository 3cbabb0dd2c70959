package io.pinlab.session;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;

import com.github.benmanes.caffeine.cache.RemovalCause;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Sessions and their logs in a Caffeine cache that drops a session after {@code idleTimeout}
 * without access ({@link #touch} or {@link #append}). The maximum is enforced by refusing new
 * sessions (never by evicting somebody's lab). Logs are kept compact ({@link CompactLog}).
 */
public class InMemorySessionStore implements SessionStore {
    private final Cache<String, Entry> cache;
    private final int maxSessions;
    private final Clock clock;

    /** One session: metadata, its log and newest snapshot; the entry's monitor guards the log. */
    private static final class Entry {
        final SessionRecord meta;
        final CompactLog log = new CompactLog();
        volatile Instant lastAccess;
        StoredSnapshot snapshot;

        Entry(SessionRecord meta) {
            this.meta = meta;
            this.lastAccess = meta.lastAccess();
        }

        synchronized SessionRecord record() {
            return meta.withVersion(log.size()).withLastAccess(lastAccess);
        }
    }

    public InMemorySessionStore(Duration idleTimeout, int maxSessions, Consumer<SessionRecord> onRemoval) {
        this(idleTimeout, maxSessions, Ticker.systemTicker(), Clock.systemUTC(), onRemoval);
    }

    InMemorySessionStore(Duration idleTimeout, int maxSessions, Ticker ticker, Clock clock) {
        this(idleTimeout, maxSessions, ticker, clock, s -> { });
    }

    /** @param onRemoval runs for every session that leaves the store (deleted or expired), on the removing thread */
    InMemorySessionStore(Duration idleTimeout, int maxSessions, Ticker ticker, Clock clock, Consumer<SessionRecord> onRemoval) {
        this.cache = Caffeine.newBuilder()
                .expireAfterAccess(idleTimeout)
                .ticker(ticker)
                .executor(Runnable::run)
                .<String, Entry>removalListener((id, entry, cause) -> {
                    if (entry != null && cause != RemovalCause.REPLACED) onRemoval.accept(entry.meta);
                })
                .build();
        this.maxSessions = maxSessions;
        this.clock = clock;
    }

    @Override
    public synchronized void create(SessionRecord meta) {
        if (cache.estimatedSize() >= maxSessions) {
            cache.cleanUp(); // let expired sessions go before refusing
            if (cache.estimatedSize() >= maxSessions) throw new SessionLimitException(maxSessions);
        }
        cache.put(meta.id(), new Entry(meta.withVersion(0)));
    }

    @Override
    public Optional<SessionRecord> find(String id) {
        Entry e = cache.policy().getIfPresentQuietly(id);
        return e == null ? Optional.empty() : Optional.of(e.record());
    }

    @Override
    public List<byte[]> stepsAfter(String id, long version) {
        Entry e = cache.policy().getIfPresentQuietly(id);
        if (e == null) return List.of();
        synchronized (e) {
            return e.log.after(version);
        }
    }

    @Override
    public boolean append(String id, long expectedVersion, byte[] encodedStep) {
        Entry e = cache.getIfPresent(id);
        if (e == null) return false;
        synchronized (e) {
            if (e.log.size() != expectedVersion) return false;
            e.log.add(encodedStep.clone());
            e.lastAccess = clock.instant();
            return true;
        }
    }

    @Override
    public void putSnapshot(String id, long version, byte[] snapshot) {
        Entry e = cache.policy().getIfPresentQuietly(id);
        if (e == null) return;
        synchronized (e) {
            if (e.snapshot == null || e.snapshot.version() < version) e.snapshot = new StoredSnapshot(version, snapshot.clone());
        }
    }

    @Override
    public Optional<StoredSnapshot> latestSnapshot(String id) {
        Entry e = cache.policy().getIfPresentQuietly(id);
        if (e == null) return Optional.empty();
        synchronized (e) {
            return Optional.ofNullable(e.snapshot);
        }
    }

    @Override
    public void touch(String id) {
        Entry e = cache.getIfPresent(id);
        if (e != null) e.lastAccess = clock.instant();
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
