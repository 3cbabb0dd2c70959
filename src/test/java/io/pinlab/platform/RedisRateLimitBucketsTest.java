package io.pinlab.platform;

import io.github.bucket4j.Bucket;
import io.pinlab.session.LocalRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Rate-limit buckets in Redis as two replicas see them (two {@link RateLimitBuckets#redis} on one
 * Redis, one key prefix): one budget for both. A small bucket is exact; a bucket of 100 tokens or
 * more is taken from each replica's copy and written back every 1% of its capacity, so together
 * the replicas let through at most 1% of the capacity each beyond it.
 */
class RedisRateLimitBucketsTest {
    private static final String PREFIX = LocalRedis.uniquePrefix();
    private static LettuceConnectionFactory factory;

    @BeforeAll
    static void connect() {
        LocalRedis.require();
        factory = LocalRedis.factory(LocalRedis.HOST, LocalRedis.PORT);
    }

    @AfterAll
    static void close() {
        if (factory == null) return;
        LocalRedis.deleteKeys(factory, PREFIX);
        factory.destroy();
    }

    /** Requests taken by the two replicas' buckets of {@code key}, alternating, out of {@code requests}. */
    private static int consumed(String key, long capacity, int requests) {
        RateLimitProperties props = new RateLimitProperties(true, capacity, capacity, Duration.ofHours(1), 1000, capacity);
        List<RateLimitBuckets> replicas = List.of(RateLimitBuckets.redis(factory, PREFIX, props), RateLimitBuckets.redis(factory, PREFIX, props));
        int taken = 0;
        for (int i = 0; i < requests; i++) {
            Bucket b = replicas.get(i % 2).bucket(key, capacity);
            if (b.tryConsume(1)) taken++;
        }
        return taken;
    }

    @Test
    void aSmallBucketIsExactAcrossReplicas() {
        // refill is 10 tokens an hour: none during the test
        assertThat(consumed("ip:10.0.0.1", 10, 20)).isEqualTo(10);
    }

    @Test
    void aLargeBucketIsSharedWithinOnePercentPerReplica() {
        // 1,000 tokens an hour (none refilled during the test); each replica syncs every 10 tokens
        int taken = consumed("ip:10.0.0.2", 1000, 1500);
        assertThat(taken).isBetween(1000 - 2 * 10, 1000 + 2 * 10);
    }
}
