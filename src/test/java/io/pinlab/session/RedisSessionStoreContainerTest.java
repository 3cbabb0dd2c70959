package io.pinlab.session;

import com.redis.testcontainers.RedisContainer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.utility.DockerImageName;

/** The Redis store contract on a throwaway Redis 7 container, where Docker exists. */
@Testcontainers(disabledWithoutDocker = true)
class RedisSessionStoreContainerTest extends RedisSessionStoreContractTest {
    @Container
    static final RedisContainer REDIS = new RedisContainer(DockerImageName.parse("redis:7-alpine"));

    private static LettuceConnectionFactory factory;

    @BeforeAll
    static void connect() {
        factory = LocalRedis.factory(REDIS.getHost(), REDIS.getFirstMappedPort());
    }

    @AfterAll
    static void close() {
        if (factory != null) factory.destroy();
    }

    @Override
    LettuceConnectionFactory factory() { return factory; }
}
