package io.pinlab.api.problem;

import io.swagger.v3.oas.annotations.media.Schema;

/** One entry of a problem's {@code errors}: which field (JSON path) and which rule it breaks. */
@Schema(description = "A field that breaks a rule")
public record FieldProblem(
        @Schema(example = "prot[1]", description = "JSON path of the field in the request, or the parameter name") String field,
        @Schema(example = "unknown name 'PROT_RAED'; accepted: PROT_NONE, PROT_READ, PROT_WRITE, PROT_EXEC") String message) {
}
