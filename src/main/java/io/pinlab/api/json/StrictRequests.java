package io.pinlab.api.json;

import io.pinlab.api.problem.ApiProblemException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.MethodParameter;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.http.server.ServletServerHttpRequest;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.HandlerMapping;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;

/**
 * The documented strictness for what Jackson does not parse, checked before a controller runs:
 * <ul>
 *   <li>integers in the path and the query ({@code /processes/{pid}}, {@code ?after=}) are
 *       canonical ASCII decimal ({@link CanonicalDecimal}); Spring's own conversion would take
 *       {@code +1}, {@code 01}, {@code 0x2} and Arabic-Indic or fullwidth digits;</li>
 *   <li>an endpoint that takes no body ({@code POST .../fork}, the DELETEs) accepts an empty body
 *       or {@code {}}; anything else is the same 400 as on any other endpoint ({@code {"x":1}}:
 *       unknown property 'x'), instead of being silently ignored.</li>
 * </ul>
 */
public class StrictRequests implements HandlerInterceptor {
    private static final Set<String> WITH_BODY = Set.of("POST", "PUT", "PATCH", "DELETE");
    private static final Set<Class<?>> INTEGRAL = Set.of(int.class, Integer.class, long.class, Long.class);

    /** What a body-less endpoint accepts: an object without properties. */
    record NoProperties() {
    }

    private final JsonMapper mapper;

    public StrictRequests(JsonMapper mapper) {
        this.mapper = mapper;
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler)
            throws IOException {
        if (!(handler instanceof HandlerMethod method)) return true;
        checkIntegers(request, method);
        if (WITH_BODY.contains(request.getMethod()) && !hasBody(method)) checkEmptyBody(request);
        return true;
    }

    private static void checkIntegers(HttpServletRequest request, HandlerMethod method) {
        @SuppressWarnings("unchecked")
        Map<String, String> pathVars = (Map<String, String>) request.getAttribute(HandlerMapping.URI_TEMPLATE_VARIABLES_ATTRIBUTE);
        for (MethodParameter p : method.getMethodParameters()) {
            if (!INTEGRAL.contains(p.getParameterType())) continue;
            String name = p.getParameterName();
            String raw = null;
            PathVariable pv = p.getParameterAnnotation(PathVariable.class);
            RequestParam rp = p.getParameterAnnotation(RequestParam.class);
            if (pv != null) {
                if (!pv.name().isEmpty()) name = pv.name();
                raw = pathVars == null ? null : pathVars.get(name);
            } else if (rp != null) {
                if (!rp.name().isEmpty()) name = rp.name();
                raw = request.getParameter(name);
            }
            if (raw == null) continue;
            try {
                if (p.getParameterType() == int.class || p.getParameterType() == Integer.class) CanonicalDecimal.parseInt(raw);
                else CanonicalDecimal.parseLong(raw);
            } catch (IllegalArgumentException e) {
                throw ApiProblemException.badField(name, e.getMessage());
            }
        }
    }

    private static boolean hasBody(HandlerMethod method) {
        for (MethodParameter p : method.getMethodParameters())
            if (p.hasParameterAnnotation(RequestBody.class)) return true;
        return false;
    }

    private void checkEmptyBody(HttpServletRequest request) throws IOException {
        byte[] body = request.getInputStream().readAllBytes();
        if (new String(body, StandardCharsets.UTF_8).isBlank()) return;
        try {
            mapper.readValue(body, NoProperties.class);
        } catch (JacksonException e) {
            throw new HttpMessageNotReadableException("request body", e, new ServletServerHttpRequest(request));
        }
    }
}
