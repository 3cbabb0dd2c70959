package io.pinlab.platform;

import org.junit.jupiter.api.Test;
import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AheadOfTimeGuardTest {

    /** What application.yml sets: the configuration the image's ahead-of-time build saw. */
    private static MockEnvironment embeddedDefault() {
        return new MockEnvironment().withProperty("pinlab.sessions.store", "memory")
                .withProperty("management.health.redis.enabled", "false");
    }

    @Test
    void theEmbeddedDefaultStarts() {
        assertThatCode(() -> AheadOfTimeGuard.check(embeddedDefault())).doesNotThrowAnyException();
    }

    @Test
    void theRedisStoreOfDockerComposeStopsTheStartAndSaysHowToStart() {
        assertThatThrownBy(() -> AheadOfTimeGuard.check(embeddedDefault().withProperty("pinlab.sessions.store", "redis")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("pinlab.sessions.store=redis").hasMessageContaining("-Dspring.aot.enabled=false");
    }

    @Test
    void aManagementPortOrRedisHealthStopsTheStart() {
        assertThatThrownBy(() -> AheadOfTimeGuard.check(embeddedDefault().withProperty("management.server.port", "8081")))
                .hasMessageContaining("management.server.port=8081");
        assertThatThrownBy(() -> AheadOfTimeGuard.check(embeddedDefault().withProperty("management.health.redis.enabled", "true")))
                .hasMessageContaining("management.health.redis.enabled=true");
    }
}
