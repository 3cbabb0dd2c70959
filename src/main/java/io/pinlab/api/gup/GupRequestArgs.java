package io.pinlab.api.gup;

import io.pinlab.kernel.mm.FollFlag;

import java.util.Set;

/** The parts of a GUP request that {@link ValidGupArgs} checks. */
public interface GupRequestArgs {
    GupCall call();

    Set<FollFlag> gupFlags();

    Boolean pages();

    Boolean vmas();

    Integer locked();
}
