package io.pinlab.platform;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.IOException;

/**
 * Response headers every answer carries, set before anything else can write (so 413 and 429
 * problems have them too):
 * <ul>
 *   <li>{@code X-Content-Type-Options: nosniff}: a browser takes the declared type at its word;</li>
 *   <li>{@code Content-Security-Policy} and {@code X-Frame-Options}: pages load scripts, styles
 *       and data from this origin only and cannot be framed (the web UI and Swagger UI need no
 *       more; Swagger UI draws its icons from {@code data:} URIs and, on its own pages, may
 *       use inline styles);</li>
 *   <li>{@code Cache-Control: no-store} on the API: its answers are one lab's live state, and
 *       {@code POST /sessions} carries the session's token.</li>
 * </ul>
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 1)
public class SecurityHeadersFilter extends OncePerRequestFilter {
    public static final String CONTENT_SECURITY_POLICY = "default-src 'self'; img-src 'self' data:; "
            + "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
    /** Swagger UI's bundle also sets an inline style element; its pages alone allow inline styles. */
    static final String SWAGGER_UI_POLICY = CONTENT_SECURITY_POLICY + "; style-src 'self' 'unsafe-inline'";

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("X-Frame-Options", "DENY");
        response.setHeader("Content-Security-Policy", request.getRequestURI().startsWith("/swagger-ui/")
                ? SWAGGER_UI_POLICY : CONTENT_SECURITY_POLICY);
        response.setHeader("Referrer-Policy", "no-referrer");
        if (request.getRequestURI().startsWith("/api/")) response.setHeader(HttpHeaders.CACHE_CONTROL, "no-store");
        chain.doFilter(request, response);
    }
}
