package io.pinlab.session;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.connection.RedisConnectionCommands;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.RedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.data.redis.serializer.RedisSerializer;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Sessions in Redis ({@code pinlab.sessions.store=redis}), shared by every replica. One session
 * is three keys with a common {@code {sid}} hash tag, so each script on a session touches one slot:
 * <ul>
 *   <li>{@code PREFIX{sid}:meta}, a hash: token hash {@code t} (SHA-256, never the token),
 *       profile {@code p}, label {@code l}, movable zone {@code m}, created {@code c} and last
 *       access {@code a} (epoch ms), creating client {@code k};</li>
 *   <li>{@code PREFIX{sid}:log}, a list of encoded steps (opaque bytes): its length is the version;</li>
 *   <li>{@code PREFIX{sid}:snap}, a hash from version (decimal) to snapshot bytes: the newest
 *       {@link #SNAPSHOTS_KEPT}.</li>
 * </ul>
 * Idle expiry is the keys' TTL, refreshed by {@link #append} and {@link #touch} (at most once a
 * minute per session and replica, see {@link #access}). Appending is a
 * compare-and-set in one Lua script that also checks the session exists and refreshes the TTL,
 * so a call costs one round trip and its answer tells a replica that it is behind or that the
 * session is gone.
 *
 * <p>Admission is counted in Redis, so that it holds across replicas: {@code PREFIXsessions}
 * (the maximum number of sessions) and {@code PREFIX{client:ADDR}:live} (a client's live
 * sessions) are sorted sets of session ids scored by when they would expire; before a creation
 * is refused, entries past their score are checked against their session's TTL (still live:
 * scored again; expired: dropped), so an expired session frees its places without anybody
 * being told. {@code PREFIX{client:ADDR}:new} holds a client's creations of the last minute.
 * Any Redis failure is a {@link StoreUnavailableException}.
 */
public class RedisSessionStore implements SessionStore {
    /** Session ids are base64url ({@link Tokens#newSessionId}); anything else cannot exist and never reaches a key. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final long MINUTE_MILLIS = 60_000;

    private static final RedisScript<Long> ADD_IF_ROOM = RedisScript.of("""
            if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 1 end
            if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
            redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
            return 1""", Long.class);

    /**
     * A client's caps, KEYS = live, new; ARGV = id, expiry, now, maxLive, perMinute, ttl of the live set.
     * {0, 0}: admitted; {1, n}: holds n live sessions; {2, ms}: the oldest creation leaves the minute in ms.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static final RedisScript<List<Long>> ADMIT_CLIENT = (RedisScript) RedisScript.of("""
            local now = tonumber(ARGV[3])
            redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - 60000)
            local live = redis.call('ZCARD', KEYS[1])
            if live >= tonumber(ARGV[4]) then return {1, live} end
            if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[5]) then
              local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
              return {2, tonumber(oldest[2]) + 60000 - now}
            end
            redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
            redis.call('PEXPIRE', KEYS[1], ARGV[6])
            redis.call('ZADD', KEYS[2], now, ARGV[1])
            redis.call('PEXPIRE', KEYS[2], 60000)
            return {0, 0}""", List.class);

    private static final RedisScript<Long> CREATE = RedisScript.of("""
            redis.call('HSET', KEYS[1], unpack(ARGV, 2))
            redis.call('PEXPIRE', KEYS[1], ARGV[1])
            return 1""", Long.class);

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static final RedisScript<List<byte[]>> FIND = (RedisScript) RedisScript.of("""
            local m = redis.call('HGETALL', KEYS[1])
            if #m == 0 then return {} end
            m[#m + 1] = 'v'
            m[#m + 1] = tostring(redis.call('LLEN', KEYS[2]))
            return m""", List.class);

    /**
     * The log's length before the call (appended when it equals ARGV[1]), or -1: no such session.
     * The access (TTL of the three keys, field {@code a}) is written when ARGV[4] is not empty;
     * a log the step creates gets the TTL in any case.
     */
    private static final RedisScript<Long> APPEND = RedisScript.of("""
            if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
            local v = redis.call('LLEN', KEYS[2])
            if v ~= tonumber(ARGV[1]) then return v end
            redis.call('RPUSH', KEYS[2], ARGV[2])
            if ARGV[4] ~= '' then
              redis.call('HSET', KEYS[1], 'a', ARGV[4])
              for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[3]) end
            elseif v == 0 then
              redis.call('PEXPIRE', KEYS[2], ARGV[3])
            end
            return v""", Long.class);

    /** The log's length, or -1: no such session; the access is written when ARGV[2] is not empty. */
    private static final RedisScript<Long> TOUCH = RedisScript.of("""
            if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
            if ARGV[2] ~= '' then
              redis.call('HSET', KEYS[1], 'a', ARGV[2])
              for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[1]) end
            end
            return redis.call('LLEN', KEYS[2])""", Long.class);

    /** The creating client of the removed session ('' for none), or nil when there was none. */
    private static final RedisScript<byte[]> REMOVE = RedisScript.of("""
            if redis.call('EXISTS', KEYS[1]) == 0 then return false end
            local k = redis.call('HGET', KEYS[1], 'k') or ''
            redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
            return k""", byte[].class);

    /** Adds a snapshot and keeps the newest ARGV[3] (fields that are no version are dropped); it expires with the session. */
    private static final RedisScript<Long> PUT_SNAPSHOT = RedisScript.of("""
            local ttl = redis.call('PTTL', KEYS[1])
            if ttl <= 0 then return 0 end
            for _, f in ipairs(redis.call('HKEYS', KEYS[2])) do
              if not tonumber(f) then redis.call('HDEL', KEYS[2], f) end
            end
            redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
            while redis.call('HLEN', KEYS[2]) > tonumber(ARGV[3]) do
              local oldest
              for _, f in ipairs(redis.call('HKEYS', KEYS[2])) do
                if not oldest or tonumber(f) < tonumber(oldest) then oldest = f end
              end
              redis.call('HDEL', KEYS[2], oldest)
            end
            redis.call('PEXPIRE', KEYS[2], ttl)
            return 1""", Long.class);

    /** {version, bytes} of the newest snapshot of a version <= ARGV[1], or {}. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static final RedisScript<List<byte[]>> SNAPSHOT_AT = (RedisScript) RedisScript.of("""
            local best
            for _, f in ipairs(redis.call('HKEYS', KEYS[1])) do
              local n = tonumber(f)
              if n and n <= tonumber(ARGV[1]) and (not best or n > tonumber(best)) then best = f end
            end
            if not best then return {} end
            return {best, redis.call('HGET', KEYS[1], best)}""", List.class);

    private static final Logger log = LoggerFactory.getLogger(RedisSessionStore.class);
    /** System.nanoTime() of the last "Redis does not answer" warning, 0 for none. */
    private final AtomicLong lastWarning = new AtomicLong();
    private final RedisTemplate<String, byte[]> redis;
    private final String prefix;
    private final long ttlMillis;
    private final int maxSessions;
    private final SessionProperties.PerClient caps;
    private final Clock clock;
    /** Accesses closer together than this write the TTL once (see {@link #access}). */
    private final long refreshMillis;
    /** When this replica last wrote each session's access (epoch ms); a bounded cache, a miss only costs a write. */
    private final Cache<String, Long> refreshed;

    /** With the idle timeout, maximum and per-client caps of {@code p}; every key starts with {@code keyPrefix}. */
    public RedisSessionStore(RedisConnectionFactory factory, String keyPrefix, SessionProperties p, Clock clock) {
        RedisTemplate<String, byte[]> t = new RedisTemplate<>();
        t.setConnectionFactory(factory);
        t.setKeySerializer(RedisSerializer.string());
        t.setHashKeySerializer(RedisSerializer.string());
        t.setValueSerializer(RedisSerializer.byteArray());
        t.setHashValueSerializer(RedisSerializer.byteArray());
        t.afterPropertiesSet();
        this.redis = t;
        this.prefix = keyPrefix;
        this.ttlMillis = p.idleTimeout().toMillis();
        this.maxSessions = p.maxSessions();
        this.caps = p.perClient();
        this.clock = clock;
        this.refreshMillis = Math.min(MAX_REFRESH_MILLIS, ttlMillis / 1000);
        this.refreshed = Caffeine.newBuilder().maximumSize(p.maxSessions()).expireAfterWrite(Duration.ofMillis(Math.max(1, refreshMillis))).build();
    }

    /** The longest an access may go unwritten: sessions expire at most this much before their idle timeout. */
    static final long MAX_REFRESH_MILLIS = 60_000;

    /**
     * The access argument of {@link #APPEND} and {@link #TOUCH}: now (epoch ms) when this replica
     * has not written the session's access for {@link #refreshMillis} (a minute, or a thousandth of
     * the idle timeout when shorter), else empty: the TTL and last-access time are then at most that
     * old, so a session expires no earlier than its idle timeout less that, and a busy session
     * costs Redis one TTL refresh a minute instead of four writes per request.
     */
    private byte[] access(String id) {
        long now = clock.millis();
        Long last = refreshed.getIfPresent(id);
        if (last != null && now - last < refreshMillis && now >= last) return new byte[0];
        refreshed.put(id, now);
        return b(now);
    }

    private String key(String id, String part) { return prefix + "{" + id + "}:" + part; }

    private List<String> keys(String id) { return List.of(key(id, "meta"), key(id, "log"), key(id, "snap")); }

    private String sessionsKey() { return prefix + "sessions"; }

    private String clientKey(String client, String part) { return prefix + "{client:" + client + "}:" + part; }

    private static byte[] b(Object o) { return String.valueOf(o).getBytes(StandardCharsets.UTF_8); }

    private static String s(byte[] b) { return new String(b, StandardCharsets.UTF_8); }

    /**
     * Runs Redis commands; any Redis failure (down, timeout, connection lost) becomes a 503, and
     * a warning at most once a minute (not one per request).
     */
    private <T> T call(Supplier<T> commands) {
        try {
            return commands.get();
        } catch (DataAccessException e) {
            long now = System.nanoTime(), last = lastWarning.get();
            if ((last == 0 || now - last > TimeUnit.MINUTES.toNanos(1)) && lastWarning.compareAndSet(last, now))
                log.warn("Redis does not answer ({}); requests that need it are 503 store-unavailable until it does", e.getMostSpecificCause().toString());
            throw new StoreUnavailableException(e);
        }
    }

    @Override
    public boolean reachable() {
        try {
            return "PONG".equals(call(() -> redis.execute(RedisConnectionCommands::ping, true)));
        } catch (StoreUnavailableException e) {
            return false;
        }
    }

    @Override
    public void create(SessionRecord meta) {
        if (!ID.matcher(meta.id()).matches()) throw new IllegalArgumentException("session id " + meta.id());
        call(() -> {
            long now = clock.millis();
            if (meta.client() != null) admitClient(meta, now);
            Long added = redis.execute(ADD_IF_ROOM, List.of(sessionsKey()), b(meta.id()), b(now + ttlMillis), b(maxSessions));
            if (added == null || added == 0) {
                forgetExpired(sessionsKey(), now);
                added = redis.execute(ADD_IF_ROOM, List.of(sessionsKey()), b(meta.id()), b(now + ttlMillis), b(maxSessions));
                if (added == null || added == 0) {
                    if (meta.client() != null) redis.opsForZSet().remove(clientKey(meta.client(), "live"), (Object) b(meta.id()));
                    throw new SessionLimitException(maxSessions);
                }
            }
            List<byte[]> args = new ArrayList<>(List.of(b(ttlMillis), b("t"), meta.tokenHash(), b("p"), b(meta.profile()),
                    b("m"), b(meta.movableZone() ? 1 : 0), b("c"), b(meta.createdAt().toEpochMilli()), b("a"), b(meta.lastAccess().toEpochMilli())));
            if (meta.label() != null) {
                args.add(b("l"));
                args.add(b(meta.label()));
            }
            if (meta.client() != null) {
                args.add(b("k"));
                args.add(b(meta.client()));
            }
            return redis.execute(CREATE, List.of(key(meta.id(), "meta")), args.toArray());
        });
    }

    /** Counts the session against its client's caps, after dropping the client's expired sessions when at the live cap. */
    private void admitClient(SessionRecord meta, long now) {
        List<String> keys = List.of(clientKey(meta.client(), "live"), clientKey(meta.client(), "new"));
        Object[] args = {b(meta.id()), b(now + ttlMillis), b(now), b(caps.maxLive()), b(caps.creationsPerMinute()), b(2 * ttlMillis)};
        List<Long> r = redis.execute(ADMIT_CLIENT, keys, args);
        if (r.get(0) == 1) {
            forgetExpired(keys.get(0), now);
            r = redis.execute(ADMIT_CLIENT, keys, args);
        }
        if (r.get(0) == 1) throw ClientQuota.maxLive(caps, r.get(1));
        if (r.get(0) == 2) throw ClientQuota.perMinute(caps, TimeUnit.MILLISECONDS.toNanos(r.get(1)));
    }

    /**
     * Members of the sorted set {@code zset} whose recorded expiry has passed: those whose session
     * still lives (touched since) get their new expiry, the others leave the set.
     */
    private void forgetExpired(String zset, long now) {
        Set<byte[]> stale = redis.opsForZSet().rangeByScore(zset, Double.NEGATIVE_INFINITY, now);
        if (stale == null) return;
        for (byte[] member : stale) {
            Long ttl = redis.getExpire(key(s(member), "meta"), TimeUnit.MILLISECONDS);
            if (ttl != null && ttl > 0) redis.opsForZSet().add(zset, member, now + ttl);
            else redis.opsForZSet().remove(zset, (Object) member);
        }
    }

    @Override
    public Optional<SessionRecord> find(String id) {
        if (!ID.matcher(id).matches()) return Optional.empty();
        List<byte[]> m = call(() -> redis.execute(FIND, List.of(key(id, "meta"), key(id, "log"))));
        if (m == null || m.isEmpty()) return Optional.empty();
        Map<String, byte[]> f = new HashMap<>();
        for (int i = 0; i + 1 < m.size(); i += 2) f.put(s(m.get(i)), m.get(i + 1));
        return Optional.of(new SessionRecord(id, f.get("t"), s(f.get("p")), f.containsKey("l") ? s(f.get("l")) : null,
                "1".equals(s(f.get("m"))), Instant.ofEpochMilli(Long.parseLong(s(f.get("c")))),
                Instant.ofEpochMilli(Long.parseLong(s(f.get("a")))), Long.parseLong(s(f.get("v"))),
                f.containsKey("k") ? s(f.get("k")) : null));
    }

    @Override
    public List<byte[]> stepsAfter(String id, long version, int max) {
        if (!ID.matcher(id).matches() || max <= 0) return List.of();
        long last = max == Integer.MAX_VALUE ? -1 : version + max - 1;
        List<byte[]> steps = call(() -> redis.opsForList().range(key(id, "log"), version, last));
        return steps == null ? List.of() : steps;
    }

    @Override
    public long append(String id, long expectedVersion, byte[] encodedStep) {
        if (!ID.matcher(id).matches()) return -1;
        byte[] access = access(id);
        long r = accessed(id, () -> redis.execute(APPEND, keys(id), b(expectedVersion), encodedStep, b(ttlMillis), access));
        if (r != expectedVersion) refreshed.invalidate(id); // the script stopped before the access
        return r;
    }

    /** Runs {@link #APPEND} or {@link #TOUCH}: -1 for no answer; when it fails, the access counts as not written. */
    private long accessed(String id, Supplier<Long> script) {
        try {
            Long r = call(script);
            return r == null ? -1 : r;
        } catch (StoreUnavailableException e) {
            refreshed.invalidate(id);
            throw e;
        }
    }

    @Override
    public void putSnapshot(String id, long version, byte[] snapshot) {
        if (!ID.matcher(id).matches()) return;
        call(() -> redis.execute(PUT_SNAPSHOT, List.of(key(id, "meta"), key(id, "snap")), b(version), snapshot, b(SNAPSHOTS_KEPT)));
    }

    @Override
    public Optional<StoredSnapshot> snapshot(String id, long atMost) {
        if (!ID.matcher(id).matches()) return Optional.empty();
        List<byte[]> vb = call(() -> redis.execute(SNAPSHOT_AT, List.of(key(id, "snap")), b(atMost)));
        if (vb == null || vb.size() != 2) return Optional.empty();
        return Optional.of(new StoredSnapshot(Long.parseLong(s(vb.get(0))), vb.get(1)));
    }

    @Override
    public long touch(String id) {
        if (!ID.matcher(id).matches()) return -1;
        byte[] access = access(id);
        long r = accessed(id, () -> redis.execute(TOUCH, keys(id), b(ttlMillis), access));
        if (r < 0) refreshed.invalidate(id);
        return r;
    }

    @Override
    public boolean remove(String id) {
        if (!ID.matcher(id).matches()) return false;
        refreshed.invalidate(id);
        return call(() -> {
            byte[] client = redis.execute(REMOVE, keys(id));
            redis.opsForZSet().remove(sessionsKey(), (Object) b(id));
            if (client != null && client.length > 0) redis.opsForZSet().remove(clientKey(s(client), "live"), (Object) b(id));
            return client != null;
        });
    }

    @Override
    public long size() {
        return call(() -> {
            forgetExpired(sessionsKey(), clock.millis());
            Long n = redis.opsForZSet().zCard(sessionsKey());
            return n == null ? 0 : n;
        });
    }
}
