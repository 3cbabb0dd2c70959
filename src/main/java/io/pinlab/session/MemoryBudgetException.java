package io.pinlab.session;

/** The service-wide memory budget has no room for another session (503). */
public class MemoryBudgetException extends RuntimeException {
    private final long usage;
    private final long max;

    public MemoryBudgetException(long usage, long max) {
        super("the service's memory budget for labs is nearly used (" + usage + " of " + max
                + " bytes, pinlab.sessions.global-memory-fraction of the JVM heap); try again later");
        this.usage = usage;
        this.max = max;
    }

    public long usage() { return usage; }

    public long max() { return max; }
}
