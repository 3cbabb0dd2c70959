package io.pinlab.api;

import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue 10: the public face of the service over real HTTP (items 4, 6, 7 and 10). */
class PublicEdgeTest extends HttpTestSupport {
    private static final String ANON_RW = "{\"length\":16384,\"prot\":[\"PROT_READ\",\"PROT_WRITE\"],"
            + "\"flags\":[\"MAP_PRIVATE\",\"MAP_ANONYMOUS\"]}";

    private static String p(Session s, String rest) {
        return "/api/v1/sessions/" + s.id() + rest;
    }

    // ---- item 4: /error ---------------------------------------------------------------------------

    @Test
    void errorPathAskedForDirectlyIsA404NeverA500() {
        for (String method : new String[]{"GET", "POST", "PUT", "DELETE", "PATCH"}) {
            Res r = send(method(method, "/error", null, "POST".equals(method) ? "{}" : null, "application/json"));
            r.problem(404, "not-found");
            assertThat(r.json().path("instance").asString()).isEqualTo("/error");
        }
    }

    // ---- item 6: headers and the malformed-JSON detail ----------------------------------------------

    @Test
    void theTokenAnswerIsNotStoredAndEveryAnswerIsNosniff() {
        Res created = post("/api/v1/sessions", null, "{}");
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.json().path("token").asString()).isNotBlank();
        assertThat(created.header("Cache-Control")).isEqualTo("no-store");
        Session s = newSession(null);
        for (Res r : new Res[]{created, get("/api/v1/profiles", null), get(p(s, ""), s.token()),
                get("/api/v1/nowhere", null), post(p(s, "/processes/1/mmap"), s.token(), "{"),
                get("/actuator/health", null), get("/v3/api-docs", null)})
            assertThat(r.header("X-Content-Type-Options")).as(r.raw().uri().toString()).isEqualTo("nosniff");
        // a problem answered by a filter before Spring MVC (401) carries them as well
        Res unauthorized = get(p(s, ""), null);
        assertThat(unauthorized.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(unauthorized.header("Cache-Control")).isEqualTo("no-store");
    }

    @Test
    void htmlPagesCannotBeFramedAndLoadOnlyFromThisOrigin() {
        Res page = get("/swagger-ui/index.html", null, "text/html");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.header("Content-Type")).startsWith("text/html");
        assertThat(page.header("X-Frame-Options")).isEqualTo("DENY");
        assertThat(page.header("X-Content-Type-Options")).isEqualTo("nosniff");
        String csp = page.header("Content-Security-Policy");
        assertThat(csp).contains("default-src 'self'").contains("frame-ancestors 'none'").contains("object-src 'none'");
        // Swagger UI's page loads its scripts from this origin (no inline script needs allowing)
        assertThat(page.body()).contains("src=\"./swagger-ui-bundle.js\"").doesNotContain("<script>");
        assertThat(csp).doesNotContain("script-src");
    }

    @Test
    void malformedJsonDetailGivesLineAndColumnOnly() {
        Session s = newSession(null);
        Res r = post(p(s, "/processes/1/mmap"), s.token(), "{\n  \"length\": 4096,\n  \"prot\": [\"PROT_READ\"");
        r.problem(400, "malformed-json");
        assertThat(r.json().path("detail").asString()).matches("malformed JSON at line \\d+, column \\d+");
        assertThat(r.body()).doesNotContain("Source").doesNotContain("REDACTED").doesNotContain("byte offset");
    }

    @Test
    void severalBrokenRulesAreListedByFieldTheSameWayEveryTime() {
        // Bean Validation hands its violations over as a set: the answer orders them (field, then message)
        Session s = newSession(null);
        java.util.Set<String> details = new java.util.HashSet<>();
        for (int i = 0; i < 16; i++) {
            Res r = post(p(s, "/processes/1/mmap"), s.token(), "{}");
            r.problem(400, "validation-failed");
            java.util.List<String> fields = new java.util.ArrayList<>();
            r.json().path("errors").forEach(e -> fields.add(e.path("field").asString()));
            assertThat(fields).hasSizeGreaterThan(1).isSorted();
            details.add(r.json().path("detail").asString());
        }
        assertThat(details).hasSize(1);
    }

    // ---- item 7: strict parsing ---------------------------------------------------------------------

    @Test
    void duplicateKeysAreRejectedNotLastWins() {
        Session s = newSession(null);
        String addr = post(p(s, "/processes/1/mmap"), s.token(), ANON_RW).json().path("addr").asString();
        Res r = post(p(s, "/processes/1/munmap"), s.token(), "{\"addr\":\"" + addr + "\",\"length\":-1,\"length\":4096}");
        r.problem(400, "validation-failed");
        assertThat(r.fieldError("length")).contains("duplicate");
        // nothing was unmapped
        assertThat(get(p(s, "/processes/1/maps"), s.token()).body()).contains("\"start\":\"" + addr + "\"");
    }

    @Test
    void pathIntegersAreCanonicalAsciiDecimal() {
        Session s = newSession(null);
        assertThat(get(p(s, "/processes/1"), s.token()).status()).isEqualTo(200);
        // Arabic-Indic one, fullwidth one, hex, a sign, a leading zero
        for (String pid : new String[]{"%D9%A1", "%EF%BC%91", "0x1", "%2B1", "01", "0x2"}) {
            Res r = get(p(s, "/processes/" + pid), s.token());
            r.problem(400, "validation-failed");
            assertThat(r.fieldError("pid")).as(pid).contains("decimal");
        }
        Res after = get(p(s, "/events?after=01"), s.token());
        after.problem(400, "validation-failed");
        assertThat(after.fieldError("after")).contains("decimal");
    }

    @Test
    void bodylessEndpointsAreStrictJsonToo() {
        Session s = newSession(null);
        Res junk = post(p(s, "/processes/1/fork"), s.token(), "{\"x\":1}");
        junk.problem(400, "validation-failed");
        assertThat(junk.fieldError("x")).contains("unknown property 'x'");
        post(p(s, "/processes/1/fork"), s.token(), "[1]").problem(400, "validation-failed");
        post(p(s, "/processes/1/fork"), s.token(), "{").problem(400, "malformed-json");
        // an empty body, or an empty object, is still a fork
        assertThat(send(HttpRequest.newBuilder(uri(p(s, "/processes/1/fork"))).POST(HttpRequest.BodyPublishers.noBody())
                .header("Authorization", "Bearer " + s.token())).status()).isEqualTo(201);
        assertThat(post(p(s, "/processes/1/fork"), s.token(), "{}").status()).isEqualTo(201);
        // the failed attempts forked nothing: pid 1 and the two children
        assertThat(get(p(s, "/processes"), s.token()).json().size()).isEqualTo(3);
        Res exitJunk = send(method("DELETE", p(s, "/processes/2"), s.token(), "{\"force\":true}", "application/json"));
        exitJunk.problem(400, "validation-failed");
        assertThat(get(p(s, "/processes/2"), s.token()).status()).isEqualTo(200);
    }

    // ---- item 10: operations ------------------------------------------------------------------------

    @Test
    void healthIsPublicAndPrometheusDoesNotTellTheJvmBuild() {
        Res health = get("/actuator/health", null);
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.json().path("status").asString()).isEqualTo("UP");
        Res prom = get("/actuator/prometheus", null, "text/plain");
        assertThat(prom.status()).isEqualTo(200);
        assertThat(prom.body()).contains("jvm_memory_used_bytes").doesNotContain("jvm_info")
                .doesNotContain(System.getProperty("java.vm.version"));
    }

    /**
     * io.pinlab.platform.TomcatSessionMetrics binds Tomcat's session metrics in place of Spring
     * Boot's TomcatMetricsBinder: the same six tomcat.sessions.* meters of the running server.
     */
    @Test
    void prometheusHasTomcatSessionMetrics() {
        Res prom = get("/actuator/prometheus", null, "text/plain");
        assertThat(prom.status()).isEqualTo(200);
        assertThat(prom.body()).contains("tomcat_sessions_active_current_sessions 0.0",
                "tomcat_sessions_active_max_sessions", "tomcat_sessions_alive_max_seconds",
                "tomcat_sessions_created_sessions_total", "tomcat_sessions_expired_sessions_total",
                "tomcat_sessions_rejected_sessions_total");
    }
}
