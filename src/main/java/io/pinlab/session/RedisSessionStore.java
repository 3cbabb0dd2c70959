package io.pinlab.session;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
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
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Sessions in Redis ({@code pinlab.sessions.store=redis}), shared by every replica. One session
 * is three keys with a common {@code {sid}} hash tag, so each script touches one slot and the
 * same code runs on Redis Cluster:
 * <ul>
 *   <li>{@code PREFIX{sid}:meta}, a hash: token hash {@code t} (SHA-256, never the token),
 *       profile {@code p}, label {@code l}, movable zone {@code m}, created {@code c} and last
 *       access {@code a} (epoch ms), creating client {@code k};</li>
 *   <li>{@code PREFIX{sid}:log}, a list of encoded steps (opaque bytes): its length is the version;</li>
 *   <li>{@code PREFIX{sid}:snap}, a hash: version {@code v} and bytes {@code b} of the newest snapshot.</li>
 * </ul>
 * Idle expiry is the keys' TTL, refreshed by {@link #append} and {@link #touch} (at most every
 * 1/64 of the idle timeout per replica). Appending is a
 * compare-and-set in a Lua script: RPUSH only if LLEN equals the expected version. The maximum
 * number of sessions is counted in {@code PREFIXsessions}, a sorted set of session ids scored by
 * when they would expire; entries past their score are checked against their key's TTL before
 * a new session is refused.
 */
public class RedisSessionStore implements SessionStore {
    /** Session ids are base64url ({@link Tokens#newSessionId}); anything else cannot exist and never reaches a key. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private static final RedisScript<Long> ADD_IF_ROOM = RedisScript.of("""
            if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 1 end
            if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
            redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
            return 1""", Long.class);

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

    /** -1: no such session; 0: the log does not hold exactly ARGV[1] steps; 1: appended. */
    private static final RedisScript<Long> APPEND = RedisScript.of("""
            if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
            if redis.call('LLEN', KEYS[2]) ~= tonumber(ARGV[1]) then return 0 end
            redis.call('RPUSH', KEYS[2], ARGV[2])
            redis.call('HSET', KEYS[1], 'a', ARGV[4])
            for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[3]) end
            return 1""", Long.class);

    private static final RedisScript<Long> TOUCH = RedisScript.of("""
            if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
            redis.call('HSET', KEYS[1], 'a', ARGV[2])
            for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[1]) end
            return 1""", Long.class);

    /** Keeps the newer snapshot only; the snapshot key expires with the session. */
    private static final RedisScript<Long> PUT_SNAPSHOT = RedisScript.of("""
            local ttl = redis.call('PTTL', KEYS[1])
            if ttl <= 0 then return 0 end
            local v = redis.call('HGET', KEYS[2], 'v')
            if v and tonumber(v) >= tonumber(ARGV[1]) then return 0 end
            redis.call('HSET', KEYS[2], 'v', ARGV[1], 'b', ARGV[2])
            redis.call('PEXPIRE', KEYS[2], ttl)
            return 1""", Long.class);

    private final RedisTemplate<String, byte[]> redis;
    /**
     * When this replica last refreshed each session's TTL: a touch within {@code idleTimeout / 64}
     * of the last refresh is skipped (a read then costs one Redis round trip, not two), so a
     * session may expire up to 1/64 of the idle timeout early.
     */
    private final Cache<String, Long> refreshed;
    private final long refreshEveryMillis;
    private final String prefix;
    private final Duration idleTimeout;
    private final int maxSessions;
    private final Clock clock;
    private final Consumer<SessionRecord> onEnd;

    public RedisSessionStore(RedisConnectionFactory factory, String keyPrefix, Duration idleTimeout, int maxSessions, Clock clock) {
        this(factory, keyPrefix, idleTimeout, maxSessions, clock, s -> { });
    }

    /** @param onEnd told of a session this replica removed (expiry in Redis tells nobody) */
    public RedisSessionStore(RedisConnectionFactory factory, String keyPrefix, Duration idleTimeout, int maxSessions, Clock clock,
                             Consumer<SessionRecord> onEnd) {
        this.onEnd = onEnd;
        RedisTemplate<String, byte[]> t = new RedisTemplate<>();
        t.setConnectionFactory(factory);
        t.setKeySerializer(RedisSerializer.string());
        t.setHashKeySerializer(RedisSerializer.string());
        t.setValueSerializer(RedisSerializer.byteArray());
        t.setHashValueSerializer(RedisSerializer.byteArray());
        t.afterPropertiesSet();
        this.redis = t;
        this.prefix = keyPrefix;
        this.idleTimeout = idleTimeout;
        this.maxSessions = maxSessions;
        this.clock = clock;
        this.refreshEveryMillis = idleTimeout.toMillis() / 64;
        this.refreshed = Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(Duration.ofMillis(Math.max(1, refreshEveryMillis))).build();
    }

    private String key(String id, String part) { return prefix + "{" + id + "}:" + part; }

    private List<String> keys(String id) { return List.of(key(id, "meta"), key(id, "log"), key(id, "snap")); }

    private String sessionsKey() { return prefix + "sessions"; }

    private static byte[] b(Object o) { return String.valueOf(o).getBytes(StandardCharsets.UTF_8); }

    private static String s(byte[] b) { return new String(b, StandardCharsets.UTF_8); }

    private long ttlMillis() { return idleTimeout.toMillis(); }

    @Override
    public void create(SessionRecord meta) {
        if (!ID.matcher(meta.id()).matches()) throw new IllegalArgumentException("session id " + meta.id());
        long now = clock.millis();
        Long added = redis.execute(ADD_IF_ROOM, List.of(sessionsKey()), b(meta.id()), b(now + ttlMillis()), b(maxSessions));
        if (added == null || added == 0) {
            forgetExpired(now);
            added = redis.execute(ADD_IF_ROOM, List.of(sessionsKey()), b(meta.id()), b(now + ttlMillis()), b(maxSessions));
            if (added == null || added == 0) throw new SessionLimitException(maxSessions);
        }
        List<byte[]> args = new ArrayList<>(List.of(b(ttlMillis()), b("t"), meta.tokenHash(), b("p"), b(meta.profile()),
                b("m"), b(meta.movableZone() ? 1 : 0), b("c"), b(meta.createdAt().toEpochMilli()), b("a"), b(meta.lastAccess().toEpochMilli())));
        if (meta.label() != null) {
            args.add(b("l"));
            args.add(b(meta.label()));
        }
        if (meta.client() != null) {
            args.add(b("k"));
            args.add(b(meta.client()));
        }
        redis.execute(CREATE, List.of(key(meta.id(), "meta")), args.toArray());
    }

    /**
     * Members whose recorded expiry has passed: those whose session key still lives (touched
     * since) get their new expiry, the others leave the set.
     */
    private void forgetExpired(long now) {
        Set<byte[]> stale = redis.opsForZSet().rangeByScore(sessionsKey(), Double.NEGATIVE_INFINITY, now);
        if (stale == null) return;
        for (byte[] member : stale) {
            String id = s(member);
            Long ttl = redis.getExpire(key(id, "meta"), TimeUnit.MILLISECONDS);
            if (ttl != null && ttl > 0) redis.opsForZSet().add(sessionsKey(), member, now + ttl);
            else redis.opsForZSet().remove(sessionsKey(), (Object) member);
        }
    }

    @Override
    public Optional<SessionRecord> find(String id) {
        if (!ID.matcher(id).matches()) return Optional.empty();
        List<byte[]> m = redis.execute(FIND, List.of(key(id, "meta"), key(id, "log")));
        if (m == null || m.isEmpty()) return Optional.empty();
        Map<String, byte[]> f = new HashMap<>();
        for (int i = 0; i + 1 < m.size(); i += 2) f.put(s(m.get(i)), m.get(i + 1));
        return Optional.of(new SessionRecord(id, f.get("t"), s(f.get("p")), f.containsKey("l") ? s(f.get("l")) : null,
                "1".equals(s(f.get("m"))), Instant.ofEpochMilli(Long.parseLong(s(f.get("c")))),
                Instant.ofEpochMilli(Long.parseLong(s(f.get("a")))), Long.parseLong(s(f.get("v"))),
                f.containsKey("k") ? s(f.get("k")) : null));
    }

    @Override
    public List<byte[]> stepsAfter(String id, long version) {
        if (!ID.matcher(id).matches()) return List.of();
        List<byte[]> steps = redis.opsForList().range(key(id, "log"), version, -1);
        return steps == null ? List.of() : steps;
    }

    @Override
    public boolean append(String id, long expectedVersion, byte[] encodedStep) {
        if (!ID.matcher(id).matches()) return false;
        long now = clock.millis();
        Long r = redis.execute(APPEND, keys(id), b(expectedVersion), encodedStep, b(ttlMillis()), b(now));
        if (r != null && r == 1) refreshed.put(id, now);
        return r != null && r == 1;
    }

    @Override
    public void putSnapshot(String id, long version, byte[] snapshot) {
        if (!ID.matcher(id).matches()) return;
        redis.execute(PUT_SNAPSHOT, List.of(key(id, "meta"), key(id, "snap")), b(version), snapshot);
    }

    @Override
    public Optional<StoredSnapshot> latestSnapshot(String id) {
        if (!ID.matcher(id).matches()) return Optional.empty();
        List<byte[]> vb = redis.<String, byte[]>opsForHash().multiGet(key(id, "snap"), List.of("v", "b"));
        if (vb == null || vb.get(0) == null || vb.get(1) == null) return Optional.empty();
        return Optional.of(new StoredSnapshot(Long.parseLong(s(vb.get(0))), vb.get(1)));
    }

    @Override
    public void touch(String id) {
        if (!ID.matcher(id).matches()) return;
        long now = clock.millis();
        Long last = refreshed.getIfPresent(id);
        if (last != null && now - last < refreshEveryMillis) return;
        redis.execute(TOUCH, keys(id), b(ttlMillis()), b(now));
        refreshed.put(id, now);
    }

    @Override
    public boolean remove(String id) {
        if (!ID.matcher(id).matches()) return false;
        refreshed.invalidate(id);
        Optional<SessionRecord> meta = find(id);
        Long deleted = redis.delete(keys(id));
        redis.opsForZSet().remove(sessionsKey(), (Object) b(id));
        boolean removed = deleted != null && deleted > 0;
        if (removed) meta.ifPresent(onEnd);
        return removed;
    }

    @Override
    public long size() {
        forgetExpired(clock.millis());
        Long n = redis.opsForZSet().zCard(sessionsKey());
        return n == null ? 0 : n;
    }
}
