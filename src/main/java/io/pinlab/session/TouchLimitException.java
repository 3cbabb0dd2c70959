package io.pinlab.session;

/** One call would make the simulator touch more than {@code pinlab.sessions.limits.max-touch-bytes}. */
public class TouchLimitException extends RuntimeException {
    private final String field;

    public TouchLimitException(String field, long max) {
        super("at most " + max + " bytes per call (pinlab.sessions.limits.max-touch-bytes): the simulator walks "
                + "these page by page");
        this.field = field;
    }

    public String field() { return field; }
}
