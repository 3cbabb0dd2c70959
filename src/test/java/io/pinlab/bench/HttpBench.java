package io.pinlab.bench;

import io.pinlab.PinlabApplication;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whole HTTP requests against the real service on a loopback port, in one JVM (client included):
 * <ul>
 *   <li>{@code profiles}: GET /api/v1/profiles, the cheapest endpoint (the ceiling of goal 1);</li>
 *   <li>{@code mixedChain}: the lab chain of issue 13 (mmap 16 KiB, write a page, pin it with
 *       pin_user_pages_fast FOLL_WRITE|FOLL_LONGTERM, unpin, munmap), per request;</li>
 *   <li>{@code register16384x4KiB}: IORING_REGISTER_BUFFERS of 16,384 buffers of 4 KiB over
 *       untouched memory, the 672 KB request parsed and answered (goal 4);</li>
 * </ul>
 * Run: ./mvnw -Pbench test-compile exec:exec -Dbench.args='HttpBench -f 1'
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
public class HttpBench {
    private static final Pattern FIELD = Pattern.compile("\"(id|token|addr|ret)\":\"?([^\",]+)");

    private ConfigurableApplicationContext app;
    private HttpClient client;
    private String base;
    private String session;
    private String token;
    private String addr;

    @Setup(Level.Trial)
    public void start() throws Exception {
        // command-line arguments, not builder properties: those are defaults, and application.yml
        // (rate limits on, 3,000 calls a minute per session) overrode them, so that the chain
        // ended in 429s after its first iterations
        app = new SpringApplicationBuilder(PinlabApplication.class)
                .run("--server.port=0", "--pinlab.rate-limit.enabled=false", "--logging.level.root=WARN",
                        // a fresh session per registration: no per-client creation limit
                        "--pinlab.sessions.per-client.creations-per-minute=1000000",
                        "--pinlab.sessions.per-client.max-live=1000000");
        int port = ((WebServerApplicationContext) app).getWebServer().getPort();
        base = "http://127.0.0.1:" + port + "/api/v1";
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String s = post("/sessions", null, "{\"profile\":\"v6.18\"}");
        session = "/sessions/" + field(s, "id");
        token = field(s, "token");
        addr = field(post(session + "/processes/1/mmap", token, MMAP), "addr");
        post(session + "/processes/1/munmap", token, "{\"addr\":\"" + addr + "\",\"length\":16384}");
    }

    @TearDown(Level.Trial)
    public void stop() {
        app.close();
    }

    private static final String MMAP = "{\"length\":16384,\"prot\":[\"PROT_READ\",\"PROT_WRITE\"],\"flags\":[\"MAP_PRIVATE\",\"MAP_ANONYMOUS\"]}";

    @Benchmark
    public int profiles() throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(base + "/profiles")).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body().length();
    }

    @Benchmark
    @OperationsPerInvocation(5)
    public String mixedChain() throws Exception {
        post(session + "/processes/1/mmap", token, MMAP);
        post(session + "/processes/1/access", token, "{\"addr\":\"" + addr + "\",\"length\":4096,\"access\":\"write\",\"value\":42}");
        String pin = post(session + "/processes/1/gup", token, "{\"call\":\"pin_user_pages_fast\",\"start\":\"" + addr
                + "\",\"nrPages\":1,\"gupFlags\":[\"FOLL_WRITE\",\"FOLL_LONGTERM\"]}");
        Matcher m = Pattern.compile("\"pin\":\\{\"id\":(\\d+)").matcher(pin);
        if (!m.find()) throw new IllegalStateException("no pin: " + pin);
        post(session + "/pins/" + m.group(1) + "/release", token, "{\"how\":\"unpin_user_pages\"}");
        return post(session + "/processes/1/munmap", token, "{\"addr\":\"" + addr + "\",\"length\":16384}");
    }

    /** A fresh session with 64 MiB mapped and a ring for each registration (not measured). */
    @State(Scope.Thread)
    public static class Ring {
        String path;
        String token;
        String body;
        String session;

        @Setup(Level.Invocation)
        public void prepare(HttpBench b) throws Exception {
            String s = b.post("/sessions", null, "{\"profile\":\"v6.18\"}");
            session = "/sessions/" + field(s, "id");
            token = field(s, "token");
            // CAP_IPC_LOCK, as IoUringBench: 64 MiB of registered buffers are past the default RLIMIT_MEMLOCK
            String proc = session + "/processes/" + pid(b.post(session + "/processes", token, "{\"capIpcLock\":true}"));
            String small = field(b.post(proc + "/mmap", token, "{\"length\":" + 16384L * 4096
                    + ",\"prot\":[\"PROT_READ\",\"PROT_WRITE\"],\"flags\":[\"MAP_PRIVATE\",\"MAP_ANONYMOUS\"]}"), "addr");
            int ring = Integer.parseInt(field(b.post(proc + "/io_uring_setup", token, "{\"entries\":8}"), "ret"));
            long start = Long.decode(small);
            StringBuilder sb = new StringBuilder("{\"fd\":" + ring + ",\"opcode\":\"IORING_REGISTER_BUFFERS\",\"iovecs\":[");
            for (int i = 0; i < 16384; i++)
                sb.append(i == 0 ? "" : ",").append("{\"base\":\"0x").append(Long.toHexString(start + i * 4096L)).append("\",\"len\":4096}");
            body = sb.append("]}").toString();
            path = proc + "/io_uring_register";
        }

        @TearDown(Level.Invocation)
        public void drop(HttpBench b) throws Exception {
            b.client.send(HttpRequest.newBuilder(URI.create(b.base + session)).DELETE()
                    .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.discarding());
        }
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public String register16384x4KiB(Ring r) throws Exception {
        String answer = post(r.path, r.token, r.body);
        if (!answer.startsWith("{\"ret\":0")) throw new IllegalStateException(answer.substring(0, Math.min(300, answer.length())));
        return answer;
    }

    String post(String path, String bearer, String json) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).POST(HttpRequest.BodyPublishers.ofString(json))
                .header("Content-Type", "application/json");
        if (bearer != null) b.header("Authorization", "Bearer " + bearer);
        HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) throw new IllegalStateException(path + " -> " + r.statusCode() + " " + r.body());
        return r.body();
    }

    static String pid(String json) {
        Matcher m = Pattern.compile("\"pid\":(\\d+)").matcher(json);
        if (!m.find()) throw new IllegalStateException("no pid in " + json);
        return m.group(1);
    }

    static String field(String json, String name) {
        Matcher m = FIELD.matcher(json);
        while (m.find()) if (m.group(1).equals(name)) return m.group(2);
        throw new IllegalStateException("no " + name + " in " + json);
    }
}
