package io.pinlab.api.web;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.web.cors.CorsUtils;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;
import org.springframework.web.util.pattern.PathPattern;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Request mapping without a scan of every mapping. Spring looks a path up directly only when it
 * has no variables; every {@code /sessions/{sid}/...} path does, so Spring tries each of the ~60
 * mappings' patterns in turn. This mapping indexes the patterns by segment count and last segment
 * ({@code mmap}, {@code release}, or {@code *} when the last segment is a variable) and lets Spring
 * match only that handful. Whatever is not a single plain match (no match, several matches, a CORS
 * pre-flight) goes to Spring's own lookup, so 404/405/415 answers and ambiguity rules are Spring's.
 */
class IndexedRequestMappingHandlerMapping extends RequestMappingHandlerMapping {
    private static final String ANY = "*";

    private record Candidate(RequestMappingInfo info, HandlerMethod method) {
    }

    private volatile Map<String, List<Candidate>> index;

    @Override
    protected HandlerMethod lookupHandlerMethod(String lookupPath, HttpServletRequest request) throws Exception {
        if (CorsUtils.isPreFlightRequest(request)) return super.lookupHandlerMethod(lookupPath, request);
        Map<String, List<Candidate>> idx = index;
        if (idx == null) index = idx = buildIndex();
        int segments = segments(lookupPath);
        String last = lookupPath.substring(lookupPath.lastIndexOf('/') + 1);
        RequestMappingInfo found = null;
        HandlerMethod method = null;
        for (String key : new String[] {key(segments, last), key(segments, ANY), ANY}) {
            List<Candidate> list = idx.get(key);
            if (list == null) continue;
            for (Candidate c : list) {
                RequestMappingInfo m = c.info().getMatchingCondition(request);
                if (m == null) continue;
                if (found != null) return super.lookupHandlerMethod(lookupPath, request); // let Spring rank them
                found = m;
                method = c.method();
            }
        }
        if (found == null) return super.lookupHandlerMethod(lookupPath, request);
        request.setAttribute(BEST_MATCHING_HANDLER_ATTRIBUTE, method);
        handleMatch(found, lookupPath, request);
        return method;
    }

    private Map<String, List<Candidate>> buildIndex() {
        Map<String, List<Candidate>> idx = new HashMap<>();
        getHandlerMethods().forEach((info, method) -> {
            if (info.getPathPatternsCondition() == null) {
                idx.computeIfAbsent(ANY, k -> new ArrayList<>()).add(new Candidate(info, method));
                return;
            }
            for (PathPattern p : info.getPathPatternsCondition().getPatterns()) {
                String s = p.getPatternString();
                String last = s.substring(s.lastIndexOf('/') + 1);
                String key = s.contains("**") || s.contains("{*") ? ANY
                        : key(segments(s), last.indexOf('{') >= 0 || last.indexOf('*') >= 0 || last.indexOf('?') >= 0 ? ANY : last);
                List<Candidate> list = idx.computeIfAbsent(key, k -> new ArrayList<>());
                if (list.stream().noneMatch(c -> c.info() == info)) list.add(new Candidate(info, method));
            }
        });
        return idx;
    }

    private static String key(int segments, String last) {
        return segments + "|" + last;
    }

    private static int segments(String path) {
        int n = 0;
        for (int i = 0; i < path.length(); i++) if (path.charAt(i) == '/') n++;
        return n;
    }

    // mappings registered at run time invalidate the index

    @Override
    protected void registerHandlerMethod(Object handler, Method method, RequestMappingInfo mapping) {
        super.registerHandlerMethod(handler, method, mapping);
        index = null;
    }

    @Override
    public void registerMapping(RequestMappingInfo mapping, Object handler, Method method) {
        super.registerMapping(mapping, handler, method);
        index = null;
    }

    @Override
    public void unregisterMapping(RequestMappingInfo mapping) {
        super.unregisterMapping(mapping);
        index = null;
    }
}
