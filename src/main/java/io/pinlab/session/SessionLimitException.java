package io.pinlab.session;

/** The store holds its maximum number of live sessions. */
public class SessionLimitException extends RuntimeException {
    private final int maxSessions;

    public SessionLimitException(int maxSessions) {
        super("the service holds its maximum of " + maxSessions + " live sessions; try again later");
        this.maxSessions = maxSessions;
    }

    public int maxSessions() { return maxSessions; }
}
