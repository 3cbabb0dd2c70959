package io.pinlab.platform;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.net.URI;

/** Writes a problem+json body from a servlet filter (before Spring MVC runs). */
@Component
public class ProblemWriter {
    private final JsonMapper mapper;

    public ProblemWriter(JsonMapper mapper) {
        this.mapper = mapper;
    }

    public static ProblemDetail problem(HttpStatus status, String slug, String detail, String instance) {
        ProblemDetail pd = ProblemDetail.forStatusAndDetail(status, detail);
        pd.setType(Problems.type(slug));
        if (instance != null) pd.setInstance(URI.create(instance));
        return pd;
    }

    public void write(HttpServletRequest request, HttpServletResponse response, HttpStatus status, String slug,
                      String detail) throws IOException {
        ProblemDetail pd = problem(status, slug, detail, request.getRequestURI());
        Object requestId = request.getAttribute(RequestIdFilter.ATTRIBUTE);
        if (requestId != null) pd.setProperty("requestId", requestId);
        response.setStatus(status.value());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        response.setCharacterEncoding("UTF-8");
        mapper.writeValue(response.getOutputStream(), pd);
    }
}
