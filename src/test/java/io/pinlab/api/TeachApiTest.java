package io.pinlab.api;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Compare, exercises, courses, explain refs and metrics over HTTP (issue 11), bad input included. */
class TeachApiTest extends HttpTestSupport {
    /** Lab 3 part A as steps: an anonymous page, then a memfd page right after it, registered as one buffer. */
    static final String MULTI_SOURCE = """
            [{"op":"memfd_create","pid":1,"args":{"name":"buf","size":4096}},
             {"op":"mmap","pid":1,"args":{"length":4096,"prot":["PROT_READ","PROT_WRITE"],"flags":["MAP_PRIVATE","MAP_ANONYMOUS"]}},
             {"op":"mmap","pid":1,"args":{"addr":"${2.addr}+0x1000","length":4096,"prot":["PROT_READ","PROT_WRITE"],
                                          "flags":["MAP_SHARED","MAP_FIXED"],"fd":"${1.ret}"}},
             {"op":"io_uring_setup","pid":1,"args":{"entries":8}},
             {"op":"io_uring_register","pid":1,"args":{"fd":"${4.ret}","opcode":"IORING_REGISTER_BUFFERS",
                                                      "iovecs":[{"base":"${2.addr}","len":8192}]}}]""";

    // ---------------------------------------------------------------- compare

    @Test
    void compareShowsWhereKernelsDifferAndTheDecidingCheck() {
        Res r = post("/api/v1/compare", null, "{\"profiles\":[\"v6.3\",\"seed\",\"v6.4\"],\"steps\":" + MULTI_SOURCE + "}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().path("differing").toString()).isEqualTo("[5]");
        JsonNode reg = r.json().path("steps").get(4).path("results");
        // io_uring/rsrc.c: 6.3 (edd478269640) -EINVAL; the seed series: FOLL_SAME_FILE short pin, -EFAULT; 6.4 reverts: 0
        assertThat(reg.path("v6.3").path("errno").asString()).isEqualTo("EINVAL");
        assertThat(reg.path("seed").path("errno").asString()).isEqualTo("EFAULT");
        assertThat(reg.path("v6.4").path("ret").asLong()).isZero();
        assertThat(reg.path("v6.3").path("decisive").path("file").asString()).isEqualTo("io_uring/rsrc.c");
        assertThat(reg.path("v6.3").path("decisive").path("fn").asString()).isNotBlank();
    }

    @Test
    void compareRefusesBadInput() {
        post("/api/v1/compare", null, "{\"profiles\":[\"v6.3\",\"v9.9\"],\"steps\":" + MULTI_SOURCE + "}")
                .problem(400, "validation-failed").path("errors").forEach(e -> assertThat(e.path("field").asString()).isEqualTo("profiles[1]"));
        assertThat(post("/api/v1/compare", null, "{\"profiles\":[\"v6.3\",\"v6.3\"],\"steps\":" + MULTI_SOURCE + "}")
                .problem(400, "validation-failed").toString()).contains("profiles[1]");
        // a reference to a later step: step 1 cannot use step 2's result in any profile
        Res later = post("/api/v1/compare", null, """
                {"profiles":["v6.4","v6.5"],"steps":[
                  {"op":"access","pid":1,"args":{"addr":"${2.addr}","length":4096,"access":"read"}},
                  {"op":"mmap","pid":1,"args":{"length":4096,"prot":["PROT_READ"],"flags":["MAP_PRIVATE","MAP_ANONYMOUS"]}}]}""");
        assertThat(later.problem(400, "validation-failed").toString()).contains("steps[0]").contains("refers to step 2");
        StringBuilder many = new StringBuilder("[");
        for (int i = 0; i < 501; i++) many.append(i == 0 ? "" : ",").append("{\"op\":\"io_uring_setup\",\"pid\":1,\"args\":{\"entries\":1}}");
        assertThat(post("/api/v1/compare", null, "{\"profiles\":[\"v6.4\"],\"steps\":" + many + "]}")
                .problem(400, "validation-failed").toString()).contains("steps");
        assertThat(post("/api/v1/compare", null, "{\"profiles\":[],\"steps\":" + MULTI_SOURCE + "}")
                .problem(400, "validation-failed").toString()).contains("profiles");
    }

    @Test
    void aStepOnlySomeKernelsCanMakeIsShownAsNotRun() {
        // FOLL_SAME_FILE exists only in the seed series (include/linux/mm_types.h of that series)
        Res r = post("/api/v1/compare", null, """
                {"profiles":["seed","v6.5"],"steps":[
                  {"op":"mmap","pid":1,"args":{"length":8192,"prot":["PROT_READ","PROT_WRITE"],"flags":["MAP_PRIVATE","MAP_ANONYMOUS"]}},
                  {"op":"gup","pid":1,"args":{"call":"pin_user_pages","start":"${1.addr}","nrPages":2,"gupFlags":["FOLL_WRITE","FOLL_SAME_FILE"]}}]}""");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode step2 = r.json().path("steps").get(1).path("results");
        assertThat(step2.path("seed").path("ret").asLong()).isEqualTo(2);
        assertThat(step2.path("v6.5").path("notRun").asString()).contains("FOLL_SAME_FILE");
        assertThat(r.json().path("differing").toString()).isEqualTo("[2]");
    }

    @Test
    void aSessionsHistoryIsReplayedWithReferencesInsteadOfLiterals() {
        Session s = newSession("v6.5");
        String base = "/api/v1/sessions/" + s.id() + "/processes/1";
        assertThat(post(base + "/open", s.token(), "{\"path\":\"/mnt/ext4/data\",\"flags\":[\"O_RDWR\",\"O_CREAT\"],\"size\":8192}").status()).isEqualTo(200);
        String addr = post(base + "/mmap", s.token(), "{\"length\":8192,\"prot\":[\"PROT_READ\",\"PROT_WRITE\"],\"flags\":[\"MAP_SHARED\"],\"fd\":0}")
                .json().path("addr").asString();
        long page2 = Long.parseUnsignedLong(addr.substring(2), 16) + 4096;
        assertThat(post(base + "/gup", s.token(), "{\"call\":\"pin_user_pages\",\"start\":\"0x" + Long.toHexString(page2)
                + "\",\"nrPages\":1,\"gupFlags\":[\"FOLL_WRITE\",\"FOLL_LONGTERM\"]}").json().path("errno").asString()).isEqualTo("EFAULT");
        Res r = post("/api/v1/sessions/" + s.id() + "/compare", s.token(), "{\"profiles\":[\"v6.4\",\"v6.5\"]}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode script = r.json().path("script");
        assertThat(script.get(1).path("args").path("fd").asString()).isEqualTo("${1.ret}");
        assertThat(script.get(2).path("args").path("start").asString()).isEqualTo("${2.addr}+0x1000");
        // mm/gup.c check_vma_flags(): the long-term write pin of a shared ext4 page is refused from 6.5 on
        assertThat(r.json().path("differing").toString()).isEqualTo("[3]");
        assertThat(r.json().path("steps").get(2).path("results").path("v6.5").path("decisive").path("fn").asString())
                .isEqualTo("check_vma_flags");
        assertThat(post("/api/v1/sessions/" + s.id() + "/compare", s.token(), "{\"profiles\":[\"v7.0\"]}")
                .problem(400, "validation-failed").toString()).contains("profiles[0]");
        assertThat(post("/api/v1/sessions/" + s.id() + "/compare", null, "{\"profiles\":[\"v6.4\"]}").status()).isEqualTo(401);
    }

    // ---------------------------------------------------------------- exercises

    @Test
    void anExerciseHintsFirstAndShowsTheSolutionAfterThreeTries() {
        JsonNode catalog = get("/api/v1/exercises", null).json();
        assertThat(catalog.size()).isGreaterThanOrEqualTo(15);
        Session s = newSession("v6.5");
        String ex = "/api/v1/sessions/" + s.id() + "/exercises/pin-bias";
        assertThat(post(ex + "/answer", s.token(), "{\"answers\":{\"refcount\":1}}").problem(409, "exercise-not-started")).isNotNull();
        Res started = post(ex, s.token(), null);
        assertThat(started.status()).as(started.body()).isEqualTo(201);
        assertThat(started.json().path("setup").size()).isEqualTo(2);
        assertThat(started.json().path("question").path("ask").toString()).contains("refcount", "pincount");
        assertThat(started.json().path("variant").path("profile").asString()).isEqualTo("v6.5");

        String wrong = "{\"answers\":{\"refcount\":-1,\"pincount\":-1}}";
        for (int i = 1; i <= 2; i++) {
            Res r = post(ex + "/answer", s.token(), wrong);
            assertThat(r.json().path("correct").asBoolean()).isFalse();
            assertThat(r.json().path("explanation").asString()).startsWith("Hint " + i);
            assertThat(r.json().path("items").get(0).path("expected").isNull()).isTrue();
        }
        Res third = post(ex + "/answer", s.token(), wrong);
        JsonNode items = third.json().path("items");
        assertThat(items.get(0).path("expected").isNumber()).as(third.body()).isTrue();
        assertThat(third.json().path("trace").toString()).contains("elixir.bootlin.com/linux/v6.5/");
        String right = "{\"answers\":{\"refcount\":" + items.get(0).path("expected") + ",\"pincount\":" + items.get(1).path("expected") + "}}";
        Res ok = post(ex + "/answer", s.token(), right);
        assertThat(ok.json().path("correct").asBoolean()).isTrue();
        assertThat(ok.json().path("tries").asInt()).isEqualTo(4);
        JsonNode attempts = get("/api/v1/sessions/" + s.id() + "/exercises", s.token()).json();
        assertThat(attempts.get(0).path("solved").asBoolean()).isTrue();

        post(ex + "/answer", s.token(), "{\"answers\":{\"colour\":1}}").problem(400, "validation-failed");
        assertThat(get("/actuator/prometheus", null, "text/plain").body())
                .containsPattern("pinlab_exercise_answers_total\\{correct=\"false\",exercise=\"pin-bias\"} [3-9]")
                .containsPattern("pinlab_exercise_answers_total\\{correct=\"true\",exercise=\"pin-bias\"} [1-9]");
        post("/api/v1/sessions/" + s.id() + "/exercises/no-such", s.token(), null).problem(404, "not-found");
    }

    // ---------------------------------------------------------------- courses

    @Test
    void aCourseJoinsStudentsAndItsInstructorReadsTheirSessions() {
        Res created = post("/api/v1/courses", null, "{\"title\":\"OS lab\",\"maxSessions\":2}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        String cid = created.json().path("id").asString(), code = created.json().path("joinCode").asString();
        String instructor = created.json().path("instructorToken").asString();

        post("/api/v1/sessions", null, "{\"joinCode\":\"WRON-GCOD-E000\",\"label\":\"Ada\"}").problem(404, "not-found");
        post("/api/v1/sessions", null, "{\"joinCode\":\"" + code + "\"}").problem(400, "validation-failed");
        Res ada = post("/api/v1/sessions", null, "{\"joinCode\":\"" + code + "\",\"label\":\"Ada\",\"profile\":\"v6.5\"}");
        assertThat(ada.status()).isEqualTo(201);
        String sid = ada.json().path("id").asString(), token = ada.json().path("token").asString();
        assertThat(post("/api/v1/sessions/" + sid + "/processes/1/mmap", token,
                "{\"length\":4096,\"prot\":[\"PROT_READ\"],\"flags\":[\"MAP_PRIVATE\",\"MAP_ANONYMOUS\"]}").status()).isEqualTo(200);
        assertThat(post("/api/v1/sessions", null, "{\"joinCode\":\"" + code + "\",\"label\":\"Bob\"}").status()).isEqualTo(201);
        post("/api/v1/sessions", null, "{\"joinCode\":\"" + code + "\",\"label\":\"Eve\"}").problem(409, "course-full");

        get("/api/v1/courses/" + cid, null).problem(401, "unauthorized");
        get("/api/v1/courses/" + cid, token).problem(404, "not-found");
        JsonNode course = get("/api/v1/courses/" + cid, instructor).json();
        assertThat(course.path("sessions").size()).isEqualTo(2);
        JsonNode first = course.path("sessions").get(0);
        assertThat(first.path("label").asString()).isEqualTo("Ada");
        assertThat(first.path("steps").asLong()).isEqualTo(1);
        assertThat(first.path("lastActiveAt").asString()).isNotBlank();
        assertThat(first.path("exercises").path("attempted").asInt()).isZero();

        // read-only: every read answers, every write is 403
        assertThat(get("/api/v1/sessions/" + sid + "/processes/1/maps", instructor).status()).isEqualTo(200);
        assertThat(get("/api/v1/sessions/" + sid, instructor).status()).isEqualTo(200);
        post("/api/v1/sessions/" + sid + "/processes/1/mmap", instructor,
                "{\"length\":4096,\"prot\":[\"PROT_READ\"],\"flags\":[\"MAP_PRIVATE\",\"MAP_ANONYMOUS\"]}").problem(403, "forbidden");
        delete("/api/v1/sessions/" + sid, instructor).problem(403, "forbidden");

        // another course's instructor token is just a token that does not match
        String other = post("/api/v1/courses", null, "{\"title\":\"other\"}").json().path("instructorToken").asString();
        get("/api/v1/sessions/" + sid + "/processes/1/maps", other).problem(404, "not-found");
        get("/api/v1/courses/" + cid, other).problem(404, "not-found");

        assertThat(delete("/api/v1/courses/" + cid, token).status()).isEqualTo(404);
        assertThat(delete("/api/v1/courses/" + cid, instructor).status()).isEqualTo(204);
        get("/api/v1/sessions/" + sid, token).problem(404, "not-found");
        get("/api/v1/courses/" + cid, instructor).problem(404, "not-found");
    }

    // ---------------------------------------------------------------- explain refs and metrics

    @Test
    void explainStepsLinkToTheFunctionInTheSessionsKernel() {
        for (String[] pv : List.of(new String[]{"v6.5", "v6.5"}, new String[]{"seed", "v6.3"}, new String[]{"v6.18", "v6.18"})) {
            Session s = newSession(pv[0]);
            JsonNode explain = post("/api/v1/sessions/" + s.id() + "/processes/1/mmap", s.token(),
                    "{\"length\":4096,\"prot\":[\"PROT_READ\"],\"flags\":[\"MAP_PRIVATE\",\"MAP_ANONYMOUS\"]}").json().path("explain");
            assertThat(explain.size()).isPositive();
            for (JsonNode step : explain)
                assertThat(step.path("ref").asString())
                        .isEqualTo("https://elixir.bootlin.com/linux/" + pv[1] + "/A/ident/" + step.path("fn").asString());
        }
    }

    @Test
    void metricsAnOperatorReads() {
        Session s = newSession("v6.4");
        String base = "/api/v1/sessions/" + s.id() + "/processes/1";
        String addr = post(base + "/mmap", s.token(), "{\"length\":8192,\"prot\":[\"PROT_READ\",\"PROT_WRITE\"],\"flags\":[\"MAP_PRIVATE\",\"MAP_ANONYMOUS\"]}")
                .json().path("addr").asString();
        post(base + "/gup", s.token(), "{\"call\":\"pin_user_pages\",\"start\":\"" + addr + "\",\"nrPages\":2,\"gupFlags\":[\"FOLL_WRITE\"]}");
        post(base + "/munmap", s.token(), "{\"addr\":\"0x10\",\"length\":4096}"); // unaligned: -EINVAL
        String text = get("/actuator/prometheus", null, "text/plain").body();
        assertThat(text).contains("pinlab_sessions_active").contains("pinlab_pins_active")
                .contains("pinlab_registered_buffers").containsPattern("pinlab_syscalls_total\\{errno=\"none\",op=\"mmap\",profile=\"v6.4\"}")
                .containsPattern("pinlab_syscalls_total\\{errno=\"EINVAL\",op=\"munmap\",profile=\"v6.4\"}");
        List<String> pins = new ArrayList<>();
        for (String line : text.split("\n")) if (line.startsWith("pinlab_pins_active ")) pins.add(line);
        assertThat(pins).hasSize(1);
        assertThat(Double.parseDouble(pins.get(0).split(" ")[1])).isGreaterThanOrEqualTo(1.0);
    }
}
