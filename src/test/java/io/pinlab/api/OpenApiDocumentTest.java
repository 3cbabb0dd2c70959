package io.pinlab.api;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The OpenAPI document describes what the service does, so generated clients work. */
class OpenApiDocumentTest extends HttpTestSupport {

    /** Every method + path of API.md (/work/shared/API.md), in its order. */
    static final List<String> API_MD = List.of(
            "post /api/v1/sessions",
            "get /api/v1/sessions/{sid}",
            "delete /api/v1/sessions/{sid}",
            "get /api/v1/profiles",
            "get /api/v1/profiles/{name}/flags",
            "get /api/v1/sessions/{sid}/sysctl/{name}",
            "put /api/v1/sessions/{sid}/sysctl/{name}",
            "post /api/v1/sessions/{sid}/processes",
            "get /api/v1/sessions/{sid}/processes",
            "get /api/v1/sessions/{sid}/processes/{pid}",
            "delete /api/v1/sessions/{sid}/processes/{pid}",
            "post /api/v1/sessions/{sid}/processes/{pid}/fork",
            "get /api/v1/sessions/{sid}/mounts",
            "post /api/v1/sessions/{sid}/processes/{pid}/open",
            "post /api/v1/sessions/{sid}/processes/{pid}/memfd_create",
            "post /api/v1/sessions/{sid}/processes/{pid}/memfd_secret",
            "post /api/v1/sessions/{sid}/processes/{pid}/ftruncate",
            "post /api/v1/sessions/{sid}/processes/{pid}/close",
            "get /api/v1/sessions/{sid}/processes/{pid}/fds",
            "post /api/v1/sessions/{sid}/processes/{pid}/mmap",
            "post /api/v1/sessions/{sid}/processes/{pid}/munmap",
            "post /api/v1/sessions/{sid}/processes/{pid}/mprotect",
            "post /api/v1/sessions/{sid}/processes/{pid}/madvise",
            "post /api/v1/sessions/{sid}/processes/{pid}/access",
            "get /api/v1/sessions/{sid}/processes/{pid}/maps",
            "get /api/v1/sessions/{sid}/processes/{pid}/pagemap",
            "post /api/v1/sessions/{sid}/processes/{pid}/gup",
            "get /api/v1/sessions/{sid}/pins",
            "post /api/v1/sessions/{sid}/pins/{id}/release",
            "post /api/v1/sessions/{sid}/processes/{pid}/io_uring_setup",
            "post /api/v1/sessions/{sid}/processes/{pid}/io_uring_register",
            "get /api/v1/sessions/{sid}/processes/{pid}/io_uring/{fd}/buffers",
            "post /api/v1/sessions/{sid}/processes/{pid}/io_uring_enter",
            "get /api/v1/sessions/{sid}/dmesg",
            "get /api/v1/sessions/{sid}/events",
            "get /api/v1/sessions/{sid}/events/stream");

    /**
     * Paths whose kernel entry point is not on main yet. The test fails when one of them appears,
     * so that wiring an endpoint means deleting it here.
     */
    static final Set<String> NOT_YET_WIRED = Set.of();

    private JsonNode doc() {
        Res r = get("/v3/api-docs", null);
        assertThat(r.status()).isEqualTo(200);
        return r.json();
    }

    private static Set<String> operations(JsonNode doc) {
        Set<String> ops = new LinkedHashSet<>();
        for (Map.Entry<String, JsonNode> p : doc.path("paths").properties())
            for (Map.Entry<String, JsonNode> m : p.getValue().properties())
                ops.add(m.getKey() + " " + p.getKey());
        return ops;
    }

    @Test
    void isOpenApi3WithUniqueOperationIds() {
        JsonNode doc = doc();
        assertThat(doc.path("openapi").asString()).startsWith("3.");
        List<String> ids = new ArrayList<>();
        for (Map.Entry<String, JsonNode> p : doc.path("paths").properties())
            for (Map.Entry<String, JsonNode> m : p.getValue().properties()) {
                String id = m.getValue().path("operationId").asString();
                assertThat(id).as("operationId of %s %s", m.getKey(), p.getKey()).isNotBlank().doesNotContain("_1");
                ids.add(id);
            }
        assertThat(new HashSet<>(ids)).hasSameSizeAs(ids);
    }

    @Test
    void everyWiredPathOfApiMdIsDocumented() {
        Set<String> ops = operations(doc());
        for (String op : API_MD) {
            if (NOT_YET_WIRED.contains(op)) {
                assertThat(ops).as("%s is wired now: remove it from NOT_YET_WIRED", op).doesNotContain(op);
            } else {
                assertThat(ops).as("API.md operation").contains(op);
            }
        }
        assertThat(API_MD).containsAll(NOT_YET_WIRED);
    }

    @Test
    void flagEnumsComeFromTheKernelEnums() {
        JsonNode schemas = doc().path("components").path("schemas");
        JsonNode mmap = schemas.path("MmapRequest").path("properties");
        assertThat(mmap.path("prot").path("items").path("enum").toString()).contains("PROT_READ", "PROT_WRITE");
        assertThat(mmap.path("flags").path("items").path("enum").toString())
                .contains("MAP_SHARED", "MAP_PRIVATE", "MAP_FIXED_NOREPLACE");
        assertThat(mmap.path("addr").path("type").asString()).isEqualTo("string");
        assertThat(mmap.path("addr").path("pattern").asString()).contains("0[xX]");
    }

    @Test
    void problemResponsesAreDocumented() {
        JsonNode doc = doc();
        assertThat(doc.path("components").path("schemas").path("Problem").path("properties").has("errors")).isTrue();
        JsonNode mmap = doc.path("paths").path("/api/v1/sessions/{sid}/processes/{pid}/mmap").path("post");
        for (String code : List.of("400", "401", "404", "413", "415", "429"))
            assertThat(mmap.path("responses").path(code).path("content").has("application/problem+json"))
                    .as("mmap documents %s", code).isTrue();
        assertThat(mmap.path("security").toString()).contains("sessionToken");
        JsonNode profiles = doc.path("paths").path("/api/v1/profiles").path("get");
        assertThat(profiles.path("responses").has("401")).as("public endpoint").isFalse();
        assertThat(profiles.path("security").toString()).doesNotContain("sessionToken");
    }

    @Test
    void swaggerUiIsServed() {
        Res r = send(java.net.http.HttpRequest.newBuilder(uri("/swagger-ui/index.html")));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).contains("swagger");
    }
}
