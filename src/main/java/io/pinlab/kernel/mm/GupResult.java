package io.pinlab.kernel.mm;

import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Step;

import java.util.List;

/**
 * What a GUP entry point returned: {@code ret} (pages, 0, or -errno), the symbolic errno, the
 * driver-visible pin it created (null when nothing was taken or no pages array was passed), the
 * checks that ran (decisive one last), the WARN lines the call printed, and the is_valid_gup_args()
 * rule the arguments broke (null when they pass): the REST layer derives its 422 from it.
 */
public record GupResult(long ret, Errno errno, Pin pin, List<Step> explain, List<String> warnings,
                        GupArgsViolation invalidArgs) {
}
