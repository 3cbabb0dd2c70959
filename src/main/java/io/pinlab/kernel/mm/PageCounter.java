package io.pinlab.kernel.mm;

import java.util.concurrent.atomic.AtomicLong;

/**
 * struct page_counter (mm/page_counter.c) of the root memory cgroup that every session's
 * {@link MemCg} charges through: the service-wide budget, in bytes of Java heap. Shared by all
 * sessions, so it is the one thread-safe object of the kernel package.
 */
public final class PageCounter {
    private final long max;
    private final AtomicLong usage = new AtomicLong();

    /** @param max bytes the counter may hold (pinlab sizes it from the JVM's max heap) */
    public PageCounter(long max) {
        this.max = max;
    }

    /** page_counter_try_charge(): adds {@code bytes} unless that would pass max. */
    public boolean tryCharge(long bytes) {
        long u;
        do {
            u = usage.get();
            if (u + bytes > max) return false;
        } while (!usage.compareAndSet(u, u + bytes));
        return true;
    }

    /** page_counter_charge(): adds {@code bytes} even past max (what was built must be counted). */
    public void charge(long bytes) { usage.addAndGet(bytes); }

    /** page_counter_uncharge(). */
    public void uncharge(long bytes) {
        if (usage.addAndGet(-bytes) < 0) throw new IllegalStateException("page_counter underflow");
    }

    public long usage() { return usage.get(); }

    public long max() { return max; }

    /** Bytes still free (0 when over). */
    public long margin() { return Math.max(0, max - usage.get()); }
}
