package io.pinlab.platform;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.MDC;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.IOException;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code X-Request-Id}: echoes a sane incoming id, generates one otherwise, and puts it in the
 * logging MDC ({@code requestId}) and in every problem body. A generated id is a random (version 4)
 * UUID drawn from {@link ThreadLocalRandom}: it names a request in the logs and needs no secrecy,
 * and {@code UUID.randomUUID()} reads {@code /dev/urandom} under a lock on every request.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
public class RequestIdFilter extends OncePerRequestFilter {
    public static final String HEADER = "X-Request-Id";
    public static final String ATTRIBUTE = RequestIdFilter.class.getName() + ".id";

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String id = request.getHeader(HEADER);
        if (id == null || !sane(id)) id = newId();
        request.setAttribute(ATTRIBUTE, id);
        response.setHeader(HEADER, id);
        MDC.put("requestId", id);
        try {
            chain.doFilter(request, response);
        } finally {
            MDC.remove("requestId");
        }
    }

    /** Only short, printable ids ({@code [A-Za-z0-9._:-]{1,128}}), so that headers and logs cannot be injected into. */
    static boolean sane(String id) {
        if (id.isEmpty() || id.length() > 128) return false;
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || c == '.' || c == '_' || c == ':' || c == '-';
            if (!ok) return false;
        }
        return true;
    }

    /** A version 4 (random), IETF variant UUID, as {@code UUID.randomUUID()} lays it out. */
    static String newId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long msb = r.nextLong() & ~0xf000L | 0x4000L;
        long lsb = r.nextLong() & ~(0xc000L << 48) | (0x8000L << 48);
        return new UUID(msb, lsb).toString();
    }
}
