package io.pinlab.api.web;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.Valid;
import jakarta.validation.Validator;
import org.springframework.core.Conventions;
import org.springframework.core.MethodParameter;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.http.server.ServletServerHttpRequest;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.WebDataBinder;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.exc.InvalidDefinitionException;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@code @RequestBody} sent as {@code application/json} (UTF-8), read in one pass, without the
 * converter negotiation, the input message wrappers and the data binder that Spring's
 * {@code RequestResponseBodyMethodProcessor} builds on every request:
 * <ul>
 *   <li>a required record: the body bytes go straight to a reader made once per record type (a
 *       {@link BodyReader}'s first where one reads the type), and a {@code @Valid} one is checked
 *       once by Bean Validation;</li>
 *   <li>raw bytes ({@code byte[]}): the body as sent, as Spring's byte array converter reads it
 *       (an empty body is null when it is optional).</li>
 * </ul>
 * The body is read into one array of its declared length. The answers are Spring's: a missing or
 * malformed body is the same {@link HttpMessageNotReadableException}; an invalid one is checked
 * again through Spring's data binder to throw its {@link MethodArgumentNotValidException}. Any
 * other body (optional record, another content type or charset, another type) goes to Spring's
 * resolver.
 */
final class JsonBodies {
    /**
     * How a body parameter is read: {@code reader} for a required record (after {@code plain}, the
     * {@link BodyReader} of its type if there is one), else raw bytes.
     */
    private record Plan(Class<?> type, BodyReader plain, ObjectReader reader, boolean valid, boolean required) {
    }

    /** A parameter this class leaves to Spring. */
    private static final Plan SPRING = new Plan(null, null, null, false, false);

    private final JsonMapper mapper;
    private final Validator validator;
    private final List<BodyReader> bodyReaders;
    private final Map<MethodParameter, Plan> plans = new ConcurrentHashMap<>();

    JsonBodies(JsonMapper mapper, Validator validator, List<BodyReader> bodyReaders) {
        this.mapper = mapper;
        this.validator = validator;
        this.bodyReaders = bodyReaders;
    }

    Object resolve(MethodParameter parameter, NativeWebRequest webRequest, WebDataBinderFactory binders) throws Exception {
        HttpServletRequest request = webRequest.getNativeRequest(HttpServletRequest.class);
        Plan plan = plans.computeIfAbsent(parameter, this::plan);
        if (plan == SPRING || request == null || !isUtf8Json(request.getContentType())) return FastArguments.SPRING;
        byte[] body = body(request);
        if (body.length == 0) {
            if (!plan.required()) return null;
            throw new HttpMessageNotReadableException("Required request body is missing: "
                    + parameter.getExecutable().toGenericString(), new ServletServerHttpRequest(request));
        }
        if (plan.reader() == null) return body;
        Object arg = plan.plain() == null ? null : plan.plain().read(plan.type(), body); // null: Jackson reads it
        if (arg == null) try {
            arg = plan.reader().readValue(body);
        } catch (InvalidDefinitionException e) {
            throw e; // a mapping bug, not the client's: the 500 of any unexpected failure
        } catch (JacksonException e) {
            throw new HttpMessageNotReadableException("JSON parse error: " + e.getOriginalMessage(), e,
                    new ServletServerHttpRequest(request));
        }
        if (plan.valid() && !validator.validate(arg).isEmpty()) {
            // the rare invalid body: Spring's binder names the fields exactly as before
            WebDataBinder binder = binders.createBinder(webRequest, arg, Conventions.getVariableNameForParameter(parameter));
            binder.validate();
            throw new MethodArgumentNotValidException(parameter, binder.getBindingResult());
        }
        return arg;
    }

    private Plan plan(MethodParameter parameter) {
        RequestBody ann = parameter.getParameterAnnotation(RequestBody.class);
        Class<?> type = parameter.getParameterType();
        if (ann == null) return SPRING;
        if (type == byte[].class) return new Plan(type, null, null, false, ann.required());
        if (!ann.required() || !type.isRecord()) return SPRING;
        BodyReader plain = bodyReaders.stream().filter(r -> r.types().contains(type)).findFirst().orElse(null);
        return new Plan(type, plain, mapper.readerFor(type), parameter.hasParameterAnnotation(Valid.class), true);
    }

    /**
     * The request body: one array of the declared length (InputStream.readAllBytes would fill
     * 16 KiB buffers and copy), or read to the end when the body is chunked. BodySizeLimitFilter
     * has refused a declared length over the limit, and limits a chunked body as it is read.
     */
    private static byte[] body(HttpServletRequest request) throws IOException {
        try {
            InputStream in = request.getInputStream();
            int length = request.getContentLength();
            return length >= 0 ? in.readNBytes(length) : in.readAllBytes();
        } catch (IOException e) { // the problem advice finds a body over the size limit among the causes
            throw new HttpMessageNotReadableException("I/O error while reading input message", e,
                    new ServletServerHttpRequest(request));
        }
    }

    /** {@code application/json}, with no charset or UTF-8: what the fast path reads. */
    static boolean isUtf8Json(String contentType) {
        if (contentType == null) return false;
        int semi = contentType.indexOf(';');
        String mediaType = (semi < 0 ? contentType : contentType.substring(0, semi)).strip();
        if (!mediaType.equalsIgnoreCase("application/json")) return false;
        if (semi < 0) return true;
        String params = contentType.substring(semi + 1).strip();
        return params.isEmpty() || params.equalsIgnoreCase("charset=utf-8") || params.equalsIgnoreCase("charset=\"utf-8\"");
    }
}
