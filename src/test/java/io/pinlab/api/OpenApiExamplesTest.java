package io.pinlab.api;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The request examples of the served document succeed when executed, in the order "Try it out"
 * would run a lab: each is read from /v3/api-docs (not from Java constants) and sent to its path on
 * a new session, with pid 1 and pin 1.
 */
class OpenApiExamplesTest extends HttpTestSupport {

    /** operationId -> [method, path] of every operation with a JSON request body example. */
    private static Map<String, String[]> examples(JsonNode doc, Map<String, JsonNode> bodies) {
        Map<String, String[]> ops = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> p : doc.path("paths").properties())
            for (Map.Entry<String, JsonNode> m : p.getValue().properties()) {
                JsonNode media = m.getValue().path("requestBody").path("content").path("application/json");
                if (!media.has("example")) continue;
                String id = m.getValue().path("operationId").asString();
                ops.put(id, new String[]{m.getKey(), p.getKey()});
                bodies.put(id, media.path("example"));
            }
        return ops;
    }

    @Test
    void everyRequestExampleSucceedsInLabOrder() {
        JsonNode doc = get("/v3/api-docs", null).json();
        Map<String, JsonNode> bodies = new LinkedHashMap<>();
        Map<String, String[]> ops = examples(doc, bodies);
        List<String> order = List.of("createSession", "mmap", "access", "gup", "releasePin", "open", "ioUringSetup",
                "ioUringRegister", "ioUringEnter", "ftruncate", "memfdCreate", "memfdSecret", "close", "fallocate", "pipe2",
                "vmsplice", "read", "mprotect",
                "madvise", "mremap", "munmap", "createProcess", "setSysctl", "swapon", "compareSession", "answerExercise", "compare",
                "createCourse");
        assertThat(ops.keySet()).as("every operation with a request body has an example").containsExactlyInAnyOrderElementsOf(order);
        for (Map.Entry<String, String[]> op : ops.entrySet())
            assertThat(doc.path("paths").path(op.getValue()[1]).path(op.getValue()[0]).has("requestBody")).isTrue();

        String sid = null, token = null;
        for (String id : order) {
            String[] mp = ops.get(id);
            String path = mp[1].replace("{sid}", sid == null ? "" : sid).replace("{pid}", "1")
                    .replace("/exercises/{id}", "/exercises/pin-bias").replace("{id}", "1").replace("{name}", "vm.nr_hugepages");
            if (id.equals("answerExercise")) // an exercise is started (no body) before it is answered
                assertThat(post(path.replace("/answer", ""), token, null).status()).isEqualTo(201);
            Res r = send(method(mp[0].toUpperCase(), path, token, bodies.get(id).toString(), "application/json"));
            assertThat(r.status()).as("%s %s -> %s", id, bodies.get(id), r.body()).isBetween(200, 201);
            if (r.json().has("errno")) assertThat(r.json().path("errno").isNull()).as("%s -> %s", id, r.body()).isTrue();
            if (id.equals("createSession")) {
                sid = r.json().path("id").asString();
                token = r.json().path("token").asString();
            }
            if (id.equals("gup")) assertThat(r.json().path("ret").asInt()).isEqualTo(4);
            if (id.equals("ioUringEnter")) assertThat(r.json().path("cqes").get(0).path("res").asInt()).isEqualTo(4096);
        }
        assertThat(delete("/api/v1/sessions/" + sid, token).status()).isEqualTo(204);
    }
}
