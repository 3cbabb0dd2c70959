package io.pinlab.api;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code pinlab.sessions.limits.max-steps}: the log of a session is bounded, for calls and for imports. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "pinlab.sessions.limits.max-steps=3")
class StepLimitApiTest extends HttpTestSupport {
    private static final String STEP = "{\"op\":\"process\",\"args\":{}}";

    @Test
    void aFullLogRefusesTheNextCallWith409() {
        Session s = newSession(null);
        for (int i = 0; i < 3; i++)
            assertThat(post("/api/v1/sessions/" + s.id() + "/processes", s.token(), "{}").status()).isEqualTo(201);
        Res fourth = post("/api/v1/sessions/" + s.id() + "/processes", s.token(), "{}");
        fourth.problem(409, "conflict");
        assertThat(fourth.json().path("detail").asString()).contains("max-steps");
        assertThat(get("/api/v1/sessions/" + s.id() + "/processes", s.token()).json().size()).as("not created").isEqualTo(4);
        assertThat(get("/api/v1/sessions/" + s.id() + "/history", s.token()).json().path("steps").size()).isEqualTo(3);
        assertThat(get("/api/v1/sessions/" + s.id() + "/processes/1/maps", s.token()).status()).as("reads still work").isEqualTo(200);
    }

    @Test
    void anImportOfTooManyStepsIs400() {
        Res ok = post("/api/v1/sessions", null, "{\"steps\":[" + STEP + "," + STEP + "," + STEP + "]}");
        assertThat(ok.status()).as(ok.body()).isEqualTo(201);
        Res tooMany = post("/api/v1/sessions", null, "{\"steps\":[" + STEP + "," + STEP + "," + STEP + "," + STEP + "]}");
        tooMany.problem(400, "validation-failed");
        assertThat(tooMany.fieldError("steps")).contains("at most 3");
    }
}
