package io.pinlab.api.web;

import org.springframework.core.MethodParameter;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.HandlerMethodArgumentResolverComposite;
import org.springframework.web.method.support.ModelAndViewContainer;

/**
 * One of Spring's argument resolvers with a fast path in front ({@link FastPathVariables},
 * {@link JsonBodies}): the fast path takes the common case or answers {@link #SPRING}, and
 * Spring's resolver takes everything else, so its answers and 4xx problems stay as they were.
 * (A composite of Spring's one resolver: it supports what Spring's supports.)
 */
final class FastArguments extends HandlerMethodArgumentResolverComposite {
    /** What a fast path answers for an argument it leaves to Spring. */
    static final Object SPRING = new Object();

    @FunctionalInterface
    interface FastPath {
        /** The argument, or {@link #SPRING}. */
        Object resolve(MethodParameter parameter, NativeWebRequest request, WebDataBinderFactory binders) throws Exception;
    }

    private final FastPath fast;

    FastArguments(HandlerMethodArgumentResolver spring, FastPath fast) {
        addResolver(spring);
        this.fast = fast;
    }

    @Override
    public Object resolveArgument(MethodParameter parameter, ModelAndViewContainer mav, NativeWebRequest request,
                                  WebDataBinderFactory binders) throws Exception {
        Object arg = fast.resolve(parameter, request, binders);
        return arg != SPRING ? arg : super.resolveArgument(parameter, mav, request, binders);
    }
}
