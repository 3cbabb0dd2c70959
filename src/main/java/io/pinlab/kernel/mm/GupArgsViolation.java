package io.pinlab.kernel.mm;

/**
 * A rule of is_valid_gup_args() that a request breaks (mm/gup.c). The REST layer
 * answers it with HTTP 422 {@code invalid-gup-args}.
 *
 * @param rule      stable id: INTERNAL_FLAG_FROM_CALLER, LOCKED_NOT_HELD, FOLL_GET_WITH_FOLL_PIN,
 *                  LONGTERM_WITHOUT_PIN, GET_OR_PIN_WITHOUT_PAGES, LONGTERM_WITH_P2PDMA,
 *                  VMAS_WITH_UNLOCKABLE
 * @param kernelRet what the entry point returns in that kernel: 0 or -EINVAL
 * @param warning   the WARN_ON_ONCE line the kernel prints
 * @param call      the entry point
 * @param detail    a one-line reason for a student
 */
public record GupArgsViolation(String rule, long kernelRet, String warning, GupCall call, String detail) {
}
