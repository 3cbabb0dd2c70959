package io.pinlab.api.openapi;

import io.pinlab.api.json.Address;
import io.pinlab.api.problem.FieldProblem;
import io.pinlab.kernel.base.Profile;
import io.pinlab.platform.Problems;
import io.swagger.v3.core.converter.ModelConverters;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.ArraySchema;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springdoc.core.utils.SpringDocUtils;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.util.Map;

/**
 * The OpenAPI document: the ops' own endpoints ({@link OpEndpoints}), bearer security, the
 * problem+json schema and the standard problem responses added to every operation, and
 * {@link Address} described as a hex string.
 */
@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {
    static final String PROBLEM = "Problem";

    static {
        SpringDocUtils.getConfig().replaceWithSchema(Address.class, new StringSchema()
                .pattern(Address.PATTERN).example(Address.EXAMPLE)
                .description("unsigned 64-bit address: \"0x…\" hex or decimal on input, lowercase 0x hex on output"));
    }

    @Bean
    OpenAPI pinlabOpenApi() {
        return new OpenAPI()
                .info(new Info().title("pinlab").version("v1")
                        .description("Simulated Linux address spaces, GUP page pinning and io_uring fixed buffers "
                                + "for OS-course labs. Kernel failures are HTTP 200 answers with ret/errno/explain; "
                                + "HTTP-level problems are RFC 9457 application/problem+json."))
                .components(new Components()
                        .addSecuritySchemes(ApiDocs.BEARER, new SecurityScheme().type(SecurityScheme.Type.HTTP)
                                .scheme("bearer").description("the token returned once by POST /api/v1/sessions"))
                        .addSecuritySchemes(ApiDocs.INSTRUCTOR, new SecurityScheme().type(SecurityScheme.Type.HTTP)
                                .scheme("bearer").description("the instructor token returned once by POST /api/v1/courses: "
                                        + "its course, and read-only access to every session of it")));
    }

    @SuppressWarnings({"rawtypes", "unchecked"})
    private static Schema problemSchema() {
        Schema fieldProblem = ModelConverters.getInstance().readAllAsResolvedSchema(FieldProblem.class).schema;
        return new ObjectSchema()
                .description("RFC 9457 problem details")
                .addProperty("type", new StringSchema().format("uri").example(Problems.BASE + Problems.VALIDATION_FAILED))
                .addProperty("title", new StringSchema().example("Bad Request"))
                .addProperty("status", new IntegerSchema().example(400))
                .addProperty("detail", new StringSchema())
                .addProperty("instance", new StringSchema().format("uri-reference"))
                .addProperty("requestId", new StringSchema().description("X-Request-Id of the request"))
                .addProperty("errors", new ArraySchema().items(fieldProblem)
                        .description("validation failures: which field, which rule"))
                .addProperty("rule", new StringSchema().description("invalid-gup-args: broken is_valid_gup_args() rule")
                        .example("FOLL_GET_WITH_FOLL_PIN"))
                .addProperty("kernelRet", new IntegerSchema().format("int64")
                        .description("invalid-gup-args: what the entry point returns in that kernel (0 or -22)"))
                .addProperty("warning", new StringSchema().description("invalid-gup-args: the WARN_ON_ONCE line"))
                .required(java.util.List.of("type", "title", "status"));
    }

    /** Adds the problem responses each operation can produce, so generated clients know them. */
    @Bean
    OpenApiCustomizer problemResponses() {
        return openApi -> {
            OpEndpoints.addTo(openApi);
            openApi.getComponents().addSchemas(PROBLEM, problemSchema());
            profileNames(openApi);
            if (openApi.getComponents().getSchemas() != null) {
                openApi.getComponents().getSchemas().values().forEach(OpenApiConfiguration::anyValues);
                openApi.getComponents().getSchemas().remove("JsonNode");
                openApi.getComponents().getSchemas().values().forEach(OpenApiConfiguration::nullables);
            }
            follFlagDescriptions(openApi);
            if (openApi.getPaths() == null) return;
            openApi.getPaths().forEach((path, item) -> {
                boolean inSession = path.startsWith("/api/v1/sessions/{sid}");
                boolean inCourse = path.startsWith("/api/v1/courses/{cid}");
                for (Map.Entry<PathItem.HttpMethod, Operation> e : item.readOperationsMap().entrySet()) {
                    Operation op = e.getValue();
                    boolean read = e.getKey() == PathItem.HttpMethod.GET || path.endsWith("/compare");
                    ApiResponses r = op.getResponses() == null ? new ApiResponses() : op.getResponses();
                    boolean hasBody = op.getRequestBody() != null;
                    boolean hasParams = op.getParameters() != null && !op.getParameters().isEmpty();
                    if (hasBody || hasParams) add(r, "400", "malformed or out-of-domain input (names the field and the rule)");
                    if (inSession) {
                        add(r, "401", "missing or malformed bearer token");
                        op.setSecurity(null);
                        op.addSecurityItem(new SecurityRequirement().addList(ApiDocs.BEARER));
                        if (read) op.addSecurityItem(new SecurityRequirement().addList(ApiDocs.INSTRUCTOR));
                        else add(r, "403", "the instructor token of the session's course only reads");
                    }
                    if (inCourse) add(r, "401", "missing or malformed bearer token");
                    if (inSession || inCourse || path.contains("{name}"))
                        add(r, "404", "unknown session, course or object, or a token that does not match");
                    if (hasBody) {
                        add(r, "413", "body too large");
                        add(r, "415", "Content-Type is not application/json");
                    }
                    if (path.startsWith("/api/")) add(r, "429", "rate limited; see Retry-After");
                    add(r, "500", "a bug; quote requestId");
                    for (String code : java.util.List.copyOf(r.keySet())) if (!code.startsWith("2")) add(r, code, null);
                    r.forEach((code, resp) -> { if (code.equals("204")) resp.setContent(null); });
                    op.setResponses(r);
                    requestExample(op);
                }
            });
        };
    }

    /** Profile and sysctl names as enums, from the kernel's lists so the document never drifts. */
    @SuppressWarnings({"rawtypes", "unchecked"})
    private static void profileNames(OpenAPI openApi) {
        Schema create = openApi.getComponents().getSchemas() == null ? null
                : openApi.getComponents().getSchemas().get("CreateSessionRequest");
        if (create != null && create.getProperties() != null && create.getProperties().get("profile") instanceof Schema p)
            p.setEnum(new java.util.ArrayList<>(Profile.names()));
        nameEnum(openApi, "/api/v1/profiles/{name}/flags", Profile.names());
        nameEnum(openApi, "/api/v1/sessions/{sid}/sysctl/{name}", io.pinlab.kernel.Sysctl.NAMES);
    }

    @SuppressWarnings({"rawtypes", "unchecked"})
    private static void nameEnum(OpenAPI openApi, String path, java.util.List<String> names) {
        PathItem item = openApi.getPaths() == null ? null : openApi.getPaths().get(path);
        if (item == null) return;
        for (Operation op : item.readOperations())
            if (op.getParameters() != null)
                op.getParameters().stream().filter(prm -> "name".equals(prm.getName()) && prm.getSchema() != null)
                        .forEach(prm -> ((Schema) prm.getSchema()).setEnum(new java.util.ArrayList<>(names)));
    }

    private static void add(ApiResponses responses, String code, String description) {
        ApiResponse declared = responses.get(code);
        if (declared != null) {
            MediaType problem = declared.getContent() == null ? null
                    : declared.getContent().get(org.springframework.http.MediaType.APPLICATION_PROBLEM_JSON_VALUE);
            if (problem != null && problem.getExample() == null && problem.getExamples() == null)
                problem.setExample(problemExample(Integer.parseInt(code), declared.getDescription()));
            return;
        }
        responses.addApiResponse(code, new ApiResponse().description(description)
                .content(new Content().addMediaType(org.springframework.http.MediaType.APPLICATION_PROBLEM_JSON_VALUE,
                        new MediaType().schema(new Schema<>().$ref("#/components/schemas/" + PROBLEM))
                                .example(problemExample(Integer.parseInt(code), description)))));
    }

    /** A problem example that fits its status (type slug, title, status), as the advice writes it. */
    private static Map<String, Object> problemExample(int status, String detail) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        String slug = status == 400 ? Problems.VALIDATION_FAILED : Problems.slugFor(status);
        m.put("type", Problems.BASE + slug);
        m.put("title", org.springframework.http.HttpStatus.valueOf(status).getReasonPhrase());
        m.put("status", status);
        m.put("detail", detail);
        m.put("instance", "/api/v1/sessions/3f2a/processes/1/mmap");
        if (status == 400) m.put("errors", java.util.List.of(Map.of("field", "length", "message", "must be greater than or equal to 0")));
        return m;
    }

    /** The request examples of {@link OpenApiExamples}: they succeed when run in order on a new session. */
    private static void requestExample(Operation op) {
        String example = OpenApiExamples.REQUESTS.get(op.getOperationId());
        if (example == null || op.getRequestBody() == null || op.getRequestBody().getContent() == null) return;
        MediaType json = op.getRequestBody().getContent().get(org.springframework.http.MediaType.APPLICATION_JSON_VALUE);
        if (json == null) return;
        try {
            json.setExample(io.swagger.v3.core.util.Json.mapper().readTree(example));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("OpenApiExamples: " + op.getOperationId(), e);
        }
    }

    /**
     * A property that holds any JSON value (a Jackson JsonNode or Object: step args, a predicted
     * value) is the empty schema, which every generator maps to its "any" type; springdoc would
     * describe the JsonNode class itself, or "type: null" for a nullable Object.
     */
    @SuppressWarnings({"rawtypes", "unchecked"})
    private static void anyValues(Schema<?> schema) {
        if (schema.getProperties() == null) return;
        for (Map.Entry<String, Schema> e : schema.getProperties().entrySet()) {
            Schema p = e.getValue();
            boolean jsonNode = "#/components/schemas/JsonNode".equals(p.get$ref());
            boolean onlyNull = p.get$ref() == null && p.getItems() == null && p.getProperties() == null
                    && ("null".equals(p.getType()) || (p.getTypes() != null && p.getTypes().equals(java.util.Set.of("null"))));
            if (jsonNode || onlyNull) {
                Schema any = new Schema<>();
                any.setDescription(p.getDescription());
                if (p.getExample() != null) any.setExample(p.getExample());
                e.setValue(any);
            } else if (p.getAdditionalProperties() instanceof Schema ap && "#/components/schemas/JsonNode".equals(ap.get$ref())) {
                p.setAdditionalProperties(new Schema<>());
            }
        }
    }

    /**
     * OpenAPI 3.1 nullables: a nullable reference is anyOf [ref, null] (not type: null beside a $ref),
     * and a nullable enum lists null among its values, as JSON Schema validates them.
     */
    @SuppressWarnings({"rawtypes", "unchecked"})
    private static void nullables(Schema<?> schema) {
        if (schema.getProperties() == null) return;
        for (Map.Entry<String, Schema> e : schema.getProperties().entrySet()) {
            Schema p = e.getValue();
            boolean nullType = (p.getTypes() != null && p.getTypes().contains("null")) || Boolean.TRUE.equals(p.getNullable())
                    || "null".equals(p.getType());
            if (p.get$ref() != null && nullType) {
                Schema any = new Schema<>();
                any.setDescription(p.getDescription());
                any.setAnyOf(new java.util.ArrayList<>(java.util.List.of(new Schema<>().$ref(p.get$ref()),
                        new Schema<>().types(new java.util.LinkedHashSet<>(java.util.List.of("null"))))));
                e.setValue(any);
            } else if (p.getEnum() != null && nullType && !p.getEnum().contains(null)) {
                java.util.List<Object> values = new java.util.ArrayList<>(p.getEnum());
                values.add(null);
                p.setEnum(values);
            }
        }
    }

    /** Each FOLL_* name with its meaning, kind, value and the profiles whose kernel defines it. */
    @SuppressWarnings({"rawtypes", "unchecked"})
    private static void follFlagDescriptions(OpenAPI openApi) {
        Schema req = openApi.getComponents().getSchemas() == null ? null
                : openApi.getComponents().getSchemas().get("GupCallRequest");
        if (req == null || req.getProperties() == null || !(req.getProperties().get("gupFlags") instanceof Schema arr)
                || arr.getItems() == null) return;
        Schema items = arr.getItems();
        java.util.List<String> names = new java.util.ArrayList<>(), descriptions = new java.util.ArrayList<>();
        StringBuilder text = new StringBuilder("FOLL_* flags as the kernel spells them:");
        for (io.pinlab.kernel.mm.FollFlag f : io.pinlab.kernel.mm.FollFlag.values()) {
            names.add(f.name());
            descriptions.add(OpenApiExamples.describe(f));
            text.append("\n- ").append(f.name()).append(": ").append(OpenApiExamples.describe(f));
        }
        items.setEnum(names);
        items.setDescription(text.toString());
        items.addExtension("x-enum-descriptions", descriptions);
        arr.setDescription("gup_flags; a name the profile's kernel does not define is a 400. Internal flags are "
                + "accepted so that the is_valid_gup_args() rules can be explored.");
    }
}
