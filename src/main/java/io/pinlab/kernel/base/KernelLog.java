package io.pinlab.kernel.base;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The session's dmesg ring and WARN_ON_ONCE bookkeeping (include/asm-generic/bug.h). */
public final class KernelLog {
    public static final int MAX_LINES = 2000;
    private final ArrayDeque<String> lines = new ArrayDeque<>();
    private final Set<String> warnedOnce = new HashSet<>();
    private long clockMicros;

    /** printk: appends a line stamped with the simulated uptime. */
    public void printk(String line) {
        clockMicros += 1000;
        if (lines.size() == MAX_LINES) lines.removeFirst();
        lines.add(String.format("[%5d.%06d] %s", clockMicros / 1_000_000, clockMicros % 1_000_000, line));
    }

    /**
     * WARN_ON_ONCE: prints the splat the first time {@code site} fires in this session.
     * Returns true when it printed (so the caller can report it in the call's warnings).
     */
    public boolean warnOnce(String site, String splat, Explain ex) {
        if (!warnedOnce.add(site)) return false;
        printk("------------[ cut here ]------------");
        printk("WARNING: " + splat);
        printk("---[ end trace 0000000000000000 ]---");
        if (ex != null) ex.warning("WARNING: " + splat);
        return true;
    }

    public String text() { return String.join("\n", lines) + (lines.isEmpty() ? "" : "\n"); }

    public List<String> lines() { return List.copyOf(lines); }

    // snapshot support (KernelSnapshot)

    /** The simulated uptime of the last line, in microseconds. */
    public long clockMicros() { return clockMicros; }

    /** The WARN_ON_ONCE sites that already fired, sorted. */
    public List<String> warnedOnce() { return warnedOnce.stream().sorted().toList(); }

    public void restore(List<String> lines, List<String> warnedOnce, long clockMicros) {
        if (lines.size() > MAX_LINES) throw new IllegalArgumentException(lines.size() + " log lines");
        this.lines.clear();
        this.lines.addAll(lines);
        this.warnedOnce.clear();
        this.warnedOnce.addAll(warnedOnce);
        this.clockMicros = clockMicros;
    }
}
