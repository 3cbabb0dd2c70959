package io.pinlab.api.problem;

import io.pinlab.platform.ProblemWriter;
import io.pinlab.platform.Problems;
import io.pinlab.platform.RequestIdFilter;
import io.swagger.v3.oas.annotations.Hidden;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Replaces Boot's whitelabel/JSON {@code /error} so that errors raised outside Spring MVC (by the
 * servlet container) are problem+json too, without stack traces.
 */
@Hidden
@RestController
class ProblemErrorController implements ErrorController {

    /**
     * Reached by the container's error dispatch, which sets the status; a client asking for
     * {@code /error} itself (any method) gets the answer for a path that does not exist.
     */
    @RequestMapping("${server.error.path:/error}")
    ResponseEntity<ProblemDetail> error(HttpServletRequest request) {
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        boolean dispatched = request.getDispatcherType() == DispatcherType.ERROR;
        HttpStatus status = !dispatched ? HttpStatus.NOT_FOUND
                : code instanceof Integer i && HttpStatus.resolve(i) != null ? HttpStatus.valueOf(i)
                : HttpStatus.INTERNAL_SERVER_ERROR;
        Object uri = dispatched ? request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI) : request.getRequestURI();
        String detail = status.is5xxServerError() ? "internal error; quote the requestId when reporting it"
                : status.getReasonPhrase();
        ProblemDetail pd = ProblemWriter.problem(status, Problems.slugFor(status.value()), detail,
                uri == null ? null : uri.toString());
        pd.setTitle(status.getReasonPhrase());
        Object id = request.getAttribute(RequestIdFilter.ATTRIBUTE);
        if (id != null) pd.setProperty("requestId", id);
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(pd);
    }
}
