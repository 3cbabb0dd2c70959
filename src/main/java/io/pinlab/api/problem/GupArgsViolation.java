package io.pinlab.api.problem;

/**
 * Payload of a broken {@code is_valid_gup_args()} rule, carried from the Bean Validation constraint to
 * the 422 {@code invalid-gup-args} problem.
 *
 * @param rule      stable id, e.g. {@code FOLL_GET_WITH_FOLL_PIN}
 * @param kernelRet what the entry point returns in that kernel: 0 or -EINVAL (-22)
 * @param warning   the WARN_ON_ONCE line (also appended to the session's dmesg)
 * @param detail    human-readable explanation
 */
public record GupArgsViolation(String rule, long kernelRet, String warning, String detail) {
}
