package io.pinlab.api.teach;

import io.pinlab.session.LoggedStep;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A history becomes a script of references: what came from a result is referred to, not copied. */
class CompareScriptTest {
    static final JsonMapper JSON = JsonMapper.builder().build();

    static LoggedStep s(String op, Integer pid, String args, long ret, String errno, String x) {
        return new LoggedStep(op, pid, 0, args == null ? null : JSON.readTree(args), ret, errno, x == null ? null : JSON.readTree(x));
    }

    @Test
    void literalsFromEarlierResultsBecomeReferences() {
        List<LoggedStep> history = List.of(
                s("open", 1, "{\"path\":\"/mnt/ext4/data\",\"flags\":[\"O_RDWR\"]}", 0, null, null),
                s("mmap", 1, "{\"length\":8192,\"fd\":0,\"prot\":[\"PROT_READ\"],\"flags\":[\"MAP_SHARED\"]}", 0x7ffff7ffe000L, null, null),
                s("gup", 1, "{\"call\":\"pin_user_pages\",\"start\":\"0x7ffff7fff000\",\"nrPages\":1}", 1, null, "{\"pin\":7}"),
                s("fork", 1, null, 2, null, null),
                s("access", 2, "{\"addr\":\"0x7ffff7ffe000\",\"length\":4096,\"access\":\"read\"}", 4096, null, null),
                s("release", null, "{\"pinId\":7,\"how\":\"unpin_user_pages\"}", 0, null, null),
                s("access", 1, "{\"addr\":\"0x1000\",\"length\":4096,\"access\":\"read\"}", -14, "EFAULT", null));
        List<io.pinlab.api.steps.Steps.StepJson> script = Compare.asScript(history);
        assertThat(script.get(1).args().path("fd").asString()).isEqualTo("${1.ret}");
        assertThat(script.get(2).args().path("start").asString()).isEqualTo("${2.addr}+0x1000");
        assertThat(script.get(4).pid().asString()).isEqualTo("${4.pid}");
        assertThat(script.get(4).args().path("addr").asString()).isEqualTo("${2.addr}");
        assertThat(script.get(5).args().path("pinId").asString()).isEqualTo("${3.pin.id}");
        JsonNode outside = script.get(6).args().path("addr");
        assertThat(outside.asString()).as("an address no result gave stays literal").isEqualTo("0x1000");
        assertThat(script.get(0).pid().asInt()).as("pid 1 exists in every kernel").isEqualTo(1);
    }
}
