package io.pinlab.api;

import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class SessionApiTest extends HttpTestSupport {

    @Test
    void createReturns201LocationTokenAndDefaults() {
        Res r = post("/api/v1/sessions", null, "{\"label\":\"lab3\"}");
        assertThat(r.status()).isEqualTo(201);
        String id = r.json().path("id").asString();
        assertThat(id).matches("[A-Za-z0-9_-]{24}");
        assertThat(r.header("Location")).endsWith("/api/v1/sessions/" + id);
        assertThat(r.json().path("token").asString()).matches("[A-Za-z0-9_-]{43}");
        assertThat(r.json().path("profile").asString()).isEqualTo("v6.18");
        assertThat(r.json().path("label").asString()).isEqualTo("lab3");
        assertThat(r.json().path("initPid").asInt()).isEqualTo(1);
        assertThat(r.json().path("limits").path("maxProcesses").asInt()).isEqualTo(64);
        assertThat(r.json().path("createdAt").asString()).isNotBlank();
        assertThat(r.json().path("expiresAt").asString()).isGreaterThan(r.json().path("createdAt").asString());
        assertThat(r.header("X-Request-Id")).isNotBlank();
    }

    @Test
    void createWithoutBodyUsesDefaultProfile() {
        Res r = send(HttpRequest.newBuilder(uri("/api/v1/sessions")).POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        assertThat(r.json().path("profile").asString()).isEqualTo("v6.18");
    }

    @Test
    void createWithEachProfile() {
        for (String p : new String[]{"v6.3", "seed", "v6.4", "v6.5", "v6.18"}) {
            assertThat(newSession(p).json().path("profile").asString()).isEqualTo(p);
        }
    }

    @Test
    void unknownProfileIs400ListingValidNames() {
        Res r = post("/api/v1/sessions", null, "{\"profile\":\"v6.6\"}");
        r.problem(400, "validation-failed");
        assertThat(r.fieldError("profile")).contains("v6.6").contains("v6.3, seed, v6.4, v6.5, v6.18");
    }

    @Test
    void idsAndTokensAreUnique() {
        Set<String> ids = new HashSet<>(), tokens = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            Session s = newSession(null);
            ids.add(s.id());
            tokens.add(s.token());
        }
        assertThat(ids).hasSize(20);
        assertThat(tokens).hasSize(20);
    }

    @Test
    void getShowsSessionWithoutToken() {
        Session s = newSession("v6.5");
        Res r = get("/api/v1/sessions/" + s.id(), s.token());
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("id").asString()).isEqualTo(s.id());
        assertThat(r.json().path("profile").asString()).isEqualTo("v6.5");
        assertThat(r.json().has("token")).isFalse();
        assertThat(r.json().path("counts").path("processes").asInt()).isEqualTo(1);
        assertThat(r.json().path("counts").path("vmas").asInt()).as("pid 1 has its [stack]").isEqualTo(1);
        assertThat(r.json().path("counts").path("openFds").asInt()).isZero();
        assertThat(r.body()).doesNotContain(s.token());
    }

    @Test
    void missingTokenIs401WithChallenge() {
        Session s = newSession(null);
        Res r = get("/api/v1/sessions/" + s.id(), null);
        r.problem(401, "unauthorized");
        assertThat(r.header("WWW-Authenticate")).startsWith("Bearer");
    }

    @Test
    void malformedAuthorizationIs401() {
        Session s = newSession(null);
        Res basic = send(HttpRequest.newBuilder(uri("/api/v1/sessions/" + s.id()))
                .header("Authorization", "Basic dXNlcjpwYXNz"));
        basic.problem(401, "unauthorized");
        Res junk = send(HttpRequest.newBuilder(uri("/api/v1/sessions/" + s.id()))
                .header("Authorization", "Bearer a b\"c"));
        junk.problem(401, "unauthorized");
    }

    @Test
    void wrongTokenAndUnknownSessionAreTheSame404() {
        Session a = newSession(null);
        Session b = newSession(null);
        Res wrong = get("/api/v1/sessions/" + a.id(), b.token());
        Res unknown = get("/api/v1/sessions/AAAAAAAAAAAAAAAAAAAAAAAA", a.token());
        wrong.problem(404, "not-found");
        unknown.problem(404, "not-found");
        assertThat(wrong.json().path("detail").asString()).isEqualTo(unknown.json().path("detail").asString());
        assertThat(wrong.json().path("title").asString()).isEqualTo(unknown.json().path("title").asString());
    }

    @Test
    void deleteIs204ThenGone() {
        Session s = newSession(null);
        assertThat(delete("/api/v1/sessions/" + s.id(), null).status()).isEqualTo(401);
        assertThat(delete("/api/v1/sessions/" + s.id(), s.token()).status()).isEqualTo(204);
        get("/api/v1/sessions/" + s.id(), s.token()).problem(404, "not-found");
        delete("/api/v1/sessions/" + s.id(), s.token()).problem(404, "not-found");
    }

    @Test
    void labelRulesAreNamed() {
        Res r = post("/api/v1/sessions", null, "{\"label\":\"" + "x".repeat(65) + "\"}");
        r.problem(400, "validation-failed");
        assertThat(r.fieldError("label")).contains("size");
        Res ctl = post("/api/v1/sessions", null, "{\"label\":\"a\\u0007b\"}");
        assertThat(ctl.problem(400, "validation-failed").toString()).contains("label");
        Res utf = post("/api/v1/sessions", null, "{\"label\":\"Übung 3 – Pins\"}");
        assertThat(utf.status()).isEqualTo(201);
        assertThat(utf.json().path("label").asString()).isEqualTo("Übung 3 – Pins");
    }

    @Test
    void unknownPropertyIs400NamingIt() {
        Res r = post("/api/v1/sessions", null, "{\"profil\":\"v6.5\"}");
        r.problem(400, "validation-failed");
        assertThat(r.fieldError("profil")).contains("unknown property").contains("profile");
    }

    @Test
    void wrongJsonTypeNamesTheField() {
        Res r = post("/api/v1/sessions", null, "{\"movableZone\":\"maybe\"}");
        r.problem(400, "validation-failed");
        assertThat(r.fieldError("movableZone")).contains("true or false");
    }

    @Test
    void badJsonIs400SayingWhere() {
        Res r = post("/api/v1/sessions", null, "{\"profile\": \"v6.5\",\n  oops}");
        r.problem(400, "malformed-json");
        assertThat(r.json().path("detail").asString()).contains("line 2");
    }

    @Test
    void wrongContentTypeIs415() {
        Res r = send(method("POST", "/api/v1/sessions", null, "profile=v6.5", "application/x-www-form-urlencoded"));
        r.problem(415, "unsupported-media-type");
    }

    @Test
    void tooLargeBodyIs413() {
        String big = "{\"label\":\"" + "x".repeat(1_100_000) + "\"}";
        Res r = post("/api/v1/sessions", null, big);
        r.problem(413, "payload-too-large");
    }

    @Test
    void tooLargeChunkedBodyIs413() {
        String big = "{\"label\":\"" + "x".repeat(1_100_000) + "\"}";
        byte[] bytes = big.getBytes();
        // A publisher without a known length makes java.net.http send Transfer-Encoding: chunked.
        HttpRequest.Builder b = HttpRequest.newBuilder(uri("/api/v1/sessions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(bytes)));
        send(b).problem(413, "payload-too-large");
    }

    @Test
    void wrongMethodIs405AndUnknownPathIs404() {
        send(method("PATCH", "/api/v1/sessions", null, "{}", "application/json")).problem(405, "method-not-allowed");
        get("/api/v1/nope", null).problem(404, "not-found");
    }

    @Test
    void requestIdIsEchoedOrGenerated() {
        Res echoed = send(HttpRequest.newBuilder(uri("/api/v1/profiles")).header("X-Request-Id", "lab-42"));
        assertThat(echoed.header("X-Request-Id")).isEqualTo("lab-42");
        Res generated = send(HttpRequest.newBuilder(uri("/api/v1/profiles")).header("X-Request-Id", "bad;id<x>"));
        assertThat(generated.header("X-Request-Id")).isNotEqualTo("bad;id<x>").matches("[0-9a-f-]{36}");
        Res problem = send(HttpRequest.newBuilder(uri("/api/v1/profiles/nope/flags")).header("X-Request-Id", "lab-43"));
        assertThat(problem.problem(404, "not-found").path("requestId").asString()).isEqualTo("lab-43");
    }

    @Test
    void malformedUrlIsAProblemToo() throws Exception {
        // java.net.URI refuses "%zz", so speak raw HTTP.
        try (java.net.Socket sock = new java.net.Socket("127.0.0.1", port)) {
            sock.getOutputStream().write("GET /api/v1/sessions/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String raw = new String(sock.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(raw).startsWith("HTTP/1.1 400").contains("application/problem+json")
                    .contains("https://pinlab.dev/problems/bad-request").doesNotContain("<html");
        }
    }

    @Test
    void actuatorHealthAndPrometheus() {
        Res health = get("/actuator/health", null);
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.body()).contains("\"UP\"");
        assertThat(get("/api/v1/profiles", null).status()).isEqualTo(200);
        Session s = newSession(null);
        assertThat(get("/api/v1/sessions/" + s.id() + "/pins", s.token()).status()).isEqualTo(200);
        get("/api/v1/nowhere", null).problem(404, "not-found");
        Res prom = get("/actuator/prometheus", null, "text/plain");
        assertThat(prom.status()).isEqualTo(200);
        // http.server.requests keeps Spring Boot's tags; uri is the matched pattern, never the raw path
        assertThat(prom.body()).contains("http_server_requests_seconds_count{error=\"none\",exception=\"none\","
                        + "method=\"GET\",outcome=\"SUCCESS\",status=\"200\",uri=\"/api/v1/profiles\"}")
                .contains("uri=\"/api/v1/sessions/{sid}/pins\"")
                .doesNotContain(s.id()).doesNotContain("nowhere");
    }
}
