package io.pinlab.session;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Sessions in a Caffeine cache that drops a session after {@code idleTimeout} without access.
 * The maximum is enforced by refusing new sessions (never by evicting somebody's lab).
 */
public class InMemorySessionStore implements SessionStore {
    private final Cache<String, LabSession> cache;
    private final int maxSessions;

    public InMemorySessionStore(Duration idleTimeout, int maxSessions, Consumer<LabSession> onRemoval) {
        this(idleTimeout, maxSessions, Ticker.systemTicker(), onRemoval);
    }

    InMemorySessionStore(Duration idleTimeout, int maxSessions, Ticker ticker) {
        this(idleTimeout, maxSessions, ticker, s -> { });
    }

    /** @param onRemoval runs for every session that leaves the store (deleted or expired), on the removing thread */
    InMemorySessionStore(Duration idleTimeout, int maxSessions, Ticker ticker, Consumer<LabSession> onRemoval) {
        this.cache = Caffeine.newBuilder()
                .expireAfterAccess(idleTimeout)
                .ticker(ticker)
                .executor(Runnable::run)
                .<String, LabSession>removalListener((id, session, cause) -> {
                    if (session != null && cause != com.github.benmanes.caffeine.cache.RemovalCause.REPLACED) onRemoval.accept(session);
                })
                .build();
        this.maxSessions = maxSessions;
    }

    @Override
    public synchronized void add(LabSession session) {
        if (cache.estimatedSize() >= maxSessions) {
            cache.cleanUp(); // let expired sessions go before refusing
            if (cache.estimatedSize() >= maxSessions) throw new SessionLimitException(maxSessions);
        }
        cache.put(session.id(), session);
    }

    @Override
    public Optional<LabSession> find(String id) {
        return Optional.ofNullable(cache.getIfPresent(id));
    }

    @Override
    public boolean exists(String id) {
        return cache.policy().getIfPresentQuietly(id) != null;
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
}
