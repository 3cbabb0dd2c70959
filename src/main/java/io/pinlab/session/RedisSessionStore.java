package io.pinlab.session;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.KeyValue;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.RedisCommandInterruptedException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.output.CommandOutput;
import io.lettuce.core.output.IntegerOutput;
import io.lettuce.core.output.NestedMultiOutput;
import io.lettuce.core.protocol.AsyncCommand;
import io.lettuce.core.protocol.Command;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.netty.buffer.ByteBuf;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.core.script.DigestUtils;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Sessions in Redis ({@code pinlab.sessions.store=redis}), shared by every replica. One session
 * is three keys with a common {@code {sid}} hash tag:
 * <ul>
 *   <li>{@code PREFIX{sid}:meta}, a hash: token hash {@code t} (SHA-256, never the token),
 *       profile {@code p}, label {@code l}, movable zone {@code m}, created {@code c} and last
 *       access {@code a} (epoch ms), creating client {@code k};</li>
 *   <li>{@code PREFIX{sid}:log}, a list of encoded steps (opaque bytes): its length is the version;</li>
 *   <li>{@code PREFIX{sid}:snap}, a hash from version (decimal) to snapshot bytes: the newest
 *       {@link #SNAPSHOTS_KEPT}.</li>
 * </ul>
 * Idle expiry is the keys' TTL, refreshed by {@link #append} and {@link #touch} (at most once a
 * minute per session and replica, see {@link #accessDue}). Appending is a
 * compare-and-set in one Lua script that also checks the session exists and refreshes the TTL,
 * so a call costs one round trip (two when it waits for the one in flight, see {@link #append})
 * and its answer tells a replica that it is behind or that the session is gone. Appends of
 * several sessions go out in one script, whose keys are in several hash slots: the store needs
 * a standalone Redis (not a cluster, nor a proxy that spreads keys over shards). The store
 * talks to Redis on a Lettuce connection of its own with a byte-array codec: scripts go by
 * EVALSHA (their SHA-1 is computed here), keys and arguments are bytes, and nothing sits between
 * the store and Lettuce (no template, serializers or per-call connection object per call); each
 * script goes out as a command of the store's own that counts how often Lettuce sent it (see
 * {@link #evalCounted}).
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

    /** A Lua script, its SHA-1 (computed here) and the type of its answer; run by {@link #evalCounted}. */
    private record Script(String source, String sha, ScriptOutputType type) {
        static Script of(String source, ScriptOutputType type) {
            return new Script(source, DigestUtils.sha1DigestAsHex(source), type);
        }

        /** A decoder of the answer: the one Lettuce's evalsha() builds for the type (BaseRedisCommandBuilder.newScriptOutput()). */
        @SuppressWarnings("unchecked")
        <T> CommandOutput<byte[], byte[], T> output() {
            CommandOutput<byte[], byte[], ?> o = switch (type) {
                case INTEGER -> new IntegerOutput<>(ByteArrayCodec.INSTANCE);
                case MULTI -> new NestedMultiOutput<>(ByteArrayCodec.INSTANCE);
                default -> throw new IllegalStateException("no script here answers " + type);
            };
            return (CommandOutput<byte[], byte[], T>) o;
        }
    }

    private static final Script ADD_IF_ROOM = Script.of("""
            if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 1 end
            if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
            redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
            return 1""", ScriptOutputType.INTEGER);

    /**
     * A client's caps, KEYS = live, new; ARGV = id, expiry, now, maxLive, perMinute, ttl of the live set.
     * {0, 0}: admitted; {1, n}: holds n live sessions; {2, ms}: the oldest creation leaves the minute in ms.
     * A session already in the live set was admitted by this script before (ids are random): Lettuce
     * sent it again after a reconnect, and it is admitted again rather than counted against itself.
     */
    private static final Script ADMIT_CLIENT = Script.of("""
            if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return {0, 0} end
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
            return {0, 0}""", ScriptOutputType.MULTI);

    private static final Script CREATE = Script.of("""
            redis.call('HSET', KEYS[1], unpack(ARGV, 2))
            redis.call('PEXPIRE', KEYS[1], ARGV[1])
            return 1""", ScriptOutputType.INTEGER);

    private static final Script FIND = Script.of("""
            local m = redis.call('HGETALL', KEYS[1])
            if #m == 0 then return {} end
            m[#m + 1] = 'v'
            m[#m + 1] = tostring(redis.call('LLEN', KEYS[2]))
            return m""", ScriptOutputType.MULTI);

    /**
     * Appends of several sessions in one script (group commit, see {@link #append}). KEYS: meta,
     * log and snapshots of each session in turn; ARGV[1] the TTL, then per session the version it
     * expects, the step and the access (empty: not due). Answers, per session, the log's length
     * before the call (appended when it equals the expected version), -1: no such session, or the
     * error of a command that failed on this session's keys (the others go on). The access (TTL
     * of the three keys, field {@code a}) is written when given; a log the step creates gets the
     * TTL in any case.
     */
    private static final Script APPEND = Script.of("""
            local function append(i)
              local meta, log, k, a = KEYS[3 * i - 2], KEYS[3 * i - 1], 3 * i - 1, ARGV[3 * i + 1]
              if redis.call('EXISTS', meta) == 0 then return -1 end
              local v = redis.call('LLEN', log)
              if v ~= tonumber(ARGV[k]) then return v end
              redis.call('RPUSH', log, ARGV[k + 1])
              if a ~= '' then
                redis.call('HSET', meta, 'a', a)
                for j = 3 * i - 2, 3 * i do redis.call('PEXPIRE', KEYS[j], ARGV[1]) end
              elseif v == 0 then
                redis.call('PEXPIRE', log, ARGV[1])
              end
              return v
            end
            local answers = {}
            for i = 1, #KEYS / 3 do
              local ok, v = pcall(append, i)
              if ok then answers[i] = v else answers[i] = type(v) == 'table' and v.err or tostring(v) end
            end
            return answers""", ScriptOutputType.MULTI);

    /** The log's length, or -1: no such session; the access is written when ARGV[2] is not empty. */
    private static final Script TOUCH = Script.of("""
            if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
            if ARGV[2] ~= '' then
              redis.call('HSET', KEYS[1], 'a', ARGV[2])
              for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[1]) end
            end
            return redis.call('LLEN', KEYS[2])""", ScriptOutputType.INTEGER);

    /** Deletes the session's keys; 1 when it existed, else 0. */
    private static final Script REMOVE = Script.of("""
            local existed = redis.call('EXISTS', KEYS[1])
            redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
            return existed""", ScriptOutputType.INTEGER);

    /** Adds a snapshot and keeps the newest ARGV[3] (fields that are no version are dropped); it expires with the session. */
    private static final Script PUT_SNAPSHOT = Script.of("""
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
            return 1""", ScriptOutputType.INTEGER);

    /** {version, bytes} of the newest snapshot of a version <= ARGV[1], or {}. */
    private static final Script SNAPSHOT_AT = Script.of("""
            local best
            for _, f in ipairs(redis.call('HKEYS', KEYS[1])) do
              local n = tonumber(f)
              if n and n <= tonumber(ARGV[1]) and (not best or n > tonumber(best)) then best = f end
            end
            if not best then return {} end
            return {best, redis.call('HGET', KEYS[1], best)}""", ScriptOutputType.MULTI);

    private static final Logger log = LoggerFactory.getLogger(RedisSessionStore.class);
    private static final byte[] NO_ACCESS = new byte[0];
    /** System.nanoTime() of the last "Redis does not answer" warning, 0 for none. */
    private final AtomicLong lastWarning = new AtomicLong();
    private final LettuceConnectionFactory factory;
    /** Opened on first use (the service starts while Redis is down), then kept: Lettuce reconnects it. */
    private volatile StatefulRedisConnection<byte[], byte[]> connection;
    /** Commands dispatched on {@link #connection} and not yet completed (see {@link #counted}). */
    private final AtomicInteger unanswered = new AtomicInteger();
    /** How often held-back commands are flushed when nothing else flushes them (see {@link #counted}). */
    private static final long SAFETY_FLUSH_MILLIS = 100;
    private final String prefix;
    /** The sorted set of every session's last access (one per store, under the prefix). */
    private final byte[] sessionsKey;
    private final byte[] ttl;
    private final long ttlMillis;
    private final int maxSessions;
    private final SessionProperties.PerClient caps;
    private final Clock clock;
    /** Accesses closer together than this write the TTL once (see {@link #accessDue}). */
    private final long refreshMillis;
    /** When this replica last wrote each session's access (epoch ms); a bounded cache, a miss only costs a write. */
    private final Cache<String, Long> refreshed;

    /**
     * With the idle timeout, maximum and per-client caps of {@code p}; every key starts with
     * {@code keyPrefix}. Redis is reached through the factory's Lettuce client (its
     * {@code spring.data.redis.*} address, timeouts and options) on a connection of its own.
     */
    public RedisSessionStore(RedisConnectionFactory factory, String keyPrefix, SessionProperties p, Clock clock) {
        if (!(factory instanceof LettuceConnectionFactory lettuce))
            throw new IllegalStateException("the Redis session store needs a standalone Lettuce connection (spring.data.redis.host/port)");
        // the client's options, or Lettuce's defaults when none are set (as the factory does)
        if (!lettuce.getClientConfiguration().getClientOptions().orElseGet(ClientOptions::create).getTimeoutOptions().isTimeoutCommands())
            throw new IllegalStateException("the Redis session store needs Lettuce's command timeouts (ClientOptions.timeoutOptions, on by default)");
        this.factory = lettuce;
        this.prefix = keyPrefix;
        this.sessionsKey = b(keyPrefix + "sessions");
        this.ttlMillis = p.idleTimeout().toMillis();
        this.ttl = b(ttlMillis);
        this.maxSessions = p.maxSessions();
        this.caps = p.perClient();
        this.clock = clock;
        this.refreshMillis = Math.min(MAX_REFRESH_MILLIS, ttlMillis / 1000);
        this.refreshed = Caffeine.newBuilder().maximumSize(p.maxSessions()).expireAfterWrite(Duration.ofMillis(Math.max(1, refreshMillis))).build();
    }

    /** The longest an access may go unwritten: sessions expire at most this much before their idle timeout. */
    static final long MAX_REFRESH_MILLIS = 60_000;

    /**
     * When to write the session's access with {@link #APPEND} or {@link #TOUCH}: now (epoch ms) when
     * this replica has not written it for {@link #refreshMillis} (a minute, or a thousandth of the
     * idle timeout when shorter), else -1 (the script's access argument is then empty): the TTL and
     * last-access time are at most that old, so a session expires no earlier than its idle timeout
     * less that, and a busy session costs Redis one TTL refresh a minute instead of four writes per
     * request. It counts as written ({@link #refreshed}) only once a script has written it: two
     * calls at once may both write it.
     */
    private long accessDue(String id) {
        long now = clock.millis();
        Long last = refreshed.policy().getIfPresentQuietly(id); // no read to record: entries leave by age or size
        return last != null && now - last < refreshMillis && now >= last ? -1 : now;
    }

    private static byte[] accessArgument(long due) { return due < 0 ? NO_ACCESS : b(due); }

    private byte[] key(String id, String part) { return b(prefix + "{" + id + "}:" + part); }

    private byte[][] keys(String id) { return new byte[][] {key(id, "meta"), key(id, "log"), key(id, "snap")}; }

    private byte[] clientKey(String client, String part) { return b(prefix + "{client:" + client + "}:" + part); }

    private static byte[] b(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    private static byte[] b(long n) { return Long.toString(n).getBytes(StandardCharsets.US_ASCII); }

    private static String s(Object b) { return new String((byte[]) b, StandardCharsets.UTF_8); }

    /**
     * This store's byte-array connection, opened on first use.
     *
     * @throws io.lettuce.core.RedisConnectionException Redis does not answer (tried again on the next call),
     *         or the factory is stopped: the service is shutting down
     */
    private StatefulRedisConnection<byte[], byte[]> connection() {
        StatefulRedisConnection<byte[], byte[]> c = connection;
        if (c != null) return c;
        synchronized (this) {
            if (connection == null) {
                Object client;
                try {
                    client = factory.getNativeClient();
                } catch (IllegalStateException stopped) { // the context is closing: a 503 like any Redis that is gone
                    throw new RedisConnectionException("the Redis connection factory is stopped", stopped);
                }
                if (!(client instanceof RedisClient redisClient))
                    throw new IllegalStateException("the Redis session store needs a standalone Redis (spring.data.redis.host/port)");
                StatefulRedisConnection<byte[], byte[]> opened = redisClient.connect(ByteArrayCodec.INSTANCE);
                opened.setAutoFlushCommands(false); // see counted
                redisClient.getResources().eventExecutorGroup().scheduleWithFixedDelay(() -> {
                    if (unanswered.get() > 0) opened.flushCommands(); // see counted
                }, SAFETY_FLUSH_MILLIS, SAFETY_FLUSH_MILLIS, TimeUnit.MILLISECONDS);
                connection = opened;
            }
            return connection;
        }
    }

    /** The connection's commands, whose answers {@link #await} waits for. */
    private RedisAsyncCommands<byte[], byte[]> redis() {
        return connection().async();
    }

    /** The answer of a command just dispatched on {@link #connection} (see {@link #counted} and {@link #answer}). */
    private <T> T await(RedisFuture<T> answer) {
        return answer(counted(answer));
    }

    /**
     * {@code command}, just dispatched on {@link #connection}, counted in {@link #unanswered};
     * every dispatch goes straight here. The connection does not flush each command as it is
     * dispatched (autoFlushCommands off), which would wake Lettuce's event loop for every call. A
     * command, buffered before it is counted, is flushed by its caller when none other is
     * unanswered, else by the completion of one that is (which uncounts itself first): under
     * load, by the event loop as it reads answers, awake anyway. Commands held back while the
     * connection is down, or requeued by Lettuce after a write failed during a reconnect, are
     * flushed by a check every {@link #SAFETY_FLUSH_MILLIS} ms.
     */
    private <F extends CompletionStage<?>> F counted(F command) {
        StatefulRedisConnection<byte[], byte[]> c = connection;
        boolean first = unanswered.getAndIncrement() == 0;
        command.whenComplete((value, failure) -> {
            if (unanswered.decrementAndGet() > 0) c.flushCommands(); // else nothing is held back
        });
        if (first) c.flushCommands();
        return command;
    }

    /**
     * Waits for {@code answer}, a Redis command's or one derived from it. The wait has no deadline
     * of its own: Lettuce ends every command after the command timeout
     * ({@code spring.data.redis.timeout}, its {@code TimeoutOptions}, checked by the constructor).
     * A timed wait would cost every call a timer on the JDK's delay scheduler and a wake-up of its
     * thread (1.2 context switches per request, see README "Measured").
     */
    private static <T> T answer(Future<T> answer) {
        try {
            return answer.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RedisException r) throw r;
            throw new RedisException(e.getCause());
        } catch (CancellationException e) { // Lettuce cancels the commands of a connection it closes
            throw new RedisException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RedisCommandInterruptedException(e);
        }
    }

    /** Runs {@code script}; its answer (see {@link #evalCounted}). */
    private <T> T eval(Script script, byte[][] keys, byte[]... args) {
        return answer(this.<T>evalCounted(script, keys, args)).answer();
    }

    /**
     * Runs Redis commands; any Redis failure (down, timeout, connection lost) becomes a 503, and
     * a warning at most once a minute (not one per request).
     */
    private <T> T call(Supplier<T> work) {
        try {
            return work.get();
        } catch (RedisException e) {
            long now = System.nanoTime(), last = lastWarning.get();
            if ((last == 0 || now - last > TimeUnit.MINUTES.toNanos(1)) && lastWarning.compareAndSet(last, now))
                log.warn("Redis does not answer ({}); requests that need it are 503 store-unavailable until it does", e.toString());
            throw new StoreUnavailableException(e);
        }
    }

    @Override
    public boolean reachable() {
        try {
            return "PONG".equals(call(() -> await(redis().ping())));
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
            byte[][] sessions = {sessionsKey};
            Long added = eval(ADD_IF_ROOM, sessions, b(meta.id()), b(now + ttlMillis), b(maxSessions));
            if (added == null || added == 0) {
                forgetExpired(sessions[0], now);
                added = eval(ADD_IF_ROOM, sessions, b(meta.id()), b(now + ttlMillis), b(maxSessions));
                if (added == null || added == 0) {
                    if (meta.client() != null) await(redis().zrem(clientKey(meta.client(), "live"), b(meta.id())));
                    throw new SessionLimitException(maxSessions);
                }
            }
            List<byte[]> args = new ArrayList<>(List.of(ttl, b("t"), meta.tokenHash(), b("p"), b(meta.profile()),
                    b("m"), b(meta.movableZone() ? 1 : 0), b("c"), b(meta.createdAt().toEpochMilli()), b("a"), b(meta.lastAccess().toEpochMilli())));
            if (meta.label() != null) {
                args.add(b("l"));
                args.add(b(meta.label()));
            }
            if (meta.client() != null) {
                args.add(b("k"));
                args.add(b(meta.client()));
            }
            return eval(CREATE, new byte[][] {key(meta.id(), "meta")}, args.toArray(byte[][]::new));
        });
    }

    /** Counts the session against its client's caps, after dropping the client's expired sessions when at the live cap. */
    private void admitClient(SessionRecord meta, long now) {
        byte[][] keys = {clientKey(meta.client(), "live"), clientKey(meta.client(), "new")};
        byte[][] args = {b(meta.id()), b(now + ttlMillis), b(now), b(caps.maxLive()), b(caps.creationsPerMinute()), b(2 * ttlMillis)};
        List<Object> r = eval(ADMIT_CLIENT, keys, args);
        if ((Long) r.get(0) == 1) {
            forgetExpired(keys[0], now);
            r = eval(ADMIT_CLIENT, keys, args);
        }
        if ((Long) r.get(0) == 1) throw ClientQuota.maxLive(caps, (Long) r.get(1));
        if ((Long) r.get(0) == 2) throw ClientQuota.perMinute(caps, TimeUnit.MILLISECONDS.toNanos((Long) r.get(1)));
    }

    /**
     * Members of the sorted set {@code zset} whose recorded expiry has passed: those whose session
     * still lives (touched since) get their new expiry, the others leave the set.
     */
    private void forgetExpired(byte[] zset, long now) {
        for (byte[] member : await(redis().zrangebyscore(zset, Range.create(Double.NEGATIVE_INFINITY, (double) now)))) {
            Long left = await(redis().pttl(key(s(member), "meta")));
            if (left != null && left > 0) await(redis().zadd(zset, now + left, member));
            else await(redis().zrem(zset, member));
        }
    }

    @Override
    public Optional<SessionRecord> find(String id) {
        if (!ID.matcher(id).matches()) return Optional.empty();
        byte[][] keys = keys(id);
        List<Object> m = call(() -> eval(FIND, new byte[][] {keys[0], keys[1]}));
        if (m == null || m.isEmpty()) return Optional.empty();
        Map<String, byte[]> f = new HashMap<>();
        for (int i = 0; i + 1 < m.size(); i += 2) f.put(s(m.get(i)), (byte[]) m.get(i + 1));
        return Optional.of(new SessionRecord(id, f.get("t"), s(f.get("p")), f.containsKey("l") ? s(f.get("l")) : null,
                "1".equals(s(f.get("m"))), Instant.ofEpochMilli(Long.parseLong(s(f.get("c")))),
                Instant.ofEpochMilli(Long.parseLong(s(f.get("a")))), Long.parseLong(s(f.get("v"))),
                f.containsKey("k") ? s(f.get("k")) : null));
    }

    @Override
    public List<byte[]> stepsAfter(String id, long version, int max) {
        if (!ID.matcher(id).matches() || max <= 0) return List.of();
        long last = max == Integer.MAX_VALUE ? -1 : version + max - 1;
        List<byte[]> steps = call(() -> await(redis().lrange(key(id, "log"), version, last)));
        return steps == null ? List.of() : steps;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Appends are committed in groups: while one {@link #APPEND} is in flight, the appends of
     * other sessions wait, and go out together in the next one when it answers (see
     * {@link #sendAppends}), so that under load Redis runs one script, and Lettuce encodes and
     * decodes one command, for several calls. An append that finds none in flight goes out at once.
     * One that waits goes out when the one in flight answers, or fails with it; so it waits at
     * most the command timeout for that one plus its own.
     *
     * <p>An APPEND that Lettuce sent again after a reconnect (see {@link #evalCounted}) and that
     * did not append may have appended the first time: answered as a conflict, the caller would
     * catch up, replaying this very step, and apply the call again. It is a
     * {@link StoreUnavailableException} instead: the outcome is unknown, and the log decides.
     */
    @Override
    public long append(String id, long expectedVersion, byte[] encodedStep) {
        if (!ID.matcher(id).matches()) return -1;
        Objects.requireNonNull(encodedStep);
        long due = accessDue(id);
        Append append = new Append(keys(id), b(expectedVersion), encodedStep, accessArgument(due), new CompletableFuture<>());
        long r = call(() -> {
            connection(); // opened by its caller: a Redis that does not answer fails this call, not a group
            waitingAppends.add(append);
            sendAppends();
            Counted<Long> a = answer(append.answer());
            if (a.resent() && a.answer() >= 0 && a.answer() != expectedVersion)
                throw new RedisException("the connection to Redis was lost while an append was under way, and the append was sent again");
            return a.answer();
        });
        if (r == expectedVersion && due >= 0) refreshed.put(id, due); // else the script stopped before the access
        return r;
    }

    /**
     * The most appends one {@link #APPEND} carries; a group also stops taking appends once their
     * steps reach {@link #MAX_GROUP_BYTES}. Bounds on how long Redis runs one script; with one in
     * flight, they also bound a replica's appends to {@value} per round trip, far above what its
     * requests reach.
     */
    static final int MAX_GROUP = 64;
    private static final int MAX_GROUP_BYTES = 1 << 20;
    /** Appends not yet sent; only the holder of {@link #appending} takes them out. */
    private final ConcurrentLinkedQueue<Append> waitingAppends = new ConcurrentLinkedQueue<>();
    /** Whether an {@link #APPEND} is being sent or in flight. */
    private final AtomicBoolean appending = new AtomicBoolean();

    /** How many appends wait for the one in flight (for tests). */
    int appendsWaiting() {
        return waitingAppends.size();
    }

    /** One session's append: its three keys, the script's arguments for it, and its answer. */
    private record Append(byte[][] keys, byte[] expected, byte[] step, byte[] access, CompletableFuture<Counted<Long>> answer) {
    }

    /**
     * Sends the waiting appends as one {@link #APPEND} unless one is in flight; its completion
     * sends those that arrived meanwhile, then answers its own. Whoever queues an append calls
     * this after queueing, and the completion after clearing {@link #appending}, so none is left
     * waiting. When a group fails (Redis did not answer within the command timeout, or its
     * connection is closed), so do the appends waiting then (see {@link #endGroup}).
     */
    private void sendAppends() {
        while (!waitingAppends.isEmpty() && appending.compareAndSet(false, true)) {
            List<Append> group = new ArrayList<>();
            long bytes = 0;
            for (Append a; group.size() < MAX_GROUP && bytes < MAX_GROUP_BYTES && (a = waitingAppends.poll()) != null; ) {
                group.add(a);
                bytes += a.step().length;
            }
            if (group.isEmpty()) { // taken by the holder before us
                appending.set(false);
                continue;
            }
            CompletableFuture<Counted<List<Object>>> sent = sendGroup(group);
            if (sent.isDone()) { // answered already, or failed at once (the connection is closed)
                endGroup(sent.isCompletedExceptionally() ? sent.exceptionNow() : null);
                answerGroup(group, sent);
                continue;
            }
            sent.whenComplete((answers, failure) -> {
                endGroup(failure);
                try {
                    sendAppends(); // first: the next group waits on the wire, not on these threads
                } finally {
                    answerGroup(group, sent);
                }
            });
            return;
        }
    }

    /**
     * Clears {@link #appending} once a group's script answered or failed. A failed one first
     * fails the appends waiting: never sent, they would otherwise wait for a group of their own
     * to time out as well. Those queued meanwhile go out in the next group.
     */
    private void endGroup(Throwable failure) {
        if (failure != null) for (Append a; (a = waitingAppends.poll()) != null; ) a.answer().completeExceptionally(failure);
        appending.set(false);
    }

    /** One {@link #APPEND} for the appends of {@code group}, or its failure to go out. */
    private CompletableFuture<Counted<List<Object>>> sendGroup(List<Append> group) {
        try {
            byte[][] keys = new byte[3 * group.size()][];
            byte[][] args = new byte[1 + 3 * group.size()][];
            args[0] = ttl;
            for (int i = 0; i < group.size(); i++) {
                Append a = group.get(i);
                System.arraycopy(a.keys(), 0, keys, 3 * i, 3);
                args[3 * i + 1] = a.expected();
                args[3 * i + 2] = a.step();
                args[3 * i + 3] = a.access();
            }
            return evalCounted(APPEND, keys, args);
        } catch (Throwable t) {
            return CompletableFuture.failedFuture(t);
        }
    }

    /**
     * Completes every append of {@code group} from its script's outcome: a session's answer, or
     * the error of a command on its keys (appended or not: the log decides).
     */
    private void answerGroup(List<Append> group, CompletableFuture<Counted<List<Object>>> sent) {
        Counted<List<Object>> answers;
        try {
            answers = answer(sent);
        } catch (RuntimeException failure) {
            group.forEach(a -> a.answer().completeExceptionally(failure));
            return;
        }
        for (int i = 0; i < group.size(); i++) {
            CompletableFuture<Counted<Long>> answer = group.get(i).answer();
            if (answers.answer().get(i) instanceof Long n) answer.complete(new Counted<>(n, answers.resent()));
            else answer.completeExceptionally(new RedisException("Redis failed an append, which may or may not have been made: "
                    + s(answers.answer().get(i))));
        }
    }

    /** A script's answer, and whether Lettuce sent it more than once. */
    private record Counted<T>(T answer, boolean resent) {
    }

    /**
     * Runs {@code script} by its SHA-1, or by its source when Redis does not hold it (a restarted
     * Redis has an empty script cache; EVAL caches it again), noting whether it was sent more than
     * once: when the connection is lost before an answer, Lettuce reconnects and sends the
     * command again (at-least-once, its default), so Redis may have run it twice. That matters
     * for the scripts whose second run answers otherwise than the first (APPEND, REMOVE).
     */
    private <T> CompletableFuture<Counted<T>> evalCounted(Script script, byte[][] keys, byte[]... args) {
        SendCounter<T> sent = send(CommandType.EVALSHA, script.sha(), script.output(), keys, args);
        return sent.handle((answer, failure) -> {
            if (failure == null) return CompletableFuture.completedFuture(new Counted<>(answer, sent.sends > 1));
            if (!(failure instanceof RedisNoScriptException)) return CompletableFuture.<Counted<T>>failedFuture(failure);
            // also when a re-send reached a restarted Redis, after the first send ran
            SendCounter<T> again = send(CommandType.EVAL, script.source(), script.output(), keys, args);
            return again.thenApply(answer2 -> new Counted<>(answer2, sent.sends > 1 || again.sends > 1));
        }).thenCompose(counted -> counted);
    }

    /** An EVALSHA or EVAL that counts how often Lettuce encoded it for sending. */
    private static final class SendCounter<T> extends AsyncCommand<byte[], byte[], T> {
        /** Written by one event loop at a time (a re-send may be on another), read after the answer. */
        private volatile int sends;

        SendCounter(CommandType type, String scriptOrSha, CommandOutput<byte[], byte[], T> output, byte[][] keys, byte[][] args) {
            super(new Command<>(type, output,
                    new CommandArgs<>(ByteArrayCodec.INSTANCE).add(scriptOrSha).add(keys.length).addKeys(keys).addValues(args)));
        }

        @Override
        public void encode(ByteBuf buf) {
            sends++;
            super.encode(buf);
        }
    }

    private <T> SendCounter<T> send(CommandType type, String scriptOrSha, CommandOutput<byte[], byte[], T> output, byte[][] keys, byte[][] args) {
        SendCounter<T> c = new SendCounter<>(type, scriptOrSha, output, keys, args);
        connection().dispatch(c);
        return counted(c);
    }

    @Override
    public void putSnapshot(String id, long version, byte[] snapshot) {
        if (!ID.matcher(id).matches()) return;
        byte[][] keys = keys(id);
        call(() -> eval(PUT_SNAPSHOT, new byte[][] {keys[0], keys[2]}, b(version), snapshot, b(SNAPSHOTS_KEPT)));
    }

    @Override
    public Optional<StoredSnapshot> snapshot(String id, long atMost) {
        if (!ID.matcher(id).matches()) return Optional.empty();
        List<Object> vb = call(() -> eval(SNAPSHOT_AT, new byte[][] {key(id, "snap")}, b(atMost)));
        if (vb == null || vb.size() != 2) return Optional.empty();
        return Optional.of(new StoredSnapshot(Long.parseLong(s(vb.get(0))), (byte[]) vb.get(1)));
    }

    @Override
    public long touch(String id) {
        if (!ID.matcher(id).matches()) return -1;
        long due = accessDue(id);
        Long r = call(() -> eval(TOUCH, keys(id), ttl, accessArgument(due)));
        if (r == null || r < 0) return -1;
        if (due >= 0) refreshed.put(id, due);
        return r;
    }

    @Override
    public boolean remove(String id) {
        if (!ID.matcher(id).matches()) return false;
        refreshed.invalidate(id);
        return call(() -> {
            byte[][] keys = keys(id);
            // the creating client and the creation time, both written at creation and never changed
            List<KeyValue<byte[], byte[]>> kc = await(redis().hmget(keys[0], b("k"), b("c")));
            byte[] client = kc.get(0).getValueOrElse(null);
            boolean existed = kc.get(1).hasValue();
            Counted<Long> removed = answer(this.<Long>evalCounted(REMOVE, keys));
            await(redis().zrem(sessionsKey, b(id)));
            if (client != null) await(redis().zrem(clientKey(s(client), "live"), b(id)));
            // a REMOVE sent again after a reconnect finds nothing left when its first run removed it
            return (removed.answer() != null && removed.answer() == 1) || (removed.resent() && existed);
        });
    }

    @Override
    public long size() {
        return call(() -> {
            forgetExpired(sessionsKey, clock.millis());
            Long n = await(redis().zcard(sessionsKey));
            return n == null ? 0 : n;
        });
    }
}
