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
        assertThat(mmap.path("addr").path("pattern").asString()).contains("0x[0-9a-fA-F]").doesNotContain("0[xX]"); // canonical: lowercase 0x only
    }

    @Test
    void profileNamesAreAnEnumFromTheKernel() {
        JsonNode doc = doc();
        assertThat(doc.path("components").path("schemas").path("CreateSessionRequest").path("properties")
                .path("profile").path("enum").toString()).isEqualTo("[\"v6.3\",\"seed\",\"v6.4\",\"v6.5\",\"v6.18\"]");
        JsonNode param = doc.path("paths").path("/api/v1/profiles/{name}/flags").path("get").path("parameters").get(0);
        assertThat(param.path("schema").path("enum").size()).isEqualTo(5);
        for (JsonNode op : List.of(doc.path("paths").path("/api/v1/sessions/{sid}/sysctl/{name}").path("get"),
                doc.path("paths").path("/api/v1/sessions/{sid}/sysctl/{name}").path("put")))
            for (JsonNode prm : op.path("parameters"))
                if (prm.path("name").asString().equals("name"))
                    assertThat(prm.path("schema").path("enum").toString()).contains("vm.nr_hugepages", "vm.max_map_count");
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

    /** What openapi-generator 7.25 needs to produce a working client (issue 11 item 5). */
    @Test
    void everyOperationDeclaresItsRealSuccessResponse() {
        JsonNode paths = doc().path("paths");
        for (Map.Entry<String, JsonNode> p : paths.properties())
            for (Map.Entry<String, JsonNode> m : p.getValue().properties()) {
                JsonNode responses = m.getValue().path("responses");
                List<String> success = new ArrayList<>();
                responses.propertyNames().forEach(code -> { if (code.startsWith("2")) success.add(code); });
                assertThat(success).as("%s %s declares exactly one success response", m.getKey(), p.getKey()).hasSize(1);
                JsonNode ok = responses.path(success.get(0));
                if (success.get(0).equals("204")) assertThat(ok.has("content")).as("204 has no body").isFalse();
                else assertThat(ok.path("content").size()).as("%s %s success media types", m.getKey(), p.getKey()).isPositive();
            }
        JsonNode gup = paths.path("/api/v1/sessions/{sid}/processes/{pid}/gup").path("post").path("responses");
        assertThat(gup.path("200").path("content").path("application/json").path("schema").path("$ref").asString())
                .endsWith("/GupAnswer");
        assertThat(gup.path("422").path("content").has("application/problem+json")).isTrue();
        JsonNode fork = paths.path("/api/v1/sessions/{sid}/processes/{pid}/fork").path("post").path("responses");
        assertThat(fork.has("200")).isFalse();
        assertThat(fork.path("201").path("content").path("application/json").path("schema").path("$ref").asString())
                .endsWith("/ProcessView");
        assertThat(paths.path("/api/v1/sessions/{sid}").path("delete").path("responses").has("204")).isTrue();
        assertThat(paths.path("/api/v1/sessions/{sid}/processes/{pid}").path("delete").path("responses").has("204")).isTrue();
        assertThat(paths.path("/api/v1/sessions/{sid}/dmesg").path("get").path("responses").path("200").path("content")
                .propertyNames()).containsExactly("text/plain");
        assertThat(paths.path("/api/v1/sessions/{sid}/events/stream").path("get").path("responses").path("200")
                .path("content").propertyNames()).containsExactly("text/event-stream");
    }

    /**
     * A generated client sends Accept: application/problem+json alone when the success has no body
     * (Java, Python) or is not JSON (Python's select_header_accept prefers any JSON type).
     */
    @Test
    void problemJsonAloneIsAcceptedWhereTheSuccessIsNotJson() {
        Session s = newSession(null);
        Res dmesg = get("/api/v1/sessions/" + s.id() + "/dmesg", s.token(), "application/problem+json");
        assertThat(dmesg.status()).isEqualTo(200);
        assertThat(dmesg.header("Content-Type")).startsWith("text/plain");
        assertThat(dmesg.body()).contains("Linux version");
        Res exit = send(java.net.http.HttpRequest.newBuilder(uri("/api/v1/sessions/" + s.id() + "/processes/1")).DELETE()
                .header("Accept", "application/problem+json").header("Authorization", "Bearer " + s.token()));
        assertThat(exit.status()).isEqualTo(204);
        Res del = send(java.net.http.HttpRequest.newBuilder(uri("/api/v1/sessions/" + s.id())).DELETE()
                .header("Accept", "application/problem+json").header("Authorization", "Bearer " + s.token()));
        assertThat(del.status()).isEqualTo(204);
        Res again = send(java.net.http.HttpRequest.newBuilder(uri("/api/v1/sessions/" + s.id())).DELETE()
                .header("Accept", "application/problem+json").header("Authorization", "Bearer " + s.token()));
        again.problem(404, "not-found");
    }

    /**
     * Patterns in the ECMA-262 dialect JSON Schema uses (no \p{..} classes, which Python's re and
     * JavaScript without /u reject), anchored because JSON Schema patterns are unanchored searches.
     */
    @Test
    void patternsAreJsonSchemaRegexes() {
        List<String> patterns = new ArrayList<>();
        collect(doc(), "pattern", patterns);
        assertThat(patterns).isNotEmpty();
        for (String p : patterns) {
            assertThat(p).as("pattern %s", p).doesNotContain("\\p{").doesNotContain("\\P{").doesNotContain("\\Q")
                    .startsWith("^").endsWith("$");
        }
    }

    /** OpenAPI 3.1 nullables: never "type: null" beside a $ref; a nullable enum lists null. */
    @Test
    void nullablesAreOpenApi31() {
        JsonNode schemas = doc().path("components").path("schemas");
        for (Map.Entry<String, JsonNode> s : schemas.properties())
            for (Map.Entry<String, JsonNode> prop : s.getValue().path("properties").properties()) {
                JsonNode p = prop.getValue();
                String where = s.getKey() + "." + prop.getKey();
                if (p.has("$ref")) assertThat(p.has("type")).as(where).isFalse();
                if (p.path("type").isArray() && p.path("type").toString().contains("null") && p.has("enum"))
                    assertThat(p.path("enum").toString()).as(where).contains("null");
            }
        JsonNode folio = schemas.path("PageView").path("properties").path("folio");
        assertThat(folio.path("anyOf").toString()).contains("#/components/schemas/FolioView").contains("\"null\"");
    }

    @Test
    void problemExamplesFitTheirStatus() {
        JsonNode paths = doc().path("paths");
        int seen = 0;
        for (Map.Entry<String, JsonNode> p : paths.properties())
            for (Map.Entry<String, JsonNode> m : p.getValue().properties())
                for (Map.Entry<String, JsonNode> r : m.getValue().path("responses").properties()) {
                    JsonNode media = r.getValue().path("content").path("application/problem+json");
                    if (media.isMissingNode()) continue;
                    JsonNode ex = media.has("example") ? media.path("example")
                            : media.path("examples").properties().iterator().next().getValue().path("value");
                    String where = m.getKey() + " " + p.getKey() + " " + r.getKey();
                    if (ex.isString()) ex = JSON.readTree(ex.asString());
                    assertThat(ex.path("status").asInt()).as(where).isEqualTo(Integer.parseInt(r.getKey()));
                    assertThat(ex.path("type").asString()).as(where).startsWith("https://pinlab.dev/problems/");
                    seen++;
                }
        assertThat(seen).isGreaterThan(100);
    }

    /** Each FOLL_* name says what it means and which profiles define it (FollFlag.existsIn). */
    @Test
    void follFlagsCarryDescriptions() {
        JsonNode items = doc().path("components").path("schemas").path("GupCallRequest").path("properties")
                .path("gupFlags").path("items");
        JsonNode names = items.path("enum"), descriptions = items.path("x-enum-descriptions");
        assertThat(descriptions.size()).isEqualTo(names.size()).isEqualTo(21);
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i).asString(), d = descriptions.get(i).asString();
            switch (name) {
                // include/linux/mm_types.h: bit 12 is FOLL_HONOR_NUMA_FAULT from 6.5; the seed series used it for FOLL_SAME_FILE
                case "FOLL_SAME_FILE" -> assertThat(d).endsWith("profiles: seed]");
                case "FOLL_HONOR_NUMA_FAULT" -> assertThat(d).endsWith("profiles: v6.5, v6.18]");
                case "FOLL_LONGTERM" -> assertThat(d).contains("ZONE_MOVABLE").endsWith("profiles: v6.3, seed, v6.4, v6.5, v6.18]");
                default -> assertThat(d).as(name).contains("profiles: ");
            }
        }
        assertThat(items.path("description").asString()).contains("FOLL_PIN: ").contains("1024");
    }

    private static void collect(JsonNode n, String key, List<String> out) {
        if (n.isObject()) {
            for (Map.Entry<String, JsonNode> e : n.properties()) {
                if (e.getKey().equals(key) && e.getValue().isString()) out.add(e.getValue().asString());
                collect(e.getValue(), key, out);
            }
        } else if (n.isArray()) {
            for (JsonNode c : n) collect(c, key, out);
        }
    }

    @Test
    void swaggerUiIsServed() {
        Res r = send(java.net.http.HttpRequest.newBuilder(uri("/swagger-ui/index.html")));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).contains("swagger");
    }
}
