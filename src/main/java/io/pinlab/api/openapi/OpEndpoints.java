package io.pinlab.api.openapi;

import io.pinlab.api.steps.Op;
import io.pinlab.api.steps.Requests;
import io.pinlab.platform.Problems;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.SpecVersion;
import io.swagger.v3.oas.models.examples.Example;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.parameters.PathParameter;
import io.swagger.v3.oas.models.parameters.RequestBody;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.tags.Tag;
import org.springdoc.core.utils.SpringDocAnnotationsUtils;

import java.lang.reflect.Type;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The operations of the ops' own endpoints (io.pinlab.api.steps.OpController), one per op as if
 * each had its own controller method: operationId, summary, description and tag from
 * {@link Op.Endpoint}, the args record as the request body and the answer type as the response,
 * their schemas made by springdoc's model converters as for any controller. The problem responses,
 * security and request examples are added afterwards like everywhere ({@link OpenApiConfiguration}).
 */
final class OpEndpoints {
    private static final String JSON = org.springframework.http.MediaType.APPLICATION_JSON_VALUE;
    private static final String PROBLEM_JSON = org.springframework.http.MediaType.APPLICATION_PROBLEM_JSON_VALUE;

    private OpEndpoints() {
    }

    static void addTo(OpenAPI openApi) {
        if (openApi.getComponents() == null) openApi.setComponents(new Components());
        Components components = openApi.getComponents();
        if (openApi.getPaths() == null) openApi.setPaths(new io.swagger.v3.oas.models.Paths());
        PathParameter sid = pathParameter(components, "sid", String.class), pid = pathParameter(components, "pid", int.class);
        for (Op<?, ?, ?> op : Op.ALL.values()) {
            Op.Endpoint e = op.endpoint();
            if (e == null) continue;
            Operation o = new Operation().operationId(e.operationId()).summary(e.summary()).description(e.description())
                    .addTagsItem(e.tag().label())
                    .addParametersItem(sid);
            if (op.hasPid()) o.addParametersItem(pid);
            if (op.args() != Requests.NoArgs.class)
                o.requestBody(new RequestBody().required(true).content(json(components, op.args())));
            ApiResponses responses = new ApiResponses();
            if (op == Op.FORK) {
                responses.addApiResponse("201", new ApiResponse().description("the child process").content(json(components, e.answer())));
                responses.addApiResponse("409", problem("the kernel failed the fork (kernelRet, errno)"));
            } else if (op == Op.GUP) {
                responses.addApiResponse("200", new ApiResponse().description("the kernel's answer (a failure is ret < 0 with errno)")
                        .content(json(components, e.answer())));
                responses.addApiResponse("422", invalidGupArgs());
            } else {
                responses.addApiResponse("200", new ApiResponse().description("OK").content(json(components, e.answer())));
            }
            o.responses(responses);
            openApi.getPaths().addPathItem(op.path(), new PathItem().post(o));
        }
        for (Op.Tag t : Op.Tag.values()) {
            Tag tag = openApi.getTags() == null ? null
                    : openApi.getTags().stream().filter(x -> t.label().equals(x.getName())).findFirst().orElse(null);
            if (tag == null) openApi.addTagsItem(tag = new Tag().name(t.label()));
            tag.setDescription(t.description());
        }
    }

    @SuppressWarnings("rawtypes")
    private static Schema schema(Components components, Type type) {
        return SpringDocAnnotationsUtils.extractSchema(components, type, null, null, SpecVersion.V31);
    }

    private static PathParameter pathParameter(Components components, String name, Class<?> type) {
        return (PathParameter) new PathParameter().name(name).required(true).schema(schema(components, type));
    }

    private static Content json(Components components, Class<?> type) {
        return new Content().addMediaType(JSON, new MediaType().schema(schema(components, type)));
    }

    private static ApiResponse problem(String description) {
        return new ApiResponse().description(description).content(new Content().addMediaType(PROBLEM_JSON,
                new MediaType().schema(new Schema<>().$ref("#/components/schemas/" + OpenApiConfiguration.PROBLEM))));
    }

    /** The 422 of a GUP call whose arguments break is_valid_gup_args(), with an example. */
    private static ApiResponse invalidGupArgs() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("type", Problems.BASE + Problems.INVALID_GUP_ARGS);
        value.put("title", "Unprocessable Content");
        value.put("status", 422);
        value.put("detail", "pin_user_pages: is_valid_gup_args() rejects the arguments (FOLL_GET_WITH_FOLL_PIN): ...");
        value.put("instance", "/api/v1/sessions/abc/processes/1/gup");
        value.put("rule", "FOLL_GET_WITH_FOLL_PIN");
        value.put("kernelRet", 0);
        value.put("warning", "WARNING: CPU: 0 at mm/gup.c is_valid_gup_args: "
                + "WARN_ON_ONCE((gup_flags & (FOLL_PIN | FOLL_GET)) == (FOLL_PIN | FOLL_GET))");
        ApiResponse r = problem("is_valid_gup_args() rejects the arguments");
        r.getContent().get(PROBLEM_JSON).addExamples("FOLL_GET_WITH_FOLL_PIN",
                new Example().description("FOLL_GET_WITH_FOLL_PIN").value(value));
        return r;
    }
}
