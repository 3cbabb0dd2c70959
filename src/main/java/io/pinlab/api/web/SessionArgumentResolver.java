package io.pinlab.api.web;

import io.pinlab.session.LabSession;
import io.pinlab.session.SessionService;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.core.MethodParameter;
import org.springframework.http.HttpHeaders;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;
import org.springframework.web.servlet.HandlerMapping;

import java.util.Map;

/**
 * Resolves a {@link LabSession} controller parameter from the {@code {sid}} path variable and the
 * bearer token: 401 without a token, 404 for an unknown session or a wrong token. Controllers that
 * take a {@code LabSession} are therefore authorised before they run. The session is also kept as a
 * request attribute for validators that need its profile (declare it before the request body).
 */
class SessionArgumentResolver implements HandlerMethodArgumentResolver {
    static final String ATTRIBUTE = LabSession.class.getName();

    private final SessionService sessions;

    SessionArgumentResolver(SessionService sessions) {
        this.sessions = sessions;
    }

    @Override
    public boolean supportsParameter(MethodParameter parameter) {
        return parameter.getParameterType() == LabSession.class;
    }

    @Override
    public Object resolveArgument(MethodParameter parameter, ModelAndViewContainer mav, NativeWebRequest webRequest,
                                  WebDataBinderFactory binderFactory) {
        HttpServletRequest request = webRequest.getNativeRequest(HttpServletRequest.class);
        @SuppressWarnings("unchecked")
        Map<String, String> vars = (Map<String, String>) request.getAttribute(HandlerMapping.URI_TEMPLATE_VARIABLES_ATTRIBUTE);
        String sid = vars == null ? null : vars.get("sid");
        if (sid == null) throw new IllegalStateException("LabSession parameter on a path without {sid}");
        LabSession session = sessions.authorize(sid, request.getHeader(HttpHeaders.AUTHORIZATION));
        request.setAttribute(ATTRIBUTE, session);
        return session;
    }

    /** The session authorised for the current request, if a controller parameter resolved it. */
    static LabSession current(HttpServletRequest request) {
        return (LabSession) request.getAttribute(ATTRIBUTE);
    }
}
