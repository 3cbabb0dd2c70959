package io.pinlab.api.gup;

import io.pinlab.api.problem.GupArgsViolation;
import io.pinlab.session.LabSession;

import java.util.Optional;

/**
 * Runs the kernel core's {@code is_valid_gup_args()} for a request in a session. Implemented once,
 * by delegating to {@code io.pinlab.kernel.mm.Gup}; HTTP validation and simulation therefore
 * cannot disagree.
 */
@FunctionalInterface
public interface GupArgsCheck {

    /** The broken rule, or empty when the arguments are valid for the session's profile. */
    Optional<GupArgsViolation> check(LabSession session, GupArgs args);

    /** What is_valid_gup_args() looks at, independent of the JSON shape. */
    record GupArgs(GupCall call, java.util.Set<io.pinlab.kernel.mm.FollFlag> gupFlags, boolean pages, boolean vmas,
                   Integer locked) {
    }
}
