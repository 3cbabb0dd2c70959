package io.pinlab.platform;

import java.net.URI;

/**
 * Problem type URIs (RFC 9457 {@code type}). Stable: clients may switch on them.
 * Documented at {@code https://pinlab.dev/problems/<slug>}.
 */
public final class Problems {
    public static final String BASE = "https://pinlab.dev/problems/";

    public static final String MALFORMED_JSON = "malformed-json";
    public static final String VALIDATION_FAILED = "validation-failed";
    public static final String UNAUTHORIZED = "unauthorized";
    public static final String FORBIDDEN = "forbidden";
    public static final String NOT_FOUND = "not-found";
    public static final String METHOD_NOT_ALLOWED = "method-not-allowed";
    public static final String NOT_ACCEPTABLE = "not-acceptable";
    public static final String CONFLICT = "conflict";
    public static final String PAYLOAD_TOO_LARGE = "payload-too-large";
    public static final String UNSUPPORTED_MEDIA_TYPE = "unsupported-media-type";
    public static final String INVALID_GUP_ARGS = "invalid-gup-args";
    public static final String RATE_LIMITED = "rate-limited";
    public static final String SESSION_LIMIT = "session-limit";
    public static final String SESSION_QUOTA = "session-quota";
    public static final String MEMORY_BUDGET = "memory-budget";
    public static final String STORE_UNAVAILABLE = "store-unavailable";
    public static final String INTERNAL_ERROR = "internal-error";
    public static final String BAD_REQUEST = "bad-request";

    private Problems() {
    }

    public static URI type(String slug) {
        return URI.create(BASE + slug);
    }

    /** The slug for a status when nothing more specific is known. */
    public static String slugFor(int status) {
        return switch (status) {
            case 400 -> BAD_REQUEST;
            case 401 -> UNAUTHORIZED;
            case 403 -> FORBIDDEN;
            case 404 -> NOT_FOUND;
            case 405 -> METHOD_NOT_ALLOWED;
            case 406 -> NOT_ACCEPTABLE;
            case 409 -> CONFLICT;
            case 413 -> PAYLOAD_TOO_LARGE;
            case 415 -> UNSUPPORTED_MEDIA_TYPE;
            case 422 -> "unprocessable";
            case 429 -> RATE_LIMITED;
            case 503 -> SESSION_LIMIT;
            default -> status >= 500 ? INTERNAL_ERROR : "http-" + status;
        };
    }
}
