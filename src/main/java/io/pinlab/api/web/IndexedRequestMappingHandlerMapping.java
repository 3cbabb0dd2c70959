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

    private volatile Index index;

    @Override
    protected HandlerMethod lookupHandlerMethod(String lookupPath, HttpServletRequest request) throws Exception {
        if (CorsUtils.isPreFlightRequest(request)) return super.lookupHandlerMethod(lookupPath, request);
        Index idx = index;
        if (idx == null) index = idx = buildIndex();
        Map<String, List<Candidate>> byLast = idx.bySegments().getOrDefault(segments(lookupPath), Map.of());
        RequestMappingInfo found = null;
        HandlerMethod method = null;
        for (int k = 0; k < 3; k++) { // the last segment's own mappings, then that length's {variable} ones, then the rest
            List<Candidate> list = k == 0 ? byLast.get(lookupPath.substring(lookupPath.lastIndexOf('/') + 1))
                    : k == 1 ? byLast.get(ANY) : idx.any();
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

    /**
     * The mappings by segment count and then last segment ({@link #ANY} when it is a variable),
     * and those of any length ({@code **}, {@code {*rest}}, no pattern).
     */
    private record Index(Map<Integer, Map<String, List<Candidate>>> bySegments, List<Candidate> any) {
    }

    private Index buildIndex() {
        Map<Integer, Map<String, List<Candidate>>> bySegments = new HashMap<>();
        List<Candidate> any = new ArrayList<>();
        getHandlerMethods().forEach((info, method) -> {
            if (info.getPathPatternsCondition() == null) {
                any.add(new Candidate(info, method));
                return;
            }
            for (PathPattern p : info.getPathPatternsCondition().getPatterns()) {
                String s = p.getPatternString();
                String last = s.substring(s.lastIndexOf('/') + 1);
                List<Candidate> list = s.contains("**") || s.contains("{*") ? any
                        : bySegments.computeIfAbsent(segments(s), k -> new HashMap<>()).computeIfAbsent(
                        last.indexOf('{') >= 0 || last.indexOf('*') >= 0 || last.indexOf('?') >= 0 ? ANY : last, k -> new ArrayList<>());
                if (list.stream().noneMatch(c -> c.info() == info)) list.add(new Candidate(info, method));
            }
        });
        return new Index(bySegments, any);
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
