package io.pinlab.platform;

import io.pinlab.api.HttpTestSupport;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

@TestPropertySource(properties = {"pinlab.rate-limit.per-ip=1000", "pinlab.rate-limit.per-session=5",
        "pinlab.rate-limit.period=1h", "pinlab.sessions.max-sessions=4",
        "pinlab.sessions.limits.max-processes=3"})
/** Rate limits, the session maximum and the per-session process maximum, with small limits. */
class LimitsTest extends HttpTestSupport {

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
        Res full = null;
        for (int i = 0; i < 5 && full == null; i++) {
            Res r = post("/api/v1/sessions", null, "{}");
            if (r.status() != 201) full = r;
        }
        assertThat(full).as("a 503 within max-sessions + 1 creations").isNotNull();
        full.problem(503, "session-limit");
        assertThat(full.json().path("maxSessions").asInt()).isEqualTo(4);
        assertThat(full.header("Retry-After")).isNotBlank();
        assertThat(get("/api/v1/sessions/" + b.id(), b.token()).status()).isEqualTo(200);
    }

    @Test
    void processLimitIs409AndNothingIsCreated() {
        Session s = newSession(null);
        String base = "/api/v1/sessions/" + s.id() + "/processes";
        assertThat(post(base, s.token(), "{}").status()).isEqualTo(201);
        assertThat(post(base, s.token(), "{}").status()).isEqualTo(201);
        Res full = post(base, s.token(), "{}");
        full.problem(409, "conflict");
        assertThat(full.json().path("detail").asString()).contains("max-processes");
        assertThat(get(base, s.token()).json().size()).isEqualTo(3);
    }
}
