package io.pinlab;

import io.pinlab.platform.RateLimitBuckets;
import io.pinlab.session.CuttableProxy;
import io.pinlab.session.LocalRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With store=redis, a Redis that stops answering is a 503 store-unavailable problem with
 * Retry-After on every endpoint that needs it (sessions, their calls and reads; with rate limits
 * on, whose buckets are in Redis too, every API request), never a 500; once Redis is back, the
 * session is there as it was, without the refused call. A replica also starts while Redis is
 * down: live, not ready, 503 until Redis answers. The Redis is the local one behind a proxy that
 * the test cuts.
 */
class StoreUnavailableTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String PREFIX = LocalRedis.uniquePrefix();
    private static CuttableProxy proxy;
    private ConfigurableApplicationContext app;
    private String base;

    @BeforeAll
    static void proxy() throws Exception {
        LocalRedis.require();
        proxy = new CuttableProxy(LocalRedis.HOST, LocalRedis.PORT);
    }

    void start(boolean rateLimits) {
        app = new SpringApplicationBuilder(PinlabApplication.class).run("--server.port=0", "--pinlab.sessions.store=redis",
                "--spring.data.redis.host=127.0.0.1", "--spring.data.redis.port=" + proxy.port(),
                "--spring.data.redis.timeout=2s", "--pinlab.sessions.redis-key-prefix=" + PREFIX,
                "--pinlab.rate-limit.enabled=" + rateLimits, "--logging.level.root=WARN", "--spring.main.banner-mode=off");
        base = "http://127.0.0.1:" + ((WebServerApplicationContext) app).getWebServer().getPort() + "/api/v1";
    }

    @AfterEach
    void stopApp() throws Exception {
        if (app != null) app.close();
        proxy.resume();
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) proxy.close();
        LettuceConnectionFactory f = LocalRedis.factory(LocalRedis.HOST, LocalRedis.PORT);
        LocalRedis.deleteKeys(f, PREFIX);
        f.destroy();
    }

    record Res(int status, String retryAfter, JsonNode json) {}

    Res call(String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) b.header("Content-Type", "application/json");
        if (token != null) b.header("Authorization", "Bearer " + token);
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Res(r.statusCode(), r.headers().firstValue("Retry-After").orElse(null),
                r.body().isEmpty() ? null : JSON.readTree(r.body()));
    }

    void assertUnavailable(String[][] requests) throws Exception {
        for (String[] r : requests) {
            Res res = call(r[0], r[1], r[2], r[3]);
            assertThat(res.status()).as("%s %s: %s", r[0], r[1], res.json()).isEqualTo(503);
            assertThat(res.json().path("type").asString()).endsWith("/problems/store-unavailable");
            assertThat(res.retryAfter()).as("Retry-After of %s %s", r[0], r[1]).isEqualTo("5");
        }
    }

    @Test
    void redisDownIs503WithRetryAfterThenTheSessionIsBackAsItWas() throws Exception {
        start(false);
        Res created = call("POST", "/sessions", null, "{\"profile\":\"v6.18\"}");
        assertThat(created.status()).isEqualTo(201);
        String sid = created.json().path("id").asString(), token = created.json().path("token").asString();
        String p1 = "/sessions/" + sid + "/processes/1";
        String mmap = "{\"length\":16384,\"prot\":[\"PROT_READ\",\"PROT_WRITE\"],\"flags\":[\"MAP_PRIVATE\",\"MAP_ANONYMOUS\"]}";
        assertThat(call("POST", p1 + "/mmap", token, mmap).status()).isEqualTo(200);
        JsonNode maps = call("GET", p1 + "/maps", token, null).json();

        proxy.cut();
        String[][] requests = {
                {"POST", "/sessions", null, "{\"profile\":\"v6.18\"}"},
                {"POST", p1 + "/mmap", token, mmap},
                {"GET", p1 + "/maps", token, null},
                {"GET", "/sessions/" + sid, token, null},
                {"GET", "/sessions/" + sid + "/history", token, null},
                {"GET", "/sessions/AAAAAAAAAAAAAAAAAAAAAA/processes/1/maps", token, null},
                {"DELETE", "/sessions/" + sid, token, null},
        };
        assertUnavailable(requests);
        assertThat(call("GET", "/profiles", null, null).status()).as("an endpoint without the store still answers").isEqualTo(200);

        proxy.resume();
        Instant deadline = Instant.now().plusSeconds(60); // Lettuce reconnects with a growing back-off
        Res back;
        do {
            Thread.sleep(200);
            back = call("GET", p1 + "/maps", token, null);
        } while (back.status() == 503 && Instant.now().isBefore(deadline));
        assertThat(back.status()).as("%s", back.json()).isEqualTo(200);
        assertThat(back.json()).as("nothing was lost, nothing was added by the refused calls").isEqualTo(maps);
        assertThat(call("GET", "/sessions/" + sid + "/history", token, null).json().path("steps").size()).isEqualTo(1);
    }

    /** GET of an actuator path: status and body. */
    Res actuator(String path) throws Exception {
        String url = base.replace("/api/v1", "/actuator") + path;
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        return new Res(r.statusCode(), null, JSON.readTree(r.body()));
    }

    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void startsWhileRedisIsDownNotReadyAnd503ThenServesOnceItIsBack(CapturedOutput output) throws Exception {
        proxy.cut(); // nothing listens on the port: every connection is refused
        start(true); // rate limits on: their buckets are in Redis too
        assertThat(actuator("/health/liveness").status()).as("live: nothing to restart").isEqualTo(200);
        Res ready = actuator("/health/readiness");
        assertThat(ready.status()).as("not ready while Redis is down: %s", ready.json()).isEqualTo(503);
        assertThat(ready.json().path("status").asString()).isEqualTo("DOWN");
        assertUnavailable(new String[][] {
                {"POST", "/sessions", null, "{\"profile\":\"v6.18\"}"},
                {"GET", "/sessions/AAAAAAAAAAAAAAAAAAAAAA/processes/1/maps", "x", null},
                {"GET", "/profiles", null, null},
        });
        for (int i = 0; i < 5; i++) assertThat(call("POST", "/sessions", null, "{}").status()).isEqualTo(503);
        assertThat(output.getAll().split("Redis does not answer", -1)).as("one warning, not one per request").hasSize(2);

        proxy.resume();
        Instant deadline = Instant.now().plusSeconds(60);
        Res created;
        do {
            Thread.sleep(200);
            created = call("POST", "/sessions", null, "{\"profile\":\"v6.18\"}");
        } while (created.status() == 503 && Instant.now().isBefore(deadline));
        assertThat(created.status()).as("%s", created.json()).isEqualTo(201);
        String sid = created.json().path("id").asString(), token = created.json().path("token").asString();
        String mmap = "{\"length\":16384,\"prot\":[\"PROT_READ\",\"PROT_WRITE\"],\"flags\":[\"MAP_PRIVATE\",\"MAP_ANONYMOUS\"]}";
        assertThat(call("POST", "/sessions/" + sid + "/processes/1/mmap", token, mmap).status()).isEqualTo(200);
        assertThat(actuator("/health/readiness").json().path("status").asString()).isEqualTo("UP");
    }

    @Test
    void withRateLimitsInRedisEveryApiRequestIs503() throws Exception {
        start(true);
        assertThat(call("GET", "/profiles", null, null).status()).isEqualTo(200);
        proxy.cut();
        // a replica takes tokens from its copy of a bucket for at most 500 ms (RateLimitBuckets.SYNC_AFTER)
        Thread.sleep(RateLimitBuckets.SYNC_AFTER.toMillis() + 100);
        assertUnavailable(new String[][] {
                {"GET", "/profiles", null, null},
                {"POST", "/sessions", null, "{\"profile\":\"v6.18\"}"},
                {"GET", "/sessions/AAAAAAAAAAAAAAAAAAAAAA/processes/1/maps", "x", null},
        });
    }
}
