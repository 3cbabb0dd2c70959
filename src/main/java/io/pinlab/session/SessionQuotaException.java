package io.pinlab.session;

/** A client address is over one of its session caps (429). */
public class SessionQuotaException extends RuntimeException {
    private final String limit;
    private final long value;
    private final long retryAfterSeconds;

    public SessionQuotaException(String limit, long value, long retryAfterSeconds, String message) {
        super(message);
        this.limit = limit;
        this.value = value;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** The configuration key of the cap. */
    public String limit() { return limit; }

    public long value() { return value; }

    public long retryAfterSeconds() { return retryAfterSeconds; }
}
