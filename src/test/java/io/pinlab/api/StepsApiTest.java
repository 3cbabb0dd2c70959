package io.pinlab.api;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sessions as logs of steps over HTTP (API.md "Steps"): history, import with references, the
 * event feed as a projection of the log, and {@code ?at=N}.
 */
class StepsApiTest extends HttpTestSupport {
    private static final String ANON_RW_2 = "{\"length\":8192,\"prot\":[\"PROT_READ\",\"PROT_WRITE\"],"
            + "\"flags\":[\"MAP_PRIVATE\",\"MAP_ANONYMOUS\"]}";

    private static String p(Session s, String rest) {
        return "/api/v1/sessions/" + s.id() + rest;
    }

    private static String write(String addr, long len, long value) {
        return "{\"addr\":\"" + addr + "\",\"length\":" + len + ",\"access\":\"write\",\"value\":" + value + "}";
    }

    private Res importSteps(String profile, String stepsJson) {
        return post("/api/v1/sessions", null, "{\"profile\":\"" + profile + "\",\"steps\":" + stepsJson + "}");
    }

    private List<String> ops(JsonNode history) {
        List<String> ops = new ArrayList<>();
        history.path("steps").forEach(s -> ops.add(s.path("op").asString()));
        return ops;
    }

    @Test
    void historyListsEveryCallThatReachedTheKernelIncludingA422() {
        Session s = newSession("v6.18");
        String addr = post(p(s, "/processes/1/mmap"), s.token(), ANON_RW_2).json().path("addr").asString();
        assertThat(post(p(s, "/processes/1/access"), s.token(), write(addr, 8192, 5)).status()).isEqualTo(200);
        // FOLL_GET with pin_user_pages breaks is_valid_gup_args(): 422, but the call reached the kernel
        post(p(s, "/processes/1/gup"), s.token(), "{\"call\":\"pin_user_pages\",\"start\":\"" + addr
                + "\",\"nrPages\":1,\"gupFlags\":[\"FOLL_GET\"]}").problem(422, "invalid-gup-args");
        Res pin = post(p(s, "/processes/1/gup"), s.token(), "{\"call\":\"pin_user_pages_fast\",\"start\":\"" + addr
                + "\",\"nrPages\":2,\"gupFlags\":[\"FOLL_WRITE\",\"FOLL_LONGTERM\"]}");
        long pinId = pin.json().path("pin").path("id").asLong();
        post(p(s, "/pins/" + pinId + "/release"), s.token(), "{\"how\":\"unpin_user_pages\"}");
        // refused before the kernel (no such process; a 400 shape error): not in the history
        post(p(s, "/processes/9/munmap"), s.token(), "{\"addr\":\"" + addr + "\",\"length\":4096}").problem(404, "not-found");
        post(p(s, "/processes/1/mmap"), s.token(), "{\"length\":-1,\"prot\":[],\"flags\":[]}").problem(400, "validation-failed");
        put(p(s, "/sysctl/vm.nr_hugepages"), s.token(), "{\"value\":2}");

        JsonNode h = get(p(s, "/history"), s.token()).json();
        assertThat(h.path("profile").asString()).isEqualTo("v6.18");
        assertThat(ops(h)).containsExactly("mmap", "access", "gup", "gup", "release", "sysctl");
        JsonNode steps = h.path("steps");
        for (int i = 0; i < steps.size(); i++) assertThat(steps.get(i).path("seq").asLong()).isEqualTo(i + 1);
        assertThat(steps.get(0).path("pid").asInt()).isEqualTo(1);
        assertThat(steps.get(0).path("args").path("prot").toString()).isEqualTo("[\"PROT_READ\",\"PROT_WRITE\"]");
        assertThat(steps.get(0).path("result").path("addr").asString()).isEqualTo(addr);
        // UserAccess.access: ret is the bytes accessed when no signal stopped the process
        assertThat(steps.get(1).path("result").path("ret").asLong()).isEqualTo(8192);
        // 6.18's pin_user_pages answers 0 for FOLL_GET|FOLL_PIN (is_valid_gup_args(), mm/gup.c)
        assertThat(steps.get(2).path("result").path("invalidArgs").asString()).isEqualTo("FOLL_GET_WITH_FOLL_PIN");
        assertThat(steps.get(2).path("result").path("ret").asLong()).isZero();
        assertThat(steps.get(3).path("result").path("pin").path("id").asLong()).isEqualTo(pinId);
        assertThat(steps.get(4).path("pid").isNull() || steps.get(4).path("pid").isMissingNode()).isTrue();
        assertThat(steps.get(4).path("args").path("pinId").asLong()).isEqualTo(pinId);
        assertThat(steps.get(5).path("args").path("name").asString()).isEqualTo("vm.nr_hugepages");
        assertThat(get(p(s, ""), s.token()).json().path("counts").path("events").asLong()).isEqualTo(6);
    }

    @Test
    void importingTheHistoryRebuildsTheSession() {
        Session s = newSession("v6.5");
        String addr = post(p(s, "/processes/1/mmap"), s.token(), ANON_RW_2).json().path("addr").asString();
        post(p(s, "/processes/1/access"), s.token(), write(addr, 8192, 3));
        post(p(s, "/processes/1/gup"), s.token(), "{\"call\":\"pin_user_pages\",\"start\":\"" + addr
                + "\",\"nrPages\":1,\"gupFlags\":[\"FOLL_WRITE\",\"FOLL_LONGTERM\"]}");
        assertThat(post(p(s, "/processes/1/fork"), s.token(), null).status()).isEqualTo(201);
        post(p(s, "/processes/2/access"), s.token(), write(addr, 4096, 9));
        post(p(s, "/processes/1/mprotect"), s.token(), "{\"addr\":\"" + addr + "\",\"length\":4096,\"prot\":[\"PROT_READ\"]}");
        post(p(s, "/processes/1/gup"), s.token(), "{\"call\":\"get_user_pages\",\"start\":\"" + addr
                + "\",\"nrPages\":1,\"gupFlags\":[\"FOLL_LONGTERM\"]}");

        JsonNode history = get(p(s, "/history"), s.token()).json();
        Res imported = importSteps("v6.5", history.path("steps").toString());
        assertThat(imported.status()).as(imported.body()).isEqualTo(201);
        Session copy = new Session(imported.json().path("id").asString(), imported.json().path("token").asString(), imported.json());

        for (String view : List.of("/processes", "/processes/1/maps", "/processes/2/maps", "/pins",
                "/processes/1/pagemap?addr=" + addr + "&length=8192", "/processes/2/pagemap?addr=" + addr + "&length=8192",
                "/processes/1/fds"))
            assertThat(get(p(copy, view), copy.token()).body()).as(view).isEqualTo(get(p(s, view), s.token()).body());
        assertThat(get(p(copy, "/dmesg"), copy.token(), "text/plain").body())
                .isEqualTo(get(p(s, "/dmesg"), s.token(), "text/plain").body()).contains("is_valid_gup_args");
        assertThat(ops(get(p(copy, "/history"), copy.token()).json())).isEqualTo(ops(history));
    }

    @Test
    void importResolvesReferencesToEarlierResults() {
        String steps = """
                [{"op":"mmap","pid":1,"args":{"length":8192,"prot":["PROT_READ","PROT_WRITE"],"flags":["MAP_PRIVATE","MAP_ANONYMOUS"]}},
                 {"op":"access","pid":1,"args":{"addr":"${1.addr}+0x1000","length":4096,"access":"write","value":7}},
                 {"op":"gup","pid":1,"args":{"call":"pin_user_pages_fast","start":"${1.addr}","nrPages":2,"gupFlags":["FOLL_WRITE","FOLL_LONGTERM"]}},
                 {"op":"release","args":{"pinId":"${3.pin.id}","how":"unpin_user_pages"}},
                 {"op":"process","args":{"comm":"peer"}},
                 {"op":"mmap","pid":"${5.pid}","args":{"length":4096,"prot":["PROT_READ"],"flags":["MAP_PRIVATE","MAP_ANONYMOUS"]}},
                 {"op":"munmap","pid":1,"args":{"addr":"${1.addr}","length":"${3.ret}"}}]
                """;
        Res r = importSteps("v6.18", steps);
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        Session s = new Session(r.json().path("id").asString(), r.json().path("token").asString(), r.json());
        JsonNode h = get(p(s, "/history"), s.token()).json().path("steps");
        String addr = h.get(0).path("result").path("addr").asString();
        long base = Long.parseLong(addr.substring(2), 16);
        assertThat(h.get(1).path("args").path("addr").asString()).isEqualTo("0x" + Long.toHexString(base + 0x1000));
        assertThat(h.get(2).path("result").path("ret").asLong()).as("two pages pinned").isEqualTo(2);
        assertThat(h.get(3).path("args").path("pinId").asLong()).isEqualTo(h.get(2).path("result").path("pin").path("id").asLong());
        assertThat(h.get(5).path("pid").asInt()).as("the created process").isEqualTo(2);
        assertThat(h.get(6).path("args").path("length").asLong()).as("${3.ret} is a number").isEqualTo(2);
        JsonNode pins = get(p(s, "/pins"), s.token()).json();
        assertThat(pins.get(0).path("released").asBoolean()).isTrue();
        assertThat(get(p(s, "/processes/2/maps"), s.token()).json().size()).as("[stack] and the new mapping").isEqualTo(2);
    }

    @Test
    void malformedImportsAre400NamingTheStep() {
        importSteps("v6.18", "[{\"op\":\"mmapp\",\"pid\":1,\"args\":{}}]").problem(400, "validation-failed");
        Res unknown = importSteps("v6.18", "[{\"op\":\"mmapp\",\"pid\":1,\"args\":{}}]");
        assertThat(unknown.fieldError("steps[0].op")).contains("mmapp").contains("munmap");

        Res later = importSteps("v6.18", """
                [{"op":"munmap","pid":1,"args":{"addr":"${2.addr}","length":4096}},
                 {"op":"mmap","pid":1,"args":{"length":4096,"prot":[],"flags":["MAP_PRIVATE","MAP_ANONYMOUS"]}}]""");
        later.problem(400, "validation-failed");
        assertThat(later.fieldError("steps[0].args.addr")).contains("step 2");

        Res missing = importSteps("v6.18", """
                [{"op":"mmap","pid":1,"args":{"length":4096,"prot":[],"flags":["MAP_PRIVATE","MAP_ANONYMOUS"]}},
                 {"op":"release","args":{"pinId":"${1.pin.id}","how":"unpin_user_pages"}}]""");
        missing.problem(400, "validation-failed");
        assertThat(missing.fieldError("steps[1].args.pinId")).contains("pin.id");

        Res badArg = importSteps("v6.18", "[{\"op\":\"mmap\",\"pid\":1,\"args\":{\"length\":-5,\"prot\":[],\"flags\":[]}}]");
        badArg.problem(400, "validation-failed");
        assertThat(badArg.fieldError("steps[0].args.length")).isNotBlank();

        Res noPid = importSteps("v6.18", "[{\"op\":\"fork\",\"args\":{}}]");
        assertThat(noPid.fieldError("steps[0].pid")).contains("fork");

        Res noProcess = importSteps("v6.18", "[{\"op\":\"fork\",\"pid\":7}]");
        noProcess.problem(400, "validation-failed");
        assertThat(noProcess.fieldError("steps[0]")).contains("pid 7");

        Res unknownField = importSteps("v6.18", "[{\"op\":\"close\",\"pid\":1,\"args\":{\"fd\":3,\"fdd\":4}}]");
        assertThat(unknownField.fieldError("steps[0].args.fdd")).contains("unknown");
    }

    @Test
    void atShowsTheStateAfterAnEarlierStep() {
        Session s = newSession("v6.18");
        String addr = post(p(s, "/processes/1/mmap"), s.token(), ANON_RW_2).json().path("addr").asString();
        post(p(s, "/processes/1/access"), s.token(), write(addr, 4096, 11));
        post(p(s, "/processes/1/munmap"), s.token(), "{\"addr\":\"" + addr + "\",\"length\":8192}");

        assertThat(get(p(s, "/processes/1/maps?at=0"), s.token()).json().size()).as("[stack] only").isEqualTo(1);
        assertThat(get(p(s, "/processes/1/maps?at=1"), s.token()).json().size()).isEqualTo(2);
        JsonNode page = get(p(s, "/processes/1/pagemap?addr=" + addr + "&length=4096&at=2"), s.token()).json().get(0);
        assertThat(page.path("present").asBoolean()).isTrue();
        assertThat(page.path("value").asLong()).isEqualTo(11);
        assertThat(get(p(s, "/processes/1/pagemap?addr=" + addr + "&length=4096&at=1"), s.token()).json().get(0)
                .path("present").asBoolean()).as("not yet touched at step 1").isFalse();
        assertThat(get(p(s, "/processes/1/maps?at=3"), s.token()).json().size()).isEqualTo(1);
        assertThat(get(p(s, "/processes/1/maps"), s.token()).json().size()).isEqualTo(1);

        get(p(s, "/processes/1/maps?at=4"), s.token()).problem(400, "validation-failed");
        assertThat(get(p(s, "/processes/1/maps?at=4"), s.token()).fieldError("at")).contains("0..3");
        get(p(s, "/processes/1/maps?at=-1"), s.token()).problem(400, "validation-failed");
        get(p(s, "/processes/1/maps?at=01"), s.token()).problem(400, "validation-failed");
        post(p(s, "/processes/1/mmap?at=1"), s.token(), ANON_RW_2).problem(400, "validation-failed");
        assertThat(get(p(s, "/history"), s.token()).json().path("steps").size()).as("nothing was added").isEqualTo(3);
    }

    /** Issue 10 item 3: events use the answers' presentation (hex addresses, flag names, access ret = bytes). */
    @Test
    void eventsAreTheLogPresentedLikeTheAnswers() {
        Session s = newSession("v6.18");
        String addr = post(p(s, "/processes/1/mmap"), s.token(), ANON_RW_2).json().path("addr").asString();
        Res access = post(p(s, "/processes/1/access"), s.token(), write(addr, 4096, 1));
        int ring = post(p(s, "/processes/1/io_uring_setup"), s.token(), "{\"entries\":8}").json().path("ret").asInt();
        // unregistering a table that was never registered: -ENXIO (io_sqe_buffers_unregister(), io_uring/rsrc.c)
        post(p(s, "/processes/1/io_uring_register"), s.token(), "{\"fd\":" + ring + ",\"opcode\":\"IORING_UNREGISTER_BUFFERS\"}");

        JsonNode events = get(p(s, "/events"), s.token()).json();
        assertThat(events.size()).isEqualTo(4);
        JsonNode mmap = events.get(0);
        assertThat(mmap.path("call").asString()).isEqualTo("mmap");
        assertThat(mmap.path("addr").asString()).isEqualTo(addr);
        assertThat(mmap.path("ret").isNull()).as("as the mmap answer: addr, no ret").isTrue();
        assertThat(mmap.path("args").path("flags").toString()).isEqualTo("[\"MAP_PRIVATE\",\"MAP_ANONYMOUS\"]");
        JsonNode acc = events.get(1);
        assertThat(acc.path("ret").asLong()).isEqualTo(access.json().path("ret").asLong()).isEqualTo(4096);
        assertThat(acc.path("args").path("addr").asString()).isEqualTo(addr);
        assertThat(events.get(3).path("call").asString()).isEqualTo("io_uring_register");
        assertThat(events.get(3).path("errno").asString()).isEqualTo("ENXIO");
        assertThat(get(p(s, "/events?after=3"), s.token()).json().size()).isEqualTo(1);
    }
}
