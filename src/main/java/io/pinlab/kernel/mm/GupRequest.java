package io.pinlab.kernel.mm;

import io.pinlab.kernel.base.VirtAddr;

/**
 * One GUP call as a lab asks for it.
 *
 * @param call     the kernel entry point
 * @param start    user address
 * @param nrPages  nr_pages (non-negative)
 * @param gupFlags FOLL_* mask the caller passes (kernel bit values)
 * @param pages    true: a page array is passed; false: NULL
 * @param vmas     true: a vmas array is passed (only where the profile's entry point has one)
 * @param locked   value of {@code *locked}, or null for a NULL pointer (only *_remote take one)
 * @param targetPid the remote mm's process (only *_remote); null means the caller's own mm
 */
public record GupRequest(GupCall call, VirtAddr start, long nrPages, int gupFlags, boolean pages, boolean vmas,
                         Integer locked, Integer targetPid) {

    /** A local call with a pages array, no vmas, no locked pointer. */
    public static GupRequest of(GupCall call, VirtAddr start, long nrPages, int gupFlags) {
        return new GupRequest(call, start, nrPages, gupFlags, true, false, null, null);
    }
}
