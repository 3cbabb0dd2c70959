package io.pinlab.platform;

import io.pinlab.api.HttpTestSupport;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

@TestPropertySource(properties = {"pinlab.rate-limit.per-ip=1000", "pinlab.rate-limit.per-session=5",
        "pinlab.rate-limit.period=1h", "pinlab.sessions.max-sessions=3"})
class RateLimitTest extends HttpTestSupport {

    @Test
    void perSessionLimitGives429WithRetryAfterAndSparesOtherSessions() {
        Session a = newSession(null);
        Session b = newSession(null);
        for (int i = 0; i < 5; i++)
            assertThat(get("/api/v1/sessions/" + a.id(), a.token()).status()).isEqualTo(200);
        Res limited = get("/api/v1/sessions/" + a.id(), a.token());
        limited.problem(429, "rate-limited");
        assertThat(Long.parseLong(limited.header("Retry-After"))).isBetween(1L, 3600L);
        assertThat(limited.header("X-Request-Id")).isNotBlank();
        assertThat(get("/api/v1/sessions/" + b.id(), b.token()).status()).isEqualTo(200);
        // sessions beyond pinlab.sessions.max-sessions are refused, nobody is evicted
        newSession(null);
        Res full = post("/api/v1/sessions", null, "{}");
        full.problem(503, "session-limit");
        assertThat(full.header("Retry-After")).isNotBlank();
        assertThat(get("/api/v1/sessions/" + b.id(), b.token()).status()).isEqualTo(200);
    }
}
