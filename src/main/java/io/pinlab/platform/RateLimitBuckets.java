package io.pinlab.platform;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.RedisClient;
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
        Cache<String, Bucket> buckets = Caffeine.newBuilder()
                .maximumSize(props.maxTracked())
                .expireAfterAccess(props.period().multipliedBy(2))
                .build();
        return (key, capacity) -> buckets.get(key, k -> Bucket.builder().addLimit(limit(capacity, props.period())).build());
    }

    /**
     * Buckets in Redis through bucket4j's Lettuce compare-and-swap proxy, keyed
     * {@code PREFIX rate: key}; a bucket's key expires once it would have refilled completely.
     */
    static RateLimitBuckets redis(RedisConnectionFactory factory, String keyPrefix, RateLimitProperties props) {
        if (!(factory instanceof LettuceConnectionFactory lettuce) || !(lettuce.getNativeClient() instanceof RedisClient client))
            throw new IllegalStateException("shared rate limits need a standalone Lettuce connection (spring.data.redis.host/port)");
        ProxyManager<byte[]> proxies = Bucket4jLettuce.casBasedBuilder(client)
                .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(props.period()))
                .build();
        return (key, capacity) -> proxies.getProxy((keyPrefix + "rate:" + key).getBytes(StandardCharsets.UTF_8),
                () -> BucketConfiguration.builder().addLimit(limit(capacity, props.period())).build());
    }

    private static Bandwidth limit(long capacity, Duration period) {
        return Bandwidth.builder().capacity(capacity).refillGreedy(capacity, period).build();
    }
}
