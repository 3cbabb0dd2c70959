package io.pinlab.kernel.mm;

import io.pinlab.kernel.Lab;
import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Profile;
import org.junit.jupiter.api.Test;

import static io.pinlab.kernel.mm.GupCall.*;
import static io.pinlab.kernel.Lab.*;
import static io.pinlab.kernel.mm.PhysMem.*;
import static org.junit.jupiter.api.Assertions.*;

/** gup-fast: internal_get_user_pages_fast() / gup_fast_fallback() and lockless_pages_from_mm() (mm/gup.c). */
class GupFastTest {

    // the whitelist: a kernel answer (WARN + -EINVAL), after is_valid_gup_args() passed
    @Test
    void whitelist() {
        Lab f = new Lab(Profile.V6_3);
        long a = f.anon(PAGE_SIZE, RW);
        GupResult r = f.gup(get_user_pages_fast, a, 1, FOLL_TOUCH);
        assertEquals(-22, r.ret());
        assertEquals("internal_get_user_pages_fast", lastFn(r), "6.3: FOLL_TOUCH passes the validator, fails the whitelist");
        assertEquals(1, r.warnings().size());
        assertEquals(-22, f.gup(pin_user_pages_fast, a, 1, FOLL_DUMP).ret());
        Lab g = new Lab(Profile.V6_18);
        long b = g.anon(PAGE_SIZE, RW);
        GupResult s = g.gup(get_user_pages_fast, b, 1, FOLL_TOUCH);
        assertEquals(-22, s.ret());
        assertEquals("is_valid_gup_args", lastFn(s), "6.7+: FOLL_TOUCH fails the validator");
    }

    // the seed's FOLL_SAME_FILE is not in the whitelist (Jason's review of patch 4/7)
    @Test
    void seedSameFileRejectedByFastPath() {
        Lab f = new Lab(Profile.SEED);
        long a = f.anon(PAGE_SIZE, RW);
        assertEquals(-22, f.gup(pin_user_pages_fast, a, 1, FOLL_WRITE | BIT12).ret());
        assertEquals(1, f.gup(pin_user_pages, a, 1, FOLL_WRITE | BIT12).ret());
    }

    // start + len overflow: 0 before 6.5, -EOVERFLOW from 6.5
    @Test
    void overflow() {
        for (Profile p : Profile.ALL) {
            Lab f = new Lab(p);
            GupResult r = f.gup(pin_user_pages_fast, 0xfffffffffffff000L, 2, FOLL_WRITE);
            assertEquals(p.fastOverflowIsError() ? -75 : 0, r.ret(), p.name());
        }
    }

    // end > TASK_SIZE_MAX: -EFAULT (6.4.y+ by the explicit check, 6.3 through access_ok())
    @Test
    void beyondTaskSize() {
        for (Profile p : Profile.ALL) {
            Lab f = new Lab(p);
            GupResult r = f.gup(get_user_pages_fast, Mm.TASK_SIZE - PAGE_SIZE, 2, 0);
            assertEquals(-14, r.ret(), p.name());
            // mm/gup.c names the driver internal_get_user_pages_fast() up to 6.9 and gup_fast_fallback() since 6.10
            assertEquals(p.fastTaskSizeCheck() ? (p == Profile.V6_18 ? "gup_fast_fallback" : "internal_get_user_pages_fast") : "access_ok",
                    lastFn(r), p.name());
        }
    }

    // FOLL_FAST_ONLY: the fast count, never the slow path (gup-fast never faults)
    @Test
    void fastOnly() {
        Lab f = new Lab(Profile.V6_18);
        long a = f.anon(4 * PAGE_SIZE, RW);
        GupResult r = f.gup(get_user_pages_fast_only, a, 4, FOLL_WRITE);
        assertEquals(0, r.ret());
        assertNull(r.pin());
        assertNull(f.t.mm.ptes.get(a >>> PAGE_SHIFT) == 0 ? null : "faulted");
        f.touch(a, 2, true);
        GupResult s = f.gup(get_user_pages_fast_only, a, 4, FOLL_WRITE);
        assertEquals(2, s.ret());
        assertEquals(2, f.ref(s.pin().pfns()[0]));
    }

    // the slow fallback: remaining pages through __gup_longterm_locked with FOLL_TOUCH|FOLL_UNLOCKABLE
    @Test
    void fallbackAndCombination() {
        Lab f = new Lab(Profile.V6_18);
        long a = f.anon(4 * PAGE_SIZE, RW);
        f.touch(a, 2, true);
        GupResult r = f.gup(pin_user_pages_fast, a, 4, FOLL_WRITE);
        assertEquals(4, r.ret());
        assertTrue(text(r).contains("gup-fast took 2 of 4"));
        assertTrue(text(r).contains("FOLL_TOUCH|FOLL_UNLOCKABLE"));
        // fast part 2, slow part fails (hole): the fast count comes back
        long b = f.anon(2 * PAGE_SIZE, RW);
        f.touch(b, 2, true);
        GupResult s = f.gup(pin_user_pages_fast, b, 4, FOLL_WRITE);
        // b's VMA is directly below a's: the 4 pages span b and the first two (touched) pages of a
        assertEquals(4, s.ret());
        long c = f.anon(2 * PAGE_SIZE, RW);
        assertOk(f.munmap(c + PAGE, PAGE));
        f.touch(c, 1, true);
        GupResult t = f.gup(pin_user_pages_fast, c, 3, FOLL_WRITE);
        assertEquals(1, t.ret(), "fast 1, then the slow path hits the hole (-EFAULT): the fast count comes back");
        assertTrue(text(t).contains("gup-fast already took 1 pages"));
        GupResult e = f.gup(pin_user_pages_fast, c + PAGE_SIZE, 1, FOLL_WRITE);
        assertEquals(-14, e.ret(), "nothing fast, slow fails: the error");
    }

    // gup-fast rounds start down to a page boundary
    @Test
    void startRoundedDown() {
        Lab f = new Lab(Profile.V6_18);
        long a = f.anon(PAGE_SIZE, RW);
        f.touch(a, 1, true);
        assertEquals(f.pfn(a), f.gup(pin_user_pages_fast, a + 100, 1, FOLL_WRITE).pin().pfns()[0]);
        assertTrue(f.t.mm.hasPinned());
    }

    // 6.5+ folio_fast_pin_allowed(): FOLL_LONGTERM|FOLL_WRITE of regular page cache is refused fast; the slow path decides
    @Test
    void fileBackedLongtermWriteFastPath() {
        for (Profile p : Profile.ALL) {
            Lab f = new Lab(p);
            int fd = f.open(f.t, "/mnt/xfs/x", O_CREAT | O_RDWR, 4 * PAGE_SIZE);
            long a = f.map(2 * PAGE_SIZE, RW, MAP_SHARED, fd);
            f.touch(a, 2, true);
            GupResult r = f.gup(pin_user_pages_fast, a, 2, FOLL_WRITE | FOLL_LONGTERM);
            if (p.fileBackedLongtermWriteBan()) {
                assertEquals(-14, r.ret(), p.name());
                // folio_fast_pin_allowed() in the 6.5 tree, gup_fast_folio_allowed() in 6.18
                assertTrue(text(r).contains(p == Profile.V6_18 ? "gup_fast_folio_allowed" : "folio_fast_pin_allowed"), p.name());
            } else {
                assertEquals(2, r.ret(), p.name());
                assertTrue(text(r).contains("gup-fast took 2 of 2"), p.name());
            }
        }
    }

    // lockless_pages_from_mm(): an odd write_protect_seq (fork in progress) means no fast pins
    @Test
    void writeProtectSeqOdd() {
        Lab f = new Lab(Profile.V6_18);
        long a = f.anon(PAGE_SIZE, RW);
        f.touch(a, 1, true);
        f.t.mm.writeProtectSeq = 1;
        GupResult r = f.gup(pin_user_pages_fast, a, 1, FOLL_WRITE);
        assertEquals(1, r.ret());
        assertTrue(text(r).contains("write_protect_seq is odd"));
        // FOLL_GET does not look at the sequence
        GupResult g = f.gup(get_user_pages_fast_only, a, 1, FOLL_WRITE);
        assertEquals(1, g.ret());
    }

    // gup-fast bails on the zero page (special PTE) and on read-only non-exclusive anon pages for pins
    @Test
    void fastBailsOnSpecialAndUnshare() {
        Lab f = new Lab(Profile.V6_3);
        long a = f.anon(PAGE_SIZE, RW);
        f.touch(a, 1, false);
        GupResult r = f.gup(get_user_pages_fast_only, a, 1, 0);
        assertEquals(0, r.ret(), "zero page PTE is special on x86");
        GupResult s = f.gup(get_user_pages_fast, a, 1, 0);
        assertEquals(1, s.ret(), "the slow path returns the zero page");
        assertEquals(ZERO_PFN, s.pin().pfns()[0]);
    }

    // gup_pte_range(): PROT_NONE (protnone) PTEs always bail to the slow path, where check_vma_flags decides
    @Test
    void protNoneBails() {
        Lab f = new Lab(Profile.V6_18);
        long a = f.anon(PAGE_SIZE, RW);
        f.touch(a, 1, true);
        assertEquals(0, f.mprotect(a, PAGE_SIZE, 0).ret());
        assertEquals(0, f.gup(get_user_pages_fast_only, a, 1, 0).ret());
        assertEquals(-14, f.gup(get_user_pages_fast, a, 1, 0).ret());
    }

    // FOLL_NOFAULT through gup-fast: nothing mapped, the slow path may not fault either
    @Test
    void noFaultThroughFast() {
        Lab f = new Lab(Profile.V6_18);
        long a = f.anon(PAGE_SIZE, RW);
        GupResult r = f.gup(pin_user_pages_fast, a, 1, FOLL_WRITE | FOLL_NOFAULT);
        assertEquals(-14, r.ret());
        assertEquals(Errno.EFAULT, r.errno());
    }
}
