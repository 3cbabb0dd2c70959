package io.pinlab.api;

import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue 10, item 8: event streams answer at once and are capped per session and per client. */
@TestPropertySource(properties = {"pinlab.http.max-streams-per-session=2", "pinlab.http.max-streams-per-client=3"})
class EventStreamCapsTest extends HttpTestSupport {

    private CompletableFuture<HttpResponse<InputStream>> open(Session s) {
        HttpRequest req = HttpRequest.newBuilder(uri("/api/v1/sessions/" + s.id() + "/events/stream"))
                .header("Accept", "text/event-stream").header("Authorization", "Bearer " + s.token()).build();
        return CLIENT.sendAsync(req, HttpResponse.BodyHandlers.ofInputStream());
    }

    @Test
    void aQuietSessionsStreamSendsHeadersAndAFirstCommentAtOnce() throws Exception {
        Session s = newSession(null);
        // a quiet session sends nothing but the heartbeat (after 5 s): the headers and the first
        // line must be the "stream open" comment the stream starts with, not the heartbeat's
        HttpResponse<InputStream> r = open(s).get(30, TimeUnit.SECONDS);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            assertThat(in.readLine()).isEqualTo(":stream open");
        }
        delete("/api/v1/sessions/" + s.id(), s.token());
    }

    @Test
    void streamsBeyondTheSessionAndClientCapsAre429() throws Exception {
        Session a = newSession(null);
        Session b = newSession(null);
        Session c = newSession(null);
        List<HttpResponse<InputStream>> held = new ArrayList<>();
        held.add(open(a).get(3, TimeUnit.SECONDS));
        held.add(open(a).get(3, TimeUnit.SECONDS));
        held.forEach(r -> assertThat(r.statusCode()).isEqualTo(200));

        HttpResponse<InputStream> third = open(a).get(3, TimeUnit.SECONDS);
        assertThat(third.statusCode()).isEqualTo(429);
        assertThat(new String(third.body().readAllBytes(), StandardCharsets.UTF_8))
                .contains("rate-limited").contains("max-streams-per-session");

        held.add(open(b).get(3, TimeUnit.SECONDS));
        assertThat(held.get(2).statusCode()).isEqualTo(200);
        // a third session, but this client already holds 3 streams
        HttpResponse<InputStream> fourth = open(c).get(3, TimeUnit.SECONDS);
        assertThat(fourth.statusCode()).isEqualTo(429);
        assertThat(new String(fourth.body().readAllBytes(), StandardCharsets.UTF_8)).contains("max-streams-per-client");

        // ending a session ends its streams and frees their slots
        assertThat(delete("/api/v1/sessions/" + a.id(), a.token()).status()).isEqualTo(204);
        for (HttpResponse<InputStream> r : held.subList(0, 2)) r.body().readAllBytes();
        HttpResponse<InputStream> again = null;
        for (int i = 0; i < 20 && (again == null || again.statusCode() != 200); i++) {
            if (again != null) Thread.sleep(100);
            again = open(c).get(3, TimeUnit.SECONDS);
        }
        assertThat(again.statusCode()).isEqualTo(200);
        delete("/api/v1/sessions/" + b.id(), b.token());
        delete("/api/v1/sessions/" + c.id(), c.token());
    }
}
