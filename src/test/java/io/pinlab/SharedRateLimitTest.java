package io.pinlab;

import io.pinlab.session.LocalRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** With store=redis the rate-limit buckets live in Redis: a client's budget is one, whichever replica it reaches. */
class SharedRateLimitTest {
    private static final String PREFIX = LocalRedis.uniquePrefix();
    private static final List<ConfigurableApplicationContext> replicas = new ArrayList<>();

    @BeforeAll
    static void start() {
        LocalRedis.require();
        for (int i = 0; i < 2; i++)
            replicas.add(new SpringApplicationBuilder(PinlabApplication.class).run("--server.port=0", "--pinlab.sessions.store=redis",
                    "--spring.data.redis.host=" + LocalRedis.HOST, "--spring.data.redis.port=" + LocalRedis.PORT,
                    "--pinlab.sessions.redis-key-prefix=" + PREFIX, "--pinlab.rate-limit.per-ip=6",
                    "--logging.level.root=WARN", "--spring.main.banner-mode=off"));
    }

    @AfterAll
    static void stop() {
        replicas.forEach(ConfigurableApplicationContext::close);
        LettuceConnectionFactory f = LocalRedis.factory(LocalRedis.HOST, LocalRedis.PORT);
        LocalRedis.deleteKeys(f, PREFIX);
        f.destroy();
    }

    @Test
    void sixRequestsPerClientAcrossBothReplicasThenTooManyRequests() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            int port = ((WebServerApplicationContext) replicas.get(i % 2)).getWebServer().getPort();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/profiles")).build(),
                    HttpResponse.BodyHandlers.ofString());
            statuses.add(r.statusCode());
            if (r.statusCode() == 429) assertThat(r.headers().firstValue("Retry-After")).isPresent();
        }
        // each replica alone would have allowed 6: together they allow 6
        assertThat(statuses).containsExactly(200, 200, 200, 200, 200, 200, 429, 429);
    }
}
