package io.pinlab.session;

import com.fasterxml.jackson.annotation.JsonInclude;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One step of a session's log, as {@link SessionStore} keeps it (one JSON object, UTF-8):
 * {@code {"op":"mmap","pid":1,"t":1764400000000,"args":{...},"ret":140737354027008,"x":{...}}}.
 *
 * @param op    the step's op (API.md "Steps"): the endpoint's last path segment
 * @param pid   the calling process, null for ops without one (process, sysctl, release)
 * @param t     when the call was made (epoch milliseconds): the clock is the one input the kernel
 *              does not decide, so it is recorded, never re-read on replay
 * @param args  the request body as the client sent it, normalised (hex addresses, flag names;
 *              {@code ${N.field}} references already resolved)
 * @param ret   what the kernel function returned (count, fd, address, pid, 0 or -errno)
 * @param errno the symbolic errno, null on success
 * @param x     what else the answer carries that later steps may refer to (gup: pin id; access:
 *              signal), or null
 */
public record LoggedStep(String op, Integer pid, long t, JsonNode args, long ret, String errno, JsonNode x) {

    private static final JsonMapper MAPPER = JsonMapper.builder()
            .changeDefaultPropertyInclusion(i -> i.withValueInclusion(JsonInclude.Include.NON_NULL)
                    .withContentInclusion(JsonInclude.Include.NON_NULL))
            .build();

    /** The envelope as written: {@code args} and {@code x} are any Jackson-serialisable values. */
    private record Out(String op, Integer pid, long t, Object args, long ret, String errno, Object x) {
    }

    /** Encodes a step; {@code args} is the request record (or tree) of the op. */
    public static byte[] encode(String op, Integer pid, long t, Object args, long ret, String errno, Object x) {
        return MAPPER.writeValueAsBytes(new Out(op, pid, t, args, ret, errno, x));
    }

    public static LoggedStep decode(byte[] encoded) {
        return MAPPER.readValue(encoded, LoggedStep.class);
    }

    /** The JSON form of a value as the log writes it (nulls left out). */
    public static JsonNode tree(Object value) {
        return MAPPER.valueToTree(value);
    }
}
