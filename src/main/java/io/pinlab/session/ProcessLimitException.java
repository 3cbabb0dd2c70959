package io.pinlab.session;

/** The session holds its maximum number of live processes ({@code pinlab.sessions.limits.max-processes}). */
public class ProcessLimitException extends RuntimeException {
    public ProcessLimitException(int max) {
        super("this session already has its maximum of " + max + " live processes (pinlab.sessions.limits.max-processes); "
                + "exit one first");
    }
}
