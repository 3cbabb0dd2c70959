package io.pinlab.session;

/**
 * No session with this id, or the token does not match it: deliberately the same exception,
 * so that a client cannot tell which (sessions cannot be probed).
 */
public class SessionNotFoundException extends RuntimeException {
    public SessionNotFoundException() {
        super("no such session, or the token does not belong to it");
    }
}
