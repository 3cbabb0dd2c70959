package io.pinlab.session;

/**
 * The session store cannot be reached (Redis down, a timeout, a connection lost mid-command): the
 * request is refused with 503 and {@code Retry-After}, never answered from a state that may be stale.
 */
public class StoreUnavailableException extends RuntimeException {
    /** Seconds a client should wait before retrying. */
    public static final int RETRY_AFTER_SECONDS = 5;

    public StoreUnavailableException(Throwable cause) {
        super("the session store is unavailable; retry in a few seconds", cause);
    }
}
