package io.pinlab;

import io.pinlab.kernel.Kernel;
import io.pinlab.kernel.mm.MemCg;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The reproducers of issue 8 against the real service in its own JVM with {@code -Xmx1g} and the
 * default budgets: the memfd map+read loop, a fork storm, MAP_LOCKED of 8 TiB, 10,000 pins of
 * the same pages, sessions filled to their budget until the service-wide budget refuses more,
 * and a session flood from one address. Throughout, /actuator/health answers UP (never hangs),
 * no answer is a 5xx, a bystander session keeps working, and the heap never runs short: the
 * service's GC log shows no full collection, no evacuation failure and no OutOfMemoryError.
 * Request rate limits are raised for this JVM only: they are not what is tested here, and 10,000
 * pins would take minutes under them.
 * <p>
 * No wall-clock bound on how fast health answers: that measures the machine as much as the
 * service. Health within 1 s failed at load average 13-15 on 2 cores (6.4 s, while the service's
 * young pauses took up to 0.8 s of wall time for tens of MiB); it passes on a quiet machine. What a 1 GiB
 * heap at its budgets would show is G1 running out of room, which its log says in words.
 */
class ServiceUnderHeapLimitTest {
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final long GIB = 1L << 30;
    /** Spring Boot's TomcatWebServer, once the connector is bound: "Tomcat started on port 43127 (http) ..." */
    static final Pattern TOMCAT_STARTED = Pattern.compile("Tomcat started on port (\\d+)");
    /**
     * What G1 (chosen explicitly: on a small machine the JVM would pick Serial, whose every old
     * collection is a "Pause Full") logs (-Xlog:gc) when the heap is short: a full collection
     * ("Pause Full (G1 Compaction Pause)"), a young pause that found no room to copy to
     * ("Evacuation Failure: Allocation"; "Evacuation Failure: Pinned" alone is a region held by
     * native code, not a short heap), and what the JVM says when even that was not enough.
     */
    static final Pattern HEAP_SHORT = Pattern.compile("Pause Full|Evacuation Failure: Allocation|OutOfMemoryError");
    /** A health answer slower than this is a service that stopped answering, not a slow machine. */
    static final Duration HEALTH_HANG = Duration.ofSeconds(30);

    static Process app;
    static String base;
    static Path log;
    static Thread prober;
    static final AtomicBoolean probing = new AtomicBoolean(true);
    static final AtomicLong slowestHealthMs = new AtomicLong();
    static final AtomicReference<String> healthFailure = new AtomicReference<>();
    static final List<String> serverErrors = new ArrayList<>();
    static boolean passed;

    record Res(int status, JsonNode json, String body) {
        JsonNode get(String f) { return json.path(f); }

        /** The field is absent or null. */
        boolean none(String f) { return json.path(f).isMissingNode() || json.path(f).isNull(); }

        Session session() { return new Session(json.path("id").asString(), json.path("token").asString()); }
    }

    record Session(String id, String token) {
        String at(String path) { return "/api/v1/sessions/" + id + path; }
    }

    @BeforeAll
    static void startTheServiceWithOneGigabyteOfHeap() throws Exception {
        log = Files.createTempFile("pinlab-xmx1g", ".log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        app = new ProcessBuilder(java, "-Xmx1g", "-XX:+UseG1GC", "-Xlog:gc:stdout", "-cp", System.getProperty("java.class.path"), PinlabApplication.class.getName(),
                // a port the kernel gives this service alone when it binds, read back from its log. A port
                // probed free here and handed over was taken by another build's copy of this test during
                // the minutes this service took to start under load: this one then failed to bind, the
                // health check answered from the other's service, and when the other test ended and
                // stopped its service the pin loop here had its connections reset
                "--server.port=0", "--pinlab.rate-limit.per-ip=1000000", "--pinlab.rate-limit.per-session=1000000",
                "--spring.main.banner-mode=off",
                // step 6 checks the live cap: the per-minute cap (30) would otherwise refuse first on a fast machine
                "--pinlab.sessions.per-client.creations-per-minute=1000",
                // Tomcat closes a keep-alive connection after 100 requests; under load the JDK client
                // then sometimes sends on the closing connection ("header parser received no bytes")
                "--server.tomcat.max-keep-alive-requests=-1",
                // and it closes one idle for its keep-alive timeout (20 s), while the JDK client keeps
                // idle connections longer (jdk.httpclient.keepalive.timeout): a call that held the service
                // for 20 s under load left the other pooled connections dead, and two sends in a row
                // failed. With 30 min here the client always gives a connection up first.
                "--server.tomcat.keep-alive-timeout=30m")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(240).toNanos(); // at load 20+ the start alone took over 90 s
        while (true) {
            if (base == null) {
                Matcher started = TOMCAT_STARTED.matcher(Files.readString(log));
                if (started.find()) base = "http://127.0.0.1:" + started.group(1);
            }
            try {
                if (base != null && HTTP.send(HttpRequest.newBuilder(URI.create(base + "/actuator/health")).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 200) break;
            } catch (IOException e) {
                // not up yet
            }
            if (!app.isAlive() || System.nanoTime() > deadline)
                throw new IllegalStateException("the service did not start: " + Files.readString(log));
            Thread.sleep(250);
        }
        prober = Thread.ofPlatform().daemon().start(ServiceUnderHeapLimitTest::probeHealth);
    }

    /**
     * /actuator/health every 200 ms; each must answer 200 before {@link #HEALTH_HANG}. The
     * slowest time seen is reported: it also counts this JVM's own scheduling, which on a loaded
     * CI machine can add to what the service took.
     */
    static void probeHealth() {
        HttpClient own = HttpClient.newHttpClient();
        while (probing.get()) {
            long t0 = System.nanoTime();
            try {
                int s = own.send(HttpRequest.newBuilder(URI.create(base + "/actuator/health")).timeout(HEALTH_HANG).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode();
                if (s != 200) healthFailure.compareAndSet(null, "health answered " + s);
            } catch (Exception e) {
                healthFailure.compareAndSet(null, "health did not answer within " + HEALTH_HANG.toSeconds() + " s: " + e);
            }
            slowestHealthMs.accumulateAndGet((System.nanoTime() - t0) / 1_000_000, Math::max);
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @AfterAll
    static void stop() throws Exception {
        probing.set(false);
        if (app != null) {
            app.destroy();
            if (!app.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) app.destroyForcibly();
        }
        if (log != null) {
            // the longest collector pauses of the run, for the figures
            Files.readAllLines(log).stream().filter(l -> l.contains("Pause")).sorted((x, y) -> Double.compare(pauseMs(y), pauseMs(x)))
                    .limit(3).forEach(l -> System.out.println("xmx1g gc: " + l));
            if (passed) Files.deleteIfExists(log);
            else {
                // what the service said while the test failed (errors, Tomcat, the collector): kept, and its tail printed
                List<String> lines = Files.readAllLines(log);
                System.out.println("xmx1g: the test failed; the service's log is kept at " + log + ", its last 200 lines:");
                lines.subList(Math.max(0, lines.size() - 200), lines.size()).forEach(l -> System.out.println("xmx1g log: " + l));
            }
        }
    }

    @Test
    void theReproducersEndInKernelErrorsOr4xxAndTheServiceStaysHealthy() throws Exception {
        Session bystander = create().session();
        String bystanderAddr = mmap(bystander, 1, 1L << 20, "[\"MAP_PRIVATE\",\"MAP_ANONYMOUS\"]", -1).get("addr").asString();

        // 1. memfd 4 GiB, mapped MAP_SHARED and read whole, again and again
        Session s1 = create().session();
        int fd = post(s1, s1.at("/processes/1/memfd_create"), "{\"name\":\"big\",\"size\":" + 4 * GIB + "}").get("ret").asInt();
        String signal = null;
        int reads = 0;
        for (int i = 0; i < 6 && signal == null; i++) {
            Res m = mmap(s1, 1, 4 * GIB, "[\"MAP_SHARED\"]", fd);
            if (m.status() == 404) break; // the process is gone
            Res r = post(s1, s1.at("/processes/1/access"), "{\"addr\":\"" + m.get("addr").asString() + "\",\"length\":" + 4 * GIB + ",\"access\":\"read\"}");
            if (!r.none("signal")) signal = r.get("signal").asString();
            else reads++;
        }
        assertThat(signal).as("the memcg OOM killer ends the loop").isEqualTo("SIGKILL");
        assertThat(get(s1, s1.at("/processes/1")).status()).isEqualTo(404);
        bystanderWorks(bystander, bystanderAddr);

        // 2. a fork storm on 1 GiB of written memory: each child copies 512 page-table pages
        Session s2 = create().session();
        Res big = mmap(s2, 1, GIB, "[\"MAP_PRIVATE\",\"MAP_ANONYMOUS\"]", -1);
        Res written = post(s2, s2.at("/processes/1/access"), "{\"addr\":\"" + big.get("addr").asString() + "\",\"length\":" + GIB + ",\"access\":\"write\",\"value\":1}");
        assertThat(written.none("signal")).as(written.body()).isTrue();
        String forkErrno = null;
        Res f = null;
        for (int i = 0; i < 64 && forkErrno == null; i++) {
            f = post(s2, s2.at("/processes/1/fork"), "{}");
            // a fork the kernel fails is a 409 fork-failed problem carrying errno (there is no child to
            // answer with); the session's process limit is a 409 without one
            if (f.status() == 409 && !f.none("errno")) forkErrno = f.get("errno").asString();
            if (f.status() == 409) break;
        }
        assertThat(forkErrno).as("last fork answer %s", f.body()).isEqualTo("ENOMEM");
        bystanderWorks(bystander, bystanderAddr);

        // 3. MAP_LOCKED of 8 TiB by a CAP_IPC_LOCK process
        Session s3 = create().session();
        int locker = post(s3, s3.at("/processes"), "{\"capIpcLock\":true}").get("pid").asInt();
        long t0 = System.nanoTime();
        Res locked = mmap(s3, locker, 8L << 40, "[\"MAP_PRIVATE\",\"MAP_ANONYMOUS\",\"MAP_LOCKED\"]", -1);
        long lockedMs = (System.nanoTime() - t0) / 1_000_000;
        // the bound is the per-call work budget, not a wall time (a 1 GiB heap under load pauses for
        // GC; a timed assertion failed at load 26 with 6.6 s): the answer must name the budget
        assertThat(locked.none("errno")).as(locked.body()).isTrue();
        assertThat(locked.body()).contains(Kernel.CALL_LIMIT);
        bystanderWorks(bystander, bystanderAddr);

        // 4. 10,000 pins of the same 4 MiB
        Session s4 = create().session();
        Res four = mmap(s4, 1, 4L << 20, "[\"MAP_PRIVATE\",\"MAP_ANONYMOUS\"]", -1);
        post(s4, s4.at("/processes/1/access"), "{\"addr\":\"" + four.get("addr").asString() + "\",\"length\":" + (4L << 20) + ",\"access\":\"write\",\"value\":1}");
        int pinned = 0, enomem = 0;
        for (int i = 0; i < 10_000; i++) {
            Res g = post(s4, s4.at("/processes/1/gup"), "{\"call\":\"pin_user_pages\",\"start\":\"" + four.get("addr").asString()
                    + "\",\"nrPages\":1024,\"gupFlags\":[\"FOLL_WRITE\"],\"pages\":true}");
            if (g.get("ret").asLong() == 1024) pinned++;
            else if ("ENOMEM".equals(g.get("errno").asString())) enomem++;
        }
        assertThat(pinned + enomem).isEqualTo(10_000);
        assertThat(enomem).isPositive();
        bystanderWorks(bystander, bystanderAddr);

        // 5. sessions filled to their budget, until the service-wide budget refuses a new one
        List<Session> full = new ArrayList<>();
        Res refused = null;
        for (int i = 0; i < 14 && refused == null; i++) {
            Res c = create();
            if (c.status() != 201) { refused = c; break; }
            Session s = c.session();
            full.add(s);
            Res m = mmap(s, 1, 4 * GIB, "[\"MAP_PRIVATE\",\"MAP_ANONYMOUS\"]", -1);
            post(s, s.at("/processes/1/access"), "{\"addr\":\"" + m.get("addr").asString() + "\",\"length\":" + 4 * GIB + ",\"access\":\"write\",\"value\":1}");
        }
        assertThat(refused).as("the global budget (half of 1 GiB) refuses a session before 14 full ones").isNotNull();
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.body()).contains("memory-budget").contains(MemCg.GLOBAL_LIMIT);
        bystanderWorks(bystander, bystanderAddr);
        for (Session s : full) assertThat(delete(s).status()).isEqualTo(204);
        for (Session s : List.of(s1, s2, s3, s4)) delete(s);

        // 6. a session flood from one address: 20 live at most
        List<Session> flood = new ArrayList<>();
        Res quota = null;
        for (int i = 0; i < 100; i++) {
            Res c = create();
            if (c.status() != 201) { quota = c; break; }
            flood.add(c.session());
        }
        assertThat(quota).isNotNull();
        assertThat(quota.status()).isEqualTo(429);
        assertThat(quota.body()).contains("session-quota");
        // the per-minute cap is lifted for this service, so the live cap is what refuses
        String limit = quota.get("limit").asString();
        assertThat(limit).isEqualTo("pinlab.sessions.per-client.max-live");
        assertThat(flood.size() + 1).as("with the bystander, the default cap of 20 live").isEqualTo(20);
        bystanderWorks(bystander, bystanderAddr);

        System.out.printf("xmx1g: %d full reads before SIGKILL, %d pins then ENOMEM, %d sessions at budget before 503, %d flood sessions"
                + " before 429 (%s), MAP_LOCKED 8 TiB %d ms, slowest health %d ms%n", reads, pinned, full.size(),
                flood.size(), limit, lockedMs, slowestHealthMs.get());
        assertThat(serverErrors).as("answers with a 5xx other than 503 memory-budget").isEmpty();
        assertThat(healthFailure.get()).as("every health request answered 200").isNull();
        assertThat(Files.readAllLines(log).stream().filter(l -> HEAP_SHORT.matcher(l).find()).toList())
                .as("the service's GC log: the heap never ran short").isEmpty();
        assertThat(app.isAlive()).isTrue();
        passed = true;
    }

    static void bystanderWorks(Session s, String addr) throws Exception {
        Res r = post(s, s.at("/processes/1/access"), "{\"addr\":\"" + addr + "\",\"length\":4096,\"access\":\"write\",\"value\":5}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.none("signal")).as(r.body()).isTrue();
    }

    static Res mmap(Session s, int pid, long len, String flags, int fd) throws Exception {
        return post(s, s.at("/processes/" + pid + "/mmap"), "{\"length\":" + len + ",\"prot\":[\"PROT_READ\",\"PROT_WRITE\"".replace(
                ",\"PROT_WRITE\"", fd >= 0 ? "" : ",\"PROT_WRITE\"") + "],\"flags\":" + flags + ",\"fd\":" + fd + "}");
    }

    static Res create() throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base + "/api/v1/sessions")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{}")));
    }

    static Res post(Session s, String path, String body) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + s.token()).POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    static Res get(Session s, String path) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + s.token()).GET());
    }

    static Res delete(Session s) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base + s.at(""))).header("Authorization", "Bearer " + s.token()).DELETE());
    }

    static Res send(HttpRequest.Builder b) throws Exception {
        HttpRequest req = b.timeout(Duration.ofSeconds(60)).build();
        HttpResponse<String> r;
        try {
            r = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            // a pooled keep-alive connection the server closed just as this request went out: it was
            // never read, so sending it again on a new connection is safe
            if (e.getMessage() == null || !e.getMessage().contains("received no bytes")) throw e;
            r = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
        }
        // the one 5xx by design: 503 memory-budget, the service-wide budget refusing a new session
        boolean budget = r.statusCode() == 503 && r.body().contains("/problems/memory-budget");
        if (r.statusCode() >= 500 && !budget) serverErrors.add(r.statusCode() + " " + r.uri() + ": " + r.body());
        JsonNode json = r.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(r.body());
        return new Res(r.statusCode(), json, r.body());
    }

    static double pauseMs(String gcLine) {
        int ms = gcLine.lastIndexOf("ms");
        int sp = gcLine.lastIndexOf(' ', ms);
        try {
            return Double.parseDouble(gcLine.substring(sp + 1, ms));
        } catch (RuntimeException e) {
            return 0;
        }
    }

}
