package io.pinlab.api;

import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

import java.net.http.HttpRequest;

import static org.assertj.core.api.Assertions.assertThat;

/** pinlab.cors.allowed-origins lets a course page on another origin call the API, and no other origin. */
@TestPropertySource(properties = "pinlab.cors.allowed-origins=https://course.example.edu")
class CorsTest extends HttpTestSupport {

    private Res preflight(String origin) {
        return send(HttpRequest.newBuilder(uri("/api/v1/sessions")).method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", origin).header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization,content-type"));
    }

    @Test
    void theCoursePageMayCallTheApi() {
        Res ok = preflight("https://course.example.edu");
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.header("Access-Control-Allow-Origin")).isEqualTo("https://course.example.edu");
        assertThat(ok.header("Access-Control-Allow-Headers")).containsIgnoringCase("authorization");
        assertThat(ok.header("Access-Control-Allow-Credentials")).isNull();
        Res created = send(method("POST", "/api/v1/sessions", null, "{}", "application/json").header("Origin", "https://course.example.edu"));
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.header("Access-Control-Allow-Origin")).isEqualTo("https://course.example.edu");
        assertThat(created.header("Access-Control-Expose-Headers")).contains("Location");
    }

    @Test
    void otherOriginsMayNot() {
        assertThat(preflight("https://evil.example").status()).isEqualTo(403);
        Res r = send(method("POST", "/api/v1/sessions", null, "{}", "application/json").header("Origin", "https://evil.example"));
        assertThat(r.status()).isEqualTo(403);
    }
}
