package io.pinlab.platform;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.github.bucket4j.distributed.proxy.optimization.DelayParameters;
import io.github.bucket4j.distributed.proxy.optimization.Optimizations;
import io.github.bucket4j.redis.lettuce.RedisApi;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Where the rate-limit token buckets live: in this JVM ({@link #local}), or in Redis when the
 * sessions do ({@link #redis}), so that a client's limits hold across every replica.
 */
public interface RateLimitBuckets {

    /** The bucket of {@code key}, created full with {@code capacity} tokens refilled every period. */
    Bucket bucket(String key, long capacity);

    /** Buckets in a Caffeine cache of at most {@code maxTracked}, each dropped two periods after its last use. */
    static RateLimitBuckets local(RateLimitProperties props) {
        Cache<String, Bucket> buckets = buckets(props);
        return (key, capacity) -> buckets.get(key, k -> Bucket.builder().addLimit(limit(capacity, props.period())).build());
    }

    /** At most {@code maxTracked} buckets, each dropped two periods after its last use. */
    private static Cache<String, Bucket> buckets(RateLimitProperties props) {
        return Caffeine.newBuilder()
                .maximumSize(props.maxTracked())
                .expireAfterAccess(props.period().multipliedBy(2))
                .build();
    }

    /**
     * Buckets in Redis through bucket4j's Lettuce compare-and-swap proxy, keyed
     * {@code PREFIX rate: key}; a bucket's key expires once it would have refilled completely.
     * The connection is opened on first use (the service starts while Redis is down; until it
     * answers, a bucket throws and the request is a 503).
     *
     * <p>Each replica keeps its buckets' proxies (a Caffeine cache like {@link #local}) and takes
     * tokens from its copy of a bucket's state, writing back to Redis once it has taken 1% of the
     * capacity or after {@link #SYNC_AFTER} (bucket4j's delaying optimisation): most requests
     * cost no round trip, and across {@code n} replicas a bucket lets through at most
     * {@code n} % of its capacity more than its limit. A bucket of fewer than 100 tokens is exact:
     * every request is a compare-and-swap in Redis.
     */
    static RateLimitBuckets redis(RedisConnectionFactory factory, String keyPrefix, RateLimitProperties props) {
        if (!(factory instanceof LettuceConnectionFactory lettuce))
            throw new IllegalStateException("shared rate limits need a standalone Lettuce connection (spring.data.redis.host/port)");
        ProxyManager<byte[]> proxies = new Bucket4jLettuce.LettuceBasedProxyManagerBuilder<>(new LazyRedisApi<byte[]>(lettuce))
                .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(props.period()))
                .build();
        Cache<String, Bucket> buckets = buckets(props);
        return (key, capacity) -> buckets.get(key, k -> {
            var b = proxies.builder();
            if (capacity >= 100) b = b.withOptimization(Optimizations.delaying(new DelayParameters(capacity / 100, SYNC_AFTER)));
            BucketConfiguration config = BucketConfiguration.builder().addLimit(limit(capacity, props.period())).build();
            return b.build((keyPrefix + "rate:" + k).getBytes(StandardCharsets.UTF_8), () -> config);
        });
    }

    /** The longest a replica takes tokens from its copy of a Redis bucket before writing back. */
    Duration SYNC_AFTER = Duration.ofMillis(500);

    /**
     * bucket4j's three Redis commands on a byte-array Lettuce connection to the factory's Redis,
     * connected on first use. Generic in the key type as bucket4j calls it: the keys it passes are
     * an {@code Object[]} of {@code byte[]}.
     */
    final class LazyRedisApi<K> implements RedisApi<K> {
        private final LettuceConnectionFactory factory;
        private volatile RedisAsyncCommands<K, byte[]> commands;

        LazyRedisApi(LettuceConnectionFactory factory) {
            this.factory = factory;
        }

        /** @throws io.lettuce.core.RedisConnectionException Redis does not answer (tried again on the next call) */
        @SuppressWarnings({"unchecked", "rawtypes"})
        private RedisAsyncCommands<K, byte[]> commands() {
            RedisAsyncCommands<K, byte[]> c = commands;
            if (c != null) return c;
            synchronized (this) {
                if (commands == null) {
                    if (!(factory.getNativeClient() instanceof RedisClient client))
                        throw new IllegalStateException("shared rate limits need a standalone Redis (spring.data.redis.host/port)");
                    commands = (RedisAsyncCommands) client.connect(ByteArrayCodec.INSTANCE).async();
                }
                return commands;
            }
        }

        @Override
        public <V> RedisFuture<V> eval(String script, ScriptOutputType type, K[] keys, byte[][] args) {
            return commands().eval(script, type, keys, args);
        }

        @Override
        public RedisFuture<byte[]> get(K key) {
            return commands().get(key);
        }

        @Override
        public RedisFuture<?> delete(K key) {
            return commands().del(key);
        }
    }

    private static Bandwidth limit(long capacity, Duration period) {
        return Bandwidth.builder().capacity(capacity).refillGreedy(capacity, period).build();
    }
}
