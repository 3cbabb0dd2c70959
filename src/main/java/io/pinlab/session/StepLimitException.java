package io.pinlab.session;

/** The session's log holds its maximum number of steps ({@code pinlab.sessions.limits.max-steps}). */
public class StepLimitException extends RuntimeException {
    public StepLimitException(long max) {
        super("this session has made its maximum of " + max + " calls (pinlab.sessions.limits.max-steps); "
                + "start a new session, or import this one's history (GET history, POST /api/v1/sessions with steps) "
                + "after trimming it");
    }
}
