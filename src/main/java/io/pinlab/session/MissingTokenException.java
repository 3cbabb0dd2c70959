package io.pinlab.session;

/** No {@code Authorization: Bearer <token>} header, or one that is not a bearer token. */
public class MissingTokenException extends RuntimeException {
    public MissingTokenException(String message) {
        super(message);
    }
}
