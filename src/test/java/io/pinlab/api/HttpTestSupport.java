package io.pinlab.api;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real HTTP against the app on a random port; plain java.net.http so nothing is hidden. Every
 * test runs from 127.0.0.1, so the per-client session caps are lifted here (SessionQuotaTest
 * checks them with the defaults).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "pinlab.sessions.per-client.max-live=100000", "pinlab.sessions.per-client.creations-per-minute=100000"})
public abstract class HttpTestSupport {
    protected static final JsonMapper JSON = JsonMapper.builder().build();
    protected static final HttpClient CLIENT = HttpClient.newHttpClient();

    @LocalServerPort
    protected int port;

    /** A response with its parsed JSON body (null when the body is not JSON). */
    public record Res(int status, HttpResponse<String> raw, JsonNode json) {
        public String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }

        public String body() {
            return raw.body();
        }

        /** Asserts an RFC 9457 problem with this status and type slug; returns it. */
        public JsonNode problem(int expectedStatus, String slug) {
            assertThat(status).as("status of %s", raw.body()).isEqualTo(expectedStatus);
            assertThat(header("Content-Type")).startsWith("application/problem+json");
            assertThat(json.path("type").asString()).isEqualTo("https://pinlab.dev/problems/" + slug);
            assertThat(json.path("status").asInt()).isEqualTo(expectedStatus);
            assertThat(json.path("title").asString()).isNotBlank();
            assertThat(json.path("instance").asString()).startsWith("/");
            assertThat(raw.body()).doesNotContain("Exception").doesNotContain("\tat ");
            return json;
        }

        /** The {@code errors[]} message for {@code field}, failing when absent. */
        public String fieldError(String field) {
            for (JsonNode e : json.path("errors"))
                if (e.path("field").asString().equals(field)) return e.path("message").asString();
            throw new AssertionError("no error for field " + field + " in " + raw.body());
        }
    }

    /** A session: id and token. */
    public record Session(String id, String token, JsonNode json) {
    }

    protected URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    protected Res send(HttpRequest.Builder b) {
        try {
            HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode json = null;
            String ct = r.headers().firstValue("Content-Type").orElse("");
            if (ct.contains("json") && !r.body().isEmpty()) json = JSON.readTree(r.body());
            return new Res(r.statusCode(), r, json);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    protected Res get(String path, String token) {
        return get(path, token, "application/json");
    }

    protected Res get(String path, String token, String accept) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).GET().header("Accept", accept);
        if (token != null) b.header("Authorization", "Bearer " + token);
        return send(b);
    }

    protected Res post(String path, String token, String body) {
        return send(method("POST", path, token, body, "application/json"));
    }

    protected Res put(String path, String token, String body) {
        return send(method("PUT", path, token, body, "application/json"));
    }

    protected Res delete(String path, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).DELETE();
        if (token != null) b.header("Authorization", "Bearer " + token);
        return send(b);
    }

    protected HttpRequest.Builder method(String method, String path, String token, String body, String contentType) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Accept", "application/json");
        if (contentType != null) b.header("Content-Type", contentType);
        if (token != null) b.header("Authorization", "Bearer " + token);
        return b;
    }

    protected Session newSession(String profile) {
        Res r = post("/api/v1/sessions", null, profile == null ? "{}" : "{\"profile\":\"" + profile + "\"}");
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return new Session(r.json().path("id").asString(), r.json().path("token").asString(), r.json());
    }

    protected static String json(Map<String, ?> m) {
        return JSON.writeValueAsString(m);
    }
}
