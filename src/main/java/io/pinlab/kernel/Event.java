package io.pinlab.kernel;

import java.io.Serializable;
import java.util.Map;

/** One entry of the session's event feed: a simulated call and its answer. */
public record Event(long seq, long timeMillis, int pid, String call, Map<String, Object> args, long ret, String errno)
        implements Serializable {
}
