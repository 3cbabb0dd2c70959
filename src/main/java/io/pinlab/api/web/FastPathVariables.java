package io.pinlab.api.web;

import org.springframework.core.MethodParameter;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.servlet.HandlerMapping;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code @PathVariable} of type String, int or long without a data binder per variable: Spring
 * builds a WebDataBinder and asks the conversion service for each one, on every request. Integers
 * reaching it are canonical decimals (StrictRequests refuses the rest first), which parseInt and
 * parseLong read as Spring's conversion does; anything they reject and every other type go to
 * Spring's resolver, so its 400 problems stay as they were. Each parameter's variable name is
 * found once (Spring discovers an unnamed parameter's name again on every request).
 */
final class FastPathVariables {
    private final Map<MethodParameter, String> names = new ConcurrentHashMap<>();

    Object resolve(MethodParameter parameter, NativeWebRequest request, WebDataBinderFactory binders) {
        Class<?> type = parameter.getParameterType();
        if (type != String.class && type != int.class && type != long.class) return FastArguments.SPRING;
        @SuppressWarnings("unchecked")
        Map<String, String> vars = (Map<String, String>) request.getAttribute(
                HandlerMapping.URI_TEMPLATE_VARIABLES_ATTRIBUTE, RequestAttributes.SCOPE_REQUEST);
        String name = names.computeIfAbsent(parameter, FastPathVariables::variable);
        String raw = vars == null || name.isEmpty() ? null : vars.get(name);
        if (raw == null) return FastArguments.SPRING;
        if (type == String.class) return raw;
        try {
            return type == int.class ? (Object) Integer.parseInt(raw) : (Object) Long.parseLong(raw);
        } catch (NumberFormatException e) {
            return FastArguments.SPRING; // Spring's conversion decides (it also reads hex) and names the variable in its 400
        }
    }

    /** The variable a parameter names ("" when it cannot be told: Spring's resolver then decides). */
    private static String variable(MethodParameter parameter) {
        PathVariable ann = parameter.getParameterAnnotation(PathVariable.class);
        String name = ann == null || ann.name().isEmpty() ? parameter.getParameterName() : ann.name();
        return name == null ? "" : name;
    }
}
