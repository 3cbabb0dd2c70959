package io.pinlab.kernel.base;

import java.util.ArrayList;
import java.util.List;

/**
 * The trace of kernel checks one call ran, in order, the decisive one last, plus the kernel log
 * lines (WARN splats) the call printed. Checks are recorded per VMA or per rule, never per page.
 */
public final class Explain {
    private final List<Step> steps = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private final boolean verbose;

    public Explain() { this(true); }

    private Explain(boolean verbose) { this.verbose = verbose; }

    /**
     * A trace that keeps failures, other non-ok outcomes and WARN lines but drops passed checks:
     * for callers that summarise successful work themselves (io_uring past its first entries).
     */
    public static Explain quiet() { return new Explain(false); }

    /** False for a {@link #quiet()} trace: callers may skip building the detail of passed checks. */
    public boolean verbose() { return verbose; }

    public Explain step(String fn, String file, String outcome, String detail) {
        steps.add(new Step(fn, file, outcome, detail));
        return this;
    }

    /** Records a passed check. */
    public Explain ok(String fn, String file, String detail) {
        return verbose ? step(fn, file, "ok", detail) : this;
    }

    /** Records a failed check; {@code outcome} is usually the errno name. */
    public Explain fail(String fn, String file, Errno errno, String detail) {
        return step(fn, file, "-" + errno.name(), detail);
    }

    public void warning(String line) { warnings.add(line); }

    /** How traces print addresses and pfns: lowercase hex with 0x. */
    public static String hex(long v) { return "0x" + Long.toHexString(v); }

    public List<Step> steps() { return List.copyOf(steps); }

    public List<String> warnings() { return List.copyOf(warnings); }

    /** A result with {@code ret} (count, fd, address or -errno). */
    public SysResult result(long ret) {
        return new SysResult(ret, Errno.fromRet(ret), steps(), warnings());
    }

    public SysResult error(Errno e) {
        return result(e.neg());
    }
}
