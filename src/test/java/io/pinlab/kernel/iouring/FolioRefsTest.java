package io.pinlab.kernel.iouring;

import io.pinlab.kernel.Lab;
import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Iovec;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.mm.GupCall;
import io.pinlab.kernel.mm.GupResult;
import io.pinlab.kernel.mm.PhysMem;
import io.pinlab.kernel.mm.PinRelease;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;

import static io.pinlab.kernel.Lab.*;
import static io.pinlab.kernel.mm.PhysMem.GUP_PIN_COUNTING_BIAS;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Folio references after registrations and unpins that update a folio once per run of its pages
 * (try_grab_folio(folio, refs), gup_put_folio(folio, refs) via gup_folio_next(), and
 * unpin_user_folio(folio, nr - 1) in io_coalesce_buffer()): the counts must be what one
 * reference per page gives. The rule (mm/gup.c try_grab_folio(), include/linux/mm.h): a FOLL_PIN
 * of a large folio adds 1 to its refcount and 1 to _pincount, of a small folio
 * GUP_PIN_COUNTING_BIAS to its refcount; unpinning takes the same away.
 */
class FolioRefsTest {
    static List<Profile> profiles() { return Profile.ALL; }

    /** The folio heads and their refcounts before any pin. */
    private record Before(long[] heads, int[] refs) {
        static Before of(PhysMem ph, long[] heads) {
            int[] r = new int[heads.length];
            for (int i = 0; i < heads.length; i++) r[i] = ph.refcount(heads[i]);
            return new Before(heads, r);
        }

        /** Each folio holds {@code pins} FOLL_PINs and nothing else changed. */
        void assertPinned(PhysMem ph, int pins, String what) {
            for (int i = 0; i < heads.length; i++) {
                long h = heads[i];
                if (ph.isLarge(h)) {
                    assertEquals(refs[i] + pins, ph.refcount(h), what + ": refcount of large folio " + i);
                    assertEquals(pins, ph.pincount(h), what + ": _pincount of large folio " + i);
                } else {
                    assertEquals(refs[i] + pins * GUP_PIN_COUNTING_BIAS, ph.refcount(h), what + ": refcount of small folio " + i);
                    assertEquals(0, ph.pincount(h), what + ": a small folio has no _pincount");
                }
            }
        }
    }

    /** {@code n} THPs made by write faults. */
    private static long touchedThp(Lab lab, int n) {
        long a = lab.thp(n);
        lab.touch(a, 512L * n, true);
        return a;
    }

    private static long[] heads(Lab lab, long addr, int pages, int step) {
        long[] h = new long[pages / step];
        for (int i = 0; i < h.length; i++) h[i] = lab.k.phys.head(lab.pfn(addr + (long) i * step * PAGE));
        return h;
    }

    /**
     * Two THP folios registered as one buffer: 1,024 pages pinned, then per folio either one pin
     * kept (6.12+ coalescing drops nr - 1 with unpin_user_folio()) or one pin per page (before).
     */
    @ParameterizedTest
    @MethodSource("profiles")
    void thpBufferHoldsOnePinPerBvec(Profile p) {
        Lab lab = new Lab(p);
        int ring = lab.ring();
        long a = touchedThp(lab, 2);
        Before before = Before.of(lab.k.phys, heads(lab, a, 1024, 512));
        assertTrue(lab.k.phys.isLarge(before.heads()[0]) && lab.k.phys.isLarge(before.heads()[1]), "the write faults made two THPs");
        assertOk(lab.register(ring, iov(a, 2 * HUGE)));
        // io_sqe_buffer_register(): 6.12+ keeps one bvec (one pin) per folio, older kernels one per page
        before.assertPinned(lab.k.phys, p.ioUringMultiFolioCoalesce() ? 1 : 512, "registered");
        assertOk(lab.unregister(ring));
        before.assertPinned(lab.k.phys, 0, "unregistered");
    }

    /** 64 small pages as one buffer and as 64 buffers of 4 KiB: each page one pin, either way. */
    @ParameterizedTest
    @MethodSource("profiles")
    void smallPagesHoldOneBiasEach(Profile p) {
        Lab lab = new Lab(p);
        int ring = lab.ring(), ring2 = lab.ring();
        long a = lab.anon(64 * PAGE), b = lab.anon(64 * PAGE);
        lab.touch(a, 64, true);
        lab.touch(b, 64, true);
        Before ba = Before.of(lab.k.phys, heads(lab, a, 64, 1)), bb = Before.of(lab.k.phys, heads(lab, b, 64, 1));
        assertOk(lab.register(ring, iov(a, 64 * PAGE)));
        List<Iovec> each = new ArrayList<>();
        for (int i = 0; i < 64; i++) each.add(iov(b + i * PAGE, PAGE));
        assertOk(lab.register(RegisterArgs.buffers(ring2, each)));
        ba.assertPinned(lab.k.phys, 1, "one 256 KiB buffer");
        bb.assertPinned(lab.k.phys, 1, "64 buffers of 4 KiB");
        assertOk(lab.unregister(ring));
        assertOk(lab.unregister(ring2));
        ba.assertPinned(lab.k.phys, 0, "unregistered");
        bb.assertPinned(lab.k.phys, 0, "unregistered");
    }

    /** A short pin: the THP pages pinned before the hole are given back by unpin_user_pages(), per folio. */
    @ParameterizedTest
    @MethodSource("profiles")
    void shortPinGivesBackWhatItTook(Profile p) {
        Lab lab = new Lab(p);
        int ring = lab.ring();
        long a = touchedThp(lab, 1);
        assertOk(lab.munmap(a + HUGE, PAGE)); // the page after the THP is a hole
        Before before = Before.of(lab.k.phys, heads(lab, a, 512, 512));
        assertErr(Errno.EFAULT, "io_pin_pages", lab.register(ring, iov(a, HUGE + PAGE)));
        before.assertPinned(lab.k.phys, 0, "after -EFAULT");
    }

    /** pin_user_pages() of two THPs, released by unpin_user_pages(_dirty_lock): runs of one folio at once. */
    @ParameterizedTest
    @MethodSource("profiles")
    void unpinUserPagesReleasesEveryPin(Profile p) {
        for (PinRelease how : List.of(PinRelease.unpin_user_pages, PinRelease.unpin_user_pages_dirty_lock)) {
            Lab lab = new Lab(p);
            long a = touchedThp(lab, 2);
            Before before = Before.of(lab.k.phys, heads(lab, a, 1024, 512));
            GupResult r = lab.gup(GupCall.pin_user_pages, a, 1024, FOLL_WRITE | FOLL_LONGTERM);
            assertEquals(1024, r.ret());
            before.assertPinned(lab.k.phys, 512, "pinned page by page");
            assertOk(lab.release(r.pin().id(), how, true));
            before.assertPinned(lab.k.phys, 0, how + " released");
        }
    }
}
