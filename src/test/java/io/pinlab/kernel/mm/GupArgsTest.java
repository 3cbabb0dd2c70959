package io.pinlab.kernel.mm;

import io.pinlab.kernel.base.VirtAddr;
import io.pinlab.api.gup.GupRequestShape;
import io.pinlab.kernel.Lab;
import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Profile;
import org.junit.jupiter.api.Test;

import static io.pinlab.kernel.mm.GupCall.*;
import static io.pinlab.kernel.Lab.*;
import static org.junit.jupiter.api.Assertions.*;

/** is_valid_gup_args() (mm/gup.c) rules and order, and the request-shape checks of the simulated driver (mm/gup_test.c). */
class GupArgsTest {
    static final Profile[] ALL = Profile.ALL.toArray(Profile[]::new);

    private static String rule(Profile p, GupCall c, boolean pages, boolean vmas, Integer locked, int flags) {
        GupArgsViolation v = Gup.isValidGupArgs(p, c, pages, vmas, locked, flags);
        return v == null ? null : v.rule();
    }

    // is_valid_gup_args rule 1: the caller's own flags against the internal mask
    @Test
    void internalFlagsFromCallerAreRejectedInEveryProfile() {
        for (Profile p : ALL) {
            for (int f : new int[]{FOLL_PIN, 1 << 17, 1 << 18, 1 << 20, 1 << 21}) {
                assertEquals("INTERNAL_FLAG_FROM_CALLER", rule(p, get_user_pages, true, false, null, f), p.name());
            }
        }
    }

    // rule 1: FOLL_TOUCH joined INTERNAL_GUP_FLAGS in 6.7 (present in our v6.18 only)
    @Test
    void follTouchFromCallerOnlyRejectedFrom67() {
        for (Profile p : ALL) {
            String r = rule(p, get_user_pages, true, false, null, FOLL_TOUCH | FOLL_WRITE);
            if (p.touchIsInternal()) assertEquals("INTERNAL_FLAG_FROM_CALLER", r, p.name());
            else assertNull(r, p.name());
        }
        assertEquals("INTERNAL_FLAG_FROM_CALLER", rule(Profile.V6_18, get_user_pages, true, false, null, FOLL_MADV_POPULATE));
    }

    // the to_set of the entry points is added after rule 1: *_unlocked passes FOLL_UNLOCKABLE without tripping it
    @Test
    void toSetIsNotCheckedByRule1() {
        for (Profile p : ALL) {
            assertNull(rule(p, get_user_pages_unlocked, true, false, null, FOLL_WRITE));
            assertNull(rule(p, pin_user_pages_unlocked, true, false, null, FOLL_WRITE | FOLL_LONGTERM));
            assertNull(rule(p, get_user_pages_remote, true, false, null, FOLL_WRITE));
        }
    }

    // rule 2: *locked must be 1
    @Test
    void lockedMustBeHeld() {
        for (Profile p : ALL) {
            assertEquals("LOCKED_NOT_HELD", rule(p, get_user_pages_remote, true, false, 0, 0));
            assertEquals("LOCKED_NOT_HELD", rule(p, pin_user_pages_remote, true, false, 2, 0));
            assertNull(rule(p, pin_user_pages_remote, true, false, 1, 0));
        }
        // rule 2 comes before rule 3
        assertEquals("LOCKED_NOT_HELD", rule(Profile.V6_18, pin_user_pages_remote, true, false, 0, FOLL_GET));
    }

    // rule 3: FOLL_GET with FOLL_PIN
    @Test
    void getWithPin() {
        for (Profile p : ALL) {
            assertEquals("FOLL_GET_WITH_FOLL_PIN", rule(p, pin_user_pages, true, false, null, FOLL_GET));
            assertEquals("FOLL_GET_WITH_FOLL_PIN", rule(p, pin_user_pages_fast, true, false, null, FOLL_GET));
            // get_user_pages_fast has FOLL_GET in to_set; a caller's FOLL_GET is just redundant
            assertNull(rule(p, get_user_pages_fast, true, false, null, FOLL_GET));
        }
    }

    // rule 4: FOLL_LONGTERM needs FOLL_PIN
    @Test
    void longtermWithoutPin() {
        for (Profile p : ALL) {
            assertEquals("LONGTERM_WITHOUT_PIN", rule(p, get_user_pages, true, false, null, FOLL_LONGTERM));
            assertEquals("LONGTERM_WITHOUT_PIN", rule(p, get_user_pages_fast, true, false, null, FOLL_LONGTERM | FOLL_WRITE));
            assertNull(rule(p, pin_user_pages, true, false, null, FOLL_LONGTERM | FOLL_WRITE));
        }
    }

    // rule 5: FOLL_GET or FOLL_PIN need a pages array; get_user_pages(pages == NULL) is a valid "populate"
    @Test
    void getOrPinWithoutPages() {
        for (Profile p : ALL) {
            assertEquals("GET_OR_PIN_WITHOUT_PAGES", rule(p, pin_user_pages, false, false, null, 0));
            assertEquals("GET_OR_PIN_WITHOUT_PAGES", rule(p, get_user_pages_fast, false, false, null, 0));
            assertEquals("GET_OR_PIN_WITHOUT_PAGES", rule(p, get_user_pages_fast_only, false, false, null, 0));
            assertNull(rule(p, get_user_pages, false, false, null, FOLL_WRITE));
            assertNull(rule(p, get_user_pages_remote, false, false, null, 0));
            assertNull(rule(p, get_user_pages_unlocked, false, false, null, 0));
        }
    }

    // rule 6: FOLL_LONGTERM with FOLL_PCI_P2PDMA
    @Test
    void longtermWithP2pdma() {
        for (Profile p : ALL) assertEquals("LONGTERM_WITH_P2PDMA", rule(p, pin_user_pages_fast, true, false, null, FOLL_LONGTERM | FOLL_PCI_P2PDMA));
    }

    // rule 7 (6.3, 6.4 and the seed, whose validator still has vmas): vmas with locked
    @Test
    void vmasWithLocked() {
        for (Profile p : ALL) {
            String r = rule(p, get_user_pages_remote, true, true, 1, 0);
            if (p.vmasParam()) assertEquals("VMAS_WITH_UNLOCKABLE", r, p.name());
            else assertNull(r, p.name());
            assertNull(rule(p, get_user_pages_remote, true, true, null, 0));
        }
    }

    // order: rule 1 decides before rule 4
    @Test
    void firstRuleWins() {
        assertEquals("INTERNAL_FLAG_FROM_CALLER", rule(Profile.V6_3, get_user_pages, true, false, null, FOLL_PIN | FOLL_LONGTERM));
        assertEquals("FOLL_GET_WITH_FOLL_PIN", rule(Profile.V6_3, pin_user_pages, false, false, null, FOLL_GET | FOLL_LONGTERM));
    }

    // mm/gup.c: pin_user_pages, _remote, _unlocked return 0 on invalid args, every other entry point -EINVAL
    @Test
    void kernelRetPerEntryPoint() {
        for (GupCall c : GupCall.values()) {
            GupArgsViolation v = Gup.isValidGupArgs(Profile.V6_18, c, true, false, null, FOLL_PIN);
            long expect = (c == pin_user_pages || c == pin_user_pages_remote || c == pin_user_pages_unlocked) ? 0 : -22;
            assertEquals(expect, v.kernelRet(), c.name());
            assertTrue(v.warning().startsWith("WARNING: "));
        }
    }

    @Test
    void requestShape() {
        GupRequest vmasGup = new GupRequest(get_user_pages, VirtAddr.of(0x10000), 1, 0, true, true, null, null);
        assertNull(GupRequestShape.error(Profile.V6_3, vmasGup));
        assertNull(GupRequestShape.error(Profile.V6_4, vmasGup));
        assertNull(GupRequestShape.error(Profile.SEED, vmasGup));
        assertNotNull(GupRequestShape.error(Profile.V6_5, vmasGup));
        assertNotNull(GupRequestShape.error(Profile.V6_18, vmasGup));
        GupRequest vmasPin = new GupRequest(pin_user_pages, VirtAddr.of(0x10000), 1, 0, true, true, null, null);
        assertNull(GupRequestShape.error(Profile.V6_3, vmasPin));
        assertNotNull(GupRequestShape.error(Profile.SEED, vmasPin), "seed patch 6/7 removed vmas from pin_user_pages");
        assertNotNull(GupRequestShape.error(Profile.V6_3, new GupRequest(get_user_pages_fast, VirtAddr.of(0x10000), 1, 0, true, true, null, null)));
        assertNotNull(GupRequestShape.error(Profile.V6_18, new GupRequest(pin_user_pages, VirtAddr.of(0x10000), 1, 0, true, false, 1, null)));
        assertNull(GupRequestShape.error(Profile.V6_18, new GupRequest(pin_user_pages_remote, VirtAddr.of(0x10000), 1, 0, true, false, 1, 1)));
        assertNotNull(GupRequestShape.error(Profile.V6_18, new GupRequest(pin_user_pages, VirtAddr.of(0x10000), 1, 0, true, false, null, 1)));
        assertNotNull(GupRequestShape.error(Profile.V6_18, new GupRequest(pin_user_pages, VirtAddr.of(0x10000), -1, 0, true, false, null, null)));
        // bit 12: FOLL_SAME_FILE only in the seed, FOLL_HONOR_NUMA_FAULT from 6.5
        GupRequest bit12 = GupRequest.of(pin_user_pages, VirtAddr.of(0x10000), 1, BIT12);
        assertNotNull(GupRequestShape.error(Profile.V6_3, bit12));
        assertNotNull(GupRequestShape.error(Profile.V6_4, bit12));
        assertNull(GupRequestShape.error(Profile.SEED, bit12));
        assertNull(GupRequestShape.error(Profile.V6_5, bit12));
        assertNotNull(GupRequestShape.error(Profile.V6_5, GupRequest.of(pin_user_pages, VirtAddr.of(0x10000), 1, FOLL_MADV_POPULATE)));
        assertNotNull(GupRequestShape.error(Profile.V6_18, GupRequest.of(pin_user_pages, VirtAddr.of(0x10000), 1, 1 << 13)));
        assertNotNull(GupRequestShape.error(Profile.V6_18, GupRequest.of(pin_user_pages_fast, VirtAddr.of(0x10000), 1L << 32, 0)));
        assertNotNull(GupRequestShape.error(Profile.V6_18, new GupRequest(get_user_pages, VirtAddr.of(0x10000), 1L << 30, 0, false, false, null, null)));
    }

    @Test
    void warnInvalidArgsPrintsOncePerRule() {
        Lab f = new Lab(Profile.V6_18);
        GupArgsViolation v = Gup.isValidGupArgs(f.k.profile, pin_user_pages, true, false, null, FOLL_GET);
        assertTrue(Gup.warnInvalidArgs(f.k, v));
        assertFalse(Gup.warnInvalidArgs(f.k, v));
        assertTrue(f.k.log.text().contains("is_valid_gup_args"));
        GupArgsViolation other = Gup.isValidGupArgs(f.k.profile, get_user_pages, true, false, null, FOLL_LONGTERM);
        assertTrue(Gup.warnInvalidArgs(f.k, other));
    }

    // When the kernel runs the call: the WARN splat once, the entry point's return value, no pin
    @Test
    void callWithInvalidArgsReturnsKernelAnswer() {
        Lab f = new Lab(Profile.V6_18);
        long a = f.anon(2 * PAGE, RW);
        GupResult r = f.gup(pin_user_pages, a, 2, FOLL_GET);
        assertEquals(0, r.ret());
        assertNull(r.errno());
        assertNull(r.pin());
        assertEquals(1, r.warnings().size());
        assertEquals("is_valid_gup_args", lastFn(r));
        GupResult again = f.gup(pin_user_pages, a, 2, FOLL_GET);
        assertTrue(again.warnings().isEmpty(), "WARN_ON_ONCE fires once per session");
        GupResult g = f.gup(get_user_pages, a, 2, FOLL_LONGTERM);
        assertEquals(-22, g.ret());
        assertEquals(Errno.EINVAL, g.errno());
        assertEquals(0, f.t.mm.flags & Mm.MMF_HAS_PINNED);
        // the answer names the broken rule, from which the REST layer derives its 422
        assertEquals("FOLL_GET_WITH_FOLL_PIN", r.invalidArgs().rule());
        assertEquals("LONGTERM_WITHOUT_PIN", g.invalidArgs().rule());
    }

    // get_user_pages_fast_only() (mm/gup.c, 6.3 to 6.18): "if (!is_valid_gup_args(...)) return -EINVAL",
    // like get_user_pages_fast(); only pin_user_pages, _remote and _unlocked return 0
    @Test
    void fastOnlyReturnsEinvalOnInvalidArgs() {
        Lab f = new Lab(Profile.V6_18);
        long a = f.anon(PAGE, RW);
        GupResult r = f.gup(new GupRequest(get_user_pages_fast_only, VirtAddr.of(a), 1, 0, false, false, null, null));
        assertEquals("GET_OR_PIN_WITHOUT_PAGES", r.invalidArgs().rule());
        assertEquals(Errno.EINVAL, r.errno());
        assertEquals(r.invalidArgs().kernelRet(), r.ret());
    }

    // 6.5.0 is_valid_gup_args ORs FOLL_HONOR_NUMA_FAULT into every call; 6.6+ does not
    @Test
    void honorNumaFaultAutoSetIn65() {
        for (Profile p : new Profile[]{Profile.V6_5, Profile.V6_18}) {
            Lab f = new Lab(p);
            long a = f.anon(PAGE, RW);
            GupResult r = f.gup(pin_user_pages_fast, a, 1, FOLL_WRITE);
            assertEquals(1, r.ret());
            boolean has = r.explain().get(0).detail().contains("FOLL_HONOR_NUMA_FAULT");
            assertEquals(p == Profile.V6_5, has, p.name());
        }
    }
}
