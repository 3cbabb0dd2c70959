package io.pinlab.platform;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.IOException;

/**
 * Refuses bodies over {@code pinlab.http.max-body-size} with 413: at once when Content-Length says
 * so, and while reading for chunked bodies (the stream then throws {@link BodyTooLargeException},
 * which the problem advice turns into 413).
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
public class BodySizeLimitFilter extends OncePerRequestFilter {
    private final long max;
    private final ProblemWriter problems;

    public BodySizeLimitFilter(HttpProperties properties, ProblemWriter problems) {
        this.max = properties.maxBodySize().toBytes();
        this.problems = problems;
    }

    /** Thrown by the request stream when a body without Content-Length grows past the limit. */
    public static class BodyTooLargeException extends IOException {
        public BodyTooLargeException(long max) {
            super("request body larger than " + max + " bytes (pinlab.http.max-body-size)");
        }
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        long declared = request.getContentLengthLong();
        if (declared > max) {
            problems.write(request, response, HttpStatus.CONTENT_TOO_LARGE, Problems.PAYLOAD_TOO_LARGE,
                    "request body of " + declared + " bytes exceeds the limit of " + max + " bytes");
            return;
        }
        chain.doFilter(declared >= 0 ? request : new Limited(request, max), response);
    }

    private static final class Limited extends HttpServletRequestWrapper {
        private final long max;
        private ServletInputStream stream;

        Limited(HttpServletRequest request, long max) {
            super(request);
            this.max = max;
        }

        @Override
        public ServletInputStream getInputStream() throws IOException {
            if (stream == null) stream = new LimitedStream(super.getInputStream(), max);
            return stream;
        }
    }

    private static final class LimitedStream extends ServletInputStream {
        private final ServletInputStream in;
        private final long max;
        private long count;

        LimitedStream(ServletInputStream in, long max) {
            this.in = in;
            this.max = max;
        }

        private void add(long n) throws BodyTooLargeException {
            if (n > 0 && (count += n) > max) throw new BodyTooLargeException(max);
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) add(1);
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            add(n);
            return n;
        }

        @Override
        public boolean isFinished() { return in.isFinished(); }

        @Override
        public boolean isReady() { return in.isReady(); }

        @Override
        public void setReadListener(ReadListener listener) { in.setReadListener(listener); }
    }
}
