package io.pinlab.session;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.testcontainers.DockerClientFactory;

/**
 * The Redis store contract on the local redis-server (127.0.0.1:6379, started by .ci/run) where
 * there is no Docker; with Docker, {@link RedisSessionStoreContainerTest} runs it instead. Under
 * CI=true a missing Redis fails the build.
 */
class RedisSessionStoreLocalTest extends RedisSessionStoreContractTest {
    private static LettuceConnectionFactory factory;

    @BeforeAll
    static void connect() {
        Assumptions.assumeFalse(DockerClientFactory.instance().isDockerAvailable(), "Docker exists: the container test runs the contract");
        LocalRedis.require();
        factory = LocalRedis.factory(LocalRedis.HOST, LocalRedis.PORT);
    }

    @AfterAll
    static void close() {
        if (factory != null) factory.destroy();
    }

    @Override
    LettuceConnectionFactory factory() { return factory; }
}
