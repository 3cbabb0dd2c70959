package io.pinlab.api.common;

import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.base.Step;
import io.pinlab.kernel.base.SysResult;
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
        @Schema(example = "EFAULT", nullable = true, implementation = io.pinlab.kernel.base.Errno.class) String errno,
        List<ExplainStep> explain,
        List<String> warnings) {

    public static KernelAnswer of(SysResult r) {
        return of(r, null);
    }

    /** The answer with each explain step linked to its function in the profile's kernel sources. */
    public static KernelAnswer of(SysResult r, Profile profile) {
        return new KernelAnswer(r.ret(), r.errno() == null ? null : r.errno().name(), explain(r.explain(), profile),
                r.warnings());
    }

    public static List<ExplainStep> explain(List<Step> steps, Profile profile) {
        ExplainStep[] out = new ExplainStep[steps.size()]; // a loop, not a stream: every answer builds this list
        int i = 0;
        for (Step s : steps) out[i++] = ExplainStep.of(s, profile);
        return List.of(out);
    }

    /** One kernel check: function, source file, outcome ("ok" or "-EFAULT"...), reason, and where to read it. */
    public record ExplainStep(@Schema(example = "check_vma_flags") String fn,
                              @Schema(example = "mm/gup.c") String file,
                              @Schema(example = "-EFAULT") String outcome,
                              String detail,
                              @Schema(nullable = true, description = "the function in the session's kernel version "
                                      + "(identifier search on a public cross-reference; seed reads v6.3)",
                                      example = "https://elixir.bootlin.com/linux/v6.5/A/ident/check_vma_flags")
                              String ref) {
        public static ExplainStep of(Step s) {
            return of(s, null);
        }

        public static ExplainStep of(Step s, Profile profile) {
            return new ExplainStep(s.fn(), s.file(), s.outcome(), s.detail(), KernelRefs.ref(profile, s.fn()));
        }
    }
}
