package io.pinlab.api.common;

import io.swagger.v3.oas.annotations.media.Schema;

import java.util.Collection;
import java.util.List;

/**
 * A flag set as responses show it: the names and the numeric value the kernel of the session's
 * profile gives them (e.g. {@code {"names":["PROT_READ","PROT_WRITE"],"value":3,"hex":"0x3"}}).
 */
@Schema(description = "flag names with their kernel value")
public record FlagSet(List<String> names, @Schema(example = "3") long value, @Schema(example = "0x3") String hex) {

    public static FlagSet of(Collection<? extends Enum<?>> names, long value) {
        String[] out = new String[names.size()]; // a loop, not a stream: every mmap and gup answer has one or two
        int i = 0;
        for (Enum<?> e : names) out[i++] = e.name();
        return new FlagSet(List.of(out), value, "0x" + Long.toHexString(value));
    }
}
