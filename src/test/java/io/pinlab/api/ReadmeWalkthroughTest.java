package io.pinlab.api;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 10, item 2: the README's curl walkthrough, request by request, against a real server. Each
 * promise its comments make is asserted twice: the README still says it, and the answer shows it.
 */
class ReadmeWalkthroughTest extends HttpTestSupport {

    private static List<String> fns(JsonNode answer) {
        List<String> fns = new ArrayList<>();
        answer.path("explain").forEach(step -> fns.add(step.path("fn").asString()));
        return fns;
    }

    @Test
    void everyCommentMatchesTheRealAnswer() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        Session s = newSession("v6.18");
        String b = "/api/v1/sessions/" + s.id() + "/processes/1";

        // 2. mmap
        Res mmap = post(b + "/mmap", s.token(),
                "{\"length\":16384,\"prot\":[\"PROT_READ\",\"PROT_WRITE\"],\"flags\":[\"MAP_PRIVATE\",\"MAP_ANONYMOUS\"]}");
        assertThat(readme).contains("# -> {\"addr\":\"0x7ffff7ffb000\",\"ret\":null,\"errno\":null,\"explain\":[{\"fn\":\"__get_unmapped_area\",...},{\"fn\":\"mmap_region\",...}],...}");
        assertThat(mmap.json().path("addr").asString()).isEqualTo("0x7ffff7ffb000");
        assertThat(mmap.json().path("ret").isNull()).isTrue();
        assertThat(mmap.json().path("errno").isNull()).isTrue();
        assertThat(fns(mmap.json())).containsExactly("__get_unmapped_area", "mmap_region");

        // 3. access
        Res access = post(b + "/access", s.token(), "{\"addr\":\"0x7ffff7ffb000\",\"length\":4096,\"access\":\"write\",\"value\":42}");
        assertThat(readme).contains("# -> {\"ret\":4096,\"signal\":null,...,\"faults\":1,...,\"explain\":[{\"fn\":\"handle_mm_fault\",...}]}");
        assertThat(access.json().path("ret").asLong()).isEqualTo(4096);
        assertThat(access.json().path("signal").isNull()).isTrue();
        assertThat(access.json().path("faults").asInt()).isEqualTo(1);
        assertThat(fns(access.json())).containsExactly("handle_mm_fault");

        // pin it as a driver would
        Res gup = post(b + "/gup", s.token(), "{\"call\":\"pin_user_pages_fast\",\"start\":\"0x7ffff7ffb000\",\"nrPages\":1,"
                + "\"gupFlags\":[\"FOLL_WRITE\",\"FOLL_LONGTERM\"]}");
        assertThat(readme).contains("{\"fn\":\"is_valid_gup_args\",...}").contains("{\"fn\":\"mm_set_has_pinned_flag\",...}").contains("{\"fn\":\"gup_fast\",...,")
                .contains("\"detail\":\"gup-fast took 1 of 1 pages without mmap_lock\"");
        assertThat(gup.json().path("ret").asLong()).isEqualTo(1);
        assertThat(gup.json().path("pin").path("id").asLong()).isEqualTo(1);
        assertThat(gup.json().path("pin").path("pfns").get(0).asLong()).isEqualTo(1048576);
        assertThat(fns(gup.json())).containsExactly("is_valid_gup_args", "mm_set_has_pinned_flag", "gup_fast");
        assertThat(gup.json().path("explain").get(2).path("detail").asString())
                .isEqualTo("gup-fast took 1 of 1 pages without mmap_lock");

        Res page = get(b + "/pagemap?addr=0x7ffff7ffb000&length=4096", s.token());
        assertThat(readme).contains("folio.refcount 1025").contains("pincount 1");
        assertThat(page.json().get(0).path("folio").path("refcount").asInt()).isEqualTo(1025);
        assertThat(page.json().get(0).path("folio").path("pincount").asInt()).isEqualTo(1);
        assertThat(post("/api/v1/sessions/" + s.id() + "/pins/1/release", s.token(), "{\"how\":\"unpin_user_pages\"}").status())
                .isEqualTo(200);

        // the 422, its kernelRet and its WARN in dmesg
        Res bad = post(b + "/gup", s.token(), "{\"call\":\"pin_user_pages\",\"start\":\"0x7ffff7ffb000\",\"nrPages\":1,"
                + "\"gupFlags\":[\"FOLL_GET\"]}");
        assertThat(readme).contains("422\n`invalid-gup-args`").contains("(`FOLL_GET_WITH_FOLL_PIN`)").contains("0 here");
        bad.problem(422, "invalid-gup-args");
        assertThat(bad.json().path("rule").asString()).isEqualTo("FOLL_GET_WITH_FOLL_PIN");
        assertThat(bad.json().path("kernelRet").asLong()).isEqualTo(0);
        String warning = bad.json().path("warning").asString();
        assertThat(get("/api/v1/sessions/" + s.id() + "/dmesg", s.token(), "text/plain").body()).contains(warning);
        Res getPin = post(b + "/gup", s.token(), "{\"call\":\"get_user_pages\",\"start\":\"0x7ffff7ffb000\",\"nrPages\":1,"
                + "\"gupFlags\":[\"FOLL_LONGTERM\"]}");
        assertThat(readme).contains("-EINVAL for the get_* calls");
        assertThat(getPin.json().path("kernelRet").asLong()).isEqualTo(-22);

        // the named mistake
        Res typo = post(b + "/mmap", s.token(), "{\"length\":16384,\"prot\":[\"PROT_RAED\"],\"flags\":[\"MAP_PRIVATE\",\"MAP_ANONYMOUS\"]}");
        assertThat(readme).contains("\"detail\":\"invalid request: prot[0]: unknown name 'PROT_RAED'; accepted: PROT_NONE, PROT_READ, ...\"");
        typo.problem(400, "validation-failed");
        assertThat(typo.json().path("detail").asString())
                .startsWith("invalid request: prot[0]: unknown name 'PROT_RAED'; accepted: PROT_NONE, PROT_READ, ");
        assertThat(typo.fieldError("prot[0]")).startsWith("unknown name 'PROT_RAED'; accepted: PROT_NONE, PROT_READ, PROT_WRITE, ");
    }
}
