package io.pinlab.api.json;

import io.pinlab.api.problem.ApiProblemException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.MethodParameter;
import org.springframework.core.ParameterNameDiscoverer;
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
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
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
    private static final ParameterNameDiscoverer NAMES = new DefaultParameterNameDiscoverer();

    /** What a body-less endpoint accepts: an object without properties. */
    record NoProperties() {
    }

    private final JsonMapper mapper;

    public StrictRequests(JsonMapper mapper) {
        this.mapper = mapper;
    }

    /** An integer parameter read from the path or the query, and the checks of one handler method. */
    private record IntegerParam(String name, boolean inPath, boolean isInt) {
    }

    private record Checks(List<IntegerParam> integers, boolean hasBody) {
    }

    /** Found once per handler method (Spring hands out a new HandlerMethod per request, the Method stays). */
    private final Map<Method, Checks> checks = new ConcurrentHashMap<>();

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler)
            throws IOException {
        if (!(handler instanceof HandlerMethod method)) return true;
        Checks c = checks.computeIfAbsent(method.getMethod(), m -> checksOf(method));
        if (!c.integers().isEmpty()) checkIntegers(request, c.integers());
        if (!c.hasBody() && WITH_BODY.contains(request.getMethod())) checkEmptyBody(request);
        return true;
    }

    private static Checks checksOf(HandlerMethod method) {
        String[] names = NAMES.getParameterNames(method.getMethod());
        List<IntegerParam> integers = new ArrayList<>();
        boolean hasBody = false;
        for (MethodParameter p : method.getMethodParameters()) {
            if (p.hasParameterAnnotation(RequestBody.class)) hasBody = true;
            if (!INTEGRAL.contains(p.getParameterType())) continue;
            String name = names == null ? null : names[p.getParameterIndex()];
            PathVariable pv = p.getParameterAnnotation(PathVariable.class);
            RequestParam rp = p.getParameterAnnotation(RequestParam.class);
            boolean isInt = p.getParameterType() == int.class || p.getParameterType() == Integer.class;
            if (pv != null) integers.add(new IntegerParam(pv.name().isEmpty() ? name : pv.name(), true, isInt));
            else if (rp != null) integers.add(new IntegerParam(rp.name().isEmpty() ? name : rp.name(), false, isInt));
        }
        return new Checks(List.copyOf(integers), hasBody);
    }

    private static void checkIntegers(HttpServletRequest request, List<IntegerParam> integers) {
        @SuppressWarnings("unchecked")
        Map<String, String> pathVars = (Map<String, String>) request.getAttribute(HandlerMapping.URI_TEMPLATE_VARIABLES_ATTRIBUTE);
        for (IntegerParam p : integers) {
            String raw = p.name() == null ? null : p.inPath() ? (pathVars == null ? null : pathVars.get(p.name()))
                    : request.getParameter(p.name());
            if (raw == null) continue;
            try {
                if (p.isInt()) CanonicalDecimal.parseInt(raw);
                else CanonicalDecimal.parseLong(raw);
            } catch (IllegalArgumentException e) {
                throw ApiProblemException.badField(p.name(), e.getMessage());
            }
        }
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
