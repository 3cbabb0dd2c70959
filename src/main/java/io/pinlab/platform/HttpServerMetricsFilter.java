package io.pinlab.platform;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.http.Outcome;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.servlet.HandlerMapping;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code http.server.requests} timer, with the tags Spring Boot's observation gives it
 * ({@code method, uri, status, outcome, exception, error}; {@code uri} is the matched pattern,
 * NOT_FOUND, REDIRECTION or UNKNOWN), recorded directly on the registry. It replaces Boot's
 * per-request Observation (WebMvcObservationAutoConfiguration is excluded in application.yml),
 * which built a context, scopes, key-value lists and a fresh meter id on every request: a
 * measurable share of a lab call. Timers are cached per tag combination; the uri tag comes from
 * the mapping patterns, so the set stays bounded.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 1)
public class HttpServerMetricsFilter extends OncePerRequestFilter {
    static final String METRIC = "http.server.requests";

    private record Key(String method, String uri, int status, String exception) {
    }

    private final ObjectProvider<MeterRegistry> registry;
    private volatile MeterRegistry resolved; // looked up once: a bean lookup per request is not cheap
    private final Map<Key, Timer> timers = new ConcurrentHashMap<>();

    public HttpServerMetricsFilter(ObjectProvider<MeterRegistry> registry) {
        this.registry = registry;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        long start = System.nanoTime();
        Throwable failure = null;
        try {
            chain.doFilter(request, response);
        } catch (IOException | ServletException | RuntimeException | Error e) {
            failure = e;
            throw e;
        } finally {
            if (request.isAsyncStarted()) {
                request.getAsyncContext().addListener(new AsyncListener() {
                    @Override public void onComplete(AsyncEvent event) { record(request, response, null, start); }
                    @Override public void onTimeout(AsyncEvent event) { }
                    @Override public void onError(AsyncEvent event) { }
                    @Override public void onStartAsync(AsyncEvent event) { }
                });
            } else {
                record(request, response, failure, start);
            }
        }
    }

    private void record(HttpServletRequest request, HttpServletResponse response, Throwable failure, long start) {
        if (resolved == null && (resolved = registry.getIfAvailable()) == null) return; // no registry: slice tests
        MeterRegistry r = resolved;
        int status = failure != null && response.getStatus() < 400 ? 500 : response.getStatus();
        Key key = new Key(method(request), uri(request, status), status,
                failure == null ? "none" : failure.getClass().getSimpleName());
        timers.computeIfAbsent(key, k -> Timer.builder(METRIC)
                        .description("Duration of HTTP server request handling")
                        .tag("method", k.method()).tag("uri", k.uri()).tag("status", Integer.toString(k.status()))
                        .tag("outcome", Outcome.forStatus(k.status()).name())
                        .tag("exception", k.exception()).tag("error", k.exception())
                        .register(r))
                .record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    /** The method tag: one of the standard methods ({@link HttpMethod#values()}), or UNKNOWN. */
    private static String method(HttpServletRequest request) {
        String m = request.getMethod();
        return switch (m) {
            case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE" -> m;
            default -> "UNKNOWN";
        };
    }

    private static String uri(HttpServletRequest request, int status) {
        Object pattern = request.getAttribute(HandlerMapping.BEST_MATCHING_PATTERN_ATTRIBUTE);
        if (pattern != null) return pattern.toString();
        if (status >= 300 && status < 400) return "REDIRECTION";
        if (status == 404) return "NOT_FOUND";
        return "UNKNOWN";
    }
}
