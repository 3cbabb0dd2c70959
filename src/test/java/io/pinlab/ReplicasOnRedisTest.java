package io.pinlab;

import io.pinlab.session.LocalRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two replicas (two application contexts on random ports) and one Redis: many clients on one
 * session, alternating replicas, lose no update; a replica stopped abruptly loses no
 * acknowledged step; a replica started afterwards shows the same maps and pagemap.
 */
class ReplicasOnRedisTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newBuilder().executor(Executors.newVirtualThreadPerTaskExecutor()).build();
    private static final int CLIENTS = 32;
    private static final String PREFIX = LocalRedis.uniquePrefix();
    private static final List<ConfigurableApplicationContext> started = new ArrayList<>();

    @BeforeAll
    static void redis() {
        LocalRedis.require();
    }

    @AfterAll
    static void cleanUp() {
        for (ConfigurableApplicationContext c : started) c.close();
        LettuceConnectionFactory f = LocalRedis.factory(LocalRedis.HOST, LocalRedis.PORT);
        LocalRedis.deleteKeys(f, PREFIX);
        f.destroy();
    }

    static ConfigurableApplicationContext replica(String shutdown) {
        // arguments, not default properties: application.yml's server.port would win over those
        ConfigurableApplicationContext c = new SpringApplicationBuilder(PinlabApplication.class).run(
                "--server.port=0", "--server.shutdown=" + shutdown, "--pinlab.sessions.store=redis",
                "--spring.data.redis.host=" + LocalRedis.HOST, "--spring.data.redis.port=" + LocalRedis.PORT,
                "--pinlab.sessions.redis-key-prefix=" + PREFIX, "--pinlab.sessions.snapshots.every-steps=25",
                "--pinlab.rate-limit.per-ip=1000000", "--pinlab.rate-limit.per-session=1000000",
                "--logging.level.root=WARN", "--spring.main.banner-mode=off");
        started.add(c);
        return c;
    }

    static String base(ConfigurableApplicationContext c) {
        return "http://127.0.0.1:" + ((WebServerApplicationContext) c).getWebServer().getPort() + "/api/v1";
    }

    record Res(int status, JsonNode json) {}

    static Res call(String base, String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).header("Accept", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) b.header("Content-Type", "application/json");
        if (token != null) b.header("Authorization", "Bearer " + token);
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Res(r.statusCode(), r.body().isEmpty() ? null : JSON.readTree(r.body()));
    }

    static Res ok(Res r) {
        assertThat(r.status()).as("%s", r.json()).isBetween(200, 201);
        return r;
    }

    @Test
    void clientsOnTwoReplicasLoseNothingAndARestartedReplicaShowsTheSameState() throws Exception {
        ConfigurableApplicationContext a = replica("graceful"), b = replica("immediate");
        String[] replicas = {base(a), base(b)};
        Res created = ok(call(replicas[0], "POST", "/sessions", null, "{\"profile\":\"v6.18\"}"));
        String sid = created.json().path("id").asString(), token = created.json().path("token").asString();
        String p1 = "/sessions/" + sid + "/processes/1";

        // 1. 32 clients, each request to the other replica than its last: mmap, write, pin, release, munmap
        List<String> ackMmaps = Collections.synchronizedList(new ArrayList<>());
        List<Long> ackPins = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger acks = new AtomicInteger();
        try (ExecutorService pool = Executors.newFixedThreadPool(CLIENTS)) {
            List<Future<?>> fs = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                fs.add(pool.submit(() -> {
                    int n = client;
                    for (int round = 0; round < 2; round++) {
                        String addr = ok(call(replicas[n++ % 2], "POST", p1 + "/mmap", token,
                                "{\"length\":16384,\"prot\":[\"PROT_READ\",\"PROT_WRITE\"],\"flags\":[\"MAP_PRIVATE\",\"MAP_ANONYMOUS\"]}"))
                                .json().path("addr").asString();
                        ackMmaps.add(addr);
                        ok(call(replicas[n++ % 2], "POST", p1 + "/access", token,
                                "{\"addr\":\"" + addr + "\",\"length\":4096,\"access\":\"write\",\"value\":" + client + "}"));
                        long pin = ok(call(replicas[n++ % 2], "POST", p1 + "/gup", token, "{\"call\":\"pin_user_pages_fast\",\"start\":\""
                                + addr + "\",\"nrPages\":1,\"gupFlags\":[\"FOLL_WRITE\",\"FOLL_LONGTERM\"]}")).json().path("pin").path("id").asLong();
                        ackPins.add(pin);
                        ok(call(replicas[n++ % 2], "POST", "/sessions/" + sid + "/pins/" + pin + "/release", token,
                                "{\"how\":\"unpin_user_pages\"}"));
                        ok(call(replicas[n++ % 2], "POST", p1 + "/munmap", token, "{\"addr\":\"" + addr + "\",\"length\":16384}"));
                        acks.addAndGet(5);
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) f.get();
        }
        JsonNode history = ok(call(replicas[1], "GET", "/sessions/" + sid + "/history", token, null)).json().path("steps");
        assertThat(history.size()).as("every acknowledged call is one step, no more").isEqualTo(acks.get());
        List<String> loggedMmaps = new ArrayList<>();
        List<Long> loggedPins = new ArrayList<>();
        for (JsonNode s : history) {
            if (s.path("op").asString().equals("mmap")) loggedMmaps.add(s.path("result").path("addr").asString());
            if (s.path("result").has("pin")) loggedPins.add(s.path("result").path("pin").path("id").asLong());
        }
        assertThat(loggedMmaps).containsExactlyInAnyOrderElementsOf(ackMmaps);
        assertThat(loggedPins).containsExactlyInAnyOrderElementsOf(ackPins).doesNotHaveDuplicates();
        for (String r : replicas) {
            JsonNode pins = ok(call(r, "GET", "/sessions/" + sid + "/pins", token, null)).json();
            for (JsonNode pin : pins) assertThat(pin.path("released").asBoolean()).as("pin %s", pin.path("id")).isTrue();
            assertThat(ok(call(r, "GET", p1, token, null)).json().path("status").path("vmPinKb").asLong()).isZero();
        }

        // 2. some state to compare later: a mapping, written, pinned, and a ring with a registered buffer
        String addr = ok(call(replicas[0], "POST", p1 + "/mmap", token,
                "{\"length\":65536,\"prot\":[\"PROT_READ\",\"PROT_WRITE\"],\"flags\":[\"MAP_PRIVATE\",\"MAP_ANONYMOUS\"]}")).json().path("addr").asString();
        ok(call(replicas[1], "POST", p1 + "/access", token, "{\"addr\":\"" + addr + "\",\"length\":32768,\"access\":\"write\",\"value\":7}"));
        ok(call(replicas[0], "POST", p1 + "/gup", token, "{\"call\":\"pin_user_pages\",\"start\":\"" + addr
                + "\",\"nrPages\":2,\"gupFlags\":[\"FOLL_WRITE\",\"FOLL_LONGTERM\"]}"));
        long ring = ok(call(replicas[1], "POST", p1 + "/io_uring_setup", token, "{\"entries\":8}")).json().path("ret").asLong();
        ok(call(replicas[0], "POST", p1 + "/io_uring_register", token, "{\"fd\":" + ring
                + ",\"opcode\":\"IORING_REGISTER_BUFFERS\",\"iovecs\":[{\"base\":\"" + addr + "\",\"len\":16384}]}"));

        // 3. replica b stops abruptly while 32 clients write through both replicas
        AtomicInteger acked = new AtomicInteger(), failed = new AtomicInteger();
        Map<Integer, Integer> ackedByValue = new ConcurrentHashMap<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(CLIENTS)) {
            List<Future<?>> fs = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < 10; i++) {
                        int value = 1000 + client * 100 + i;
                        try {
                            Res r = call(replicas[(client + i) % 2], "POST", p1 + "/access", token,
                                    "{\"addr\":\"" + addr + "\",\"length\":4096,\"access\":\"write\",\"value\":" + value + "}");
                            if (r.status() == 200) {
                                acked.incrementAndGet();
                                ackedByValue.put(value, 1);
                            } else failed.incrementAndGet();
                        } catch (Exception e) {
                            failed.incrementAndGet(); // the replica died under this request: not acknowledged
                        }
                        if (client == 0 && i == 3) b.close();
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) f.get();
        }
        assertThat(failed.get()).as("some requests hit the stopped replica").isPositive();
        JsonNode after = ok(call(replicas[0], "GET", "/sessions/" + sid + "/history", token, null)).json().path("steps");
        Map<Integer, Long> logged = new java.util.HashMap<>();
        for (JsonNode s : after)
            if (s.path("op").asString().equals("access") && s.path("args").path("value").asInt() >= 1000)
                logged.merge(s.path("args").path("value").asInt(), 1L, Long::sum);
        assertThat(logged.keySet()).as("every acknowledged write is in the log").containsAll(ackedByValue.keySet());
        assertThat(logged.values()).as("and at most once").allMatch(n -> n == 1);
        assertThat(logged.size() - ackedByValue.size()).as("unacknowledged but logged").isLessThanOrEqualTo(failed.get());

        // 4. a replica started now, with an empty cache, rebuilds the kernel from Redis (snapshot + log)
        ConfigurableApplicationContext c = replica("graceful");
        String fresh = base(c);
        assertThat(new StringRedisTemplate(LocalRedis.factory(LocalRedis.HOST, LocalRedis.PORT)).hasKey(PREFIX + "{" + sid + "}:snap"))
                .as("snapshots were stored every 25 steps").isTrue();
        Function<String, String> mapsOf = r -> {
            try {
                return ok(call(r, "GET", p1 + "/maps", token, null)).json().toString();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        };
        assertThat(mapsOf.apply(fresh)).isEqualTo(mapsOf.apply(replicas[0]));
        for (JsonNode vma : ok(call(replicas[0], "GET", p1 + "/maps", token, null)).json()) {
            String q = p1 + "/pagemap?addr=" + vma.path("start").asString() + "&length=" + Math.min(
                    Long.decode(vma.path("end").asString()) - Long.decode(vma.path("start").asString()), 1L << 20);
            assertThat(ok(call(fresh, "GET", q, token, null)).json()).isEqualTo(ok(call(replicas[0], "GET", q, token, null)).json());
        }
        assertThat(ok(call(fresh, "GET", "/sessions/" + sid + "/history", token, null)).json().path("steps").size())
                .isEqualTo(after.size());
        Map<String, Long> ops = new java.util.TreeMap<>();
        for (JsonNode s : after) ops.merge(s.path("op").asString(), 1L, Long::sum);
        assertThat(ops).containsKeys("mmap", "access", "gup", "munmap", "io_uring_setup", "io_uring_register");
        assertThat(ackMmaps.stream().collect(Collectors.toSet())).isNotEmpty();
    }
}
