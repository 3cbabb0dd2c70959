package io.pinlab.api.common;

import io.pinlab.kernel.Step;
import io.pinlab.kernel.SysResult;
import io.swagger.v3.oas.annotations.media.Schema;

import java.util.List;

/**
 * A simulated kernel call's answer (HTTP 200 even when the kernel fails it).
 *
 * @param ret      what the kernel function returns: count, fd, 0, or -errno
 * @param errno    symbolic errno, null on success
 * @param explain  the kernel checks that ran, the decisive one last
 * @param warnings kernel log lines (WARN_ON_ONCE splats) the call printed
 */
@Schema(description = "A kernel answer: kernel failures are data, not HTTP errors")
public record KernelAnswer(
        @Schema(example = "0") long ret,
        @Schema(example = "EFAULT", nullable = true, implementation = io.pinlab.kernel.Errno.class) String errno,
        List<ExplainStep> explain,
        List<String> warnings) {

    public static KernelAnswer of(SysResult r) {
        return new KernelAnswer(r.ret(), r.errno() == null ? null : r.errno().name(),
                r.explain().stream().map(ExplainStep::of).toList(), r.warnings());
    }

    /** One kernel check: function, source file, outcome ("ok" or "-EFAULT"...), reason. */
    public record ExplainStep(@Schema(example = "check_vma_flags") String fn,
                              @Schema(example = "mm/gup.c") String file,
                              @Schema(example = "-EFAULT") String outcome,
                              String detail) {
        public static ExplainStep of(Step s) {
            return new ExplainStep(s.fn(), s.file(), s.outcome(), s.detail());
        }
    }
}
