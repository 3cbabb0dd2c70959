package io.pinlab.api;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** swapon/swapoff, /proc/swaps, MADV_PAGEOUT and the pagemap swapped bit over HTTP. */
class SwapApiTest extends HttpTestSupport {

    private String p(Session s, String rest) {
        return "/api/v1/sessions/" + s.id() + rest;
    }

    @Test
    void pageoutToASwapfileAndBack() {
        Session s = newSession(null);
        assertThat(get(p(s, "/swaps"), s.token()).json().size()).isZero();
        Res on = post(p(s, "/swapon"), s.token(), "{\"size\":16777216}");
        assertThat(on.status()).as(on.body()).isEqualTo(200);
        assertThat(on.json().path("ret").asLong()).isZero();
        Res swaps = get(p(s, "/swaps"), s.token());
        assertThat(swaps.json().get(0).path("sizeKb").asLong()).isEqualTo(16380); // mm/swapfile.c: the header page is not swap space
        assertThat(post(p(s, "/swapon"), s.token(), "{\"size\":16777216}").json().path("errno").asString()).isEqualTo("EBUSY");

        Res m = post(p(s, "/processes/1/mmap"), s.token(),
                "{\"length\":8192,\"prot\":[\"PROT_READ\",\"PROT_WRITE\"],\"flags\":[\"MAP_PRIVATE\",\"MAP_ANONYMOUS\"]}");
        String addr = m.json().path("addr").asString();
        post(p(s, "/processes/1/access"), s.token(), "{\"addr\":\"" + addr + "\",\"length\":8192,\"access\":\"write\",\"value\":7}");
        Res out = post(p(s, "/processes/1/madvise"), s.token(), "{\"addr\":\"" + addr + "\",\"length\":8192,\"advice\":\"MADV_PAGEOUT\"}");
        assertThat(out.json().path("ret").asLong()).as(out.body()).isZero();
        Res pm = get(p(s, "/processes/1/pagemap?addr=" + addr + "&length=4096"), s.token());
        assertThat(pm.json().get(0).path("present").asBoolean()).isFalse();
        assertThat(pm.json().get(0).path("swapped").asBoolean()).as(pm.body()).isTrue();
        assertThat(get(p(s, "/swaps"), s.token()).json().get(0).path("usedKb").asLong()).isEqualTo(8);
        assertThat(get(p(s, "/processes/1"), s.token()).json().path("status").path("vmSwapKb").asLong()).isEqualTo(8);
        Res runs = get(p(s, "/processes/1/pagemap/runs?addr=" + addr + "&length=8192"), s.token());
        assertThat(runs.json().path("runs").get(0).path("state").asString()).as(runs.body()).isEqualTo("swapped");
        assertThat(runs.json().path("runs").get(0).path("pages").asLong()).isEqualTo(2);

        Res off = post(p(s, "/swapoff"), s.token(), null);
        assertThat(off.json().path("ret").asLong()).as(off.body()).isZero();
        assertThat(get(p(s, "/processes/1/pagemap?addr=" + addr + "&length=4096"), s.token()).json().get(0).path("value").asLong()).isEqualTo(7);
        assertThat(post(p(s, "/swapoff"), s.token(), null).json().path("errno").asString()).isEqualTo("EINVAL");
        Res h = get(p(s, "/history"), s.token());
        assertThat(h.body()).contains("\"swapon\"").contains("\"swapoff\"");
    }

    @Test
    void badSwaponRequestsAre400() {
        Session s = newSession(null);
        Res missing = post(p(s, "/swapon"), s.token(), "{}");
        missing.problem(400, "validation-failed");
        assertThat(missing.fieldError("size")).isNotBlank();
        Res negative = post(p(s, "/swapon"), s.token(), "{\"size\":-4096}");
        negative.problem(400, "validation-failed");
        assertThat(negative.fieldError("size")).isNotBlank();
        post(p(s, "/swapon"), s.token(), "{\"size\":\"big\"}").problem(400, "validation-failed");
        // a header-only swapfile is the kernel's answer, not a malformed request: setup_swap_map() "Empty swap-file"
        assertThat(post(p(s, "/swapon"), s.token(), "{\"size\":4096}").json().path("errno").asString()).isEqualTo("EINVAL");
        assertThat(get(p(s, "/swaps"), s.token()).json().size()).isZero();
    }
}
