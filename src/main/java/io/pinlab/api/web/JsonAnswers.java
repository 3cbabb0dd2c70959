package io.pinlab.api.web;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.MethodParameter;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.util.StreamUtils;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.method.support.HandlerMethodReturnValueHandler;
import org.springframework.web.method.support.HandlerMethodReturnValueHandlerComposite;
import org.springframework.web.method.support.ModelAndViewContainer;
import org.springframework.web.servlet.HandlerMapping;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Set;

/**
 * A controller's answer record written as JSON in one step: by a writer made once per record
 * type, straight into the response, instead of Spring negotiating the media type and looking up a
 * converter for every response. Only where Spring's negotiation has one
 * outcome, {@code application/json}: the client accepts anything or JSON, the mapping produces
 * JSON (or does not say), and the controller set no content type itself. Everything else
 * (other Accept headers, strings, lists, {@code ResponseEntity}) goes to Spring's handler (a
 * composite of that one handler: it supports what Spring's supports). The types an
 * {@link AnswerWriter} writes (the lab chain's answers) are written by it, the others by Jackson.
 */
final class JsonAnswers extends HandlerMethodReturnValueHandlerComposite {
    /** How one record type is written. */
    @FunctionalInterface
    private interface Writer {
        void write(Object value, OutputStream out) throws IOException;
    }

    private final ClassValue<Writer> writers;

    JsonAnswers(HandlerMethodReturnValueHandler spring, JsonMapper mapper, List<AnswerWriter> handWritten) {
        addHandler(spring);
        this.writers = new ClassValue<>() {
            @Override
            protected Writer computeValue(Class<?> type) {
                for (AnswerWriter w : handWritten)
                    if (w.types().contains(type)) return w::write;
                ObjectWriter jackson = mapper.writerFor(type);
                return (value, out) -> jackson.writeValue(StreamUtils.nonClosing(out), value);
            }
        };
    }

    @Override
    public void handleReturnValue(Object value, MethodParameter returnType, ModelAndViewContainer mav,
                                  NativeWebRequest webRequest) throws Exception {
        HttpServletRequest request = webRequest.getNativeRequest(HttpServletRequest.class);
        HttpServletResponse response = webRequest.getNativeResponse(HttpServletResponse.class);
        if (value == null || !value.getClass().isRecord() || request == null || response == null
                || response.getContentType() != null || !acceptsJson(request.getHeader(HttpHeaders.ACCEPT))
                || !producesJson(request)) {
            super.handleReturnValue(value, returnType, mav, webRequest);
            return;
        }
        mav.setRequestHandled(true);
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        // streamed into the response buffer, as Spring does: a large answer (65,536 page runs) is
        // never held whole; Tomcat sets Content-Length itself when the answer fits its buffer
        writers.get(value.getClass()).write(value, response.getOutputStream());
    }

    private static boolean acceptsJson(String accept) {
        return accept == null || accept.equals("*/*") || accept.equals(MediaType.APPLICATION_JSON_VALUE);
    }

    private static boolean producesJson(HttpServletRequest request) {
        @SuppressWarnings("unchecked")
        Set<MediaType> producible = (Set<MediaType>) request.getAttribute(HandlerMapping.PRODUCIBLE_MEDIA_TYPES_ATTRIBUTE);
        return producible == null || producible.contains(MediaType.APPLICATION_JSON);
    }
}
