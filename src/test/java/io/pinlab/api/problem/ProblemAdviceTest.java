package io.pinlab.api.problem;

import org.apache.catalina.connector.ClientAbortException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.ResponseEntity;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.web.context.request.ServletWebRequest;

import java.io.IOException;
import java.io.UncheckedIOException;

import static org.assertj.core.api.Assertions.assertThat;

/** The catch-all handler: a bug is a logged 500, a client that hung up mid-answer is neither. */
@ExtendWith(OutputCaptureExtension.class)
class ProblemAdviceTest {
    private final ProblemAdvice advice = new ProblemAdvice();
    private final ServletWebRequest request = new ServletWebRequest(new MockHttpServletRequest("GET", "/api/v1/sessions/x/history"));

    @Test
    void aClientGoneWhileItsAnswerWasWrittenCostsNoLogLineAndNoAnswer(CapturedOutput out) {
        // as Jackson wraps Tomcat's ClientAbortException when the browser gives up on a large /history
        Exception gone = new UncheckedIOException("ServletOutputStream failed to write",
                new ClientAbortException(new IOException("Connection reset by peer")));
        assertThat(advice.bug(gone, request)).isNull();
        assertThat(out.getAll()).doesNotContain("unhandled exception");
    }

    @Test
    void aGenuineBugIsA500AndOneLogLine(CapturedOutput out) {
        ResponseEntity<Object> answer = advice.bug(new IllegalStateException("broken invariant"), request);
        assertThat(answer).isNotNull();
        assertThat(answer.getStatusCode().value()).isEqualTo(500);
        assertThat(out.getAll()).contains("unhandled exception on /api/v1/sessions/x/history");
    }
}
