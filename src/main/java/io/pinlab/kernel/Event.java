package io.pinlab.kernel;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/** One entry of the session's event feed: a simulated call and its answer. */
public record Event(long seq, long timeMillis, int pid, String call, Map<String, Object> args, long ret, String errno)
        implements Serializable {

    /** The arguments of a call as name/value pairs, in order; a null value means "not passed" and is left out. */
    public static Map<String, Object> args(Object... nameValue) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < nameValue.length; i += 2)
            if (nameValue[i + 1] != null) m.put((String) nameValue[i], nameValue[i + 1]);
        return m;
    }
}
