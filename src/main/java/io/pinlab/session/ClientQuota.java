package io.pinlab.session;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Session caps per client address ({@code pinlab.sessions.per-client.*}) for the in-memory
 * store: live sessions, and creations in a sliding minute (the Redis store counts both in Redis). Sessions that belong to a course are not counted here (their
 * creator passes no client; course quotas apply instead). Memory is bounded: one counter per
 * address with live sessions, one window per address that created a session in the last minute.
 */
final class ClientQuota {
    static final String MAX_LIVE = "pinlab.sessions.per-client.max-live";
    static final String PER_MINUTE = "pinlab.sessions.per-client.creations-per-minute";
    private static final long MINUTE_NANOS = Duration.ofMinutes(1).toNanos();

    private final SessionProperties.PerClient caps;
    private final Ticker ticker;
    private final ConcurrentHashMap<String, AtomicInteger> live = new ConcurrentHashMap<>();
    /** Creation times (ticker nanos) of the last minute per address, oldest first, as a ring. */
    private final Cache<String, long[]> windows;

    ClientQuota(SessionProperties.PerClient caps, Ticker ticker) {
        this.caps = caps;
        this.ticker = ticker;
        this.windows = Caffeine.newBuilder().expireAfterWrite(Duration.ofMinutes(1)).ticker(ticker).build();
    }

    /**
     * Counts one more session for {@code client}.
     *
     * @throws SessionQuotaException (429) when the address is at either cap
     */
    synchronized void admit(String client) {
        int n = live.getOrDefault(client, new AtomicInteger()).get();
        if (n >= caps.maxLive()) throw maxLive(caps, n);
        long now = ticker.read();
        long[] w = windows.get(client, c -> new long[caps.creationsPerMinute() + 1]); // [0] = next slot
        int slots = w.length - 1;
        long oldest = w[1 + (int) (w[0] % slots)];
        if (w[0] >= slots && now - oldest < MINUTE_NANOS) {
            throw perMinute(caps, MINUTE_NANOS - (now - oldest));
        }
        w[1 + (int) (w[0] % slots)] = now;
        w[0]++;
        windows.put(client, w);
        live.computeIfAbsent(client, c -> new AtomicInteger()).incrementAndGet();
    }

    /** The 429 of a client that holds {@code n} live sessions, the most allowed. */
    static SessionQuotaException maxLive(SessionProperties.PerClient caps, long n) {
        return new SessionQuotaException(MAX_LIVE, caps.maxLive(), 60, "this client address holds " + n
                + " live sessions, the most allowed (" + MAX_LIVE + " = " + caps.maxLive() + "); delete one first");
    }

    /** The 429 of a client that created its most sessions this minute; the oldest leaves the window in {@code waitNanos}. */
    static SessionQuotaException perMinute(SessionProperties.PerClient caps, long waitNanos) {
        long wait = Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
        int n = caps.creationsPerMinute();
        return new SessionQuotaException(PER_MINUTE, n, wait, "this client address created "
                + n + " sessions in the last minute, the most allowed (" + PER_MINUTE + " = " + n + ")");
    }

    /** One session of {@code client} ended. */
    synchronized void release(String client) {
        AtomicInteger n = live.get(client);
        if (n != null && n.decrementAndGet() <= 0) live.remove(client);
    }

    int live(String client) {
        AtomicInteger n = live.get(client);
        return n == null ? 0 : n.get();
    }
}
