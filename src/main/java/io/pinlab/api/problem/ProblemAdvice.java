package io.pinlab.api.problem;

import io.pinlab.platform.BodySizeLimitFilter.BodyTooLargeException;
import io.pinlab.platform.Problems;
import io.pinlab.platform.RequestIdFilter;
import io.pinlab.session.MissingTokenException;
import io.pinlab.session.SessionLimitException;
import io.pinlab.session.SessionNotFoundException;
import io.pinlab.session.UnknownProfileException;
import io.pinlab.kernel.base.Profile;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.ConstraintViolationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.MessageSourceResolvable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.validation.FieldError;
import org.springframework.validation.ObjectError;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import org.springframework.web.util.DisconnectedClientHelper;
import tools.jackson.core.JacksonException;
import tools.jackson.core.exc.InputCoercionException;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.exc.InvalidFormatException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.PropertyBindingException;
import tools.jackson.databind.exc.ValueInstantiationException;

import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The one place that turns exceptions into RFC 9457 problems. Every problem gets a stable
 * {@code type} ({@link Problems}), {@code instance} (the request path) and {@code requestId}.
 * Field-level 400s carry {@code errors: [{field, message}]}. Anything unexpected is logged and
 * answered with a generic 500 that reveals nothing.
 */
@RestControllerAdvice
public class ProblemAdvice extends ResponseEntityExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(ProblemAdvice.class);

    // ---- session layer ------------------------------------------------------------------------

    @ExceptionHandler(MissingTokenException.class)
    ResponseEntity<Object> missingToken(MissingTokenException ex, WebRequest request) {
        HttpHeaders headers = new HttpHeaders();
        headers.set(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"pinlab\"");
        return problem(HttpStatus.UNAUTHORIZED, Problems.UNAUTHORIZED, ex.getMessage(), List.of(), Map.of(),
                headers, request);
    }

    @ExceptionHandler(SessionNotFoundException.class)
    ResponseEntity<Object> sessionNotFound(SessionNotFoundException ex, WebRequest request) {
        return problem(HttpStatus.NOT_FOUND, Problems.NOT_FOUND, ex.getMessage(), List.of(), Map.of(),
                new HttpHeaders(), request);
    }

    @ExceptionHandler(io.pinlab.session.CourseException.class)
    ResponseEntity<Object> course(io.pinlab.session.CourseException ex, WebRequest request) {
        HttpStatus status = HttpStatus.valueOf(ex.status());
        return problem(status, status == HttpStatus.NOT_FOUND ? Problems.NOT_FOUND : "course-full", ex.getMessage(),
                List.of(), Map.of(), new HttpHeaders(), request);
    }

    @ExceptionHandler(UnknownProfileException.class)
    ResponseEntity<Object> unknownProfile(UnknownProfileException ex, WebRequest request) {
        String message = "unknown profile '" + ex.name() + "'; accepted: " + String.join(", ", Profile.names());
        return problem(HttpStatus.BAD_REQUEST, Problems.VALIDATION_FAILED, ex.getMessage(),
                List.of(new FieldProblem("profile", message)), Map.of(), new HttpHeaders(), request);
    }

    @ExceptionHandler(SessionLimitException.class)
    ResponseEntity<Object> sessionLimit(SessionLimitException ex, WebRequest request) {
        HttpHeaders headers = new HttpHeaders();
        headers.set(HttpHeaders.RETRY_AFTER, "60");
        return problem(HttpStatus.SERVICE_UNAVAILABLE, Problems.SESSION_LIMIT, ex.getMessage(), List.of(),
                Map.of("maxSessions", ex.maxSessions()), headers, request);
    }

    @ExceptionHandler(io.pinlab.session.SessionQuotaException.class)
    ResponseEntity<Object> sessionQuota(io.pinlab.session.SessionQuotaException ex, WebRequest request) {
        HttpHeaders headers = new HttpHeaders();
        headers.set(HttpHeaders.RETRY_AFTER, Long.toString(ex.retryAfterSeconds()));
        return problem(HttpStatus.TOO_MANY_REQUESTS, Problems.SESSION_QUOTA, ex.getMessage(), List.of(),
                Map.of("limit", ex.limit(), "value", ex.value()), headers, request);
    }

    @ExceptionHandler(io.pinlab.session.MemoryBudgetException.class)
    ResponseEntity<Object> memoryBudget(io.pinlab.session.MemoryBudgetException ex, WebRequest request) {
        HttpHeaders headers = new HttpHeaders();
        headers.set(HttpHeaders.RETRY_AFTER, "60");
        return problem(HttpStatus.SERVICE_UNAVAILABLE, Problems.MEMORY_BUDGET, ex.getMessage(), List.of(),
                Map.of("limit", io.pinlab.kernel.mm.MemCg.GLOBAL_LIMIT, "usage", ex.usage(), "max", ex.max()), headers, request);
    }

    @ExceptionHandler(io.pinlab.session.StoreUnavailableException.class)
    ResponseEntity<Object> storeUnavailable(io.pinlab.session.StoreUnavailableException ex, WebRequest request) {
        HttpHeaders headers = new HttpHeaders();
        headers.set(HttpHeaders.RETRY_AFTER, Integer.toString(io.pinlab.session.StoreUnavailableException.RETRY_AFTER_SECONDS));
        return problem(HttpStatus.SERVICE_UNAVAILABLE, Problems.STORE_UNAVAILABLE, ex.getMessage(), List.of(), Map.of(),
                headers, request);
    }

    @ExceptionHandler(io.pinlab.session.ProcessLimitException.class)
    ResponseEntity<Object> processLimit(io.pinlab.session.ProcessLimitException ex, WebRequest request) {
        return problem(HttpStatus.CONFLICT, Problems.CONFLICT, ex.getMessage(), List.of(), Map.of(),
                new HttpHeaders(), request);
    }

    @ExceptionHandler(io.pinlab.session.StepLimitException.class)
    ResponseEntity<Object> stepLimit(io.pinlab.session.StepLimitException ex, WebRequest request) {
        return problem(HttpStatus.CONFLICT, Problems.CONFLICT, ex.getMessage(), List.of(), Map.of(),
                new HttpHeaders(), request);
    }

    @ExceptionHandler(io.pinlab.session.TouchLimitException.class)
    ResponseEntity<Object> touchLimit(io.pinlab.session.TouchLimitException ex, WebRequest request) {
        return invalid(List.of(new FieldProblem(ex.field(), ex.getMessage())), request);
    }

    // ---- kernel core: the only exceptions it raises besides bugs ------------------------------

    @ExceptionHandler(io.pinlab.kernel.base.NoSuchObjectException.class)
    ResponseEntity<Object> noSuchObject(io.pinlab.kernel.base.NoSuchObjectException ex, WebRequest request) {
        return problem(HttpStatus.NOT_FOUND, Problems.NOT_FOUND, ex.getMessage(), List.of(), Map.of(),
                new HttpHeaders(), request);
    }

    @ExceptionHandler(io.pinlab.kernel.base.NotSimulatedException.class)
    ResponseEntity<Object> notSimulated(io.pinlab.kernel.base.NotSimulatedException ex, WebRequest request) {
        return invalid(List.of(new FieldProblem(ex.field(), ex.getMessage())), request);
    }

    @ExceptionHandler(io.pinlab.kernel.base.StateConflictException.class)
    ResponseEntity<Object> stateConflict(io.pinlab.kernel.base.StateConflictException ex, WebRequest request) {
        return problem(HttpStatus.CONFLICT, Problems.CONFLICT, ex.getMessage(), List.of(), Map.of(),
                new HttpHeaders(), request);
    }

    // ---- api layer ----------------------------------------------------------------------------

    @ExceptionHandler(ApiProblemException.class)
    ResponseEntity<Object> apiProblem(ApiProblemException ex, WebRequest request) {
        return problem(ex.status(), ex.slug(), ex.getMessage(), ex.errors(), ex.properties(), new HttpHeaders(),
                request);
    }

    @ExceptionHandler(ConstraintViolationException.class)
    ResponseEntity<Object> constraintViolation(ConstraintViolationException ex, WebRequest request) {
        List<FieldProblem> errors = ex.getConstraintViolations().stream()
                .map(v -> new FieldProblem(leaf(v.getPropertyPath().toString()), v.getMessage()))
                .toList();
        return invalid(errors, request);
    }

    @ExceptionHandler(BodyTooLargeException.class)
    ResponseEntity<Object> bodyTooLarge(BodyTooLargeException ex, WebRequest request) {
        return problem(HttpStatus.CONTENT_TOO_LARGE, Problems.PAYLOAD_TOO_LARGE, ex.getMessage(), List.of(),
                Map.of(), new HttpHeaders(), request);
    }

    /**
     * Genuine bugs only: log with the request id, reveal nothing. A client that went away while its
     * answer was written (reset, broken pipe) is not a bug and costs no log line: nobody is left to answer.
     */
    @ExceptionHandler(Exception.class)
    ResponseEntity<Object> bug(Exception ex, WebRequest request) {
        if (DisconnectedClientHelper.isClientDisconnectedException(ex)) return null;
        log.error("unhandled exception on {}", path(request), ex);
        return problem(HttpStatus.INTERNAL_SERVER_ERROR, Problems.INTERNAL_ERROR,
                "internal error; quote the requestId when reporting it", List.of(), Map.of(), new HttpHeaders(),
                request);
    }

    // ---- Spring MVC's own exceptions ------------------------------------------------------------

    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException ex,
                                                                  HttpHeaders headers, HttpStatusCode status,
                                                                  WebRequest request) {
        BodyTooLargeException tooLarge = cause(ex, BodyTooLargeException.class);
        if (tooLarge != null) return bodyTooLarge(tooLarge, request);

        PropertyBindingException unknown = cause(ex, PropertyBindingException.class);
        if (unknown != null) {
            String field = path(unknown);
            String accepted = unknown.getKnownPropertyIds() == null ? "" : unknown.getKnownPropertyIds().stream()
                    .map(String::valueOf).sorted().collect(Collectors.joining(", "));
            return invalid(List.of(new FieldProblem(field, "unknown property '" + unknown.getPropertyName() + "'; "
                    + (accepted.isEmpty() ? "this request takes no properties" : "accepted: " + accepted))), request);
        }
        ValueInstantiationException instantiation = cause(ex, ValueInstantiationException.class);
        if (instantiation != null) {
            Throwable root = instantiation.getCause() != null ? instantiation.getCause() : instantiation;
            return invalid(List.of(new FieldProblem(path(instantiation), String.valueOf(root.getMessage()))), request);
        }
        MismatchedInputException mismatch = cause(ex, MismatchedInputException.class);
        if (mismatch != null) {
            return invalid(List.of(new FieldProblem(path(mismatch), mismatchMessage(mismatch))), request);
        }
        InputCoercionException range = cause(ex, InputCoercionException.class);
        if (range != null) {
            String field = range.getPath().isEmpty() ? currentField(range) : path(range);
            return invalid(List.of(new FieldProblem(field, "number out of range: expected a JSON integer "
                    + (range.getTargetType() == int.class || range.getTargetType() == Integer.class
                    ? "(32-bit)" : "(64-bit signed)"))), request);
        }
        StreamReadException syntax = cause(ex, StreamReadException.class);
        if (syntax != null && syntax.getOriginalMessage() != null
                && syntax.getOriginalMessage().startsWith("Duplicate Object property")) {
            // StreamReadFeature.STRICT_DUPLICATE_DETECTION: {"length":-1,"length":4096} is not last-wins
            return invalid(List.of(new FieldProblem(currentField(syntax),
                    "duplicate property: each property may appear once")), request);
        }
        // Only where it broke: the parser's own message quotes the input and names its internals.
        JacksonException other = syntax != null ? syntax : cause(ex, JacksonException.class);
        String detail = other != null && other.getLocation() != null && other.getLocation().getLineNr() > 0
                ? "malformed JSON at line " + other.getLocation().getLineNr() + ", column "
                + other.getLocation().getColumnNr()
                : "the request body is missing or is not JSON; send a JSON object with Content-Type: application/json";
        return problem(HttpStatus.BAD_REQUEST, Problems.MALFORMED_JSON, detail, List.of(), Map.of(),
                new HttpHeaders(), request);
    }

    @Override
    protected ResponseEntity<Object> handleMethodArgumentNotValid(MethodArgumentNotValidException ex,
                                                                  HttpHeaders headers, HttpStatusCode status,
                                                                  WebRequest request) {
        List<FieldProblem> errors = new ArrayList<>();
        for (FieldError fe : ex.getBindingResult().getFieldErrors())
            errors.add(new FieldProblem(fe.getField(), fe.getDefaultMessage()));
        for (ObjectError ge : ex.getBindingResult().getGlobalErrors())
            errors.add(new FieldProblem(ge.getObjectName(), ge.getDefaultMessage()));
        return invalid(errors, request);
    }

    @Override
    protected ResponseEntity<Object> handleHandlerMethodValidationException(HandlerMethodValidationException ex,
                                                                            HttpHeaders headers,
                                                                            HttpStatusCode status,
                                                                            WebRequest request) {
        List<FieldProblem> errors = new ArrayList<>();
        ex.getParameterValidationResults().forEach(r -> {
            String name = r.getMethodParameter().getParameterName();
            for (MessageSourceResolvable e : r.getResolvableErrors())
                errors.add(new FieldProblem(e instanceof FieldError fe ? fe.getField() : name, e.getDefaultMessage()));
        });
        return invalid(errors, request);
    }

    @Override
    protected ResponseEntity<Object> handleTypeMismatch(org.springframework.beans.TypeMismatchException ex,
                                                        HttpHeaders headers, HttpStatusCode status,
                                                        WebRequest request) {
        String field = ex instanceof MethodArgumentTypeMismatchException m ? m.getName() : ex.getPropertyName();
        String type = ex.getRequiredType() == null ? "a valid value" : ex.getRequiredType().getSimpleName();
        Throwable cause = ex.getMostSpecificCause();
        String message = cause instanceof IllegalArgumentException && cause.getMessage() != null
                && !(cause instanceof NumberFormatException)
                ? cause.getMessage() : "'" + ex.getValue() + "' is not " + article(type);
        return invalid(List.of(new FieldProblem(field, message)), request);
    }

    @Override
    protected ResponseEntity<Object> handleMissingServletRequestParameter(
            org.springframework.web.bind.MissingServletRequestParameterException ex, HttpHeaders headers,
            HttpStatusCode status, WebRequest request) {
        return invalid(List.of(new FieldProblem(ex.getParameterName(), "required query parameter ("
                + ex.getParameterType() + ") is missing")), request);
    }

    @Override
    protected ResponseEntity<Object> handleHttpMediaTypeNotSupported(
            org.springframework.web.HttpMediaTypeNotSupportedException ex, HttpHeaders headers, HttpStatusCode status,
            WebRequest request) {
        String detail = (ex.getContentType() == null ? "Content-Type is missing" : "Content-Type '" + ex.getContentType()
                + "' is not supported") + "; send " + ex.getSupportedMediaTypes().stream().map(Object::toString)
                .collect(Collectors.joining(" or "));
        HttpHeaders h = new HttpHeaders();
        if (!ex.getSupportedMediaTypes().isEmpty()) h.setAccept(ex.getSupportedMediaTypes());
        return problem(HttpStatus.UNSUPPORTED_MEDIA_TYPE, Problems.UNSUPPORTED_MEDIA_TYPE, detail, List.of(), Map.of(),
                h, request);
    }

    /** Every problem built by the base class gets our type URI, instance and request id. */
    @Override
    protected ResponseEntity<Object> handleExceptionInternal(Exception ex, Object body, HttpHeaders headers,
                                                             HttpStatusCode statusCode, WebRequest request) {
        if (body == null && ex instanceof org.springframework.web.ErrorResponse er) body = er.getBody();
        if (body instanceof ProblemDetail pd) decorate(pd, statusCode.value(), null, request);
        return super.handleExceptionInternal(ex, body, headers, statusCode, request);
    }

    // ---- helpers ------------------------------------------------------------------------------

    private ResponseEntity<Object> invalid(List<FieldProblem> unordered, WebRequest request) {
        List<FieldProblem> errors = unordered.stream().sorted(FieldProblem.ORDER).toList();
        String detail = "invalid request: " + errors.stream().map(e -> e.field() + ": " + e.message())
                .collect(Collectors.joining("; "));
        return problem(HttpStatus.BAD_REQUEST, Problems.VALIDATION_FAILED, detail, errors, Map.of(),
                new HttpHeaders(), request);
    }

    private ResponseEntity<Object> problem(HttpStatusCode status, String slug, String detail,
                                           List<FieldProblem> errors, Map<String, Object> properties,
                                           HttpHeaders headers, WebRequest request) {
        ProblemDetail pd = ProblemDetail.forStatusAndDetail(status, detail);
        decorate(pd, status.value(), slug, request);
        if (!errors.isEmpty()) pd.setProperty("errors", errors);
        properties.forEach(pd::setProperty);
        headers.setContentType(MediaType.APPLICATION_PROBLEM_JSON);
        return ResponseEntity.status(status).headers(headers).body(pd);
    }

    private static void decorate(ProblemDetail pd, int status, String slug, WebRequest request) {
        if (slug != null) pd.setType(Problems.type(slug));
        else if (pd.getType() == null || "about:blank".equals(pd.getType().toString()))
            pd.setType(Problems.type(Problems.slugFor(status)));
        if (pd.getTitle() == null) {
            HttpStatus hs = HttpStatus.resolve(status);
            pd.setTitle(hs == null ? "HTTP " + status : hs.getReasonPhrase());
        }
        String path = path(request);
        if (path != null) pd.setInstance(URI.create(path));
        if (request instanceof ServletWebRequest swr) {
            Object id = swr.getRequest().getAttribute(RequestIdFilter.ATTRIBUTE);
            if (id != null) pd.setProperty("requestId", id);
        }
    }

    private static String path(WebRequest request) {
        if (request instanceof ServletWebRequest swr) {
            HttpServletRequest r = swr.getRequest();
            return r.getRequestURI();
        }
        return null;
    }

    /** JSON path of a Jackson failure: {@code iovecs[0].base}. */
    static String path(JacksonException ex) {
        StringBuilder sb = new StringBuilder();
        for (JacksonException.Reference ref : ex.getPath()) {
            if (ref.getPropertyName() != null) {
                if (!sb.isEmpty()) sb.append('.');
                sb.append(ref.getPropertyName());
            } else if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        return sb.isEmpty() ? "$" : sb.toString();
    }

    /** The property the parser was reading when a stream-level error happened. */
    private static String currentField(StreamReadException ex) {
        try {
            if (ex.processor() instanceof tools.jackson.core.JsonParser p && p.currentName() != null)
                return p.currentName();
        } catch (RuntimeException ignored) {
            // fall through
        }
        return "$";
    }

    private static String mismatchMessage(MismatchedInputException ex) {
        Class<?> target = ex.getTargetType();
        if (ex instanceof InvalidFormatException ife && target != null && target.isEnum()) {
            String accepted = Arrays.stream(target.getEnumConstants()).map(Object::toString)
                    .collect(Collectors.joining(", "));
            return "unknown name '" + ife.getValue() + "'; accepted: " + accepted;
        }
        if (target != null && target.isEnum()) {
            if (ex.getCurrentToken() == tools.jackson.core.JsonToken.VALUE_NULL)
                return "null is not a name; accepted: " + Arrays.stream(target.getEnumConstants()).map(Object::toString)
                        .collect(Collectors.joining(", "));
            String accepted = Arrays.stream(target.getEnumConstants()).map(Object::toString)
                    .collect(Collectors.joining(", "));
            return "expected one of: " + accepted;
        }
        if (target == io.pinlab.api.json.Address.class) return ex.getOriginalMessage();
        if (target != null && Collection.class.isAssignableFrom(target))
            return "expected a JSON array";
        if (target != null && (target == long.class || target == Long.class || target == int.class
                || target == Integer.class))
            return "expected a JSON integer" + (target == int.class || target == Integer.class ? " (32-bit)" : " (64-bit)");
        if (target == boolean.class || target == Boolean.class) return "expected true or false";
        if (target == String.class) return "expected a JSON string";
        if (target != null && (target.isRecord() || Map.class.isAssignableFrom(target))) return "expected a JSON object";
        // Jackson's own wording names Java types; say it in JSON terms instead.
        return "invalid value" + (ex.getCurrentToken() == null ? "" : " (" + jsonKind(ex.getCurrentToken()) + ")");
    }

    private static String jsonKind(tools.jackson.core.JsonToken t) {
        return switch (t) {
            case START_ARRAY, END_ARRAY -> "an array";
            case START_OBJECT, END_OBJECT -> "an object";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> t.name();
        };
    }

    private static String article(String type) {
        return ("AEIOU".indexOf(type.charAt(0)) >= 0 ? "an " : "a ") + type;
    }

    private static String leaf(String propertyPath) {
        int dot = propertyPath.indexOf('.');
        return dot < 0 ? propertyPath : propertyPath.substring(dot + 1);
    }

    private static <T extends Throwable> T cause(Throwable ex, Class<T> type) {
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (type.isInstance(t)) return type.cast(t);
            if (t.getCause() == t) break;
        }
        return null;
    }
}
