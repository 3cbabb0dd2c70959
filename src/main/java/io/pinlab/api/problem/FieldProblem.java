package io.pinlab.api.problem;

import io.swagger.v3.oas.annotations.media.Schema;

import java.util.Comparator;

/** One entry of a problem's {@code errors}: which field (JSON path) and which rule it breaks. */
@Schema(description = "A field that breaks a rule")
public record FieldProblem(
        @Schema(example = "prot[1]", description = "JSON path of the field in the request, or the parameter name") String field,
        @Schema(example = "unknown name 'PROT_RAED'; accepted: PROT_NONE, PROT_READ, PROT_WRITE, PROT_EXEC") String message) {
    /**
     * The order of a problem's {@code errors}: by field, then message. Bean Validation reports its
     * violations as a set, so without it the same bad body could list them differently each time.
     */
    public static final Comparator<FieldProblem> ORDER =
            Comparator.comparing(FieldProblem::field).thenComparing(FieldProblem::message);
}
