package io.pinlab.api.openapi;

import io.pinlab.api.json.Address;
import io.pinlab.api.problem.FieldProblem;
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
 * The OpenAPI document: bearer security, the problem+json schema and the standard problem
 * responses added to every operation, and {@link Address} described as a hex string.
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
                                .scheme("bearer").description("the token returned once by POST /api/v1/sessions")));
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
            if (openApi.getComponents() == null) openApi.setComponents(new Components());
            openApi.getComponents().addSchemas(PROBLEM, problemSchema());
            if (openApi.getPaths() == null) return;
            openApi.getPaths().forEach((path, item) -> {
                boolean inSession = path.startsWith("/api/v1/sessions/{sid}");
                for (Map.Entry<PathItem.HttpMethod, Operation> e : item.readOperationsMap().entrySet()) {
                    Operation op = e.getValue();
                    ApiResponses r = op.getResponses() == null ? new ApiResponses() : op.getResponses();
                    boolean hasBody = op.getRequestBody() != null;
                    boolean hasParams = op.getParameters() != null && !op.getParameters().isEmpty();
                    if (hasBody || hasParams) add(r, "400", "malformed or out-of-domain input (names the field and the rule)");
                    if (inSession) {
                        add(r, "401", "missing or malformed bearer token");
                        op.addSecurityItem(new SecurityRequirement().addList(ApiDocs.BEARER));
                    }
                    if (inSession || path.contains("{name}")) add(r, "404", "unknown session, object, or a token that does not match");
                    if (hasBody) {
                        add(r, "413", "body too large");
                        add(r, "415", "Content-Type is not application/json");
                    }
                    if (path.startsWith("/api/")) add(r, "429", "rate limited; see Retry-After");
                    add(r, "500", "a bug; quote requestId");
                    op.setResponses(r);
                }
            });
        };
    }

    private static void add(ApiResponses responses, String code, String description) {
        if (responses.containsKey(code)) return;
        responses.addApiResponse(code, new ApiResponse().description(description)
                .content(new Content().addMediaType(org.springframework.http.MediaType.APPLICATION_PROBLEM_JSON_VALUE,
                        new MediaType().schema(new Schema<>().$ref("#/components/schemas/" + PROBLEM)))));
    }
}
