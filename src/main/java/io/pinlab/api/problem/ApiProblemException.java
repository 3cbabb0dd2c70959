package io.pinlab.api.problem;

import org.springframework.http.HttpStatus;

import java.util.List;
import java.util.Map;

/**
 * An HTTP-level problem raised by the api layer (never for kernel failures, which are 200 answers).
 * Use the factories: {@link #badField}, {@link #notFound}, {@link #conflict}.
 */
public class ApiProblemException extends RuntimeException {
    private final HttpStatus status;
    private final String slug;
    private final List<FieldProblem> errors;
    private final Map<String, Object> properties;

    public ApiProblemException(HttpStatus status, String slug, String detail, List<FieldProblem> errors,
                               Map<String, Object> properties) {
        super(detail);
        this.status = status;
        this.slug = slug;
        this.errors = List.copyOf(errors);
        this.properties = Map.copyOf(properties);
    }

    /** 400: one field breaks a rule. */
    public static ApiProblemException badField(String field, String message) {
        return new ApiProblemException(HttpStatus.BAD_REQUEST, io.pinlab.platform.Problems.VALIDATION_FAILED,
                "invalid request: " + field + ": " + message, List.of(new FieldProblem(field, message)), Map.of());
    }

    /** 404: an object inside the session (process, fd, pin) does not exist. */
    public static ApiProblemException notFound(String detail) {
        return new ApiProblemException(HttpStatus.NOT_FOUND, io.pinlab.platform.Problems.NOT_FOUND, detail,
                List.of(), Map.of());
    }

    /** 409: a state conflict that the kernel cannot express (e.g. releasing a pin twice). */
    public static ApiProblemException conflict(String detail) {
        return new ApiProblemException(HttpStatus.CONFLICT, io.pinlab.platform.Problems.CONFLICT, detail,
                List.of(), Map.of());
    }

    public HttpStatus status() { return status; }

    public String slug() { return slug; }

    public List<FieldProblem> errors() { return errors; }

    public Map<String, Object> properties() { return properties; }
}
