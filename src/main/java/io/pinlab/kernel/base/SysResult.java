package io.pinlab.kernel.base;

import java.util.List;

/**
 * What a simulated kernel function returned: {@code ret} (a count, fd, address, 0, or -errno),
 * the symbolic errno (null on success), the checks that ran, and the WARN lines printed.
 */
public record SysResult(long ret, Errno errno, List<Step> explain, List<String> warnings) {
    public boolean ok() { return errno == null; }
}
