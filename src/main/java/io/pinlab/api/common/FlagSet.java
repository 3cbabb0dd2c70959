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
        return new FlagSet(names.stream().map(Enum::name).toList(), value, "0x" + Long.toHexString(value));
    }
}
