package io.pinlab.api;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/** Processes, memory and observability endpoints over HTTP. */
class KernelApiTest extends HttpTestSupport {

    private static final String ANON_RW = "{\"length\":16384,\"prot\":[\"PROT_READ\",\"PROT_WRITE\"],"
            + "\"flags\":[\"MAP_PRIVATE\",\"MAP_ANONYMOUS\"]}";

    private String p(Session s, String rest) {
        return "/api/v1/sessions/" + s.id() + rest;
    }

    @Test
    void newSessionHasInitProcess() {
        Session s = newSession(null);
        Res r = get(p(s, "/processes"), s.token());
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().size()).isEqualTo(1);
        JsonNode init = r.json().get(0);
        assertThat(init.path("pid").asInt()).isEqualTo(1);
        assertThat(init.path("comm").asString()).isEqualTo("lab");
        assertThat(init.path("uid").asInt()).isEqualTo(1000);
        assertThat(init.path("capIpcLock").asBoolean()).isFalse();
        assertThat(init.path("rlimitMemlock").asLong()).isEqualTo(8L << 20);
        assertThat(init.path("status").has("vmPinKb")).isTrue();
        assertThat(get(p(s, "/processes/1"), s.token()).json().path("pid").asInt()).isEqualTo(1);
    }

    @Test
    void createProcess() {
        Session s = newSession(null);
        Res r = post(p(s, "/processes"), s.token(), "{\"comm\":\"worker\",\"uid\":1001,\"capIpcLock\":true}");
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        assertThat(r.json().path("pid").asInt()).isEqualTo(2);
        assertThat(r.header("Location")).endsWith("/processes/2");
        assertThat(r.json().path("comm").asString()).isEqualTo("worker");
        assertThat(r.json().path("capIpcLock").asBoolean()).isTrue();
    }

    @Test
    void processInputRules() {
        Session s = newSession(null);
        Res neg = post(p(s, "/processes"), s.token(), "{\"rlimitMemlock\":-1}");
        neg.problem(400, "validation-failed");
        assertThat(neg.fieldError("rlimitMemlock")).contains("greater than or equal to 0");
        Res longComm = post(p(s, "/processes"), s.token(), "{\"comm\":\"" + "c".repeat(16) + "\"}");
        assertThat(longComm.problem(400, "validation-failed").toString()).contains("comm");
        get(p(s, "/processes/99"), s.token()).problem(404, "not-found");
        Res bad = get(p(s, "/processes/abc"), s.token());
        bad.problem(400, "validation-failed");
        assertThat(bad.fieldError("pid")).contains("abc");
        get(p(s, "/processes/99999999999"), s.token()).problem(400, "validation-failed");
        assertThat(get(p(s, "/processes"), s.token()).json().size()).as("nothing created").isEqualTo(1);
    }

    @Test
    void processEndpointsNeedTheToken() {
        Session s = newSession(null);
        Session other = newSession(null);
        get(p(s, "/processes"), null).problem(401, "unauthorized");
        get(p(s, "/processes"), other.token()).problem(404, "not-found");
        post(p(s, "/processes/1/mmap"), null, ANON_RW).problem(401, "unauthorized");
        post(p(s, "/processes/1/mmap"), other.token(), ANON_RW).problem(404, "not-found");
        get(p(s, "/dmesg"), null, "text/plain").problem(401, "unauthorized");
        get(p(s, "/events"), other.token()).problem(404, "not-found");
        assertThat(get(p(s, "/events"), s.token()).json().size()).as("no call reached the kernel").isZero();
    }

    @Test
    void mmapAnonymousReturnsHexAddress() {
        Session s = newSession(null);
        Res r = post(p(s, "/processes/1/mmap"), s.token(), ANON_RW);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().path("addr").asString()).matches("0x[0-9a-f]+");
        assertThat(r.json().path("errno").isNull()).isTrue();
        assertThat(r.json().path("ret").isNull()).as("mmap gives addr instead of a numeric ret").isTrue();
        assertThat(r.json().path("prot").path("value").asInt()).isEqualTo(3);
        assertThat(r.json().path("flags").path("value").asInt()).isEqualTo(0x22);
        assertThat(r.json().path("explain").isArray()).isTrue();
        // deterministic: the same call in a new session gives the same address
        Session s2 = newSession(null);
        assertThat(post(p(s2, "/processes/1/mmap"), s2.token(), ANON_RW).json().path("addr").asString())
                .isEqualTo(r.json().path("addr").asString());
    }

    @Test
    void kernelFailureIs200WithErrno() {
        Session s = newSession(null);
        Res r = post(p(s, "/processes/1/mmap"), s.token(),
                "{\"length\":0,\"prot\":[\"PROT_READ\"],\"flags\":[\"MAP_PRIVATE\",\"MAP_ANONYMOUS\"]}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("addr").isNull()).isTrue();
        assertThat(r.json().path("errno").asString()).isEqualTo("EINVAL");
        assertThat(r.json().path("ret").asLong()).isEqualTo(-22);
        JsonNode last = r.json().path("explain").get(r.json().path("explain").size() - 1);
        assertThat(last.path("outcome").asString()).isEqualTo("-EINVAL");
    }

    @Test
    void unknownFlagListsAcceptedNames() {
        Session s = newSession(null);
        Res r = post(p(s, "/processes/1/mmap"), s.token(),
                "{\"length\":4096,\"prot\":[\"PROT_READ\",\"PROT_RAED\"],\"flags\":[\"MAP_PRIVATE\",\"MAP_ANONYMOUS\"]}");
        r.problem(400, "validation-failed");
        assertThat(r.fieldError("prot[1]")).contains("PROT_RAED").contains("PROT_READ, PROT_WRITE, PROT_EXEC");
        Res f = post(p(s, "/processes/1/mmap"), s.token(),
                "{\"length\":4096,\"prot\":[],\"flags\":[\"MAP_PRIVATE\",\"map_anonymous\"]}");
        assertThat(f.problem(400, "validation-failed").toString()).contains("MAP_ANONYMOUS");
        assertThat(f.fieldError("flags[1]")).contains("map_anonymous");
        assertUnchanged(s);
    }

    @Test
    void negativeLengthAndOffsetAre400() {
        Session s = newSession(null);
        Res r = post(p(s, "/processes/1/mmap"), s.token(),
                "{\"length\":-4096,\"prot\":[\"PROT_READ\"],\"flags\":[\"MAP_PRIVATE\",\"MAP_ANONYMOUS\"],\"offset\":-1}");
        r.problem(400, "validation-failed");
        assertThat(r.fieldError("length")).contains("greater than or equal to 0");
        assertThat(r.fieldError("offset")).contains("greater than or equal to 0");
        Res tooBig = post(p(s, "/processes/1/mmap"), s.token(),
                "{\"length\":18446744073709551615,\"prot\":[],\"flags\":[\"MAP_PRIVATE\",\"MAP_ANONYMOUS\"]}");
        tooBig.problem(400, "validation-failed");
        assertThat(tooBig.fieldError("length")).contains("64-bit");
        Res fraction = post(p(s, "/processes/1/mmap"), s.token(),
                "{\"length\":4096.5,\"prot\":[],\"flags\":[\"MAP_PRIVATE\",\"MAP_ANONYMOUS\"]}");
        fraction.problem(400, "validation-failed");
        assertThat(fraction.fieldError("length")).contains("integer");
        Res quoted = post(p(s, "/processes/1/mmap"), s.token(),
                "{\"length\":\"4096\",\"prot\":[],\"flags\":[\"MAP_PRIVATE\",\"MAP_ANONYMOUS\"]}");
        quoted.problem(400, "validation-failed");
        assertThat(quoted.fieldError("length")).contains("integer");
        Res array = post(p(s, "/processes/1/mmap"), s.token(), "[]");
        array.problem(400, "validation-failed");
        assertThat(array.fieldError("$")).isEqualTo("expected a JSON object");
        assertThat(array.body()).doesNotContain("io.pinlab");
        assertUnchanged(s);
    }

    @Test
    void badAddressNamesTheField() {
        Session s = newSession(null);
        for (String addr : new String[]{"\"0xzz\"", "\"-1\"", "\"0x1ffffffffffffffff\"", "4096", "\"\"", "\"18446744073709551616\""}) {
            Res r = post(p(s, "/processes/1/mmap"), s.token(), "{\"addr\":" + addr
                    + ",\"length\":4096,\"prot\":[],\"flags\":[\"MAP_PRIVATE\",\"MAP_ANONYMOUS\"]}");
            r.problem(400, "validation-failed");
            assertThat(r.fieldError("addr")).as(addr).contains("address");
        }
        // the largest unsigned 64-bit address parses (the kernel then answers)
        Res max = post(p(s, "/processes/1/mmap"), s.token(), "{\"addr\":\"18446744073709551615\","
                + "\"length\":4096,\"prot\":[],\"flags\":[\"MAP_PRIVATE\",\"MAP_ANONYMOUS\"]}");
        assertThat(max.status()).as(max.body()).isEqualTo(200);
        Res hex = post(p(s, "/processes/1/mmap"), s.token(), "{\"addr\":\"0x10000\","
                + "\"length\":4096,\"prot\":[],\"flags\":[\"MAP_PRIVATE\",\"MAP_ANONYMOUS\"]}");
        assertThat(hex.status()).isEqualTo(200);
        // one spelling only: 0X, spaces, NUL and fullwidth digits are 400s (issue 10, item 7)
        for (String addr : new String[]{"0X10000", " 0x10000", "0x10000\\u0000", "0x\uff11\uff10\uff10\uff10\uff10"}) {
            Res r = post(p(s, "/processes/1/mmap"), s.token(), "{\"addr\":\"" + addr + "\","
                    + "\"length\":4096,\"prot\":[],\"flags\":[\"MAP_PRIVATE\",\"MAP_ANONYMOUS\"]}");
            r.problem(400, "validation-failed");
            assertThat(r.fieldError("addr")).as(addr).contains("not an address");
        }
    }

    @Test
    void missingRequiredFieldsAreNamed() {
        Session s = newSession(null);
        Res r = post(p(s, "/processes/1/mmap"), s.token(), "{\"length\":4096}");
        r.problem(400, "validation-failed");
        assertThat(r.fieldError("prot")).contains("null");
        assertThat(r.fieldError("flags")).contains("null");
        Res typo = post(p(s, "/processes/1/mmap"), s.token(),
                "{\"lenght\":4096,\"prot\":[],\"flags\":[\"MAP_PRIVATE\",\"MAP_ANONYMOUS\"]}");
        assertThat(typo.problem(400, "validation-failed").toString()).contains("lenght");
        assertThat(typo.fieldError("lenght")).contains("length");
        Res notArray = post(p(s, "/processes/1/mmap"), s.token(),
                "{\"length\":4096,\"prot\":\"PROT_READ\",\"flags\":[\"MAP_PRIVATE\",\"MAP_ANONYMOUS\"]}");
        notArray.problem(400, "validation-failed");
        assertThat(notArray.fieldError("prot")).isNotBlank();
        assertUnchanged(s);
    }

    @Test
    void unknownPidIs404AndNoStateChange() {
        Session s = newSession(null);
        post(p(s, "/processes/7/mmap"), s.token(), ANON_RW).problem(404, "not-found");
        post(p(s, "/processes/0/mmap"), s.token(), ANON_RW).problem(400, "validation-failed");
        assertUnchanged(s);
    }

    /** An op name the endpoint does not know is a 404 naming it, and nothing reaches the kernel. */
    @Test
    void unknownOpIs404NamingIt() {
        Session s = newSession(null);
        assertThat(post(p(s, "/processes/1/mmapp"), s.token(), ANON_RW).problem(404, "not-found").path("detail").asString())
                .startsWith("no op 'mmapp' of a process; ops here: mmap, ");
        assertThat(post(p(s, "/processes/1/swapon"), s.token(), "{\"size\":16777216}").problem(404, "not-found")
                .path("detail").asString()).startsWith("no op 'swapon' of a process");
        assertThat(post(p(s, "/mmap"), s.token(), ANON_RW).problem(404, "not-found").path("detail").asString())
                .isEqualTo("no op 'mmap' of a session; ops here: swapon, swapoff");
        assertUnchanged(s);
    }

    @Test
    void wrongContentTypeOnKernelCallIs415() {
        Session s = newSession(null);
        send(method("POST", p(s, "/processes/1/mmap"), s.token(), ANON_RW, "text/plain"))
                .problem(415, "unsupported-media-type");
        assertUnchanged(s);
    }

    @Test
    void dmesgIsPlainText() {
        Session s = newSession("v6.5");
        Res r = get(p(s, "/dmesg"), s.token(), "text/plain");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("text/plain");
        assertThat(r.body()).contains("profile v6.5");
    }

    @Test
    void eventsAfterSeq() {
        Session s = newSession(null);
        post(p(s, "/processes/1/mmap"), s.token(), ANON_RW);
        post(p(s, "/processes/1/mmap"), s.token(), ANON_RW);
        Res all = get(p(s, "/events?after=0"), s.token());
        assertThat(all.json().size()).isEqualTo(2);
        JsonNode first = all.json().get(0);
        assertThat(first.path("call").asString()).isEqualTo("mmap");
        assertThat(first.path("pid").asInt()).isEqualTo(1);
        assertThat(first.path("time").asString()).isNotBlank();
        assertThat(first.path("addr").asString()).as("mmap's address in hex").matches("0x[0-9a-f]+");
        long seq = first.path("seq").asLong();
        assertThat(get(p(s, "/events?after=" + seq), s.token()).json().size()).isEqualTo(1);
        get(p(s, "/events?after=-1"), s.token()).problem(400, "validation-failed");
        Res bad = get(p(s, "/events?after=x"), s.token());
        bad.problem(400, "validation-failed");
        assertThat(bad.fieldError("after")).contains("x");
    }

    @Test
    void eventStreamSendsServerSentEvents() throws Exception {
        Session s = newSession(null);
        post(p(s, "/processes/1/mmap"), s.token(), ANON_RW);
        HttpRequest req = HttpRequest.newBuilder(uri(p(s, "/events/stream?after=0")))
                .header("Accept", "text/event-stream").header("Authorization", "Bearer " + s.token()).build();
        HttpResponse<java.io.InputStream> r = CLIENT.send(req, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        List<String> lines = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body()))) {
            String line;
            while ((line = in.readLine()) != null) {
                lines.add(line);
                if (line.startsWith("data:")) break;
            }
        }
        assertThat(lines).contains("event:kernel-event");
        assertThat(lines.get(lines.size() - 1)).contains("\"call\":\"mmap\"");
    }

    @Test
    void eventStreamEndsWhenTheSessionIsDeleted() throws Exception {
        Session s = newSession(null);
        HttpRequest req = HttpRequest.newBuilder(uri(p(s, "/events/stream")))
                .header("Accept", "text/event-stream").header("Authorization", "Bearer " + s.token()).build();
        java.util.concurrent.CompletableFuture<HttpResponse<String>> stream =
                CLIENT.sendAsync(req, HttpResponse.BodyHandlers.ofString());
        Thread.sleep(500);
        assertThat(delete(p(s, ""), s.token()).status()).isEqualTo(204);
        HttpResponse<String> done = stream.get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(done.statusCode()).isEqualTo(200);
    }

    @Test
    void mountsListTheLabFilesystems() {
        Session s = newSession(null);
        Res r = get(p(s, "/mounts"), s.token());
        List<String> paths = new ArrayList<>();
        r.json().forEach(m -> paths.add(m.path("path").asString()));
        assertThat(paths).contains("/mnt/ext4", "/mnt/xfs", "/dev/shm", "/mnt/huge", "/mnt/pmem");
    }

    @Test
    void parallelRequestsToOneSessionAreSerialised() throws Exception {
        Session s = newSession(null);
        int n = 24;
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<Callable<Res>> calls = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                calls.add(() -> post(p(s, "/processes"), s.token(), "{}"));
                calls.add(() -> post(p(s, "/processes/1/mmap"), s.token(), ANON_RW));
            }
            Set<Integer> pids = new HashSet<>();
            Set<String> addrs = new HashSet<>();
            for (Future<Res> f : pool.invokeAll(calls)) {
                Res r = f.get();
                if (r.status() == 201) pids.add(r.json().path("pid").asInt());
                else {
                    assertThat(r.status()).as(r.body()).isEqualTo(200);
                    addrs.add(r.json().path("addr").asString());
                }
            }
            assertThat(pids).hasSize(n).allMatch(pid -> pid >= 2 && pid <= n + 1);
            assertThat(addrs).as("no two mmaps got the same range").hasSize(n);
        }
        assertThat(get(p(s, "/processes"), s.token()).json().size()).isEqualTo(n + 1);
        Res events = get(p(s, "/events"), s.token());
        assertThat(events.json().size()).as("every call is a step: n process creations and n mmaps").isEqualTo(2 * n);
        long prev = 0;
        for (JsonNode e : events.json()) {
            assertThat(e.path("seq").asLong()).isGreaterThan(prev);
            prev = e.path("seq").asLong();
        }
    }

    @org.springframework.beans.factory.annotation.Autowired
    io.pinlab.session.SessionService sessions;

    @Test
    void aBusySessionBlocksOnlyItsOwnRequests() throws Exception {
        Session a = newSession(null);
        Session b = newSession(null);
        io.pinlab.session.LabSession labA = sessions.authorize(a.id(), "Bearer " + a.token());
        java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        // Hold session A's lock (the simulated mmap_lock) as a long request would.
        Thread holder = Thread.ofVirtual().start(() -> labA.locked(k -> {
            held.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        }));
        assertThat(held.await(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        java.util.concurrent.CompletableFuture<Res> toA = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> post(p(a, "/processes/1/mmap"), a.token(), ANON_RW));
        Res toB = post(p(b, "/processes/1/mmap"), b.token(), ANON_RW);
        assertThat(toB.status()).as("session B is not blocked by A").isEqualTo(200);
        Thread.sleep(300);
        assertThat(toA).as("session A waits for its lock").isNotDone();
        release.countDown();
        assertThat(toA.get(10, java.util.concurrent.TimeUnit.SECONDS).status()).isEqualTo(200);
        holder.join();
    }

    /** A rejected request reached no kernel code: no event, still one process. */
    private void assertUnchanged(Session s) {
        assertThat(get(p(s, "/events"), s.token()).json().size()).isZero();
        assertThat(get(p(s, "/processes"), s.token()).json().size()).isEqualTo(1);
    }
}
