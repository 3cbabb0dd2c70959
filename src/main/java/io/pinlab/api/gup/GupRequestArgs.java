package io.pinlab.api.gup;

import io.pinlab.api.json.Address;
import io.pinlab.kernel.mm.FollFlag;
import io.pinlab.kernel.mm.GupCall;
import io.pinlab.kernel.mm.GupRequest;

import java.util.Set;

/** The parts of a GUP request that {@link ValidGupArgs} checks. */
public interface GupRequestArgs {
    GupCall call();

    Address start();

    Long nrPages();

    Set<FollFlag> gupFlags();

    Boolean pages();

    Boolean vmas();

    Integer locked();

    Integer targetPid();

    /** The kernel's view of the request (flags as a mask). */
    default GupRequest toKernel() {
        return new GupRequest(call(), start().value(), nrPages(), FollFlag.mask(gupFlags()),
                !Boolean.FALSE.equals(pages()), Boolean.TRUE.equals(vmas()), locked(), targetPid());
    }
}
