package io.pinlab.api;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ProfileApiTest extends HttpTestSupport {

    @Test
    void listsFiveProfilesWithDefaultMarked() {
        Res r = get("/api/v1/profiles", null);
        assertThat(r.status()).isEqualTo(200);
        List<String> names = new ArrayList<>();
        List<String> defaults = new ArrayList<>();
        for (JsonNode p : r.json()) {
            names.add(p.path("name").asString());
            if (p.path("default").asBoolean()) defaults.add(p.path("name").asString());
            assertThat(p.path("kernel").asString()).isNotBlank();
            assertThat(p.path("summary").asString()).isNotBlank();
            assertThat(p.path("differences").isArray()).isTrue();
        }
        assertThat(names).containsExactly("v6.3", "seed", "v6.4", "v6.5", "v6.18");
        assertThat(defaults).containsExactly("v6.18");
    }

    @Test
    void flagsFollowTheProfile() {
        assertThat(flagNames("seed")).contains("FOLL_SAME_FILE").doesNotContain("FOLL_HONOR_NUMA_FAULT");
        assertThat(flagNames("v6.3")).doesNotContain("FOLL_SAME_FILE", "FOLL_HONOR_NUMA_FAULT");
        assertThat(flagNames("v6.4")).doesNotContain("FOLL_SAME_FILE", "FOLL_HONOR_NUMA_FAULT");
        assertThat(flagNames("v6.5")).contains("FOLL_HONOR_NUMA_FAULT").doesNotContain("FOLL_SAME_FILE");
        assertThat(flagNames("v6.18")).contains("FOLL_HONOR_NUMA_FAULT", "FOLL_MADV_POPULATE").doesNotContain("FOLL_SAME_FILE");
    }

    @Test
    void flagValuesAndKinds() {
        Res r = get("/api/v1/profiles/seed/flags", null);
        JsonNode write = find(r.json(), "FOLL_WRITE");
        assertThat(write.path("value").asInt()).isEqualTo(1);
        assertThat(write.path("kind").asString()).isEqualTo("caller");
        JsonNode pin = find(r.json(), "FOLL_PIN");
        assertThat(pin.path("value").asInt()).isEqualTo(1 << 19);
        assertThat(pin.path("kind").asString()).isEqualTo("internal");
        JsonNode same = find(r.json(), "FOLL_SAME_FILE");
        assertThat(same.path("value").asInt()).isEqualTo(1 << 12);
        assertThat(same.path("kind").asString()).isEqualTo("proposed");
    }

    @Test
    void unknownProfileIs404Problem() {
        Res r = get("/api/v1/profiles/v7.0/flags", null);
        r.problem(404, "not-found");
        assertThat(r.json().path("detail").asString()).contains("v6.18");
    }

    private List<String> flagNames(String profile) {
        Res r = get("/api/v1/profiles/" + profile + "/flags", null);
        assertThat(r.status()).isEqualTo(200);
        List<String> out = new ArrayList<>();
        r.json().forEach(f -> out.add(f.path("name").asString()));
        return out;
    }

    private static JsonNode find(JsonNode arr, String name) {
        for (JsonNode n : arr) if (n.path("name").asString().equals(name)) return n;
        throw new AssertionError(name + " missing");
    }
}
