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
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.exc.InvalidDefinitionException;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A required {@code @RequestBody} record sent as {@code application/json} (UTF-8), read in one
 * pass: the body bytes go straight to a reader made once per record type, and a {@code @Valid}
 * body is checked once by Bean Validation, without the converter negotiation, the input message
 * wrappers and the data binder that Spring's {@code RequestResponseBodyMethodProcessor} builds on
 * every request. The answers are Spring's: a missing or malformed body is the same
 * {@link HttpMessageNotReadableException}; an invalid one is checked again through Spring's data
 * binder to throw its {@link MethodArgumentNotValidException}. Any other body (optional, another
 * content type or charset, not a record) goes to Spring's resolver.
 */
class JsonBodies implements HandlerMethodArgumentResolver {
    private final HandlerMethodArgumentResolver spring;
    private final JsonMapper mapper;
    private final Validator validator;
    private final Map<Class<?>, ObjectReader> readers = new ConcurrentHashMap<>();

    JsonBodies(HandlerMethodArgumentResolver spring, JsonMapper mapper, Validator validator) {
        this.spring = spring;
        this.mapper = mapper;
        this.validator = validator;
    }

    @Override
    public boolean supportsParameter(MethodParameter parameter) {
        return spring.supportsParameter(parameter);
    }

    @Override
    public Object resolveArgument(MethodParameter parameter, ModelAndViewContainer mav, NativeWebRequest webRequest,
                                  WebDataBinderFactory binderFactory) throws Exception {
        HttpServletRequest request = webRequest.getNativeRequest(HttpServletRequest.class);
        RequestBody ann = parameter.getParameterAnnotation(RequestBody.class);
        Class<?> type = parameter.getParameterType();
        if (request == null || ann == null || !ann.required() || !type.isRecord() || !isUtf8Json(request.getContentType()))
            return spring.resolveArgument(parameter, mav, webRequest, binderFactory);
        byte[] body;
        try {
            body = request.getInputStream().readAllBytes();
        } catch (IOException e) { // the problem advice finds a body over the size limit among the causes
            throw new HttpMessageNotReadableException("I/O error while reading input message", e,
                    new ServletServerHttpRequest(request));
        }
        if (body.length == 0)
            throw new HttpMessageNotReadableException("Required request body is missing: "
                    + parameter.getExecutable().toGenericString(), new ServletServerHttpRequest(request));
        Object arg;
        try {
            arg = readers.computeIfAbsent(type, mapper::readerFor).readValue(body);
        } catch (InvalidDefinitionException e) {
            throw e; // a mapping bug, not the client's: the 500 of any unexpected failure
        } catch (JacksonException e) {
            throw new HttpMessageNotReadableException("JSON parse error: " + e.getOriginalMessage(), e,
                    new ServletServerHttpRequest(request));
        }
        if (parameter.hasParameterAnnotation(Valid.class) && !validator.validate(arg).isEmpty()) {
            // the rare invalid body: Spring's binder names the fields exactly as before
            WebDataBinder binder = binderFactory.createBinder(webRequest, arg, Conventions.getVariableNameForParameter(parameter));
            binder.validate();
            throw new MethodArgumentNotValidException(parameter, binder.getBindingResult());
        }
        return arg;
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
