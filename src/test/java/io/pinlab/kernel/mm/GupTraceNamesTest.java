package io.pinlab.kernel.mm;

import io.pinlab.kernel.base.Profile;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import java.util.List;

import static io.pinlab.kernel.mm.GupFixture.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * gup-fast appears under the names of the profile's mm/gup.c: internal_get_user_pages_fast(),
 * lockless_pages_from_mm() and folio_fast_pin_allowed() in the 6.3.8 and 6.5.0 trees;
 * gup_fast_fallback(), gup_fast() and gup_fast_folio_allowed() in the 6.18 tree (renamed in
 * 6.10, "mm/gup: consistently name GUP-fast functions").
 */
class GupTraceNamesTest {
    static final List<Profile> ALL = Profile.ALL;

    static boolean renamed(Profile p) { return p == Profile.V6_18; }

    @ParameterizedTest @FieldSource("ALL")
    void whitelistRefusalNamesTheDriver(Profile p) { // the gup-fast flag whitelist refuses FOLL_DUMP with WARN_ON_ONCE and -EINVAL
        GupFixture f = new GupFixture(p);
        long a = f.mmapAnon(1, RW);
        GupResult r = f.gup(GupCall.pin_user_pages_fast, a, 1, DUMP);
        assertEquals(-22, r.ret());
        String fn = renamed(p) ? "gup_fast_fallback" : "internal_get_user_pages_fast";
        assertEquals(fn, f.lastFn(r));
        assertTrue(f.k.log.lines().stream().anyMatch(l -> l.contains("mm/gup.c " + fn + ": WARN_ON_ONCE")), f.k.log.lines().toString());
    }

    @ParameterizedTest @FieldSource("ALL")
    void writeProtectSeqNamesTheWalk(Profile p) { // an odd mm->write_protect_seq: the lockless walk takes no FOLL_PIN pages
        GupFixture f = new GupFixture(p);
        long a = f.mmapAnon(1, RW);
        f.touch(a, 1, true);
        f.t.mm.writeProtectSeq = 1;
        GupResult r = f.gup(GupCall.pin_user_pages_fast, a, 1, WRITE);
        assertTrue(f.explains(r, renamed(p) ? "gup_fast" : "lockless_pages_from_mm"), f.text(r));
        assertFalse(f.explains(r, renamed(p) ? "lockless_pages_from_mm" : "gup_fast"), f.text(r));
    }
}
