package io.pinlab.api.web;

import org.springframework.core.MethodParameter;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;
import org.springframework.web.servlet.HandlerMapping;

import java.util.Map;

/**
 * {@code @PathVariable} of type String, int or long without a data binder per variable: Spring
 * builds a WebDataBinder and asks the conversion service for each one, on every request. Integers
 * reaching it are canonical decimals (StrictRequests refuses the rest first), which parseInt and
 * parseLong read as Spring's conversion does; anything they reject and every other type go to
 * Spring's resolver, so its 400 problems stay as they were.
 */
class FastPathVariables implements HandlerMethodArgumentResolver {
    private final HandlerMethodArgumentResolver spring;

    FastPathVariables(HandlerMethodArgumentResolver spring) {
        this.spring = spring;
    }

    @Override
    public boolean supportsParameter(MethodParameter parameter) {
        return spring.supportsParameter(parameter);
    }

    @Override
    public Object resolveArgument(MethodParameter parameter, ModelAndViewContainer mav, NativeWebRequest request,
                                  WebDataBinderFactory binderFactory) throws Exception {
        Class<?> type = parameter.getParameterType();
        if (type == String.class || type == int.class || type == long.class) {
            @SuppressWarnings("unchecked")
            Map<String, String> vars = (Map<String, String>) request.getAttribute(
                    HandlerMapping.URI_TEMPLATE_VARIABLES_ATTRIBUTE, RequestAttributes.SCOPE_REQUEST);
            PathVariable ann = parameter.getParameterAnnotation(PathVariable.class);
            String name = ann == null || ann.name().isEmpty() ? parameter.getParameterName() : ann.name();
            String raw = vars == null || name == null ? null : vars.get(name);
            if (raw != null) {
                if (type == String.class) return raw;
                try {
                    return type == int.class ? (Object) Integer.parseInt(raw) : (Object) Long.parseLong(raw);
                } catch (NumberFormatException e) {
                    // Spring's conversion decides (it also reads hex) and names the variable in its 400
                }
            }
        }
        return spring.resolveArgument(parameter, mav, request, binderFactory);
    }
}
