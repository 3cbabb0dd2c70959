package io.pinlab.platform;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.pinlab.session.StoreUnavailableException;
import jakarta.servlet.FilterChain;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.core.Ordered;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Bucket4j token buckets ({@link RateLimitBuckets}: local, or in Redis with the Redis session store) per client IP ({@code request.getRemoteAddr()}: behind a proxy set
 * {@code server.forward-headers-strategy}) and per session id in the path. Over the limit: 429 with
 * {@code Retry-After} in seconds. Actuator and the OpenAPI/Swagger endpoints are not limited.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 20)
public class RateLimitFilter extends OncePerRequestFilter {
    private static final Logger log = LoggerFactory.getLogger(RateLimitFilter.class);
    private static final Pattern SESSION_PATH = Pattern.compile("^/api/v1/sessions/([^/]+)");

    /** Groups sessions that share one budget instead of their clients' addresses (courses). */
    public interface Scopes {
        /** The shared scope of a session, or null when it has none. */
        String scopeOf(String sessionId);
    }

    private final RateLimitProperties props;
    private final ProblemWriter problems;
    private final ObjectProvider<Scopes> scopes;
    private final RateLimitBuckets buckets;

    /** {@code store}: with Redis sessions the buckets live in Redis too, so limits hold across replicas. */
    public RateLimitFilter(RateLimitProperties props, ProblemWriter problems, ObjectProvider<Scopes> scopes,
                           @Value("${pinlab.sessions.store:memory}") String store,
                           @Value("${pinlab.sessions.redis-key-prefix:pinlab:}") String keyPrefix,
                           ObjectProvider<RedisConnectionFactory> redis) {
        this.props = props;
        this.problems = problems;
        this.scopes = scopes;
        this.buckets = "redis".equals(store) ? RateLimitBuckets.redis(redis.getObject(), keyPrefix, props) : RateLimitBuckets.local(props);
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !props.enabled() || !request.getRequestURI().startsWith("/api/");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Matcher m = SESSION_PATH.matcher(request.getRequestURI());
        boolean inSession = m.find();
        Scopes sc = inSession ? scopes.getIfAvailable() : null;
        String scope = sc == null ? null : sc.scopeOf(m.group(1));
        ConsumptionProbe shared, s = null;
        try {
            shared = scope != null
                    ? bucket(scope, props.perCourse()).tryConsumeAndReturnRemaining(1)
                    : bucket("ip:" + request.getRemoteAddr(), props.perIp()).tryConsumeAndReturnRemaining(1);
            if (shared.isConsumed() && inSession)
                s = bucket("session:" + m.group(1), props.perSession()).tryConsumeAndReturnRemaining(1);
        } catch (RuntimeException bucketsUnreachable) { // the buckets live in Redis, and Redis does not answer
            log.debug("rate-limit buckets unreachable: {}", bucketsUnreachable.toString());
            response.setHeader(HttpHeaders.RETRY_AFTER, Integer.toString(StoreUnavailableException.RETRY_AFTER_SECONDS));
            problems.write(request, response, HttpStatus.SERVICE_UNAVAILABLE, Problems.STORE_UNAVAILABLE,
                    "the rate-limit store is unavailable; retry in a few seconds");
            return;
        }
        if (!shared.isConsumed()) {
            reject(request, response, shared, scope != null ? "course" : "client address");
            return;
        }
        if (s != null && !s.isConsumed()) {
            reject(request, response, s, "session");
            return;
        }
        chain.doFilter(request, response);
    }

    private Bucket bucket(String key, long capacity) {
        return buckets.bucket(key, capacity);
    }

    private void reject(HttpServletRequest request, HttpServletResponse response, ConsumptionProbe probe,
                        String scope) throws IOException {
        long seconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(probe.getNanosToWaitForRefill() + 999_999_999L));
        response.setHeader(HttpHeaders.RETRY_AFTER, Long.toString(seconds));
        problems.write(request, response, HttpStatus.TOO_MANY_REQUESTS, Problems.RATE_LIMITED,
                "too many requests for this " + scope + "; retry after " + seconds + " s");
    }
}
