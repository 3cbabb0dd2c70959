package io.pinlab.platform;

import org.junit.jupiter.api.Test;
import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

class RedisAutoConfigurationFilterTest {
    private static final String[] CANDIDATES = {
            "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration",
            "org.springframework.boot.netty.autoconfigure.NettyAutoConfiguration",
            "org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration",
            null}; // an entry an earlier filter already removed

    private static boolean[] match(MockEnvironment environment) {
        RedisAutoConfigurationFilter filter = new RedisAutoConfigurationFilter();
        filter.setEnvironment(environment);
        return filter.match(CANDIDATES, null);
    }

    @Test
    void theInMemoryStoreSkipsRedisAndNettyOnly() {
        assertThat(match(new MockEnvironment())).containsExactly(false, false, true, true);
        assertThat(match(new MockEnvironment().withProperty("pinlab.sessions.store", "memory")))
                .containsExactly(false, false, true, true);
    }

    @Test
    void theRedisStoreKeepsThemAll() {
        assertThat(match(new MockEnvironment().withProperty("pinlab.sessions.store", "redis")))
                .containsExactly(true, true, true, true);
    }
}
