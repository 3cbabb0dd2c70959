package io.pinlab.api.web;

import io.pinlab.api.problem.ApiProblemException;
import io.pinlab.session.CourseService;
import io.pinlab.session.LabSession;
import io.pinlab.session.SessionNotFoundException;
import io.pinlab.session.SessionService;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.core.MethodParameter;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.util.StringUtils;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;
import org.springframework.web.servlet.HandlerMapping;

import java.util.Map;

/**
 * Resolves a {@link LabSession} controller parameter from the {@code {sid}} path variable and the
 * bearer token: 401 without a token, 404 for an unknown session or a wrong token. Controllers that
 * take a {@code LabSession} are therefore authorised before they run. With {@code ?at=N} on a read
 * endpoint the parameter is the session's state after step N (the web timeline).
 */
record SessionArgumentResolver(SessionService sessions, CourseService courses) implements HandlerMethodArgumentResolver {

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
        String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
        LabSession session;
        try {
            session = sessions.authorize(sid, authorization);
        } catch (SessionNotFoundException notTheSessionToken) {
            session = instructorView(sid, authorization, request).orElseThrow(() -> notTheSessionToken);
        }
        String at = mayHaveParameters(request) ? request.getParameter("at") : null;
        if (at != null) session = past(session, at, request.getMethod());
        return session;
    }

    /**
     * Whether the request can carry parameters: a query, or a form body. The first getParameter
     * makes Tomcat parse them (and build its parameter map), which a lab call with neither skips.
     */
    private static boolean mayHaveParameters(HttpServletRequest request) {
        String type = request.getContentType();
        return request.getQueryString() != null || type != null && (StringUtils.startsWithIgnoreCase(type, MediaType.APPLICATION_FORM_URLENCODED_VALUE)
                || StringUtils.startsWithIgnoreCase(type, MediaType.MULTIPART_FORM_DATA_VALUE));
    }

    /**
     * The instructor token of the session's course reads the session (GET, and compare, which
     * changes nothing); any other call with it is 403. Another course's token is a 404 like any
     * token that does not match.
     */
    private java.util.Optional<LabSession> instructorView(String sid, String authorization, HttpServletRequest request) {
        if (!courses.isInstructorOf(sid, authorization)) return java.util.Optional.empty();
        String method = request.getMethod();
        boolean read = "GET".equals(method) || "HEAD".equals(method) || request.getRequestURI().endsWith("/compare");
        if (!read)
            throw new ApiProblemException(org.springframework.http.HttpStatus.FORBIDDEN, io.pinlab.platform.Problems.FORBIDDEN,
                    "the instructor token reads the sessions of its course; calls that change a session need the student's token",
                    java.util.List.of(), java.util.Map.of());
        return sessions.peek(sid);
    }

    /**
     * {@code ?at=N} on a read endpoint: the session's state after step N (0 = as created),
     * replayed into a throwaway kernel.
     */
    private static LabSession past(LabSession session, String at, String method) {
        if (!"GET".equals(method) && !"HEAD".equals(method))
            throw ApiProblemException.badField("at", "only read endpoints show a past state; calls change the current one");
        if (at.isEmpty() || at.length() > 18 || !at.chars().allMatch(c -> c >= '0' && c <= '9') || (at.length() > 1 && at.charAt(0) == '0'))
            throw ApiProblemException.badField("at", "expected a step number (ASCII digits, no sign or leading zero)");
        long n = Long.parseLong(at);
        long steps = session.steps();
        if (n > steps) throw ApiProblemException.badField("at", "this session has made " + steps + " calls; at must be 0.." + steps);
        return session.at(n);
    }
}
