package io.pinlab.api;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/** GUP and pins over HTTP: kernel answers, 400 shape errors, 422 invalid-gup-args, 409 double release. */
class GupApiTest extends HttpTestSupport {

    private String p(Session s, String rest) {
        return "/api/v1/sessions/" + s.id() + rest;
    }

    private String mapAndTouch(Session s, int pages) {
        Res m = post(p(s, "/processes/1/mmap"), s.token(), "{\"length\":" + pages * 4096
                + ",\"prot\":[\"PROT_READ\",\"PROT_WRITE\"],\"flags\":[\"MAP_PRIVATE\",\"MAP_ANONYMOUS\"]}");
        assertThat(m.status()).as(m.body()).isEqualTo(200);
        String addr = m.json().path("addr").asString();
        Res a = post(p(s, "/processes/1/access"), s.token(), "{\"addr\":\"" + addr + "\",\"length\":" + pages * 4096
                + ",\"access\":\"write\",\"value\":7}");
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        return addr;
    }

    private Res gup(Session s, String body) {
        return post(p(s, "/processes/1/gup"), s.token(), body);
    }

    @Test
    void pinReleaseAndDoubleReleaseIs409() {
        Session s = newSession(null);
        String addr = mapAndTouch(s, 4);
        Res r = gup(s, "{\"call\":\"pin_user_pages_fast\",\"start\":\"" + addr + "\",\"nrPages\":4,\"gupFlags\":[\"FOLL_WRITE\",\"FOLL_LONGTERM\"]}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().path("ret").asLong()).isEqualTo(4);
        JsonNode pin = r.json().path("pin");
        long id = pin.path("id").asLong();
        assertThat(pin.path("pfns").size()).isEqualTo(4);
        assertThat(pin.path("gupFlags").path("names").toString()).contains("FOLL_WRITE", "FOLL_LONGTERM");
        Res pins = get(p(s, "/pins"), s.token());
        assertThat(pins.json().size()).isEqualTo(1);
        assertThat(pins.json().get(0).path("released").asBoolean()).isFalse();
        assertThat(get(p(s, ""), s.token()).json().path("counts").path("pins").asInt()).isEqualTo(1);
        Res pm = get(p(s, "/processes/1/pagemap?addr=" + addr + "&length=4096"), s.token());
        assertThat(pm.json().get(0).path("folio").path("pincount").asInt()).isEqualTo(1);
        assertThat(pm.json().get(0).path("folio").path("refcount").asInt()).as("GUP_PIN_COUNTING_BIAS").isEqualTo(1025);
        Res rel = post(p(s, "/pins/" + id + "/release"), s.token(), "{\"how\":\"unpin_user_pages\"}");
        assertThat(rel.status()).as(rel.body()).isEqualTo(200);
        assertThat(get(p(s, ""), s.token()).json().path("counts").path("pins").asInt()).isZero();
        assertThat(get(p(s, "/pins"), s.token()).json().get(0).path("released").asBoolean()).isTrue();
        post(p(s, "/pins/" + id + "/release"), s.token(), "{\"how\":\"unpin_user_pages\"}").problem(409, "conflict");
        post(p(s, "/pins/999/release"), s.token(), "{\"how\":\"unpin_user_pages\"}").problem(404, "not-found");
        Res badHow = post(p(s, "/pins/" + id + "/release"), s.token(), "{\"how\":\"free_page\"}");
        badHow.problem(400, "validation-failed");
        assertThat(badHow.fieldError("how")).contains("unpin_user_pages_dirty_lock", "put_page");
    }

    @Test
    void largePinsListTheFirst512PfnsAndTheWholeArrayAsRuns() {
        Session s = newSession(null);
        String addr = mapAndTouch(s, 1024);
        Res r = gup(s, "{\"call\":\"pin_user_pages\",\"start\":\"" + addr + "\",\"nrPages\":1024,\"gupFlags\":[\"FOLL_WRITE\"]}");
        assertThat(r.json().path("ret").asLong()).as(r.body()).isEqualTo(1024);
        JsonNode pin = r.json().path("pin");
        assertThat(pin.path("pfns").size()).isEqualTo(512);
        assertThat(pin.path("pfnsTruncated").asBoolean()).isTrue();
        long inRuns = 0, expectNext = pin.path("pfns").get(0).asLong();
        for (JsonNode run : pin.path("pfnRuns")) inRuns += run.path("count").asLong();
        assertThat(inRuns).as("runs cover the whole page array").isEqualTo(1024);
        assertThat(pin.path("pfnRuns").get(0).path("first").asLong()).isEqualTo(expectNext);
        Res full = get(p(s, "/pins/" + pin.path("id").asLong() + "?full=true"), s.token());
        assertThat(full.json().path("pfns").size()).isEqualTo(1024);
        assertThat(full.json().path("pfnsTruncated").asBoolean()).isFalse();
        // every pfn listed one by one is the one the runs describe
        int i = 0;
        for (JsonNode run : full.json().path("pfnRuns"))
            for (long k = 0; k < run.path("count").asLong(); k++, i++)
                assertThat(full.json().path("pfns").get(i).asLong())
                        .isEqualTo(run.path("first").asLong() + k * run.path("step").asLong());
        get(p(s, "/pins/77"), s.token()).problem(404, "not-found");
    }

    /**
     * munmap frees the frames back to the page allocator, whose per-cpu lists hand them out again
     * last in, first out (free_unref_folios / rmqueue_pcplist in mm/page_alloc.c): a range written
     * again after munmap gets its frames in descending order. The pin answer still stays a few KB.
     */
    @Test
    void aRefaulted1GiBPinAnswerStaysUnder16KB() {
        Session s = newSession(null);
        long pages = 262_144;
        String first = mapAndTouch(s, (int) pages);
        Res un = post(p(s, "/processes/1/munmap"), s.token(), "{\"addr\":\"" + first + "\",\"length\":" + pages * 4096 + "}");
        assertThat(un.json().path("ret").asLong()).as(un.body()).isZero();
        String again = mapAndTouch(s, (int) pages);
        Res r = gup(s, "{\"call\":\"pin_user_pages\",\"start\":\"" + again + "\",\"nrPages\":" + pages
                + ",\"gupFlags\":[\"FOLL_WRITE\",\"FOLL_LONGTERM\"]}");
        assertThat(r.json().path("ret").asLong()).as(r.body().substring(0, Math.min(500, r.body().length()))).isEqualTo(pages);
        assertThat(r.body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length).isLessThanOrEqualTo(16 * 1024);
        JsonNode pin = r.json().path("pin");
        assertThat(pin.path("pfnRunsTruncated").asBoolean()).isFalse();
        JsonNode pfns = pin.path("pfns");
        assertThat(pfns.get(1).asLong()).as("LIFO reuse: descending").isLessThan(pfns.get(0).asLong());
        // the runs expand to exactly the listed pfns and cover the whole array
        long covered = 0;
        int i = 0;
        for (JsonNode run : pin.path("pfnRuns")) {
            for (long k = 0; k < run.path("count").asLong() && i < pfns.size(); k++, i++)
                assertThat(pfns.get(i).asLong()).isEqualTo(run.path("first").asLong() + k * run.path("step").asLong());
            covered += run.path("count").asLong();
        }
        assertThat(covered).isEqualTo(pages);
        Res list = get(p(s, "/pins"), s.token());
        assertThat(list.body().length()).isLessThanOrEqualTo(16 * 1024);
    }

    @Test
    void pinsPaginateWithTheTotalInAHeader() {
        Session s = newSession(null);
        String addr = mapAndTouch(s, 5);
        for (int i = 0; i < 5; i++)
            assertThat(gup(s, "{\"call\":\"pin_user_pages\",\"start\":\"" + addr + "\",\"nrPages\":1,\"gupFlags\":[]}")
                    .json().path("ret").asLong()).isEqualTo(1);
        Res all = get(p(s, "/pins"), s.token());
        assertThat(all.json().size()).isEqualTo(5);
        assertThat(all.header("X-Total-Count")).isEqualTo("5");
        Res page = get(p(s, "/pins?offset=1&limit=2"), s.token());
        assertThat(page.header("X-Total-Count")).isEqualTo("5");
        assertThat(page.json().size()).isEqualTo(2);
        assertThat(page.json().get(0).path("id").asLong()).isEqualTo(all.json().get(1).path("id").asLong());
        assertThat(page.json().get(1).path("id").asLong()).isEqualTo(all.json().get(2).path("id").asLong());
        assertThat(get(p(s, "/pins?offset=9"), s.token()).json().size()).isZero();
        get(p(s, "/pins?limit=0"), s.token()).problem(400, "validation-failed");
        get(p(s, "/pins?limit=1001"), s.token()).problem(400, "validation-failed");
        get(p(s, "/pins?offset=-1"), s.token()).problem(400, "validation-failed");
    }

    @Test
    void invalidGupArgsIs422WithRuleKernelRetAndWarningInDmesg() {
        Session s = newSession("v6.18");
        String addr = mapAndTouch(s, 1);
        Res r = gup(s, "{\"call\":\"pin_user_pages\",\"start\":\"" + addr + "\",\"nrPages\":1,\"gupFlags\":[\"FOLL_GET\"]}");
        JsonNode pd = r.problem(422, "invalid-gup-args");
        assertThat(pd.path("rule").asString()).isEqualTo("FOLL_GET_WITH_FOLL_PIN");
        assertThat(pd.path("kernelRet").asLong()).isZero();
        assertThat(pd.path("warning").asString()).contains("WARN").contains("is_valid_gup_args");
        assertThat(get(p(s, "/dmesg"), s.token(), "text/plain").body()).contains("is_valid_gup_args");
        assertThat(get(p(s, "/pins"), s.token()).json().size()).as("no pin taken").isZero();

        Res longterm = gup(s, "{\"call\":\"get_user_pages\",\"start\":\"" + addr + "\",\"nrPages\":1,\"gupFlags\":[\"FOLL_LONGTERM\"]}");
        JsonNode pd2 = longterm.problem(422, "invalid-gup-args");
        assertThat(pd2.path("rule").asString()).isEqualTo("LONGTERM_WITHOUT_PIN");
        assertThat(pd2.path("kernelRet").asLong()).isEqualTo(-22);
    }

    @Test
    void shapeErrorsAre400NamingTheField() {
        Session s = newSession("v6.18");
        Res sameFile = gup(s, "{\"call\":\"pin_user_pages\",\"start\":\"0x10000\",\"nrPages\":1,\"gupFlags\":[\"FOLL_SAME_FILE\"]}");
        sameFile.problem(400, "validation-failed");
        assertThat(sameFile.fieldError("gupFlags")).contains("FOLL_SAME_FILE").contains("FOLL_HONOR_NUMA_FAULT");
        Res vmas = gup(s, "{\"call\":\"get_user_pages\",\"start\":\"0x10000\",\"nrPages\":1,\"gupFlags\":[],\"vmas\":true}");
        vmas.problem(400, "validation-failed");
        assertThat(vmas.fieldError("vmas")).contains("6.5");
        Res locked = gup(s, "{\"call\":\"pin_user_pages\",\"start\":\"0x10000\",\"nrPages\":1,\"gupFlags\":[],\"locked\":1}");
        locked.problem(400, "validation-failed");
        assertThat(locked.fieldError("locked")).isNotBlank();
        Res call = gup(s, "{\"call\":\"pin_user_page\",\"start\":\"0x10000\",\"nrPages\":1,\"gupFlags\":[]}");
        call.problem(400, "validation-failed");
        assertThat(call.fieldError("call")).contains("pin_user_pages_fast");
        Res neg = gup(s, "{\"call\":\"pin_user_pages\",\"start\":\"0x10000\",\"nrPages\":-1,\"gupFlags\":[]}");
        neg.problem(400, "validation-failed");
        assertThat(neg.fieldError("nrPages")).isNotBlank();
        Res flag = gup(s, "{\"call\":\"pin_user_pages\",\"start\":\"0x10000\",\"nrPages\":1,\"gupFlags\":[\"FOLL_WRTIE\"]}");
        flag.problem(400, "validation-failed");
        assertThat(flag.fieldError("gupFlags[0]")).contains("FOLL_WRITE");
        assertThat(get(p(s, "/events"), s.token()).json().size()).as("nothing reached the kernel").isZero();
        assertThat(get(p(s, "/dmesg"), s.token(), "text/plain").body()).doesNotContain("WARNING");
    }

    @Test
    void sameFileExistsInSeed() {
        Session s = newSession("seed");
        Res r = gup(s, "{\"call\":\"pin_user_pages\",\"start\":\"0x10000\",\"nrPages\":1,\"gupFlags\":[\"FOLL_SAME_FILE\"]}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    @Test
    void kernelFailureIs200() {
        Session s = newSession(null);
        Res r = gup(s, "{\"call\":\"pin_user_pages_fast\",\"start\":\"0x10000\",\"nrPages\":1,\"gupFlags\":[\"FOLL_WRITE\"]}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().path("ret").asLong()).isNegative();
        assertThat(r.json().path("errno").asString()).isEqualTo("EFAULT");
        assertThat(r.json().path("pin").isNull()).isTrue();
    }
}
