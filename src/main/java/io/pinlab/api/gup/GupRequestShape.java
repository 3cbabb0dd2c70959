package io.pinlab.api.gup;

import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.mm.FollFlag;
import io.pinlab.kernel.mm.Gup;
import io.pinlab.kernel.mm.GupCall;
import io.pinlab.kernel.mm.GupRequest;
import io.pinlab.kernel.mm.GupTest;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Whether a GUP request can be expressed against the profile's prototypes at all (HTTP 400), as
 * opposed to arguments the kernel receives and rejects itself (is_valid_gup_args(), HTTP 422).
 */
public final class GupRequestShape {
    private GupRequestShape() {}

    /**
     * A message {@code "field: rule"} for HTTP 400, or null. Rules: nrPages non-negative (and
     * within int for the fast variants, which take an int nr_pages) and within the driver's limits
     * ({@link GupTest#MAX_NR_PAGES}, {@link Gup#MAX_PAGES_ARRAY}); {@code vmas} only where the
     * profile's entry point has that parameter; {@code locked} and {@code targetPid} only for
     * *_remote; only FOLL_* bits the profile defines.
     */
    public static String error(Profile p, GupRequest r) {
        if (r == null || r.call() == null) return "call is required; one of " + Arrays.toString(GupCall.values());
        GupCall call = r.call();
        if (r.nrPages() < 0) return "nrPages must not be negative";
        if (call.fast() && r.nrPages() > Integer.MAX_VALUE)
            return "nrPages: " + call + " takes an int nr_pages (at most " + Integer.MAX_VALUE + ")";
        if (r.nrPages() > GupTest.MAX_NR_PAGES)
            return "nrPages: at most " + GupTest.MAX_NR_PAGES + " pages per call in this simulator (16 GiB; the machine has 8 GiB)";
        if (r.pages() && r.nrPages() > Gup.MAX_PAGES_ARRAY)
            return "nrPages: a pages array is limited to " + Gup.MAX_PAGES_ARRAY + " entries in this simulator";
        if (r.vmas() && !p.hasVmasParam(call.name())) {
            if (!p.vmasParam()) return "vmas: " + call + " has no vmas parameter in " + p.name()
                    + " (removed from every GUP entry point in 6.5)";
            if (call == GupCall.pin_user_pages && !p.pinUserPagesVmasParam())
                return "vmas: pin_user_pages has no vmas parameter in " + p.name() + " (seed series patch 6/7 removed it)";
            return "vmas: " + call + " has no vmas parameter (only get_user_pages, get_user_pages_remote, "
                    + "pin_user_pages and pin_user_pages_remote have one)";
        }
        if (r.locked() != null && !call.takesLocked())
            return "locked: " + call + " takes no locked pointer (only get_user_pages_remote and pin_user_pages_remote do)";
        if (r.targetPid() != null && !call.remote())
            return "targetPid: only the *_remote entry points take an mm";
        int defined = 0;
        for (FollFlag f : FollFlag.values()) if (f.existsIn(p)) defined |= f.value(); // no list: every gup call asks
        int unknown = r.gupFlags() & ~defined;
        if (unknown != 0) {
            List<String> names = new ArrayList<>();
            for (FollFlag f : FollFlag.definedIn(p)) names.add(f.name());
            return "gupFlags: bits 0x" + Integer.toHexString(unknown) + " are not FOLL_* flags in profile " + p.name()
                    + "; accepted: " + String.join(", ", names);
        }
        return null;
    }
}
