package io.pinlab.session;

import com.redis.testcontainers.RedisContainer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.utility.DockerImageName;

/**
 * The Redis store contract on a real Redis: a throwaway Redis 7 container where Docker exists,
 * else the local redis-server (127.0.0.1:6379, started by .ci/run). One class for both, so the
 * contract always runs; under CI=true a run with neither fails ({@link LocalRedis#require}).
 */
class RedisSessionStoreTest extends RedisSessionStoreContractTest {
    private static RedisContainer container;
    private static LettuceConnectionFactory factory;

    @BeforeAll
    static void connect() {
        if (DockerClientFactory.instance().isDockerAvailable()) {
            container = new RedisContainer(DockerImageName.parse("redis:7-alpine"));
            container.start();
            factory = LocalRedis.factory(container.getHost(), container.getFirstMappedPort());
        } else {
            LocalRedis.require();
            factory = LocalRedis.factory(LocalRedis.HOST, LocalRedis.PORT);
        }
    }

    @AfterAll
    static void close() {
        if (factory != null) factory.destroy();
        if (container != null) container.stop();
    }

    @Override
    LettuceConnectionFactory factory() { return factory; }
}
